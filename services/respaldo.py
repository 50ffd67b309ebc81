"""Respaldo y restauración: la base de datos y todos los archivos, con un manifiesto que permite comprobar que lo
restaurado es lo respaldado (`flask respaldo DESTINO`, `flask restaurar ORIGEN`).

Una carpeta de respaldo contiene:
- `base.dump` (PostgreSQL: `pg_dump` en formato personalizado) o `base.sqlite3` (SQLite: copia en línea con la API de
  respaldo de SQLite, sin detener la aplicación);
- `archivos/ab/cd/<sha256>.<ext>`: cada archivo del almacén, comprobado contra su SHA-256 al copiarlo;
- `manifiesto.json` (se escribe al final: sin él, el respaldo no terminó): la revisión de las migraciones, las filas de
  cada tabla, el SHA-256 del volcado y la lista de archivos con su SHA-256 y tamaño.

En PostgreSQL el conteo de filas y `pg_dump` ven la misma instantánea (`pg_export_snapshot` en una transacción
REPEATABLE READ): el manifiesto describe exactamente lo volcado aunque la aplicación siga atendiendo. Los archivos se
escriben antes de confirmar la fila que los usa (services/archivos.py), así que todo archivo que nombra la base ya
estaba en el almacén cuando se tomó la instantánea.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from models import ErrorDeRegla, ahora, db
from services import archivos
from services.registro import NODO

FORMATO = 1
MANIFIESTO = "manifiesto.json"


class ErrorRespaldo(ErrorDeRegla):
    pass


# =========================================================================== utilidades
def binario_pg(nombre: str) -> str:
    """Ruta de `pg_dump` / `pg_restore`: `PG_BIN` (config), el PATH, o la versión más nueva en
    /usr/lib/postgresql/*/bin (Debian). Debe ser de la misma versión que el servidor, o más nueva."""
    carpeta = current_app.config["PG_BIN"]
    candidatos = [str(Path(carpeta) / nombre)] if carpeta else []
    if encontrado := shutil.which(nombre):
        candidatos.append(encontrado)
    candidatos += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{nombre}"),
                         key=lambda r: int(r.split("/")[4]) if r.split("/")[4].isdigit() else 0, reverse=True)
    for c in candidatos:
        if Path(c).is_file() and os.access(c, os.X_OK):
            return c
    raise ErrorRespaldo(f"No se encontró {nombre} (instale el cliente de PostgreSQL o indique PG_BIN).")


def _conexion_pg(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """Argumentos de conexión y entorno para pg_dump/pg_restore (la contraseña va en PGPASSWORD, nunca en la línea
    de órdenes, que ve cualquiera con `ps`)."""
    args = [f"--dbname={url.database}"]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    entorno = dict(os.environ)
    if url.password:
        entorno["PGPASSWORD"] = url.password
    for clave, valor in url.query.items():  # sslmode, sslrootcert… del DATABASE_URL
        if clave.startswith("ssl") and isinstance(valor, str):
            entorno[f"PG{clave.upper()}"] = valor
    entorno.setdefault("PGCONNECT_TIMEOUT", "10")
    return args, entorno


def _sha256_de_archivo(ruta: Path) -> str:
    suma = hashlib.sha256()
    with ruta.open("rb") as f:
        while bloque := f.read(1 << 20):
            suma.update(bloque)
    return suma.hexdigest()


def _conteos(conexion) -> dict[str, int]:
    tablas = sorted(sa.inspect(conexion).get_table_names())
    return {t: conexion.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) for t in tablas}


def _revision(conexion) -> str | None:
    try:
        return conexion.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.DBAPIError:
        return None


def conteos_actuales() -> dict[str, int]:
    with db.engine.connect() as c:
        return _conteos(c)


# =========================================================================== respaldo
def respaldar(destino: Path, eco=print) -> dict:
    """Escribe el respaldo en `destino` (carpeta nueva o vacía) y devuelve el manifiesto."""
    destino = Path(destino)
    if destino.exists() and any(destino.iterdir()):
        raise ErrorRespaldo(f"{destino} no está vacía: cada respaldo va en una carpeta nueva.")
    destino.mkdir(parents=True, exist_ok=True)
    destino.chmod(0o700)  # contiene datos personales
    url = db.engine.url
    motor = db.engine.dialect.name
    if motor == "postgresql":
        volcado = destino / "base.dump"
        args, entorno = _conexion_pg(url)
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as c:
            instantanea = c.scalar(sa.text("SELECT pg_export_snapshot()"))
            tablas = _conteos(c)
            revision = _revision(c)
            eco(f"Base PostgreSQL {url.database}: pg_dump de la instantánea {instantanea}…")
            proceso = subprocess.run([binario_pg("pg_dump"), *args, "--format=custom", f"--snapshot={instantanea}",
                                      f"--file={volcado}"], env=entorno, capture_output=True, text=True)
            c.rollback()
        if proceso.returncode != 0:
            raise ErrorRespaldo(f"pg_dump falló: {proceso.stderr.strip()[-2000:]}")
    elif motor == "sqlite":
        volcado = destino / "base.sqlite3"
        eco(f"Base SQLite {url.database}: copia en línea…")
        fuente = sqlite3.connect(url.database)
        copia = sqlite3.connect(volcado)
        try:
            fuente.backup(copia)
        finally:
            copia.close()
            fuente.close()
        motor_copia = sa.create_engine(f"sqlite:///{volcado}", poolclass=sa.pool.NullPool)
        with motor_copia.connect() as c:  # lo que quedó en la copia (una instantánea de la base)
            tablas, revision = _conteos(c), _revision(c)
        motor_copia.dispose()
    else:
        raise ErrorRespaldo(f"Motor de base de datos no soportado para respaldo: {motor}")
    volcado.chmod(0o600)

    origen = archivos.almacen()
    eco(f"Archivos de {origen.descripcion}…")
    copia_archivos = archivos.AlmacenLocal(destino / "archivos")
    copiados, _estaban, errores = archivos.copiar_todo(origen, copia_archivos, eco=eco)
    if errores:
        raise ErrorRespaldo("Archivos que no se pudieron respaldar:\n" + "\n".join(errores[:50]))
    lista = [{"clave": clave, "sha256": archivos.sha_de_clave(clave), "tamano": tamano}
             for clave, tamano, _ in copia_archivos.listar()]
    usadas = archivos.claves_en_uso()
    faltan = sorted(usadas - {a["clave"] for a in lista})
    manifiesto = {
        "formato": FORMATO, "creado": ahora().isoformat(timespec="seconds"), "nodo": NODO,
        "base": {"motor": motor, "archivo": volcado.name, "sha256": _sha256_de_archivo(volcado),
                 "tamano": volcado.stat().st_size, "revision": revision},
        "tablas": tablas,
        "archivos": lista,
        "faltan": faltan,  # archivos que la base nombra y no estaban en el almacén (no debería haber)
        "almacen": origen.descripcion,
    }
    (destino / MANIFIESTO).write_text(json.dumps(manifiesto, ensure_ascii=False, indent=1))
    (destino / MANIFIESTO).chmod(0o600)
    eco(f"Respaldo listo en {destino}: {sum(tablas.values())} filas en {len(tablas)} tablas, {len(lista)} archivos "
        f"({copiados} copiados, {sum(a['tamano'] for a in lista) / 1e6:.1f} MB).")
    if faltan:
        eco(f"ATENCIÓN: {len(faltan)} archivos que usa la base no están en el almacén: {', '.join(faltan[:10])}")
    return manifiesto


# =========================================================================== restauración
def leer_manifiesto(origen: Path) -> dict:
    ruta = Path(origen) / MANIFIESTO
    if not ruta.is_file():
        raise ErrorRespaldo(f"{origen} no tiene {MANIFIESTO}: no es un respaldo o no terminó.")
    manifiesto = json.loads(ruta.read_text())
    if manifiesto.get("formato") != FORMATO:
        raise ErrorRespaldo(f"Formato de respaldo desconocido: {manifiesto.get('formato')!r}.")
    return manifiesto


def restaurar(origen: Path, eco=print) -> dict:
    """Restaura el respaldo de `origen` en la base (vacía) y el almacén de esta aplicación; compara cada tabla y cada
    archivo con el manifiesto. Devuelve {"tablas": {t: (esperadas, restauradas)}, "archivos": n}."""
    origen = Path(origen)
    manifiesto = leer_manifiesto(origen)
    volcado = origen / manifiesto["base"]["archivo"]
    if _sha256_de_archivo(volcado) != manifiesto["base"]["sha256"]:
        raise ErrorRespaldo(f"{volcado.name} no coincide con el SHA-256 del manifiesto: el respaldo está dañado.")
    motor = db.engine.dialect.name
    if motor != manifiesto["base"]["motor"]:
        raise ErrorRespaldo(f"El respaldo es de {manifiesto['base']['motor']} y la base de destino es {motor}.")
    if sa.inspect(db.engine).get_table_names():
        raise ErrorRespaldo("La base de destino no está vacía: restaure en una base nueva (createdb) y cambie "
                            "DATABASE_URL después de comprobarla.")
    # los archivos primero: una base restaurada nunca apunta a archivos que aún no están
    destino = archivos.almacen()
    eco(f"Archivos → {destino.descripcion}…")
    copia = archivos.AlmacenLocal(origen / "archivos")
    for a in manifiesto["archivos"]:
        if archivos.sha_de_clave(a["clave"]) != a["sha256"]:
            raise ErrorRespaldo(f"{a['clave']}: su nombre no es su SHA-256 en el manifiesto.")
        if not destino.existe(a["clave"]):
            try:
                with copia.abrir(a["clave"]) as f:
                    archivos.guardar(f, a["clave"].rpartition(".")[2], destino=destino, sha256=a["sha256"])
            except FileNotFoundError as e:
                raise ErrorRespaldo(f"{a['clave']}: está en el manifiesto y no en el respaldo.") from e
            except archivos.ErrorAlmacen as e:
                raise ErrorRespaldo(f"{a['clave']}: {e} El respaldo está dañado; no se restauró la base.") from e
    db.engine.dispose()
    url = db.engine.url
    eco(f"Base → {motor} {url.database}…")
    if motor == "postgresql":
        args, entorno = _conexion_pg(url)
        proceso = subprocess.run([binario_pg("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
                                  "--single-transaction", str(volcado)], env=entorno, capture_output=True, text=True)
        if proceso.returncode != 0:
            raise ErrorRespaldo(f"pg_restore falló: {proceso.stderr.strip()[-2000:]}")
    else:
        fuente = sqlite3.connect(volcado)
        copia_db = sqlite3.connect(url.database)
        try:
            fuente.backup(copia_db)
        finally:
            copia_db.close()
            fuente.close()
    return comparar(manifiesto, eco)


def comparar(manifiesto: dict, eco=print) -> dict:
    """Filas de cada tabla y SHA-256 de cada archivo, contra el manifiesto; ErrorRespaldo si algo no coincide."""
    db.session.remove()
    db.engine.dispose()
    with db.engine.connect() as c:
        ahora_tablas = _conteos(c)
    tablas = {t: (n, ahora_tablas.get(t)) for t, n in manifiesto["tablas"].items()}
    distintas = {t: v for t, v in tablas.items() if v[0] != v[1]}
    destino = archivos.almacen()
    malos = [a["clave"] for a in manifiesto["archivos"]
             if not destino.existe(a["clave"]) or archivos.hash_de(a["clave"], destino) != a["sha256"]]
    eco(f"Comparación: {len(tablas)} tablas, {sum(n for n, _ in tablas.values())} filas; "
        f"{len(manifiesto['archivos'])} archivos por SHA-256.")
    if distintas or malos:
        raise ErrorRespaldo("La restauración no coincide con el respaldo: "
                            + "; ".join(f"{t}: {a} filas en el respaldo, {b} restauradas" for t, (a, b) in
                                        distintas.items())
                            + ("; archivos distintos o ausentes: " + ", ".join(malos[:20]) if malos else ""))
    eco("Todo coincide: cada tabla con sus filas y cada archivo con su SHA-256.")
    return {"tablas": tablas, "archivos": len(manifiesto["archivos"])}
