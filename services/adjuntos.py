"""Adjuntos PDF: tamaño máximo, PDF que realmente se lee (pypdf), sin JavaScript ni acciones de lanzamiento,
guardado por SHA-256 (deduplicado) **solo cuando la transacción se confirma**: un alta que falla no deja
archivos sueltos en ADJUNTOS_DIR."""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from pathlib import Path

import pypdf
from flask import current_app
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from models import Adjunto

# claves y tipos de acción que ejecutan algo al abrir o al hacer clic (ISO 32000-1 §12.6.4)
CLAVES_PELIGROSAS = {"/JS", "/JavaScript", "/Launch"}
ACCIONES_PELIGROSAS = {"/JavaScript", "/Launch"}
MAX_OBJETOS = 200_000  # tope del recorrido: un PDF hostil no consume la CPU


class ErrorAdjunto(ValueError):
    pass


def _activo(lector: pypdf.PdfReader) -> bool:
    """¿Algún objeto del documento tiene JavaScript o una acción de lanzamiento (al abrir, en un enlace, en un
    campo o en una página)?"""
    pendientes = [lector.trailer]
    vistos: set[tuple[int, int]] = set()
    n = 0
    while pendientes:
        obj = pendientes.pop()
        n += 1
        if n > MAX_OBJETOS:
            raise ErrorAdjunto("El PDF es demasiado complejo para revisarlo.")
        if isinstance(obj, IndirectObject):
            clave = (obj.idnum, obj.generation)
            if clave in vistos:
                continue
            vistos.add(clave)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            if CLAVES_PELIGROSAS & set(obj.keys()):
                return True
            if obj.get("/S") in ACCIONES_PELIGROSAS:
                return True
            pendientes.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, ArrayObject):
            pendientes.extend(obj)
    return False


def revisar_pdf(datos: bytes) -> int:
    """Comprueba que `datos` sea un PDF legible y sin contenido activo; devuelve su número de páginas."""
    if not datos.startswith(b"%PDF-"):
        raise ErrorAdjunto("Solo se aceptan archivos PDF.")
    nivel = logging.getLogger("pypdf").level
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lector = pypdf.PdfReader(io.BytesIO(datos), strict=False)
            if lector.is_encrypted:
                raise ErrorAdjunto("El PDF está protegido con contraseña: adjunte una copia sin protección.")
            paginas = len(lector.pages)
            activo = _activo(lector)
    except ErrorAdjunto:
        raise
    except Exception as e:  # noqa: BLE001  (pypdf lanza errores variados ante un archivo dañado)
        raise ErrorAdjunto("El archivo no es un PDF válido o está dañado.") from e
    finally:
        logging.getLogger("pypdf").setLevel(nivel)
    if paginas < 1:
        raise ErrorAdjunto("El PDF no tiene páginas.")
    if activo:
        raise ErrorAdjunto("El PDF contiene JavaScript o acciones que abren programas: no se acepta. "
                           "Imprímalo a PDF de nuevo y vuelva a adjuntarlo.")
    return paginas


def guardar_pdf(archivo, subido_por_id: int | None = None, session=None) -> Adjunto:
    """Valida el archivo y devuelve el `Adjunto` (sin agregar a la sesión). El archivo se escribe en
    ADJUNTOS_DIR cuando la transacción que guarda el adjunto se confirma (ver `_escribir_pendientes`)."""
    from models import db

    maximo = int(current_app.config["MAX_ADJUNTO_MB"]) * 1024 * 1024
    datos = archivo.read(maximo + 1)
    if not datos:
        raise ErrorAdjunto("Adjunte el documento en PDF.")
    if len(datos) > maximo:
        raise ErrorAdjunto(f"El archivo supera el máximo de {maximo // (1024 * 1024)} MB.")
    revisar_pdf(datos)
    sha = hashlib.sha256(datos).hexdigest()
    relativa = Path(ruta_de(sha))
    nombre = (archivo.filename or "documento.pdf").replace("/", "_").replace("\\", "_")[-200:]
    adj = Adjunto(nombre_archivo=nombre, tipo_mime="application/pdf", tamano=len(datos), sha256=sha,
                  ruta=str(relativa), subido_por_id=subido_por_id)
    anotar_firma(adj, datos)
    sesion = session or db.session()
    sesion.info.setdefault("adjuntos_pendientes", []).append(
        (adj, Path(current_app.config["ADJUNTOS_DIR"]) / relativa, datos))
    return adj


def ruta_de(sha: str) -> str:
    """Dónde se guarda un PDF dentro de ADJUNTOS_DIR: por su SHA-256 (el mismo contenido, el mismo archivo)."""
    return str(Path(sha[:2]) / sha[2:4] / f"{sha}.pdf")


def guardar_datos(datos: bytes, dueno, session=None) -> str:
    """Guarda un PDF ya revisado que no es un `Adjunto` (p. ej. lo depositado en la casilla electrónica): se escribe
    en ADJUNTOS_DIR cuando se confirma la transacción que guarda `dueno` (la fila que lo referencia). Devuelve la
    ruta relativa (por SHA-256)."""
    from models import db

    relativa = ruta_de(hashlib.sha256(datos).hexdigest())
    sesion = session or db.session()
    sesion.info.setdefault("adjuntos_pendientes", []).append(
        (dueno, Path(current_app.config["ADJUNTOS_DIR"]) / relativa, datos))
    return relativa


def leer(ruta: str | None) -> bytes | None:
    """El contenido de un archivo guardado (ruta relativa a ADJUNTOS_DIR), o None si falta; también uno de esta
    misma transacción que aún espera el commit para escribirse."""
    from models import db

    if not ruta:
        return None
    raiz = Path(current_app.config["ADJUNTOS_DIR"]).resolve()
    for _fila, destino, datos in db.session().info.get("adjuntos_pendientes", ()):
        if destino.resolve() == (raiz / ruta).resolve():
            return datos
    archivo = (raiz / ruta).resolve()
    if raiz not in archivo.parents or not archivo.is_file():
        return None
    return archivo.read_bytes()


def anotar_firma(adj: Adjunto, datos: bytes) -> None:
    """Firma digital del PDF (services/firmas.py): firmante, fecha, integridad y confianza, en el adjunto."""
    from services.firmas import verificar

    firma = verificar(datos)
    if firma is not None:
        adj.firma_estado, adj.firma_firmante, adj.firma_fecha = firma.estado, firma.firmante, firma.momento
        adj.firma_confiable, adj.firma_detalle = firma.confiable, firma.detalle or None


def _escribir(destino: Path, datos: bytes) -> None:
    if destino.exists():
        return
    destino.parent.mkdir(parents=True, exist_ok=True)
    temporal = destino.with_suffix(f".{id(datos)}.tmp")
    temporal.write_bytes(datos)
    temporal.replace(destino)


@event.listens_for(Session, "after_commit")
def _escribir_pendientes(session):
    """Solo los adjuntos que quedaron guardados en la base llegan al disco (o, si el archivo es de otra fila
    —`adj.dueno`, p. ej. el texto oficial de una norma—, los de esa fila)."""
    pendientes = session.info.pop("adjuntos_pendientes", [])
    for adj, destino, datos in pendientes:
        fila = getattr(adj, "dueno", None) or adj
        if inspect(fila).persistent:
            try:
                _escribir(destino, datos)
            except OSError:
                current_app.logger.exception("No se pudo escribir el adjunto %s", destino)
        elif inspect(fila).transient or inspect(fila).pending:
            session.info.setdefault("adjuntos_pendientes", []).append((adj, destino, datos))


@event.listens_for(Session, "after_rollback")
def _descartar_pendientes(session):
    session.info.pop("adjuntos_pendientes", None)
