"""Servidores reales y desechables para las pruebas y los benchmarks, además del PostgreSQL de tests/pg_server.py:

- S3: el servidor independiente de moto (`python -m moto.server`) en otro proceso, en un puerto libre: la aplicación
  le habla por HTTP con boto3, como a MinIO o AWS.
- Redis: `redis-server` (paquete de Debian) en un puerto libre, sin persistencia.

Como con PostgreSQL: si falta uno, sus pruebas se omiten con el motivo, salvo con REQUIRE_S3=1 / REQUIRE_REDIS=1
(los pone .ci/run), donde fallan.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

CREDENCIALES_S3 = {"AWS_ACCESS_KEY_ID": "pruebas", "AWS_SECRET_ACCESS_KEY": "pruebas-secreto",
                   "AWS_DEFAULT_REGION": "us-east-1"}


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def esperar_puerto(puerto: int, proceso: subprocess.Popen, segundos: float = 30) -> None:
    limite = time.monotonic() + segundos
    while time.monotonic() < limite:
        if proceso.poll() is not None:
            raise RuntimeError(f"el proceso terminó con código {proceso.returncode} antes de escuchar en {puerto}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", puerto), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nada escucha en el puerto {puerto} después de {segundos} s")


def exigir_o_omitir(variable: str, motivo: str):
    """Falla si la CI exige el servicio (REQUIRE_…=1); si no, omite con el motivo."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{variable}=1 pero {motivo}")
    pytest.skip(motivo)


class ServidorS3:
    def __init__(self):
        self.puerto = puerto_libre()
        self.proceso: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)

    @staticmethod
    def disponible() -> bool:
        try:
            import flask_cors  # noqa: F401
            import moto.server  # noqa: F401
        except ImportError:
            return False
        return True

    def iniciar(self) -> ServidorS3:
        for intento in range(3):
            self.proceso = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                             str(self.puerto)], stdout=self.log, stderr=subprocess.STDOUT,
                                            env={**os.environ, **CREDENCIALES_S3})
            try:
                esperar_puerto(self.puerto, self.proceso)
                return self
            except RuntimeError:
                _terminar(self.proceso)
                if intento == 2:
                    self.detener()
                    raise
                self.puerto = puerto_libre()
        return self

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.puerto}"

    def cliente(self):
        """Un cliente boto3 propio de la prueba (independiente del de la aplicación)."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=CREDENCIALES_S3["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENCIALES_S3["AWS_SECRET_ACCESS_KEY"])

    def nuevo_bucket(self, nombre: str) -> str:
        self.cliente().create_bucket(Bucket=nombre)
        return nombre

    def url(self, bucket: str, prefijo: str = "archivos") -> str:
        return f"s3://{bucket}/{prefijo}?endpoint={self.endpoint}&region=us-east-1"

    def objetos(self, bucket: str) -> dict[str, bytes]:
        c = self.cliente()
        claves = [o["Key"] for o in c.list_objects_v2(Bucket=bucket).get("Contents", [])]
        return {k: c.get_object(Bucket=bucket, Key=k)["Body"].read() for k in claves}

    def detener(self) -> None:
        _terminar(self.proceso)
        self.proceso = None
        if not self.log.closed:
            self.log.close()
            Path(self.log.name).unlink(missing_ok=True)


def _terminar(proceso: subprocess.Popen | None) -> None:
    if proceso is not None and proceso.poll() is None:
        proceso.terminate()
        try:
            proceso.wait(10)
        except subprocess.TimeoutExpired:
            proceso.kill()
            proceso.wait()


def binario_redis() -> str | None:
    return shutil.which("redis-server") or next(
        (r for r in ("/usr/bin/redis-server", "/usr/local/bin/redis-server") if Path(r).is_file()), None)


class ServidorRedis:
    def __init__(self):
        self.binario = binario_redis()
        self.puerto = puerto_libre()
        self.dir = Path(tempfile.mkdtemp(prefix="secretaria-redis-"))
        self.proceso: subprocess.Popen | None = None

    def iniciar(self) -> ServidorRedis:
        for intento in range(3):
            self.proceso = subprocess.Popen(
                [self.binario, "--port", str(self.puerto), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.dir), "--protected-mode", "yes"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                esperar_puerto(self.puerto, self.proceso)
                return self
            except RuntimeError:
                self.detener()
                if intento == 2:
                    raise
                self.puerto = puerto_libre()
        return self

    def url(self, base: int = 0) -> str:
        return f"redis://127.0.0.1:{self.puerto}/{base}"

    def detener(self) -> None:
        _terminar(self.proceso)
        self.proceso = None
        shutil.rmtree(self.dir, ignore_errors=True)
