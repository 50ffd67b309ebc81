"""Documentos de identidad del Perú (docs/reglas.md §8)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g
from sqlalchemy.dialects import postgresql, sqlite

from models import Persona, TipoDocumentoIdentidad, ahora, db, normalizar_identificador, texto_largo
from services import ErrorDeRegla
from services.auditoria import registrar

PESOS_RUC = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
PREFIJOS_RUC = ("10", "15", "17", "20")


def digito_ruc(primeros10: str) -> int:
    s = sum(int(d) * w for d, w in zip(primeros10, PESOS_RUC, strict=True))
    return (11 - s % 11) % 10


def normalizar_documento(numero: str | None) -> str:
    """El número como se guarda y se busca (NFKC, sin espacios, mayúsculas): «２５９８８０００» es «25988000», la
    misma persona, no un duplicado parecido."""
    return normalizar_identificador(numero).upper()


def error_documento(tipo: str, numero: str | None) -> str | None:
    """Mensaje en castellano si el número (ya normalizado) no es válido para el tipo; None si lo es. Solo dígitos
    ASCII: un dígito de otra escritura («٢», «²») que NFKC no lleva a los comunes no vale."""
    numero = normalizar_documento(numero)
    if not numero:
        return "Ingrese el número de documento."
    if tipo == "DNI":
        if not re.fullmatch(r"[0-9]{8}", numero):
            return "El DNI debe tener exactamente 8 dígitos."
    elif tipo == "RUC":
        if not re.fullmatch(r"[0-9]{11}", numero):
            return "El RUC debe tener exactamente 11 dígitos."
        if numero[:2] not in PREFIJOS_RUC:
            return "El RUC debe empezar con 10, 15, 17 o 20."
        if digito_ruc(numero[:10]) != int(numero[10]):
            return "El dígito verificador del RUC no es válido."
    elif tipo == "CE":
        if not re.fullmatch(r"[A-Z0-9]{8,12}", numero):
            return "El carné de extranjería debe tener de 8 a 12 letras o dígitos."
    elif tipo == "PASAPORTE" and len(numero) > 20:
        return "El pasaporte admite hasta 20 caracteres."
    return None


class ErrorRemitente(ErrorDeRegla):
    """Documento o nombre del remitente no válidos; `campo` es «documento» o «nombre»."""

    def __init__(self, mensaje: str, campo: str):
        super().__init__(mensaje)
        self.campo = campo


def remitente(tipo: str, numero: str | None, *, nombres: str | None = None, apellidos: str | None = None,
              razon_social: str | None = None, email: str | None = None, telefono: str | None = None,
              direccion: str | None = None) -> Persona:
    """El remitente de un ingreso (ventanilla, mesa de partes digital, transparencia): la persona ya registrada con
    ese documento (normalizado antes de buscar), **sin tocar sus datos** (quien escribe un DNI no prueba ser su
    titular), o una persona nueva con lo escrito. El contacto de cada ingreso va en el expediente
    (`email_contacto`, `telefono_contacto`).

    La persona nueva se inserta con `INSERT … ON CONFLICT DO NOTHING` en la transacción del ingreso (que, si falla,
    la revierte): dos ingresos a la vez con el mismo documento nuevo dan una sola persona (el segundo espera al
    primero y la usa), no un error de la base."""
    numero = normalizar_documento(numero)
    error = error_documento(tipo, numero)
    if error:
        raise ErrorRemitente(error, "documento")
    persona = db.session.scalar(sa.select(Persona).where(Persona.tipo_documento == tipo,
                                                          Persona.numero_documento == numero))
    if persona is not None:
        return persona
    datos = {k: (v or "").strip() or None for k, v in (("nombres", nombres), ("apellidos", apellidos),
                                                         ("razon_social", razon_social), ("email", email),
                                                         ("telefono", telefono), ("direccion", direccion))}
    if not datos["nombres"] and not datos["razon_social"]:
        raise ErrorRemitente("Indique el nombre o la razón social del remitente nuevo.", "nombre")
    largo = texto_largo(Persona, datos)
    if largo:
        raise ErrorRemitente(largo[1], "nombre")
    return _insertar_una_vez(Persona(tipo_documento=TipoDocumentoIdentidad[tipo], numero_documento=numero, **datos))


def _insertar_una_vez(nueva: Persona) -> Persona:
    """Inserta la persona si nadie la insertó entretanto (otro ingreso simultáneo) y devuelve la de la base."""
    tabla = Persona.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    valores = {c.key: getattr(nueva, c.key) for c in sa.inspect(Persona).column_attrs
               if c.key != "id" and getattr(nueva, c.key) is not None}
    valores.setdefault("creado_en", ahora())
    uid = getattr(g, "usuario_cli_id", None)
    try:
        from flask_login import current_user

        uid = current_user.id if current_user and current_user.is_authenticated else uid
    except Exception:  # noqa: BLE001  (fuera de una petición)
        pass
    valores.setdefault("creado_por_id", uid)
    pk = db.session.execute(insert(tabla).values(**valores).on_conflict_do_nothing(
        index_elements=[tabla.c.tipo_documento, tabla.c.numero_documento]).returning(tabla.c.id)).scalar()
    if pk is not None:  # la auditoría de un alta (la del ORM no ve un INSERT directo)
        registrar("crear", "persona", pk, cambios={k: [None, str(getattr(v, "value", v))] for k, v in valores.items()
                                                   if k not in ("creado_en", "creado_por_id")})
    return db.session.scalar(sa.select(Persona).where(Persona.tipo_documento == nueva.tipo_documento,
                                                      Persona.numero_documento == nueva.numero_documento))


def guardar_remitente(persona: Persona) -> Persona:
    """La persona de un ingreso, ya guardada: `remitente` inserta la nueva en el acto (`INSERT … ON CONFLICT DO
    NOTHING`, así dos ingresos simultáneos con el mismo documento nuevo —dos ventanillas, dos nodos o un doble clic en
    la mesa digital— usan la misma fila en vez de chocar al confirmar); una persona armada de otro modo se inserta
    igual. Llamar antes de sacar números correlativos (su bloqueo no debe esperar a otro ingreso)."""
    estado = sa.inspect(persona)
    if estado.persistent or estado.detached:
        return persona
    if estado.pending:
        db.session.expunge(persona)
    return _insertar_una_vez(persona)
