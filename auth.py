"""Ingreso, salida y cambio de clave.

Intentos fallidos: se bloquea el par usuario + IP (services/seguridad.py), no la cuenta de todos; un usuario
inexistente recibe la misma respuesta y el mismo costo (hash ficticio). Salir o cambiar la contraseña cierra
todas las sesiones del usuario (`Usuario.version_sesion`); con `debe_cambiar_clave` solo se puede cambiarla.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from models import Usuario, ahora, db, normalizar_identificador
from services import seguridad
from services.auditoria import registrar

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Usuario", validators=[DataRequired("Ingrese su usuario.")])
    password = PasswordField("Contraseña", validators=[DataRequired("Ingrese su contraseña.")])


class CambioClaveForm(FlaskForm):
    actual = PasswordField("Contraseña actual", validators=[DataRequired("Ingrese su contraseña actual.")])
    nueva = PasswordField("Contraseña nueva", validators=[DataRequired("Ingrese la contraseña nueva.")],
                          description=f"Al menos {seguridad.LARGO_MINIMO_CLAVE} caracteres; no use su usuario "
                                      "ni una contraseña común.")
    repetir = PasswordField("Repita la contraseña nueva", validators=[
        DataRequired("Repita la contraseña nueva."), EqualTo("nueva", "Las contraseñas no coinciden.")])

    def validate_nueva(self, field):
        error = seguridad.error_clave(field.data, current_user.username)
        if error:
            raise ValidationError(error)


def _ip() -> str:
    return request.remote_addr or "desconocida"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        nombre = normalizar_identificador(form.username.data).lower()[:60]  # «ａｄｍｉｎ» es «admin»
        hasta = seguridad.bloqueo_vigente(nombre, _ip())
        if hasta is not None:
            uid = db.session.scalar(sa.select(Usuario.id).where(Usuario.username == nombre))
            registrar("login_fallido", "usuario", uid, f"usuario: {nombre}; origen bloqueado", usuario_id=uid)
            db.session.commit()
            minutos = max(1, int((hasta - ahora()).total_seconds() // 60) + 1)
            form.password.errors.append("Demasiados intentos fallidos desde este equipo. "
                                        f"Intente de nuevo en {minutos} min.")
            return render_template("auth/login.html", form=form)
        usuario = db.session.scalar(sa.select(Usuario).where(Usuario.username == nombre))
        correcta = seguridad.comprobar_clave(usuario.password_hash if usuario else None, form.password.data)
        if usuario and usuario.activo and correcta:
            seguridad.limpiar_intentos(nombre, _ip())
            usuario.intentos_fallidos = 0
            usuario.ultimo_acceso = ahora()
            login_user(usuario)
            registrar("login", "usuario", usuario.id)
            db.session.commit()
            if usuario.debe_cambiar_clave:
                flash("Debe cambiar su contraseña antes de continuar.", "warning")
                return redirect(url_for("auth.cambiar_clave"))
            pendiente = _formulario_por_reenviar()
            if pendiente is not None:  # venía de «El formulario caducó»: lo escrito, para enviarlo de nuevo
                return render_template("formulario_caducado.html", datos=pendiente[1], destino=pendiente[0],
                                       con_archivos=False, reenviable=True, con_sesion=True, publica=False)
            return redirect(seguridad.destino_seguro(request.args.get("next"), url_for("admin.index")))
        bloqueado_hasta = seguridad.registrar_fallo(nombre, _ip())
        if usuario is not None:
            usuario.intentos_fallidos += 1  # informativo (pantalla Usuarios): no bloquea la cuenta
            if bloqueado_hasta is not None:
                usuario.bloqueado_hasta = bloqueado_hasta
        registrar("login_fallido", "usuario", usuario.id if usuario else None,
                  f"usuario: {nombre}", usuario_id=usuario.id if usuario else None)
        db.session.commit()
        form.password.errors.append("Usuario o contraseña incorrectos.")
    return render_template("auth/login.html", form=form)


def _formulario_por_reenviar() -> tuple[str, list[tuple[str, str]]] | None:
    """(dirección, campos) del formulario que caducó (app.formulario_caducado), si el ingreso vino de allí: una ruta
    de esta aplicación y una lista de pares de texto; si no, None."""
    destino, texto = request.form.get("reenviar_a", ""), request.form.get("reenviar", "")
    if not destino or not texto or not seguridad.es_ruta_local(destino):
        return None
    try:
        datos = json.loads(texto)
    except ValueError:
        return None
    if not isinstance(datos, list) or not all(isinstance(d, list) and len(d) == 2 and all(isinstance(x, str)
                                                                                         for x in d) for d in datos):
        return None
    return destino, [(k, v) for k, v in datos]


@bp.post("/logout")
@login_required
def logout():
    registrar("logout", "usuario", current_user.id)
    current_user.cerrar_sesiones()  # también las de otros navegadores o equipos
    db.session.commit()
    logout_user()
    flash("Sesión cerrada.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/cambiar-clave", methods=["GET", "POST"])
@login_required
def cambiar_clave():
    form = CambioClaveForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.actual.data):
            form.actual.errors.append("La contraseña actual no es correcta.")
        else:
            current_user.set_password(form.nueva.data)
            current_user.debe_cambiar_clave = False
            current_user.cerrar_sesiones()  # las demás sesiones abiertas dejan de valer…
            db.session.commit()
            login_user(current_user._get_current_object())  # …y esta sigue con la versión nueva
            flash("Contraseña actualizada.", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/cambiar_clave.html", form=form)
