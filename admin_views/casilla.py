"""Casilla electrónica, el lado del personal (issue 27): las cuentas de los ciudadanos (crear en el mostrador, validar
la identidad, bloquear, desbloquear, ver la autorización y su historia) y los depósitos con su primera lectura.
Pantallas declarativas; las reglas están en services/casilla.py y en models.py (un depósito no se modifica ni se
borra). Las cuentas no son de una unidad y un depósito es de la unidad que notificó (`filtro_unidad` de cada modelo).
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, DateBetweenFilter, FilterEqual
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from markupsafe import Markup
from wtforms import BooleanField

from admin_views.base import (
    SOLO_LECTURA,
    CargadorAjax,
    FiltroMomentoEntreFechas,
    VistaSegura,
    momento,
    opciones_enum,
    puede,
)
from admin_views.castellano import contar
from admin_views.formatos import insignia
from models import (
    ConsentimientoCasilla,
    CuentaCasilla,
    DepositoCasilla,
    OrigenCuentaCasilla,
    Persona,
    Usuario,
    db,
)
from services import casilla
from services.auditoria import registrar
from services.calendario import feriados


# ------------------------------------------------------------------ filtros
class FiltroNulo(BooleanEqualFilter):
    """Sí: la columna tiene valor (correo confirmado, identidad validada, leída…); No: está vacía."""

    def apply(self, query, value, alias=None):
        col = self.get_column(alias)
        return query.filter(col.isnot(None) if value in (True, "1") else col.is_(None))


AUTORIZACION_VIGENTE = sa.exists().where(ConsentimientoCasilla.cuenta_id == CuentaCasilla.id,
                                         ConsentimientoCasilla.revocado_en.is_(None))


class FiltroAutorizacion(BooleanEqualFilter):
    def apply(self, query, value, alias=None):
        return query.filter(AUTORIZACION_VIGENTE if value in (True, "1") else ~AUTORIZACION_VIGENTE)


def _personas_con_documento(valor: str):
    return sa.select(Persona.id).where(Persona.numero_documento == valor.strip().upper())


class FiltroDocumentoCuenta(FilterEqual):
    """N° de documento del titular (DNI, CE o RUC), exacto."""

    def apply(self, query, value, alias=None):
        return query.filter(CuentaCasilla.persona_id.in_(_personas_con_documento(value)))


class FiltroDocumentoDeposito(FilterEqual):
    def apply(self, query, value, alias=None):
        return query.filter(DepositoCasilla.cuenta_id.in_(
            sa.select(CuentaCasilla.id).where(CuentaCasilla.persona_id.in_(_personas_con_documento(value)))))


class FiltroCuenta(FilterEqual):
    """Los depósitos de una casilla (el enlace «Ver sus depósitos» del detalle de la cuenta)."""

    def clean(self, value):
        return int(value)  # un texto que no es número: «Valor no válido para el filtro» (base.error_de_filtro)

    def apply(self, query, value, alias=None):
        return query.filter(DepositoCasilla.cuenta_id == value)


# ------------------------------------------------------------------ cuentas
def _autorizacion(view, context, cuenta, name):
    vigente = cuenta.consentimiento_vigente
    if vigente is None:
        return insignia("Sin autorización: en papel", "warning")
    return f"Desde el {momento(vigente.otorgado_en)}"


def _historia(view, context, cuenta, name):
    """Cada autorización dada y revocada (versión del texto, fecha y hora, IP, quién la registró en el mostrador)."""
    if not cuenta.consentimientos:
        return "Nunca autorizó la notificación por casilla electrónica."
    quienes = dict(db.session.execute(sa.select(Usuario.id, Usuario.nombre).where(
        Usuario.id.in_({c.registrado_por_id for c in cuenta.consentimientos if c.registrado_por_id}))).all())
    filas = Markup("").join(Markup(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
        c.version_texto, momento(c.otorgado_en), c.ip or "",
        f"En el mostrador, por {quienes.get(c.registrado_por_id, '?')}" if c.registrado_por_id else "En línea",
        momento(c.revocado_en) if c.revocado_en else "Vigente", c.ip_revocacion or "")
        for c in cuenta.consentimientos)
    return Markup('<table class="table table-sm mb-0"><thead><tr><th scope="col">Versión del texto</th>'
                  '<th scope="col">Autorizó el</th><th scope="col">IP</th><th scope="col">Cómo</th>'
                  '<th scope="col">Revocada el</th><th scope="col">IP de la revocación</th></tr></thead>'
                  '<tbody>{}</tbody></table>').format(filas)


def _depositos_de_la_cuenta(view, context, cuenta, name):
    total = db.session.scalar(sa.select(sa.func.count()).where(DepositoCasilla.cuenta_id == cuenta.id))
    if not total:
        return "Ninguno"
    sin_leer = db.session.scalar(sa.select(sa.func.count()).where(DepositoCasilla.cuenta_id == cuenta.id,
                                                                  DepositoCasilla.leida_en.is_(None)))
    texto = f"{contar(total, 'depósito', 'depósitos')} ({sin_leer} sin leer)"
    vista = next((v for v in view.admin._views if v.endpoint == "deposito_casilla"), None)
    if vista is None or not puede("deposito_casilla", "ver"):
        return texto
    return Markup('<a href="{}">{}</a>').format(vista.url_filtrada(("Casilla", "equals", str(cuenta.id))), texto)


def _si_no_momento(view, context, cuenta, name):
    valor = getattr(cuenta, name)
    return momento(valor) if valor else insignia("No", "secondary")


class CuentaCasillaView(VistaSegura):
    """Casillas de los ciudadanos: se crean en el mostrador con el documento a la vista; validar la identidad de una
    creada en línea, bloquear, desbloquear y reenviar el enlace de activación son acciones; la autorización (art.
    20.4) se ve con su historia. Editar cambia solo el correo (se confirma con un enlace al nuevo); la contraseña y la
    autorización son del ciudadano."""

    permisos_por_defecto = {"mesa_partes": "vce", "secretaria_general": "vce"}
    bloqueadas = ("eliminar",)  # la cuenta queda (sus depósitos la citan): se bloquea
    acciones_permiso = {"validar": "editar", "bloquear": "editar", "desbloquear": "editar", "reenviar": "editar"}
    column_list = ("persona", "email", "origen", "identidad_validada_en", "email_verificado_en", "autorizacion",
                   "activa", "totp_activo", "ultimo_acceso")
    column_searchable_list = ("email", "persona.numero_documento", "persona.nombres", "persona.apellidos",
                              "persona.razon_social")
    column_filters = (
        FiltroDocumentoCuenta(CuentaCasilla.persona_id, "N° de documento"),
        BooleanEqualFilter(CuentaCasilla.activa, "Activa"),
        FiltroAutorizacion(CuentaCasilla.id, "Autorización vigente"),
        FiltroNulo(CuentaCasilla.identidad_validada_en, "Identidad validada"),
        FiltroNulo(CuentaCasilla.email_verificado_en, "Correo confirmado"),
        FilterEqual(CuentaCasilla.origen, "Origen", options=opciones_enum(OrigenCuentaCasilla)),
        FiltroMomentoEntreFechas(CuentaCasilla.creado_en, "Creada"),
    )
    column_default_sort = ("id", True)
    column_labels = {
        "persona": "Titular", "email": "Correo electrónico", "origen": "Creada",
        "identidad_validada_en": "Identidad validada", "email_verificado_en": "Correo confirmado",
        "autorizacion": "Autorización (art. 20.4)", "activa": "Activa", "totp_activo": "Segundo factor",
        "ultimo_acceso": "Último ingreso", "creado_en": "Creada el", "consentimientos": "Historia de la autorización",
        "depositos": "Depósitos", "consentimiento_papel": "Firmó la autorización (art. 20.4)",
        "persona.numero_documento": "N° de documento", "persona.nombres": "Nombres", "persona.apellidos": "Apellidos",
        "persona.razon_social": "Razón social", "autorizada_desde": "Autorizada desde",
        "persona.tipo_documento": "Tipo de documento",
    }
    column_formatters = {"autorizacion": _autorizacion, "identidad_validada_en": _si_no_momento,
                         "email_verificado_en": _si_no_momento}
    column_details_list = ("persona", "email", "origen", "creado_en", "identidad_validada_en", "email_verificado_en",
                           "activa", "totp_activo", "ultimo_acceso", "autorizacion", "consentimientos", "depositos")
    column_formatters_detail = {"autorizacion": _autorizacion, "consentimientos": _historia,
                                "depositos": _depositos_de_la_cuenta, "identidad_validada_en": _si_no_momento,
                                "email_verificado_en": _si_no_momento}
    column_export_list = ("persona.tipo_documento", "persona.numero_documento", "persona", "email", "origen",
                          "creado_en", "identidad_validada_en", "email_verificado_en", "autorizada_desde", "activa",
                          "totp_activo", "ultimo_acceso")
    sql_exportacion = {"autorizada_desde": sa.select(ConsentimientoCasilla.otorgado_en).where(
        ConsentimientoCasilla.cuenta_id == CuentaCasilla.id, ConsentimientoCasilla.revocado_en.is_(None))
        .limit(1).scalar_subquery()}
    form_columns = ("persona", "email", "consentimiento_papel")
    campos_edicion = ("email",)  # lo demás cambia con las acciones; la contraseña y la autorización, el ciudadano
    form_extra_fields = {"consentimiento_papel": BooleanField(
        "Firmó la autorización (art. 20.4)",
        description="Marque si el ciudadano firmó ante usted la autorización para ser notificado en su casilla. "
                    "Si no, podrá darla él mismo en línea.")}
    form_args = {
        "persona": {"label": "Titular", "description": "Con su documento a la vista (DNI, carné de extranjería o "
                                                      "RUC): la identidad queda validada."},
        "email": {"label": "Correo electrónico", "description": "Le llega un enlace de un solo uso para activar la "
                                                                "casilla (y, si es nueva, elegir su contraseña)."},
    }
    form_ajax_refs = {"persona": CargadorAjax("persona", Persona, ["numero_documento", "nombres", "apellidos",
                                                                   "razon_social"])}

    def get_query(self):  # la autorización de cada fila en una consulta, no una por fila
        return super().get_query().options(sa.orm.selectinload(CuentaCasilla.consentimientos))

    def on_model_change(self, form, model, is_created):
        if is_created:
            casilla.preparar_en_mostrador(model, current_user, bool(form.consentimiento_papel.data),
                                          request.remote_addr)
        elif sa.inspect(model).attrs.email.history.has_changes():
            casilla.cambiar_correo(model)

    def after_model_change(self, form, model, is_created):
        if is_created:
            flash(f"Casilla de {model.persona} creada: el enlace para elegir la contraseña y activarla se envió a "
                  f"{model.email}.", "success")
        elif model.email_verificado_en is None:
            flash(f"Se envió a {model.email} el enlace para confirmar el correo nuevo: hasta entonces la casilla no "
                  "ingresa ni recibe depósitos.", "success")

    @action("validar", "Validar identidad (documento a la vista)",
            "¿Vio el documento de identidad de los titulares seleccionados?")
    def action_validar(self, ids):
        return self.en_lote(ids, lambda c: casilla.validar_identidad(c, current_user),
                            lambda n: f"Identidad validada: {contar(n, 'casilla', 'casillas')}. Ya ven y reciben lo "
                                      "de todos sus trámites.")

    @action("bloquear", "Bloquear", "¿Bloquear las casillas seleccionadas? No podrán ingresar ni recibir "
                                    "depósitos: se les notificará en papel.")
    def action_bloquear(self, ids):
        return self.en_lote(ids, casilla.bloquear,
                            lambda n: f"{contar(n, 'casilla bloqueada', 'casillas bloqueadas')}: se notifica en "
                                      "papel y sus sesiones se cerraron.")

    @action("desbloquear", "Desbloquear", "¿Desbloquear las casillas seleccionadas?")
    def action_desbloquear(self, ids):
        return self.en_lote(ids, casilla.desbloquear,
                            lambda n: f"{contar(n, 'casilla desbloqueada', 'casillas desbloqueadas')}.")

    @action("reenviar", "Reenviar el enlace de activación", "¿Enviar un enlace de activación nuevo al correo de las "
                                                           "casillas seleccionadas?")
    def action_reenviar(self, ids):
        return self.en_lote(ids, casilla.reenviar_activacion,
                            lambda n: f"Enlace de activación enviado: {contar(n, 'casilla', 'casillas')}.")


# ------------------------------------------------------------------ depósitos
def _titular(view, context, dep, name):
    return str(dep.cuenta.persona)


def _lectura(view, context, dep, name):
    if dep.leida_en is None:
        return insignia("Sin leer", "warning")
    return f"Leída el {momento(dep.leida_en)}"


def _alerta(view, context, dep, name):
    if dep.alerta_enviada_en:
        return f"Enviada el {momento(dep.alerta_enviada_en)}"
    return insignia(f"No salió: {dep.alerta_error}", "danger") if dep.alerta_error else "Pendiente"


def _plazo(view, context, dep, name):
    vence, firme = casilla.plazos(dep, feriados())  # los feriados, en caché: una lectura por página
    recurso = "apelación" if dep.solicitud_id else "recurso"
    return f"{recurso.capitalize()} hasta el {vence:%d/%m/%Y}; firme desde el {firme:%d/%m/%Y}"


def _acto(view, context, dep, name):
    """El acto notificado y, si es una diligencia, el enlace a su cargo (el mismo de la notificación en papel)."""
    if dep.notificacion_id is None:
        return f"{dep.acto_codigo} (respuesta a la solicitud de acceso)"
    if not puede("notificacion", "ver"):
        return dep.acto_codigo
    return Markup('{} · <a href="{}">Cargo de notificación</a>').format(
        dep.acto_codigo, url_for("notificacion.cargo", id=dep.notificacion_id))


def _depositado_por(view, context, dep, name):
    if dep.depositado_por_id is None:
        return "El sistema"
    return db.session.scalar(sa.select(Usuario.nombre).where(Usuario.id == dep.depositado_por_id)) or ""


class DepositoCasillaView(VistaSegura):
    """Lo depositado en las casillas, con su constancia (número, fecha y hora, SHA-256), su efecto y su plazo, y la
    primera lectura del titular («leída el …», que no cambia el efecto); el PDF tal como se depositó."""

    permisos_por_defecto = {"mesa_partes": "v", "secretaria_general": "v"}
    bloqueadas = SOLO_LECTURA  # la constancia no cambia ni se borra
    acciones_endpoint = {"pdf": "ver"}
    column_list = ("codigo", "fecha_hora", "titular", "acto_codigo", "asunto", "fecha_efecto", "plazo", "lectura",
                   "alerta")
    column_searchable_list = ("codigo", "acto_codigo", "asunto", "pdf_sha256")
    column_filters = (
        FiltroDocumentoDeposito(DepositoCasilla.cuenta_id, "N° de documento del titular"),
        FiltroNulo(DepositoCasilla.leida_en, "Leída"),
        FiltroMomentoEntreFechas(DepositoCasilla.fecha_hora, "Depositada"),
        DateBetweenFilter(DepositoCasilla.fecha_efecto, "Surte efecto"),
        FiltroMomentoEntreFechas(DepositoCasilla.leida_en, "Leída el"),
        FiltroNulo(DepositoCasilla.alerta_error, "Aviso por correo fallido"),
        FilterEqual(DepositoCasilla.anio, "Año"),
        FiltroCuenta(DepositoCasilla.cuenta_id, "Casilla"),
    )
    column_default_sort = ("id", True)
    column_labels = {
        "codigo": "Constancia", "fecha_hora": "Depositada", "titular": "Titular", "acto_codigo": "Acto notificado",
        "asunto": "Asunto", "fecha_efecto": "Surte efecto", "plazo": "Plazos", "lectura": "Lectura",
        "alerta": "Aviso por correo", "pdf_nombre": "PDF depositado", "pdf_sha256": "SHA-256 del PDF",
        "pdf_tamano": "Tamaño (bytes)", "depositado_por": "Depositó", "cuenta": "Casilla",
        "leida_en": "Leída el", "alerta_enviada_en": "Aviso enviado el", "alerta_error": "Aviso: error",
        "cuenta.persona.tipo_documento": "Tipo de documento", "cuenta.persona.numero_documento": "N° de documento",
        "cuenta.persona": "Titular", "cuenta.email": "Correo del titular",
    }
    column_formatters = {"titular": _titular, "lectura": _lectura, "alerta": _alerta, "plazo": _plazo,
                         "asunto": lambda v, c, d, n: d.asunto[:80]}
    column_details_list = ("codigo", "fecha_hora", "fecha_efecto", "plazo", "lectura", "titular", "acto_codigo",
                           "asunto", "pdf_nombre", "pdf_tamano", "pdf_sha256", "alerta", "depositado_por")
    column_formatters_detail = {"titular": _titular, "lectura": _lectura, "alerta": _alerta, "plazo": _plazo,
                                "acto_codigo": _acto, "depositado_por": _depositado_por}
    column_export_list = ("codigo", "fecha_hora", "cuenta.persona.tipo_documento", "cuenta.persona.numero_documento",
                          "cuenta.persona", "cuenta.email", "acto_codigo", "asunto", "fecha_efecto", "leida_en",
                          "alerta_enviada_en", "alerta_error", "pdf_sha256")
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-file-pdf-o", ".pdf", title="PDF depositado")]

    def get_query(self):  # el titular de cada fila en la misma consulta
        return super().get_query().options(sa.orm.joinedload(DepositoCasilla.cuenta))

    @expose("/pdf/")
    def pdf(self):
        """El PDF tal como se depositó (solo si conserva el SHA-256 de su constancia); queda en la auditoría. Abrirlo
        el personal no es la lectura del titular."""
        dep = self.get_one(request.args.get("id"))
        datos = casilla.leer_pdf(dep)
        if datos is None:
            flash(f"El PDF de {dep.codigo} falta o no conserva la huella (SHA-256) de su constancia: avise al "
                  "administrador del sistema.", "error")
            return redirect(url_for(".details_view", id=dep.id))
        registrar("imprimir", "deposito_casilla", dep.id, f"{dep.codigo}: PDF depositado abierto por el personal")
        db.session.commit()
        return send_file(io.BytesIO(datos), mimetype="application/pdf", download_name=dep.pdf_nombre,
                         as_attachment=False)
