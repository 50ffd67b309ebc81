"""Control de plazos y estadísticas (issue 16): lo que la Secretaría General informa al Gerente Municipal.

- Cumplimiento por unidad: derivaciones recibidas en el período y cómo terminaron (a tiempo, con retraso,
  pendientes en plazo o vencidas), días hábiles por derivación (promedio y p90), demora del acuse, expedientes
  aprobados por silencio positivo y el ranking de las unidades.
- Flujo documentario: ingreso (expedientes) y salida (documentos emitidos) por mes, año contra año, y las demás
  series mensuales registradas en `SERIES_MENSUALES` (transparencia, certificaciones del fedatario, préstamos
  del archivo; otro módulo agrega la suya con una línea).
- Supervisión de la Unidad de Trámite Documentario (Mesa de Partes): atención por persona y por hora,
  observaciones y no presentados, canal digital o presencial, y el tiempo hasta la primera derivación
  (LPAG art. 143: el mismo día).

Todo se agrega en SQL (SQLite y PostgreSQL). Los días hábiles se cuentan en SQL con una tabla temporal del
calendario del período (CTE `calendario_habil`: fecha → número de días hábiles hasta esa fecha, con los feriados
de la tabla `Feriado`): días hábiles entre a y b = orden(b) − orden(a), como `calendario.habiles_entre`.
Cada condición que produce una cifra es la misma que aplica el filtro del listado al que enlaza la cifra
(`condicion_derivacion`), para que el Excel de ese listado tenga tantas filas como dice la cifra.

A escala (un millón de expedientes), el cumplimiento no recorre las derivaciones ya cerradas: la tarea diaria
(`tramite-diario` → `actualizar_resumen`) las deja agrupadas en `resumen_derivacion` y el reporte suma ese
resumen más lo abierto y lo cerrado desde el corte, leídos en vivo por índices (`derivaciones_agrupadas`). Sin
resumen (base nueva, o con filtro de procedimiento) todo se calcula en vivo; las cifras son las mismas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models import (
    ZONA_LIMA,
    Canal,
    Certificacion,
    Derivacion,
    DocumentoEmitido,
    EnumEs,
    EstadoDerivacion,
    EstadoExpediente,
    EstadoResumen,
    Expediente,
    Prestamo,
    ProcedimientoTupa,
    ResumenDerivacion,
    SolicitudAcceso,
    TipoDocumento,
    UnidadOrganica,
    Usuario,
    db,
    hoy_lima,
)
from services import calendario

MESES = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
         "Noviembre", "Diciembre")


# --------------------------------------------------------------------------- fecha y hora de Lima en SQL
class FechaLima(FunctionElement):
    """La fecha en Lima de un momento guardado en UTC (Lima no tiene horario de verano: UTC−5)."""

    type = sa.Date()
    name = "fecha_lima"
    inherit_cache = True


class HoraLima(FunctionElement):
    """La hora del día (0–23) en Lima de un momento guardado en UTC."""

    type = sa.Integer()
    name = "hora_lima"
    inherit_cache = True


@compiles(FechaLima, "sqlite")
def _fecha_lima_sqlite(elemento, compilador, **kw):
    return f"date({compilador.process(elemento.clauses, **kw)}, '-5 hours')"


@compiles(FechaLima, "postgresql")
def _fecha_lima_pg(elemento, compilador, **kw):
    # desfase fijo (Lima no tiene horario de verano desde 1994): sin consultar la base de zonas en cada fila
    return f"CAST(timezone(INTERVAL '-05:00', {compilador.process(elemento.clauses, **kw)}) AS DATE)"


@compiles(HoraLima, "sqlite")
def _hora_lima_sqlite(elemento, compilador, **kw):
    return f"CAST(strftime('%H', {compilador.process(elemento.clauses, **kw)}, '-5 hours') AS INTEGER)"


@compiles(HoraLima, "postgresql")
def _hora_lima_pg(elemento, compilador, **kw):
    momento = compilador.process(elemento.clauses, **kw)
    return f"CAST(EXTRACT(HOUR FROM timezone(INTERVAL '-05:00', {momento})) AS INTEGER)"


def sin_jit() -> None:
    """PostgreSQL: sin compilación JIT en esta transacción. Los agregados de los reportes unen una tabla VALUES
    cuyo tamaño el planificador sobreestima, y el JIT (pensado para consultas de minutos) costaba más que la
    consulta misma (~100 ms de compilación por reporte)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))


def entre_fechas(columna_momento, desde: date, hasta: date):
    """Momento entre dos fechas de Lima, ambas inclusive: la misma condición del filtro «entre» del listado."""
    return sa.and_(columna_momento >= datetime.combine(desde, time.min, ZONA_LIMA),
                   columna_momento < datetime.combine(hasta + timedelta(days=1), time.min, ZONA_LIMA))


def calendario_habil(desde: date, hasta: date):
    """CTE (fecha, orden) con cada día de [desde, hasta]: orden = días hábiles desde `desde` hasta esa fecha."""
    cal = calendario.feriados()
    filas, n, d = [], 0, desde
    while d <= hasta:
        if calendario.es_habil(d, cal):
            n += 1
        filas.append((d, n))
        d += timedelta(days=1)
    return sa.values(sa.column("fecha", sa.Date), sa.column("orden", sa.Integer),
                     name="calendario_habil").data(filas).cte("calendario_habil")


def _rango_calendario(desde: date, hasta: date) -> tuple[date, date]:
    # el envío puede ser la víspera de la presentación (ingreso fuera de hora); las atenciones llegan hasta hoy
    return desde - timedelta(days=15), max(hasta, hoy_lima()) + timedelta(days=1)


# --------------------------------------------------------------------------- cumplimiento por unidad
# colores de los gráficos (pantallas y tablero): verde a tiempo, ámbar tarde, celeste en plazo, rojo vencido
COLORES = {"a_tiempo": "#2e9e5b", "con_retraso": "#f0ad4e", "pendiente_en_plazo": "#5bc0de",
           "pendiente_vencida": "#d9534f", "actual": "#2c6fbb", "anterior": "#a7b7cc",
           "mismo_dia": "#2e9e5b", "un_dia": "#2c6fbb", "dos_tres": "#f0ad4e", "mas": "#d9534f",
           "sin_derivar": "#a7b7cc"}
CUMPLIMIENTO = (("a_tiempo", "Atendidas a tiempo"), ("con_retraso", "Atendidas con retraso"),
                ("pendiente_en_plazo", "Pendientes en plazo"), ("pendiente_vencida", "Pendientes vencidas"))


def condicion_derivacion(clave: str, hoy: date | None = None):
    """La condición SQL de cada resultado de una derivación (el filtro «Cumplimiento» de la bandeja la usa).

    Atendida = la unidad la cerró (derivó, atendió, archivó o devolvió: `fecha_atencion`); a tiempo si lo hizo
    hasta su fecha límite inclusive (día de Lima) o si no tenía plazo. Pendiente = sin cerrar; vencida si su
    fecha límite ya pasó. Cada derivación cae en exactamente una."""
    hoy = hoy or hoy_lima()
    D = Derivacion
    cerrada = D.fecha_atencion.is_not(None)
    abierta = D.fecha_atencion.is_(None)
    atendida_el = FechaLima(D.fecha_atencion)
    condiciones = {
        "a_tiempo": sa.and_(cerrada, sa.or_(D.fecha_limite.is_(None), atendida_el <= D.fecha_limite)),
        "con_retraso": sa.and_(cerrada, D.fecha_limite.is_not(None), atendida_el > D.fecha_limite),
        "pendiente_en_plazo": sa.and_(abierta, sa.or_(D.fecha_limite.is_(None), D.fecha_limite >= hoy)),
        "pendiente_vencida": sa.and_(abierta, D.fecha_limite < hoy),
    }
    return condiciones[clave]


def condicion_procedimiento(codigo: str):
    """Derivaciones de expedientes del procedimiento TUPA `codigo` (filtro «Procedimiento» de la bandeja)."""
    return Derivacion.expediente_id.in_(
        sa.select(Expediente.id).join(ProcedimientoTupa, ProcedimientoTupa.id == Expediente.procedimiento_id)
        .where(ProcedimientoTupa.codigo == codigo))


@dataclass
class Filtros:
    """Período (fechas de Lima, inclusive), unidad (id) y procedimiento TUPA (código) de un reporte."""

    desde: date
    hasta: date
    unidad_id: int | None = None
    procedimiento: str | None = None


def corte_resumen() -> date | None:
    """Fecha de Lima desde la que el resumen de derivaciones ya no cubre; None si no hay resumen válido."""
    return db.session.scalar(sa.select(EstadoResumen.corte)
                             .where(EstadoResumen.nombre == ResumenDerivacion.__tablename__))


def actualizar_resumen(hoy: date | None = None) -> int:
    """Rehace el resumen de las derivaciones atendidas antes de hoy (tarea diaria; en una transacción, así un
    reporte simultáneo ve el resumen anterior o el nuevo, nunca medio). Devuelve cuántas filas resumidas quedan.
    Rehacerlo entero (y no sumar solo lo del día) lo deja siempre igual a las derivaciones, aunque alguien haya
    corregido datos a mano en la base."""
    corte = hoy or hoy_lima()
    D = Derivacion
    clase = sa.case((condicion_derivacion("a_tiempo", corte), "a_tiempo"), else_="con_retraso")
    filas = sa.select(D.unidad_destino_id.label("u"), FechaLima(D.fecha_envio).label("e"), clase.label("clase"),
                      FechaLima(D.fecha_atencion).label("a"), FechaLima(D.fecha_recepcion).label("r")) \
        .where(D.fecha_atencion < datetime.combine(corte, time.min, ZONA_LIMA),
               D.estado != EstadoDerivacion.retirado).subquery("filas")
    agrupadas = sa.select(filas.c.u, filas.c.e, filas.c.clase, filas.c.a, filas.c.r, sa.func.count()) \
        .group_by(filas.c.u, filas.c.e, filas.c.clase, filas.c.a, filas.c.r)
    R = ResumenDerivacion
    sin_jit()
    db.session.execute(sa.delete(R))
    db.session.execute(sa.insert(R).from_select(
        [R.unidad_destino_id, R.fecha_envio, R.clase, R.fecha_atencion, R.fecha_recepcion, R.n], agrupadas))
    invalidar_resumen(db.session)
    db.session.add(EstadoResumen(nombre=R.__tablename__, corte=corte))
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.count()).select_from(R))


def invalidar_resumen(session) -> None:
    """El resumen deja de valer (los reportes calculan en vivo hasta la próxima tarea diaria)."""
    session.execute(sa.delete(EstadoResumen).where(EstadoResumen.nombre == ResumenDerivacion.__tablename__))


def derivaciones_agrupadas(f: Filtros, hoy: date):
    """CTE (u, clase, e, a, r, n): las derivaciones enviadas en el período, contadas por unidad de destino,
    resultado (`CUMPLIMIENTO`) y fechas de Lima de envío, atención y acuse. Con resumen válido (y sin filtro de
    procedimiento, que el resumen no guarda), lo cerrado antes del corte sale del resumen y solo lo demás se lee
    de `derivacion` (abiertas por `ix_derivacion_abiertas`, recién cerradas por `ix_derivacion_fecha_atencion`)."""
    D = Derivacion
    # una derivación retirada al observarse el expediente en el ingreso nunca llegó a la unidad: no cuenta
    donde = [entre_fechas(D.fecha_envio, f.desde, f.hasta), D.estado != EstadoDerivacion.retirado]
    if f.unidad_id:
        donde.append(D.unidad_destino_id == f.unidad_id)
    if f.procedimiento:
        donde.append(condicion_procedimiento(f.procedimiento))
    corte = None if f.procedimiento else corte_resumen()

    clase = sa.case(*[(condicion_derivacion(k, hoy), k) for k, _ in CUMPLIMIENTO], else_="otra")

    def filas(*mas):
        return sa.select(D.unidad_destino_id.label("u"), clase.label("clase"), FechaLima(D.fecha_envio).label("e"),
                         FechaLima(D.fecha_atencion).label("a"), FechaLima(D.fecha_recepcion).label("r")) \
            .where(*donde, *mas)

    if corte is None:
        vivas = filas().subquery("filas")
    else:
        vivas = sa.union_all(filas(D.fecha_atencion.is_(None)),
                             filas(D.fecha_atencion >= datetime.combine(corte, time.min, ZONA_LIMA))).subquery("filas")
    g = sa.select(vivas.c.u, vivas.c.clase, vivas.c.e, vivas.c.a, vivas.c.r, sa.func.count().label("n")) \
        .group_by(vivas.c.u, vivas.c.clase, vivas.c.e, vivas.c.a, vivas.c.r)
    if corte is not None:
        R = ResumenDerivacion
        resumidas = sa.select(R.unidad_destino_id.label("u"), R.clase, R.fecha_envio.label("e"),
                              R.fecha_atencion.label("a"), R.fecha_recepcion.label("r"), R.n) \
            .where(R.fecha_envio.between(f.desde, f.hasta), R.fecha_envio < corte)
        if f.unidad_id:
            resumidas = resumidas.where(R.unidad_destino_id == f.unidad_id)
        g = sa.union_all(g, resumidas)
    return g.cte("agrupadas")


def cumplimiento(f: Filtros) -> dict:
    """Cumplimiento de plazos por unidad de destino de las derivaciones enviadas en el período."""
    hoy = hoy_lima()
    # una sola lectura de las derivaciones del período, agrupadas por unidad, resultado y fechas (de Lima): de ahí
    # salen los conteos, los días hábiles (uniendo el calendario a las fechas distintas, no a cada fila) y el p90
    sin_jit()
    g = derivaciones_agrupadas(f, hoy)
    total_n = sa.func.sum(g.c.n)
    conteos = sa.select(g.c.u, *[sa.func.coalesce(total_n.filter(g.c.clase == k), 0).label(k) for k, _ in CUMPLIMIENTO],
                        total_n.label("recibidas")).group_by(g.c.u).subquery("conteos")

    cal = calendario_habil(*_rango_calendario(f.desde, f.hasta))
    c_e, c_a, c_r = cal.alias("c_envio"), cal.alias("c_atencion"), cal.alias("c_acuse")
    dias = c_a.c.orden - c_e.c.orden
    por_dias = sa.select(g.c.u, dias.label("dias"), total_n.label("n")).select_from(
        g.join(c_e, c_e.c.fecha == g.c.e).join(c_a, c_a.c.fecha == g.c.a)).group_by(g.c.u, dias).subquery("por_dias")
    acumulado = sa.func.sum(por_dias.c.n).over(partition_by=por_dias.c.u, order_by=por_dias.c.dias)
    total = sa.func.sum(por_dias.c.n).over(partition_by=por_dias.c.u)
    w = sa.select(por_dias.c.u, por_dias.c.dias, por_dias.c.n, acumulado.label("acum"), total.label("total")) \
        .subquery("ventana")
    # p90 «nearest-rank»: el menor número de días cuyo acumulado alcanza el 90 % de las derivaciones atendidas
    estadistica = sa.select(w.c.u, (sa.cast(sa.func.sum(w.c.dias * w.c.n), sa.Float) / sa.func.sum(w.c.n))
                            .label("promedio_dias"),
                            sa.func.min(w.c.dias).filter(w.c.acum * 100 >= w.c.total * 90).label("p90_dias")) \
        .group_by(w.c.u).subquery("estadistica")
    demora = c_r.c.orden - c_e.c.orden
    acuses = sa.select(g.c.u, (sa.cast(sa.func.sum(demora * g.c.n), sa.Float) / total_n).label("demora_acuse"),
                       sa.func.coalesce(total_n.filter(demora <= 0), 0).label("acuse_mismo_dia"),
                       total_n.label("con_acuse")).select_from(
        g.join(c_e, c_e.c.fecha == g.c.e).join(c_r, c_r.c.fecha == g.c.r)).group_by(g.c.u).subquery("acuses")
    consulta = (sa.select(conteos.c.u.label("unidad_id"), *[conteos.c[k] for k, _ in CUMPLIMIENTO], conteos.c.recibidas,
                          estadistica.c.promedio_dias, estadistica.c.p90_dias, acuses.c.demora_acuse,
                          sa.func.coalesce(acuses.c.acuse_mismo_dia, 0).label("acuse_mismo_dia"),
                          sa.func.coalesce(acuses.c.con_acuse, 0).label("con_acuse"))
                .select_from(conteos).outerjoin(estadistica, estadistica.c.u == conteos.c.u)
                .outerjoin(acuses, acuses.c.u == conteos.c.u))
    enteros = ("recibidas", "acuse_mismo_dia", "con_acuse", "p90_dias", *(k for k, _ in CUMPLIMIENTO))
    filas = {}
    for r in db.session.execute(consulta):
        fila = dict(r._mapping)
        fila.update({k: int(fila[k]) for k in enteros if fila[k] is not None})
        filas[fila["unidad_id"]] = fila

    # aprobados por silencio positivo: expedientes presentados en el período que la unidad tiene hoy
    E = Expediente
    silencio = sa.select(E.unidad_actual_id, sa.func.count()).where(
        E.aprobado_por_silencio, E.fecha_presentacion.between(f.desde, f.hasta))
    if f.unidad_id:
        silencio = silencio.where(E.unidad_actual_id == f.unidad_id)
    if f.procedimiento:
        silencio = silencio.where(E.procedimiento_id.in_(
            sa.select(ProcedimientoTupa.id).where(ProcedimientoTupa.codigo == f.procedimiento)))
    for u, n in db.session.execute(silencio.group_by(E.unidad_actual_id)):
        filas.setdefault(u, {"unidad_id": u, "recibidas": 0, **{k: 0 for k, _ in CUMPLIMIENTO},
                             "promedio_dias": None, "demora_acuse": None, "acuse_mismo_dia": 0, "con_acuse": 0})
        filas[u]["silencio_positivo"] = n

    unidades = {u.id: u for u in db.session.scalars(sa.select(UnidadOrganica).where(UnidadOrganica.id.in_(filas)))}
    resultado = []
    for u, r in filas.items():
        atendidas = r["a_tiempo"] + r["con_retraso"]
        vencibles = atendidas + r["pendiente_vencida"]  # lo que ya debía estar hecho
        r.update(unidad=unidades[u].sigla, nombre=unidades[u].nombre, atendidas=atendidas,
                 silencio_positivo=r.get("silencio_positivo", 0), p90_dias=r.get("p90_dias"),
                 pct_a_tiempo=round(100 * r["a_tiempo"] / vencibles, 1) if vencibles else None,
                 promedio_dias=_redondear(r["promedio_dias"]), demora_acuse=_redondear(r["demora_acuse"]),
                 pct_acuse_mismo_dia=round(100 * r["acuse_mismo_dia"] / r["con_acuse"], 1) if r["con_acuse"]
                 else None)
        resultado.append(r)
    # ranking: mayor % a tiempo primero; a igualdad, menos vencidas y más atendidas; sin base al final
    resultado.sort(key=lambda r: (r["pct_a_tiempo"] is None, -(r["pct_a_tiempo"] or 0), r["pendiente_vencida"],
                                  -r["atendidas"], r["unidad"]))
    for i, r in enumerate(resultado, start=1):
        r["puesto"] = i if r["pct_a_tiempo"] is not None else None
    totales = {k: sum(r[k] for r in resultado) for k in ("recibidas", "atendidas", "silencio_positivo",
                                                         *(k for k, _ in CUMPLIMIENTO))}
    vencibles = totales["atendidas"] + totales["pendiente_vencida"]
    totales["pct_a_tiempo"] = round(100 * totales["a_tiempo"] / vencibles, 1) if vencibles else None
    return {"filas": resultado, "totales": totales, "hoy": hoy}


def resumen_cumplimiento(desde: date, hasta: date, unidad_id: int | None = None) -> dict[str, int]:
    """Solo los cuatro conteos de las derivaciones enviadas en el período (el gráfico del tablero)."""
    sin_jit()
    g = derivaciones_agrupadas(Filtros(desde, hasta, unidad_id), hoy_lima())
    cuenta = dict(db.session.execute(sa.select(g.c.clase, sa.func.sum(g.c.n)).group_by(g.c.clase)).all())
    return {k: int(cuenta.get(k) or 0) for k, _ in CUMPLIMIENTO}


def _redondear(v):
    return None if v is None else round(float(v), 1)


def vencidos_por_unidad(f: Filtros, unidades: list[int], cuantos: int = 10) -> dict[int, list[Expediente]]:
    """Los expedientes de cada unidad con su derivación pendiente vencida (más atrasados primero)."""
    D = Derivacion
    if not unidades:
        return {}
    q = (sa.select(D.unidad_destino_id, Expediente, D.fecha_limite).join(Expediente, Expediente.id == D.expediente_id)
         .where(D.unidad_destino_id.in_(unidades), entre_fechas(D.fecha_envio, f.desde, f.hasta),
                condicion_derivacion("pendiente_vencida"))
         .order_by(D.unidad_destino_id, D.fecha_limite, Expediente.id))
    if f.procedimiento:
        q = q.where(condicion_procedimiento(f.procedimiento))
    salida: dict[int, list] = {u: [] for u in unidades}
    for u, exp, limite in db.session.execute(q):
        if len(salida[u]) < cuantos:
            exp.limite_derivacion = limite
            salida[u].append(exp)
    return salida


# --------------------------------------------------------------------------- flujo documentario
@dataclass
class SerieMensual:
    """Una serie «por mes» del flujo documentario: la fecha que la ubica y sus condiciones. `momento`: la
    columna es un momento UTC (se cuenta por la fecha de Lima)."""

    clave: str
    titulo: str
    columna: object
    condiciones: tuple = ()
    momento: bool = False


SALIDA = (DocumentoEmitido.estado.in_(("emitido", "notificado")),)

# Registro de series mensuales: cada módulo agrega la suya con una línea (préstamos del archivo,
# certificaciones del fedatario…): SerieMensual(clave, título, columna de fecha, condiciones)
SERIES_MENSUALES: list[SerieMensual] = [
    SerieMensual("ingreso", "Expedientes ingresados", Expediente.fecha_presentacion,
                 (Expediente.estado != EstadoExpediente.anulado,)),
    SerieMensual("salida", "Documentos emitidos", DocumentoEmitido.fecha, SALIDA),
    SerieMensual("transparencia", "Solicitudes de acceso a la información", SolicitudAcceso.fecha_presentacion),
    SerieMensual("certificaciones", "Certificaciones del fedatario", Certificacion.fecha,
                 (Certificacion.anulada.is_(False),)),
    SerieMensual("prestamos", "Préstamos del archivo central", Prestamo.fecha_prestamo),
]


def registrar_serie(serie: SerieMensual) -> SerieMensual:
    """Agrega (o reemplaza por su clave) una serie mensual del flujo documentario."""
    SERIES_MENSUALES[:] = [s for s in SERIES_MENSUALES if s.clave != serie.clave] + [serie]
    return serie


def _por_mes(serie: SerieMensual, anio: int) -> list[int]:
    col = FechaLima(serie.columna) if serie.momento else serie.columna
    mes = sa.extract("month", col)
    cuenta = [0] * 12
    q = sa.select(mes, sa.func.count()).where(col.between(date(anio, 1, 1), date(anio, 12, 31)),
                                              *serie.condiciones).group_by(mes)
    for m, n in db.session.execute(q):
        cuenta[int(m) - 1] = n
    return cuenta


def _agrupado(etiqueta, modelo, condiciones, *uniones) -> list[dict]:
    q = sa.select(etiqueta.label("etiqueta"), sa.func.count().label("n")).select_from(modelo)
    for tabla, cond in uniones:
        q = q.outerjoin(tabla, cond)
    q = q.where(*condiciones).group_by(etiqueta).order_by(sa.func.count().desc(), etiqueta)
    return [{"etiqueta": e if e is not None else "—", "n": n} for e, n in db.session.execute(q)]


def flujo(anio: int) -> dict:
    """Ingreso y salida del año `anio` y del anterior, por mes; el ingreso por origen, canal, tipo y
    procedimiento; la salida por unidad y tipo; y las series mensuales registradas."""
    series = [{"clave": s.clave, "titulo": s.titulo, "actual": _por_mes(s, anio), "anterior": _por_mes(s, anio - 1)}
              for s in SERIES_MENSUALES]
    for s in series:
        s["total_actual"], s["total_anterior"] = sum(s["actual"]), sum(s["anterior"])
        s["variacion"] = round(100 * (s["total_actual"] - s["total_anterior"]) / s["total_anterior"], 1) \
            if s["total_anterior"] else None
    E, Doc = Expediente, DocumentoEmitido
    del_anio = (E.fecha_presentacion.between(date(anio, 1, 1), date(anio, 12, 31)), E.estado != "anulado")
    sal_anio = (Doc.fecha.between(date(anio, 1, 1), date(anio, 12, 31)), *SALIDA)
    # el ingreso del año en una sola lectura agrupada por origen, canal, tipo y procedimiento; cada cuadro suma
    # esos grupos (unos cientos de filas) en vez de recorrer otra vez los expedientes del año
    cuenta: dict[str, dict] = {"origen": {}, "canal": {}, "tipo": {}, "procedimiento": {}}
    for o, c, t, p, n in db.session.execute(
            sa.select(E.origen, E.canal, TipoDocumento.nombre, ProcedimientoTupa.codigo, sa.func.count())
            .select_from(E).outerjoin(TipoDocumento, TipoDocumento.id == E.tipo_documento_id)
            .outerjoin(ProcedimientoTupa, ProcedimientoTupa.id == E.procedimiento_id).where(*del_anio)
            .group_by(E.origen, E.canal, TipoDocumento.nombre, ProcedimientoTupa.codigo)):
        for clave, valor in (("origen", o), ("canal", c), ("tipo", t), ("procedimiento", p)):
            cuenta[clave][valor] = cuenta[clave].get(valor, 0) + n

    def cuadro(clave: str) -> list[dict]:
        filas = [{"etiqueta": v.etiqueta if isinstance(v, EnumEs) else (v if v is not None else "—"), "n": n,
                  "valor": v.value if isinstance(v, EnumEs) else v} for v, n in cuenta[clave].items()]
        return sorted(filas, key=lambda f: (-f["n"], str(f["etiqueta"])))

    return {
        "anio": anio, "series": series,
        "por_origen": cuadro("origen"), "por_canal": cuadro("canal"), "por_tipo": cuadro("tipo"),
        "por_procedimiento": cuadro("procedimiento"),
        "salida_por_unidad": _agrupado(UnidadOrganica.sigla, Doc, sal_anio,
                                       (UnidadOrganica, UnidadOrganica.id == Doc.unidad_id)),
        "salida_por_tipo": _agrupado(TipoDocumento.nombre, Doc, sal_anio,
                                     (TipoDocumento, TipoDocumento.id == Doc.tipo_documento_id)),
    }


# --------------------------------------------------------------------------- supervisión de Mesa de Partes
TRAMOS_DERIVACION = (("mismo_dia", "El mismo día (art. 143)"), ("un_dia", "Al día hábil siguiente"),
                     ("dos_tres", "A los 2 o 3 días hábiles"), ("mas", "Después de 3 días hábiles"),
                     ("sin_derivar", "Aún sin derivar"))


def mesa_partes(f: Filtros) -> dict:
    """Expedientes presentados en el período: por persona que los registró, por hora de recepción, por canal;
    observados y no presentados; y días hábiles desde la presentación hasta la primera derivación."""
    E = Expediente
    donde = [E.fecha_presentacion.between(f.desde, f.hasta), E.estado != EstadoExpediente.anulado]
    sin_jit()

    # una lectura para los conteos: por quien registró, hora de recepción, canal, observado y no presentado
    filas = sa.select(E.creado_por_id.label("quien"), HoraLima(E.fecha_recepcion).label("hora"),
                      E.canal.label("canal"), E.fecha_observacion.is_not(None).label("obs"),
                      (E.estado == EstadoExpediente.no_presentado).label("np")).where(*donde).subquery("filas")
    grupos = db.session.execute(sa.select(filas.c.quien, filas.c.hora, filas.c.canal, filas.c.obs, filas.c.np,
                                          sa.func.count()).group_by(filas.c.quien, filas.c.hora, filas.c.canal,
                                                                    filas.c.obs, filas.c.np)).all()
    nombres = {u.id: u for u in db.session.scalars(
        sa.select(Usuario).where(Usuario.id.in_({g.quien for g in grupos if g.quien is not None})))}
    total = digital = presencial = observados = no_presentados = 0
    personas: dict[int | str, dict] = {}
    horas = {h: {"hora": f"{h:02d}:00", "presencial": 0, "digital": 0} for h in range(24)}
    for quien, hora, canal, obs, np_, n in grupos:
        canal = Canal(canal).value
        total += n
        digital += n if canal == "digital" else 0
        presencial += n if canal == "presencial" else 0
        observados += n if obs else 0
        no_presentados += n if np_ else 0
        u = nombres.get(quien)
        # sin quien lo registró: lo digital lo recibió la Mesa de Partes Digital; lo de ventanilla (una carga masiva,
        # un usuario borrado) no tiene operador registrado, y no se cuenta como digital
        clave = quien if quien is not None else f"sin_operador_{canal}"
        p = personas.setdefault(clave, {"usuario": u.nombre if u else ("Mesa de Partes Digital" if canal == "digital"
                                                                      else "Sin operador registrado"),
                                        "username": u.username if u else None, "n": 0, "observados": 0})
        p["n"] += n
        p["observados"] += n if obs else 0
        if canal in ("presencial", "digital"):
            horas[int(hora)][canal] += n
    por_usuario = sorted(personas.values(), key=lambda p: (-p["n"], p["usuario"]))

    # días hábiles desde la presentación hasta la primera derivación (la guarda el expediente al derivarse)
    cal = calendario_habil(*_rango_calendario(f.desde, f.hasta))
    c_pres, c_der = cal.alias("c_pres"), cal.alias("c_der")
    fechas = sa.select(E.fecha_presentacion.label("p"), FechaLima(E.fecha_primera_derivacion).label("d")) \
        .where(*donde, sa.or_(E.fecha_primera_derivacion.is_not(None),
                              E.estado.in_((EstadoExpediente.registrado, EstadoExpediente.en_tramite)))) \
        .subquery("fechas")
    pares = sa.select(fechas.c.p, fechas.c.d, sa.func.count().label("n")).group_by(fechas.c.p, fechas.c.d) \
        .subquery("pares")  # el calendario se une a cada par de fechas distinto, no a cada expediente
    dias = c_der.c.orden - c_pres.c.orden
    tramo = sa.case((pares.c.d.is_(None), "sin_derivar"), (dias <= 0, "mismo_dia"), (dias == 1, "un_dia"),
                    (dias <= 3, "dos_tres"), else_="mas")
    q = (sa.select(tramo.label("tramo"), sa.func.sum(pares.c.n),
                   sa.func.sum(sa.case((dias < 0, 0), else_=dias) * pares.c.n))
         .select_from(pares).outerjoin(c_pres, c_pres.c.fecha == pares.c.p)
         .outerjoin(c_der, c_der.c.fecha == pares.c.d).group_by(tramo))
    tramos = {k: 0 for k, _ in TRAMOS_DERIVACION}
    suma = derivados = 0
    for t, n, dias_total in db.session.execute(q):
        tramos[t] = int(n)
        if t != "sin_derivar":
            derivados += int(n)
            suma += float(dias_total or 0)
    return {"total": total, "digital": digital, "presencial": presencial, "observados": observados,
            "no_presentados": no_presentados,
            "pct_digital": round(100 * digital / total, 1) if total else None,
            "por_usuario": por_usuario, "por_hora": [horas[h] for h in range(24) if h in range(6, 23)
                                                     or horas[h]["presencial"] or horas[h]["digital"]],
            "tramos": [{"clave": k, "titulo": t, "n": tramos[k]} for k, t in TRAMOS_DERIVACION],
            "derivados": derivados, "promedio_dias_derivacion": round(suma / derivados, 2) if derivados else None,
            "pct_mismo_dia": round(100 * tramos["mismo_dia"] / derivados, 1) if derivados else None}
