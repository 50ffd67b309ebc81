"""Autenticidad de lo que sale de la entidad: cada certificación y cada documento emitido lleva un código de
verificación al azar (96 bits) y un QR a `/verificar/<codigo>`, donde cualquiera confirma número, fecha y
emisor, sin datos personales."""

from __future__ import annotations

import re

import segno
import sqlalchemy as sa
from flask import current_app, has_request_context, request
from markupsafe import Markup

from models import Certificacion, DocumentoEmitido, EstadoDocumento, db
from services import ErrorDeRegla

FORMATO = re.compile(r"[A-Za-z0-9_-]{16,32}")


def url_publica(ruta: str) -> str:
    """Dirección absoluta de una página para el ciudadano (QR, enlaces): `URL_PUBLICA` + ruta. Sin `URL_PUBLICA`, la
    de la petición en curso (solo sirve en desarrollo: en producción sería la que usó el navegador del empleado);
    fuera de una petición no hay de dónde sacarla."""
    base = current_app.config["URL_PUBLICA"]
    if base:
        return base.rstrip("/") + "/" + ruta.lstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/") + "/" + ruta.lstrip("/")
    raise ErrorDeRegla("Configure URL_PUBLICA (la dirección pública del sistema) para imprimir el QR de verificación.")


def url_verificacion(codigo: str) -> str:
    return url_publica(f"/verificar/{codigo}")


def qr_svg(url: str, escala: int = 3) -> Markup:
    """El QR (SVG en línea) de `url`, para una hoja impresa."""
    return Markup(segno.make(url, error="m").svg_inline(scale=escala, border=1))


def buscar(codigo: str) -> Certificacion | DocumentoEmitido | None:
    """La certificación o el documento emitido con ese código (un proyecto aún no salió: no se verifica)."""
    if not FORMATO.fullmatch(codigo or ""):
        return None
    cert = db.session.scalar(sa.select(Certificacion).where(Certificacion.codigo_verificacion == codigo))
    if cert is not None:
        return cert
    return db.session.scalar(sa.select(DocumentoEmitido).where(
        DocumentoEmitido.codigo_verificacion == codigo, DocumentoEmitido.estado != EstadoDocumento.proyecto))
