"""Catálogos: personas (administrados), tipos de documento, procedimientos TUPA, feriados."""

from __future__ import annotations

from flask import current_app
from markupsafe import Markup
from wtforms.validators import ValidationError

from admin_views.base import VistaSegura
from models import ProcedimientoTupa
from services.identidad import error_documento


def validar_documento(form, field):
    error = error_documento(form.tipo_documento.data or "", field.data)
    if error:
        raise ValidationError(error)


class PersonaView(VistaSegura):
    permisos_por_defecto = {"admin": "vced", "secretaria_general": "vce", "mesa_partes": "vce", "unidad": "v",
                            "archivo": "v", "fedatario": "vce", "transparencia": "vce"}
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

    def on_model_change(self, form, model, is_created):
        model.numero_documento = model.numero_documento.strip().upper()


class TipoDocumentoView(VistaSegura):
    permisos_por_defecto = {"admin": "vced", "secretaria_general": "vced", "mesa_partes": "v", "unidad": "v",
                            "fedatario": "v"}
    column_list = ("nombre", "abreviatura", "numeracion", "se_notifica")
    column_searchable_list = ("nombre", "abreviatura")
    column_default_sort = "nombre"
    column_labels = {"numeracion": "Numeración", "se_notifica": "Se notifica al administrado"}
    column_descriptions = {"se_notifica": "Resoluciones, cartas, oficios… dirigidos a un ciudadano: quedan «por "
                                          "notificar» hasta registrar la diligencia (LPAG arts. 18–27)."}
    form_columns = ("nombre", "abreviatura", "numeracion", "se_notifica")


class ProcedimientoTupaView(VistaSegura):
    permisos_por_defecto = {"admin": "vced", "secretaria_general": "vced", "mesa_partes": "v", "unidad": "v",
                            "fedatario": "v", "concejo": "v"}
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
    form_args = {"silencio": {"description": "Calificación (LPAG arts. 33–38): aprobación automática (sin plazo) "
                                             "o evaluación previa con silencio positivo (regla general) o negativo."},
                 "plazo_dias_habiles": {"description": "0 en aprobación automática; con evaluación previa, hasta "
                                                       "30 días hábiles (arts. 39 y 153)."}}
    column_formatters = {"plazo_dias_habiles": lambda v, c, m, n: _plazo_tupa(m)}


def _plazo_tupa(proc: ProcedimientoTupa):
    """El plazo, con un aviso si pasa del máximo legal con evaluación previa."""
    if proc.aprobacion_automatica:
        return "Sin plazo (aprobación automática)"
    maximo = current_app.config["PLAZO_MAXIMO_DIAS"]
    if proc.excede_plazo_maximo(maximo):
        return Markup('{} <span class="badge badge-warning" title="LPAG arts. 39 y 153">Excede {} días hábiles'
                      '</span>').format(proc.plazo_dias_habiles, maximo)
    return proc.plazo_dias_habiles


class FeriadoView(VistaSegura):
    """Cada alta, cambio o baja recalcula los vencimientos abiertos afectados (lo hace el guardado mismo:
    services/calendario, eventos de la sesión)."""
    permisos_por_defecto = {"admin": "vced", "secretaria_general": "vced", "mesa_partes": "v", "unidad": "v",
                            "transparencia": "v", "concejo": "v"}

    column_list = ("fecha", "nombre", "tipo")
    column_searchable_list = ("nombre",)
    column_filters = ("fecha", "tipo")
    column_default_sort = ("fecha", True)
    column_labels = {"tipo": "Tipo de día"}
    form_columns = ("fecha", "nombre", "tipo")

