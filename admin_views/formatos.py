"""Formatos de la interfaz: fechas dd/mm/aaaa, momentos en hora de Lima, enums por etiqueta, soles.

Miembros de Flask-Admin de los que depende: `typefmt.BASE_FORMATTERS` (model/typefmt.py)."""

from __future__ import annotations

import decimal
import enum
from datetime import date, datetime

from flask_admin.model import typefmt
from markupsafe import Markup

from admin_views.castellano import soles
from models import ZONA_LIMA, EnumEs


# --------------------------------------------------------------------------- formatos
def fecha(v: date | None) -> str:
    return v.strftime("%d/%m/%Y") if v else ""


def momento(v: datetime | None) -> str:
    return v.astimezone(ZONA_LIMA).strftime("%d/%m/%Y %H:%M") if v else ""


def _bool(view, value, name):
    return "Sí" if value else "No"


FORMATOS = dict(typefmt.BASE_FORMATTERS)
FORMATOS.update({
    date: lambda view, v, name: fecha(v),
    datetime: lambda view, v, name: momento(v),
    enum.Enum: lambda view, v, name: v.etiqueta if isinstance(v, EnumEs) else v.name,
    bool: _bool,
    decimal.Decimal: lambda view, v, name: soles(v),
})
# datetime es subclase de date: debe consultarse antes
FORMATOS = {datetime: FORMATOS.pop(datetime), **FORMATOS}


def registrar_filtros_jinja(app) -> None:
    app.jinja_env.filters["fecha"] = fecha
    app.jinja_env.filters["momento"] = momento
    app.jinja_env.globals["recorrido"] = recorrido


def recorrido(expediente) -> tuple[list, int]:
    """En una plantilla: `{% set movimientos, ocultos = recorrido(exp) %}`, lo que el usuario ve del recorrido
    (la regla es del modelo: `Expediente.recorrido`)."""
    from flask_login import current_user

    return expediente.recorrido(current_user if current_user.is_authenticated else None)


# --------------------------------------------------------------------------- enums por etiqueta
def insignia(texto: str, clase: str) -> Markup:
    """Una etiqueta de color (badge de Bootstrap) con `texto` escapado: «vencida», «leída», «anulada»…"""
    return Markup('<span class="badge badge-{}">{}</span>').format(clase, texto)


def opciones_enum(enum_class):
    return [(m.value, m.etiqueta if isinstance(m, EnumEs) else m.name) for m in enum_class]
