"""Ayudas de las pruebas del fedatario, las notificaciones, la verificación y las firmas (no es un archivo de
pruebas: lo importan test_fedatario*.py, test_verificar.py y test_firmas.py)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
import zxingcpp
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import models
from models import ZONA_LIMA, Certificacion, DocumentoEmitido, Notificacion, Persona, TipoDocumento, Usuario, db
from services.fedatario import registrar_certificacion
from services.notificaciones import registrar_diligencia
from services.tramite import emitir_documento, numerar_documento
from tests.conftest import unidad


def hoy_es(reloj, dia: date, hora: time = time(18)) -> None:
    """Con la fixture `reloj` de conftest.py: «hoy» es `dia` a las `hora` de Lima para toda la aplicación."""
    reloj(datetime.combine(dia, hora, ZONA_LIMA))


def persona() -> Persona:
    p = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == "10117410"))
    if p is None:
        p = Persona(tipo_documento="DNI", numero_documento="10117410", nombres="Rosa", apellidos="Quispe Mamani")
        db.session.add(p)
    return p


def fedatario() -> Usuario:
    return db.session.scalar(sa.select(Usuario).where(Usuario.username == "fedatario"))


def certificar(**campos) -> Certificacion:
    """Una certificación registrada por el servicio (pagada con recibo, salvo que sirva a un expediente)."""
    campos.setdefault("persona", persona())
    campos.setdefault("descripcion_documento", "Título profesional, original")
    campos.setdefault("folios", 2)
    if "expediente" not in campos:
        campos.setdefault("derecho_pago", Decimal("5.00"))
        campos.setdefault("recibo_pago", "B001-000123")
    cert = Certificacion(**campos)
    registrar_certificacion(cert, fedatario())
    db.session.add(cert)
    db.session.commit()
    return cert


def documento(fecha: date, tipo: str = "Carta", sigla: str = "GDU") -> DocumentoEmitido:
    """Un documento emitido de la unidad (GDU) con esa fecha, registrado ese mismo día (numerado y emitido por los
    servicios: la fecha de un acto numerado es la del día en que se numera, o de pocos días antes)."""
    tipo_doc = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == tipo))
    doc = DocumentoEmitido(tipo_documento=tipo_doc, unidad=unidad(sigla), fecha=fecha,
                           asunto="Respuesta a su solicitud", destinatario="Rosa Quispe Mamani")
    reloj_de_la_prueba = models.reloj
    models.reloj = lambda: datetime.combine(fecha, time(9), ZONA_LIMA)
    try:
        numerar_documento(doc)
        db.session.add(doc)
        db.session.flush()
        emitir_documento(doc)
        db.session.commit()
    finally:
        models.reloj = reloj_de_la_prueba
    return doc


def diligencia(doc, dia: date, hora: time = time(11), **campos) -> Notificacion:
    campos.setdefault("modalidad", "domicilio")
    campos.setdefault("resultado", "entregada")
    campos.setdefault("direccion", "Jr. Los Olivos 123")
    n = Notificacion(documento=doc, fecha_hora=datetime.combine(dia, hora, ZONA_LIMA), **campos)
    registrar_diligencia(n)
    db.session.add(n)
    db.session.commit()
    return n


def leer_qr(html: str) -> str:
    """Decodifica el QR (SVG de segno) de una página: se rasteriza su trazo y lo lee zxing-cpp."""
    import numpy as np

    m = re.search(r'<svg width="(\d+)" height="(\d+)"[^>]*><path transform="scale\((\d+)\)"[^>]* d="([^"]+)"', html)
    assert m, "la página no trae el QR"
    lado = int(m.group(1)) // int(m.group(3))
    img = np.full((lado, lado), 255, dtype=np.uint8)
    x = y = 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", m.group(4)):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            img[int(y), int(x):int(x + float(a))] = 0
            x += float(a)
    grande = np.kron(img, np.ones((8, 8), dtype=np.uint8))  # 8 px por módulo
    leidos = zxingcpp.read_barcodes(grande)
    assert leidos, "zxing-cpp no pudo leer el QR"
    return leidos[0].text


def datos_ingreso(**extra) -> dict:
    """Formulario de ingreso en el mostrador (remitente nuevo) para adjuntar un PDF."""
    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Solicitud"))
    return {"origen": "externo", "canal": "presencial", "tipo_documento": str(tipo), "asunto": "Solicita poda",
            "folios": "3", "prioridad": "normal", "unidad_actual": str(unidad("GSC").id), **extra}


def multiparte(datos: dict, contenido: bytes, nombre: str) -> tuple[str, bytes]:
    return encode_multipart(dict(datos, archivo=FileStorage(io.BytesIO(contenido), filename=nombre)))
