"""Filtros de fecha en castellano: «01/11/2026 al 30/11/2026» (lo que muestra el selector) y, por los
enlaces guardados, también el formato de Flask-Admin «2026-11-01 to 2026-11-30».

Flask-Admin fija el formato ISO y el separador « to » dentro de `BaseDateFilter` y
`BaseDateBetweenFilter`; se sustituyen aquí, una vez, `clean` y `validate` de esas dos bases (de
ellas heredan los filtros de SQLAlchemy y los propios, como `FiltroMomentoEntreFechas`).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_admin.model import filters

SEPARADOR = re.compile(r"\s+(?:al|to)\s+")
FORMATOS = ("%d/%m/%Y", "%Y-%m-%d")


def leer_fecha(texto: str) -> date:
    for formato in FORMATOS:
        try:
            return datetime.strptime(texto.strip(), formato).date()
        except ValueError:
            continue
    raise ValueError(f"fecha no válida: {texto!r}")


def leer_rango(texto: str) -> list[date]:
    return [leer_fecha(parte) for parte in SEPARADOR.split(texto.strip())]


def _rango_valido(self, value) -> bool:
    try:
        desde, hasta = leer_rango(value)
    except ValueError:
        return False
    return desde <= hasta


def instalar() -> None:
    filters.BaseDateFilter.clean = lambda self, value: leer_fecha(value)
    filters.BaseDateBetweenFilter.clean = lambda self, value: leer_rango(value)
    filters.BaseDateBetweenFilter.validate = _rango_valido
