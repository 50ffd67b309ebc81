"""Almacenamiento de los archivos de la aplicación (adjuntos, PDF recibidos y firmados, textos oficiales de normas,
documentos generados que deban conservarse): una carpeta local o un almacenamiento de objetos compatible con S3.

No confundir con `services/archivo.py` (el archivo central: cajas, transferencias, préstamos).

Reglas del almacén:
- **Nombrado por su contenido**: la clave de un archivo es `ab/cd/<sha256>.<extensión>`; la fila que lo usa guarda
  esa clave y el SHA-256. Dos subidas del mismo PDF son un solo archivo.
- **Se escribe una vez**: una clave que ya existe no se reescribe (su contenido es, por definición, el mismo).
- **Se entrega por la aplicación**: `responder()` después de que la vista comprobó el alcance del usuario; nunca una
  dirección pública del bucket.
- **No se borra lo que una fila usa**: `borrar_huerfano()` solo quita archivos que ninguna fila nombra (un alta que
  falló al confirmar) y que tienen más de un día. Eliminar documentos de archivo exige la autorización del AGN
  (docs/reglas.md §7): no se hace aquí.

Dónde: `ARCHIVOS_URL` vacío → la carpeta `ADJUNTOS_DIR`; `s3://bucket/prefijo` → S3 (MinIO, Ceph, AWS) con boto3.
El punto de acceso y las credenciales salen del entorno (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`), como en toda herramienta de S3; la URL admite además
`?endpoint=http://minio:9000&region=us-east-1` (no secretos).

Uso típico:
- Subida en un formulario: `preparar(datos, "pdf", fila)` calcula el hash y deja la escritura para el `commit` de la
  sesión que guarda `fila`: el archivo se escribe **antes** de confirmar la transacción (una fila nunca apunta a un
  archivo que no existe) y solo si la fila quedó en la sesión (un formulario rechazado no escribe nada).
- CLI, restauración, migración: `guardar(datos_o_flujo)` escribe en el acto.
- Lectura: `leer(clave)`, `abrir(clave)`, `existe(clave)`; descarga: `responder(clave, nombre, tipo_mime)`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import current_app, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

import models
from models import (
    Adjunto,
    AnexoRedaccion,
    DepositoCasilla,
    DocumentoEmitido,
    ErrorDeRegla,
    NormaMunicipal,
    Redaccion,
    VersionRedaccion,
    ahora,
    db,
)

BLOQUE = 1 << 16
BLOQUE_ENVIO = 1 << 18
MEMORIA_MAXIMA = 8 * 1024 * 1024  # un flujo más grande se vuelca a un temporal mientras se calcula su hash

# Columnas que guardan la clave de un archivo del almacén: lo que una fila usa no se borra, se respalda y se verifica.
# Un modelo nuevo con un PDF hereda `models.ConPdf`, que anota su columna sola (`columnas_con_archivo()` las suma);
# aquí, las columnas escritas a mano.
COLUMNAS_CON_ARCHIVO = (Adjunto.ruta, NormaMunicipal.texto_oficial_ruta, DepositoCasilla.pdf_ruta,
                        DocumentoEmitido.pdf_ruta, NormaMunicipal.pdf_firmado_ruta, Redaccion.pdf_ruta,
                        VersionRedaccion.pdf_ruta, AnexoRedaccion.ruta)


class ErrorAlmacen(ErrorDeRegla):
    """El almacén no respondió o el archivo no coincide con su hash."""


@dataclass(frozen=True)
class Archivo:
    clave: str
    sha256: str
    tamano: int


def clave_de(sha256: str, extension: str = "pdf") -> str:
    """`ab/cd/<sha256>.<extensión>`: dos niveles de carpetas para no tener millones de archivos en una."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"SHA-256 no válido: {sha256!r}")
    extension = extension.lower().lstrip(".")
    if not extension.isalnum() or len(extension) > 10:
        raise ValueError(f"extensión no válida: {extension!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def sha_de_clave(clave: str) -> str:
    """El SHA-256 que la clave promete (su nombre sin extensión)."""
    return clave.rpartition("/")[2].partition(".")[0]


def _clave_valida(clave: str) -> str:
    partes = clave.split("/")
    if len(partes) != 3 or clave != clave_de(sha_de_clave(clave), clave.rpartition(".")[2]):
        raise ValueError(f"clave de archivo no válida: {clave!r}")
    return clave


# =========================================================================== los dos almacenes
class AlmacenLocal:
    """Una carpeta del disco (o una carpeta compartida montada en cada nodo)."""

    def __init__(self, raiz: str | Path):
        self.raiz = Path(raiz)
        self.descripcion = f"carpeta {self.raiz}"

    def _ruta(self, clave: str) -> Path:
        return self.raiz / _clave_valida(clave)

    def existe(self, clave: str) -> bool:
        return self._ruta(clave).is_file()

    def tamano(self, clave: str) -> int | None:
        try:
            return self._ruta(clave).stat().st_size
        except FileNotFoundError:
            return None

    def escribir(self, clave: str, flujo: BinaryIO, tamano: int, sha256: str) -> bool:
        """Escribe el archivo si no existe (temporal + renombre atómico); False si ya estaba."""
        destino = self._ruta(clave)
        if destino.is_file():
            return False
        destino.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=destino.parent, prefix=".", suffix=".tmp", delete=False) as tmp:
            try:
                shutil.copyfileobj(flujo, tmp, BLOQUE)
                tmp.flush()
                os.fsync(tmp.fileno())
            except BaseException:
                tmp.close()
                Path(tmp.name).unlink(missing_ok=True)
                raise
        os.chmod(tmp.name, 0o600)  # solo el usuario del servicio lee los documentos
        os.replace(tmp.name, destino)
        return True

    def abrir(self, clave: str) -> BinaryIO:
        try:
            return self._ruta(clave).open("rb")
        except FileNotFoundError:
            raise FileNotFoundError(clave) from None

    def borrar(self, clave: str) -> None:
        self._ruta(clave).unlink(missing_ok=True)

    def listar(self) -> Iterator[tuple[str, int, datetime]]:
        """(clave, tamaño, modificado) de cada archivo."""
        if not self.raiz.is_dir():
            return
        for ruta in sorted(self.raiz.glob("??/??/*")):
            if ruta.is_file() and not ruta.name.startswith("."):
                clave = ruta.relative_to(self.raiz).as_posix()
                try:
                    _clave_valida(clave)
                except ValueError:
                    continue
                st = ruta.stat()
                yield clave, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)

    def comprobar(self) -> None:
        """Lanza OSError si la carpeta no existe o no se puede escribir en ella."""
        self.raiz.mkdir(parents=True, exist_ok=True)
        if not os.access(self.raiz, os.W_OK | os.X_OK):
            raise OSError(f"sin permiso de escritura en {self.raiz}")

    def responder(self, clave: str, nombre: str, tipo_mime: str, descargar: bool):
        ruta = self._ruta(clave)
        if not ruta.is_file():
            return None
        return send_file(ruta, mimetype=tipo_mime, download_name=nombre, as_attachment=descargar,
                         etag=sha_de_clave(clave), conditional=True)


class AlmacenS3:
    """Un bucket de un almacenamiento de objetos compatible con S3 (MinIO, Ceph, AWS S3)."""

    def __init__(self, bucket: str, prefijo: str = "", endpoint: str | None = None, region: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefijo = bucket, prefijo.strip("/")
        self.descripcion = f"s3://{bucket}/{self.prefijo}" + (f" en {endpoint}" if endpoint else "")
        config = Config(
            connect_timeout=5, read_timeout=60, retries={"max_attempts": 4, "mode": "standard"},
            # la suma SHA-256 la damos nosotros; las sumas CRC por defecto de boto3 ≥ 1.36 no las aceptan todos los
            # servidores compatibles (MinIO y Ceph antiguos)
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
            # el cuerpo no se firma (UNSIGNED-PAYLOAD): su integridad la da el SHA-256 propio que viaja con él
            # (x-amz-checksum-sha256, que el servidor comprueba); firmarlo calcularía el mismo hash otra vez
            s3={"addressing_style": "path" if endpoint or os.environ.get("AWS_ENDPOINT_URL") else "auto",
                "payload_signing_enabled": False},
            max_pool_connections=20,
        )
        self.cliente = boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region, config=config)

    def _clave(self, clave: str) -> str:
        clave = _clave_valida(clave)
        return f"{self.prefijo}/{clave}" if self.prefijo else clave

    def _sin_prefijo(self, clave: str) -> str:
        return clave[len(self.prefijo) + 1:] if self.prefijo else clave

    @staticmethod
    def _no_existe(e) -> bool:
        codigo = getattr(e, "response", {}).get("Error", {}).get("Code")
        return codigo in ("404", "NoSuchKey", "NotFound")

    def tamano(self, clave: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self.cliente.head_object(Bucket=self.bucket, Key=self._clave(clave))["ContentLength"]
        except ClientError as e:
            if self._no_existe(e):
                return None
            raise

    def existe(self, clave: str) -> bool:
        return self.tamano(clave) is not None

    def escribir(self, clave: str, flujo: BinaryIO, tamano: int, sha256: str) -> bool:
        """Una sola petición: PUT condicional (`If-None-Match: *`), que el servidor rechaza (412) si la clave ya
        existe: se escribe una vez sin preguntar antes. Un servidor que no entienda la condición reescribe el mismo
        contenido (la clave es su hash), lo que da igual."""
        from botocore.exceptions import ClientError

        # el SHA-256 viaja con el objeto (x-amz-checksum-sha256): AWS S3 y MinIO rechazan lo que llegó alterado y
        # lo guardan junto al objeto (HeadObject con ChecksumMode lo devuelve)
        suma = base64.b64encode(bytes.fromhex(sha256)).decode()
        try:
            self.cliente.put_object(Bucket=self.bucket, Key=self._clave(clave), Body=flujo, ContentLength=tamano,
                                    ChecksumAlgorithm="SHA256", ChecksumSHA256=suma, IfNoneMatch="*",
                                    ContentType="application/octet-stream")
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def abrir(self, clave: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.cliente.get_object(Bucket=self.bucket, Key=self._clave(clave))["Body"]
        except ClientError as e:
            if self._no_existe(e):
                raise FileNotFoundError(clave) from None
            raise

    def borrar(self, clave: str) -> None:
        self.cliente.delete_object(Bucket=self.bucket, Key=self._clave(clave))

    def listar(self) -> Iterator[tuple[str, int, datetime]]:
        paginas = self.cliente.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, **({"Prefix": self.prefijo + "/"} if self.prefijo else {}))
        for pagina in paginas:
            for obj in pagina.get("Contents", []):
                clave = self._sin_prefijo(obj["Key"])
                try:
                    _clave_valida(clave)
                except ValueError:
                    continue
                yield clave, obj["Size"], obj["LastModified"]

    def comprobar(self) -> None:
        self.cliente.head_bucket(Bucket=self.bucket)

    def responder(self, clave: str, nombre: str, tipo_mime: str, descargar: bool):
        from botocore.exceptions import ClientError

        try:
            obj = self.cliente.get_object(Bucket=self.bucket, Key=self._clave(clave))
        except ClientError as e:
            if self._no_existe(e):
                return None
            raise
        cuerpo = obj["Body"]
        respuesta = send_file(io.BytesIO(), mimetype=tipo_mime, download_name=nombre, as_attachment=descargar,
                              etag=sha_de_clave(clave), conditional=False)  # las cabeceras (nombre con tildes…)
        respuesta.response = cuerpo.iter_chunks(BLOQUE_ENVIO)  # en bloques de 256 KB, sin tenerlo entero en memoria
        respuesta.call_on_close(cuerpo.close)
        respuesta.content_length = obj["ContentLength"]
        return respuesta


def crear_almacen(url: str | None, carpeta: str | Path | None = None) -> AlmacenLocal | AlmacenS3:
    """El almacén que nombra `url` (`s3://bucket/prefijo?endpoint=…&region=…`, `file:///ruta` o una ruta);
    vacía → la `carpeta` local."""
    if not url:
        if carpeta is None:
            raise ValueError("sin ARCHIVOS_URL ni carpeta local")
        return AlmacenLocal(carpeta)
    partes = urlsplit(url)
    if partes.scheme == "s3":
        if not partes.netloc:
            raise ValueError(f"ARCHIVOS_URL sin bucket: {url!r} (use s3://bucket/prefijo)")
        opciones = {k: v[-1] for k, v in parse_qs(partes.query).items()}
        return AlmacenS3(partes.netloc, partes.path, endpoint=opciones.get("endpoint"), region=opciones.get("region"))
    if partes.scheme == "file":
        return AlmacenLocal(partes.path)
    if partes.scheme in ("", None) or len(partes.scheme) == 1:  # ruta (también C:\… en Windows)
        return AlmacenLocal(url)
    raise ValueError(f"ARCHIVOS_URL no reconocida: {url!r} (use s3://bucket/prefijo o una carpeta)")


def almacen(app=None) -> AlmacenLocal | AlmacenS3:
    """El almacén de la aplicación (uno por app, creado la primera vez)."""
    app = app or current_app._get_current_object()
    existente = app.extensions.get("almacen_archivos")
    if existente is None:
        existente = crear_almacen(app.config["ARCHIVOS_URL"], app.config["ADJUNTOS_DIR"])
        app.extensions["almacen_archivos"] = existente
    return existente


# =========================================================================== escribir
def _volcar(datos: bytes | BinaryIO) -> tuple[BinaryIO, str, int]:
    """(flujo al inicio, sha256, tamaño). Los bytes se usan tal cual; un flujo se copia a un temporal (en memoria
    hasta 8 MB) mientras se calcula su hash."""
    if isinstance(datos, (bytes, bytearray, memoryview)):
        datos = bytes(datos)
        return io.BytesIO(datos), hashlib.sha256(datos).hexdigest(), len(datos)
    suma, tamano = hashlib.sha256(), 0
    tmp = tempfile.SpooledTemporaryFile(max_size=MEMORIA_MAXIMA)
    while bloque := datos.read(BLOQUE):
        suma.update(bloque)
        tamano += len(bloque)
        tmp.write(bloque)
    tmp.seek(0)
    return tmp, suma.hexdigest(), tamano


def guardar(datos: bytes | BinaryIO, extension: str = "pdf", destino=None, sha256: str | None = None) -> Archivo:
    """Escribe ya (sin transacción) y devuelve el archivo. Con `sha256`, el contenido debe tener ese hash (si no,
    ErrorAlmacen y nada se escribe)."""
    destino = destino or almacen()
    flujo, sha, tamano = _volcar(datos)
    try:
        if sha256 is not None and sha != sha256:
            raise ErrorAlmacen(f"El contenido no coincide con su SHA-256 (esperado {sha256}, leído {sha}).")
        clave = clave_de(sha, extension)
        destino.escribir(clave, flujo, tamano, sha)
    finally:
        flujo.close()
    return Archivo(clave, sha, tamano)


@dataclass
class _Pendiente:
    fila: object
    clave: str
    sha256: str
    datos: bytes


def preparar(datos: bytes, extension: str = "pdf", fila=None, session: Session | None = None) -> Archivo:
    """Calcula el hash y deja el archivo para escribirlo al confirmar la sesión, si `fila` quedó guardada en ella.
    Si `fila` solo transporta el archivo hacia otra (un `Adjunto` cuyo contenido va al texto oficial de una norma),
    `fila.dueno = otra` antes del commit. Sin `fila`, se escribe en el próximo commit."""
    datos = bytes(datos)
    sha = hashlib.sha256(datos).hexdigest()
    archivo = Archivo(clave_de(sha, extension), sha, len(datos))
    sesion = session if session is not None else (object_session(fila) if fila is not None else None)
    sesion = sesion if sesion is not None else db.session()
    sesion.info.setdefault("archivos_pendientes", []).append(_Pendiente(fila, archivo.clave, sha, datos))
    return archivo


def _estado(fila) -> str:
    if fila is None:
        return "guardada"
    dueno = getattr(fila, "dueno", None) or fila
    estado = sa.inspect(dueno)
    if estado.persistent:
        return "guardada"
    if estado.transient or estado.pending:
        return "esperando"  # aún no está en la sesión: quizá en un commit posterior
    return "descartada"


@event.listens_for(Session, "before_commit")
def _escribir_pendientes(session: Session) -> None:
    """Antes de confirmar: se guardan las filas (flush) y se escriben los archivos de las que quedaron. Si el almacén
    falla, el commit no ocurre (ErrorAlmacen): nunca queda una fila que apunte a un archivo que no existe."""
    if session.in_nested_transaction() or not session.info.get("archivos_pendientes"):
        return
    session.flush()
    pendientes, quedan = session.info.pop("archivos_pendientes"), []
    destino = almacen()
    for p in pendientes:
        estado = _estado(p.fila)
        if estado == "esperando":
            quedan.append(p)
        elif estado == "guardada":
            try:
                destino.escribir(p.clave, io.BytesIO(p.datos), len(p.datos), p.sha256)
            except Exception as e:
                current_app.logger.exception("No se pudo escribir %s en %s", p.clave, destino.descripcion)
                session.info["archivos_pendientes"] = quedan
                raise ErrorAlmacen("No se pudo guardar el archivo en el almacenamiento. Inténtelo de nuevo en unos "
                                   "minutos; si se repite, avise a TI.") from e
    if quedan:
        session.info["archivos_pendientes"] = quedan


@event.listens_for(Session, "after_rollback")
def _descartar_pendientes(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop("archivos_pendientes", None)


# =========================================================================== leer
def existe(clave: str) -> bool:
    return almacen().existe(clave)


def abrir(clave: str) -> BinaryIO:
    """Un flujo de lectura (ciérrelo: `with abrir(clave) as f`). FileNotFoundError si no está."""
    return almacen().abrir(clave)


def leer(clave: str) -> bytes:
    with abrir(clave) as f:
        return f.read()


def responder(clave: str | None, nombre: str, tipo_mime: str = "application/pdf", descargar: bool = False):
    """La respuesta HTTP que entrega el archivo en bloques (la vista ya comprobó el alcance). None si no está."""
    if not clave:
        return None
    try:
        return almacen().responder(clave, nombre, tipo_mime, descargar)
    except ValueError:
        return None


# =========================================================================== verificar, borrar, copiar
def columnas_con_archivo() -> tuple:
    """Las columnas escritas a mano (`COLUMNAS_CON_ARCHIVO`) y las que trajo `models.ConPdf`."""
    columnas: list = []
    for columna in (*COLUMNAS_CON_ARCHIVO, *models.COLUMNAS_PDF):
        if not any(columna is c for c in columnas):  # (== de una columna es SQL)
            columnas.append(columna)
    return tuple(columnas)


def claves_en_uso() -> set[str]:
    """Las claves que nombra alguna fila (`columnas_con_archivo()`)."""
    claves: set[str] = set()
    for columna in columnas_con_archivo():
        claves.update(c for c in db.session.scalars(sa.select(columna).where(columna.is_not(None)).distinct()) if c)
    return claves


def borrar_huerfano(clave: str, antiguedad: timedelta = timedelta(days=1), destino=None) -> None:
    """Borra un archivo que ninguna fila usa y que tiene más de `antiguedad` (uno más nuevo puede pertenecer a una
    transacción que aún no se confirma). Lo que una fila usa no se borra nunca."""
    destino = destino or almacen()
    if clave in claves_en_uso():
        raise ErrorDeRegla("El archivo pertenece a un registro: no se borra (lo guardado no cambia).")
    for c, _tamano, modificado in destino.listar():
        if c == clave:
            if ahora() - modificado < antiguedad:
                raise ErrorDeRegla("El archivo es reciente: puede pertenecer a un registro que aún se está guardando.")
            destino.borrar(clave)
            return


def hash_de(clave: str, destino=None) -> str:
    """SHA-256 del contenido guardado (se lee entero)."""
    destino = destino or almacen()
    suma = hashlib.sha256()
    with destino.abrir(clave) as f:
        while bloque := f.read(BLOQUE):
            suma.update(bloque)
    return suma.hexdigest()


@dataclass
class Revision:
    revisados: int = 0
    faltan: list[str] = None  # las usa una fila y no están
    alterados: list[str] = None  # su contenido no es el de su nombre
    huerfanos: list[str] = None  # están y ninguna fila los usa

    def __post_init__(self):
        self.faltan, self.alterados, self.huerfanos = self.faltan or [], self.alterados or [], self.huerfanos or []


def verificar(destino=None, leer_contenido: bool = True) -> Revision:
    """Cada archivo del almacén contra su nombre (SHA-256) y contra las filas que lo usan."""
    destino = destino or almacen()
    usadas = claves_en_uso()
    r = Revision()
    presentes = set()
    for clave, _tamano, _modificado in destino.listar():
        presentes.add(clave)
        r.revisados += 1
        if leer_contenido and hash_de(clave, destino) != sha_de_clave(clave):
            r.alterados.append(clave)
        if clave not in usadas:
            r.huerfanos.append(clave)
    r.faltan = sorted(usadas - presentes)
    return r


def copiar_todo(origen, destino, eco=print) -> tuple[int, int, list[str]]:
    """Copia cada archivo de `origen` a `destino` comprobando su SHA-256 al leerlo y, ya escrito, al releerlo del
    destino. Devuelve (copiados, ya estaban, errores)."""
    copiados, estaban, errores = 0, 0, []
    for clave, _tamano, _modificado in origen.listar():
        sha = sha_de_clave(clave)
        try:
            if destino.existe(clave):
                estaban += 1
            else:
                with origen.abrir(clave) as f:
                    guardar(f, clave.rpartition(".")[2], destino=destino, sha256=sha)
                copiados += 1
            if hash_de(clave, destino) != sha:
                errores.append(f"{clave}: en el destino no coincide con su SHA-256")
        except (ErrorAlmacen, OSError) as e:
            errores.append(f"{clave}: {e}")
        if (copiados + estaban) % 500 == 0:
            eco(f"  … {copiados + estaban} revisados")
    return copiados, estaban, errores
