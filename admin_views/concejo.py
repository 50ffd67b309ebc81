"""Concejo Municipal: período y miembros, comisiones, sesiones (agenda, citaciones, asistencia, votos),
actas y reportes (asistencia y dietas, sesiones por mes, normas por año)."""

from __future__ import annotations

import io
import re
from datetime import datetime

import sqlalchemy as sa
from flask import abort, render_template, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, IntEqualFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms import TextAreaField

from admin_views.base import (
    SOLO_LECTURA,
    CargadorAjax,
    PaginaSegura,
    Tipo,
    VistaSegura,
    entero,
    error_en,
    exportar_tabla,
    leer_momento,
    opciones_enum,
    puede,
)
from admin_views.castellano import contar
from models import (
    ZONA_LIMA,
    Acta,
    Asistencia,
    Citacion,
    Comision,
    Dictamen,
    EstadoActa,
    EstadoAsistencia,
    EstadoSesion,
    Expediente,
    Materia,
    Mayoria,
    MiembroComision,
    MiembroConcejo,
    PeriodoMunicipal,
    PuntoAgenda,
    ResultadoPunto,
    SeccionAgenda,
    SentidoVoto,
    SesionConcejo,
    Voto,
    ahora_lima,
    db,
    hoy_lima,
)
from services import concejo, correo, numeracion
from services.auditoria import registrar
from services.concejo import ErrorConcejo

ETIQUETAS_COMUNES = {"periodo": "Período", "periodo.nombre": "Período",
                     "organizacion_politica": "Organización política",
                     "habil": "Hábil", "telefono": "Teléfono", "email": "Correo electrónico", "anio": "Año",
                     "numero": "N°", "fecha_hora": "Fecha y hora", "fecha_convocatoria": "Convocada el",
                     "hay_quorum": "Quórum", "sesion": "Sesión", "seccion": "Sección", "titulo": "Título",
                     "mayoria_requerida": "Mayoría requerida", "comision": "Comisión (dictamen)",
                     "votos_favor": "A favor", "votos_contra": "En contra", "abstenciones": "Abstenciones",
                     "miembro": "Miembro", "fecha_envio": "Enviada", "fecha_recepcion": "Recibida (cargo)",
                     "recibido_por": "Recibido por", "hora_llegada": "Hora de llegada", "aprobada_en": "Aprobada en",
                     "fundamento": "Fundamento", "punto": "Punto", "sentido": "Voto"}


class VistaConcejo(VistaSegura):
    """Base de las pantallas del concejo y de normas: etiquetas comunes."""

    def __init__(self, *a, **kw):
        self.column_labels = {**ETIQUETAS_COMUNES, **(self.column_labels or {})}
        super().__init__(*a, **kw)


# --------------------------------------------------------------------------- período, miembros, comisiones
class PeriodoMunicipalView(VistaConcejo):
    permisos_por_defecto = {"secretaria_general": "vce", "concejo": "v"}
    column_list = ("nombre", "inicio", "fin")
    column_default_sort = ("inicio", True)
    form_columns = ("nombre", "inicio", "fin")
    column_details_list = ("nombre", "inicio", "fin", "miembros")
    form_args = {"nombre": {"description": "p. ej. 2023-2026"}}


class MiembroConcejoView(VistaConcejo):
    permisos_por_defecto = {"secretaria_general": "vced", "concejo": "v"}
    column_list = ("periodo", "orden", "nombre", "cargo", "organizacion_politica", "habil", "email", "telefono")
    column_select_related_list = (MiembroConcejo.periodo,)
    column_searchable_list = ("nombre", "organizacion_politica")
    column_filters = ("periodo.nombre", "cargo", "habil")
    column_default_sort = "orden"
    form_columns = ("periodo", "nombre", "cargo", "orden", "organizacion_politica", "habil", "email", "telefono")
    form_args = {"orden": {"description": "0 = alcalde; 1 = teniente alcalde; luego el orden de la lista."},
                 "habil": {"description": "Desmárquelo durante una licencia o suspensión: no cuenta para el quórum."}}


class ComisionView(VistaConcejo):
    permisos_por_defecto = {"secretaria_general": "vced", "concejo": "v"}
    column_list = ("periodo", "nombre", "tipo", "miembros")
    column_select_related_list = (Comision.periodo,)
    column_searchable_list = ("nombre",)
    column_filters = ("periodo.nombre", "tipo")
    column_default_sort = "nombre"
    form_columns = ("periodo", "nombre", "tipo")
    inline_models = [(MiembroComision, {"form_columns": ("id", "miembro", "cargo"), "form_label": "Miembro",
                                        "column_labels": {"miembro": "Regidor", "cargo": "Cargo"}})]
    column_formatters = {"miembros": lambda v, c, m, n: "; ".join(str(x) for x in m.miembros)}

    def get_query(self):
        return super().get_query().options(selectinload(Comision.miembros).joinedload(MiembroComision.miembro))


# --------------------------------------------------------------------------- sesiones
def _avisos(view, context, sesion, name):
    avisos = concejo.advertencias_sesion(sesion)
    if not avisos:
        return ""
    return Markup('<span class="badge badge-warning" title="{}">{} aviso{}</span>').format(
        " · ".join(avisos), len(avisos), "" if len(avisos) == 1 else "s")


def _quorum(view, context, sesion, name):
    if not sesion.asistencias:
        return ""
    return f"{'Sí' if sesion.hay_quorum else 'No'} ({sesion.presentes}/{sesion.quorum_requerido})"


class SesionConcejoView(VistaConcejo):
    """Preparar (agenda), citar, conducir (asistencia, quórum, votos) y redactar el acta."""
    permisos_por_defecto = {"secretaria_general": "vce", "concejo": "v"}

    column_list = ("tipo", "numero", "anio", "fecha_hora", "lugar", "modalidad", "estado", "fecha_convocatoria",
                   "hay_quorum", "avisos")
    column_sortable_list = ("tipo", "numero", "anio", "fecha_hora", "estado", "fecha_convocatoria")
    column_filters = ("tipo", "estado", "anio", "modalidad", "fecha_hora",
                      BooleanEqualFilter(SesionConcejo.hay_quorum, "Hay quórum"))
    column_default_sort = ("fecha_hora", True)
    column_formatters = {"avisos": _avisos, "hay_quorum": _quorum}
    column_export_list = ("tipo", "numero", "anio", "fecha_hora", "lugar", "modalidad", "estado",
                          "fecha_convocatoria", "hay_quorum")
    sql_exportacion = {"hay_quorum": SesionConcejo.hay_quorum}
    column_labels = {"avisos": "Avisos"}
    column_details_list = ("tipo", "numero", "anio", "periodo", "fecha_hora", "lugar", "modalidad", "estado",
                           "fecha_convocatoria", "observaciones")
    form_columns = ("periodo", "tipo", "fecha_hora", "lugar", "modalidad", "fecha_convocatoria", "observaciones")
    campos_edicion = ("fecha_hora", "lugar", "modalidad", "fecha_convocatoria", "observaciones")
    campos_opcionales = ("periodo",)
    form_args = {"periodo": {"description": "Si lo deja vacío, el período que comprende la fecha."},
                 "fecha_convocatoria": {"description": "dd/mm/aaaa; si la deja vacía, el día en que se cita."}}

    column_extra_row_actions = [EndpointLinkRowAction("fa fa-gavel", ".conducir", title="Conducir la sesión")]
    bloqueadas = ("eliminar",)  # el número no se reutiliza

    def validar(self, form):
        conv, cuando = form.fecha_convocatoria.data, form.fecha_hora.data
        if conv and cuando and conv > cuando.date():
            return error_en(form, "fecha_convocatoria", "La convocatoria no puede ser posterior a la sesión.")
        return True

    de_comision = False  # las sesiones de comisión usan esta misma pantalla con su propio listado

    def _organo(self, q):
        return q.filter(SesionConcejo.comision_id.is_not(None) if self.de_comision
                        else SesionConcejo.comision_id.is_(None))

    def get_query(self):
        return self._organo(super().get_query()).options(
            selectinload(SesionConcejo.asistencias), selectinload(SesionConcejo.citaciones),
            selectinload(SesionConcejo.periodo).selectinload(PeriodoMunicipal.miembros))

    def get_count_query(self):
        return self._organo(super().get_count_query())

    def on_model_change(self, form, model, is_created):
        if is_created:
            if self.de_comision and model.comision is None:
                raise ErrorConcejo("Indique la comisión que sesiona.")
            concejo.numerar_sesion(model)
        elif model.estado not in (EstadoSesion.programada, EstadoSesion.convocada):
            raise ErrorConcejo("Una sesión ya realizada no se reprograma.")

    def get_save_return_url(self, model, is_created=False):
        return url_for(".conducir", id=model.id) if is_created else super().get_save_return_url(model, is_created)

    @expose("/conducir/", methods=("GET", "POST"))
    def conducir(self):
        """Una pantalla para la sesión: agenda, citaciones, asistencia y quórum, votos, acta."""
        sesion = self.get_one(request.args.get("id"))
        if request.method == "POST":
            hecho = self.ejecutar(lambda: self._operar(sesion, request.form.get("operacion", ""), request.form),
                                  url_for(".conducir", id=sesion.id, _anchor=request.form.get("ancla", "")))
            if hecho:
                return hecho
            sesion = self.get_one(sesion.id)
        asistencias = {a.miembro_id: a for a in sesion.asistencias}
        agenda_abierta = self.can_edit and sesion.estado in (EstadoSesion.programada, EstadoSesion.convocada)
        return self.render("concejo/conducir.html", sesion=sesion, asistencias=asistencias,
                           listos=concejo.listos_para_agenda(sesion, current_user.unidad_id) if agenda_abierta else [],
                           agenda_abierta=agenda_abierta, materias=opciones_enum(Materia),
                           secciones=opciones_enum(SeccionAgenda),
                           avisos=concejo.advertencias_sesion(sesion), aviso_citacion=concejo.advertencia_citacion,
                           estados_asistencia=opciones_enum(EstadoAsistencia), sentidos=opciones_enum(SentidoVoto),
                           lapso=concejo.lapso_requerido(sesion.tipo),
                           puede_editar_acta=puede("acta", "editar"), sin_correo=correo.SIN_SERVIDOR,
                           form=request.form if request.method == "POST" else {})

    def _operar(self, sesion: SesionConcejo, operacion: str, datos) -> str:
        """Una operación de la pantalla «Conducir»: la tabla OPERACIONES_SESION dice qué función la atiende."""
        manejador = OPERACIONES_SESION.get(operacion)
        if manejador is None:
            raise ErrorConcejo("Operación desconocida.")
        return manejador(sesion, datos, operacion)


# --------------------------------------------------------------------------- operaciones de «Conducir»
# Cada una recibe (sesión, formulario, nombre de la operación) y devuelve el mensaje para el usuario.
def _punto_del_formulario(sesion: SesionConcejo, datos) -> PuntoAgenda:
    punto = next((p for p in sesion.puntos if p.id == datos.get("punto", type=int)), None)
    if punto is None:
        abort(404)
    return punto


def _citar(sesion, datos, _operacion) -> str:
    nuevas = concejo.citar(sesion, (datos.get("funcionarios") or "").splitlines())
    return f"{len(nuevas)} citaciones generadas."


def _cargo(sesion, datos, _operacion) -> str:
    cit = next((c for c in sesion.citaciones if c.id == datos.get("citacion", type=int)), None)
    if cit is None:
        abort(404)
    recibido = (datos.get("recibido_por") or "").strip()
    if not recibido:
        raise ErrorConcejo("Indique quién recibió la citación.")
    fecha = _momento_formulario(datos.get("fecha_recepcion"), "Fecha y hora de recepción", ahora=True)
    cit.fecha_recepcion, cit.recibido_por = fecha, recibido[:200]
    return f"Cargo de la citación a {cit.para} registrado."


def _cargo_todas(sesion, datos, _operacion) -> str:
    """Las citaciones entregadas a la vez, cada una recibida por su destinatario."""
    fecha = _momento_formulario(datos.get("fecha_recepcion_todas"), "Fecha y hora de recepción", ahora=True)
    pendientes = [c for c in sesion.citaciones if c.fecha_recepcion is None]
    if not pendientes:
        raise ErrorConcejo("No hay citaciones sin cargo.")
    for c in pendientes:
        c.fecha_recepcion, c.recibido_por = fecha, c.para[:200]
    return f"Cargo registrado en {len(pendientes)} citaci{'ón' if len(pendientes) == 1 else 'ones'}."


def _asistencia(sesion, datos, _operacion) -> str:
    filas = {}
    for m in sesion.miembros:
        estado = datos.get(f"estado_{m.id}")
        if estado:
            filas[m.id] = (estado, _hora_formulario(datos.get(f"hora_{m.id}"), m.nombre))
    concejo.registrar_asistencia(sesion, filas)
    db.session.flush()
    db.session.expire(sesion, ["asistencias"])
    return f"Asistencia registrada: {sesion.presentes} presentes, quórum {sesion.quorum_requerido}."


def _postergar(sesion, datos, _operacion) -> str:
    solicitantes = entero(datos.get("solicitantes"), 0, 1000)
    if solicitantes is None:
        raise ErrorConcejo("Indique cuántos miembros piden la postergación (un número).")
    concejo.postergar(sesion, _momento_formulario(datos.get("nueva_fecha"), "Nueva fecha y hora"), solicitantes)
    return f"Sesión postergada al {sesion.fecha_hora.astimezone(ZONA_LIMA):%d/%m/%Y %H:%M}."


def _instalar(sesion, _datos, _operacion) -> str:
    concejo.instalar(sesion)
    return "Sesión instalada."


def _cambiar_estado(sesion, _datos, operacion) -> str:
    concejo.cambiar_estado(sesion, operacion)
    return f"Sesión {sesion.estado.etiqueta.lower()}."


def _votar(sesion, datos, _operacion) -> str:
    punto = _punto_del_formulario(sesion, datos)
    votos = {m_id: (datos.get(f"voto_{punto.id}_{m_id}"), datos.get(f"fund_{punto.id}_{m_id}"))
             for m_id in (a.miembro_id for a in sesion.asistencias)
             if datos.get(f"voto_{punto.id}_{m_id}")}
    resultado = concejo.votar(punto, votos)
    return f"Punto {punto.orden}: {resultado.etiqueta.lower() if resultado else 'sin votos'}."


def _cerrar_punto(sesion, datos, operacion) -> str:
    """Punto retirado o enviado a comisión (sin votarlo)."""
    punto = _punto_del_formulario(sesion, datos)
    if punto.resultado != ResultadoPunto.pendiente:
        raise ErrorConcejo(f"El punto ya está {punto.resultado.etiqueta.lower()}.")
    punto.resultado = ResultadoPunto(operacion)
    return f"Punto {punto.orden}: {punto.resultado.etiqueta.lower()}."


def _agendar(sesion, datos, _operacion) -> str:
    """«Agregar a la agenda»: los elegidos de lo que ya espera la sesión (dictámenes, expedientes) y un punto nuevo
    escrito, de una vez."""
    elegidos = datos.getlist("listo")
    titulos = {c: datos.get(f"titulo_{c}", "") for c in elegidos}
    materias = {c: datos.get(f"materia_{c}", "") for c in elegidos}
    puntos = concejo.agendar_listos(sesion, elegidos, titulos, materias, current_user.unidad_id)
    if (datos.get("titulo_nuevo") or "").strip():
        puntos.append(concejo.agregar_punto(sesion, datos["titulo_nuevo"], datos.get("materia_nuevo") or "general",
                                            datos.get("seccion_nuevo") or "orden_del_dia"))
    if not puntos:
        raise ErrorConcejo("Marque lo que agrega a la agenda o escriba el título del punto nuevo.")
    return contar(len(puntos), "punto agregado a la agenda.", "puntos agregados a la agenda.")


def _acta(sesion, _datos, _operacion) -> str:
    concejo.generar_acta(sesion)
    return "Borrador del acta generado con los datos de la sesión."


OPERACIONES_SESION = {
    "citar": _citar, "cargo": _cargo, "cargo_todas": _cargo_todas, "asistencia": _asistencia,
    "postergar": _postergar, "instalar": _instalar,
    "sin_quorum": _cambiar_estado, "levantada": _cambiar_estado, "suspendida": _cambiar_estado,
    "votar": _votar, "retirado": _cerrar_punto, "a_comision": _cerrar_punto, "acta": _acta, "agendar": _agendar,
}


class SesionComisionView(SesionConcejoView):
    """Sesiones de las comisiones de regidores: la misma maquinaria (agenda, citación de sus miembros, asistencia,
    quórum de la comisión, votos); lo votado queda como dictamen numerado."""

    de_comision = True
    column_list = ("comision", *SesionConcejoView.column_list)
    column_filters = ("comision.nombre", *SesionConcejoView.column_filters)
    column_labels = {"comision": "Comisión", "comision.nombre": "Comisión"}
    column_export_list = ("comision", *SesionConcejoView.column_export_list)
    column_details_list = ("comision", *SesionConcejoView.column_details_list)
    form_columns = ("comision", "tipo", "fecha_hora", "lugar", "modalidad", "fecha_convocatoria", "observaciones")
    campos_opcionales = ()
    form_args = {"comision": {"description": "La comisión que sesiona: cita y cuenta el quórum de sus miembros."},
                 "fecha_convocatoria": SesionConcejoView.form_args["fecha_convocatoria"]}


class DictamenView(VistaConcejo):
    """Dictámenes de las comisiones: nacen de la votación en su sesión; se agendan en una sesión del concejo."""
    permisos_por_defecto = {"secretaria_general": "ve", "concejo": "v"}

    column_list = ("comision", "numero", "anio", "sentido", "sumilla", "expediente", "norma", "votacion")
    column_select_related_list = (Dictamen.comision, Dictamen.expediente, Dictamen.norma)
    column_searchable_list = ("sumilla",)
    column_filters = ("comision.nombre", "anio", "sentido")
    column_default_sort = ("id", True)
    column_labels = {"comision": "Comisión", "comision.nombre": "Comisión", "norma": "Proyecto de norma",
                     "votacion": "Votación", "expediente": "Expediente"}
    column_formatters = {"votacion": lambda v, c, m, n: m.votacion}
    column_details_list = ("comision", "numero", "anio", "sentido", "sumilla", "expediente", "norma", "punto",
                           "votacion")
    column_formatters_detail = {"votacion": lambda v, c, m, n: m.votacion}
    column_export_list = ("comision", "numero", "anio", "sentido", "sumilla", "expediente", "norma")
    form_columns = ("sumilla", "expediente", "norma")
    form_ajax_refs = {"expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"])}
    form_args = {"norma": {"description": "El proyecto de norma que dictamina, si lo hay."}}
    bloqueadas = ("crear", "eliminar")  # nace de la votación de la comisión; el número no se reutiliza


def _momento_formulario(texto: str | None, campo: str, ahora: bool = False):
    """«dd/mm/aaaa hh:mm» en hora de Lima; vacío: ahora (si se permite)."""
    if not texto and ahora:
        return ahora_lima()
    try:
        return leer_momento(texto).replace(tzinfo=ZONA_LIMA)
    except ValueError:
        raise ErrorConcejo(f"{campo} no válida: use dd/mm/aaaa hh:mm.") from None


def _hora_formulario(texto: str | None, nombre: str):
    if not texto:
        return None
    try:
        return datetime.strptime(texto.strip(), "%H:%M").time()
    except ValueError:
        raise ErrorConcejo(f"{nombre}: hora de llegada no válida (hh:mm).") from None


def sesiones_con_agenda_abierta():
    """Las sesiones a las que aún se agregan puntos (programadas o convocadas), la más próxima primero."""
    return sa.select(SesionConcejo).where(SesionConcejo.estado.in_((EstadoSesion.programada,
                                                                    EstadoSesion.convocada))) \
        .order_by(SesionConcejo.fecha_hora)


class PuntoAgendaView(VistaConcejo):
    permisos_por_defecto = {"secretaria_general": "vced", "concejo": "v"}
    column_list = ("sesion", "orden", "seccion", "titulo", "materia", "mayoria_requerida", "votos_favor",
                   "votos_contra", "abstenciones", "resultado")
    column_select_related_list = (PuntoAgenda.sesion,)
    column_searchable_list = ("titulo",)
    column_filters = ("seccion", "materia", "mayoria_requerida", "resultado", "sesion.anio")
    column_default_sort = ("id", True)
    column_labels = {"sesion.anio": "Año de la sesión"}
    form_columns = ("sesion", "orden", "seccion", "titulo", "materia", "mayoria_requerida", "expediente", "dictamen",
                    "comision")
    campos_edicion = ("orden", "seccion", "titulo", "materia", "mayoria_requerida", "expediente", "dictamen",
                         "comision")
    campos_opcionales = ("orden",)
    form_ajax_refs = {"expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"])}
    form_args = {"orden": {"description": "Si lo deja vacío, el siguiente de la sesión."},
                 "sesion": {"description": "Las sesiones que aún reciben agenda (programadas o convocadas)."},
                 "materia": {"description": "Vacancia, suspensión, bienes municipales y postergación exigen dos "
                                         "tercios; vacancia y suspensión, solo en sesión extraordinaria."}}
    column_export_list = ("sesion", "orden", "seccion", "titulo", "materia", "mayoria_requerida", "resultado")

    def get_query(self):
        return super().get_query().options(selectinload(PuntoAgenda.votos))

    repetir_al_agregar = ("sesion", "seccion")  # «Guardar y agregar otro»: la misma sesión y sección

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            form.orden.data = None  # vacío: el siguiente de la sesión (no «1», que ya suele estar tomado)
            sesion_id = request.args.get("sesion_id", type=int)
            if sesion_id:
                form.sesion.data = db.session.get(SesionConcejo, sesion_id)
            elif form.sesion.raw_data is None:  # sin sesión elegida: la próxima que aún recibe agenda
                form.sesion.data = db.session.scalar(sesiones_con_agenda_abierta().limit(1))
        return form

    def validar(self, form):
        actual = request.args.get("id", type=int) if request.endpoint.endswith("edit_view") else None
        if actual and db.session.scalar(sa.select(sa.func.count()).select_from(Voto).where(Voto.punto_id == actual)):
            return error_en(form, "titulo", "El punto ya fue votado: no se modifica.")
        sesion = form.sesion.data if "sesion" in form else db.session.get(PuntoAgenda, actual or 0).sesion
        minima = concejo.mayoria_de(form.materia.data)
        if concejo.ORDEN_MAYORIAS.index(form.mayoria_requerida.data) < concejo.ORDEN_MAYORIAS.index(minima):
            return error_en(form, "mayoria_requerida",
                            f"Esta materia exige mayoría «{Mayoria(minima).etiqueta.lower()}».")
        error = sesion and concejo.error_de_punto(sesion, form.materia.data, form.seccion.data,
                                                  nuevo=actual is None)
        if error:
            return error_en(form, *error)
        punto = db.session.get(PuntoAgenda, actual) if actual else None
        if punto is not None and (form.titulo.data != punto.titulo or form.materia.data != punto.materia.value):
            error = concejo.error_de_agenda(sesion)  # la extraordinaria, solo la agenda de su convocatoria
            if error:
                return error_en(form, "sesion" if "sesion" in form else "titulo", error)
        return True

    def on_model_delete(self, model):
        if model.votos:
            raise ErrorConcejo("El punto ya fue votado: no se elimina.")

    def on_model_change(self, form, model, is_created):
        if model.dictamen is not None:
            concejo.agendar_dictamen(model, model.dictamen)
        if model.orden is None:
            model.orden = numeracion.siguiente_libre(f"punto_agenda:{model.sesion.id}", PuntoAgenda.orden,
                                                     PuntoAgenda.sesion_id == model.sesion.id)

    def get_save_return_url(self, model, is_created=False):
        vista = "sesion_comision" if model.sesion.comision_id else "sesion_concejo"
        return url_for(f"{vista}.conducir", id=model.sesion_id, _anchor="agenda")


class CitacionView(VistaConcejo):
    permisos_por_defecto = {"secretaria_general": "ve", "concejo": "v"}
    column_list = ("sesion", "miembro", "destinatario", "medio", "fecha_envio", "estado_correo", "fecha_recepcion",
                   "recibido_por", "aviso")
    column_select_related_list = (Citacion.sesion, Citacion.miembro)
    column_filters = ("medio", "fecha_recepcion", "sesion.anio",
                      IntEqualFilter(Citacion.sesion_id, "Sesión (id)"))
    column_default_sort = ("id", True)
    column_labels = {"aviso": "Aviso", "sesion.anio": "Año de la sesión", "fecha_envio": "Generada",
                     "estado_correo": "Correo"}
    column_formatters = {"aviso": lambda v, c, m, n: Markup('<span class="text-danger">{}</span>').format(
        concejo.advertencia_citacion(m) or "")}
    column_export_list = ("sesion", "miembro", "destinatario", "medio", "fecha_envio", "fecha_recepcion",
                          "recibido_por")
    form_columns = ("medio", "fecha_recepcion", "recibido_por")
    bloqueadas = ("crear",)  # se generan desde la sesión, todas a la vez

    @expose("/imprimir/")
    def imprimir(self):
        """Citaciones imprimibles de una sesión (una por página) o una sola (`id`)."""
        if request.args.get("id"):
            citaciones = [self.get_one(request.args.get("id"))]
        else:
            sesion = db.session.get(SesionConcejo, request.args.get("sesion_id", type=int) or 0) or abort(404)
            citaciones = sesion.citaciones
        return self.render("concejo/citacion.html", citaciones=citaciones, texto=concejo.texto_citacion)


class AsistenciaView(VistaConcejo):
    """Registro de asistencias (se anota en «Conducir la sesión»): consulta y Excel."""
    permisos_por_defecto = {"secretaria_general": "v", "concejo": "v"}

    bloqueadas = SOLO_LECTURA
    column_list = ("sesion", "miembro", "estado", "hora_llegada")
    column_select_related_list = (Asistencia.sesion, Asistencia.miembro)
    column_filters = ("estado", "sesion.anio", "sesion.tipo", "miembro.nombre")
    column_labels = {"sesion.anio": "Año", "sesion.tipo": "Tipo de sesión", "miembro.nombre": "Miembro"}
    column_default_sort = ("id", True)


class VotoView(VistaConcejo):
    """Votos por miembro y punto (se registran en «Conducir la sesión»)."""
    permisos_por_defecto = {"secretaria_general": "v", "concejo": "v"}

    bloqueadas = SOLO_LECTURA
    column_list = ("punto", "miembro", "sentido", "fundamento")
    column_export_list = ("punto.sesion", "punto", "miembro", "sentido", "fundamento")  # el Excel dice la sesión
    column_select_related_list = (Voto.punto, Voto.miembro)
    column_filters = ("sentido", "miembro.nombre")
    column_labels = {"miembro.nombre": "Miembro", "punto.sesion": "Sesión"}
    column_default_sort = ("id", True)


# --------------------------------------------------------------------------- acta
class ActaView(VistaConcejo):
    """Borrador editable hasta que se aprueba en una sesión posterior; luego inmutable."""
    permisos_por_defecto = {"secretaria_general": "ve", "concejo": "v"}

    column_list = ("sesion", "estado", "aprobada_en", "actualizado_en")
    column_select_related_list = (Acta.sesion, Acta.aprobada_en)
    column_filters = ("estado",)
    column_default_sort = ("id", True)
    column_labels = {"actualizado_en": "Última edición"}
    column_details_list = ("sesion", "estado", "aprobada_en", "contenido")
    column_formatters_detail = {"contenido": lambda v, c, m, n: Markup(concejo.limpiar_html(m.contenido))}
    form_columns = ("contenido",)
    form_overrides = {"contenido": TextAreaField}
    form_widget_args = {"contenido": {"rows": 24, "data-editor": "trix"}}
    edit_template = "concejo/editar_acta.html"  # editor de texto Trix (vendorizado en static/vendor/trix)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-file-word-o", ".word", title="Descargar en Word"),
                                EndpointLinkRowAction("fa fa-print", ".imprimir", title="Imprimir"),
                                EndpointLinkRowAction("fa fa-check", ".aprobar", title="Aprobar")]
    bloqueadas = ("crear", "eliminar")  # se genera desde la sesión y se conserva

    @expose("/imprimir/")
    def imprimir(self):
        """El acta para imprimir en A4, sin el menú de la pantalla: su título (<h1>, como en el Word: «ACTA DE LA …»)
        y los títulos del texto, sus partes (<h2>). Un borrador antiguo que empieza con su propio título lo conserva."""
        acta = self.get_one(request.args.get("id"))
        html = str(concejo.limpiar_html(acta.contenido))
        m = re.match(r"\s*<h1>(\s*acta\b.*?)</h1>", html, re.S | re.IGNORECASE)
        titulo = Markup(m.group(1)).striptags() if m else f"ACTA DE LA {acta.sesion.codigo.upper()}"
        cuerpo = (html[:m.start()] + html[m.end():]) if m else html
        cuerpo = cuerpo.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
        registrar("imprimir", "acta", acta.id, "Impresa")
        db.session.commit()
        return render_template("concejo/acta_impresa.html", acta=acta, titulo=titulo, contenido=Markup(cuerpo),
                               aprobacion=concejo.texto_aprobacion(acta, acta.aprobada_en))

    def on_model_change(self, form, model, is_created):
        if model.estado == EstadoActa.aprobada:
            raise ErrorConcejo("El acta aprobada no se modifica.")
        model.contenido = concejo.limpiar_html(model.contenido)

    @expose("/word/")
    def word(self):
        """El acta en Word (docxtpl) desde la plantilla de la oficina, con los datos de la sesión."""
        acta = self.get_one(request.args.get("id"))
        # aprobada: el Word congelado al aprobarla; borrador: generado ahora con los datos de la sesión
        datos = acta.documento_aprobado or concejo.documento_acta(acta, concejo.plantilla_acta())
        salida = io.BytesIO(datos)
        registrar("imprimir", "acta", acta.id, "Word")
        db.session.commit()
        nombre = f"acta_{acta.sesion.tipo.value}_{acta.sesion.numero:03d}_{acta.sesion.anio}.docx"
        return send_file(salida, as_attachment=True, download_name=nombre,
                         mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    @expose("/aprobar/", methods=("GET", "POST"))
    def aprobar(self):
        acta = self.get_one(request.args.get("id"))
        organo = acta.sesion.comision_id
        posteriores = db.session.scalars(sa.select(SesionConcejo).where(
            SesionConcejo.fecha_hora > acta.sesion.fecha_hora,
            SesionConcejo.comision_id.is_(None) if organo is None else SesionConcejo.comision_id == organo,
            SesionConcejo.estado.in_(concejo.SESIONES_CELEBRADAS)).order_by(SesionConcejo.fecha_hora)).all()
        if concejo.dispensa_aprobada(acta.sesion) and acta.sesion.estado in concejo.SESIONES_CELEBRADAS:
            posteriores.insert(0, acta.sesion)  # con la dispensa votada, en la misma sesión
        if request.method == "POST":
            def aprobar():
                en = next((s for s in posteriores if s.id == request.form.get("sesion", type=int)), None)
                if en is None:
                    raise ErrorConcejo("Elija la sesión (posterior e instalada) en la que se aprobó.")
                concejo.aprobar_acta(acta, en)
                return f"Acta aprobada en la {en.codigo}."

            hecho = self.ejecutar(aprobar, url_for(".details_view", id=acta.id))
            if hecho:
                return hecho
        return self.render("concejo/aprobar_acta.html", acta=acta, posteriores=posteriores)


# --------------------------------------------------------------------------- reportes
REPORTES = {
    "asistencia": ("Asistencia y dietas de regidores", [
        ("mes", "Mes", Tipo.MES), ("regidor", "Regidor(a)"), ("sesiones", "Sesiones celebradas"),
        ("asistencias", "Asistencias efectivas"), ("ausencias", "Inasistencias injustificadas"),
        ("justificadas", "Justificadas"), ("licencias", "Licencias"), ("dietas", "Dietas pagables"),
        ("excedentes", "Asistencias sin dieta (tope)"), ("valor_sesion", "Valor por sesión (S/)", Tipo.SOLES),
        ("monto", "Monto (S/)", Tipo.SOLES)]),
    "sesiones": ("Sesiones por mes y tipo", [
        ("mes", "Mes", Tipo.MES), ("ordinaria", "Ordinarias"), ("extraordinaria", "Extraordinarias"),
        ("solemne", "Solemnes"), ("total", "Total"), ("aviso", "Aviso")]),
    "normas": ("Normas emitidas por año", [
        ("anio", "Año"), ("tipo", "Tipo"), ("proyecto", "Proyecto"), ("aprobada", "Aprobadas"),
        ("publicada", "Publicadas"), ("vigente", "Vigentes"), ("derogada", "Derogadas"), ("total", "Total")]),
}


class ReporteConcejoView(PaginaSegura):
    permisos_por_defecto = {"secretaria_general": "v", "concejo": "v"}
    acciones_endpoint = {"xlsx": "exportar"}  # el Excel exige «exportar» (403), como en una VistaSegura

    def _datos(self, reporte: str, anio: int):
        funciones = {"asistencia": concejo.reporte_asistencia, "sesiones": concejo.reporte_sesiones,
                     "normas": concejo.reporte_normas}
        return funciones[reporte](anio)

    @expose("/")
    def index(self):
        anio = request.args.get("anio", type=int) or hoy_lima().year
        tablas = [(clave, titulo, columnas, self._datos(clave, anio)) for clave, (titulo, columnas) in REPORTES.items()]
        return self.render("concejo/reportes.html", anio=anio, tablas=tablas, vacancia=concejo.alertas_vacancia(),
                           base_dietas=concejo.base_dietas(), configurado=concejo.dieta_por_sesion() > 0,
                           puede_exportar=self.puede("exportar"))

    @expose("/xlsx/<reporte>/")
    def xlsx(self, reporte):
        if reporte not in REPORTES:
            abort(404)
        anio = request.args.get("anio", type=int) or hoy_lima().year
        titulo, columnas = REPORTES[reporte]
        filtros = [("Año", str(anio))] + ([("Base de cálculo", concejo.base_dietas())]
                                          if reporte == "asistencia" else [])
        return exportar_tabla(titulo, f"{self.endpoint}_{reporte}", columnas, self._datos(reporte, anio), filtros)

