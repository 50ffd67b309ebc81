"""Expedir: la redacción de un documento (editor, revisores en orden, firmante, anexos), su vista previa en PDF, el
envío a V° B°, el V° B° / la firma con el certificado del usuario y la devolución; y «Por firmar» con el lote.
Las reglas viven en services/redaccion.py y al guardar (models._reglas_redaccion)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.model.form import InlineFormAdmin
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import HiddenField, TextAreaField

from admin_views.base import (
    CargadorAjax,
    FiltroSigla,
    PaginaSegura,
    VistaSegura,
    error_en,
    opciones_enum,
)
from models import (
    EstadoRedaccion,
    Expediente,
    Permiso,
    Redaccion,
    RevisorRedaccion,
    UnidadOrganica,
    Usuario,
    db,
)
from services import ErrorDeRegla
from services import firma_digital as fd
from services import redaccion as rd
from services.concejo import limpiar_html

MAX_CERTIFICADO = 256 * 1024  # un .p12 pesa unos KB


def _quienes_pueden(accion: str):
    """Usuarios activos cuyo rol tiene esa acción («visto_bueno», «firmar») en la redacción (matriz de permisos)."""
    def consulta():
        return db.session.scalars(sa.select(Usuario).join(Permiso, Permiso.rol_id == Usuario.rol_id).where(
            Usuario.activo, Permiso.vista == "redaccion", Permiso.accion == accion).order_by(Usuario.nombre)).all()
    return consulta


def credencial_del_formulario() -> fd.Credencial:
    """El PKCS#12 y su contraseña, tal como llegan; se usan para firmar y se descartan (nunca se guardan)."""
    archivo = request.files.get("certificado")
    datos = archivo.read(MAX_CERTIFICADO + 1) if archivo else b""
    if not datos:
        raise ErrorDeRegla("Adjunte su certificado digital (.p12 o .pfx) y escriba su contraseña. No se firmó.")
    if len(datos) > MAX_CERTIFICADO:
        raise ErrorDeRegla("Ese archivo no es un certificado .p12/.pfx (es demasiado grande). No se firmó.")
    return fd.Credencial(pkcs12=datos, clave=request.form.get("clave", ""))


# lo que no se edita en el proyecto de una norma o de una transcripción (su texto es el de la norma)
TEXTO_DE_LA_NORMA = ("tipo_documento", "expediente", "unidad_destino", "destinatario", "referencia", "asunto", "cuerpo",
                     "cc", "anexo")


class RevisoresEnLinea(InlineFormAdmin):
    """Los revisores en el orden en que se escriben (el orden lo pone `on_model_change`)."""
    form_columns = ("id", "usuario")
    form_label = "Revisor (V° B°)"
    column_labels = {"usuario": "Revisor"}
    form_args = {"usuario": {"query_factory": _quienes_pueden("visto_bueno")}}

    def postprocess_form(self, form_class):
        # la clave de la fila en línea es un campo oculto de texto: sin el validador de enteros del convertidor
        form_class.id = HiddenField()
        return form_class


class RedaccionView(VistaSegura):
    """Proyectos de documentos de la unidad (y los que esperan el V° B° o la firma de alguien de ella)."""
    permisos_por_defecto = {"secretaria_general": "vcebf", "unidad": "vcebf"}
    acciones_endpoint = {"pdf": "ver", "actuar": "ver", "enviar": "editar", "descartar": "editar"}
    bloqueadas = ("eliminar",)  # un borrador se descarta; lo firmado es un documento emitido

    column_list = ("asunto", "tipo_documento", "unidad", "unidad_destino", "estado", "le_toca", "version",
                   "documento", "actualizado_en")
    column_export_list = ("asunto", "tipo_documento", "unidad", "unidad_destino", "estado", "version", "documento",
                          "actualizado_en")
    column_select_related_list = (Redaccion.tipo_documento, Redaccion.unidad, Redaccion.unidad_destino,
                                  Redaccion.documento)
    column_searchable_list = ("asunto",)
    column_filters = (FilterEqual(Redaccion.estado, "Estado", options=opciones_enum(EstadoRedaccion)),
                      FiltroSigla(Redaccion.unidad_id, "Unidad"), FilterEqual("tipo_documento.abreviatura", "Tipo"))
    column_default_sort = ("id", True)
    column_labels = {"tipo_documento": "Tipo", "unidad_destino": "Para (unidad)", "le_toca": "Le toca",
                     "version": "Versión", "documento": "Documento firmado", "actualizado_en": "Última edición",
                     "cc": "C.c. (una copia por línea)", "revisores": "V° B° (en este orden)",
                     "firmante": "Firma", "cuerpo": "Texto", "referencia": "Referencia"}
    column_sortable_list = ("asunto", "estado", "version", "actualizado_en")
    details_template = "admin/expedir/detalle.html"
    column_details_list = ("tipo_documento", "unidad", "unidad_destino", "expediente", "firmante", "documento",
                           "destinatario", "referencia", "asunto", "cuerpo", "cc", "estado", "version", "creado_en",
                           "actualizado_en")
    column_formatters_detail = {"cuerpo": lambda v, c, m, n: Markup(limpiar_html(m.cuerpo))}
    create_template = "admin/expedir/crear.html"
    edit_template = "admin/expedir/editar.html"
    form_columns = ("tipo_documento", "expediente", "unidad_destino", "destinatario", "referencia", "asunto",
                    "cuerpo", "cc", "anexo", "revisores", "firmante")
    form_overrides = {"cuerpo": TextAreaField, "destinatario": TextAreaField, "cc": TextAreaField}
    form_widget_args = {"cuerpo": {"rows": 14, "data-editor": "trix"}, "destinatario": {"rows": 3},
                        "cc": {"rows": 2}}
    form_extra_fields = {"anexo": FileField("Anexo (PDF, opcional)",
                                            description="Se revisa como en el ingreso; uno por vez.")}
    form_args = {
        "destinatario": {"description": "Nombre, cargo y entidad, una línea cada uno."},
        "referencia": {"description": "El expediente y documentos anteriores."},
        "unidad_destino": {"description": "Documento interno: la unidad a cuya bandeja llega al firmarse."},
        "firmante": {"query_factory": _quienes_pueden("firmar"), "allow_blank": True, "blank_text": "— Elija —"},
        "expediente": {"description": "Opcional: el expediente al que responde."},
    }
    form_ajax_refs = {"expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"]),
                      "unidad_destino": CargadorAjax("unidad_destino", UnidadOrganica, ["sigla", "nombre"])}
    inline_models = (RevisoresEnLinea(RevisorRedaccion),)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-file-pdf-o", ".pdf", title="Vista previa (PDF)")]

    def ofrece(self, accion: str) -> bool:
        return accion in ("visto_bueno", "firmar") or super().ofrece(accion)

    def validar(self, form):
        archivo = form.anexo.data if "anexo" in form else None
        if archivo and getattr(archivo, "filename", ""):
            try:
                form._anexo_datos = rd.leer_anexo(archivo)
            except ErrorDeRegla as e:
                return error_en(form, "anexo", str(e))
        return True

    def edit_form(self, obj=None):
        """El proyecto de una norma o de una transcripción lleva el texto de la norma: en su borrador (devuelto) se
        corrigen solo quién firma y los revisores."""
        form = super().edit_form(obj)
        if obj is not None and (obj.norma_id or obj.norma_transcrita_id):
            for campo in TEXTO_DE_LA_NORMA:
                if campo in form:
                    del form[campo]
        return form

    def on_model_change(self, form, model, is_created):
        if not is_created and model.estado != EstadoRedaccion.borrador:
            raise rd.ErrorRedaccion("Enviado, el texto ya no cambia: se corrige devolviéndolo.")
        if not (model.norma_id or model.norma_transcrita_id):
            model.cuerpo = limpiar_html(model.cuerpo or "")
        if getattr(form, "_anexo_datos", None) is not None:
            model.anexos.append(form._anexo_datos)
        for i, rev in enumerate(model.revisores, start=1):
            rev.orden = i

    def get_save_return_url(self, model, is_created=False):
        """Guardado el borrador, a su ficha: vista previa y «Enviar a V° B°» están ahí."""
        return url_for(".details_view", id=model.id)

    # ---- el flujo
    def _operar(self, operacion):
        """La operación sobre la fila, todo o nada; éxito o error, de vuelta a su ficha con el aviso."""
        r = self.get_one(request.args.get("id"))
        ficha = url_for(".details_view", id=r.id)
        return self.ejecutar(lambda: operacion(r), ficha) or redirect(ficha)

    @expose("/enviar/", methods=("POST",))
    def enviar(self):
        return self._operar(lambda r: rd.enviar(r, current_user))

    @expose("/descartar/", methods=("POST",))
    def descartar(self):
        return self._operar(lambda r: rd.descartar(r, current_user))

    @expose("/actuar/", methods=("POST",))
    def actuar(self):
        """V° B° o firma (el que le toca al usuario) con su certificado, o la devolución con una observación."""
        if request.form.get("operacion") == "devolver":
            return self._operar(lambda r: rd.devolver(r, current_user, request.form.get("observacion", "")))

        def con_certificado(r):
            with fd.abrir(credencial_del_formulario()) as firmar_con:
                return rd.actuar(r, current_user, firmar_con)

        return self._operar(con_certificado)

    @expose("/pdf/")
    def pdf(self):
        """La vista previa (borrador: generada ahora) o el PDF con los V° B° dados, o el firmado."""
        import io

        r = self.get_one(request.args.get("id"))
        try:
            datos = rd.vista_previa(r)
        except ErrorDeRegla as e:
            abort(400, str(e))
        return send_file(io.BytesIO(datos), mimetype="application/pdf", download_name=rd.nombre_de_archivo(r))

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            r = kwargs["model"]
            kwargs.update(turno=rd.turno(r), firmas=rd.firmas_del_pdf(r), error_envio=rd.error_de_borrador(r)
                          if r.estado == EstadoRedaccion.borrador else None)
        return super().render(template, **kwargs)


def _titulo(r) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url_for("redaccion.details_view", id=r.id), str(r))


class PorFirmarView(PaginaSegura):
    """Mis V° B° y firmas pendientes (los que me toca dar ahora), con el lote: una contraseña para los elegidos."""
    permisos_por_defecto = {"secretaria_general": "v", "unidad": "v"}
    acciones_endpoint = {"index": "ver"}  # cada documento exige además «visto_bueno» o «firmar» en la redacción

    @expose("/", methods=("GET", "POST"))
    def index(self):
        resultados = None
        error = None
        if request.method == "POST":
            ids = [int(i) for i in request.form.getlist("id") if i.isascii() and i.isdigit() and len(i) < 10][:200]
            if not ids:
                error = "Elija al menos un documento."
            else:
                try:
                    resultados = rd.firmar_lote(ids, current_user, credencial_del_formulario())
                except ErrorDeRegla as e:
                    db.session.rollback()
                    error = str(e)
        return self.render("admin/expedir/por_firmar.html", pendientes=rd.pendientes(current_user),
                           resultados=resultados, error=error, titulo=_titulo, escape=escape)
