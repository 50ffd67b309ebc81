"""Seguridad y organización: unidades, usuarios, roles con su matriz de permisos, auditoría."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.model.template import EndpointLinkRowAction
from wtforms import PasswordField
from wtforms.validators import Optional, Regexp

from admin_views.base import ACCIONES_MATRIZ, SOLO_LECTURA, PaginaSegura, VistaSegura
from admin_views.castellano import nombre_entidad, tabla_cambios
from models import Adjunto, Derivacion, Expediente, Permiso, RegistroAuditoria, Usuario, db
from services.seguridad import desbloquear, error_clave


class UnidadOrganicaView(VistaSegura):
    permisos_por_defecto = {"admin": "vced", "secretaria_general": "v", "mesa_partes": "v", "unidad": "v",
                            "archivo": "v", "transparencia": "v"}
    column_list = ("sigla", "nombre", "tipo", "padre", "responsable", "activa")
    column_searchable_list = ("sigla", "nombre", "responsable")
    column_filters = ("tipo", "activa", "padre.sigla")
    column_default_sort = "sigla"
    column_labels = {"padre": "Depende de", "padre.sigla": "Depende de (sigla)", "tipo": "Tipo de órgano"}
    form_columns = ("nombre", "sigla", "tipo", "padre", "responsable", "activa")
    column_details_exclude_list = ("hijas",)


class UsuarioView(VistaSegura):
    permisos_por_defecto = {"admin": "vced"}
    column_list = ("username", "nombre", "rol", "unidad", "activo", "bloqueado_hasta", "ultimo_acceso")
    column_searchable_list = ("username", "nombre", "email")
    column_filters = ("activo", "rol.nombre", "unidad.sigla")
    column_default_sort = "username"
    column_labels = {"username": "Usuario", "rol": "Rol", "unidad": "Unidad orgánica",
                     "bloqueado_hasta": "Un origen bloqueado hasta", "ultimo_acceso": "Último acceso",
                     "rol.nombre": "Rol", "unidad.sigla": "Unidad (sigla)",
                     "debe_cambiar_clave": "Debe cambiar la contraseña", "clave": "Contraseña",
                     "cargo": "Cargo", "dni": "DNI"}
    column_details_exclude_list = ("password_hash",)
    form_columns = ("username", "nombre", "email", "cargo", "dni", "rol", "unidad", "activo", "debe_cambiar_clave",
                    "clave")
    # quien firma documentos (Expedir): el sello dice su cargo y su DNI se compara con el de su certificado
    form_args = {"cargo": {"description": "Va en el sello de su firma digital (p. ej. «Gerente de Obras»)."},
                 "dni": {"validators": [Optional(), Regexp(r"^\d{8}$", message="El DNI tiene 8 dígitos.")],
                         "description": "Se compara con el DNI de su certificado digital al firmar."}}
    form_extra_fields = {"clave": PasswordField("Contraseña", validators=[Optional()],
        description="Déjela vacía para no cambiarla. Al menos 10 caracteres; ni el usuario ni una común.")}
    acciones_permiso = {"desbloquear": "editar"}  # se suma a «delete» → «eliminar» de VistaSegura

    def on_model_change(self, form, model, is_created):
        model.username = (model.username or "").strip().lower()
        if form.clave.data:
            model.set_password(form.clave.data)
            if not is_created:
                model.cerrar_sesiones()  # la contraseña cambió: las sesiones abiertas de ese usuario terminan

    def validate_form(self, form):
        ok = super().validate_form(form)
        if ok and request.method == "POST" and "clave" in form and not form.clave.data \
                and request.endpoint.endswith("create_view"):
            form.clave.errors = ["Indique una contraseña para el usuario nuevo."]
            return False
        if ok and "clave" in form and form.clave.data:
            error = error_clave(form.clave.data, form.username.data if "username" in form else None)
            if error:
                form.clave.errors = [error]
                return False
        return ok

    @action("desbloquear", "Desbloquear", "¿Desbloquear los usuarios seleccionados?")
    def action_desbloquear(self, ids):
        for u in self.get_query().filter(Usuario.id.in_([int(i) for i in ids])):
            u.bloqueado_hasta = None
            u.intentos_fallidos = 0
            desbloquear(u.username)
        db.session.commit()
        flash("Usuarios desbloqueados.", "success")


class RolView(VistaSegura):
    permisos_por_defecto = {"admin": "vced"}
    column_list = ("codigo", "nombre", "alcance")
    column_searchable_list = ("codigo", "nombre")
    column_labels = {"codigo": "Código", "alcance": "Alcance de los datos"}
    form_columns = ("codigo", "nombre", "alcance")
    column_details_exclude_list = ("permisos",)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-key", ".matriz", title="Matriz de permisos")]

    def vistas_con_permisos(self):
        return [v for v in self.admin._views if isinstance(v, VistaSegura | PaginaSegura)]

    @expose("/matriz/", methods=("GET", "POST"))
    def matriz(self):
        rol = self.get_one(request.args.get("id"))
        vistas = self.vistas_con_permisos()
        if request.method == "POST":  # VistaSegura ya exige «editar» para un POST
            marcados = {tuple(v.split("|", 1)) for v in request.form.getlist("permiso")}
            validos = {(v.endpoint, a) for v in vistas for a in ACCIONES_MATRIZ if v.ofrece(a)}
            marcados &= validos
            actuales = {(p.vista, p.accion.value): p for p in rol.permisos}
            for clave in actuales.keys() - marcados:
                db.session.delete(actuales[clave])
            for vista, accion in marcados - actuales.keys():
                db.session.add(Permiso(rol=rol, vista=vista, accion=accion))
            db.session.commit()
            flash(f"Permisos del rol «{rol.nombre}» guardados.", "success")
            return redirect(url_for(".matriz", id=rol.id))
        actuales = set(db.session.execute(
            sa.select(Permiso.vista, Permiso.accion).where(Permiso.rol_id == rol.id)).all())
        actuales = {(v, a.value) for v, a in actuales}
        return self.render("admin/seguridad/matriz.html", rol=rol, vistas=vistas, acciones=ACCIONES_MATRIZ,
                           actuales=actuales, editable=self.puede("editar"))


class PermisoView(VistaSegura):
    permisos_por_defecto = {"admin": "vced"}
    column_list = ("rol", "vista", "accion")
    column_filters = ("rol.codigo", "vista", "accion")
    column_searchable_list = ("vista",)
    column_labels = {"accion": "Acción", "rol.codigo": "Rol (código)"}
    form_columns = ("rol", "vista", "accion")


class FiltroExpediente(FilterEqual):
    """Todo lo ocurrido a un expediente por su código: el expediente, sus derivaciones y sus adjuntos."""

    def apply(self, query, value, alias=None):
        exp = sa.select(Expediente.id).where(Expediente.codigo == value.strip().upper()).scalar_subquery()
        r = RegistroAuditoria
        return query.filter(sa.or_(
            sa.and_(r.entidad == "expediente", r.entidad_id == exp),
            sa.and_(r.entidad == "derivacion", r.entidad_id.in_(sa.select(Derivacion.id).where(
                Derivacion.expediente_id == exp))),
            sa.and_(r.entidad == "adjunto", r.entidad_id.in_(sa.select(Adjunto.id).where(
                Adjunto.expediente_id == exp)))))


class RegistroAuditoriaView(VistaSegura):
    permisos_por_defecto = {"admin": "v", "secretaria_general": "v"}
    bloqueadas = SOLO_LECTURA
    column_list = ("momento", "usuario", "accion", "entidad", "entidad_id", "ip", "detalle")
    column_filters = ("momento", "accion", "entidad", "entidad_id", "usuario.username",
                      FiltroExpediente(RegistroAuditoria.entidad_id, "Expediente (código)"))
    column_searchable_list = ("entidad", "detalle")
    column_default_sort = ("momento", True)
    column_labels = {"accion": "Acción", "entidad_id": "N.º de registro", "ip": "IP", "usuario.username": "Usuario",
                     "cambios": "Cambios (antes → después)", "entidad": "Qué"}
    column_formatters = {"entidad": lambda v, c, r, n: nombre_entidad(r.entidad)}
    column_formatters_detail = {"entidad": lambda v, c, r, n: nombre_entidad(r.entidad),
                                "cambios": lambda v, c, r, n: tabla_cambios(r.entidad, r.cambios)}
    column_details_list = ("momento", "usuario", "accion", "entidad", "entidad_id", "ip", "detalle", "cambios")
    column_export_list = ("momento", "usuario", "accion", "entidad", "entidad_id", "ip", "detalle", "cambios")
    sql_exportacion = {"cambios": sa.cast(
        sa.literal_column("registro_auditoria.cambios"), sa.String)}
