"""Trámite documentario: ingreso de expedientes, plazos y recálculo (LPAG arts. 124, 143–145)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import (
    ESTADOS_ABIERTOS,
    ZONA_LIMA,
    AccionDerivacion,
    Derivacion,
    DocumentoEmitido,
    EstadoDerivacion,
    EstadoDocumento,
    EstadoExpediente,
    Expediente,
    Persona,
    ProcedimientoTupa,
    Silencio,
    UnidadOrganica,
    Usuario,
    _antes,
    _cambio,
    ahora,
    db,
    hoy_lima,
    relacionada,
)
from models import bloquear as bloquear_fila
from services import ErrorDeRegla, calendario
from services.auditoria import registrar
from services.identidad import guardar_remitente
from services.numeracion import siguiente

ALFABETO_CLAVE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # sin 0/O, 1/I/L


def nueva_clave(largo: int = 8) -> str:
    return "".join(secrets.choice(ALFABETO_CLAVE) for _ in range(largo))


def fecha_presentacion(recepcion: datetime, feriados: frozenset[date] | None = None) -> date:
    """Fecha legal de presentación (D.S. 029-2021-PCM mod. 075-2023-PCM; docs/reglas.md §1).

    Recibido en día hábil hasta HORA_CIERRE (al minuto) → ese día; después, o en
    sábado, domingo o día no laborable → el siguiente día hábil.
    """
    cal = calendario.feriados() if feriados is None else feriados
    local = recepcion.astimezone(ZONA_LIMA)
    cierre = time.fromisoformat(current_app.config["HORA_CIERRE"])
    dia = local.date()
    if local.time().replace(second=0, microsecond=0) > cierre:
        dia += timedelta(days=1)  # después del cierre: cuenta como del día siguiente…
    return calendario.fecha_legal(dia, cal)  # …y un día no hábil, como el siguiente hábil (la regla de todo acto)


def vencimiento(presentacion: date, plazo: int | None, feriados: frozenset[date] | None = None) -> date | None:
    """El plazo corre desde el día hábil siguiente (art. 144) y se cumple el último día."""
    if plazo is None:
        return None
    cal = calendario.feriados() if feriados is None else feriados
    return calendario.sumar_habiles(presentacion, plazo, cal)


def inicio_del_plazo(presentacion: date, subsanacion: date | None) -> date:
    """Desde cuándo corre el plazo legal: la presentación o, si se observó, la subsanación (mientras la
    observación está pendiente no corre ningún plazo ni opera el silencio: LPAG art. 136.3; docs/reglas.md §1)."""
    return subsanacion or presentacion


def silencio_desde(vence: date | None, positivo: bool, feriados: frozenset[date] | None = None) -> date | None:
    """Con silencio positivo, el día desde el que la solicitud se tiene por aprobada: el siguiente a los
    NOTIFICACION_PLAZO (5) días hábiles que siguen al vencimiento, el plazo para notificar la decisión (LPAG arts.
    24.1 y 199.1). Presentada el 20/07/2026 con 5 días: vence el 30/07; notifica hasta el 07/08 (el 06/08 es
    feriado); aprobada desde el 08/08/2026."""
    if vence is None or not positivo:
        return None
    cal = calendario.feriados() if feriados is None else feriados
    return calendario.sumar_habiles(vence, current_app.config["NOTIFICACION_PLAZO"], cal) + timedelta(days=1)


def fijar_plazo(exp: Expediente) -> None:
    """El vencimiento del expediente según su plazo, desde su presentación o su subsanación; mientras la
    observación está pendiente, ninguno (ni vencido ni aprobado). El día del silencio positivo lo sigue
    (`_silencio_positivo`, al guardar)."""
    if exp.estado == EstadoExpediente.observado:
        exp.fecha_vencimiento = None
    else:
        exp.fecha_vencimiento = vencimiento(inicio_del_plazo(exp.fecha_presentacion, exp.fecha_subsanacion),
                                            exp.plazo_dias_habiles)


@sa.event.listens_for(Session, "before_flush")
def _silencio_positivo(session, _contexto, _instancias):
    """El día del silencio positivo sigue al vencimiento, lo cambie un servicio, una pantalla o un script (los
    recálculos por el calendario, con UPDATE directos, lo calculan ellos mismos)."""
    with session.no_autoflush:
        for exp in (*session.new, *session.dirty):
            if isinstance(exp, Expediente) and (sa.inspect(exp).pending or _cambio(
                    exp, ("fecha_vencimiento", "procedimiento", "procedimiento_id", "estado"))):
                proc = relacionada(exp, "procedimiento")
                positivo = proc is not None and proc.silencio == Silencio.positivo \
                    and exp.estado != EstadoExpediente.observado
                nuevo = silencio_desde(exp.fecha_vencimiento, positivo)
                if exp.silencio_positivo_desde != nuevo:
                    exp.silencio_positivo_desde = nuevo


def registrar_ingreso(exp: Expediente) -> Expediente:
    """Completa lo que asigna el servidor: número, código, clave, fechas legales y plazo."""
    with db.session.no_autoflush:  # el expediente puede estar ya en la sesión, aún incompleto
        return _completar_ingreso(exp)


def numerar_ingreso(fila, serie: str) -> None:
    """Lo común a todo lo que entra por Mesa de Partes (expedientes, solicitudes de acceso…): recepción (ahora,
    si falta), presentación (HORA_CIERRE y días no hábiles), año, número correlativo de la serie en ese año
    (services.numeracion, seguro ante concurrencia), código (`formato_codigo` del modelo) y clave de consulta."""
    fila.fecha_recepcion = fila.fecha_recepcion or ahora()
    fila.fecha_presentacion = fecha_presentacion(fila.fecha_recepcion)
    fila.anio = fila.fecha_recepcion.astimezone(ZONA_LIMA).year
    fila.numero = siguiente(f"{serie}:{fila.anio}")
    fila.codigo = type(fila).formato_codigo(fila.anio, fila.numero)
    fila.clave = nueva_clave()


def _completar_ingreso(exp: Expediente) -> Expediente:
    if exp.persona is not None:  # un remitente nuevo queda guardado antes del número (dos ingresos a la vez)
        exp.persona = guardar_remitente(exp.persona)
    numerar_ingreso(exp, "expediente")
    exp.estado = EstadoExpediente.registrado
    if exp.procedimiento is not None:
        # aprobación automática (art. 33): aprobado al presentarse; sin plazo, nunca vencido
        exp.plazo_dias_habiles = None if exp.procedimiento.aprobacion_automatica else \
            exp.procedimiento.plazo_dias_habiles
        exp.unidad_actual = exp.unidad_actual or exp.procedimiento.unidad_resolutora
    elif exp.plazo_dias_habiles is None:
        exp.plazo_dias_habiles = current_app.config["PLAZO_MAXIMO_DIAS"]
    fijar_plazo(exp)
    return exp


@calendario.al_cambiar_calendario
def recalcular_expedientes(desde: date, cal: frozenset[date]) -> int:
    """Recalcula `fecha_vencimiento` (desde la presentación o la subsanación) y el día del silencio positivo de
    los expedientes abiertos afectados por el cambio."""
    E = Expediente
    positivo = sa.exists().where(ProcedimientoTupa.id == E.procedimiento_id,
                                 ProcedimientoTupa.silencio == Silencio.positivo)
    filas = db.session.execute(
        sa.select(E.id, E.fecha_presentacion, E.fecha_subsanacion, E.plazo_dias_habiles, E.fecha_vencimiento,
                  E.silencio_positivo_desde, positivo)
        .where(E.estado.in_(ESTADOS_ABIERTOS), E.estado != EstadoExpediente.observado,
               E.plazo_dias_habiles.is_not(None),
               sa.or_(E.fecha_vencimiento >= desde, E.silencio_positivo_desde >= desde))
    ).all()
    cambios = []
    for id_, pres, subsanado, plazo, actual, silencio, es_positivo in filas:
        nuevo = vencimiento(inicio_del_plazo(pres, subsanado), plazo, cal)
        nuevo_silencio = silencio_desde(nuevo, es_positivo, cal)
        if (nuevo, nuevo_silencio) != (actual, silencio):
            cambios.append({"b_id": id_, "b_fv": nuevo, "b_sp": nuevo_silencio})
    if cambios:
        # UPDATE por lotes sin control de versión (Expediente.version): un recálculo del calendario no
        # compite con los trámites (no toca lo que ellos cambian)
        t = E.__table__
        db.session.execute(t.update().where(t.c.id == sa.bindparam("b_id"))
                           .values(fecha_vencimiento=sa.bindparam("b_fv"),
                                   silencio_positivo_desde=sa.bindparam("b_sp")), cambios)
        calendario.expirar(E, (c["b_id"] for c in cambios), ("fecha_vencimiento", "silencio_positivo_desde"))
        registrar("editar", "expediente", None,
                  f"Recálculo de {len(cambios)} vencimientos por cambio del calendario desde {desde:%d/%m/%Y}")
    return len(cambios)


def recalcular_silencio(ids: list[int], cal: frozenset[date]) -> None:
    """El día del silencio positivo de esos expedientes, tras cambiar su vencimiento con un UPDATE directo."""
    E = Expediente
    positivo = sa.exists().where(ProcedimientoTupa.id == E.procedimiento_id,
                                 ProcedimientoTupa.silencio == Silencio.positivo)
    cambios = []
    for id_, vence, actual, es_positivo, estado in db.session.execute(
            sa.select(E.id, E.fecha_vencimiento, E.silencio_positivo_desde, positivo, E.estado).where(E.id.in_(ids))):
        nuevo = silencio_desde(vence, es_positivo and estado != EstadoExpediente.observado, cal)
        if nuevo != actual:
            cambios.append({"b_id": id_, "b_sp": nuevo})
    if cambios:
        t = E.__table__
        db.session.execute(t.update().where(t.c.id == sa.bindparam("b_id"))
                           .values(silencio_positivo_desde=sa.bindparam("b_sp")), cambios)
        calendario.expirar(E, (c["b_id"] for c in cambios), ("silencio_positivo_desde",))


@calendario.al_cambiar_calendario
def recalcular_derivaciones(desde: date, cal: frozenset[date]) -> int:
    """Recalcula `fecha_limite` de las derivaciones abiertas afectadas por el cambio (con los días en que el
    plazo no corrió porque el expediente estuvo observado, como en `subsanar`)."""
    filas = db.session.execute(
        sa.select(Derivacion.id, Derivacion.fecha_envio, Derivacion.plazo_dias_habiles, Derivacion.fecha_limite,
                  Expediente.fecha_observacion, Expediente.fecha_subsanacion)
        .join(Expediente, Expediente.id == Derivacion.expediente_id)
        .where(Derivacion.estado.in_((EstadoDerivacion.pendiente, EstadoDerivacion.recibido)),
               Derivacion.plazo_dias_habiles.is_not(None), Derivacion.fecha_limite >= desde)
    ).all()
    cambios = []
    for id_, envio, plazo, actual, observado, subsanado in filas:
        inicio = envio.astimezone(ZONA_LIMA).date()
        suspendidos = calendario.habiles_entre_actos(observado, subsanado, cal) \
            if observado and subsanado and inicio <= observado else 0
        nuevo = calendario.plazo_desde(inicio, plazo + max(0, suspendidos), cal)
        if nuevo != actual:
            cambios.append({"id": id_, "fecha_limite": nuevo})
    if cambios:
        t = Derivacion.__table__
        db.session.execute(t.update().where(t.c.id == sa.bindparam("b_id"))
                           .values(fecha_limite=sa.bindparam("b_fl")),
                           [{"b_id": c["id"], "b_fl": c["fecha_limite"]} for c in cambios])
        calendario.expirar(Derivacion, (c["id"] for c in cambios), ("fecha_limite",))
    return len(cambios)


# más remitentes que esto para una palabra: es común (ver `condicion_busqueda`)
TOPE_REMITENTES_BUSQUEDA = 2000


def condicion_busqueda(palabra: str, dialecto: str):
    """Código o asunto del expediente contiene la palabra, o su remitente (documento o nombre).

    En PostgreSQL se buscan antes los remitentes que coinciden (índices trigrama de persona, hasta
    `TOPE_REMITENTES_BUSQUEDA` + 1) y el planificador recibe sus ids como arreglo constante
    (`persona_id = ANY(%(ids)s)`): con la estimación exacta elige entre recorrer la clave primaria hacia
    atrás (muchas coincidencias: el LIMIT 50 corta pronto) y un BitmapOr de índices trigrama e
    `ix_expediente_persona` (pocas). Con `ANY(ARRAY(SELECT …))` estimaba ~80 filas siempre, y con una
    palabra común (Quispe: ~14 % de los expedientes) unía y ordenaba todas las coincidencias.
    Si pasan del tope, la palabra es común: el remitente se comprueba fila a fila con una subconsulta
    correlacionada por clave primaria, que solo se evalúa en las filas que recorre el listado.
    """
    patron = f"%{palabra.replace('%', '').replace('_', '')}%"
    coincide = sa.or_(Persona.numero_documento.ilike(patron), Persona.nombres.ilike(patron),
                      Persona.apellidos.ilike(patron), Persona.razon_social.ilike(patron))
    por_expediente = sa.or_(Expediente.codigo.ilike(patron), Expediente.asunto.ilike(patron))
    if dialecto != "postgresql":
        return sa.or_(por_expediente, Expediente.persona_id.in_(sa.select(Persona.id).where(coincide)))
    # una fila: cuántos (hasta el tope + 1) y sus ids solo si no pasan del tope (sin traer miles de filas)
    hallados = sa.select(Persona.id).where(coincide).limit(TOPE_REMITENTES_BUSQUEDA + 1).subquery()
    cuantos = sa.func.count()
    n, ids = db.session.execute(sa.select(cuantos, sa.case(
        (cuantos <= TOPE_REMITENTES_BUSQUEDA, sa.func.array_agg(hallados.c.id))))).one()
    if not n:
        return por_expediente
    if ids is not None:
        return sa.or_(por_expediente, Expediente.persona_id == sa.any_(
            sa.bindparam("remitentes", ids, type_=sa.ARRAY(sa.Integer), unique=True)))
    fila_a_fila = (sa.select(coincide).where(Persona.id == Expediente.persona_id)
                   .correlate_except(Persona).scalar_subquery())
    return sa.or_(por_expediente, fila_a_fila)


# ------------------------------------------------------------------ flujo: derivar, recibir, atender…
class ErrorTramite(ErrorDeRegla):
    """Regla del trámite que impide la operación; el mensaje es para el usuario."""


def plazo_por_defecto(exp: Expediente, accion: str) -> int | None:
    """Plazo de una derivación según la acción (LPAG art. 143; PLAZOS_ACCION en configuracion.py)."""
    if accion == "atender":
        if exp.aprobacion_automatica:
            return None  # aprobado a la presentación: no hay plazo que dar (un 0 no es «vacío»)
        if exp.plazo_dias_habiles is not None:
            return exp.plazo_dias_habiles
        return current_app.config["PLAZO_MAXIMO_DIAS"]
    return current_app.config["PLAZOS_ACCION"].get(accion)


def _abierta(exp: Expediente) -> Derivacion | None:
    """La derivación vigente: la última hacia la unidad actual que no se cerró."""
    for d in reversed(exp.derivaciones):
        if d.unidad_destino_id == exp.unidad_actual_id and d.estado in (EstadoDerivacion.pendiente,
                                                                        EstadoDerivacion.recibido):
            return d
    return None


def _cerrar_vigente(exp: Expediente, momento: datetime | None = None, exigir_recibo: bool = False) -> None:
    """La derivación vigente queda atendida (sale de la bandeja y de los recálculos): el único lugar donde se
    cierra. Con `exigir_recibo`, una derivación aún no recibida (sin acuse) no se cierra."""
    vigente = _abierta(exp)
    if vigente is None:
        return
    if exigir_recibo and vigente.estado == EstadoDerivacion.pendiente:
        raise ErrorTramite("Primero reciba el expediente (acuse de recibo).")
    vigente.estado = EstadoDerivacion.atendido
    vigente.fecha_atencion = momento or ahora()


# ------------------------------------------------------------------ concurrencia
CONFLICTO = "Otro usuario tramitó este expediente al mismo tiempo: vuelva a cargar la página y revise su estado."


def bloquear(exp: Expediente) -> Expediente:
    """Toma el expediente para esta transacción y relee su estado y sus derivaciones.

    PostgreSQL: `SELECT … FOR UPDATE` (otra operación sobre el mismo expediente espera al commit y después ve lo
    hecho). SQLite serializa las escrituras y la columna `version` (control optimista) detecta al segundo: ver
    `_confirmar`. Idempotente dentro de la transacción; un expediente recién creado no se bloquea."""
    estado = sa.inspect(exp)
    bloqueados = db.session.info.setdefault("expedientes_bloqueados", set())
    if not estado.persistent or exp.id in bloqueados:
        return exp
    bloqueados.add(exp.id)
    consulta = sa.select(Expediente).where(Expediente.id == exp.id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        consulta = consulta.with_for_update(of=Expediente)
    db.session.execute(consulta)
    db.session.execute(sa.select(Derivacion).where(Derivacion.expediente_id == exp.id)
                       .execution_options(populate_existing=True)).all()
    db.session.expire(exp, ["derivaciones"])
    return exp


def _confirmar() -> None:
    """Envía los cambios ahora: si otro usuario cambió el expediente entretanto (versión distinta), error de regla
    (la vista revierte y lo avisa) en vez de dos trámites mezclados."""
    try:
        db.session.flush()
    except StaleDataError as e:
        raise ErrorTramite(CONFLICTO) from e


@sa.event.listens_for(Session, "after_transaction_end")
def _soltar_bloqueos(session, transaccion):
    if transaccion.parent is None:
        session.info.pop("expedientes_bloqueados", None)


def _exigir_abierto(exp: Expediente, operacion: str) -> None:
    if exp.estado == EstadoExpediente.observado:
        raise ErrorTramite(f"No se puede {operacion}: el expediente está observado hasta que se subsane.")
    if exp.estado not in ESTADOS_ABIERTOS:
        raise ErrorTramite(f"No se puede {operacion} un expediente {exp.estado.etiqueta.lower()}.")


def derivar(exp: Expediente, destino: UnidadOrganica, accion: str = "atender", proveido: str | None = None,
            plazo: int | None = None, usuario: Usuario | None = None) -> Derivacion:
    """Envía el expediente a otra unidad; cierra la derivación vigente (queda atendida)."""
    bloquear(exp)
    _exigir_abierto(exp, "derivar")
    if accion not in AccionDerivacion.__members__:
        raise ErrorTramite("Elija una acción válida para la derivación.")
    if plazo is not None and plazo < 0:
        raise ErrorTramite("El plazo no puede ser negativo.")
    db.session.flush()  # ids de un expediente recién registrado (explícito: puede correr sin autoflush)
    if destino.id == exp.unidad_actual_id and exp.derivaciones:
        raise ErrorTramite("El expediente ya está en esa unidad.")
    momento = ahora()
    _cerrar_vigente(exp, momento)
    if plazo is None:
        plazo = plazo_por_defecto(exp, accion)
    hoy = calendario.fecha_legal(hoy_lima())  # derivado un domingo: como del lunes
    limite = calendario.sumar_dias_habiles(hoy, plazo) if plazo is not None else None
    tope = None
    if limite is not None and exp.fecha_vencimiento is not None and limite > exp.fecha_vencimiento:
        # el plazo interno nunca pasa del plazo legal del expediente (docs/reglas.md §1): se recorta y se avisa;
        # así una segunda derivación «atender» tampoco vuelve a dar el plazo completo
        limite = exp.fecha_vencimiento
        plazo = max(0, calendario.dias_habiles_entre(hoy, limite))
        tope = (f"Plazo de la derivación recortado a {plazo} días hábiles: no puede pasar del vencimiento del "
                f"expediente ({limite:%d/%m/%Y}).")
    d = Derivacion(expediente=exp, unidad_origen_id=exp.unidad_actual_id, unidad_destino=destino,
                   enviado_por_id=usuario.id if usuario else None, fecha_envio=momento, accion=accion,
                   proveido=proveido, plazo_dias_habiles=plazo, fecha_limite=limite)
    d.aviso_tope = tope
    db.session.add(d)
    exp.fecha_primera_derivacion = exp.fecha_primera_derivacion or momento
    exp.unidad_actual = destino
    exp.estado = EstadoExpediente.en_tramite
    _confirmar()
    return d


def permanencia(d: Derivacion) -> int | None:
    """Días hábiles que el expediente estuvo en la unidad destino (desde el envío hasta su atención)."""
    if d.fecha_envio is None:
        return None
    fin = (d.fecha_atencion or ahora()).astimezone(ZONA_LIMA).date()
    return calendario.dias_habiles_entre(d.fecha_envio.astimezone(ZONA_LIMA).date(), fin)


def recibir(derivacion: Derivacion, usuario: Usuario) -> None:
    """Acuse de recibo: quién y cuándo. Un solo acuse aunque dos usuarios pulsen «Recibir» a la vez: la fila
    pasa de pendiente a recibida con un UPDATE condicional (el segundo no encuentra nada pendiente)."""
    momento = ahora()
    marcada = db.session.execute(
        sa.update(Derivacion).where(Derivacion.id == derivacion.id, Derivacion.estado == EstadoDerivacion.pendiente)
        .values(estado=EstadoDerivacion.recibido, fecha_recepcion=momento, recibido_por_id=usuario.id)
        .execution_options(synchronize_session=False)).rowcount
    if not marcada:
        db.session.refresh(derivacion, ["estado"])
        if derivacion.estado == EstadoDerivacion.retirado:
            raise ErrorTramite(f"La derivación de {derivacion.expediente.codigo} fue retirada: el expediente se "
                               "observó en el ingreso y volvió a Mesa de Partes hasta que se subsane.")
        raise ErrorTramite(f"La derivación de {derivacion.expediente.codigo} ya fue recibida.")
    # el mismo cambio en el objeto: la auditoría lo registra y la sesión queda al día
    derivacion.fecha_recepcion = momento
    derivacion.recibido_por_id = usuario.id
    derivacion.estado = EstadoDerivacion.recibido


def atender(exp: Expediente, usuario: Usuario | None = None, respuesta: str | None = None) -> None:
    """Concluye el trámite; `respuesta`: lo que se respondió o resolvió (queda en el expediente)."""
    bloquear(exp)
    _exigir_abierto(exp, "atender")
    _cerrar_vigente(exp, exigir_recibo=True)
    exp.estado = EstadoExpediente.atendido
    exp.fecha_atencion = hoy_lima()
    exp.respuesta = (respuesta or "").strip()[:4000] or None
    _confirmar()


def devolver(exp: Expediente, motivo: str, usuario: Usuario | None = None) -> Derivacion:
    """Devuelve el expediente a la unidad que lo envió."""
    bloquear(exp)
    vigente = _abierta(exp)
    if vigente is None or vigente.unidad_origen_id is None:
        raise ErrorTramite("No hay una unidad a la cual devolver el expediente.")
    if not (motivo or "").strip():
        raise ErrorTramite("Indique el motivo de la devolución.")
    origen = db.session.get(UnidadOrganica, vigente.unidad_origen_id)
    nueva = derivar(exp, origen, "atender", f"Devuelto: {motivo.strip()}", usuario=usuario)
    vigente.estado = EstadoDerivacion.devuelto
    _confirmar()
    return nueva


def archivar(exp: Expediente, usuario: Usuario | None = None, caja=None) -> None:
    """Archiva el expediente en una caja de su unidad, o (sin caja) en el archivo de gestión de la unidad hasta
    que lo encajen y transfieran (services/archivo.archivar_en)."""
    from services.archivo import archivar_en

    bloquear(exp)
    if exp.estado not in (*ESTADOS_ABIERTOS, EstadoExpediente.atendido) or \
            exp.estado == EstadoExpediente.observado:
        raise ErrorTramite(f"No se puede archivar un expediente {exp.estado.etiqueta.lower()}.")
    _cerrar_vigente(exp)
    exp.estado = EstadoExpediente.archivado
    archivar_en(exp, caja)
    _confirmar()


# ------------------------------------------------------------------ observación en el ingreso (LPAG art. 136)
def por_clasificar():
    """Condición SQL de la cola «Recibidos por Mesa Digital»: ingreso digital aún sin derivar."""
    return sa.and_(Expediente.canal == "digital",
                   Expediente.estado.in_((EstadoExpediente.registrado, EstadoExpediente.observado)),
                   ~sa.exists().where(Derivacion.expediente_id == Expediente.id))


def clasificar(exp: Expediente, procedimiento, tipo_documento) -> None:
    """Mesa de partes fija el procedimiento TUPA (plazo y vencimiento) y el tipo de documento de un ingreso,
    mientras no se haya derivado."""
    if exp.derivaciones:
        raise ErrorTramite(f"{exp.codigo} ya fue derivado: el procedimiento y el tipo de documento no se cambian.")
    if exp.estado not in (EstadoExpediente.registrado, EstadoExpediente.observado):
        raise ErrorTramite(f"{exp.codigo} está {exp.estado.etiqueta.lower()}: no se clasifica.")
    if tipo_documento is not None:
        exp.tipo_documento = tipo_documento
    exp.procedimiento = procedimiento
    if procedimiento is None:
        exp.plazo_dias_habiles = current_app.config["PLAZO_MAXIMO_DIAS"]
    else:  # aprobación automática (art. 33): sin plazo ni vencimiento
        exp.plazo_dias_habiles = None if procedimiento.aprobacion_automatica else procedimiento.plazo_dias_habiles
    fijar_plazo(exp)


def observable(exp: Expediente) -> bool:
    """¿Cabe todavía la observación del ingreso? (una vez, antes de que una unidad lo reciba: art. 136)."""
    return (exp.fecha_observacion is None
            and exp.estado in (EstadoExpediente.registrado, EstadoExpediente.en_tramite)
            and len(exp.derivaciones) <= 1 and all(d.estado == EstadoDerivacion.pendiente for d in exp.derivaciones))


def observar(exp: Expediente, observacion: str) -> None:
    """Una sola vez, en un solo acto, al ingreso; el administrado tiene 2 días hábiles para subsanar. Si ya se
    derivó en el acto (aún sin acuse), la derivación se retira —queda registrada como «retirada», no se borra—
    y el expediente vuelve a la unidad que lo recibió (Mesa de Partes) hasta que se subsane (art. 136.3.3).
    Mientras tanto no hay vencimiento, ni aprobación automática, ni silencio (art. 136.3)."""
    if not (observacion or "").strip():
        raise ErrorTramite("Indique qué falta (la observación).")
    bloquear(exp)
    if exp.fecha_observacion is not None:
        raise ErrorTramite("Las observaciones se hacen una sola vez, en un solo acto.")
    if exp.estado not in (EstadoExpediente.registrado, EstadoExpediente.en_tramite):
        raise ErrorTramite(f"No se puede observar un expediente {exp.estado.etiqueta.lower()}.")
    if not observable(exp):
        raise ErrorTramite(RECIBIDO_NO_SE_OBSERVA)
    momento = ahora()
    for d in exp.derivaciones:
        if d.estado == EstadoDerivacion.pendiente:
            retirar_derivacion(exp, d, momento)
    exp.observacion = observacion.strip()
    exp.fecha_observacion = hoy_lima()
    exp.estado = EstadoExpediente.observado
    fijar_plazo(exp)
    _confirmar()


RECIBIDO_NO_SE_OBSERVA = ("La observación se hace en el ingreso (art. 136), antes de que una unidad reciba el "
                          "expediente.")


def retirar_derivacion(exp: Expediente, d: Derivacion, momento: datetime) -> None:
    """La derivación aún sin acuse se retira (queda registrada, sin acuse posible) y el expediente vuelve a la
    unidad que lo envió: la que lo recibió en el ingreso."""
    d.estado = EstadoDerivacion.retirado
    d.fecha_atencion = momento
    origen = d.unidad_origen_id or db.session.scalar(sa.select(UnidadOrganica.id).where(
        UnidadOrganica.sigla == current_app.config["SIGLA_MESA_PARTES"]))
    if origen is not None:
        exp.unidad_actual = db.session.get(UnidadOrganica, origen)


def plazo_subsanacion(exp: Expediente) -> date | None:
    if exp.fecha_observacion is None:
        return None
    dias = current_app.config["DIAS_SUBSANACION"]
    return calendario.plazo_desde(exp.fecha_observacion, dias)


def subsanar(exp: Expediente, usuario: Usuario | None = None) -> Derivacion | None:
    """Subsanado en plazo, el plazo legal corre desde la subsanación (art. 136.3: mientras estuvo observado no
    corrió) y recién ahora se deriva: a la unidad a la que iba cuando se observó, o a la unidad resolutora de su
    procedimiento (sin ninguna, la Mesa de Partes elige a cuál)."""
    bloquear(exp)
    if exp.estado != EstadoExpediente.observado:
        raise ErrorTramite("El expediente no está observado.")
    if calendario.fecha_legal(hoy_lima()) > plazo_subsanacion(exp):
        raise ErrorTramite("Venció el plazo para subsanar: el expediente se tiene por no presentado.")
    exp.fecha_subsanacion = hoy_lima()
    vigente = _abierta(exp)
    exp.estado = EstadoExpediente.en_tramite if vigente is not None else EstadoExpediente.registrado
    fijar_plazo(exp)
    _confirmar()
    if vigente is not None:
        return None
    retirada = next((d for d in reversed(exp.derivaciones) if d.estado == EstadoDerivacion.retirado), None)
    destino = retirada.unidad_destino if retirada is not None else \
        (exp.procedimiento.unidad_resolutora if exp.procedimiento is not None else None)
    if destino is not None and destino.id != exp.unidad_actual_id:
        return derivar(exp, destino, retirada.accion.value if retirada else "atender",
                       "Subsanado: para su atención.", usuario=usuario)
    return None


ABIERTAS = (EstadoDerivacion.pendiente, EstadoDerivacion.recibido)


@sa.event.listens_for(Session, "before_flush")
def _reglas_de_la_observacion(session, _contexto, _instancias):
    """La observación del ingreso (LPAG art. 136) debajo de toda vía —pantalla, servicio, script, importación—:
    una sola vez y antes de que una unidad reciba el expediente; observado, no está en la bandeja de ninguna unidad
    (ni se deriva) hasta que se subsane, y se subsana dentro de DIAS_SUBSANACION días hábiles."""
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, Expediente):
                _regla_observacion(session, obj)
            elif isinstance(obj, Derivacion) and sa.inspect(obj).pending:
                exp = relacionada(obj, "expediente")
                if exp is not None and exp.estado == EstadoExpediente.observado:
                    raise ErrorTramite(f"No se puede derivar {exp.codigo}: el expediente está observado hasta que "
                                       "se subsane.")


def _derivaciones_de(session, exp: Expediente) -> list[Derivacion]:
    nuevas = [d for d in session.new if isinstance(d, Derivacion) and relacionada(d, "expediente") is exp]
    return [*exp.derivaciones, *(d for d in nuevas if d not in exp.derivaciones)]


def _regla_observacion(session, exp: Expediente) -> None:
    if _cambio(exp, ("fecha_observacion",)):
        if _antes(exp, "fecha_observacion") is not None:
            raise ErrorTramite("Las observaciones se hacen una sola vez, en un solo acto.")
        if exp.fecha_observacion is not None and any(
                d.fecha_recepcion is not None or d.estado not in (EstadoDerivacion.pendiente,
                                                                  EstadoDerivacion.retirado)
                for d in _derivaciones_de(session, exp)):
            raise ErrorTramite(RECIBIDO_NO_SE_OBSERVA)
    if exp.estado == EstadoExpediente.observado and _antes(exp, "estado") != EstadoExpediente.observado:
        if exp.fecha_observacion is None or not (exp.observacion or "").strip():
            raise ErrorTramite(f"{exp.codigo}: un expediente observado lleva la observación y su fecha (art. 136.2).")
        if any(d.estado in ABIERTAS for d in _derivaciones_de(session, exp)):
            raise ErrorTramite(f"{exp.codigo}: observado, el expediente vuelve a Mesa de Partes hasta que se subsane: "
                               "su derivación pendiente se retira (art. 136.3.3).")
    if _cambio(exp, ("fecha_subsanacion",)) and exp.fecha_subsanacion is not None:
        if exp.fecha_observacion is None:
            raise ErrorTramite("Solo se subsana un expediente observado.")
        limite = plazo_subsanacion(exp)
        if not exp.fecha_observacion <= exp.fecha_subsanacion <= limite:
            raise ErrorTramite(f"La subsanación es del {exp.fecha_observacion:%d/%m/%Y} al {limite:%d/%m/%Y} "
                               f"({current_app.config['DIAS_SUBSANACION']} días hábiles, art. 136.1): después, el "
                               "expediente se tiene por no presentado.")


def observar_en_ingreso(exp: Expediente, observacion: str) -> None:
    """Observado al recibirlo (art. 136): queda en Mesa de Partes, sin derivar, hasta que se subsane."""
    if exp.derivaciones:
        raise ErrorTramite("El expediente ya fue derivado: la observación de ingreso se hace antes.")
    observar(exp, observacion)


def vencer_observaciones() -> int:
    """Observados sin subsanar pasado el plazo → «no presentado» (se corre a diario o al consultar)."""
    n = 0
    for exp in db.session.scalars(sa.select(Expediente).where(Expediente.estado == EstadoExpediente.observado)):
        if hoy_lima() > plazo_subsanacion(exp):
            exp.estado = EstadoExpediente.no_presentado
            _cerrar_vigente(exp)
            n += 1
    return n


# ------------------------------------------------------------------ anulación
def anular(exp: Expediente, motivo: str, usuario: Usuario) -> None:
    """Solo los roles con «anular» en la matriz de permisos (por defecto, Secretaría General y Mesa de Partes);
    el número nunca se reutiliza."""
    if not usuario.puede("expediente", "anular"):
        raise ErrorTramite("Su rol no tiene el permiso «anular» de expedientes (matriz de permisos).")
    if not (motivo or "").strip():
        raise ErrorTramite("Indique el motivo de la anulación.")
    bloquear(exp)
    if exp.estado == EstadoExpediente.anulado:
        raise ErrorTramite("El expediente ya está anulado.")
    _cerrar_vigente(exp)
    exp.estado = EstadoExpediente.anulado
    exp.motivo_anulacion = motivo.strip()
    exp._accion_auditoria = "anular"
    _confirmar()


# ------------------------------------------------------------------ documentos emitidos (egreso)
def numerar_documento(doc: DocumentoEmitido) -> DocumentoEmitido:
    """`INFORME N° 015-2026-GDU/MDD`: correlativo por tipo, unidad (o institucional) y año."""
    with db.session.no_autoflush:  # el documento puede estar ya en la sesión, aún sin número
        return _numerar(doc)


def serie_de_norma(tipo) -> str | None:
    """Tipo de norma cuya serie única numera este tipo de documento (p. ej. RES → resolución de alcaldía): ese
    documento no se numera como documento emitido, sino en Normas municipales (una serie por tipo)."""
    return current_app.config["TIPOS_DOCUMENTO_NORMA"].get(tipo.abreviatura) if tipo else None


def error_fecha_documento(fecha: date | None, expediente: Expediente | None = None, tipo=None,
                          unidad: UnidadOrganica | None = None) -> str | None:
    """La fecha de un documento decide su serie (año): la regla de todo acto numerado (`ActoNumerado`: de hoy o de
    los últimos DIAS_FECHA_ACTO días, no futura, no anterior al último número de su serie —del `tipo` y la
    `unidad`—); si responde a un expediente, no puede ser anterior a su presentación."""
    if fecha is None:
        return None
    muestra = DocumentoEmitido(fecha=fecha, tipo_documento_id=getattr(tipo, "id", None),
                               unidad_id=getattr(unidad, "id", None))
    error = muestra.error_de_fecha()
    if error:
        return error
    # un documento de un domingo vale como del lunes (calendario.fecha_legal), igual que lo presentado ese día
    if expediente is not None and expediente.fecha_presentacion and \
            calendario.fecha_legal(fecha) < expediente.fecha_presentacion:
        return (f"El documento no puede ser anterior a la presentación del expediente "
                f"({expediente.fecha_presentacion:%d/%m/%Y}).")
    return None


def _numerar(doc: DocumentoEmitido) -> DocumentoEmitido:
    doc.fecha = doc.fecha or hoy_lima()
    tipo, unidad = doc.tipo_documento, doc.unidad
    if serie_de_norma(tipo):
        raise ErrorTramite(f"Las resoluciones tienen una sola serie: registre la {tipo.nombre.lower()} en "
                           "Normas municipales, donde se numera.")
    error = error_fecha_documento(doc.fecha, doc.expediente, doc.tipo_documento, doc.unidad)
    if error:
        raise ErrorTramite(error, campo="fecha")
    doc.anio = doc.fecha.year
    ambito = "INST" if tipo.numeracion.value == "institucional" else unidad.sigla
    doc.numero = siguiente(f"documento:{tipo.abreviatura}:{ambito}:{doc.anio}")
    sufijo = current_app.config["SIGLA_ENTIDAD"]
    medio = f"{unidad.sigla}/{sufijo}" if ambito != "INST" else sufijo
    doc.codigo = f"{tipo.nombre.upper()} N° {doc.numero:03d}-{doc.anio}-{medio}"
    return doc


def emitir_documento(doc: DocumentoEmitido) -> None:
    bloquear_fila(doc)
    if doc.estado != EstadoDocumento.proyecto:
        raise ErrorTramite(f"{doc.codigo} ya no es un proyecto.")
    doc.estado = EstadoDocumento.emitido


def anular_documento(doc: DocumentoEmitido, motivo: str) -> None:
    """El número se conserva (nunca se reutiliza)."""
    if not (motivo or "").strip():
        raise ErrorTramite("Indique el motivo de la anulación.")
    bloquear_fila(doc)
    if doc.estado == EstadoDocumento.anulado:
        raise ErrorTramite("El documento ya está anulado.")
    doc.estado = EstadoDocumento.anulado
    doc.motivo_anulacion = motivo.strip()
    doc._accion_auditoria = "anular"
