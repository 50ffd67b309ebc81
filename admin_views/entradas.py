"""Límites de lo que entra por la URL o un formulario, validados una vez para todas las pantallas.

Flask-Admin: ninguno de sus miembros privados."""

from __future__ import annotations

import re
from datetime import date, datetime

import sqlalchemy as sa
from flask import (
    abort,
    request,
)

from models import db

# --------------------------------------------------------------------------- límites de lo que entra
# Lo que llega por la URL o un formulario se valida donde entra (aquí, una vez para todas las pantallas):
# un id o un número que no cabe en la base, una fecha del año 9999 o un valor de enum inventado no
# llegan nunca a una consulta (antes eran errores 500).
ID_MAXIMO = 2**63 - 1  # BIGINT
ENTERO_SQL = (-(2**31), 2**31 - 1)  # INTEGER de PostgreSQL: el tipo de todo id y de las columnas `int` del modelo
ANIO_MINIMO, ANIO_MAXIMO = 1900, 2100
LIMITE_AJAX = 50  # filas como máximo por búsqueda ajax
# argumentos enteros de la URL que entiende cualquier pantalla: nombre → (mínimo, máximo)
ARGUMENTOS_ENTEROS = {"page": (0, 100_000), "page_size": (0, 1_000), "sort": (0, 1_000), "desc": (0, 1),
                      "anio": (ANIO_MINIMO, ANIO_MAXIMO), "offset": (0, 100_000), "limit": (0, 1_000)}
_ENTERO = re.compile(r"-?[0-9]{1,20}")
_ID = re.compile(r"[0-9]{1,19}")


def rango_entero(columna=None) -> tuple[int, int]:
    """Mínimo y máximo que caben en la columna según su tipo real en la base (SMALLINT, INTEGER, BIGINT); sin
    columna, INTEGER (el de todo id)."""
    tipo = getattr(columna, "type", None)
    if isinstance(tipo, sa.SmallInteger):
        return -(2**15), 2**15 - 1
    if isinstance(tipo, sa.BigInteger):
        return -ID_MAXIMO - 1, ID_MAXIMO
    return ENTERO_SQL


def entero(valor, minimo: int = ENTERO_SQL[0], maximo: int = ENTERO_SQL[1]) -> int | None:
    """Un entero escrito (URL o formulario): solo dígitos ASCII (ni «²» ni «１»), a lo sumo 19, dentro de
    [minimo, maximo]; si no, None. Para los formularios propios de una pantalla (cantidades, ids elegidos)."""
    texto = str(valor).strip() if valor is not None else ""
    if not _ENTERO.fullmatch(texto) or len(texto.lstrip("-")) > 19:
        return None
    n = int(texto)
    return n if minimo <= n <= maximo else None


def entero_id(valor, columna=None) -> int | None:
    """Id de fila escrito en la URL o en un formulario: entero positivo que cabe en la columna (`columna`, por
    defecto un id INTEGER); si no, None."""
    texto = str(valor).strip() if valor is not None else ""
    if not _ID.fullmatch(texto):
        return None
    return entero(texto, 1, rango_entero(columna)[1])


def fila_de(modelo, valor):
    """La fila de `modelo` cuyo id es `valor` (texto de un formulario), o None si no es un id posible o no existe."""
    pk = entero_id(valor, modelo.id)
    return db.session.get(modelo, pk) if pk is not None else None


def validar_argumentos() -> None:
    """Argumentos de la URL de cualquier pantalla: ids (`id`, `*_id`) → 404 si no son un id posible;
    página, orden, año… fuera de rango → 400. (`url=`, volver a: solo rutas del sitio, en
    services.seguridad.es_ruta_local, que reemplaza al is_safe_url de Flask-Admin.)"""
    for clave, valor in request.args.items(multi=True):
        if clave == "id" or clave.endswith("_id"):
            if valor.strip() and entero_id(valor) is None:
                abort(404)
        elif clave in ARGUMENTOS_ENTEROS and valor.strip():
            minimo, maximo = ARGUMENTOS_ENTEROS[clave]
            if not _ENTERO.fullmatch(valor.strip()) or not minimo <= int(valor) <= maximo:
                abort(400, f"El parámetro «{clave}» debe ser un número entre {minimo} y {maximo}.")


def sin_caracteres_nulos() -> None:
    """Toda petición (pantallas, páginas públicas, ingreso): un NUL en la dirección, en un campo o en el nombre de
    un archivo → 400. PostgreSQL no guarda un NUL en un texto; ningún dato legítimo lo lleva."""
    valores = [*request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH"):
        valores += [*request.form.keys(), *request.form.values(),
                    *(f.filename or "" for f in request.files.values())]
    if any("\x00" in v for v in valores):
        abort(400, "La solicitud contiene caracteres no válidos.")


# --------------------------------------------------------------------------- fechas escritas por una persona
# Una sola regla para todo campo y filtro de fecha (la misma que static/fechas.js): 01/01/2027, 1/1/2027,
# 01-01-2027, 01.01.2027, 01012027, 01/01/27 (años 70–99 → 1900) y 2027-01-01 (los enlaces guardados).
_DMA = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_PEGADA = re.compile(r"(\d{2})(\d{2})(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_HORA = re.compile(r"(\d{1,2}):(\d{2})")
EJEMPLO_FECHA = "dd/mm/aaaa, por ejemplo 01/01/2027"


def _anio(texto: str) -> int:
    n = int(texto)
    return (2000 + n if n < 70 else 1900 + n) if len(texto) == 2 else n


def leer_fecha(texto: str | None) -> date:
    """La fecha que escribió o pegó una persona (ver arriba); ValueError si no lo es."""
    t = (texto or "").strip()
    if m := _ISO.fullmatch(t):
        anio, mes, dia = int(m[1]), int(m[2]), int(m[3])
    elif m := _DMA.fullmatch(t) or _PEGADA.fullmatch(t):
        dia, mes, anio = int(m[1]), int(m[2]), _anio(m[3])
    else:
        raise ValueError(f"fecha no válida: {t!r}")
    return date(anio, mes, dia)


def leer_momento(texto: str | None) -> datetime:
    """Fecha y hora «dd/mm/aaaa hh:mm» (la fecha, con la misma regla que `leer_fecha`), sin zona horaria."""
    partes = (texto or "").split()
    hora = _HORA.fullmatch(partes[1]) if len(partes) == 2 else None
    if hora is None:
        raise ValueError(f"fecha y hora no válidas: {texto!r}")
    return datetime.combine(leer_fecha(partes[0]), datetime.min.time()).replace(hour=int(hora[1]),
                                                                               minute=int(hora[2]))


def fecha_o_none(texto: str | None) -> date | None:
    """Para los formularios propios: la fecha escrita, o None si está vacía o no es una fecha."""
    try:
        return leer_fecha(texto)
    except ValueError:
        return None
