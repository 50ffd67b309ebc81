"""Catálogos: personas (administrados), tipos de documento, procedimientos TUPA, feriados."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from sqlalchemy import inspect
from wtforms.validators import ValidationError

from admin_views.base import CargadorAjax, VistaSegura, error_en
from models import Persona, UnidadOrganica, db
from services.calendario import recalcular_plazos
from services.identidad import error_documento


def validar_documento(form, field):
    error = error_documento(form.tipo_documento.data or "", field.data)
    if error:
        raise ValidationError(error)


class PersonaView(VistaSegura):
    column_list = ("tipo_documento", "numero_documento", "nombres", "apellidos", "razon_social",
                   "telefono", "email")
    column_searchable_list = ("numero_documento", "nombres", "apellidos", "razon_social")
    column_filters = ("tipo_documento",)
    column_default_sort = "apellidos"
    column_labels = {"tipo_documento": "Tipo de documento", "numero_documento": "N° de documento",
                     "razon_social": "Razón social", "direccion": "Dirección", "telefono": "Teléfono",
                     "email": "Correo electrónico"}
    form_columns = ("tipo_documento", "numero_documento", "nombres", "apellidos", "razon_social",
                    "direccion", "telefono", "email")
    form_args = {"numero_documento": {"validators": [validar_documento]}}

    def validar(self, form):
        if not (form.nombres.data or "").strip() and not (form.razon_social.data or "").strip():
            return error_en(form, "nombres", "Indique los nombres (persona natural) o la razón social "
                                             "(persona jurídica).")
        actual = request.args.get("id", type=int)
        repetido = db.session.scalar(sa.select(Persona.id).where(
            Persona.tipo_documento == form.tipo_documento.data,
            Persona.numero_documento == (form.numero_documento.data or "").strip().upper(),
            Persona.id != (actual or 0)))
        if repetido:
            return error_en(form, "numero_documento", "Ya está registrada una persona con ese documento.")
        return True

    def on_model_change(self, form, model, is_created):
        model.numero_documento = model.numero_documento.strip().upper()


class TipoDocumentoView(VistaSegura):
    column_list = ("nombre", "abreviatura", "numeracion")
    column_searchable_list = ("nombre", "abreviatura")
    column_default_sort = "nombre"
    column_labels = {"numeracion": "Numeración"}
    form_columns = ("nombre", "abreviatura", "numeracion")


class ProcedimientoTupaView(VistaSegura):
    column_list = ("codigo", "nombre", "plazo_dias_habiles", "silencio", "derecho_tramite",
                   "unidad_resolutora", "activo")
    column_searchable_list = ("codigo", "nombre")
    column_filters = ("silencio", "activo", "unidad_resolutora.sigla")
    column_default_sort = "codigo"
    column_labels = {"codigo": "Código", "plazo_dias_habiles": "Plazo (días hábiles)",
                     "silencio": "Silencio administrativo", "derecho_tramite": "Derecho de trámite (S/)",
                     "unidad_resolutora": "Unidad resolutora", "unidad_resolutora.sigla": "Unidad resolutora"}
    form_columns = ("codigo", "nombre", "plazo_dias_habiles", "silencio", "derecho_tramite",
                    "unidad_resolutora", "activo")
    form_ajax_refs = {"unidad_resolutora": CargadorAjax("unidad_resolutora", UnidadOrganica,
                                                        ["sigla", "nombre"])}


class FeriadoView(VistaSegura):
    """Cada alta, cambio o baja recalcula los vencimientos abiertos afectados."""

    column_list = ("fecha", "nombre", "tipo")
    column_searchable_list = ("nombre",)
    column_filters = ("fecha", "tipo")
    column_default_sort = ("fecha", True)
    column_labels = {"tipo": "Tipo de día"}
    form_columns = ("fecha", "nombre", "tipo")

    def on_model_change(self, form, model, is_created):
        hist = inspect(model).attrs.fecha.history
        model._fechas_afectadas = [f for f in (*hist.deleted, model.fecha) if f]

    def after_model_change(self, form, model, is_created):
        recalcular_plazos(getattr(model, "_fechas_afectadas", [model.fecha]))
        db.session.commit()

    def after_model_delete(self, model):
        recalcular_plazos([model.fecha])
        db.session.commit()
