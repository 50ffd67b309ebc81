"""Adjuntos PDF: tamaño máximo, PDF que realmente se lee (pypdf), sin JavaScript ni acciones de lanzamiento,
guardado en el almacén de archivos (services/archivos.py) por su SHA-256 **al confirmarse la transacción** que
guarda su fila: un alta rechazada no deja archivos sueltos."""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

import pypdf
from flask import current_app
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from models import Adjunto, ErrorDeRegla
from services import archivos

# claves y tipos de acción que ejecutan algo al abrir o al hacer clic (ISO 32000-1 §12.6.4): JavaScript, lanzar un
# programa, abrir otro archivo o una dirección (GoToR, GoToE, URI), enviar o importar datos de un formulario
# (SubmitForm, ImportData), multimedia que corre guiones (Rendition, RichMediaExecute); y archivos incrustados
# (un ejecutable dentro del PDF: /EmbeddedFile, /EmbeddedFiles, anotación /FileAttachment)
CLAVES_PELIGROSAS = {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia"}
ACCIONES_PELIGROSAS = {"/JavaScript", "/Launch", "/GoToR", "/GoToE", "/URI", "/SubmitForm", "/ImportData",
                       "/Rendition", "/RichMediaExecute", "/Sound", "/Movie"}
TIPOS_PELIGROSOS = {"/EmbeddedFile", "/Filespec", "/FileAttachment", "/RichMedia"}
MAX_OBJETOS = 200_000  # tope del recorrido: un PDF hostil no consume la CPU


class ErrorAdjunto(ValueError):
    pass


def _activo(lector: pypdf.PdfReader) -> bool:
    """¿Algún objeto del documento tiene JavaScript, una acción que abre, envía o importa algo, o un archivo
    incrustado (al abrir, en un enlace, en un campo, en una página o en el catálogo)?"""
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
            if obj.get("/S") in ACCIONES_PELIGROSAS or obj.get("/Type") in TIPOS_PELIGROSOS or \
                    obj.get("/Subtype") in TIPOS_PELIGROSOS:
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
        raise ErrorAdjunto("El PDF contiene JavaScript, acciones que abren programas, enlaces o envían datos, o "
                           "archivos incrustados: no se acepta. Imprímalo a PDF de nuevo y vuelva a adjuntarlo.")
    return paginas


def _maximo() -> int:
    return int(current_app.config["MAX_ADJUNTO_MB"]) * 1024 * 1024


def _revisar_datos(datos: bytes) -> None:
    """No vacío, no más que `MAX_ADJUNTO_MB`, un PDF legible y sin contenido activo."""
    if not datos:
        raise ErrorAdjunto("Adjunte el documento en PDF.")
    if len(datos) > _maximo():
        raise ErrorAdjunto(f"El archivo supera el máximo de {_maximo() // (1024 * 1024)} MB.")
    revisar_pdf(datos)


@dataclass(frozen=True)
class PdfRevisado:
    """Un PDF subido que ya pasó la revisión (`revisar_subido`): sus bytes y el nombre con que llegó."""

    datos: bytes
    nombre: str


def revisar_subido(archivo) -> PdfRevisado:
    """Lee el archivo subido en un formulario (FileStorage) hasta el máximo `MAX_ADJUNTO_MB` y lo revisa como todo PDF
    que entra (`revisar_pdf`). ErrorAdjunto con el mensaje para el usuario si no sirve."""
    datos = archivo.read(_maximo() + 1)
    _revisar_datos(datos)
    nombre = (getattr(archivo, "filename", None) or "documento.pdf").replace("/", "_").replace("\\", "_")[-200:]
    return PdfRevisado(datos, nombre)


def poner_pdf(fila, pdf: PdfRevisado | bytes, nombre: str = "documento.pdf", campo: str | None = None) -> str:
    """El PDF de una fila `models.ConPdf` (o con las columnas `<campo>_nombre`, `_ruta`, `_sha256`): la pantalla
    (VistaSegura con `archivo_pdf`), el CLI o un script pasan por aquí. Unos bytes sin revisar se revisan (ErrorDeRegla
    junto al campo si no sirven); el archivo se escribe en el almacén al confirmarse la transacción que guarda la fila
    (services/archivos.preparar): si la fila no se guarda, no queda archivo. Devuelve la clave."""
    campo = campo or fila.campo_pdf
    if not isinstance(pdf, PdfRevisado):
        try:
            _revisar_datos(bytes(pdf))
        except ErrorAdjunto as e:
            raise ErrorDeRegla(str(e), campo=campo) from None
        pdf = PdfRevisado(bytes(pdf), nombre)
    guardado = archivos.preparar(pdf.datos, "pdf", fila)
    setattr(fila, f"{campo}_nombre", pdf.nombre)
    setattr(fila, f"{campo}_ruta", guardado.clave)
    setattr(fila, f"{campo}_sha256", guardado.sha256)
    return guardado.clave


def guardar_pdf(archivo, subido_por_id: int | None = None, session=None) -> Adjunto:
    """Valida el archivo y devuelve el `Adjunto` (sin agregar a la sesión). El archivo se escribe en el almacén al
    confirmarse la transacción que guarda el adjunto (o su `dueno`: services/archivos.preparar)."""
    revisado = revisar_subido(archivo)
    datos, nombre = revisado.datos, revisado.nombre
    adj = Adjunto(nombre_archivo=nombre, tipo_mime="application/pdf", tamano=len(datos), subido_por_id=subido_por_id)
    guardado = archivos.preparar(datos, "pdf", adj, session=session)
    adj.sha256, adj.ruta = guardado.sha256, guardado.clave
    anotar_firma(adj, datos)
    return adj


def guardar_datos(datos: bytes, dueno, session=None) -> str:
    """Guarda un PDF ya revisado que no es un `Adjunto` (p. ej. lo depositado en la casilla electrónica) en el
    almacén (services/archivos), al confirmarse la transacción que guarda `dueno` (la fila que lo referencia).
    Devuelve su clave (por SHA-256)."""
    return archivos.preparar(datos, "pdf", dueno, session=session).clave


def leer(clave: str | None) -> bytes | None:
    """El contenido de un archivo del almacén, o None si falta; también uno de esta misma transacción que aún
    espera el commit para escribirse."""
    from models import db

    if not clave:
        return None
    for pendiente in db.session().info.get("archivos_pendientes", ()):
        if pendiente.clave == clave:
            return pendiente.datos
    try:
        return archivos.leer(clave)
    except (FileNotFoundError, ValueError):
        return None


def anotar_firma(adj: Adjunto, datos: bytes) -> None:
    """Firma digital del PDF (services/firmas.py): firmante, fecha, integridad y confianza, en el adjunto."""
    from services.firmas import verificar

    firma = verificar(datos)
    if firma is not None:
        adj.firma_estado, adj.firma_firmante, adj.firma_fecha = firma.estado, firma.firmante, firma.momento
        adj.firma_confiable, adj.firma_detalle = firma.confiable, firma.detalle or None
