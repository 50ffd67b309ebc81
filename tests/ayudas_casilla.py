"""Ayudas de las pruebas de la casilla electrónica (no es un archivo de pruebas: lo importan test_casilla*.py)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from models import (
    Adjunto,
    CuentaCasilla,
    DepositoCasilla,
    DocumentoEmitido,
    Expediente,
    Persona,
    ProcedimientoTupa,
    TipoDocumento,
    Usuario,
    ahora,
    db,
)
from services import casilla, tramite
from services.adjuntos import guardar_pdf
from services.semilla import pdf_demo
from tests.conftest import CLAVE, unidad

CLAVE_CIUDADANO = "Mi casilla segura 2026"


class Ciudadano:
    """Un navegador del ciudadano: la cookie de su casilla y el token CSRF de la sesión de Flask."""

    def __init__(self, app, ip: str = "203.0.113.10"):
        self.c = app.test_client()
        self.c.environ_base["REMOTE_ADDR"] = ip
        self._token = None

    @property
    def token(self) -> str:
        if self._token is None:
            html = self.c.get("/casilla/ingresar").text
            self._token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        return self._token

    def ingresar(self, numero: str, clave: str = CLAVE_CIUDADANO, tipo: str = "DNI"):
        return self.post("/casilla/ingresar", {"tipo_documento": tipo, "numero_documento": numero, "clave": clave})

    def get(self, url, **kw):
        return self.c.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.c.post(url, data=data, **kw)

    def subir(self, url: str, archivo: bytes, nombre: str = "subsanacion.pdf", **campos):
        """POST multipart armado en memoria (el del cliente de pruebas usaría un archivo temporal que no cierra)."""
        from werkzeug.datastructures import FileStorage
        from werkzeug.test import encode_multipart

        datos = {"csrf_token": self.token, **campos,
                 "archivo": FileStorage(io.BytesIO(archivo), filename=nombre, content_type="application/pdf")}
        limite, cuerpo = encode_multipart(datos)
        return self.c.post(url, data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")

    def cookie(self) -> str | None:
        c = self.c.get_cookie("casilla")
        return c.value if c else None


def persona(dni: str = "40000011", nombres: str = "Rosa", apellidos: str = "Quispe Mamani") -> Persona:
    p = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == dni))
    if p is None:
        p = Persona(tipo_documento="DNI", numero_documento=dni, nombres=nombres, apellidos=apellidos)
        db.session.add(p)
        db.session.flush()
    return p


def mesa() -> Usuario:
    return db.session.scalar(sa.select(Usuario).where(Usuario.username == "mesa_partes"))


def crear_cuenta(dni: str = "40000011", email: str | None = None, validada: bool = True,
                 consentimiento: bool = True, clave: str = CLAVE_CIUDADANO, **datos) -> CuentaCasilla:
    """Una casilla activa como la deja el mostrador + el enlace del correo (contraseña elegida y correo confirmado)."""
    p = persona(dni, **datos)
    email = email or f"c{dni}@example.pe"
    cuenta = casilla.crear_en_mostrador(p, email, mesa(), consentimiento=consentimiento, ip="192.0.2.1")
    cuenta.password_hash = generate_password_hash(clave)
    cuenta.email_verificado_en = ahora()
    if not validada:
        cuenta.identidad_validada_en = None
        cuenta.origen = "digital"
    db.session.commit()
    return cuenta


def expediente_de(p: Persona, email: str | None = None, asunto: str = "Solicita certificado de numeración",
                  procedimiento: str | None = None, **campos) -> Expediente:
    campos.setdefault("fecha_recepcion", ahora() - timedelta(days=20))  # presentado antes de lo que se le responde
    proc = db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == procedimiento)) \
        if procedimiento else None
    exp = Expediente(origen="externo", canal="digital", persona=p, asunto=asunto, folios=2,
                     tipo_documento=db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre ==
                                                                                      "Solicitud")),
                     unidad_actual=unidad("UTD"), email_contacto=email, procedimiento=proc, **campos)
    tramite.registrar_ingreso(exp)
    db.session.add(exp)
    db.session.commit()
    return exp


def documento_con_pdf(exp: Expediente | None, fecha: date, tipo: str = "Carta", con_pdf: bool = True,
                      asunto: str = "Respuesta a su solicitud", sigla: str = "GDU") -> DocumentoEmitido:
    """Un documento emitido de la unidad `sigla` que responde a `exp`, con su PDF adjunto (el que se deposita)."""
    tipo_doc = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == tipo))
    doc = DocumentoEmitido(tipo_documento=tipo_doc,
                           unidad=unidad(sigla), fecha=fecha, asunto=asunto, expediente=exp,
                           destinatario=exp.persona.nombre_completo if exp and exp.persona else None)
    tramite.numerar_documento(doc)
    db.session.add(doc)
    db.session.flush()
    tramite.emitir_documento(doc)
    if con_pdf:
        adjuntar_pdf(doc)
    db.session.commit()
    return doc


def adjuntar_pdf(doc: DocumentoEmitido, datos: bytes | None = None) -> Adjunto:
    from werkzeug.datastructures import FileStorage

    datos = datos or pdf_demo(doc.codigo, [doc.asunto])
    adj = guardar_pdf(FileStorage(io.BytesIO(datos), filename=f"doc-{doc.id}.pdf"))
    adj.documento_id = doc.id
    db.session.add(adj)
    return adj


def depositos(*where) -> list[DepositoCasilla]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(DepositoCasilla).where(*where).order_by(DepositoCasilla.id)))


def token_de(correo) -> str:
    """El token del enlace de un correo capturado (conftest.correos)."""
    return re.search(r"/casilla/(?:verificar|restablecer)/([\w-]+)", correo["msg"].get_content()).group(1)


def sin_token(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


__all__ = ["CLAVE", "CLAVE_CIUDADANO", "Ciudadano", "adjuntar_pdf", "crear_cuenta", "depositos", "documento_con_pdf",
           "expediente_de", "mesa", "persona", "sin_token", "token_de"]
