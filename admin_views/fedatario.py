"""Fedatario (LPAG arts. 138–139) y notificaciones (arts. 18–27): pantallas declarativas; las reglas están en
services/fedatario.py, services/notificaciones.py y en las restricciones de la base (models.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, DateBetweenFilter, FilterEqual
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from markupsafe import Markup
from wtforms import TextAreaField

from admin_views.base import (
    SOLO_LECTURA,
    CargadorAjax,
    FiltroMomentoEntreFechas,
    FiltroSigla,
    VistaSegura,
    entero_id,
    error_en,
    opciones_enum,
)
from admin_views.formatos import insignia
from models import (
    Certificacion,
    DocumentoEmitido,
    EstadoDocumento,
    Expediente,
    ModalidadNotificacion,
    NormaMunicipal,
    Notificacion,
    Persona,
    ResultadoNotificacion,
    TipoCertificacion,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, casilla
from services import notificaciones as notif
from services.auditoria import registrar
from services.fedatario import error_de_pago, error_de_retencion, registrar_certificacion
from services.verificacion import qr_svg, url_publica, url_verificacion


# ------------------------------------------------------------------ certificaciones
def _devolucion(view, context, cert, name):
    if not cert.originales_retenidos:
        return ""
    if cert.fecha_devolucion:
        return f"Devueltos el {cert.fecha_devolucion:%d/%m/%Y}"
    texto = f"Devolver hasta el {cert.fecha_devolucion_prevista:%d/%m/%Y}"
    return Markup("{} {}").format(texto, insignia("Vencido", "danger")) if cert.devolucion_vencida else texto



def hoja_con_qr(vista, plantilla: str, fila, url: str, detalle: str, **contexto):
    """Hoja imprimible con el QR de `url` (sello, cargo, hoja de verificación); queda en la auditoría como
    «imprimir» de esa fila."""
    registrar("imprimir", fila.__tablename__, fila.id, detalle)
    db.session.commit()
    return vista.render(plantilla, url=url, qr=qr_svg(url), **contexto)

class FiltroDevolucionVencida(BooleanEqualFilter):
    """Originales retenidos cuya devolución venció (con la fecha de hoy al aplicar el filtro)."""

    def apply(self, query, value, alias=None):
        cond = Certificacion.devolucion_vencida
        return query.filter(cond if value in (True, "1") else ~cond)


class CertificacionView(VistaSegura):
    """Registro del fedatario: cada certificación con su número del año, su pago (o gratuidad) y su sello."""

    permisos_por_defecto = {"fedatario": "vcea", "secretaria_general": "v", "mesa_partes": "v"}
    acciones_endpoint = {"anular": "anular", "sello": "ver"}
    column_list = ("codigo", "fecha", "tipo", "persona", "descripcion_documento", "folios", "expediente",
                   "derecho_pago", "fecha_devolucion_prevista", "anulada")
    column_select_related_list = (Certificacion.persona, Certificacion.expediente)
    column_searchable_list = ("codigo", "descripcion_documento", "recibo_pago", "persona.numero_documento",
                              "persona.nombres", "persona.apellidos", "persona.razon_social")
    column_filters = (
        FilterEqual(Certificacion.tipo, "Tipo", options=opciones_enum(TipoCertificacion)),
        FiltroDevolucionVencida(Certificacion.fecha_devolucion_prevista, "Devolución de originales vencida"),
        BooleanEqualFilter(Certificacion.anulada, "Anulada"),
        DateBetweenFilter(Certificacion.fecha, "Fecha"),
        FilterEqual(Certificacion.anio, "Año"),
    )
    column_default_sort = ("id", True)
    column_labels = {
        "codigo": "Número", "persona": "Solicitante", "descripcion_documento": "Documento certificado",
        "expediente": "Expediente (gratuita)", "derecho_pago": "Derecho (S/)", "recibo_pago": "Recibo de pago",
        "originales_retenidos": "Se retienen los originales (caso voluminoso)",
        "fecha_devolucion_prevista": "Originales", "fecha_devolucion": "Originales devueltos el",
        "motivo_anulacion": "Motivo de la anulación", "fecha_anulacion": "Anulada el", "fedatario": "Fedatario",
        "codigo_verificacion": "Código de verificación", "anio": "Año", "numero": "Número correlativo",
        "persona.numero_documento": "N° de documento", "persona.nombres": "Nombres",
        "persona.apellidos": "Apellidos", "persona.razon_social": "Razón social",
    }
    column_details_list = ("codigo", "fecha", "tipo", "fedatario", "persona", "descripcion_documento", "folios",
                           "expediente", "derecho_pago", "recibo_pago", "originales_retenidos",
                           "fecha_devolucion_prevista", "fecha_devolucion", "codigo_verificacion", "anulada",
                           "motivo_anulacion", "fecha_anulacion")
    column_formatters = {"fecha_devolucion_prevista": _devolucion,
                         "descripcion_documento": lambda v, c, m, n: m.descripcion_documento[:80],
                         "anulada": lambda v, c, m, n: insignia("Anulada", "danger") if m.anulada else ""}
    column_formatters_detail = {"fecha_devolucion_prevista": _devolucion}
    form_columns = ("tipo", "persona", "descripcion_documento", "folios", "expediente", "derecho_pago",
                    "recibo_pago", "originales_retenidos", "fecha_devolucion_prevista")
    campos_opcionales = ("derecho_pago",)  # vacío con un expediente: gratuita
    campos_edicion = ("fecha_devolucion",)  # lo único que cambia después: la devolución de los originales
    form_overrides = {"descripcion_documento": TextAreaField}
    form_args = {
        "persona": {"label": "Solicitante"},
        "descripcion_documento": {"description": "El documento original que se tuvo a la vista: clase, número, "
                                                 "fecha, emisor."},
        "expediente": {"label": "Expediente de la entidad al que sirve (la hace gratuita)",
                       "description": "Si la copia es para un procedimiento de esta municipalidad, es gratuita "
                                      "(LPAG art. 138). Si no, indique el derecho del TUPA y el recibo."},
        "derecho_pago": {"label": "Derecho de trámite (S/, según TUPA)"},
        "fecha_devolucion_prevista": {"label": "Devolver los originales hasta",
                                      "description": "A lo sumo 2 días hábiles (constancia al solicitante)."},
    }
    form_ajax_refs = {"persona": CargadorAjax("persona", Persona, ["numero_documento", "nombres", "apellidos",
                                                                   "razon_social"]),
                      "expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"])}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-print", ".sello", title="Sello / hoja de certificación"),
                                EndpointLinkRowAction("fa fa-ban", ".anular", title="Anular")]
    bloqueadas = ("eliminar",)  # se anula con motivo; el número no se reutiliza

    def validar(self, form):
        if "derecho_pago" in form:
            error = error_de_pago(form.expediente.data, form.derecho_pago.data, form.recibo_pago.data)
            if error:
                return error_en(form, *error)
            error = error_de_retencion(hoy_lima(), form.originales_retenidos.data,
                                       form.fecha_devolucion_prevista.data)
            if error:
                return error_en(form, "fecha_devolucion_prevista", error)
        if "fecha_devolucion" in form and form.fecha_devolucion.data:
            cert = self.get_one(request.args.get("id"))
            fecha = form.fecha_devolucion.data
            if not cert.originales_retenidos:
                return error_en(form, "fecha_devolucion", "En esta certificación no se retuvieron originales.")
            if not cert.fecha <= fecha <= hoy_lima():
                return error_en(form, "fecha_devolucion", "La devolución es de un día entre la certificación y hoy.")
        return True

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.derecho_pago = model.derecho_pago or 0
            registrar_certificacion(model, current_user)
        elif model.anulada:
            raise ErrorDeRegla(f"{model.codigo} está anulada: no se modifica.")

    def get_save_return_url(self, model, is_created=False):
        return url_for(".sello", id=model.id) if is_created else super().get_save_return_url(model, is_created)

    @expose("/sello/")
    def sello(self):
        """Sello / hoja de certificación imprimible: número, fecha, fedatario, folios y QR de verificación."""
        cert = self.get_one(request.args.get("id"))
        return hoja_con_qr(self, "fedatario/sello.html", cert, url_verificacion(cert.codigo_verificacion), "sello",
                           cert=cert)

    @expose("/anular/", methods=("GET", "POST"))
    def anular(self):
        cert = self.get_one(request.args.get("id"))
        if request.method == "POST":
            def anular_cert():
                cert.anular(request.form.get("motivo", ""))
                return f"{cert.codigo} anulada; la verificación pública lo indica y el número no se reutiliza."

            hecho = self.ejecutar(anular_cert, url_for(".index_view"))
            if hecho:
                return hecho
        return self.render("fedatario/anular.html", fila=cert, titulo=f"Anular la certificación {cert.codigo}",
                           detalle=f"{cert.tipo.etiqueta} · {cert.folios} folios · {cert.fecha:%d/%m/%Y}",
                           anulada=cert.anulada)


# ------------------------------------------------------------------ notificaciones
class CargadorEmitidos(CargadorAjax):
    """Solo documentos emitidos aún sin notificar (al buscar y al leer el id enviado), con el alcance de la unidad."""

    def get_query(self):
        return super().get_query().filter(DocumentoEmitido.estado == EstadoDocumento.emitido)


class CargadorResoluciones(CargadorAjax):
    """Resoluciones aprobadas o publicadas aún sin notificar (rigen desde su notificación, LPAG art. 16); las
    notifica quien ve todas (Mesa de Partes, Secretaría General), no una unidad (sus diligencias no serían suyas)."""

    def get_query(self):
        if current_user.alcance_unidad:
            return super().get_query().filter(sa.false())
        return super().get_query().filter(NormaMunicipal.por_notificar)


class NotificacionView(VistaSegura):
    """Diligencias de notificación (una por visita o depósito), con su cargo imprimible."""

    permisos_por_defecto = {"mesa_partes": "vc", "secretaria_general": "vc", "unidad": "vc"}
    acciones_endpoint = {"cargo": "ver"}
    column_list = ("documento", "norma", "modalidad", "resultado", "fecha_hora", "receptor_nombre",
                   "receptor_relacion", "notificador")
    column_select_related_list = (Notificacion.documento, Notificacion.norma)
    column_searchable_list = ("receptor_nombre", "notificador")
    column_filters = (
        FilterEqual(Notificacion.modalidad, "Modalidad", options=opciones_enum(ModalidadNotificacion)),
        FilterEqual(Notificacion.resultado, "Resultado", options=opciones_enum(ResultadoNotificacion)),
        FiltroMomentoEntreFechas(Notificacion.fecha_hora, "Fecha"),
    )
    column_default_sort = ("id", True)
    column_labels = {
        "documento": "Documento", "norma": "Resolución", "fecha_hora": "Fecha y hora", "direccion": "Domicilio",
        "receptor_nombre": "Recibió", "receptor_documento": "DNI de quien recibe",
        "receptor_relacion": "Relación con el administrado",
        "descripcion_inmueble": "Características del lugar", "fecha_segunda_visita": "Segunda visita (aviso)",
        "medio_publicacion": "Medio y fecha de la publicación", "documento.codigo": "Documento",
    }
    form_columns = ("documento", "norma", "modalidad", "resultado", "fecha_hora", "direccion", "receptor_nombre",
                    "receptor_documento", "receptor_relacion", "descripcion_inmueble", "fecha_segunda_visita",
                    "medio_publicacion", "notificador", "observaciones")
    form_overrides = {"descripcion_inmueble": TextAreaField, "observaciones": TextAreaField}
    form_args = {
        "documento": {"description": "El documento emitido que se notifica (o, abajo, la resolución)."},
        "norma": {"label": "Resolución", "description": "Una resolución de alcaldía o de concejo: rige desde su "
                                                       "notificación (LPAG art. 16)."},
        "receptor_nombre": {"label": "Nombre de quien recibe"},
        "receptor_relacion": {"description": "Si no es el administrado: familiar, trabajador… (art. 21.4)."},
        "descripcion_inmueble": {"description": "Si se negó a recibir o firmar, o en la segunda visita sin nadie: "
                                                "fachada, color, pisos, puerta, suministro (arts. 21.3 y 21.5)."},
        "fecha_segunda_visita": {"description": "Si no había nadie: la fecha anunciada en el aviso (art. 21.5)."},
    }
    form_ajax_refs = {"documento": CargadorEmitidos("documento", DocumentoEmitido, ["codigo", "asunto"],
                                                    vista="documento_emitido"),
                      "norma": CargadorResoluciones("norma", NormaMunicipal, ["codigo", "sumilla"],
                                                    vista="norma_municipal")}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-print", ".cargo", title="Cargo de notificación")]
    bloqueadas = ("editar", "eliminar")  # el acta de la diligencia no se reescribe

    def create_form(self, obj=None):
        form = super().create_form(obj)
        for campo in ("documento", "norma"):  # preseleccionado desde la lista («Registrar diligencia»)
            pk = entero_id(request.args.get(campo))
            if request.method == "GET" and pk and campo in form:
                form[campo].data = form[campo].loader.get_one(pk)
        return form

    def validar(self, form):
        if (form.documento.data is None) == (form.norma.data is None):
            return error_en(form, "documento", "Elija el documento emitido o la resolución que se notifica "
                                               "(uno de los dos).")
        return True

    def on_model_change(self, form, model, is_created):
        if model.modalidad == ModalidadNotificacion.casilla_electronica:
            try:  # se deposita ahora en la casilla del administrado (su consentimiento, el PDF, la constancia)
                casilla.depositar(model.acto, notificacion=model, usuario=current_user)
            except ErrorDeRegla as e:
                error_en(form, getattr(e, "campo", None) or "modalidad", str(e))
                raise
            return
        error = notif.error_de_diligencia(model)
        if error:
            if error[0] in form:
                error_en(form, error[0], error[1])
            raise ErrorDeRegla(error[1])
        notif.registrar_diligencia(model)

    def after_model_change(self, form, model, is_created):
        acto = model.acto
        aviso = "" if not model.efectiva else (
            f" Notificado el {acto.fecha_notificacion:%d/%m/%Y}; el plazo del recurso vence el "
            f"{notif.vence_recurso(acto.fecha_notificacion):%d/%m/%Y}.")
        if getattr(model, "deposito", None) is not None:
            aviso += f" Depositado en la casilla electrónica: constancia {model.deposito.codigo}."
        flash(Markup('{}: diligencia registrada.{} <a href="{}" target="_blank">Imprimir el cargo</a>.').format(
            acto.codigo, aviso, url_for(".cargo", id=model.id)), "success")

    @expose("/cargo/")
    def cargo(self):
        """Cargo de notificación imprimible, con el QR de verificación del documento notificado."""
        n = self.get_one(request.args.get("id"))
        acto = n.acto
        # el documento emitido se verifica en /verificar; la resolución, en las normas vigentes del portal
        url = url_verificacion(acto.codigo_verificacion) if n.documento else url_publica("publico.normas")
        datos = {"codigo": acto.codigo, "fecha": notif.fecha_del_acto(acto),
                 "asunto": acto.sumilla if n.norma else acto.asunto,
                 "destinatario": None if n.norma else acto.destinatario}
        return hoja_con_qr(self, "fedatario/cargo_notificacion.html", n, url, "cargo de notificación", n=n,
                           doc=datos, limite=notif.limite_notificacion(acto),
                           vence=notif.vence_recurso(notif.fecha_efecto(n)) if n.efectiva else None,
                           efecto=notif.fecha_efecto(n) if n.efectiva else None, deposito=getattr(n, "deposito", None))


class FiltroSituacion(FilterEqual):
    def apply(self, query, value, alias=None):
        return query.filter(notif.condicion_situacion(value))


class FiltroPlazoVencido(BooleanEqualFilter):
    def apply(self, query, value, alias=None):
        cond = notif.condicion_plazo_vencido()
        return query.filter(cond if value in (True, "1") else ~cond)


SITUACION_CLASE = {"por_notificar": "warning", "devuelta": "danger", "notificada": "info", "firme": "success"}


def _situacion(view, context, doc, name):
    valor = notif.situacion(doc)
    if valor is None:
        return ""
    etiqueta = insignia(notif.SITUACIONES[valor], SITUACION_CLASE[valor])
    if notif.notificacion_tardia(doc):
        etiqueta += Markup(" ") + insignia("Fuera de plazo (art. 24)", "danger")
    return etiqueta


def _plazos(view, context, doc, name):
    if doc.estado == EstadoDocumento.emitido:
        return f"Notificar hasta el {notif.limite_notificacion(doc):%d/%m/%Y}"
    return (f"Recurso hasta el {notif.vence_recurso(doc.fecha_notificacion):%d/%m/%Y}; firme desde el "
            f"{notif.firme_desde(doc.fecha_notificacion):%d/%m/%Y}")


class SituacionNotificacionView(VistaSegura):
    """Por unidad: documentos emitidos por notificar, devueltos, notificados (corre el recurso) y firmes."""

    permisos_por_defecto = {"mesa_partes": "v", "secretaria_general": "v", "unidad": "v"}
    acciones_endpoint = {"impreso": "ver"}
    column_list = ("codigo", "fecha", "unidad", "destinatario", "situacion", "plazos", "fecha_notificacion")
    column_export_list = ("codigo", "fecha", "unidad", "destinatario", "estado", "fecha_notificacion")
    column_select_related_list = (DocumentoEmitido.unidad,)
    column_searchable_list = ("codigo", "asunto", "destinatario")
    column_filters = (
        FiltroSituacion(DocumentoEmitido.estado, "Situación", options=list(notif.SITUACIONES.items())),
        FiltroPlazoVencido(DocumentoEmitido.fecha, "Plazo de notificación vencido"),
        FiltroSigla(DocumentoEmitido.unidad_id, "Unidad"),
        DateBetweenFilter(DocumentoEmitido.fecha, "Fecha"),
    )
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Documento", "situacion": "Situación", "plazos": "Plazos",
                     "fecha_notificacion": "Notificado el", "estado": "Estado"}
    column_formatters = {"situacion": _situacion, "plazos": _plazos}
    column_details_list = ("codigo", "fecha", "unidad", "tipo_documento", "asunto", "destinatario", "firmado_por",
                           "estado", "situacion", "plazos", "fecha_notificacion", "notificaciones")
    column_formatters_detail = {"situacion": _situacion, "plazos": _plazos}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-envelope-o", "notificacion.create_view", title="Registrar diligencia",
                              id_arg="documento"),
        EndpointLinkRowAction("fa fa-qrcode", ".impreso", title="Hoja con el QR de verificación")]
    bloqueadas = SOLO_LECTURA

    def get_query(self):  # las diligencias de cada fila (situación «devuelta») en una consulta, no una por fila
        return super().get_query().filter(notif.condicion_en_la_lista()).options(
            sa.orm.selectinload(DocumentoEmitido.notificaciones), sa.orm.joinedload(DocumentoEmitido.tipo_documento))

    def get_count_query(self):
        return super().get_count_query().filter(notif.condicion_en_la_lista())

    @expose("/impreso/")
    def impreso(self):
        """Hoja de verificación del documento (para el impreso o el PDF): número, fecha, emisor y QR."""
        doc = self.get_one(request.args.get("id"))
        return hoja_con_qr(self, "fedatario/hoja_verificacion.html", doc, url_verificacion(doc.codigo_verificacion),
                           "hoja de verificación", doc=doc)


# ------------------------------------------------------------------ tablero (admin_views/inicio.py)
def tarjetas_tablero(admin) -> dict[str, list[dict]]:
    """{sección: tarjetas}: alertas del fedatario (originales cuya devolución venció) y de las notificaciones de
    la unidad (por notificar, fuera de plazo, devueltas), con el enlace al listado filtrado; solo lo que el rol
    ve."""
    from admin_views.base import filtro_alcance, puede

    vistas = {v.endpoint: v for v in admin._views}
    secciones: dict[str, list[dict]] = {}
    if puede("certificacion", "ver"):
        vencidas = db.session.scalar(sa.select(sa.func.count()).select_from(Certificacion)
                                     .where(Certificacion.devolucion_vencida))
        secciones["Fedatario"] = [{"titulo": "Originales por devolver (plazo vencido)", "valor": vencidas,
                         "icono": "fa-exclamation-triangle", "url": vistas["certificacion"].url_filtrada(
                             ("Devolución de originales vencida", "equals", "1"))}]
    if puede("notificacion_documento", "ver"):
        tarjetas = secciones["Notificaciones"] = []
        vista, alcance = vistas["notificacion_documento"], filtro_alcance(DocumentoEmitido)
        consultas = [("Por notificar", notif.condicion_situacion("por_notificar"),
                      [("Situación", "equals", "por_notificar")], "fa-paper-plane"),
                     ("Fuera del plazo de notificación (art. 24)", notif.condicion_plazo_vencido(),
                      [("Plazo de notificación vencido", "equals", "1")], "fa-exclamation-triangle"),
                     ("Notificaciones devueltas", notif.condicion_situacion("devuelta"),
                      [("Situación", "equals", "devuelta")], "fa-undo")]
        for titulo, cond, filtros, icono in consultas:
            q = sa.select(sa.func.count()).select_from(DocumentoEmitido).where(cond)
            if alcance is not None:
                q = q.where(alcance)
            tarjetas.append({"titulo": titulo, "valor": db.session.scalar(q), "icono": icono,
                             "url": vista.url_filtrada(*filtros)})
    return secciones
