"""Servidor PostgreSQL desechable para pruebas y benchmarks (initdb + pg_ctl en un directorio temporal).

PostgreSQL no arranca como root: si el proceso es root, el servidor corre como el
usuario `postgres` del sistema (o `nobody`), con el directorio de datos suyo.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def binarios() -> Path | None:
    encontrado = shutil.which("initdb")
    if encontrado:
        return Path(os.path.realpath(encontrado)).parent
    candidatos = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidatos[0]).parent if candidatos else None


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServidorPG:
    def __init__(self):
        self.bin = binarios()
        if self.bin is None:
            raise RuntimeError("no se encontró initdb/pg_ctl (instale el paquete postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="secretaria-pg-"))
        self.datos = self.dir / "datos"
        self.puerto = _puerto_libre()
        self.usuario_so = None
        if os.geteuid() == 0:
            for nombre in ("postgres", "nobody"):
                try:
                    self.usuario_so = pwd.getpwnam(nombre)
                    break
                except KeyError:
                    continue
            if self.usuario_so is None:
                raise RuntimeError("corriendo como root sin usuario 'postgres' ni 'nobody' para el servidor")
            os.chown(self.dir, self.usuario_so.pw_uid, self.usuario_so.pw_gid)
            self.dir.chmod(0o755)

    def _correr(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.usuario_so is not None:
            uid, gid = self.usuario_so.pw_uid, self.usuario_so.pw_gid

            def bajar():
                os.setgid(gid)
                os.setuid(uid)

            subprocess.run(cmd, check=True, capture_output=True, preexec_fn=bajar, cwd=self.dir)
        else:
            subprocess.run(cmd, check=True, capture_output=True, cwd=self.dir)

    def iniciar(self) -> ServidorPG:
        self._correr("initdb", "-D", str(self.datos), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C.UTF-8" if _hay_locale("C.UTF-8") else "--locale=C")
        for intento in range(3):  # con pruebas en paralelo, otro proceso pudo tomar el puerto entre tanto
            opciones = (f"-p {self.puerto} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            try:
                self._correr("pg_ctl", "-D", str(self.datos), "-o", opciones, "-l", str(self.dir / "log"), "-w",
                             "start")
                return self
            except subprocess.CalledProcessError:
                if intento == 2:
                    raise
                self.puerto = _puerto_libre()
        return self

    def url(self, base: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.puerto}/{base}"

    def sql(self, sentencia: str, base: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.puerto} user=postgres dbname={base}",
                             autocommit=True) as c:
            c.execute(sentencia)

    def detener(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._correr("pg_ctl", "-D", str(self.datos), "-m", "immediate", "stop")
        time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)


def para_benchmark(omitir: bool, base: str = "bench") -> tuple[ServidorPG | None, str | None]:
    """PostgreSQL desechable con una base vacía para un benchmark: (servidor, url), o (None, None) con el
    motivo impreso si se pidió omitirlo o no se puede (el benchmark sigue con SQLite)."""
    if omitir:
        print("[postgres] omitido (--sin-postgres)")
        return None, None
    if binarios() is None:
        print("[postgres] OMITIDO: no hay initdb/pg_ctl en esta máquina (instale el paquete postgresql); "
              "PostgreSQL es la base de producción: esta corrida no dice nada de ella.")
        return None, None
    servidor = ServidorPG()
    try:
        servidor.iniciar()
        servidor.sql(f"CREATE DATABASE {base}")
        return servidor, servidor.url(base)
    except Exception as e:  # noqa: BLE001 - sin PostgreSQL se sigue con SQLite
        print(f"[postgres] omitido: no arrancó ({type(e).__name__}: {e})")
        servidor.detener()
        return None, None


def _hay_locale(nombre: str) -> bool:
    try:
        salida = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    except FileNotFoundError:
        return False
    return nombre.lower().replace("utf-8", "utf8") in salida
