"""Normas municipales: registro numerado, publicación y vigencia, relaciones (modifica, deroga…)."""

from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import TextAreaField

from admin_views.base import CargadorAjax, error_en, opciones_enum
from admin_views.concejo import VistaConcejo
from models import EstadoNorma, MedioPublicacion, NormaMunicipal, RelacionNorma
from services import concejo
from services.adjuntos import ErrorAdjunto, guardar_pdf
from services.concejo import ErrorConcejo


def _relaciones(view, context, norma, name):
    filas = [f"{r.tipo.etiqueta} a {r.destino.codigo}" for r in norma.relaciones_origen]
    filas += [f"{PASIVA[r.tipo.value]} por {r.origen.codigo}" for r in norma.relaciones_destino]
    return Markup("<br>").join(filas)


PASIVA = {"modifica": "Modificada", "deroga": "Derogada", "reglamenta": "Reglamentada",
          "complementa": "Complementada"}


class NormaMunicipalView(VistaConcejo):
    column_list = ("codigo", "tipo", "fecha_emision", "sumilla", "estado", "fecha_publicacion", "medio_publicacion",
                   "fecha_vigencia")
    column_searchable_list = ("codigo", "sumilla")
    column_filters = ("tipo", "estado", "anio", "fecha_emision", "fecha_vigencia", "medio_publicacion",
                      BooleanEqualFilter(NormaMunicipal.en_vigor, "En vigor"))
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Número", "fecha_emision": "Emitida", "fecha_publicacion": "Publicada",
                     "medio_publicacion": "Medio de publicación", "fecha_vigencia": "Vigente desde",
                     "punto_agenda": "Acuerdo de sesión", "requiere_ratificacion": "Requiere ratificación provincial",
                     "fecha_ratificacion": "Ratificada el", "relaciones": "Relaciones",
                     "texto_oficial_nombre": "Texto oficial (PDF)"}
    column_details_list = ("codigo", "tipo", "sumilla", "fecha_emision", "punto_agenda", "estado",
                           "requiere_ratificacion", "fecha_ratificacion", "fecha_publicacion", "medio_publicacion",
                           "fecha_vigencia", "relaciones", "texto_oficial_nombre")
    column_formatters_detail = {"relaciones": _relaciones}
    form_columns = ("tipo", "fecha_emision", "sumilla", "requiere_ratificacion", "fecha_ratificacion", "texto_oficial")
    form_edit_columns = ("sumilla", "requiere_ratificacion", "fecha_ratificacion", "texto_oficial")
    form_extra_fields = {"texto_oficial": FileField(
        "Texto oficial (PDF)", description="El publicado (p. ej. la página de El Peruano). Sin él, /normas muestra "
                                           "el texto generado con los datos de la norma.")}
    form_overrides = {"sumilla": TextAreaField}
    form_args = {"requiere_ratificacion": {"description": "Ordenanza tributaria distrital: la provincia la ratifica "
                                                          "antes de publicarla."}}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-newspaper-o", ".publicar", title="Publicar")]
    bloqueadas = ("eliminar",)  # el número no se reutiliza

    def validar(self, form):
        archivo = form.texto_oficial.data
        if archivo and getattr(archivo, "filename", ""):
            try:
                form._texto_oficial = guardar_pdf(archivo)
            except ErrorAdjunto as e:
                return error_en(form, "texto_oficial", str(e))
        return True

    def on_model_change(self, form, model, is_created):
        pdf = getattr(form, "_texto_oficial", None)
        if pdf is not None:
            model.texto_oficial_nombre, model.texto_oficial_ruta = pdf.nombre_archivo, pdf.ruta
            model.texto_oficial_sha256 = pdf.sha256
        if is_created:
            concejo.numerar_norma(model)
        elif model.estado == EstadoNorma.derogada:
            raise ErrorConcejo("Una norma derogada no se edita.")

    @expose("/publicar/", methods=("GET", "POST"))
    def publicar(self):
        """Publicación (medio y fecha): rige desde el día siguiente salvo que la norma fije otra fecha."""
        norma = self.get_one(request.args.get("id"))
        errores = {}
        if request.method == "POST":
            medio = request.form.get("medio") or ""
            fecha = _fecha(request.form.get("fecha"))
            vigencia = _fecha(request.form.get("vigencia"))
            if medio not in MedioPublicacion.__members__:
                errores["medio"] = "Elija el medio de publicación."
            if fecha is None:
                errores["fecha"] = "Indique la fecha de publicación (dd/mm/aaaa)."
            if request.form.get("vigencia") and vigencia is None:
                errores["vigencia"] = "Fecha no válida (dd/mm/aaaa)."
            if not errores:
                def publicar():
                    concejo.publicar(norma, medio, fecha, vigencia)
                    return f"{norma.codigo}: publicada; vigente desde el {norma.fecha_vigencia:%d/%m/%Y}."

                hecho = self.ejecutar(publicar, url_for(".details_view", id=norma.id))
                if hecho:
                    return hecho
        return self.render("concejo/publicar_norma.html", norma=norma, medios=opciones_enum(MedioPublicacion),
                           errores=errores)


def _fecha(texto):
    try:
        return datetime.strptime((texto or "").strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


class RelacionNormaView(VistaConcejo):
    column_list = ("origen", "tipo", "destino", "creado_en")
    column_select_related_list = (RelacionNorma.origen, RelacionNorma.destino)
    column_filters = ("tipo",)
    column_default_sort = ("id", True)
    column_labels = {"origen": "Norma", "destino": "Norma afectada", "creado_en": "Registrada"}
    form_columns = ("origen", "tipo", "destino")
    bloqueadas = ("editar",)  # una relación se borra y se vuelve a registrar
    form_ajax_refs = {"origen": CargadorAjax("origen", NormaMunicipal, ["codigo", "sumilla"]),
                      "destino": CargadorAjax("destino", NormaMunicipal, ["codigo", "sumilla"])}

    def validar(self, form):
        if form.origen.data is not None and form.origen.data == form.destino.data:
            return error_en(form, "destino", "Una norma no se relaciona consigo misma.")
        return True

    def on_model_change(self, form, model, is_created):
        concejo.aplicar_relacion(model)

