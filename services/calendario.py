"""Días hábiles (LPAG arts. 143–145): lunes a viernes menos cada `Feriado`.

Funciones puras con los feriados como argumento, más un cargador de la tabla
`Feriado` con caché cuya clave es una versión leída de la base de datos: un
feriado agregado desde otro proceso se ve en la siguiente consulta.

Todo alta, cambio o baja de un `Feriado` —por la pantalla, la CLI, la semilla, un
script o una importación— recalcula los plazos guardados en la misma transacción:
lo hacen los eventos de la sesión de este módulo, no quien agrega el feriado.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from models import Correlativo, Feriado, db
from services import ErrorDeRegla

CLAVE_VERSION = "calendario:version"
TOPE_DIAS_HABILES = 5000  # unos 20 años

# ---------------------------------------------------------------- funciones puras


def es_habil(d: date, feriados: frozenset[date] | set[date]) -> bool:
    return d.weekday() < 5 and d not in feriados


@lru_cache(maxsize=8)
def _tabla_habiles(feriados: frozenset[date], anio: int) -> tuple[date, ...]:
    """Días hábiles desde el 1 de enero de `anio` hasta dos años después (para búsqueda binaria)."""
    d, fin, dias = date(anio, 1, 1), date(anio + 2, 12, 31), []
    while d <= fin:
        if d.weekday() < 5 and d not in feriados:
            dias.append(d)
        d += timedelta(days=1)
    return tuple(dias)


def sumar_habiles(inicio: date, n: int, feriados: frozenset[date] | set[date]) -> date:
    """El n-ésimo día hábil estrictamente después de `inicio` (n=0: inicio o el siguiente hábil)."""
    if n < 0:
        raise ValueError("n debe ser >= 0")
    if n > TOPE_DIAS_HABILES:  # un plazo absurdo no recorre siglos de calendario día por día
        raise ErrorDeRegla(f"Un plazo no puede pasar de {TOPE_DIAS_HABILES} días hábiles.")
    if isinstance(feriados, frozenset) and n < 400:
        tabla = _tabla_habiles(feriados, inicio.year)
        i = bisect_left(tabla, inicio) if n == 0 else bisect_right(tabla, inicio) + n - 1
        if i < len(tabla):
            return tabla[i]
    d = inicio
    if n == 0:
        while not es_habil(d, feriados):
            d += timedelta(days=1)
        return d
    while n:
        d += timedelta(days=1)
        if es_habil(d, feriados):
            n -= 1
    return d


def habiles_entre(a: date, b: date, feriados: frozenset[date] | set[date]) -> int:
    """Días hábiles después de `a` hasta `b` inclusive (negativo si b < a)."""
    if b < a:
        return -habiles_entre(b, a, feriados)
    return sum(1 for i in range(1, (b - a).days + 1) if es_habil(a + timedelta(days=i), feriados))


# ---------------------------------------------------------------- tabla Feriado con caché

_cache: dict[str, tuple[int, frozenset[date]]] = {}


def version() -> int:
    return db.session.scalar(sa.select(Correlativo.ultimo).where(Correlativo.clave == CLAVE_VERSION)) or 0


def feriados() -> frozenset[date]:
    """Fechas no hábiles de la tabla, en caché mientras la versión de la base no cambie."""
    clave = str(db.engine.url)
    if db.session.info.get(SUCIO):  # cambio aún sin confirmar: leer sin guardar en caché
        return frozenset(db.session.scalars(sa.select(Feriado.fecha)))
    v = version()
    hit = _cache.get(clave)
    if hit and hit[0] == v:
        return hit[1]
    fechas = frozenset(db.session.scalars(sa.select(Feriado.fecha)))
    _cache[clave] = (v, fechas)
    return fechas


def sumar_dias_habiles(inicio: date, n: int) -> date:
    return sumar_habiles(inicio, n, feriados())


def dias_habiles_entre(a: date, b: date) -> int:
    return habiles_entre(a, b, feriados())


def es_dia_habil(d: date) -> bool:
    return es_habil(d, feriados())


# ---------------------------------------------------------------- fecha legal de un acto (docs/reglas.md §1)
def fecha_legal(dia: date, cal: frozenset[date] | set[date] | None = None) -> date:
    """La fecha legal de un acto hecho el `dia`: ese día si es hábil; si fue sábado, domingo, feriado o día no
    laborable, el siguiente día hábil, como un escrito presentado ese día (D.S. 029-2021-PCM). Una sola regla para
    todo módulo: un documento emitido, una notificación, una prórroga, una observación o una derivación de un
    domingo valen como del lunes, se comparan con los demás actos por esta fecha y sus plazos corren desde ella."""
    return sumar_habiles(dia, 0, feriados() if cal is None else cal)


def plazo_desde(acto: date, n: int, cal: frozenset[date] | set[date] | None = None) -> date:
    """Último día de un plazo de `n` días hábiles contados desde el día hábil siguiente a la fecha legal del acto
    (LPAG art. 144)."""
    cal = feriados() if cal is None else cal
    return sumar_habiles(fecha_legal(acto, cal), n, cal)


def habiles_entre_actos(a: date, b: date, cal: frozenset[date] | set[date] | None = None) -> int:
    """Días hábiles entre las fechas legales de dos actos (después de la del primero, hasta la del segundo)."""
    cal = feriados() if cal is None else cal
    return habiles_entre(fecha_legal(a, cal), fecha_legal(b, cal), cal)


# ---------------------------------------------------------------- recálculo al cambiar el calendario

RecalculoFn = Callable[[date, frozenset[date]], int]
_recalculos: list[RecalculoFn] = []


def al_cambiar_calendario(fn: RecalculoFn) -> RecalculoFn:
    """Registra una función `fn(desde, feriados) -> filas` que recalcula plazos abiertos.

    Cada modelo con plazos guardados (expedientes, derivaciones, solicitudes…) se registra aquí (en el orden en
    que se importan sus servicios: el trámite antes que la transparencia, que corrige los expedientes de sus
    solicitudes). Corren al final del flush que cambió el calendario, en su transacción: escriben con UPDATE
    directos (no se puede hacer otro flush dentro de uno) y cada una calcula con lo que ella misma leyó, sin
    releer de la base lo que otra dejó en objetos sin enviar.
    """
    _recalculos.append(fn)
    return fn


def recalcular_plazos(fechas_cambiadas: Iterable[date]) -> dict[str, int]:
    """Recalcula los plazos guardados que dependen de las fechas cambiadas (desde la menor), con el calendario
    de la base. La llaman los eventos de la sesión al guardarse un `Feriado`."""
    fechas = list(fechas_cambiadas)
    if not fechas:
        return {}
    cal = feriados()
    desde = min(fechas)
    return {fn.__name__: fn(desde, cal) for fn in _recalculos}


def expirar(modelo, ids: Iterable[int], campos: tuple[str, ...]) -> None:
    """Tras un UPDATE directo de un recálculo, los objetos de esas filas ya cargados en la sesión releen esos
    campos (nadie ve en la misma transacción el plazo de antes)."""
    mapa = db.session.identity_map
    for id_ in ids:
        obj = mapa.get(sa.orm.util.identity_key(modelo, id_))
        if obj is not None:
            db.session.expire(obj, list(campos))


SUCIO = "calendario_sin_confirmar"
FECHAS_CAMBIADAS = "calendario_fechas_cambiadas"


def marcar_cambio(session) -> None:
    """Sube la versión del calendario (se llama desde el evento before_flush).

    Hasta el commit o rollback la sesión queda marcada y `feriados()` no usa ni
    llena la caché: una versión revertida se volvería a usar con otro calendario.
    """
    from services.numeracion import siguiente  # evitar ciclo

    siguiente(CLAVE_VERSION, session=session)
    session.info[SUCIO] = True


@event.listens_for(Session, "before_flush")
def _antes_de_guardar_feriados(session, _contexto, _instancias) -> None:
    """Un `Feriado` nuevo, cambiado o borrado (venga de donde venga): sube la versión del calendario y anota las
    fechas afectadas (la anterior y la nueva) para recalcular los plazos al terminar este flush."""
    fechas: set[date] = set()
    hubo = False
    for coleccion, todas in ((session.new, True), (session.deleted, True), (session.dirty, False)):
        for obj in coleccion:
            if not isinstance(obj, Feriado):
                continue
            hubo = True
            historia = sa.inspect(obj).attrs.fecha.history  # sin cargar: un objeto expirado no tiene historia
            if todas or historia.has_changes():
                fechas.update(f for f in (*historia.deleted, obj.fecha) if f)
    if hubo:
        marcar_cambio(session)
    if fechas:
        session.info.setdefault(FECHAS_CAMBIADAS, set()).update(fechas)


@event.listens_for(Session, "after_flush_postexec")
def _recalcular_al_guardar_feriados(session, _contexto) -> None:
    """Los feriados ya están en la base (en esta transacción): los plazos se recalculan con ellos, aquí y no en
    cada pantalla o comando (una vía que lo olvide ya no existe)."""
    fechas = session.info.pop(FECHAS_CAMBIADAS, None)
    if fechas:
        if session is not db.session():  # los recálculos escriben con la sesión de la aplicación
            raise RuntimeError("Los feriados se guardan con db.session (sus plazos se recalculan con ella).")
        recalcular_plazos(fechas)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _fin_de_transaccion(session) -> None:
    session.info.pop(SUCIO, None)
    session.info.pop(FECHAS_CAMBIADAS, None)


# ---------------------------------------------------------------- gobierno del calendario (docs/reglas.md §1)
def cargar_feriados(anio: int) -> int:
    """Feriados nacionales del Perú (paquete `holidays`, en castellano); idempotente."""
    existentes = set(db.session.scalars(
        sa.select(Feriado.fecha).where(Feriado.fecha.between(date(anio, 1, 1), date(anio, 12, 31)))))
    nuevos = 0
    for fecha, nombre in sorted(holidays.country_holidays("PE", years=anio, language="es").items()):
        if fecha not in existentes:
            db.session.add(Feriado(fecha=fecha, nombre=nombre[:150], tipo="nacional"))
            nuevos += 1
    db.session.flush()
    return nuevos


def asegurar_feriados(hoy: date | None = None) -> int:
    """Feriados nacionales del año en curso y del siguiente (paquete `holidays`), cargados si faltan: una
    instalación que nunca corrió `demo` ni `feriados` no se queda sin calendario (los plazos se recalculan solos
    al guardarlos)."""
    from models import hoy_lima

    hoy = hoy or hoy_lima()
    return sum(cargar_feriados(anio) for anio in (hoy.year, hoy.year + 1))


def faltan_no_laborables(hoy: date, desde: tuple[int, int] = (12, 1)) -> bool:
    """Desde el 1 de diciembre (AVISO_NO_LABORABLES_DESDE), ¿falta registrar los días no laborables que el
    gobierno decreta para el año siguiente (D.S. PCM)?"""
    if (hoy.month, hoy.day) < tuple(desde):
        return False
    siguiente = hoy.year + 1
    return not db.session.scalar(sa.select(sa.func.count()).select_from(Feriado).where(
        Feriado.tipo == "no_laborable", Feriado.fecha.between(date(siguiente, 1, 1), date(siguiente, 12, 31))))
