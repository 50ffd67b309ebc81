"""Páginas públicas sin cuenta: consulta de expedientes, mesa de partes digital (Ley 31170) y normas vigentes."""

from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from models import (
    Expediente,
    NormaMunicipal,
    Persona,
    RelacionNorma,
    TipoDocumento,
    TipoDocumentoIdentidad,
    TipoNorma,
    UnidadOrganica,
    db,
)
from services import correo
from services.adjuntos import ErrorAdjunto, guardar_pdf
from services.identidad import error_documento
from services.tramite import registrar_ingreso

bp = Blueprint("publico", __name__)
# límites por IP de las vistas públicas: (endpoint, clave de configuración, por defecto, exento si…)
# la consulta se limita también por GET: el enlace del QR trae código y clave en la URL
LIMITES = (("publico.consulta", "LIMITE_CONSULTA", "20/minute",
            lambda: request.method == "GET" and "clave" not in request.args),
           ("publico.mesa_digital", "LIMITE_MESA_DIGITAL", "10/hour", lambda: request.method != "POST"))


def init_app(app) -> None:
    """Registra el blueprint con un Limiter propio de esta app (varias apps pueden convivir)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.register_blueprint(bp)
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    app.extensions["limitador_publico"] = limiter  # los decoradores solo guardan una referencia débil
    for endpoint, clave, defecto, exento in LIMITES:
        limite = limiter.limit(app.config.get(clave, defecto), exempt_when=exento)
        app.view_functions[endpoint] = limite(app.view_functions[endpoint])


# ------------------------------------------------------------------ texto oficial de una norma vigente
@bp.get("/normas/<int:norma_id>/texto")
def texto_norma(norma_id: int):
    """El texto oficial publicado (PDF subido) o, si no lo hay, el documento generado con sus datos."""
    norma = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.id == norma_id, NormaMunicipal.en_vigor))
    if norma is None:
        abort(404)
    if norma.texto_oficial_ruta:
        ruta = Path(current_app.config["ADJUNTOS_DIR"]) / norma.texto_oficial_ruta
        if not ruta.is_file():
            abort(404)
        return send_file(ruta, mimetype="application/pdf", download_name=norma.texto_oficial_nombre or "norma.pdf")
    return render_template("publico/norma_texto.html", n=norma)


# ------------------------------------------------------------------ normas vigentes
@bp.route("/normas")
def normas():
    """Normas municipales en vigor (publicadas y con fecha de vigencia cumplida), con búsqueda por palabra."""
    texto = (request.args.get("q") or "").strip()[:100]
    tipo = request.args.get("tipo") or ""
    pagina = max(1, request.args.get("pagina", 1, type=int))
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


# ------------------------------------------------------------------ consulta
@bp.route("/consulta", methods=["GET", "POST"])
def consulta():
    codigo = (request.values.get("codigo") or "").strip().upper()
    clave = (request.values.get("clave") or "").strip().upper()
    exp, buscado = None, bool(codigo and clave) and (request.method == "POST" or "clave" in request.args)
    if buscado:
        candidato = db.session.scalar(sa.select(Expediente).where(Expediente.codigo == codigo))
        if candidato is not None and secrets.compare_digest(candidato.clave.encode(), clave.encode()):
            exp = candidato
    return render_template("publico/consulta.html", exp=exp, buscado=buscado, codigo=codigo)


# ------------------------------------------------------------------ mesa de partes digital
class FormMesaDigital(FlaskForm):
    tipo_documento = SelectField("Tipo de documento de identidad", choices=[("DNI", "DNI"), ("RUC", "RUC"),
                                                                           ("CE", "Carné de extranjería")])
    numero_documento = StringField("Número de documento", validators=[DataRequired("Ingrese su número.")])
    nombres = StringField("Nombres", validators=[Optional(), Length(max=120)])
    apellidos = StringField("Apellidos", validators=[Optional(), Length(max=120)])
    razon_social = StringField("Razón social (si es RUC)", validators=[Optional(), Length(max=250)])
    email = EmailField("Correo electrónico", validators=[DataRequired("Ingrese su correo."),
                                                         Email("Correo no válido.")])
    telefono = StringField("Teléfono", validators=[Optional(), Length(max=20)])
    asunto = TextAreaField("Asunto", validators=[DataRequired("Indique el asunto."), Length(max=500)])
    folios = IntegerField("Número de folios", default=1,
                          validators=[DataRequired("Indique los folios."), NumberRange(1, 5000, "Mínimo 1 folio.")])
    archivo = FileField("Documento (PDF)", validators=[FileRequired("Adjunte el documento en PDF.")])
    respuesta = StringField("Verificación", validators=[DataRequired("Responda la verificación.")])
    sitio_web = StringField("No llenar")  # trampa para robots: debe llegar vacío

    def validate_numero_documento(self, field):
        error = error_documento(self.tipo_documento.data, field.data)
        if error:
            raise ValidationError(error)

    def validate_nombres(self, field):
        if not (field.data or "").strip() and not (self.razon_social.data or "").strip():
            raise ValidationError("Indique sus nombres o la razón social.")

    def validate_respuesta(self, field):
        if (field.data or "").strip() != str(session.get("mesa_digital_suma", "")):
            raise ValidationError("La verificación no es correcta.")


def _nueva_pregunta() -> str:
    a, b = secrets.randbelow(8) + 2, secrets.randbelow(8) + 2
    session["mesa_digital_suma"] = a + b
    return f"¿Cuánto es {a} + {b}?"


@bp.route("/mesa-de-partes", methods=["GET", "POST"])
def mesa_digital():
    form = FormMesaDigital()
    if form.validate_on_submit():
        if form.sitio_web.data:
            abort(400)
        try:
            adjunto = guardar_pdf(form.archivo.data)
        except ErrorAdjunto as e:
            form.archivo.errors.append(str(e))
        else:
            exp = _registrar_digital(form, adjunto)
            _enviar_cargo(exp, form.email.data)
            session.pop("mesa_digital_suma", None)
            session["cargo_digital"] = exp.id
            return redirect(url_for("publico.cargo_digital"))
    return render_template("publico/mesa_digital.html", form=form, pregunta=_nueva_pregunta())


def _enviar_cargo(exp: Expediente, email: str) -> None:
    url = url_for("publico.consulta", codigo=exp.codigo, _external=True)
    texto = render_template("publico/cargo_digital.txt", exp=exp, url=url)
    correo.enviar(email, f"Cargo de recepción {exp.codigo} – {current_app.config['MUNICIPALIDAD']}", texto)


@bp.get("/mesa-de-partes/cargo")
def cargo_digital():
    """El acuse del ingreso digital recién hecho (solo para la sesión que lo presentó)."""
    exp = db.session.get(Expediente, session.get("cargo_digital") or 0)
    if exp is None:
        return redirect(url_for("publico.mesa_digital"))
    return render_template("publico/cargo_digital.html", exp=exp,
                           url=url_for("publico.consulta", codigo=exp.codigo, _external=True))


def _registrar_digital(form, adjunto) -> Expediente:
    numero = form.numero_documento.data.strip().upper()
    persona = db.session.scalar(sa.select(Persona).where(Persona.tipo_documento == form.tipo_documento.data,
                                                          Persona.numero_documento == numero))
    if persona is None:
        persona = Persona(tipo_documento=TipoDocumentoIdentidad[form.tipo_documento.data], numero_documento=numero)
        db.session.add(persona)
    for campo in ("nombres", "apellidos", "razon_social", "email", "telefono"):
        valor = (getattr(form, campo).data or "").strip()
        if valor and not getattr(persona, campo):  # un formulario anónimo completa, nunca sobrescribe
            setattr(persona, campo, valor)
    mesa = db.session.scalar(sa.select(UnidadOrganica).where(
        UnidadOrganica.sigla == current_app.config.get("SIGLA_MESA_PARTES", "UTD")))
    tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == "Solicitud")) or \
        db.session.scalar(sa.select(TipoDocumento).order_by(TipoDocumento.id))
    exp = Expediente(origen="externo", canal="digital", persona=persona, tipo_documento=tipo,
                     asunto=form.asunto.data.strip(), folios=form.folios.data, unidad_actual=mesa)
    registrar_ingreso(exp)
    exp.adjuntos.append(adjunto)
    db.session.add(exp)
    db.session.commit()
    return exp
