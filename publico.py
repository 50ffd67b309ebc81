"""Páginas públicas sin cuenta: consulta de expedientes y solicitudes, mesa de partes digital (Ley 31170),
solicitud de acceso a la información (TUO Ley 27806) y normas vigentes."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from models import (
    Certificacion,
    DocumentoEmitido,
    Expediente,
    FormaEntrega,
    NormaMunicipal,
    ProcedimientoTupa,
    RelacionNorma,
    RetoVerificacion,
    SolicitudAcceso,
    TipoDocumento,
    TipoNorma,
    UnidadOrganica,
    ahora,
    db,
    normalizar_identificador,
)
from services import ErrorDeRegla, archivos, correo
from services.adjuntos import ErrorAdjunto, guardar_pdf
from services.casilla import cuenta_actual
from services.identidad import ErrorRemitente, error_documento, remitente
from services.tramite import registrar_ingreso
from services.transparencia import registrar_solicitud
from services.verificacion import qr_svg, url_publica

bp = Blueprint("publico", __name__)
# límites por IP de las vistas públicas: (endpoint, clave de configuración, exento si…)
# la consulta se limita también por GET: el enlace del QR trae código y clave en la URL
LIMITES = (("publico.consulta", "LIMITE_CONSULTA", lambda: request.method == "GET" and "clave" not in request.args),
           ("publico.mesa_digital", "LIMITE_MESA_DIGITAL", lambda: request.method != "POST"),
           # además del bloqueo por usuario + IP (auth.py): cuántos intentos de ingreso acepta una IP
           ("auth.login", "LIMITE_LOGIN", lambda: request.method != "POST"),
           ("publico.transparencia", "LIMITE_TRANSPARENCIA", lambda: request.method != "POST"),
           # abrir un formulario público guarda un reto en la base: también se limita (por IP y en total)
           ("publico.mesa_digital", "LIMITE_FORMULARIO_PUBLICO", lambda: request.method == "POST"),
           ("publico.transparencia", "LIMITE_FORMULARIO_PUBLICO", lambda: request.method == "POST"),
           # el código de verificación no se adivina (96 bits); el límite frena además a quien lo intente
           ("publico.verificar", "LIMITE_VERIFICAR", lambda: False),
           ("publico.verificar_pdf", "LIMITE_VERIFICAR", lambda: False))


def init_app(app) -> None:
    """Registra el blueprint con un Limiter propio de esta app (varias apps pueden convivir)."""
    app.register_blueprint(bp)
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    app.extensions["limitador_publico"] = limiter  # los decoradores solo guardan una referencia débil
    for endpoint, clave, exento in LIMITES:
        limite = limiter.limit(app.config[clave], exempt_when=exento)
        app.view_functions[endpoint] = limite(app.view_functions[endpoint])


# ------------------------------------------------------------------ texto oficial de una norma vigente
@bp.get("/normas/<int:norma_id>/texto")
def texto_norma(norma_id: int):
    """El texto oficial publicado (PDF subido) o, si no lo hay, el documento generado con sus datos."""
    norma = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.id == norma_id, NormaMunicipal.en_vigor))
    if norma is None:
        abort(404)
    if norma.pdf_firmado_ruta:  # firmado digitalmente por el alcalde y el Secretario General (Expedir)
        return archivos.responder(norma.pdf_firmado_ruta, f"norma-{norma.id}.pdf") or abort(404)
    if norma.texto_oficial_ruta:
        return archivos.responder(norma.texto_oficial_ruta, norma.texto_oficial_nombre or "norma.pdf") or abort(404)
    return render_template("publico/norma_texto.html", n=norma)


# ------------------------------------------------------------------ normas vigentes
@bp.route("/normas")
def normas():
    """Normas municipales en vigor (publicadas y con fecha de vigencia cumplida), con búsqueda por palabra."""
    texto = (request.args.get("q") or "").strip()[:100]
    tipo = request.args.get("tipo") or ""
    pagina = request.args.get("pagina", 1, type=int)
    if not 1 <= pagina <= 10_000:  # una página que no cabe en la base no llega a la consulta
        abort(404)
    q = (sa.select(NormaMunicipal).where(NormaMunicipal.en_vigor)
         .order_by(NormaMunicipal.fecha_vigencia.desc(), NormaMunicipal.id.desc()))
    if tipo in TipoNorma.__members__:
        q = q.where(NormaMunicipal.tipo == tipo)
    for palabra in texto.split()[:5]:
        patron = f"%{palabra.replace('%', '').replace('_', '')}%"
        q = q.where(sa.or_(NormaMunicipal.codigo.ilike(patron), NormaMunicipal.sumilla.ilike(patron)))
    por_pagina = 50
    filas = db.session.scalars(q.offset((pagina - 1) * por_pagina).limit(por_pagina + 1)
                               .options(sa.orm.selectinload(NormaMunicipal.relaciones_destino)
                                        .joinedload(RelacionNorma.origen))).all()
    return render_template("publico/normas.html", normas=filas[:por_pagina], hay_mas=len(filas) > por_pagina,
                           pagina=pagina, texto=texto, tipo=tipo, tipos=[(t.value, t.etiqueta) for t in TipoNorma])


# ------------------------------------------------------------------ verificación de autenticidad (QR)
@bp.get("/verificar/<codigo>")
def verificar(codigo: str):
    """Confirma que una certificación del fedatario o un documento emitido es auténtico: número, fecha, emisor,
    folios y si fue anulado; nada personal (ni solicitante, ni destinatario, ni asunto). Un código que no
    existe → 404."""
    from services.redaccion import estado_de_firmas
    from services.verificacion import buscar

    fila = buscar(codigo)
    if fila is None:
        abort(404)
    doc = fila if isinstance(fila, DocumentoEmitido) else None
    norma = fila if isinstance(fila, NormaMunicipal) else None  # el QR del PDF firmado de una norma
    firmas = estado_de_firmas(doc.pdf_ruta, doc.pdf_sha256) if doc is not None else \
        estado_de_firmas(norma.pdf_firmado_ruta, norma.pdf_firmado_sha256) if norma is not None else None
    respuesta = current_app.make_response(render_template(
        "publico/verificar.html", cert=fila if isinstance(fila, Certificacion) else None, doc=doc, norma=norma,
        firmas=firmas, codigo=codigo))
    respuesta.headers["X-Robots-Tag"] = "noindex"
    respuesta.headers["Referrer-Policy"] = "no-referrer"  # el código no sale hacia otros sitios
    return respuesta


@bp.get("/verificar/<codigo>/pdf")
def verificar_pdf(codigo: str):
    """La copia pública del PDF firmado digitalmente (tal como está guardado: si alguien lo alteró, la página de
    verificación lo dice). Sin PDF firmado → 404."""
    from services.verificacion import buscar

    fila = buscar(codigo)
    ruta = fila.pdf_ruta if isinstance(fila, DocumentoEmitido) else \
        fila.pdf_firmado_ruta if isinstance(fila, NormaMunicipal) else None
    if not ruta:
        abort(404)
    nombre = re.sub(r"[^A-Za-z0-9._-]+", "_", fila.codigo).strip("_") + ".pdf"
    respuesta = archivos.responder(ruta, nombre) or abort(404)
    respuesta.headers["X-Robots-Tag"] = "noindex"
    respuesta.headers["Referrer-Policy"] = "no-referrer"
    return respuesta


# ------------------------------------------------------------------ consulta
@bp.route("/consulta", methods=["GET", "POST"])
def consulta():
    codigo = normalizar_identificador(request.values.get("codigo"))[:40].upper()
    clave = normalizar_identificador(request.values.get("clave"))[:40].upper()
    exp, buscado = None, bool(codigo and clave) and (request.method == "POST" or "clave" in request.args)
    if buscado:
        # el mismo formulario consulta expedientes y solicitudes de acceso a la información (SAIP-…)
        modelo = SolicitudAcceso if codigo.startswith("SAIP-") else Expediente
        candidato = db.session.scalar(sa.select(modelo).where(modelo.codigo == codigo))
        if candidato is not None and secrets.compare_digest(candidato.clave.encode(), clave.encode()):
            exp = candidato
    return render_template("publico/consulta.html", exp=exp, buscado=buscado, codigo=codigo,
                           solicitud=isinstance(exp, SolicitudAcceso))


# ------------------------------------------------------------------ transparencia (TUO Ley 27806)
class FormCiudadano(FlaskForm):
    """Lo que comparten los formularios públicos: quién es el ciudadano y la verificación de un solo uso (la de
    `RETO`, guardada en la base)."""

    RETO = ""
    tipo_documento = SelectField("Documento de identidad", choices=[("DNI", "DNI"), ("RUC", "RUC"),
                                                                   ("CE", "Carné de extranjería")])
    numero_documento = StringField("Número de documento", validators=[DataRequired("Ingrese su número.")])
    nombres = StringField("Nombres", validators=[Optional(), Length(max=120)])
    apellidos = StringField("Apellidos", validators=[Optional(), Length(max=120)])
    razon_social = StringField("Razón social (si es RUC)", validators=[Optional(), Length(max=250)])
    telefono = StringField("Teléfono", validators=[Optional(), Length(max=20)])
    respuesta = StringField("Verificación", validators=[DataRequired("Responda la verificación.")])
    reto = HiddenField()  # la pregunta de verificación guardada en el servidor (un solo uso)
    sitio_web = StringField("No llenar")  # trampa para robots: debe llegar vacío

    def validate_numero_documento(self, field):
        error = error_documento(self.tipo_documento.data, field.data)
        if error:
            raise ValidationError(error)

    def validate_nombres(self, field):
        if not (field.data or "").strip() and not (self.razon_social.data or "").strip():
            raise ValidationError("Indique sus nombres o la razón social.")

    def validate_respuesta(self, field):
        if not consumir_reto(self.RETO, self.reto.data, field.data):
            raise ValidationError("La verificación no es correcta.")

    def enviado(self) -> bool:
        """validate_on_submit; un robot que llenó la trampa recibe 400 (con el reto ya consumido)."""
        if not self.validate_on_submit():
            return False
        if self.sitio_web.data:
            db.session.commit()  # el reto queda consumido
            abort(400)
        return True


class FormTransparencia(FormCiudadano):
    """Los campos del formulario oficial de solicitud de acceso a la información pública."""

    RETO = "transparencia"
    direccion = StringField("Domicilio", validators=[DataRequired("Indique su domicilio."), Length(max=250)])
    email = EmailField("Correo electrónico", validators=[Optional(), Email("Correo no válido.")])
    sexo = SelectField("Sexo (opcional, para la estadística)", choices=[("", "Prefiero no indicarlo"),
                                                                       ("F", "Femenino"), ("M", "Masculino")])
    informacion_solicitada = TextAreaField("Información solicitada", validators=[
        DataRequired("Indique con precisión la información que solicita."), Length(max=4000)])
    forma_entrega = SelectField("Forma de entrega", choices=[(f.value, f.etiqueta) for f in FormaEntrega])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.forma_entrega.data == "correo" and not (self.email.data or "").strip():
            self.email.errors = [*self.email.errors, "Para recibir la información por correo, indique su correo "
                                                     "electrónico."]
            return False
        return ok


@bp.route("/transparencia", methods=["GET", "POST"])
def transparencia():
    form = FormTransparencia()
    cuenta = _prellenar(form)
    if form.enviado():
        try:
            sol = SolicitudAcceso(persona=_persona(form), forma_entrega=form.forma_entrega.data,
                                  informacion_solicitada=form.informacion_solicitada.data.strip(),
                                  sexo=form.sexo.data or None)
            registrar_solicitud(sol)
            # el correo de este ingreso queda en su expediente (como en la mesa digital): su casilla lo reconoce
            sol.expediente.email_contacto = (form.email.data or "").strip() or None
        except ErrorRemitente as e:
            form.numero_documento.errors.append(str(e))
        except ErrorDeRegla as e:
            db.session.rollback()
            form.informacion_solicitada.errors.append(str(e))
        else:
            db.session.add(sol)
            url = url_publica("publico.consulta", codigo=sol.codigo)
            correo.al_confirmar(db.session, form.email.data, f"Solicitud de acceso a la información {sol.codigo} – "
                                f"{current_app.config['MUNICIPALIDAD']}",
                                render_template("publico/cargo_transparencia.txt", sol=sol, url=url))
            db.session.commit()
            session["cargo_transparencia"] = sol.id
            return redirect(url_for("publico.cargo_transparencia"))
    form.reto.data, pregunta = nuevo_reto("transparencia")
    return render_template("publico/transparencia.html", form=form, pregunta=pregunta, cuenta=cuenta)


@bp.get("/transparencia/cargo")
def cargo_transparencia():
    """El cargo de la solicitud recién presentada (solo para la sesión que la presentó), para imprimir."""
    sol = db.session.get(SolicitudAcceso, session.get("cargo_transparencia") or 0)
    if sol is None:
        return redirect(url_for("publico.transparencia"))
    url = url_publica("publico.consulta", codigo=sol.codigo)
    return render_template("publico/cargo_transparencia.html", sol=sol, url=url, qr=qr_svg(f"{url}&clave={sol.clave}"))


def _persona(form):
    """El solicitante: la persona ya registrada con ese documento, sin tocar sus datos (un formulario anónimo no
    prueba ser su titular), o una nueva con lo escrito (services.identidad.remitente, el de la mesa digital)."""
    return remitente(form.tipo_documento.data, form.numero_documento.data, nombres=form.nombres.data,
                     apellidos=form.apellidos.data, razon_social=form.razon_social.data,
                     email=form.email.data, telefono=form.telefono.data, direccion=form.direccion.data)


# ------------------------------------------------------------------ mesa de partes digital
class FormMesaDigital(FormCiudadano):
    RETO = "mesa_digital"
    email = EmailField("Correo electrónico", validators=[DataRequired("Ingrese su correo."),
                                                         Email("Correo no válido.")])
    asunto = TextAreaField("Asunto", validators=[DataRequired("Indique el asunto."), Length(max=500)])
    procedimiento = StringField("Procedimiento del TUPA (si su trámite lo es)", validators=[Optional()],
                                description="Escriba para buscar por código o nombre; así su solicitud tiene el "
                                            "plazo y el silencio de ese procedimiento.")
    folios = IntegerField("Número de folios", default=1,
                          validators=[DataRequired("Indique los folios."), NumberRange(1, 5000, "Mínimo 1 folio.")])
    archivo = FileField("Documento (PDF)", validators=[FileRequired("Adjunte el documento en PDF.")])

    def validate_procedimiento(self, field):
        if field.data and procedimiento_activo(field.data) is None:
            raise ValidationError("Elija un procedimiento de la lista (o deje el campo vacío).")


def procedimientos_activos() -> list[ProcedimientoTupa]:
    return list(db.session.scalars(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.activo)
                                   .order_by(ProcedimientoTupa.codigo)))


def procedimiento_activo(texto: str) -> ProcedimientoTupa | None:
    """El procedimiento elegido en la lista: «GDU-02 – Certificado…» o solo su código."""
    codigo = (texto or "").split(" – ", 1)[0].strip().upper()
    return db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == codigo,
                                                                ProcedimientoTupa.activo))


# ------------------------------------------------------------------ verificación de un solo uso
VIGENCIA_RETO = timedelta(minutes=30)


def nuevo_reto(formulario: str) -> tuple[str, str]:
    """Crea la pregunta en la base (no en la cookie, que se puede reenviar) → (token, pregunta)."""
    a, b = secrets.randbelow(8) + 2, secrets.randbelow(8) + 2
    db.session.execute(sa.delete(RetoVerificacion).where(RetoVerificacion.creado_en < ahora() - VIGENCIA_RETO))
    if db.session.scalar(sa.select(sa.func.count()).select_from(RetoVerificacion)) >= \
            current_app.config["RETOS_MAXIMOS"]:
        db.session.commit()
        abort(503, "Hay demasiadas personas usando el formulario en este momento. Vuelva a intentarlo en unos "
                   "minutos.")
    token = secrets.token_urlsafe(32)
    db.session.add(RetoVerificacion(token=token, formulario=formulario, respuesta=str(a + b)))
    db.session.commit()
    return token, f"¿Cuánto es {a} + {b}?"


def consumir_reto(formulario: str, token: str | None, respuesta: str | None) -> bool:
    """Borra el reto al usarlo (acierte o no): un reto resuelto no sirve para un segundo envío."""
    if not token:
        return False
    guardada = db.session.execute(
        sa.delete(RetoVerificacion)
        .where(RetoVerificacion.token == token[:64], RetoVerificacion.formulario == formulario,
               RetoVerificacion.creado_en >= ahora() - VIGENCIA_RETO)
        .returning(RetoVerificacion.respuesta)).scalar_one_or_none()
    return guardada is not None and secrets.compare_digest(guardada.encode(), (respuesta or "").strip().encode())


def _prellenar(form):
    """Con la sesión de la casilla abierta, el formulario viene con los datos del ciudadano y el correo de su
    casilla (solo al abrirlo: lo que escriba después es de este ingreso y nunca cambia su registro)."""
    cuenta = cuenta_actual()
    if cuenta is None or request.method != "GET":
        return cuenta
    p = cuenta.persona
    form.tipo_documento.data, form.numero_documento.data = p.tipo_documento.value, p.numero_documento
    form.nombres.data, form.apellidos.data, form.razon_social.data = p.nombres, p.apellidos, p.razon_social
    form.telefono.data = p.telefono
    if "direccion" in form:
        form.direccion.data = p.direccion
    form.email.data = cuenta.email
    return cuenta


@bp.route("/mesa-de-partes", methods=["GET", "POST"])
def mesa_digital():
    form = FormMesaDigital()
    cuenta = _prellenar(form)
    if form.enviado():
        try:
            adjunto = guardar_pdf(form.archivo.data)
            exp = _registrar_digital(form, adjunto)
        except ErrorAdjunto as e:
            form.archivo.errors.append(str(e))
        except ErrorRemitente as e:  # nada quedó en la sesión; el reto sigue consumido
            (form.numero_documento if e.campo == "documento" else form.nombres).errors.append(str(e))
        except archivos.ErrorAlmacen as e:  # el almacén no respondió al confirmar: nada quedó guardado
            db.session.rollback()
            form.archivo.errors.append(str(e))
        else:
            _enviar_cargo(exp, form.email.data)
            session["cargo_digital"] = exp.id
            return redirect(url_for("publico.cargo_digital"))
    form.reto.data, pregunta = nuevo_reto("mesa_digital")
    return render_template("publico/mesa_digital.html", form=form, pregunta=pregunta,
                           procedimientos=procedimientos_activos(), cuenta=cuenta)


def _enviar_cargo(exp: Expediente, email: str) -> None:
    url = url_publica("publico.consulta", codigo=exp.codigo)
    texto = render_template("publico/cargo_digital.txt", exp=exp, url=url)
    correo.enviar(email, f"Cargo de recepción {exp.codigo} – {current_app.config['MUNICIPALIDAD']}", texto)


@bp.get("/mesa-de-partes/cargo")
def cargo_digital():
    """El acuse del ingreso digital recién hecho (solo para la sesión que lo presentó)."""
    exp = db.session.get(Expediente, session.get("cargo_digital") or 0)
    if exp is None:
        return redirect(url_for("publico.mesa_digital"))
    url = url_publica("publico.consulta", codigo=exp.codigo)
    return render_template("publico/cargo_digital.html", exp=exp, url=url,
                           qr=qr_svg(f"{url}&clave={exp.clave}"))  # como el del mostrador


def _registrar_digital(form, adjunto) -> Expediente:
    """Un ingreso digital nunca cambia los datos de una persona ya registrada: el correo y el teléfono de este
    ingreso quedan en el expediente."""
    persona = remitente(form.tipo_documento.data, form.numero_documento.data, nombres=form.nombres.data,
                        apellidos=form.apellidos.data, razon_social=form.razon_social.data,
                        email=form.email.data, telefono=form.telefono.data)
    mesa = db.session.scalar(sa.select(UnidadOrganica).where(
        UnidadOrganica.sigla == current_app.config["SIGLA_MESA_PARTES"]))
    tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == "Solicitud")) or \
        db.session.scalar(sa.select(TipoDocumento).order_by(TipoDocumento.id))
    exp = Expediente(origen="externo", canal="digital", persona=persona, tipo_documento=tipo,
                     asunto=form.asunto.data.strip(), folios=form.folios.data, unidad_actual=mesa,
                     procedimiento=procedimiento_activo(form.procedimiento.data),  # su plazo y su silencio
                     email_contacto=(form.email.data or "").strip() or None,
                     telefono_contacto=(form.telefono.data or "").strip() or None)
    registrar_ingreso(exp)
    exp.adjuntos.append(adjunto)
    db.session.add(exp)
    db.session.commit()
    return exp
