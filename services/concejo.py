"""Reglas del Concejo Municipal y de las normas (docs/reglas.md §5–6; LOM arts. 9, 12–17, 22–23, 39–44).

Todo lo que decide algo está aquí y no en las pantallas: número de sesión y de norma, lapso de
convocatoria, quórum, resultado de una votación (voto dirimente del alcalde), acta, publicación y
vigencia, derogación, dietas y causales de vacancia por inasistencias.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import nh3
import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy import event, inspect
from sqlalchemy.orm import selectinload

from models import (
    ZONA_LIMA,
    Acta,
    Asistencia,
    CargoMiembro,
    Citacion,
    Dictamen,
    EstadoActa,
    EstadoAsistencia,
    EstadoNorma,
    EstadoSesion,
    Expediente,
    Materia,
    Mayoria,
    MedioCitacion,
    MiembroConcejo,
    NormaMunicipal,
    PeriodoMunicipal,
    PuntoAgenda,
    ResultadoPunto,
    ResultadoVotacion,
    SeccionAgenda,
    SentidoVoto,
    SesionConcejo,
    TipoSesion,
    Voto,
    _antes,
    _cambio,
    ahora,
    bloquear,
    db,
    hoy_lima,
    relacionada,
)
from services import ErrorDeRegla, calendario, correo, numeracion, word
from services.normas import NORMA_DE_MATERIA, crear_norma_de_punto

# Lapso mínimo entre convocatoria y sesión, mayoría por materia, ordinarias al mes y dietas: configuracion.py.
SESIONES_CELEBRADAS = (EstadoSesion.instalada, EstadoSesion.levantada, EstadoSesion.suspendida)
DIAS_POSTERGACION = (3, 5)  # días hábiles de la postergación (LOM art. 13: ni menos de 3 ni más de 5)


class ErrorConcejo(ErrorDeRegla):
    """Regla del concejo incumplida: el mensaje, en castellano, se muestra al usuario."""


def _v(valor) -> str:
    """Valor de un enum, lo traiga el modelo (enum) o un formulario (texto)."""
    return str(getattr(valor, "value", valor))


def _cfg(nombre: str):
    """Valor de configuración (los valores por defecto están en configuracion.py)."""
    return current_app.config[nombre]


# La regla de la votación vive en el modelo (PuntoAgenda): el servicio la llama, no la repite.
materia_de_vacancia = PuntoAgenda.es_vacancia
umbral = PuntoAgenda.umbral


def no_habil(miembro: MiembroConcejo) -> str:
    return (f"{miembro.nombre} no está hábil (licencia o suspensión): se registra con licencia, "
            "no presente; no vota ni cuenta para el quórum.")


# --------------------------------------------------------------------------- sesiones
def periodo_de(fecha: date) -> PeriodoMunicipal | None:
    return db.session.scalar(sa.select(PeriodoMunicipal).where(PeriodoMunicipal.inicio <= fecha,
                                                               PeriodoMunicipal.fin >= fecha))


def numerar_sesion(sesion: SesionConcejo) -> None:
    """Número por tipo y año, asignado por el servidor; el período se deduce de la fecha si falta."""
    fecha = sesion.fecha_hora.astimezone(ZONA_LIMA).date()
    if sesion.comision is not None:
        sesion.periodo = sesion.comision.periodo
    if sesion.periodo is None and sesion.periodo_id is None:
        sesion.periodo = periodo_de(fecha)
        if sesion.periodo is None:
            raise ErrorConcejo("No hay un período municipal registrado que comprenda la fecha de la sesión.")
    sesion.anio = fecha.year
    organo = f"comision{sesion.comision.id}:" if sesion.comision is not None else ""  # una serie por comisión
    sesion.numero = numeracion.siguiente(f"sesion:{organo}{sesion.tipo.value}:{fecha.year}")


def lapso_requerido(tipo: TipoSesion) -> int:
    return _cfg("LAPSO_CONVOCATORIA")[_v(tipo)]


def dias_que_median(desde: date, sesion: SesionConcejo) -> int:
    """Días hábiles que median entre `desde` y el día de la sesión (ninguno de los dos cuenta). Si se
    postergó, cuenta la fecha convocada: la postergación no exige nueva convocatoria."""
    dia = (sesion.postergada_desde or sesion.fecha_hora).astimezone(ZONA_LIMA).date()
    # convocada (o recibida) un sábado: como del lunes (calendario.fecha_legal)
    return calendario.dias_habiles_entre(calendario.fecha_legal(desde), dia - timedelta(days=1))


def lapso_cumplido(desde: date | None, sesion: SesionConcejo) -> bool:
    return desde is not None and dias_que_median(desde, sesion) >= lapso_requerido(sesion.tipo)


def citar(sesion: SesionConcejo, funcionarios: list[str] = ()) -> list[Citacion]:
    """Una citación por miembro del concejo (y por funcionario indicado); correo si lo hay y está configurado."""
    if sesion.estado not in (EstadoSesion.programada, EstadoSesion.convocada):
        raise ErrorConcejo("Solo se cita a una sesión programada o convocada.")
    if not sesion.puntos:
        raise ErrorConcejo("Registre la agenda antes de citar: la citación la incluye.")
    momento = ahora()
    citados = {c.miembro_id for c in sesion.citaciones if c.miembro_id}
    citados_texto = {c.destinatario.strip().lower() for c in sesion.citaciones if c.destinatario}
    nuevas = []
    for m in sesion.miembros:
        if m.id not in citados:
            nuevas.append(Citacion(sesion=sesion, miembro=m, fecha_envio=momento,
                                   medio=MedioCitacion.correo if m.email else MedioCitacion.fisico))
    for nombre in (f.strip() for f in funcionarios):
        if nombre and nombre.lower() not in citados_texto:
            nuevas.append(Citacion(sesion=sesion, destinatario=nombre[:200], fecha_envio=momento))
    db.session.add_all(nuevas)
    if sesion.fecha_convocatoria is None:
        sesion.fecha_convocatoria = hoy_lima()
    sesion.estado = EstadoSesion.convocada
    db.session.flush()
    for c in nuevas:
        if c.miembro and c.miembro.email:
            if not _cfg("MAIL_SERVER"):
                c.correo_error = correo.SIN_SERVIDOR  # se entrega impresa; la pantalla lo dice
                continue
            correo.al_confirmar(db.session(), c.miembro.email, f"Citación: {sesion.codigo}", texto_citacion(c),
                                al_terminar=_constancia_de_correo(c.id))
    return nuevas


def _constancia_de_correo(citacion_id: int):
    """Tras el commit: anota en la citación si el correo salió (cuándo) o por qué no."""

    def anotar(motivo: str | None) -> None:
        valores = {"correo_error": motivo} if motivo else {"correo_enviado_en": ahora(), "correo_error": None}
        with db.engine.begin() as conexion:
            conexion.execute(sa.update(Citacion).where(Citacion.id == citacion_id).values(**valores))

    return anotar


def texto_citacion(c: Citacion) -> str:
    s = c.sesion
    agenda = "\n".join(f"  {p.orden}. {p.titulo}" for p in s.puntos)
    return (f"Se le cita a la {s.codigo} del Concejo Municipal de la {current_app.config['MUNICIPALIDAD']}, "
            f"el {s.fecha_hora.astimezone(ZONA_LIMA):%d/%m/%Y a las %H:%M} h, en {s.lugar or 'el local municipal'} "
            f"({s.modalidad.etiqueta.lower()}).\n\nAgenda:\n{agenda}\n")


def advertencia_citacion(c: Citacion) -> str | None:
    if c.fecha_recepcion is None:
        return "Sin cargo de recepción"
    if not lapso_cumplido(c.fecha_recepcion.astimezone(ZONA_LIMA).date(), c.sesion):
        return f"Recibida con menos de {lapso_requerido(c.sesion.tipo)} días hábiles de anticipación"
    return None


def advertencias_sesion(sesion: SesionConcejo) -> list[str]:
    """Lo que la Secretaría debe ver antes de instalar: lapso de convocatoria, citados sin cargo."""
    avisos = []
    lapso = lapso_requerido(sesion.tipo)
    if sesion.fecha_convocatoria and not lapso_cumplido(sesion.fecha_convocatoria, sesion):
        avisos.append(f"Convocada con {dias_que_median(sesion.fecha_convocatoria, sesion)} días hábiles de "
                      f"anticipación; una sesión {sesion.tipo.etiqueta.lower()} exige al menos {lapso}.")
    citados = {c.miembro_id for c in sesion.citaciones}
    if sesion.citaciones:
        sin_citar = [m.nombre for m in sesion.miembros if m.id not in citados]
        if sin_citar:
            avisos.append(f"Sin citar: {', '.join(sin_citar)}.")
    sin_cargo = [c.para for c in sesion.citaciones if c.fecha_recepcion is None]
    if sin_cargo:
        avisos.append(f"Sin cargo de recepción ({len(sin_cargo)}): {', '.join(sin_cargo)}.")
    for c in sesion.citaciones:
        aviso = advertencia_citacion(c)
        if aviso and c.fecha_recepcion is not None:
            avisos.append(f"{c.para}: {aviso.lower()}.")
    return avisos


def postergar(sesion: SesionConcejo, nueva: datetime, solicitantes: int) -> None:
    """Una sola vez, a pedido de dos tercios del número legal de regidores, de 3 a 5 días hábiles, sin nueva
    convocatoria (las condiciones de la fecha también al guardar: `error_de_postergacion`)."""
    regidores = sum(1 for m in sesion.miembros if m.cargo == CargoMiembro.regidor)
    minimo = umbral("dos_tercios", regidores)  # el alcalde no se cuenta (LOM art. 13): 9 regidores → 6
    error = error_de_postergacion(sesion.estado, sesion.postergada_desde, sesion.fecha_hora, nueva)
    if error:
        raise ErrorConcejo(error)
    if solicitantes < minimo:
        raise ErrorConcejo(f"La postergación la piden al menos dos tercios del número legal de regidores "
                           f"({minimo} de {regidores}).")
    sesion.postergada_desde, sesion.fecha_hora = sesion.fecha_hora, nueva


def error_de_postergacion(estado, ya_postergada: datetime | None, original: datetime, nueva: datetime) -> str | None:
    """Por qué no procede postergar la sesión `original` a `nueva` (None: procede). LOM art. 13."""
    if _v(estado) not in ("programada", "convocada"):
        return "Solo se posterga una sesión que aún no se instala."
    if ya_postergada is not None:
        return "La sesión ya fue postergada una vez."
    dias = calendario.dias_habiles_entre(original.astimezone(ZONA_LIMA).date(), nueva.astimezone(ZONA_LIMA).date())
    minimo, maximo = DIAS_POSTERGACION
    if not minimo <= dias <= maximo:
        return f"La nueva fecha está a {dias} días hábiles; la postergación es de {minimo} a {maximo}."
    return None


def error_de_agenda(sesion: SesionConcejo | None) -> str | None:
    """Una sesión extraordinaria trata solo la agenda de su convocatoria (LOM art. 13): convocada, no se le agrega ni
    se le cambia un punto; para tratar otro asunto se convoca otra, con su propio lapso. None: se puede."""
    if sesion is None or _v(sesion.tipo) != "extraordinaria" or sesion.estado in (None, EstadoSesion.programada):
        return None  # (una sesión nueva aún sin estado está programada)
    cuando = f" el {sesion.fecha_convocatoria:%d/%m/%Y}" if sesion.fecha_convocatoria else ""
    return (f"La {sesion.codigo} ya fue convocada{cuando}: una sesión extraordinaria trata solo la agenda de su "
            f"convocatoria (LOM art. 13). Para tratar este asunto convoque otra sesión extraordinaria, con al menos "
            f"{lapso_requerido(sesion.tipo)} días hábiles de anticipación.")


def registrar_asistencia(sesion: SesionConcejo, filas: dict[int, tuple[str, object]]) -> None:
    """filas = {miembro_id: (estado, hora_llegada)}; reemplaza lo anotado para esos miembros."""
    if sesion.acta is not None and sesion.acta.estado == EstadoActa.aprobada:
        raise ErrorConcejo("El acta ya fue aprobada: la asistencia no se modifica.")
    miembros = {m.id: m for m in sesion.miembros}
    actuales = {a.miembro_id: a for a in sesion.asistencias}
    for miembro_id, (estado, hora) in filas.items():
        if miembro_id not in miembros:
            raise ErrorConcejo("Un miembro no pertenece al concejo de este período.")
        if estado not in EstadoAsistencia.__members__:
            raise ErrorConcejo(f"{miembros[miembro_id].nombre}: estado de asistencia no válido.")
        estado = EstadoAsistencia(estado)
        if estado == EstadoAsistencia.presente and not miembros[miembro_id].habil:
            raise ErrorConcejo(no_habil(miembros[miembro_id]))
        a = actuales.get(miembro_id) or Asistencia(sesion=sesion, miembro=miembros[miembro_id])
        a.estado = estado
        a.hora_llegada = hora if estado == EstadoAsistencia.presente else None
        db.session.add(a)


def instalar(sesion: SesionConcejo) -> None:
    if sesion.estado not in (EstadoSesion.programada, EstadoSesion.convocada, EstadoSesion.sin_quorum):
        raise ErrorConcejo(f"La sesión está {sesion.estado.etiqueta.lower()}: no se puede instalar.")
    tolerancia = int(_cfg("TOLERANCIA_INSTALAR_MINUTOS"))
    if ahora() + timedelta(minutes=tolerancia) < sesion.fecha_hora:
        citada = sesion.fecha_hora.astimezone(ZONA_LIMA)
        raise ErrorConcejo(f"La sesión está citada para el {citada:%d/%m/%Y a las %H:%M} h: no se puede instalar antes"
                           + (f" (tolerancia: {tolerancia} minutos)." if tolerancia else "."))
    db.session.flush()
    for a in sesion.asistencias:
        if a.estado == EstadoAsistencia.presente and not a.miembro.habil:
            raise ErrorConcejo(no_habil(a.miembro))
    if not sesion.hay_quorum:
        raise ErrorConcejo(f"No hay quórum: {sesion.presentes} presentes de {sesion.quorum_requerido} "
                           f"requeridos ({sesion.miembros_habiles} miembros hábiles).")
    sesion.estado = EstadoSesion.instalada


def cambiar_estado(sesion: SesionConcejo, estado: str) -> None:
    validos = {"sin_quorum": (EstadoSesion.programada, EstadoSesion.convocada),
               "levantada": (EstadoSesion.instalada, EstadoSesion.suspendida),
               "suspendida": (EstadoSesion.instalada,)}
    if estado not in validos or sesion.estado not in validos[estado]:
        raise ErrorConcejo("Ese cambio de estado no procede.")
    db.session.flush()
    if estado == "sin_quorum" and sesion.hay_quorum:
        raise ErrorConcejo("Hay quórum: instale la sesión.")
    sesion.estado = EstadoSesion(estado)


# --------------------------------------------------------------------------- votación
def mayoria_de(materia: str) -> str:
    return _cfg("MAYORIA_POR_MATERIA").get(_v(materia), "simple")


def resolver_votacion(punto: PuntoAgenda) -> ResultadoVotacion | None:
    """Resultado de la votación del punto (la regla está en PuntoAgenda.resultado_votacion)."""
    return punto.resultado_votacion


def votar(punto: PuntoAgenda, votos: dict[int, tuple[str, str | None]]) -> ResultadoVotacion | None:
    """votos = {miembro_id: (sentido, fundamento)}; solo votan los presentes. Fija el resultado del punto."""
    sesion = punto.sesion
    if sesion.estado != EstadoSesion.instalada:
        raise ErrorConcejo("Solo se vota en una sesión instalada.")
    if punto.resultado != ResultadoPunto.pendiente:
        raise ErrorConcejo(f"El punto ya está {punto.resultado.etiqueta.lower()}: para reconsiderarlo, "
                           "agéndelo de nuevo.")
    presentes = {a.miembro_id: a.miembro for a in sesion.asistencias
                 if a.estado == EstadoAsistencia.presente and a.miembro.habil}
    actuales = {v.miembro_id: v for v in punto.votos}
    vacancia = materia_de_vacancia(punto.materia)
    if vacancia:
        if _cfg("VACANCIA_SOLO_EXTRAORDINARIA") and sesion.tipo != TipoSesion.extraordinaria:
            raise ErrorConcejo("La vacancia o suspensión solo se vota en sesión extraordinaria.")
        faltan = [m.nombre for mid, m in presentes.items() if mid not in votos and mid not in actuales]
        if _cfg("VACANCIA_VOTAN_TODOS") and faltan:
            raise ErrorConcejo(f"En la vacancia o suspensión votan todos los presentes, el alcalde incluido; "
                               f"falta el voto de: {', '.join(faltan)}.")
    for miembro_id, (sentido, fundamento) in votos.items():
        if miembro_id not in presentes:
            raise ErrorConcejo("Solo votan los miembros hábiles presentes en la sesión.")
        if vacancia and sentido == "abstencion" and _cfg("VACANCIA_SIN_ABSTENCION"):
            raise ErrorConcejo(f"{presentes[miembro_id].nombre}: en la vacancia o suspensión no cabe la "
                               "abstención.")
        fundamento = (fundamento or "").strip() or None
        if sentido not in SentidoVoto.__members__:
            raise ErrorConcejo("Voto no válido.")
        if sentido == "abstencion" and not fundamento:
            raise ErrorConcejo(f"{presentes[miembro_id].nombre}: la abstención debe fundamentarse.")
        voto = actuales.get(miembro_id) or Voto(miembro=presentes[miembro_id])
        voto.sentido, voto.fundamento = SentidoVoto(sentido), fundamento
        if voto not in punto.votos:
            punto.votos.append(voto)
    resultado = resolver_votacion(punto)
    if resultado in (ResultadoVotacion.aprobado, ResultadoVotacion.desaprobado):
        punto.resultado = ResultadoPunto(resultado.value)
        if sesion.comision_id is not None:
            crear_dictamen_de_punto(punto)  # en una comisión, lo votado es su dictamen
        elif resultado == ResultadoVotacion.aprobado and _v(punto.materia) in NORMA_DE_MATERIA:
            crear_norma_de_punto(punto)
    else:
        punto.resultado = ResultadoPunto.pendiente
    return resultado


# --------------------------------------------------------------------------- agenda
ORDEN_MAYORIAS = ("simple", "absoluta", "dos_tercios")


def error_de_punto(sesion: SesionConcejo, materia, seccion, mayoria=None, nuevo: bool = True) -> tuple[str, str] | None:
    """(campo, mensaje) si el punto no cabe en la agenda de la sesión: la mayoría que exige su materia, la vacancia
    solo en extraordinaria y la agenda fijada antes de la sesión (instalada una ordinaria, solo despacho, informes o
    pedidos). El formulario de puntos y «Agregar a la agenda» de *Conducir* usan esta misma regla."""
    minima = mayoria_de(materia)
    if mayoria is not None and ORDEN_MAYORIAS.index(_v(mayoria)) < ORDEN_MAYORIAS.index(minima):
        return "mayoria_requerida", f"Esta materia exige mayoría «{Mayoria(minima).etiqueta.lower()}»."
    if materia_de_vacancia(materia) and _cfg("VACANCIA_SOLO_EXTRAORDINARIA") \
            and sesion.tipo != TipoSesion.extraordinaria:
        return "materia", "La vacancia o suspensión solo se trata en sesión extraordinaria (LOM arts. 23 y 25)."
    if nuevo:
        en_curso = sesion.estado == EstadoSesion.instalada and sesion.tipo != TipoSesion.extraordinaria \
            and _v(seccion) != "orden_del_dia"
        if sesion.estado not in (EstadoSesion.programada, EstadoSesion.convocada) and not en_curso:
            return "sesion", ("La agenda se fija antes de la sesión; instalada una ordinaria, solo se agregan "
                              "despacho, informes o pedidos.")
        error = error_de_agenda(sesion)  # la extraordinaria convocada: solo la agenda de su convocatoria
        if error:
            return "sesion", error
    return None


def agregar_punto(sesion: SesionConcejo, titulo: str, materia: str = "general", seccion: str = "orden_del_dia",
                  expediente: Expediente | None = None, dictamen: Dictamen | None = None) -> PuntoAgenda:
    """Un punto al final de la agenda, con la mayoría que exige su materia; si viene de un dictamen, lleva la
    comisión y el expediente (como al agendarlo desde el formulario de puntos)."""
    titulo = " ".join((titulo or "").split())[:500]
    if not titulo:
        raise ErrorConcejo("Escriba el título de cada punto que agrega a la agenda.")
    if materia not in Materia.__members__:
        raise ErrorConcejo("Elija la materia del punto.")
    error = error_de_punto(sesion, materia, seccion)
    if error:
        raise ErrorConcejo(f"«{titulo[:60]}»: {error[1]}")
    orden = numeracion.siguiente_libre(f"punto_agenda:{sesion.id}", PuntoAgenda.orden,
                                       PuntoAgenda.sesion_id == sesion.id)
    with db.session.no_autoflush:  # el punto entra completo (con su dictamen) en un solo flush
        punto = PuntoAgenda(titulo=titulo, materia=materia, seccion=seccion, mayoria_requerida=mayoria_de(materia),
                            expediente=expediente, orden=orden)
        db.session.add(punto)
        punto.sesion = sesion
        if dictamen is not None:
            agendar_dictamen(punto, dictamen)
    db.session.flush()
    return punto


def listos_para_agenda(sesion: SesionConcejo, unidad_id: int | None, tope: int = 30) -> list[dict]:
    """Lo que ya espera una sesión: en una del concejo, los dictámenes de comisión aún no agendados; en ambas, los
    expedientes abiertos en la unidad que conduce (la Secretaría General) que no están en una agenda pendiente ni
    tienen ya dictamen, y que no son solicitudes de acceso a la información."""
    from models import SolicitudAcceso

    filas = []
    if sesion.comision_id is None:
        agendado = sa.exists().where(PuntoAgenda.dictamen_id == Dictamen.id)
        for d in db.session.scalars(sa.select(Dictamen).where(~agendado).order_by(Dictamen.id.desc()).limit(tope)):
            filas.append({"clave": f"d-{d.id}", "codigo": d.codigo, "origen": d.comision.nombre,
                          "titulo": d.sumilla, "expediente": d.expediente.codigo if d.expediente else "",
                          "detalle": f"{d.sentido.etiqueta} · {d.votacion}"})
    if unidad_id is not None:
        en_agenda = sa.exists().where(PuntoAgenda.expediente_id == Expediente.id,
                                      PuntoAgenda.resultado == ResultadoPunto.pendiente)
        con_dictamen = sa.exists().where(Dictamen.expediente_id == Expediente.id)
        es_solicitud = sa.exists().where(SolicitudAcceso.expediente_id == Expediente.id)
        q = (sa.select(Expediente).where(Expediente.unidad_actual_id == unidad_id,
                                         Expediente.estado == "en_tramite", ~en_agenda, ~con_dictamen,
                                         ~es_solicitud)
             .order_by(Expediente.id.desc()).limit(tope))
        for e in db.session.scalars(q):
            filas.append({"clave": f"e-{e.id}", "codigo": e.codigo, "origen": "Expediente", "titulo": e.asunto,
                          "expediente": e.codigo, "detalle": f"presentado el {e.fecha_presentacion:%d/%m/%Y}"})
    return filas


def agendar_listos(sesion: SesionConcejo, elegidos: list[str], titulos: dict[str, str], materias: dict[str, str],
                   unidad_id: int | None) -> list[PuntoAgenda]:
    """Agrega a la agenda los elegidos de `listos_para_agenda` (clave «d-<id>» o «e-<id>») con su título y materia."""
    disponibles = {f["clave"] for f in listos_para_agenda(sesion, unidad_id, tope=500)}
    puntos = []
    for clave in elegidos:
        if clave not in disponibles:
            raise ErrorConcejo("Uno de los elegidos ya no está disponible para la agenda: vuelva a cargar la página.")
        tipo, _, id_ = clave.partition("-")
        dictamen = db.session.get(Dictamen, int(id_)) if tipo == "d" else None
        expediente = db.session.get(Expediente, int(id_)) if tipo == "e" else None
        puntos.append(agregar_punto(sesion, titulos.get(clave, ""), materias.get(clave) or "general",
                                    expediente=expediente, dictamen=dictamen))
    return puntos


# --------------------------------------------------------------------------- comisiones
def crear_dictamen_de_punto(punto: PuntoAgenda) -> Dictamen:
    """Votado un punto en la sesión de una comisión, su dictamen (favorable o desfavorable) queda numerado por
    comisión y año, con el expediente que dictamina y la votación del punto."""
    existente = db.session.scalar(sa.select(Dictamen).where(Dictamen.punto_id == punto.id)) if punto.id else None
    if existente is not None:
        return existente
    sesion = punto.sesion
    anio = sesion.fecha.year
    dictamen = Dictamen(comision=sesion.comision, anio=anio, punto=punto, expediente=punto.expediente,
                        numero=numeracion.siguiente(f"dictamen:{sesion.comision.id}:{anio}"),
                        sentido="favorable" if punto.resultado == ResultadoPunto.aprobado else "desfavorable",
                        sumilla=punto.titulo[:500])
    db.session.add(dictamen)
    return dictamen


def agendar_dictamen(punto: PuntoAgenda, dictamen: Dictamen) -> None:
    """Un dictamen pasa a la agenda de una sesión del concejo: el punto lleva la comisión y el expediente."""
    if punto.sesion is not None and punto.sesion.comision_id is not None:
        raise ErrorConcejo("El dictamen se agenda en una sesión del concejo, no de una comisión.")
    punto.dictamen, punto.comision = dictamen, dictamen.comision
    punto.expediente = punto.expediente or dictamen.expediente


# --------------------------------------------------------------------------- acta
def contexto_acta(sesion: SesionConcejo) -> dict:
    """Datos del acta para la plantilla HTML y la de Word (docxtpl): mismos nombres en ambas."""
    asistencias = {a.miembro_id: a for a in sesion.asistencias}
    miembros = [{"nombre": m.nombre, "cargo": "Alcalde" if m.es_alcalde else
                 ("Teniente alcalde" if m.orden == 1 else "Regidor(a)"),
                 "asistencia": asistencias[m.id].estado.etiqueta if m.id in asistencias else "Sin registro",
                 "hora": asistencias[m.id].hora_llegada.strftime("%H:%M")
                 if m.id in asistencias and asistencias[m.id].hora_llegada else ""}
                for m in sesion.miembros]
    puntos = []
    for p in sesion.puntos:
        votos = sorted(p.votos, key=lambda v: v.miembro.orden)
        cuentan = [v for v in votos if p.vota_alcalde or not v.miembro.es_alcalde]  # los que suman (reglas.md §5)
        nombres = {s: ", ".join(v.miembro.nombre for v in cuentan if v.sentido == s) or "—" for s in SentidoVoto}
        resolucion = p.resultado_votacion
        dirime = next((v for v in votos if v.miembro.es_alcalde and not p.vota_alcalde
                       and v.sentido != SentidoVoto.abstencion), None) \
            if p.votos_favor == p.votos_contra and votos else None
        puntos.append({
            "orden": p.orden, "seccion": p.seccion.etiqueta, "titulo": p.titulo,
            "mayoria": p.mayoria_requerida.etiqueta, "resultado": p.resultado.etiqueta,
            "votacion": resolucion.etiqueta if resolucion else "Sin votación",
            "favor": p.votos_favor, "contra": p.votos_contra, "abstenciones": p.abstenciones,
            "a_favor": nombres[SentidoVoto.favor], "en_contra": nombres[SentidoVoto.contra],
            "se_abstienen": nombres[SentidoVoto.abstencion],
            "fundamentos": [f"{v.miembro.nombre}: {v.fundamento}" for v in votos if v.fundamento],
            "dirimente": dirime is not None,
            "texto_votacion": texto_votacion(p, nombres, dirime),
            "expediente": p.expediente.codigo if p.expediente else "",
            "dictamen": p.comision.nombre if p.comision else "",
        })
    return {
        "municipalidad": current_app.config["MUNICIPALIDAD"], "sesion": sesion.codigo.upper(),
        "tipo": sesion.tipo.etiqueta, "fecha": f"{sesion.fecha_hora.astimezone(ZONA_LIMA):%d/%m/%Y}",
        "hora": f"{sesion.fecha_hora.astimezone(ZONA_LIMA):%H:%M}", "lugar": sesion.lugar or "",
        "modalidad": sesion.modalidad.etiqueta, "miembros": miembros, "numero_legal": sesion.numero_legal,
        "habiles": sesion.miembros_habiles, "quorum": sesion.quorum_requerido, "presentes": sesion.presentes,
        "hay_quorum": sesion.hay_quorum, "estado": sesion.estado.etiqueta, "puntos": puntos,
        "alcalde": next((m.nombre for m in sesion.miembros if m.es_alcalde), ""),
    }


def plural(n: int, singular: str, plural_: str | None = None) -> str:
    """«1 abstención», «2 abstenciones», «0 abstenciones»."""
    return f"{n} {singular if n == 1 else (plural_ or singular + 's')}"


def texto_votacion(p: PuntoAgenda, nombres: dict, dirime) -> str:
    """Lo que dice el acta de la votación de un punto: los votos que cuentan con sus nombres (la cifra y los
    nombres coinciden), el voto dirimente del alcalde, o qué pasó con un punto que no se votó."""
    if not p.votos:
        if p.resultado == ResultadoPunto.retirado:
            return "No se votó: el punto fue retirado de la agenda."
        if p.resultado == ResultadoPunto.a_comision:
            return "No se votó: el punto pasó a comisión."
        if p.resultado in (ResultadoPunto.aprobado, ResultadoPunto.desaprobado):
            return f"{p.resultado.etiqueta} sin votación nominal registrada."
        if p.seccion != SeccionAgenda.orden_del_dia:
            return f"Sin votación: se dio cuenta al concejo en la estación de {p.seccion.etiqueta.lower()}."
        return "No se sometió a votación en esta sesión; queda pendiente para una próxima sesión."

    def parte(n, texto, sentido):
        return f"{n} {texto} ({nombres[sentido]})" if n else f"{n} {texto}"

    texto = ", ".join((parte(p.votos_favor, "a favor", SentidoVoto.favor),
                       parte(p.votos_contra, "en contra", SentidoVoto.contra),
                       (f"{plural(p.abstenciones, 'abstención', 'abstenciones')} ({nombres[SentidoVoto.abstencion]})"
                        if p.abstenciones else plural(0, "abstención", "abstenciones"))))
    if dirime is not None:
        texto += f"; el alcalde dirimió {'a favor' if dirime.sentido == SentidoVoto.favor else 'en contra'}"
    elif p.resultado_votacion == ResultadoVotacion.empate:
        texto += "; empate sin voto dirimente"
    return texto + "."


def texto_aprobacion(acta: Acta, aprobada_en: SesionConcejo | None) -> str:
    """Estado del acta en su encabezado: borrador, aprobada en una sesión posterior o con dispensa."""
    if aprobada_en is None:
        return f"{acta.estado.etiqueta}, pendiente de aprobación"
    if aprobada_en.id == acta.sesion_id or acta.con_dispensa:
        return ("Aprobada en la misma sesión, con dispensa del trámite de lectura y aprobación del acta acordada "
                "por el concejo")
    return f"Aprobada en la {aprobada_en.codigo}"


def generar_acta(sesion: SesionConcejo) -> Acta:
    """Borrador del acta con lo ocurrido (asistencia, quórum, agenda, votos por nombre y resultados)."""
    if sesion.estado not in SESIONES_CELEBRADAS:
        raise ErrorConcejo("El acta se redacta de una sesión instalada.")
    if sesion.acta is not None and sesion.acta.estado == EstadoActa.aprobada:
        raise ErrorConcejo("El acta ya fue aprobada: no se regenera.")
    contenido = limpiar_html(render_template("concejo/acta.html", **contexto_acta(sesion)))
    if sesion.acta is None:
        db.session.add(Acta(sesion=sesion, contenido=contenido))
    else:
        sesion.acta.contenido = contenido
    return sesion.acta


# HTML del acta: lo que produce un editor de texto (y la plantilla concejo/acta.html), nada más. Sin imágenes
# (ni de fuera ni incrustadas), enlaces, estilos ni atributos de eventos; clases solo las de alineación y tabla.
# Exactamente lo que produce el editor del acta (Trix, static/vendor/trix) y usa el borrador generado
# (templates/concejo/acta.html). Sin atributos: ni clases, ni estilos, ni enlaces, ni imágenes.
HTML_ACTA = {
    "etiquetas": {"div", "br", "strong", "em", "del", "h1", "blockquote", "pre", "ul", "ol", "li"},
    "atributos": {},
}


def limpiar_html(html: str) -> str:
    """El acta se edita con el editor: solo su marcado (HTML_ACTA), sin scripts, eventos, enlaces, imágenes
    ni estilos; los comentarios que agrega Trix (`<!--block-->`) se quitan."""
    return nh3.clean(html or "", tags=HTML_ACTA["etiquetas"], attributes=HTML_ACTA["atributos"],
                     url_schemes=set(), strip_comments=True)


def dispensa_aprobada(sesion: SesionConcejo) -> bool:
    """¿El concejo votó en esta sesión la dispensa de la lectura y aprobación del acta?"""
    return any(_v(p.materia) == "dispensa_acta" and p.resultado == ResultadoPunto.aprobado for p in sesion.puntos)


def documento_acta(acta: Acta, plantilla, aprobada_en: SesionConcejo | None = None) -> bytes:
    """El Word del acta desde la plantilla (docxtpl) con **todos** los valores escapados: un nombre o un título
    con «</w:t>…<w:p>» o «&<>» se ve tal cual y no agrega párrafos al documento oficial. Su texto (`{{ cuerpo }}`)
    es el contenido del acta tal como quedó en el editor (lo que la Secretaría General corrigió, no uno regenerado;
    services/word.py)."""
    aprobada_en = aprobada_en or acta.aprobada_en
    return word.renderizar(plantilla, {
        **contexto_acta(acta.sesion),
        "estado_acta": EstadoActa.aprobada.etiqueta if aprobada_en else acta.estado.etiqueta,
        "aprobada_en": aprobada_en.codigo if aprobada_en else "",
        "aprobacion": texto_aprobacion(acta, aprobada_en)}, cuerpo_html=limpiar_html(acta.contenido)).getvalue()


def aprobar_acta(acta: Acta, en: SesionConcejo, plantilla=None) -> None:
    """Aprueba el acta en una sesión posterior ya celebrada, o en la misma si en ella se votó la dispensa de su
    aprobación (docs/reglas.md §5), y congela su Word (`documento_aprobado`): lo que se descarga después no
    cambia aunque se editen nombres de miembros o títulos de la agenda. El acta queda tomada hasta el commit."""
    bloquear(acta)
    if acta.estado == EstadoActa.aprobada:
        raise ErrorConcejo("El acta ya está aprobada.")
    if en.id == acta.sesion_id:
        if not dispensa_aprobada(en):
            raise ErrorConcejo("El acta se aprueba en una sesión posterior, o en la misma si el concejo votó la "
                               "dispensa de su aprobación.")
        acta.con_dispensa = True
    elif en.fecha_hora <= acta.sesion.fecha_hora:
        raise ErrorConcejo("El acta se aprueba en una sesión posterior.")
    if en.estado not in SESIONES_CELEBRADAS:
        raise ErrorConcejo("El acta se aprueba en una sesión instalada.")
    if en.fecha_hora > ahora():
        raise ErrorConcejo("El acta se aprueba en una sesión que ya se celebró (su fecha no puede ser futura).")
    documento = documento_acta(acta, plantilla or plantilla_acta(), aprobada_en=en)
    # en un solo UPDATE: aprobada, el acta ya no cambia (ni por la base: disparador)
    acta.estado, acta.aprobada_en, acta.documento_aprobado = EstadoActa.aprobada, en, documento


def plantilla_acta():
    """La plantilla de la oficina (instance/plantillas/acta.docx) o la del sistema."""
    instancia = Path(current_app.instance_path) / "plantillas" / "acta.docx"
    return instancia if instancia.exists() else Path(current_app.root_path) / "plantillas" / "acta.docx"


@event.listens_for(Citacion, "before_insert")
@event.listens_for(Citacion, "before_update")
def _cargo_despues_del_envio(mapper, connection, c):
    """El cargo de recepción no puede ser anterior al envío (también lo impide un CHECK en la base)."""
    if c.fecha_recepcion is None:
        return
    if c.fecha_envio is None:
        raise ErrorConcejo("Registre primero el envío de la citación.")
    if c.fecha_recepcion < c.fecha_envio:
        raise ErrorConcejo(f"La recepción de la citación a {c.para} no puede ser anterior a su envío "
                           f"({c.fecha_envio.astimezone(ZONA_LIMA):%d/%m/%Y %H:%M}).")


@event.listens_for(SesionConcejo, "before_update")
def _fecha_de_sesion_celebrada(mapper, connection, sesion):
    """Una sesión ya instalada no cambia de fecha: no se «mueve» para aprobar un acta ni para otro fin."""
    fecha = inspect(sesion).attrs.fecha_hora.history
    estado = inspect(sesion).attrs.estado.history
    antes = (estado.deleted or estado.unchanged or [None])[0]
    if fecha.has_changes() and fecha.deleted and fecha.deleted[0] != sesion.fecha_hora \
            and antes in SESIONES_CELEBRADAS:
        raise ErrorConcejo("La fecha de una sesión ya celebrada no se cambia.")


@event.listens_for(sa.orm.Session, "before_flush")
def _reglas_de_concejo(session, _contexto, _instancias):
    """Debajo de toda pantalla, servicio o script (docs/reglas.md §5): solo los hábiles están presentes y votan; se
    vota solo en una sesión instalada, y se instala solo con quórum; la vacancia y la suspensión, en sesión
    extraordinaria y sin abstenciones; la agenda de una extraordinaria convocada no cambia; la postergación, una
    vez y de 3 a 5 días hábiles. Las filas relacionadas se leen con `relacionada` (el objeto o su id)."""
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, Asistencia):
                miembro = relacionada(obj, "miembro")
                if _v(obj.estado) == "presente" and miembro is not None and not miembro.habil:
                    raise ErrorConcejo(no_habil(miembro))
            elif isinstance(obj, Voto):
                _regla_voto(obj)
            elif isinstance(obj, PuntoAgenda):
                _regla_punto(obj)
            elif isinstance(obj, SesionConcejo) and not inspect(obj).pending:
                _regla_sesion(obj)


def _regla_voto(voto: Voto) -> None:
    miembro, punto = relacionada(voto, "miembro"), relacionada(voto, "punto")
    if miembro is not None and not miembro.habil:
        raise ErrorConcejo(no_habil(miembro))
    sesion = relacionada(punto, "sesion") if punto is not None else None
    if sesion is not None and _v(sesion.estado) != "instalada":
        raise ErrorConcejo("Solo se vota en una sesión instalada.")
    if punto is not None and materia_de_vacancia(punto.materia) and _v(voto.sentido) == "abstencion" \
            and _cfg("VACANCIA_SIN_ABSTENCION"):
        raise ErrorConcejo(f"{miembro.nombre if miembro else 'El miembro'}: en la vacancia o suspensión no cabe la "
                           "abstención.")


def _regla_punto(punto: PuntoAgenda) -> None:
    sesion = relacionada(punto, "sesion")
    if sesion is None:
        return
    if materia_de_vacancia(punto.materia) and _cfg("VACANCIA_SOLO_EXTRAORDINARIA") \
            and _v(sesion.tipo) != "extraordinaria":
        raise ErrorConcejo("La vacancia o suspensión solo se trata en sesión extraordinaria.")
    # (una sesión nueva se registra con su agenda, aunque ya venga convocada: p. ej. una importación)
    if not inspect(sesion).pending and (inspect(punto).pending or _cambio(punto, ("sesion", "sesion_id", "titulo",
                                                                                   "materia"))):
        error = error_de_agenda(sesion)
        if error:
            raise ErrorConcejo(error)


def _regla_sesion(sesion: SesionConcejo) -> None:
    """Los cambios de estado con condición legal: instalar exige quórum (LOM art. 16); postergar, una vez, de 3 a
    5 días hábiles (art. 13)."""
    antes = _v(_antes(sesion, "estado"))
    if _v(sesion.estado) == "instalada" and antes in ("programada", "convocada", "sin_quorum") \
            and not sesion.hay_quorum:
        raise ErrorConcejo(f"No hay quórum: {sesion.presentes} presentes de {sesion.quorum_requerido} requeridos "
                           f"({sesion.miembros_habiles} miembros hábiles).")
    if _cambio(sesion, ("postergada_desde",)):
        if _antes(sesion, "postergada_desde") is not None:
            raise ErrorConcejo("La sesión ya fue postergada una vez: la postergación registrada no cambia.")
        error = sesion.postergada_desde and error_de_postergacion(antes, None, sesion.postergada_desde,
                                                                  sesion.fecha_hora)
        if error:
            raise ErrorConcejo(error)


@event.listens_for(Acta, "before_update")
def _acta_inmutable(mapper, connection, acta):
    """Aprobada, el acta no cambia (por ninguna vía: pantalla, servicio o script)."""
    estado = inspect(acta).attrs.estado.history
    antes = (estado.deleted or estado.unchanged or [None])[0]
    if antes == EstadoActa.aprobada:
        raise ErrorConcejo("El acta aprobada no se modifica.")


# --------------------------------------------------------------------------- reportes
def _mes(d: date) -> str:
    return f"{d.year}-{d.month:02d}"


def _sesiones(anio: int, tipos=None):
    q = (sa.select(SesionConcejo).where(SesionConcejo.anio == anio, SesionConcejo.comision_id.is_(None))
         .order_by(SesionConcejo.fecha_hora)
         .options(selectinload(SesionConcejo.asistencias).joinedload(Asistencia.miembro)))
    if tipos:
        q = q.where(SesionConcejo.tipo.in_(tipos))
    return db.session.scalars(q).all()


def base_dietas() -> str:
    """La base de cálculo de las dietas, para el reporte y su Excel (Ley 32269; DIETA_MODO)."""
    maximo = int(_cfg("DIETAS_MAX_MES"))
    if _cfg("DIETA_MODO") == "monto_fijo":
        return (f"Monto fijo por sesión fijado por acuerdo de concejo: S/ {float(_cfg('DIETA_MONTO_SESION')):,.2f}; "
                f"como máximo {maximo} sesiones pagadas al mes, solo por asistencia efectiva (LOM art. 12).")
    porcentaje = float(_cfg("DIETA_PORCENTAJE")) * 100
    return (f"{porcentaje:g} % de la remuneración mensual del alcalde (S/ "
            f"{float(_cfg('REMUNERACION_ALCALDE')):,.2f}) entre las sesiones celebradas en el mes (como máximo "
            f"{maximo}), por cada asistencia efectiva; las inasistencias se descuentan (Ley 32269).")


def dieta_por_sesion(sesiones_del_mes: int = 4) -> float:
    """Valor de una sesión: por defecto, 30 % de la remuneración del alcalde ÷ sesiones celebradas en el mes (a lo
    sumo 4): quien asiste a las 2 de 2 cobra el 30 %, a 1 de 2 el 15 % (Ley 32269). O un monto fijo por acuerdo."""
    if _cfg("DIETA_MODO") == "monto_fijo":
        return round(float(_cfg("DIETA_MONTO_SESION")), 2)
    tope = float(_cfg("REMUNERACION_ALCALDE")) * float(_cfg("DIETA_PORCENTAJE"))
    divisor = min(max(sesiones_del_mes, 1), int(_cfg("DIETAS_MAX_MES")))
    return round(tope / divisor, 2)


def reporte_asistencia(anio: int) -> list[dict]:
    """Por regidor y mes: sesiones celebradas, asistencias efectivas, faltas, dietas (tope mensual)."""
    maximo = int(_cfg("DIETAS_MAX_MES"))
    cuenta: dict = defaultdict(lambda: defaultdict(int))
    celebradas: dict[str, int] = defaultdict(int)
    miembros: dict[int, MiembroConcejo] = {}
    for s in _sesiones(anio):
        if s.estado not in SESIONES_CELEBRADAS:
            continue
        celebradas[_mes(s.fecha)] += 1
        for a in s.asistencias:
            if a.miembro.cargo != CargoMiembro.regidor:
                continue
            miembros[a.miembro_id] = a.miembro
            c = cuenta[(a.miembro_id, _mes(s.fecha))]
            c["sesiones"] += 1
            c[a.estado.value] += 1
    filas = []
    for (mid, mes), c in sorted(cuenta.items(), key=lambda kv: (kv[0][1], miembros[kv[0][0]].orden)):
        pagadas = min(c["presente"], maximo)
        valor = dieta_por_sesion(celebradas[mes])
        filas.append({"mes": mes, "regidor": miembros[mid].nombre, "sesiones": c["sesiones"],
                      "asistencias": c["presente"], "ausencias": c["ausente"], "justificadas": c["justificado"],
                      "licencias": c["licencia"], "dietas": pagadas, "valor_sesion": valor,
                      "monto": round(pagadas * valor, 2), "excedentes": c["presente"] - pagadas})
    return filas


def reporte_normas(anio: int | None = None) -> list[dict]:
    q = (sa.select(NormaMunicipal.anio, NormaMunicipal.tipo, NormaMunicipal.estado, sa.func.count())
         .group_by(NormaMunicipal.anio, NormaMunicipal.tipo, NormaMunicipal.estado))
    if anio:
        q = q.where(NormaMunicipal.anio == anio)
    filas: dict = defaultdict(lambda: defaultdict(int))
    for a, tipo, estado, n in db.session.execute(q):
        filas[(a, tipo)][estado.value] += n
        filas[(a, tipo)]["total"] += n
    return [{"anio": a, "tipo": tipo.etiqueta, **{e.value: c[e.value] for e in EstadoNorma}, "total": c["total"]}
            for (a, tipo), c in sorted(filas.items(), key=lambda kv: (kv[0][0], kv[0][1].value))]


def reporte_sesiones(anio: int) -> list[dict]:
    """Por mes: sesiones por tipo y si las ordinarias están fuera de 2 a 4 (LOM art. 13). Los meses anteriores a
    la primera sesión registrada en el sistema no se listan (no hay datos de entonces, no faltan sesiones)."""
    cuenta: dict = defaultdict(lambda: defaultdict(int))
    for s in _sesiones(anio):
        if s.estado in SESIONES_CELEBRADAS:
            cuenta[_mes(s.fecha)][s.tipo.value] += 1
    primera = db.session.scalar(sa.select(sa.func.min(SesionConcejo.fecha_hora))
                                .where(SesionConcejo.comision_id.is_(None)))
    desde = (primera.astimezone(ZONA_LIMA).year, primera.astimezone(ZONA_LIMA).month) if primera else (9999, 12)
    hoy = hoy_lima()
    minimo, maximo = _cfg("ORDINARIAS_MES")
    filas = []
    for mes in range(1, 13):
        clave = f"{anio}-{mes:02d}"
        c = cuenta.get(clave, {})
        if not c and not desde <= (anio, mes) <= (hoy.year, hoy.month):
            continue
        ordinarias = c.get("ordinaria", 0)
        cerrado = (anio, mes) < (hoy.year, hoy.month)
        aviso = ""
        if ordinarias > maximo:
            aviso = f"Más de {maximo} sesiones ordinarias"
        elif cerrado and ordinarias < minimo:
            aviso = f"Menos de {minimo} sesiones ordinarias"
        filas.append({"mes": clave, **{t.value: c.get(t.value, 0) for t in TipoSesion},
                      "total": sum(c.values()), "aviso": aviso})
    return filas


def _mas_meses(d: date, meses: int) -> date:
    anios, mes = divmod(d.month - 1 + meses, 12)
    anio = d.year + anios
    return date(anio, mes + 1, min(d.day, calendar.monthrange(anio, mes + 1)[1]))


def alertas_vacancia(periodo: PeriodoMunicipal | None = None) -> list[dict]:
    """Regidores con 3 inasistencias injustificadas consecutivas o 6 no consecutivas a sesiones ordinarias
    en 3 meses (LOM art. 22 inc. 7). Se evalúan las sesiones ordinarias celebradas o sin quórum; una
    inasistencia cuenta solo si el regidor fue citado con cargo a esa sesión."""
    q = (sa.select(SesionConcejo).where(SesionConcejo.tipo == TipoSesion.ordinaria, SesionConcejo.comision_id.is_(None),
                                        SesionConcejo.estado.in_((*SESIONES_CELEBRADAS, EstadoSesion.sin_quorum)))
         .order_by(SesionConcejo.fecha_hora).options(selectinload(SesionConcejo.asistencias).joinedload(Asistencia.miembro)))
    if periodo is not None:
        q = q.where(SesionConcejo.periodo_id == periodo.id)
    sesiones = db.session.scalars(q.options(selectinload(SesionConcejo.citaciones))).all()
    por_miembro: dict[int, list[tuple[date, bool]]] = defaultdict(list)
    nombres = {}
    for s in sesiones:
        # una inasistencia cuenta solo si el regidor fue citado debidamente: citación con cargo de recepción
        citados = {c.miembro_id for c in s.citaciones if c.miembro_id and c.fecha_recepcion is not None}
        for a in s.asistencias:
            if a.miembro.cargo == CargoMiembro.regidor:
                nombres[a.miembro_id] = a.miembro.nombre
                por_miembro[a.miembro_id].append(
                    (s.fecha, a.estado == EstadoAsistencia.ausente and a.miembro_id in citados))
    alertas = []
    for mid, serie in por_miembro.items():
        causal = None
        for i, (inicio, _falta) in enumerate(serie):
            ventana = [f for d, f in serie[i:] if d < _mas_meses(inicio, 3)]
            if len(ventana) >= 3 and all(ventana[:3]):
                causal = f"3 inasistencias injustificadas consecutivas desde el {inicio:%d/%m/%Y}"
                break
            if sum(ventana) >= 6:
                causal = f"6 inasistencias injustificadas en los 3 meses desde el {inicio:%d/%m/%Y}"
                break
        if causal:
            alertas.append({"regidor": nombres[mid], "causal": causal})
    return alertas

