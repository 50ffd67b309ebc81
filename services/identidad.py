"""Documentos de identidad del Perú (docs/reglas.md §8)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Persona, TipoDocumentoIdentidad, db
from services import ErrorDeRegla
from services.auditoria import _contexto, registrar

PESOS_RUC = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
PREFIJOS_RUC = ("10", "15", "17", "20")


def digito_ruc(primeros10: str) -> int:
    s = sum(int(d) * w for d, w in zip(primeros10, PESOS_RUC, strict=True))
    return (11 - s % 11) % 10


def error_documento(tipo: str, numero: str | None) -> str | None:
    """Mensaje en castellano si el número no es válido para el tipo; None si lo es."""
    numero = (numero or "").strip()
    if not numero:
        return "Ingrese el número de documento."
    if tipo == "DNI":
        if not re.fullmatch(r"\d{8}", numero):
            return "El DNI debe tener exactamente 8 dígitos."
    elif tipo == "RUC":
        if not re.fullmatch(r"\d{11}", numero):
            return "El RUC debe tener exactamente 11 dígitos."
        if numero[:2] not in PREFIJOS_RUC:
            return "El RUC debe empezar con 10, 15, 17 o 20."
        if digito_ruc(numero[:10]) != int(numero[10]):
            return "El dígito verificador del RUC no es válido."
    elif tipo == "CE":
        if not re.fullmatch(r"[A-Za-z0-9]{8,12}", numero):
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
              razon_social: str | None = None, email: str | None = None, telefono: str | None = None) -> Persona:
    """El remitente de un ingreso (ventanilla o mesa de partes digital): la persona ya registrada con ese
    documento, **sin tocar sus datos** (quien escribe un DNI no prueba ser su titular), o una persona nueva
    con lo escrito (no se agrega a la sesión: entra con el expediente). El contacto de cada ingreso va en el
    expediente (`email_contacto`, `telefono_contacto`)."""
    numero = (numero or "").strip().upper()
    error = error_documento(tipo, numero)
    if error:
        raise ErrorRemitente(error, "documento")
    persona = db.session.scalar(sa.select(Persona).where(Persona.tipo_documento == tipo,
                                                          Persona.numero_documento == numero))
    if persona is not None:
        return persona
    datos = {k: (v or "").strip() or None for k, v in (("nombres", nombres), ("apellidos", apellidos),
                                                         ("razon_social", razon_social), ("email", email),
                                                         ("telefono", telefono))}
    if not datos["nombres"] and not datos["razon_social"]:
        raise ErrorRemitente("Indique el nombre o la razón social del remitente nuevo.", "nombre")
    return Persona(tipo_documento=TipoDocumentoIdentidad[tipo], numero_documento=numero, **datos)


COLUMNAS_NUEVA = ("tipo_documento", "numero_documento", "nombres", "apellidos", "razon_social", "direccion", "telefono",
                  "email")


def guardar_remitente(persona: Persona) -> Persona:
    """Guarda ya la persona nueva de un ingreso (`INSERT … ON CONFLICT DO NOTHING`): si otro ingreso simultáneo (en
    este nodo o en otro; un doble clic en la mesa digital) acaba de registrar el mismo documento, se espera a que
    confirme y se usa esa fila, en vez de chocar con ella al confirmar. Llamar antes de sacar números correlativos
    (su bloqueo no debe esperar a otro ingreso). Una persona ya guardada se devuelve tal cual."""
    estado = sa.inspect(persona)
    if estado.persistent or estado.detached:
        return persona
    dialecto = db.session.get_bind().dialect.name
    if dialecto == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialecto == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # otro motor: la restricción única es la red de seguridad
        return persona
    valores = {c: getattr(persona, c) for c in COLUMNAS_NUEVA}
    valores["tipo_documento"] = valores["tipo_documento"] or TipoDocumentoIdentidad.DNI
    uid, _ = _contexto()
    with db.session.no_autoflush:
        nuevo_id = db.session.execute(
            insert(Persona).values(**valores, creado_por_id=uid)
            .on_conflict_do_nothing(index_elements=["tipo_documento", "numero_documento"])
            .returning(Persona.id)).scalar_one_or_none()
        if estado.pending:
            db.session.expunge(persona)
        guardada = db.session.scalar(sa.select(Persona).where(Persona.tipo_documento == valores["tipo_documento"],
                                                              Persona.numero_documento == valores["numero_documento"]))
    if nuevo_id is not None:  # la creó este ingreso: a la auditoría, como toda alta
        registrar("crear", "persona", nuevo_id, cambios={c: [None, v.value if hasattr(v, "value") else v]
                                                         for c, v in valores.items() if v is not None})
    return guardada
