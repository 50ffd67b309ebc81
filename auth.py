"""Ingreso, salida y cambio de clave (con bloqueo tras intentos fallidos)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from models import Usuario, ahora, db
from services.auditoria import registrar

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Usuario", validators=[DataRequired("Ingrese su usuario.")])
    password = PasswordField("Contraseña", validators=[DataRequired("Ingrese su contraseña.")])


class CambioClaveForm(FlaskForm):
    actual = PasswordField("Contraseña actual", validators=[DataRequired("Ingrese su contraseña actual.")])
    nueva = PasswordField("Contraseña nueva", validators=[
        DataRequired("Ingrese la contraseña nueva."),
        Length(min=8, message="La contraseña debe tener al menos 8 caracteres.")])
    repetir = PasswordField("Repita la contraseña nueva", validators=[
        DataRequired("Repita la contraseña nueva."), EqualTo("nueva", "Las contraseñas no coinciden.")])


def _destino_seguro(url: str | None) -> str:
    if url and url.startswith("/") and not url.startswith(("//", "/\\")) and url.isprintable():
        return url  # sin saltos de línea ni caracteres de control (irían a la cabecera Location)
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        nombre = form.username.data.strip().lower()
        usuario = db.session.scalar(sa.select(Usuario).where(Usuario.username == nombre))
        momento = ahora()
        if usuario and usuario.bloqueado(momento):
            registrar("login_fallido", "usuario", usuario.id, "cuenta bloqueada", usuario_id=usuario.id)
            db.session.commit()
            minutos = max(1, int((usuario.bloqueado_hasta - momento).total_seconds() // 60) + 1)
            form.username.errors.append(
                f"La cuenta está bloqueada por intentos fallidos. Intente de nuevo en {minutos} min.")
        elif usuario and usuario.activo and usuario.check_password(form.password.data):
            usuario.intentos_fallidos = 0
            usuario.bloqueado_hasta = None
            usuario.ultimo_acceso = momento
            login_user(usuario)
            registrar("login", "usuario", usuario.id)
            db.session.commit()
            if usuario.debe_cambiar_clave:
                flash("Debe cambiar su contraseña antes de continuar.", "warning")
                return redirect(url_for("auth.cambiar_clave"))
            return redirect(_destino_seguro(request.args.get("next")))
        else:
            if usuario:
                usuario.intentos_fallidos += 1
                if usuario.intentos_fallidos >= current_app.config["MAX_INTENTOS_LOGIN"]:
                    usuario.bloqueado_hasta = momento + timedelta(minutes=current_app.config["MINUTOS_BLOQUEO"])
                    usuario.intentos_fallidos = 0
            registrar("login_fallido", "usuario", usuario.id if usuario else None,
                      f"usuario: {nombre[:60]}", usuario_id=usuario.id if usuario else None)
            db.session.commit()
            form.password.errors.append("Usuario o contraseña incorrectos.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    registrar("logout", "usuario", current_user.id)
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
            db.session.commit()
            flash("Contraseña actualizada.", "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/cambiar_clave.html", form=form)
