"""Normas municipales: registro numerado, publicación y vigencia, relaciones (modifica, deroga…); el PDF firmado
de una norma aprobada (firma el alcalde, da fe el Secretario General) y la transcripción de un acuerdo a las unidades
que deben cumplirlo (Expedir: services/normas.py y services/redaccion.py)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_wtf.file import FileField
from markupsafe import Markup
from sqlalchemy import inspect
from wtforms import BooleanField, TextAreaField

from admin_views.base import CargadorAjax, error_en, fecha_o_none, opciones_enum
from admin_views.concejo import VistaConcejo
from admin_views.expedir import _quienes_pueden
from models import EstadoNorma, MedioPublicacion, NormaMunicipal, Redaccion, RelacionNorma, UnidadOrganica, Usuario, db
from services import ErrorDeRegla, normas, word
from services import redaccion as rd
from services.adjuntos import ErrorAdjunto, guardar_pdf
from services.auditoria import registrar
from services.normas import ErrorNorma


def _relaciones(view, context, norma, name):
    filas = [f"{r.tipo.etiqueta} a {r.destino.codigo}" for r in norma.relaciones_origen]
    filas += [f"{PASIVA[r.tipo.value]} por {r.origen.codigo}" for r in norma.relaciones_destino]
    return Markup("<br>").join(filas)


EFECTOS = {"publicacion": "Rige desde el día siguiente de su publicación",
           "adopcion": "Rige desde su adopción", "notificacion": "Rige desde su notificación al destinatario",
           "emision": "Rige desde su emisión (otorga un beneficio: LPAG art. 16.2)",
           "ninguno": "Aviso: no tiene vigencia"}
PASIVA = {"modifica": "Modificada", "deroga": "Derogada", "reglamenta": "Reglamentada",
          "complementa": "Complementada"}


class NormaMunicipalView(VistaConcejo):
    permisos_por_defecto = {"secretaria_general": "vceaf", "mesa_partes": "v", "unidad": "v", "transparencia": "v",
                            "concejo": "v"}
    # iniciar el PDF firmado y transcribir: «firmar» en la matriz (cada firma exige además «firmar» en Expedir)
    acciones_endpoint = {"anular": "anular", "firmar_pdf": "firmar", "transcribir": "firmar"}
    column_list = ("codigo", "tipo", "fecha_emision", "sumilla", "estado", "fecha_publicacion", "medio_publicacion",
                   "fecha_vigencia")
    column_searchable_list = ("codigo", "sumilla")
    column_filters = ("tipo", "estado", "anio", "fecha_emision", "fecha_vigencia", "medio_publicacion",
                      BooleanEqualFilter(NormaMunicipal.en_vigor, "En vigor"))
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Número", "fecha_emision": "Emitida", "fecha_publicacion": "Publicada",
                     "medio_publicacion": "Medio de publicación", "fecha_vigencia": "Vigente desde",
                     "punto_agenda": "Acuerdo de sesión", "requiere_ratificacion": "Requiere ratificación provincial",
                     "fecha_ratificacion": "Ratificada el", "relaciones": "Relaciones", "articulos": "Artículos",
                     "motivo_anulacion": "Motivo de anulación", "efecto": "Efecto",
                     "sobre_remuneracion": "Sobre remuneración o dietas", "fecha_notificacion": "Notificada el",
                     "otorga_beneficio": "Otorga un beneficio al administrado",
                     "texto_oficial_nombre": "Texto oficial (PDF)"}
    column_details_list = ("codigo", "tipo", "sumilla", "considerandos", "articulos", "motivo_anulacion",
                           "fecha_emision", "punto_agenda", "estado", "efecto",
                           "sobre_remuneracion", "otorga_beneficio", "requiere_ratificacion", "fecha_ratificacion",
                           "fecha_publicacion",
                           "medio_publicacion", "fecha_notificacion", "fecha_vigencia", "relaciones",
                           "texto_oficial_nombre")
    column_formatters = {"codigo": lambda v, c, m, n: m.codigo or str(m)}
    column_formatters_detail = {"relaciones": _relaciones, "efecto": lambda v, c, m, n: EFECTOS[m.efecto],
                                "codigo": lambda v, c, m, n: m.codigo or "Proyecto (sin número)"}
    form_columns = ("tipo", "proyecto", "fecha_emision", "sumilla", "considerandos", "articulos",
                    "sobre_remuneracion", "otorga_beneficio", "requiere_ratificacion", "fecha_ratificacion",
                    "texto_oficial")
    campos_edicion = ("sumilla", "considerandos", "articulos", "sobre_remuneracion", "otorga_beneficio",
                      "requiere_ratificacion", "fecha_ratificacion", "texto_oficial")
    form_extra_fields = {
        "proyecto": BooleanField("Proyectar (sin número)", description="El proyecto se redacta y se descarga en "
                                 "Word; el número se saca recién al aprobarlo."),
        "texto_oficial": FileField("Texto oficial (PDF)", description="El publicado (p. ej. la página de El "
                                   "Peruano). Sin él, /normas muestra el texto generado con los datos de la norma."),
    }
    form_overrides = {"sumilla": TextAreaField, "considerandos": TextAreaField, "articulos": TextAreaField}
    form_args = {"requiere_ratificacion": {"description": "Ordenanza tributaria distrital: la provincia la ratifica "
                                                          "antes de publicarla."},
                 "considerandos": {"description": "Un considerando por línea."},
                 "articulos": {"label": "Artículos", "description": "Un artículo por línea (se numeran solos)."},
                 "sobre_remuneracion": {"label": "Sobre remuneración o dietas",
                                        "description": "Acuerdo de concejo sobre remuneración o dietas: rige desde "
                                                       "el día siguiente de su publicación, no desde su adopción."},
                 "otorga_beneficio": {"label": "Otorga un beneficio al administrado",
                                      "description": "Resolución que otorga un beneficio: rige desde su emisión "
                                                     "(LPAG art. 16.2); las demás, desde su notificación."}}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-file-word-o", ".word", title="Descargar en Word"),
                                EndpointLinkRowAction("fa fa-check", ".aprobar", title="Aprobar el proyecto"),
                                EndpointLinkRowAction("fa fa-ban", ".anular", title="Anular el número"),
                                EndpointLinkRowAction("fa fa-newspaper-o", ".publicar", title="Publicar"),
                                EndpointLinkRowAction("fa fa-certificate", ".firmar_pdf",
                                                      title="PDF firmado (alcalde y Secretario General)"),
                                EndpointLinkRowAction("fa fa-share-square-o", ".transcribir",
                                                      title="Transcribir el acuerdo a las unidades"),
                                # una resolución rige desde su notificación: se registra con su diligencia
                                EndpointLinkRowAction("fa fa-envelope-o", "notificacion.create_view",
                                                      title="Registrar la notificación (resoluciones)", id_arg="norma")]
    bloqueadas = ("eliminar",)  # el número no se reutiliza
    details_template = "concejo/norma_detalle.html"

    def ofrece(self, accion: str) -> bool:
        return accion == "firmar" or super().ofrece(accion)

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            n = kwargs["model"]
            kwargs.update(redaccion=db.session.scalar(sa.select(Redaccion).where(Redaccion.norma_id == n.id)),
                          transcripciones=db.session.scalars(sa.select(Redaccion).where(
                              Redaccion.norma_transcrita_id == n.id).order_by(Redaccion.id)).all())
        return super().render(template, **kwargs)

    def _con_errores(self, operacion, destino: str, errores: dict):
        """`ejecutar`, con el mensaje de una regla junto a su campo si lo tiene."""
        try:
            mensaje = operacion()
            db.session.commit()
        except ErrorDeRegla as e:
            db.session.rollback()
            if e.campo:
                errores[e.campo] = str(e)
            else:
                flash(str(e), "error")
            return None
        flash(mensaje, "success")
        return redirect(destino)

    @staticmethod
    def _usuario(campo: str) -> Usuario | None:
        valor = request.form.get(campo) or ""
        if not (valor.isascii() and valor.isdigit()) or len(valor) > 9:  # «²» es isdigit() pero no un entero
            return None
        return next((u for u in _quienes_pueden("firmar")() if u.id == int(valor)), None)

    @expose("/firmar-pdf/", methods=("GET", "POST"))
    def firmar_pdf(self):
        """Inicia el PDF firmado de la norma aprobada: con su texto y su número; va a la firma del alcalde y después
        el Secretario General da fe (en «Por firmar» de cada uno)."""
        from flask_login import current_user

        norma = self.get_one(request.args.get("id"))
        errores: dict[str, str] = {}
        if request.method == "POST":
            def iniciar():
                r = rd.iniciar_firma_norma(norma, self._usuario("firmante"), self._usuario("da_fe"), current_user)
                return f"{norma.codigo}: PDF generado con su texto aprobado; le toca firmar a {r.firmante.nombre}."

            hecho = self._con_errores(iniciar, url_for(".details_view", id=norma.id), errores)
            if hecho:
                return hecho
        return self.render("concejo/firmar_norma.html", norma=norma, errores=errores,
                           firmantes=_quienes_pueden("firmar")(),
                           redaccion=db.session.scalar(sa.select(Redaccion).where(Redaccion.norma_id == norma.id)))

    @expose("/transcribir/", methods=("GET", "POST"))
    def transcribir(self):
        """Transcribe un acuerdo de concejo a las unidades que deben cumplirlo: una transcripción firmada por unidad,
        que llega a su bandeja con el PDF."""
        from flask_login import current_user

        norma = self.get_one(request.args.get("id"))
        errores: dict[str, str] = {}
        elegidas = [int(i) for i in request.form.getlist("unidades") if i.isascii() and i.isdigit() and len(i) < 10
                    ][:100]
        if request.method == "POST":
            unidades = db.session.scalars(sa.select(UnidadOrganica).where(UnidadOrganica.id.in_(elegidas))
                                          .order_by(UnidadOrganica.sigla)).all()

            def transcribir():
                hechas = rd.transcribir_acuerdo(norma, unidades, self._usuario("firmante"), current_user)
                siglas = ", ".join(r.unidad_destino.sigla for r in hechas)
                return (f"{norma.codigo}: {len(hechas)} transcripción(es) a {siglas}, a la firma de "
                        f"{hechas[0].firmante.nombre}; firmadas, llegan a sus bandejas.")

            hecho = self._con_errores(transcribir, url_for(".details_view", id=norma.id), errores)
            if hecho:
                return hecho
        return self.render("concejo/transcribir_norma.html", norma=norma, errores=errores, elegidas=elegidas,
                           firmantes=_quienes_pueden("firmar")(),
                           unidades=db.session.scalars(sa.select(UnidadOrganica).where(UnidadOrganica.activa)
                                                       .order_by(UnidadOrganica.sigla)).all())

    def validar(self, form):
        tipo = form.tipo.data if "tipo" in form else self.get_one(request.args.get("id")).tipo.value
        if form.sobre_remuneracion.data and tipo != "acuerdo_concejo":
            return error_en(form, "sobre_remuneracion", "Solo un acuerdo de concejo se marca como «sobre "
                                                        "remuneración o dietas».")
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
            pdf.dueno = model  # el archivo se escribe al confirmarse la norma (services/adjuntos)
            model.texto_oficial_nombre, model.texto_oficial_ruta = pdf.nombre_archivo, pdf.ruta
            model.texto_oficial_sha256 = pdf.sha256
        if is_created:
            if form.proyecto.data:
                normas.proyectar_norma(model)
            else:
                normas.numerar_norma(model)
        elif model.estado in (EstadoNorma.derogada, EstadoNorma.anulada):
            raise ErrorNorma(f"Una norma {model.estado.etiqueta.lower()} no se edita.")
        else:
            texto = inspect(model).attrs
            if model.estado != EstadoNorma.proyecto and (texto.considerandos.history.has_changes()
                                                         or texto.articulos.history.has_changes()):
                raise ErrorNorma("El texto de una norma aprobada no se modifica: se modifica con otra norma.")
            normas.regir_desde_adopcion(model)

    @expose("/word/")
    def word(self):
        """El proyecto o la norma en Word, desde la plantilla de su tipo (instance/plantillas/norma_<tipo>.docx)
        o la general."""
        norma = self.get_one(request.args.get("id"))
        candidatas = [Path(current_app.instance_path) / "plantillas" / f"norma_{norma.tipo.value}.docx",
                      Path(current_app.instance_path) / "plantillas" / "norma.docx",
                      Path(current_app.root_path) / "plantillas" / f"norma_{norma.tipo.value}.docx",
                      Path(current_app.root_path) / "plantillas" / "norma.docx"]
        salida = word.renderizar(next(p for p in candidatas if p.exists()), normas.contexto_norma(norma))
        registrar("imprimir", "norma_municipal", norma.id, "Word")
        db.session.commit()
        nombre = f"{norma.tipo.value}_{norma.numero:03d}_{norma.anio}.docx" if norma.numero else \
            f"proyecto_{norma.tipo.value}_{norma.id}.docx"
        return send_file(salida, as_attachment=True, download_name=nombre,
                         mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    def _operacion(self, plantilla: str, campo: str, hacer):
        """Formulario de un solo campo (fecha o motivo) para aprobar o anular."""
        norma = self.get_one(request.args.get("id"))
        errores = {}
        if request.method == "POST":
            valor = (request.form.get(campo) or "").strip()
            if campo == "fecha" and fecha_o_none(valor) is None:
                errores[campo] = "Indique la fecha (dd/mm/aaaa)."
            else:
                hecho = self.ejecutar(lambda: hacer(norma, fecha_o_none(valor) if campo == "fecha" else valor),
                                      url_for(".details_view", id=norma.id))
                if hecho:
                    return hecho
        return self.render(plantilla, norma=norma, errores=errores)

    @expose("/aprobar/", methods=("GET", "POST"))
    def aprobar(self):
        def aprobar(norma, fecha):
            normas.aprobar_norma(norma, fecha)
            return f"Proyecto aprobado: {norma.codigo}."

        return self._operacion("concejo/aprobar_norma.html", "fecha", aprobar)

    @expose("/anular/", methods=("GET", "POST"))
    def anular(self):
        def anular(norma, motivo):
            normas.anular_norma(norma, motivo)
            return f"{norma.codigo} anulada; el número no se reutiliza."

        return self._operacion("concejo/anular_norma.html", "motivo", anular)

    @expose("/publicar/", methods=("GET", "POST"))
    def publicar(self):
        """Publicación (medio y fecha): rige desde el día siguiente salvo que la norma fije otra fecha."""
        norma = self.get_one(request.args.get("id"))
        errores = {}
        if request.method == "POST":
            medio = request.form.get("medio") or ""
            fecha = fecha_o_none(request.form.get("fecha"))
            vigencia = fecha_o_none(request.form.get("vigencia"))
            if medio not in MedioPublicacion.__members__:
                errores["medio"] = "Elija el medio de publicación."
            if fecha is None:
                errores["fecha"] = "Indique la fecha de publicación (dd/mm/aaaa)."
            if request.form.get("vigencia") and vigencia is None:
                errores["vigencia"] = "Fecha no válida (dd/mm/aaaa)."
            if not errores:
                def publicar():
                    normas.publicar(norma, medio, fecha, vigencia)
                    if norma.fecha_vigencia is None:
                        return f"{norma.codigo}: publicada ({EFECTOS[norma.efecto].lower()})."
                    return f"{norma.codigo}: publicada; vigente desde el {norma.fecha_vigencia:%d/%m/%Y}."

                hecho = self.ejecutar(publicar, url_for(".details_view", id=norma.id))
                if hecho:
                    return hecho
        return self.render("concejo/publicar_norma.html", norma=norma, medios=opciones_enum(MedioPublicacion),
                           errores=errores)


class RelacionNormaView(VistaConcejo):
    permisos_por_defecto = {"secretaria_general": "vcd", "mesa_partes": "v", "unidad": "v", "transparencia": "v",
                            "concejo": "v"}
    column_list = ("origen", "tipo", "destino", "creado_en")
    column_select_related_list = (RelacionNorma.origen, RelacionNorma.destino)
    column_filters = ("tipo",)
    column_default_sort = ("id", True)
    column_labels = {"origen": "Norma", "destino": "Norma afectada", "creado_en": "Registrada"}
    form_columns = ("origen", "tipo", "destino")
    bloqueadas = ("editar",)  # una relación se borra y se vuelve a registrar
    form_ajax_refs = {"origen": CargadorAjax("origen", NormaMunicipal, ["codigo", "sumilla"]),
                      "destino": CargadorAjax("destino", NormaMunicipal, ["codigo", "sumilla"])}

    def on_model_change(self, form, model, is_created):
        normas.aplicar_relacion(model)

