"""Autenticidad de lo que sale de la entidad: cada certificación y cada documento emitido lleva un código de
verificación al azar (96 bits) y un QR a `/verificar/<codigo>`, donde cualquiera confirma número, fecha y
emisor, sin datos personales."""

from __future__ import annotations

import re

import segno
import sqlalchemy as sa
from flask import current_app, has_request_context, request, url_for
from markupsafe import Markup

from models import Certificacion, DocumentoEmitido, EstadoDocumento, EstadoRedaccion, NormaMunicipal, Redaccion, db
from services import ErrorDeRegla

FORMATO = re.compile(r"[A-Za-z0-9_-]{16,32}")


def url_publica(endpoint: str, **valores) -> str:
    """La dirección pública (`URL_PUBLICA` + la ruta) de una página para el ciudadano: la de cada QR y enlace
    impreso. Sin `URL_PUBLICA` (desarrollo), la del host de la petición; fuera de una petición (un PDF generado
    por una tarea) no hay de dónde sacarla."""
    base = current_app.config.get("URL_PUBLICA")
    if not base:
        if not has_request_context():
            raise ErrorDeRegla("Configure URL_PUBLICA (la dirección pública del sistema) para imprimir el QR "
                               "de verificación.")
        return url_for(endpoint, _external=True, **valores)
    if not has_request_context():  # un PDF generado fuera de una petición (tarea, CLI)
        return base.rstrip("/") + current_app.url_map.bind("localhost").build(endpoint, valores)
    ruta = url_for(endpoint, **valores)
    if request.script_root and ruta.startswith(request.script_root):
        ruta = ruta[len(request.script_root):]  # URL_PUBLICA ya es la raíz pública de la aplicación
    return base.rstrip("/") + ruta


def url_verificacion(codigo: str) -> str:
    return url_publica("publico.verificar", codigo=codigo)


def qr_svg(url: str, escala: int = 3) -> Markup:
    """El QR estándar (nunca Micro QR, que no leen las cámaras de los teléfonos) de `url`, en SVG en línea, para
    una hoja impresa."""
    return Markup(segno.make_qr(url, error="m").svg_inline(scale=escala, border=2))


def buscar(codigo: str) -> Certificacion | DocumentoEmitido | NormaMunicipal | None:
    """La certificación o el documento emitido con ese código (un proyecto aún no salió: no se verifica), o la norma
    cuyo PDF firmado lo lleva en su QR (el código de su redacción, ya firmada y con la fe)."""
    if not FORMATO.fullmatch(codigo or ""):
        return None
    cert = db.session.scalar(sa.select(Certificacion).where(Certificacion.codigo_verificacion == codigo))
    if cert is not None:
        return cert
    doc = db.session.scalar(sa.select(DocumentoEmitido).where(
        DocumentoEmitido.codigo_verificacion == codigo, DocumentoEmitido.estado != EstadoDocumento.proyecto))
    if doc is not None:
        return doc
    return db.session.scalar(sa.select(NormaMunicipal).join(Redaccion, Redaccion.norma_id == NormaMunicipal.id).where(
        Redaccion.codigo_verificacion == codigo, Redaccion.estado == EstadoRedaccion.firmado))

