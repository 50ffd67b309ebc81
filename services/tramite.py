"""Trámite documentario: ingreso de expedientes, plazos y recálculo (LPAG arts. 124, 143–145)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app

from models import ESTADOS_ABIERTOS, ZONA_LIMA, EstadoExpediente, Expediente, ahora, db
from services import calendario
from services.auditoria import registrar
from services.numeracion import siguiente

ALFABETO_CLAVE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # sin 0/O, 1/I/L


def nueva_clave(largo: int = 8) -> str:
    return "".join(secrets.choice(ALFABETO_CLAVE) for _ in range(largo))


def fecha_presentacion(recepcion: datetime, feriados: frozenset[date] | None = None) -> date:
    """Fecha legal de presentación (D.S. 029-2021-PCM mod. 075-2023-PCM; dominio.md §1).

    Recibido en día hábil hasta HORA_CIERRE (al minuto) → ese día; después, o en
    sábado, domingo o día no laborable → el siguiente día hábil.
    """
    cal = calendario.feriados() if feriados is None else feriados
    local = recepcion.astimezone(ZONA_LIMA)
    cierre = time.fromisoformat(current_app.config["HORA_CIERRE"])
    dia = local.date()
    if calendario.es_habil(dia, cal) and local.time().replace(second=0, microsecond=0) <= cierre:
        return dia
    return calendario.sumar_habiles(dia, 1, cal)


def vencimiento(presentacion: date, plazo: int | None, feriados: frozenset[date] | None = None) -> date | None:
    """El plazo corre desde el día hábil siguiente (art. 144) y se cumple el último día."""
    if plazo is None:
        return None
    cal = calendario.feriados() if feriados is None else feriados
    return calendario.sumar_habiles(presentacion, plazo, cal)


def registrar_ingreso(exp: Expediente) -> Expediente:
    """Completa lo que asigna el servidor: número, código, clave, fechas legales y plazo."""
    exp.fecha_recepcion = exp.fecha_recepcion or ahora()
    exp.fecha_presentacion = fecha_presentacion(exp.fecha_recepcion)
    exp.anio = exp.fecha_recepcion.astimezone(ZONA_LIMA).year
    exp.numero = siguiente(f"expediente:{exp.anio}")
    exp.codigo = Expediente.formato_codigo(exp.anio, exp.numero)
    exp.clave = nueva_clave()
    exp.estado = EstadoExpediente.registrado
    if exp.procedimiento is not None:
        exp.plazo_dias_habiles = exp.procedimiento.plazo_dias_habiles
        exp.unidad_actual = exp.unidad_actual or exp.procedimiento.unidad_resolutora
    elif exp.plazo_dias_habiles is None:
        exp.plazo_dias_habiles = current_app.config.get("PLAZO_MAXIMO_DIAS", 30)
    exp.fecha_vencimiento = vencimiento(exp.fecha_presentacion, exp.plazo_dias_habiles)
    return exp


@calendario.al_cambiar_calendario
def recalcular_expedientes(desde: date, cal: frozenset[date]) -> int:
    """Recalcula `fecha_vencimiento` de los expedientes abiertos afectados por el cambio."""
    filas = db.session.execute(
        sa.select(Expediente.id, Expediente.fecha_presentacion, Expediente.plazo_dias_habiles,
                  Expediente.fecha_vencimiento)
        .where(Expediente.estado.in_(ESTADOS_ABIERTOS), Expediente.plazo_dias_habiles.is_not(None),
               Expediente.fecha_vencimiento >= desde)
    ).all()
    cambios = []
    for id_, pres, plazo, actual in filas:
        nuevo = vencimiento(pres, plazo, cal)
        if nuevo != actual:
            cambios.append({"id": id_, "fecha_vencimiento": nuevo})
    if cambios:
        db.session.execute(sa.update(Expediente), cambios)
        registrar("editar", "expediente", None,
                  f"Recálculo de {len(cambios)} vencimientos por cambio del calendario desde {desde:%d/%m/%Y}")
    return len(cambios)
