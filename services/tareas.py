"""Tareas programadas (`tramite-diario`, `alertas`) que se hacen una sola vez aunque haya varios nodos.

- **Nunca dos a la vez**: en PostgreSQL la corrida toma un bloqueo consultivo (`pg_try_advisory_lock`) con una clave
  propia de la tarea, en una conexión aparte que lo mantiene mientras dura. Otro nodo (u otro cron del mismo) que la
  lance entre tanto no espera: dice «ya se está ejecutando en otro proceso» y termina sin hacer nada (código 0). El
  bloqueo se suelta al terminar, o solo si el proceso muere (PostgreSQL cierra su conexión).
- **Una vez al día** (`--diaria`, lo que usan el temporizador de systemd y la línea de cron): la corrida que terminó
  bien queda en `EjecucionTarea` (tarea + fecha de Lima); las siguientes de ese día dicen «ya se ejecutó hoy» y
  terminan. Sin `--diaria` (a mano) la tarea corre igual, siempre con el bloqueo: las tareas son idempotentes.
- En SQLite (una sola máquina) no hay bloqueo consultivo: vale el registro del día.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from models import ZONA_LIMA, EjecucionTarea, ahora, db, hoy_lima
from services.registro import NODO


class TareaOmitida(Exception):  # noqa: N818  (no es un error: la corrida no tenía nada que hacer)
    """Esta corrida no hace nada: otra está en curso u otra ya hizo el trabajo de hoy. El mensaje lo dice."""


def clave_bloqueo(tarea: str) -> int:
    """Entero de 64 bits con signo, estable, propio de la tarea (el espacio de claves es de toda la base)."""
    return int.from_bytes(hashlib.sha256(f"secretaria:{tarea}".encode()).digest()[:8], "big", signed=True)


@dataclass
class Corrida:
    tarea: str
    registro: EjecucionTarea | None = None


@contextmanager
def _bloqueo(tarea: str):
    if db.engine.dialect.name != "postgresql":
        yield
        return
    conexion = db.engine.connect()
    clave = clave_bloqueo(tarea)
    try:
        obtenido = conexion.scalar(sa.select(sa.func.pg_try_advisory_lock(clave)))
        conexion.commit()  # el bloqueo es de la sesión de PostgreSQL: sobrevive a la transacción
        if not obtenido:
            raise TareaOmitida(f"«{tarea}» ya se está ejecutando en otro proceso (bloqueo consultivo de PostgreSQL "
                               f"{clave}): esta corrida no hace nada.")
        try:
            yield
        finally:
            try:
                conexion.scalar(sa.select(sa.func.pg_advisory_unlock(clave)))
                conexion.commit()
            except Exception:  # noqa: BLE001  (sin poder soltarlo, la conexión no vuelve al pool con el bloqueo)
                conexion.invalidate()
    finally:
        conexion.close()


@contextmanager
def exclusiva(tarea: str, diaria: bool = False):
    """`with exclusiva("tramite-diario", diaria=True): …` — TareaOmitida si otra corre o (diaria) ya corrió hoy."""
    with _bloqueo(tarea):
        corrida = Corrida(tarea)
        if diaria:
            hoy = hoy_lima()
            previa = db.session.scalar(sa.select(EjecucionTarea).where(EjecucionTarea.tarea == tarea,
                                                                       EjecucionTarea.fecha == hoy))
            if previa is not None and previa.resultado == "ok":
                db.session.rollback()
                momento = previa.fin or previa.inicio
                raise TareaOmitida(f"«{tarea}» ya se ejecutó hoy ({hoy:%d/%m/%Y}) en {previa.nodo}, terminó a las "
                                   f"{momento.astimezone(ZONA_LIMA):%H:%M:%S}: esta corrida no hace nada.")
            if previa is None:
                previa = EjecucionTarea(tarea=tarea, fecha=hoy)
                db.session.add(previa)
            previa.nodo, previa.inicio, previa.fin, previa.resultado, previa.detalle = NODO[:100], ahora(), None, \
                "en_curso", None
            db.session.commit()
            corrida.registro = previa
        try:
            yield corrida
        except BaseException as e:
            db.session.rollback()
            if corrida.registro is not None:
                corrida.registro.resultado, corrida.registro.fin = "error", ahora()
                corrida.registro.detalle = f"{type(e).__name__}: {e}"[:2000]
                db.session.commit()
            raise
        if corrida.registro is not None:
            corrida.registro.resultado, corrida.registro.fin = "ok", ahora()
            db.session.commit()

