"""Transparencia y acceso a la información pública (TUO Ley 27806; D.S. 007-2024-JUS; docs/reglas.md §4).

Cada operación deja la solicitud consistente; sus condiciones legales (plazos de la observación, la subsanación,
la prórroga, el encauzamiento y la apelación) están en `error_de_solicitud`, que corre al guardar cualquier
solicitud (evento `before_flush`): ningún otro camino (CLI, script, importación) las salta. Las restricciones de
la tabla (`solicitud_acceso`) impiden el resto.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from models import (
    ESTADOS_ABIERTOS,
    ESTADOS_SOLICITUD_ABIERTOS,
    EstadoSolicitud,
    ExcepcionTransparencia,
    Expediente,
    FormaEntrega,
    Origen,
    ProcedimientoTupa,
    SolicitudAcceso,
    TipoDocumento,
    UnidadOrganica,
    Usuario,
    _antes,
    _cambio,
    ahora,
    bloquear,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, calendario, tramite
from services.auditoria import registrar
from services.identidad import guardar_remitente


class ErrorTransparencia(ErrorDeRegla):
    """Regla de la Ley de Transparencia que impide la operación; el mensaje es para el usuario."""


def _cfg(nombre: str):
    return current_app.config[nombre]


# ------------------------------------------------------------------ ingreso y plazos
PROCEDIMIENTO = "%acceso a la información%"  # el del TUPA, si la municipalidad lo registró


def registrar_solicitud(sol: SolicitudAcceso, unidad: UnidadOrganica | None = None) -> SolicitudAcceso:
    """Número por año, clave de consulta, presentación (HORA_CIERRE, días no hábiles) y vencimiento; y su
    expediente (procedimiento «Acceso a la información pública»), por el que se deriva a la unidad que posee la
    información con la bandeja y el acuse del trámite. `unidad`: la que recibe (si no, la del procedimiento)."""
    with db.session.no_autoflush:
        if sol.expediente is not None:  # ingresó por Mesa de Partes: su remitente, su recepción, su trámite
            _desde_expediente(sol)
        else:
            sol.fecha_recepcion = sol.fecha_recepcion or ahora()
            if sol.persona is not None:  # la persona nueva, insertada una sola vez (services/identidad)
                sol.persona = guardar_remitente(sol.persona)
            sol.expediente = _expediente(sol, unidad)
        tramite.numerar_ingreso(sol, "solicitud_acceso")
        sol.estado = EstadoSolicitud.recibida
        sol.prorroga = False
        sol.fecha_vencimiento = vencimiento(sol)
        liquidar(sol, sol.paginas or 0, sol.discos or 0)
    return sol


def _expediente(sol: SolicitudAcceso, unidad: UnidadOrganica | None) -> Expediente:
    procedimiento = db.session.scalar(sa.select(ProcedimientoTupa).where(
        ProcedimientoTupa.nombre.ilike(PROCEDIMIENTO), ProcedimientoTupa.activo).order_by(ProcedimientoTupa.id)
        .limit(1))
    tipo = db.session.scalar(sa.select(TipoDocumento).order_by(
        sa.case((TipoDocumento.abreviatura == "SOL", 0), else_=1), TipoDocumento.id).limit(1))
    unidad = unidad or (procedimiento.unidad_resolutora if procedimiento else None) or db.session.scalar(
        sa.select(UnidadOrganica).where(UnidadOrganica.sigla == _cfg("SIGLA_MESA_PARTES")))
    if tipo is None or unidad is None:
        raise ErrorTransparencia("Falta el tipo de documento «Solicitud» o la unidad que recibe la solicitud.")
    exp = Expediente(origen=Origen.externo, persona=sol.persona, persona_id=sol.persona_id, tipo_documento=tipo,
                     asunto=f"Acceso a la información: {sol.informacion_solicitada}"[:500],
                     procedimiento=procedimiento, unidad_actual=unidad, fecha_recepcion=sol.fecha_recepcion,
                     plazo_dias_habiles=None if procedimiento else _cfg("TRANSPARENCIA_PLAZO"))
    tramite.registrar_ingreso(exp)
    if procedimiento is not None:  # el plazo es el de la ley, aunque el TUPA diga otro
        exp.plazo_dias_habiles = _cfg("TRANSPARENCIA_PLAZO")
        exp.fecha_vencimiento = tramite.vencimiento(exp.fecha_presentacion, exp.plazo_dias_habiles)
    db.session.add(exp)
    return exp


def _desde_expediente(sol: SolicitudAcceso) -> None:
    exp = sol.expediente
    if exp.estado not in ESTADOS_ABIERTOS:
        raise ErrorTransparencia(f"El expediente {exp.codigo} está {exp.estado.etiqueta.lower()}: no se registra "
                                 "como solicitud de acceso.")
    ya = db.session.scalar(sa.select(SolicitudAcceso.codigo).where(SolicitudAcceso.expediente_id == exp.id))
    if ya:
        raise ErrorTransparencia(f"El expediente {exp.codigo} ya es la solicitud {ya}.")
    if exp.persona is None:
        raise ErrorTransparencia(f"El expediente {exp.codigo} es interno: una solicitud de acceso la presenta una "
                                 "persona.")
    if sol.persona is not None and sol.persona.id != exp.persona_id:
        raise ErrorTransparencia(f"El solicitante no es el remitente del expediente {exp.codigo}.")
    sol.persona = exp.persona
    sol.fecha_recepcion = exp.fecha_recepcion


def derivar_a_unidad(sol: SolicitudAcceso, destino: UnidadOrganica | None, proveido: str,
                     usuario: Usuario | None = None) -> str:
    """Pide la información a la unidad que la posee por el trámite (su bandeja y su acuse), con el plazo interno
    TRANSPARENCIA_PLAZO_UNIDAD, que nunca pasa del vencimiento de la solicitud."""
    _abierta(sol, "derivaciones")
    if sol.estado == EstadoSolicitud.observada:
        raise ErrorTransparencia("La solicitud está observada: primero debe subsanarse.")
    if destino is None:
        raise ErrorTransparencia("Elija la unidad que posee la información.")
    if sol.expediente is None:
        raise ErrorTransparencia("La solicitud no tiene expediente por el cual derivarla.")
    alinear_expediente(sol)  # el tope de la derivación es el de la ley
    d = tramite.derivar(sol.expediente, destino, "atender", (proveido or "").strip() or
                        f"Remitir la información solicitada en {sol.codigo}", _cfg("TRANSPARENCIA_PLAZO_UNIDAD"),
                        usuario)
    sol.unidad_poseedora = destino
    if sol.estado == EstadoSolicitud.recibida:
        sol.estado = EstadoSolicitud.en_atencion
    aviso = f" {d.aviso_tope}" if d.aviso_tope else ""
    return f"{sol.codigo}: derivada a {destino.sigla}; plazo hasta el {d.fecha_limite:%d/%m/%Y}.{aviso}"


def vence_el_expediente(estado, vencimiento_efectivo: date | None) -> date | None:
    """Cuándo vence el expediente de una solicitud: cuando ella (con la subsanación y la prórroga); mientras la
    observación está pendiente, nunca (el plazo no corre)."""
    return None if getattr(estado, "value", estado) == "observada" else vencimiento_efectivo


def alinear_expediente(sol: SolicitudAcceso) -> None:
    """El expediente de la solicitud vence cuando ella: las bandejas, el tablero y los reportes del trámite no lo
    dan por vencido antes de tiempo."""
    exp = sol.expediente
    vence = vence_el_expediente(sol.estado, sol.vencimiento_efectivo)
    if exp is not None and exp.estado in ESTADOS_ABIERTOS and exp.fecha_vencimiento != vence:
        exp.fecha_vencimiento = vence


def _concluir_expediente(sol: SolicitudAcceso) -> None:
    """Respondida, encauzada o no presentada: su expediente se archiva (sale de las bandejas)."""
    exp = sol.expediente
    if exp is not None and exp.estado in ESTADOS_ABIERTOS:
        tramite.archivar(exp)


def vencimiento(sol, cal: frozenset[date] | None = None) -> date:
    """10 días hábiles desde el siguiente a la presentación (art. 11 b) o, si se observó, a la subsanación: los 10
    días corren desde ella (Reglamento, D.S. 007-2024-JUS)."""
    cal = calendario.feriados() if cal is None else cal
    inicio = sol.fecha_subsanacion or sol.fecha_presentacion
    return calendario.sumar_habiles(inicio, _cfg("TRANSPARENCIA_PLAZO"), cal)


def limite_desde_presentacion(sol, dias: int) -> date:
    return calendario.sumar_dias_habiles(sol.fecha_presentacion, dias)


@calendario.al_cambiar_calendario
def recalcular_solicitudes(desde: date, cal: frozenset[date]) -> int:
    """Recalcula `fecha_vencimiento` de las solicitudes abiertas afectadas por un cambio del calendario, y el de
    sus expedientes, que vencen con ellas (el recálculo del trámite, que corre antes, no sabe de subsanaciones
    ni de prórrogas de la solicitud). Todo con lo calculado aquí mismo: UPDATE directos, sin releer de la base lo
    que otro recálculo dejó en objetos de la sesión (corre al final de un flush: services/calendario)."""
    S, E = SolicitudAcceso, Expediente
    filas = db.session.execute(
        sa.select(S.id, S.fecha_presentacion, S.fecha_subsanacion, S.fecha_vencimiento, S.prorroga,
                  S.fecha_vencimiento_prorroga, S.estado, E.id, E.fecha_vencimiento)
        .outerjoin(E, sa.and_(E.id == S.expediente_id, E.estado.in_(ESTADOS_ABIERTOS)))
        .where(S.estado.in_(ESTADOS_SOLICITUD_ABIERTOS),
               sa.or_(S.fecha_vencimiento >= desde, E.fecha_vencimiento >= desde))).all()
    solicitudes, expedientes = [], []
    for sid, presentacion, subsanacion, actual, prorroga, prorrogada, estado, eid, del_expediente in filas:
        nuevo = calendario.sumar_habiles(subsanacion or presentacion, _cfg("TRANSPARENCIA_PLAZO"), cal)
        if nuevo != actual:
            solicitudes.append({"b_id": sid, "b_fv": nuevo})
        vence = vence_el_expediente(estado, prorrogada if prorroga else nuevo)
        if eid is not None and vence != del_expediente:
            expedientes.append({"b_id": eid, "b_fv": vence})
    for modelo, cambios in ((S, solicitudes), (E, expedientes)):
        if cambios:
            t = modelo.__table__
            db.session.execute(t.update().where(t.c.id == sa.bindparam("b_id"))
                               .values(fecha_vencimiento=sa.bindparam("b_fv")), cambios)
            calendario.expirar(modelo, (c["b_id"] for c in cambios), ("fecha_vencimiento",))
    if expedientes:
        # el día del silencio positivo sigue al vencimiento (una solicitud de acceso no tiene silencio positivo,
        # pero su procedimiento lo decide la municipalidad)
        tramite.recalcular_silencio([c["b_id"] for c in expedientes], cal)
    if solicitudes:
        registrar("editar", "solicitud_acceso", None,
                  f"Recálculo de {len(solicitudes)} vencimientos por cambio del calendario desde {desde:%d/%m/%Y}")
    return len(solicitudes)


def semaforo(sol, hoy: date | None = None) -> str | None:
    """«vencida», «por_vencer» (≤ TRANSPARENCIA_DIAS_AVISO días hábiles) o «a_tiempo»; None si está cerrada."""
    if sol.estado not in ESTADOS_SOLICITUD_ABIERTOS or sol.estado == EstadoSolicitud.observada:
        return None
    hoy = hoy or hoy_lima()
    if sol.vencimiento_efectivo < hoy:
        return "vencida"
    if sol.vencimiento_efectivo <= calendario.sumar_dias_habiles(hoy, _cfg("TRANSPARENCIA_DIAS_AVISO")):
        return "por_vencer"
    return "a_tiempo"


def condicion_semaforo(valor: str):
    """La condición SQL del semáforo (filtros del listado y cifras del tablero)."""
    hoy = hoy_lima()
    pronto = calendario.sumar_dias_habiles(hoy, _cfg("TRANSPARENCIA_DIAS_AVISO"))
    corre = SolicitudAcceso.estado.in_(("recibida", "en_atencion", "prorrogada"))
    venc = SolicitudAcceso.vencimiento_efectivo
    return {"vencida": sa.and_(corre, venc < hoy),
            "por_vencer": sa.and_(corre, venc >= hoy, venc <= pronto),
            "a_tiempo": sa.and_(corre, venc > pronto)}[valor]


def _abierta(sol, que: str) -> None:
    """La solicitud sigue abierta (la fila queda tomada hasta el commit: dos respuestas a la vez dan una)."""
    bloquear(sol)
    if sol.estado not in ESTADOS_SOLICITUD_ABIERTOS:
        raise ErrorTransparencia(f"La solicitud está {sol.estado.etiqueta.lower()}: no admite {que}.")


def _fecha_valida(sol, fecha: date | None, que: str) -> date:
    if fecha is None:
        raise ErrorTransparencia(f"Indique la fecha de {que} (dd/mm/aaaa).")
    if calendario.fecha_legal(fecha) < sol.fecha_presentacion:  # un acto de un domingo vale como del lunes
        raise ErrorTransparencia(f"La fecha de {que} no puede ser anterior a la presentación "
                                 f"({sol.fecha_presentacion:%d/%m/%Y}).")
    if fecha > hoy_lima():
        raise ErrorTransparencia(f"La fecha de {que} no puede ser futura.")
    return fecha


# ------------------------------------------------------------------ subsanación
def observar(sol: SolicitudAcceso, observacion: str, fecha: date | None) -> None:
    """Requisitos que faltan (nombre, documento, domicilio, pedido preciso): la entidad los pide una sola vez,
    dentro de TRANSPARENCIA_DIAS_OBSERVACION días hábiles de recibida la solicitud (después se tiene por
    admitida); el solicitante tiene TRANSPARENCIA_DIAS_SUBSANACION días hábiles y mientras tanto el plazo no
    corre (`error_de_solicitud`)."""
    _abierta(sol, "observaciones")
    if sol.fecha_observacion is not None:
        raise ErrorTransparencia("La solicitud ya fue observada una vez: no se observa de nuevo.")
    if not (observacion or "").strip():
        raise ErrorTransparencia("Indique qué requisito falta.")
    sol.fecha_observacion = _fecha_valida(sol, fecha, "observación")
    sol.observacion = observacion.strip()
    sol.estado = EstadoSolicitud.observada
    error_de_solicitud(sol)
    alinear_expediente(sol)


def plazo_subsanacion(sol) -> date:
    return calendario.plazo_desde(sol.fecha_observacion, _cfg("TRANSPARENCIA_DIAS_SUBSANACION"))


def limite_observacion(sol) -> date:
    """Último día para pedir la subsanación: TRANSPARENCIA_DIAS_OBSERVACION días hábiles desde la presentación."""
    return limite_desde_presentacion(sol, _cfg("TRANSPARENCIA_DIAS_OBSERVACION"))


def subsanar(sol: SolicitudAcceso, fecha: date | None) -> None:
    """Subsanada en plazo, los 10 días corren desde la subsanación."""
    if sol.estado != EstadoSolicitud.observada:
        raise ErrorTransparencia("Solo se subsana una solicitud observada.")
    sol.fecha_subsanacion = _fecha_valida(sol, fecha, "subsanación")
    error_de_solicitud(sol)
    sol.estado = EstadoSolicitud.recibida
    sol.fecha_vencimiento = vencimiento(sol)
    alinear_expediente(sol)


def vencer_observaciones() -> int:
    """Observadas sin subsanar pasado el plazo → «no presentada» (tarea diaria `tramite-diario`)."""
    n = 0
    for sol in db.session.scalars(sa.select(SolicitudAcceso).where(
            SolicitudAcceso.estado == EstadoSolicitud.observada)):
        if hoy_lima() > plazo_subsanacion(sol):
            sol.estado = EstadoSolicitud.no_presentada
            _concluir_expediente(sol)
            n += 1
    return n


# ------------------------------------------------------------------ prórroga y encauzamiento
def prorrogar(sol: SolicitudAcceso, fecha_comunicacion: date | None, nueva_fecha: date | None, motivo: str) -> None:
    """Una sola vez, por imposibilidad material, comunicada dentro de 2 días hábiles de la presentación (art. 11 g;
    la regla de la fecha vive en `error_de_solicitud`)."""
    _abierta(sol, "prórroga")
    if sol.estado == EstadoSolicitud.observada:
        raise ErrorTransparencia("La solicitud está observada: primero debe subsanarse.")
    if sol.prorroga:
        raise ErrorTransparencia("La prórroga se concede una sola vez (art. 11 g).")
    if not (motivo or "").strip():
        raise ErrorTransparencia("Indique el motivo de la prórroga (la imposibilidad material de entregar a tiempo).")
    sol.fecha_comunicacion_prorroga = _fecha_valida(sol, fecha_comunicacion, "comunicación")
    if nueva_fecha is None:
        raise ErrorTransparencia(f"Indique la nueva fecha de entrega, posterior al vencimiento "
                                 f"({sol.fecha_vencimiento:%d/%m/%Y}).")
    sol.prorroga = True
    sol.motivo_prorroga = motivo.strip()
    sol.fecha_vencimiento_prorroga = nueva_fecha
    error_de_solicitud(sol)
    sol.estado = EstadoSolicitud.prorrogada
    alinear_expediente(sol)


def encauzar(sol: SolicitudAcceso, entidad: str, fecha: date | None) -> None:
    """La entidad no posee la información: la encauza a la que la tiene e informa al solicitante."""
    _abierta(sol, "encauzamiento")
    if not (entidad or "").strip():
        raise ErrorTransparencia("Indique la entidad que posee la información.")
    sol.fecha_encauzamiento = _fecha_valida(sol, fecha, "encauzamiento")
    error_de_solicitud(sol)
    sol.entidad_derivada = entidad.strip()[:300]
    sol.estado = EstadoSolicitud.derivada
    _concluir_expediente(sol)


# ------------------------------------------------------------------ las condiciones legales, al guardar
def error_de_solicitud(sol: SolicitudAcceso) -> None:
    """Las condiciones legales de cada cambio de la solicitud, comparado con lo que había en la base: las llaman
    las operaciones y, antes de escribir, el evento `before_flush` (un script o una importación que escribe los
    campos directamente no las salta)."""
    presentacion = sol.fecha_presentacion
    if presentacion is None:
        return
    if _cambio(sol, ("fecha_observacion",)):
        if _antes(sol, "fecha_observacion") is not None:
            raise ErrorTransparencia("La solicitud ya fue observada una vez: no se observa de nuevo.")
        if sol.fecha_observacion is not None:
            limite = limite_observacion(sol)
            if not presentacion <= calendario.fecha_legal(sol.fecha_observacion) <= limite:
                raise ErrorTransparencia(
                    f"La subsanación de requisitos se pide dentro de {_cfg('TRANSPARENCIA_DIAS_OBSERVACION')} días "
                    f"hábiles de recibida la solicitud, hasta el {limite:%d/%m/%Y}: pasado ese plazo la solicitud se "
                    "tiene por admitida (Reglamento de la Ley 27806, D.S. 007-2024-JUS).")
    if _cambio(sol, ("fecha_subsanacion",)) and sol.fecha_subsanacion is not None:
        if sol.fecha_observacion is None:
            raise ErrorTransparencia("Solo se subsana una solicitud observada.")
        if sol.fecha_subsanacion < sol.fecha_observacion:
            raise ErrorTransparencia("La subsanación no puede ser anterior a la observación.")
        if calendario.fecha_legal(sol.fecha_subsanacion) > plazo_subsanacion(sol):
            raise ErrorTransparencia(f"El plazo para subsanar venció el {plazo_subsanacion(sol):%d/%m/%Y}: la "
                                     "solicitud se tiene por no presentada.")
    if _cambio(sol, ("prorroga", "fecha_comunicacion_prorroga", "fecha_vencimiento_prorroga")):
        if _antes(sol, "prorroga"):
            raise ErrorTransparencia("La prórroga se concede una sola vez (art. 11 g).")
        if sol.prorroga and sol.fecha_comunicacion_prorroga is not None:
            limite = limite_desde_presentacion(sol, _cfg("TRANSPARENCIA_DIAS_PRORROGA"))
            if not presentacion <= calendario.fecha_legal(sol.fecha_comunicacion_prorroga) <= limite:
                raise ErrorTransparencia(
                    f"La prórroga debe comunicarse dentro de {_cfg('TRANSPARENCIA_DIAS_PRORROGA')} días hábiles de "
                    f"presentada la solicitud, hasta el {limite:%d/%m/%Y} (TUO Ley 27806, art. 11 g): ya no "
                    "procede.")
            if sol.fecha_vencimiento_prorroga is None or sol.fecha_vencimiento_prorroga <= sol.fecha_vencimiento:
                raise ErrorTransparencia(f"La nueva fecha de entrega debe ser posterior al vencimiento "
                                         f"({sol.fecha_vencimiento:%d/%m/%Y}).")
    if _cambio(sol, ("fecha_encauzamiento",)) and sol.fecha_encauzamiento is not None:
        limite = limite_desde_presentacion(sol, _cfg("TRANSPARENCIA_DIAS_ENCAUZAMIENTO"))
        if not presentacion <= calendario.fecha_legal(sol.fecha_encauzamiento) <= limite:
            raise ErrorTransparencia(f"El encauzamiento debe hacerse dentro de "
                                     f"{_cfg('TRANSPARENCIA_DIAS_ENCAUZAMIENTO')} días hábiles de presentada la "
                                     f"solicitud, hasta el {limite:%d/%m/%Y}.")
    if _cambio(sol, ("fecha_apelacion",)) and sol.fecha_apelacion is not None:
        desde = sol.fecha_respuesta or sol.vencimiento_efectivo
        limite = calendario.plazo_desde(desde, _cfg("TRANSPARENCIA_DIAS_APELACION"))
        if calendario.fecha_legal(sol.fecha_apelacion) > limite:
            raise ErrorTransparencia(f"La apelación debía presentarse dentro de "
                                     f"{_cfg('TRANSPARENCIA_DIAS_APELACION')} días hábiles, hasta el "
                                     f"{limite:%d/%m/%Y}.")


@sa.event.listens_for(Session, "before_flush")
def _reglas_de_transparencia(session, _contexto, _instancias):
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, SolicitudAcceso):
                error_de_solicitud(obj)


# ------------------------------------------------------------------ costos
PAGAN_POR_PAGINA = (FormaEntrega.copia_simple, FormaEntrega.copia_certificada)


def liquidar(sol: SolicitudAcceso, paginas: int, discos: int) -> Decimal:
    """Costo de reproducción según la forma de entrega (COSTOS_REPRODUCCION); el correo es gratuito."""
    if paginas < 0 or discos < 0:
        raise ErrorTransparencia("Páginas y discos no pueden ser negativos.")
    costos = _cfg("COSTOS_REPRODUCCION")
    forma = FormaEntrega(sol.forma_entrega)
    if forma in PAGAN_POR_PAGINA:
        costo = Decimal(str(costos["pagina"])) * paginas
    elif forma == FormaEntrega.medio_digital:
        costo = Decimal(str(costos["cd"])) * discos
    else:
        costo = Decimal("0")
    sol.paginas, sol.discos = paginas, discos
    sol.costo_reproduccion = costo.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return sol.costo_reproduccion


# ------------------------------------------------------------------ respuesta
RESPUESTAS = {"entregada": "Entregada", "parcial": "Parcialmente denegada", "denegada": "Denegada",
              "desistida": "Desistida"}


def responder(sol: SolicitudAcceso, tipo: str, fecha: date | None, excepcion=None, informacion_denegada: str = "",
              fundamento: str = "", recibo_pago: str = "") -> None:
    """Entregada (con el pago si hay costo), denegada SOLO citando una excepción del catálogo (arts. 15–17),
    parcialmente denegada (qué se reserva y por qué) o desistida."""
    if tipo not in RESPUESTAS:
        raise ErrorTransparencia("Elija el sentido de la respuesta.")
    _abierta(sol, "respuesta")
    if sol.estado == EstadoSolicitud.observada and tipo != "desistida":
        raise ErrorTransparencia("La solicitud está observada: primero debe subsanarse.")
    fecha = _fecha_valida(sol, fecha, "respuesta")
    if tipo in ("denegada", "parcial"):
        if excepcion is None:
            raise ErrorTransparencia("Una denegatoria debe citar una excepción de los artículos 15, 16 o 17 del "
                                     "TUO de la Ley 27806; sin ella la información se entrega.")
        if not (fundamento or "").strip():
            raise ErrorTransparencia("Explique por qué la excepción se aplica a esta información (interpretación "
                                     "restrictiva).")
        if tipo == "parcial" and not (informacion_denegada or "").strip():
            raise ErrorTransparencia("Indique qué información se reserva.")
        sol.excepcion_legal = excepcion
        sol.fundamento_denegatoria = fundamento.strip()
        sol.informacion_denegada = (informacion_denegada or "").strip() or None
    if tipo in ("entregada", "parcial"):
        recibo = (recibo_pago or "").strip() or sol.recibo_pago
        if sol.costo_reproduccion and not recibo:
            raise ErrorTransparencia(f"La entrega tiene un costo de S/ {sol.costo_reproduccion:.2f}: registre el "
                                     "recibo de pago antes de entregar las copias.")
        sol.recibo_pago = recibo
    sol.fecha_respuesta = fecha
    sol.estado = {"entregada": EstadoSolicitud.atendida, "parcial": EstadoSolicitud.parcialmente_denegada,
                  "denegada": EstadoSolicitud.denegada, "desistida": EstadoSolicitud.desistida}[tipo]
    _concluir_expediente(sol)


# ------------------------------------------------------------------ apelación
def apelar(sol: SolicitudAcceso, fecha: date | None, fecha_elevacion: date | None, resultado: str = "") -> None:
    """Apelación al Tribunal de Transparencia contra una denegatoria (expresa, parcial o ficta), dentro de
    TRANSPARENCIA_DIAS_APELACION días hábiles (`error_de_solicitud`)."""
    if not (sol.estado in (EstadoSolicitud.denegada, EstadoSolicitud.parcialmente_denegada) or sol.denegatoria_ficta
            or sol.fecha_apelacion):
        raise ErrorTransparencia("Solo se apela una denegatoria (expresa, parcial o ficta).")
    sol.fecha_apelacion = _fecha_valida(sol, fecha, "apelación")
    error_de_solicitud(sol)
    if fecha_elevacion is not None and fecha_elevacion < sol.fecha_apelacion:
        raise ErrorTransparencia("La elevación al Tribunal no puede ser anterior a la apelación.")
    sol.fecha_elevacion = fecha_elevacion
    sol.resultado_apelacion = (resultado or "").strip()[:300] or None


# ------------------------------------------------------------------ informe anual
MESES = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
         "Noviembre", "Diciembre")
ATENDIDAS = ("atendida", "parcialmente_denegada")
DENEGADAS = ("denegada", "parcialmente_denegada")
PENDIENTES = ("recibida", "observada", "en_atencion", "prorrogada")
# palabras que no dicen el tema de un pedido
VACIAS = frozenset({
    "copia", "copias", "solicito", "solicita", "informacion", "información", "sobre", "respecto", "relacion",
    "relación", "documento", "documentos", "desde", "hasta", "entre", "todos", "todas", "cuales", "donde", "otros",
    "otras", "mismo", "dicha", "dicho", "favor", "segun", "según", "cuanto", "cuantos", "durante", "ultimo",
    "último", "ultimos", "últimos", "años", "municipal", "municipalidad", "distrital"})


def informe_anual(anio: int) -> dict:
    """El informe anual a la autoridad de transparencia: recibidas en el año (por fecha de presentación),
    atendidas, denegadas y por qué excepción, pendientes, encauzadas, desistidas, no presentadas, promedio de
    días hábiles de respuesta, por unidad, por mes, por sexo y temas frecuentes. Todo con agregados SQL."""
    S = SolicitudAcceso
    del_anio = S.fecha_presentacion.between(date(anio, 1, 1), date(anio, 12, 31))

    def contar(*cond):
        return sa.func.count().filter(*cond) if cond else sa.func.count()

    fila = db.session.execute(sa.select(
        contar(), contar(S.estado.in_(ATENDIDAS)), contar(S.estado.in_(DENEGADAS)),
        contar(S.estado == "denegada"), contar(S.estado == "parcialmente_denegada"),
        contar(S.estado.in_(PENDIENTES)), contar(S.estado == "derivada"), contar(S.estado == "desistida"),
        contar(S.estado == "no_presentada"), contar(S.prorroga), contar(S.fecha_apelacion.is_not(None)),
        sa.func.coalesce(sa.func.sum(S.costo_reproduccion), 0),
    ).where(del_anio)).one()
    claves = ("recibidas", "atendidas", "denegadas", "denegadas_total", "parcialmente_denegadas", "pendientes",
              "encauzadas", "desistidas", "no_presentadas", "prorrogadas", "apeladas", "costo_total")
    resumen = dict(zip(claves, fila, strict=True))
    resumen["costo_total"] = Decimal(resumen["costo_total"] or 0)
    vencidas = db.session.scalar(sa.select(sa.func.count()).where(del_anio, S.denegatoria_ficta))
    resumen["denegatoria_ficta"] = vencidas

    # días hábiles de respuesta: un cálculo por par de fechas distinto (no por solicitud)
    pares = db.session.execute(sa.select(S.fecha_presentacion, S.fecha_respuesta, sa.func.count()).where(
        del_anio, S.fecha_respuesta.is_not(None), S.estado.in_((*ATENDIDAS, "denegada")))
        .group_by(S.fecha_presentacion, S.fecha_respuesta)).all()
    cal = calendario.feriados()
    total = sum(n for *_, n in pares)
    dias = sum(max(0, calendario.habiles_entre(p, r, cal)) * n for p, r, n in pares)
    resumen["respondidas"] = total
    resumen["promedio_dias"] = round(dias / total, 1) if total else None

    excepciones = [{"codigo": c, "articulo": a, "n": n} for c, a, n in db.session.execute(
        sa.select(ExcepcionTransparencia.codigo, ExcepcionTransparencia.articulo, sa.func.count())
        .join(S, S.excepcion_legal_id == ExcepcionTransparencia.id)
        .where(del_anio, S.estado.in_(DENEGADAS))
        .group_by(ExcepcionTransparencia.id, ExcepcionTransparencia.codigo, ExcepcionTransparencia.articulo)
        .order_by(ExcepcionTransparencia.id))]

    mes = sa.extract("month", S.fecha_presentacion)
    por_mes = {m: {"mes": MESES[m - 1], "recibidas": 0, "atendidas": 0, "denegadas": 0} for m in range(1, 13)}
    for m, r, a, d in db.session.execute(sa.select(mes, contar(), contar(S.estado.in_(ATENDIDAS)),
                                                    contar(S.estado.in_(DENEGADAS))).where(del_anio).group_by(mes)):
        por_mes[int(m)].update(recibidas=r, atendidas=a, denegadas=d)

    unidad = sa.func.coalesce(UnidadOrganica.sigla, "Sin unidad")
    por_unidad = [{"unidad": u, "recibidas": r, "atendidas": a, "denegadas": d, "pendientes": p}
                  for u, r, a, d, p in db.session.execute(
                      sa.select(unidad, contar(), contar(S.estado.in_(ATENDIDAS)), contar(S.estado.in_(DENEGADAS)),
                                contar(S.estado.in_(PENDIENTES)))
                      .select_from(S).outerjoin(UnidadOrganica, UnidadOrganica.id == S.unidad_poseedora_id)
                      .where(del_anio).group_by(unidad).order_by(sa.func.count().desc(), unidad))]

    sexo = {"F": 0, "M": 0, None: 0}
    for s_, n in db.session.execute(sa.select(S.sexo, sa.func.count()).where(del_anio).group_by(S.sexo)):
        sexo[s_] = n
    por_sexo = [{"sexo": "Femenino", "n": sexo["F"]}, {"sexo": "Masculino", "n": sexo["M"]},
                {"sexo": "No declara", "n": sexo[None]}]

    return {"anio": anio, "resumen": resumen, "excepciones": excepciones, "por_mes": list(por_mes.values()),
            "por_unidad": por_unidad, "por_sexo": por_sexo, "temas": temas_frecuentes(del_anio)}


def temas_frecuentes(condicion, cuantos: int = 10) -> list[dict]:
    """Las palabras con significado más repetidas en lo solicitado (cada solicitud cuenta una vez por palabra)."""
    cuenta: Counter[str] = Counter()
    for (texto,) in db.session.execute(sa.select(SolicitudAcceso.informacion_solicitada).where(condicion)
                                       .execution_options(yield_per=5000)):
        palabras = {p for p in re.findall(r"[a-záéíóúñü]{5,}", texto.lower()) if p not in VACIAS}
        cuenta.update(palabras)
    return [{"tema": p, "n": n} for p, n in cuenta.most_common(cuantos)]
