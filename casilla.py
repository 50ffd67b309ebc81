"""Casilla electrónica y «Mis trámites»: las páginas del ciudadano (`/casilla/…`). Las reglas están en
services/casilla.py; aquí solo formularios, plantillas y la puerta: toda página de la casilla exige la sesión propia del
ciudadano (cookie `casilla`, no la del personal) salvo las de ingreso, creación y enlaces; lo ajeno responde 404."""

from __future__ import annotations

import io

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from models import Expediente, SolicitudAcceso, db
from services import ErrorDeRegla, seguridad
from services import casilla as servicio

bp = Blueprint("casilla", __name__, url_prefix="/casilla")

# páginas de la casilla a las que se llega sin sesión (las demás, sin sesión → la página de ingreso)
SIN_SESION = {"casilla.ingresar", "casilla.codigo", "casilla.crear", "casilla.verificar", "casilla.olvide",
              "casilla.restablecer"}
# límites por IP (el limitador de las páginas públicas): (endpoint, opción, exento si…)
LIMITES = (("casilla.ingresar", "LIMITE_LOGIN", lambda: request.method != "POST"),
           ("casilla.codigo", "LIMITE_LOGIN", lambda: request.method != "POST"),
           ("casilla.verificar", "LIMITE_LOGIN", lambda: request.method != "POST"),
           ("casilla.restablecer", "LIMITE_LOGIN", lambda: request.method != "POST"),
           ("casilla.crear", "LIMITE_CASILLA_CORREO", lambda: request.method != "POST"),
           ("casilla.olvide", "LIMITE_CASILLA_CORREO", lambda: request.method != "POST"))
DOCUMENTOS = [("DNI", "DNI"), ("CE", "Carné de extranjería"), ("RUC", "RUC")]


def init_app(app) -> None:
    """Registra el blueprint; sus límites usan el limitador de las páginas públicas (publico.init_app, antes)."""
    app.register_blueprint(bp)
    app.jinja_env.globals["casilla_abierta"] = lambda: servicio.cuenta_actual() is not None
    limitador = app.extensions["limitador_publico"]
    for endpoint, clave, exento in LIMITES:
        app.view_functions[endpoint] = limitador.limit(app.config[clave], exempt_when=exento)(
            app.view_functions[endpoint])


@bp.before_request
def exigir_sesion():
    if request.endpoint in SIN_SESION:
        return None
    if servicio.cuenta_actual() is None:
        return redirect(url_for("casilla.ingresar", next=request.full_path if request.args else request.path))
    return None


@bp.after_request
def cabeceras(respuesta):
    servicio.renovar_sesion(respuesta)
    respuesta.headers["Cache-Control"] = "no-store"  # lo del ciudadano no queda en cachés compartidas
    respuesta.headers["X-Robots-Tag"] = "noindex"
    respuesta.headers["Referrer-Policy"] = "no-referrer"  # los enlaces con token no salen hacia otro sitio
    return respuesta


def _cuenta():
    return servicio.cuenta_actual()


def _ip() -> str:
    return (request.remote_addr or "desconocida")[:45]


def _error_en(form, e: ErrorDeRegla, por_defecto: str) -> None:
    campo = getattr(e, "campo", None) or por_defecto
    (form[campo] if campo in form else form[por_defecto]).errors.append(str(e))


def _pagina(nombre: str = "pagina") -> int:
    pagina = request.args.get(nombre, 1, type=int)
    if not 1 <= pagina <= 10_000:
        abort(404)
    return pagina


# ------------------------------------------------------------------ formularios
class FormIngreso(FlaskForm):
    tipo_documento = SelectField("Documento de identidad", choices=DOCUMENTOS)
    numero_documento = StringField("Número de documento", validators=[DataRequired("Ingrese su número."),
                                                                      Length(max=20)])
    clave = PasswordField("Contraseña", validators=[DataRequired("Ingrese su contraseña.")])


class FormCodigo(FlaskForm):
    codigo = StringField("Código de 6 dígitos de su aplicación", validators=[DataRequired("Escriba el código.")])


class FormClaveNueva(FlaskForm):
    clave = PasswordField("Contraseña", validators=[DataRequired("Elija una contraseña.")],
                          description=f"Al menos {seguridad.LARGO_MINIMO_CLAVE} caracteres; no use su número de "
                                      "documento ni una contraseña común.")
    repetir = PasswordField("Repita la contraseña", validators=[DataRequired("Repita la contraseña."),
                                                                EqualTo("clave", "Las contraseñas no coinciden.")])


class FormCrear(FormClaveNueva):
    email = EmailField("Correo electrónico (para los avisos y para activar su casilla)",
                       validators=[DataRequired("Ingrese su correo."), Email("Correo no válido."), Length(max=200)])
    consentir = BooleanField("Autorizo la notificación por casilla electrónica en los términos de arriba")


class FormVerificar(FlaskForm):
    pass


class FormOlvide(FlaskForm):
    tipo_documento = SelectField("Documento de identidad", choices=DOCUMENTOS)
    numero_documento = StringField("Número de documento", validators=[DataRequired("Ingrese su número."),
                                                                      Length(max=20)])


class FormCambioClave(FlaskForm):
    actual = PasswordField("Contraseña actual", validators=[DataRequired("Ingrese su contraseña actual.")])
    nueva = PasswordField("Contraseña nueva", validators=[DataRequired("Ingrese la contraseña nueva.")],
                          description=f"Al menos {seguridad.LARGO_MINIMO_CLAVE} caracteres; no use su número de "
                                      "documento ni una contraseña común.")
    repetir = PasswordField("Repita la contraseña nueva", validators=[
        DataRequired("Repita la contraseña nueva."), EqualTo("nueva", "Las contraseñas no coinciden.")])


class FormActivarTotp(FlaskForm):
    codigo = StringField("Código que muestra la aplicación", validators=[DataRequired("Escriba el código.")])


class FormDesactivarTotp(FlaskForm):
    clave = PasswordField("Contraseña", validators=[DataRequired("Ingrese su contraseña.")])
    codigo = StringField("Código que muestra la aplicación", validators=[DataRequired("Escriba el código.")])


class FormConsentimiento(FlaskForm):
    acepto = BooleanField("He leído el texto y autorizo la notificación por casilla electrónica",
                          validators=[DataRequired("Marque la casilla para dar su autorización.")])


class FormSubsanar(FlaskForm):
    archivo = FileField("Documento que subsana la observación (PDF)",
                        validators=[FileRequired("Adjunte el documento en PDF.")])
    comentario = TextAreaField("Comentario (opcional)", validators=[Optional(), Length(max=1000)])


# ------------------------------------------------------------------ ingreso y salida
@bp.route("/ingresar", methods=["GET", "POST"])
def ingresar():
    if _cuenta() is not None:
        return redirect(url_for("casilla.bandeja"))
    form = FormIngreso()
    if form.validate_on_submit():
        r = servicio.ingresar(form.tipo_documento.data, form.numero_documento.data, form.clave.data, _ip())
        db.session.commit()
        if r.error:
            form.clave.errors.append(r.error)
        else:
            destino = seguridad.destino_seguro(request.args.get("next"), url_for("casilla.bandeja"))
            if r.segundo_factor:
                respuesta = redirect(url_for("casilla.codigo", next=destino))
                servicio.abrir_sesion(respuesta, r.cuenta, pendiente=True)
                return respuesta
            respuesta = redirect(destino)
            servicio.abrir_sesion(respuesta, r.cuenta)
            return respuesta
    return render_template("casilla/ingresar.html", form=form)


@bp.route("/ingresar/codigo", methods=["GET", "POST"])
def codigo():
    cuenta = servicio.cuenta_por_confirmar()
    if cuenta is None:
        return redirect(url_for("casilla.ingresar"))
    form = FormCodigo()
    if form.validate_on_submit():
        error = servicio.segundo_factor(cuenta, form.codigo.data, _ip())
        db.session.commit()
        if error:
            form.codigo.errors.append(error)
        else:
            respuesta = redirect(seguridad.destino_seguro(request.args.get("next"), url_for("casilla.bandeja")))
            servicio.abrir_sesion(respuesta, cuenta)
            return respuesta
    return render_template("casilla/codigo.html", form=form)


@bp.post("/salir")
def salir():
    servicio.salir(_cuenta())
    db.session.commit()
    respuesta = redirect(url_for("casilla.ingresar"))
    servicio.cerrar_sesion(respuesta)
    flash("Sesión cerrada.", "info")
    return respuesta


# ------------------------------------------------------------------ creación, correo y contraseña
def _persona_del_cargo():
    """La persona del ingreso digital recién presentado en esta sesión (su cargo): de ahí se crea la casilla."""
    exp = db.session.get(Expediente, session.get("cargo_digital") or 0)
    if exp is not None and exp.persona is not None:
        return exp.persona, exp.email_contacto
    sol = db.session.get(SolicitudAcceso, session.get("cargo_transparencia") or 0)
    if sol is not None:
        return sol.persona, sol.expediente.email_contacto if sol.expediente else None
    return None, None


@bp.route("/crear", methods=["GET", "POST"])
def crear():
    persona, email = _persona_del_cargo()
    if persona is None:
        return render_template("casilla/mensaje.html", titulo="Crear su casilla electrónica", texto=[
            "La casilla electrónica se crea desde el cargo de un trámite presentado en la mesa de partes digital, o "
            "en el mostrador de Mesa de Partes con su documento de identidad."],
            enlace=(url_for("publico.mesa_digital"), "Ir a la mesa de partes digital"))
    form = FormCrear()
    if request.method == "GET" and email:
        form.email.data = email
    if form.validate_on_submit():
        try:
            servicio.crear_en_linea(persona, form.email.data, form.clave.data, form.consentir.data, _ip())
        except ErrorDeRegla as e:
            db.session.rollback()
            _error_en(form, e, "clave")
        else:
            db.session.commit()
            return render_template("casilla/mensaje.html", titulo="Revise su correo", texto=[
                "Si los datos son correctos, en unos minutos recibirá un correo con un enlace para activar su casilla "
                "electrónica (revise también el correo no deseado). Si su documento ya tenía una casilla, el aviso "
                "llega al correo registrado en ella."], enlace=(url_for("casilla.ingresar"), "Ir al ingreso"))
    return render_template("casilla/crear.html", form=form, persona=persona,
                           texto=servicio.texto_consentimiento())


@bp.route("/verificar/<token>", methods=["GET", "POST"])
def verificar(token: str):
    enlace = servicio.enlace_vigente(token, "verificar")
    if enlace is None:
        return _enlace_invalido()
    con_clave = enlace.cuenta.password_hash is None
    form = FormClaveNueva() if con_clave else FormVerificar()
    if form.validate_on_submit():
        try:
            servicio.confirmar_correo(token, form.clave.data if con_clave else None)
        except ErrorDeRegla as e:
            db.session.rollback()
            if not con_clave:
                return _enlace_invalido()
            _error_en(form, e, "clave")
        else:
            db.session.commit()
            flash("Su casilla está activa: ingrese con su documento y su contraseña.", "success")
            return redirect(url_for("casilla.ingresar"))
    return render_template("casilla/verificar.html", form=form, con_clave=con_clave)


def _enlace_invalido():
    return render_template("casilla/mensaje.html", titulo="Enlace no válido", texto=[servicio.ENLACE_INVALIDO],
                           enlace=(url_for("casilla.olvide"), "Pedir un enlace nuevo")), 404


@bp.route("/olvide", methods=["GET", "POST"])
def olvide():
    form = FormOlvide()
    if form.validate_on_submit():
        servicio.pedir_restablecimiento(form.tipo_documento.data, form.numero_documento.data)
        db.session.commit()
        return render_template("casilla/mensaje.html", titulo="Revise su correo", texto=[
            "Si hay una casilla electrónica con ese documento, enviamos al correo registrado un enlace para elegir "
            "una contraseña nueva. El enlace vale "
            f"{current_app.config['CASILLA_MINUTOS_RESTABLECER']} minutos y una sola vez."],
            enlace=(url_for("casilla.ingresar"), "Volver al ingreso"))
    return render_template("casilla/olvide.html", form=form)


@bp.route("/restablecer/<token>", methods=["GET", "POST"])
def restablecer(token: str):
    if servicio.enlace_vigente(token, "restablecer") is None:
        return _enlace_invalido()
    form = FormClaveNueva()
    if form.validate_on_submit():
        try:
            servicio.restablecer(token, form.clave.data)
        except ErrorDeRegla as e:
            db.session.rollback()
            _error_en(form, e, "clave")
        else:
            db.session.commit()
            flash("Contraseña actualizada: ingrese con la nueva.", "success")
            return redirect(url_for("casilla.ingresar"))
    return render_template("casilla/restablecer.html", form=form)


# ------------------------------------------------------------------ bandeja y notificaciones
@bp.get("/")
def bandeja():
    cuenta = _cuenta()
    pagina = _pagina()
    filas, total, sin_leer = servicio.bandeja(cuenta, pagina)
    return render_template("casilla/bandeja.html", cuenta=cuenta, filas=filas, total=total, sin_leer=sin_leer,
                           pagina=pagina, plazos=servicio.plazos_de(filas))


@bp.get("/notificacion/<int:deposito_id>")
def notificacion(deposito_id: int):
    cuenta = _cuenta()
    dep = servicio.deposito_de(cuenta, deposito_id)
    if dep is None:
        abort(404)
    primera = servicio.marcar_leido(dep)
    db.session.commit()
    vence, firme = servicio.plazos(dep)
    return render_template("casilla/notificacion.html", cuenta=cuenta, d=dep, vence=vence, firme=firme,
                           primera=primera)


@bp.get("/notificacion/<int:deposito_id>/pdf")
def pdf(deposito_id: int):
    dep = servicio.deposito_de(_cuenta(), deposito_id)
    if dep is None:
        abort(404)
    datos = servicio.leer_pdf(dep)
    if datos is None:
        abort(404, "El archivo de esta notificación no está disponible. Comuníquese con Mesa de Partes; su "
                   "constancia conserva la huella del documento depositado.")
    servicio.marcar_leido(dep)
    servicio.registrar_descarga(dep)
    db.session.commit()
    return send_file(io.BytesIO(datos), mimetype="application/pdf", download_name=dep.pdf_nombre,
                     as_attachment=False)


# ------------------------------------------------------------------ mis trámites
@bp.get("/tramites")
def tramites():
    cuenta = _cuenta()
    pagina, psol = _pagina(), _pagina("psol")
    expedientes, n_exp = servicio.mis_expedientes(cuenta, pagina)
    solicitudes, n_sol = servicio.mis_solicitudes(cuenta, psol)
    return render_template("casilla/tramites.html", cuenta=cuenta, expedientes=expedientes, n_exp=n_exp,
                           solicitudes=solicitudes, n_sol=n_sol, pagina=pagina, psol=psol,
                           subsanar=servicio.plazo_para_subsanar)


def _tramite(fila, form):
    cuenta = _cuenta()
    exp = fila if isinstance(fila, Expediente) else fila.expediente
    return render_template("casilla/tramite.html", cuenta=cuenta, fila=fila,
                           solicitud=isinstance(fila, SolicitudAcceso), exp=exp,
                           ruta=servicio.ruta_publica(exp) if exp is not None else [],
                           notificados=servicio.notificados(cuenta, exp),
                           depositos=servicio.depositos_de_la_solicitud(cuenta, fila),
                           limite=servicio.plazo_para_subsanar(fila), vencio=servicio.limite_subsanacion(fila),
                           form=form)


def _subsanar(fila, destino: str):
    form = FormSubsanar()
    if request.method == "POST" and form.validate_on_submit():
        try:
            servicio.subsanar_en_linea(_cuenta(), fila, form.archivo.data, form.comentario.data)
        except ErrorDeRegla as e:
            db.session.rollback()
            db.session.refresh(fila)
            _error_en(form, e, "archivo")
        else:
            db.session.commit()
            flash("Subsanación recibida: el plazo de su trámite vuelve a correr desde hoy.", "success")
            return redirect(destino)
    return _tramite(fila, form)


@bp.route("/expediente/<int:expediente_id>", methods=["GET", "POST"])
def expediente(expediente_id: int):
    exp = servicio.expediente_de(_cuenta(), expediente_id)
    if exp is None:
        abort(404)
    return _subsanar(exp, url_for("casilla.expediente", expediente_id=exp.id))


@bp.route("/solicitud/<int:solicitud_id>", methods=["GET", "POST"])
def solicitud(solicitud_id: int):
    sol = servicio.solicitud_de(_cuenta(), solicitud_id)
    if sol is None:
        abort(404)
    return _subsanar(sol, url_for("casilla.solicitud", solicitud_id=sol.id))


# ------------------------------------------------------------------ consentimiento y seguridad de la cuenta
@bp.route("/consentimiento", methods=["GET", "POST"])
def consentimiento():
    cuenta = _cuenta()
    form = FormConsentimiento()
    if request.method == "POST" and request.form.get("operacion") == "revocar":
        revocar = FlaskForm()
        if revocar.validate_on_submit():
            try:
                servicio.revocar_consentimiento(cuenta, _ip())
            except ErrorDeRegla as e:
                db.session.rollback()
                flash(str(e), "warning")
            else:
                db.session.commit()
                flash("Revocó la autorización: desde ahora se le notificará en su domicilio.", "info")
            return redirect(url_for("casilla.consentimiento"))
    elif form.validate_on_submit():
        try:
            servicio.otorgar_consentimiento(cuenta, _ip())
        except ErrorDeRegla as e:
            db.session.rollback()
            form.acepto.errors.append(str(e))
        else:
            db.session.commit()
            flash("Autorización registrada: desde ahora se le notificará en esta casilla.", "success")
            return redirect(url_for("casilla.consentimiento"))
    return render_template("casilla/consentimiento.html", cuenta=cuenta, form=form,
                           vigente=cuenta.consentimiento_vigente,
                           texto=servicio.texto_consentimiento(), version=servicio.VERSION_CONSENTIMIENTO)


@bp.route("/seguridad", methods=["GET", "POST"])
def seguridad_cuenta():
    cuenta = _cuenta()
    operacion = request.form.get("operacion") if request.method == "POST" else None
    clave = FormCambioClave(prefix="c")
    activar = FormActivarTotp(prefix="a")
    desactivar = FormDesactivarTotp(prefix="d")
    qr = secreto = None
    respuesta = None
    if operacion == "clave" and clave.validate_on_submit():
        try:
            servicio.cambiar_clave(cuenta, clave.actual.data, clave.nueva.data)
        except ErrorDeRegla as e:
            db.session.rollback()
            _error_en(clave, e, "nueva")
        else:
            respuesta = "Contraseña actualizada. Las demás sesiones abiertas se cerraron."
    elif operacion == "preparar" and FlaskForm().validate_on_submit():
        try:
            secreto, uri = servicio.preparar_totp(cuenta)
        except ErrorDeRegla as e:
            db.session.rollback()
            flash(str(e), "warning")
        else:
            db.session.commit()
            qr = segno.make(uri, error="m").svg_inline(scale=4, title="Código QR para su aplicación")
    elif operacion == "activar" and activar.validate_on_submit():
        try:
            servicio.activar_totp(cuenta, activar.codigo.data)
        except ErrorDeRegla as e:
            db.session.rollback()
            _error_en(activar, e, "codigo")
            secreto = cuenta.totp_secreto
        else:
            respuesta = "Segundo factor activado: desde ahora el ingreso le pedirá el código de su aplicación."
    elif operacion == "desactivar" and desactivar.validate_on_submit():
        try:
            servicio.desactivar_totp(cuenta, desactivar.clave.data, desactivar.codigo.data)
        except ErrorDeRegla as e:
            db.session.rollback()
            _error_en(desactivar, e, "codigo")
        else:
            respuesta = "Segundo factor desactivado."
    if respuesta:
        db.session.commit()
        flash(respuesta, "success")
        salida = redirect(url_for("casilla.seguridad_cuenta"))
        servicio.abrir_sesion(salida, cuenta)  # esta sesión sigue, con la versión nueva
        return salida
    if secreto and qr is None:
        qr = segno.make(servicio.uri_totp(cuenta), error="m").svg_inline(scale=4, title="Código QR para su aplicación")
    return render_template("casilla/seguridad.html", cuenta=cuenta, clave=clave, activar=activar,
                           desactivar=desactivar, qr=qr, secreto=secreto)
