"""Fábricas del archivo central para las pruebas (tests/test_archivo*.py): series, ubicaciones y cajas creadas por
el modelo y services/archivo.py, y el mediodía de Lima de una fecha para el fixture `reloj` de conftest.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models import EstadoUnidadConservacion, SerieDocumental, Ubicacion, UnidadConservacion, db
from services import archivo
from tests.conftest import unidad


def dia(fecha: date) -> datetime:
    """Mediodía de Lima (17:00 UTC) de esa fecha: `reloj(dia(date(2026, 4, 1)))`."""
    return datetime(fecha.year, fecha.month, fecha.day, 17, tzinfo=UTC)


def serie(codigo="GDU-LIC", destino="eliminacion", gestion=2, central=8, sigla="GDU") -> SerieDocumental:
    s = SerieDocumental(codigo=codigo, nombre=f"Serie {codigo}", unidad=unidad(sigla),
                        retencion_gestion_anios=gestion, retencion_central_anios=central, destino_final=destino)
    db.session.add(s)
    db.session.commit()
    return s


def lugar(estante=3, nivel=4, capacidad=10) -> Ubicacion:
    u = Ubicacion(deposito=1, ambiente=1, estante=estante, cuerpo=2, nivel=nivel, capacidad=capacidad)
    db.session.add(u)
    db.session.commit()
    return u


def caja(s: SerieDocumental, ubicacion: Ubicacion | None = None, desde=None, hasta=date(2015, 6, 30),
         sigla="GDU", codigo=None) -> UnidadConservacion:
    """Una caja de la serie `s`; con `ubicacion`, ya recibida en el archivo central."""
    desde = desde or date(hasta.year, 1, 1)
    c = UnidadConservacion(codigo=codigo, serie=s, unidad_productora=unidad(sigla), fecha_inicial=desde,
                           fecha_final=hasta, folios=180)
    archivo.registrar_caja(c)
    if ubicacion is not None:
        c.ubicacion, c.estado = ubicacion, EstadoUnidadConservacion.en_archivo
    db.session.add(c)
    db.session.commit()
    return c
