"""Trámite documentario: expedientes y derivaciones (listas, formularios, exportación)."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import BooleanEqualFilter, DateBetweenFilter, FilterEqual, FilterLike
from flask_login import current_user

from admin_views.base import CargadorAjax, FiltroMomentoEntreFechas, VistaSegura, opciones_enum
from models import (
    Derivacion,
    EstadoExpediente,
    Expediente,
    Origen,
    Persona,
    Prioridad,
    ProcedimientoTupa,
    UnidadOrganica,
)
from services.tramite import registrar_ingreso


class FiltroVencido(BooleanEqualFilter):
    """`vencido` se evalúa con la fecha de hoy al aplicar el filtro, no al arrancar."""

    def apply(self, query, value, alias=None):
        cond = Expediente.vencido
        return query.filter(cond if value in (True, "1") else ~cond)


class ExpedienteView(VistaSegura):
    column_list = ("codigo", "fecha_recepcion", "fecha_presentacion", "origen", "persona", "asunto",
                   "folios", "procedimiento", "unidad_actual", "estado", "fecha_vencimiento", "prioridad")
    column_select_related_list = (Expediente.persona, Expediente.procedimiento, Expediente.unidad_actual)
    column_searchable_list = ("codigo", "asunto", "persona.numero_documento", "persona.nombres",
                              "persona.apellidos", "persona.razon_social")
    column_filters = (
        FilterEqual(Expediente.estado, "Estado", options=opciones_enum(EstadoExpediente)),
        FilterEqual("unidad_actual.sigla", "Unidad actual"),
        FilterEqual(Expediente.origen, "Origen", options=opciones_enum(Origen)),
        FilterEqual(Expediente.prioridad, "Prioridad", options=opciones_enum(Prioridad)),
        FilterEqual("procedimiento.codigo", "Procedimiento"),
        FiltroMomentoEntreFechas(Expediente.fecha_recepcion, "Recibido"),
        DateBetweenFilter(Expediente.fecha_presentacion, "Fecha de presentación"),
        DateBetweenFilter(Expediente.fecha_vencimiento, "Fecha de vencimiento"),
        FiltroVencido(Expediente.fecha_vencimiento, "Vencido"),
        FilterLike("persona.numero_documento", "Remitente (documento)"),
    )
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Código", "fecha_recepcion": "Recibido", "fecha_presentacion": "Presentación",
                     "fecha_vencimiento": "Vence", "persona": "Remitente", "procedimiento": "Procedimiento TUPA",
                     "unidad_actual": "Unidad actual", "unidad_origen": "Unidad de origen",
                     "tipo_documento": "Tipo de documento", "documento_referencia": "Documento de referencia",
                     "persona.numero_documento": "N° de documento", "persona.nombres": "Nombres",
                     "persona.apellidos": "Apellidos", "persona.razon_social": "Razón social",
                     "plazo_dias_habiles": "Plazo (días hábiles)", "fecha_atencion": "Fecha de atención",
                     "motivo_anulacion": "Motivo de anulación", "fecha_observacion": "Fecha de observación",
                     "fecha_subsanacion": "Fecha de subsanación", "observacion": "Observación de ingreso"}
    column_details_exclude_list = ("clave", "derivaciones")
    form_columns = ("origen", "canal", "persona", "unidad_origen", "tipo_documento", "documento_referencia",
                    "asunto", "folios", "procedimiento", "prioridad", "unidad_actual", "observaciones")
    form_edit_columns = ("documento_referencia", "asunto", "folios", "prioridad", "observaciones")
    form_ajax_refs = {
        "persona": CargadorAjax("persona", Persona, ["numero_documento", "nombres", "apellidos", "razon_social"],
                                placeholder="DNI, RUC o nombre"),
        "procedimiento": CargadorAjax("procedimiento", ProcedimientoTupa, ["codigo", "nombre"]),
        "unidad_actual": CargadorAjax("unidad_actual", UnidadOrganica, ["sigla", "nombre"]),
        "unidad_origen": CargadorAjax("unidad_origen", UnidadOrganica, ["sigla", "nombre"]),
    }
    form_args = {"folios": {"description": "Número de hojas (mínimo 1)."}}
    column_editable_list = ("prioridad",)

    def validate_form(self, form):
        ok = super().validate_form(form)
        if not ok or "origen" not in form:
            return ok
        if form.folios.data is not None and form.folios.data < 1:
            form.folios.errors = ["Debe haber al menos 1 folio."]
            return False
        if form.origen.data == "externo" and not form.persona.data:
            form.persona.errors = ["Un documento externo necesita el remitente."]
            return False
        if form.origen.data == "interno" and not form.unidad_origen.data and not current_user.alcance_unidad:
            form.unidad_origen.errors = ["Un documento interno necesita la unidad de origen."]
            return False
        if not form.unidad_actual.data and not form.procedimiento.data and not current_user.alcance_unidad:
            form.unidad_actual.errors = ["Indique la unidad de destino o el procedimiento TUPA."]
            return False
        return True

    def on_model_change(self, form, model, is_created):
        if is_created:
            if current_user.alcance_unidad:  # una unidad registra sus propios documentos internos
                model.unidad_origen = model.unidad_origen or current_user.unidad
                model.unidad_actual = current_user.unidad
            registrar_ingreso(model)


class DerivacionView(VistaSegura):
    column_list = ("expediente", "unidad_origen", "unidad_destino", "fecha_envio", "accion",
                   "plazo_dias_habiles", "fecha_limite", "fecha_recepcion", "estado")
    column_select_related_list = (Derivacion.expediente, Derivacion.unidad_origen, Derivacion.unidad_destino)
    column_searchable_list = ("expediente.codigo", "proveido")
    column_filters = ("estado", "accion", "unidad_destino.sigla", "unidad_origen.sigla", "fecha_envio",
                      "fecha_limite")
    column_default_sort = ("fecha_envio", True)
    column_labels = {"unidad_origen": "De", "unidad_destino": "Para", "fecha_envio": "Enviado",
                     "accion": "Acción", "proveido": "Proveído", "plazo_dias_habiles": "Plazo (días hábiles)",
                     "fecha_limite": "Fecha límite", "fecha_recepcion": "Recibido (acuse)",
                     "expediente.codigo": "Expediente", "unidad_destino.sigla": "Para (sigla)",
                     "unidad_origen.sigla": "De (sigla)"}
    form_columns = ("proveido",)
    form_ajax_refs = {"expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"])}

    @property
    def can_create(self):  # las derivaciones nacen del flujo del expediente, no de un formulario suelto
        return False
