"""Casilla electrónica del ciudadano (TUO de la Ley 27444, art. 20.4) y «Mis trámites».

- **Cuentas** (`CuentaCasilla`), aparte de los usuarios del personal: su propia sesión en una cookie firmada aparte
  (`casilla`, nunca Flask-Login: un ciudadano no llega a /admin y un usuario del personal no entra a la casilla),
  la misma política de contraseñas y los mismos bloqueos por intentos que el personal (services/seguridad.py; la
  clave del par es `casilla:<tipo>:<número>`), segundo factor TOTP opcional, correo confirmado con un enlace de un
  solo uso que vence, restablecimiento igual. Ni el ingreso, ni el restablecimiento, ni la creación dicen si una
  cuenta existe (misma respuesta, mismo trabajo; los correos salen en segundo plano).
- **Consentimiento** expreso (versión del texto, fecha y hora, IP), revocable: sin uno vigente nada se deposita.
- **Depósito** (`depositar`): el PDF del acto (`pdf_de`, el ÚNICO lugar que decide qué PDF se deposita), su
  constancia (número, fecha y hora, SHA-256) y el aviso por correo (sin el contenido). El efecto es el día del
  depósito o el día hábil siguiente (`CASILLA_EFECTO`, services/notificaciones.efecto_casilla); desde ahí corren
  el recurso y la firmeza como en papel (la `Notificacion` con modalidad casilla). La primera lectura se anota y
  no cambia el efecto.
- **Mis trámites**: los expedientes y solicitudes de acceso de la persona (con identidad validada; si la cuenta se
  creó en línea y aún no se validó en Mesa de Partes, solo los ingresados con el correo de la cuenta), su ruta
  pública (unidades y fechas, sin proveídos), lo notificado y la subsanación en línea.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pyotp
import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, url_for
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from models import (
    ESTADOS_RESPONDIDA,
    ZONA_LIMA,
    Adjunto,
    ConsentimientoCasilla,
    CuentaCasilla,
    DepositoCasilla,
    DocumentoEmitido,
    EnlaceCasilla,
    EstadoDocumento,
    EstadoExpediente,
    EstadoFirma,
    EstadoSolicitud,
    Expediente,
    ModalidadNotificacion,
    NormaMunicipal,
    Notificacion,
    Persona,
    PropositoEnlace,
    ResultadoNotificacion,
    SolicitudAcceso,
    Usuario,
    ahora,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, adjuntos, correo, seguridad, tramite, transparencia
from services import notificaciones as notif
from services.auditoria import registrar
from services.calendario import feriados, sumar_habiles
from services.identidad import error_documento
from services.numeracion import siguiente

TIPOS_DOCUMENTO = ("DNI", "CE", "RUC")  # quién puede tener casilla (no el pasaporte: sin número verificable)
COOKIE = "casilla"
PAPEL = "Notifique en papel (personal o en el domicilio)."

# Textos del consentimiento (LPAG art. 20.4): cada versión queda como se aceptó; un cambio es una versión NUEVA
# (la última es la que se ofrece). El consentimiento guarda la versión que aceptó el ciudadano.
TEXTOS_CONSENTIMIENTO = {
    "2026-1": (
        "Autorizo expresamente a la {municipalidad} a notificarme los actos administrativos de los procedimientos "
        "en los que soy parte mediante mi casilla electrónica, conforme al numeral 20.4 del artículo 20 del TUO de "
        "la Ley N.° 27444, Ley del Procedimiento Administrativo General.",
        "La notificación se entiende efectuada con el depósito del documento en mi casilla, que queda registrado "
        "en una constancia con su número, fecha y hora y la huella digital (SHA-256) del archivo. Desde la fecha "
        "de efecto que indica la constancia corren los plazos, entre ellos los 15 días hábiles para interponer un "
        "recurso.",
        "Recibiré un aviso en mi correo electrónico cada vez que se deposite algo; el aviso no contiene el "
        "documento y no recibirlo no invalida la notificación. Me comprometo a revisar mi casilla y a mantener mi "
        "contraseña en reserva.",
        "Puedo revocar esta autorización en cualquier momento desde mi casilla; desde entonces se me notificará en "
        "mi domicilio. Lo ya depositado sigue notificado.",
    ),
}
VERSION_CONSENTIMIENTO = list(TEXTOS_CONSENTIMIENTO)[-1]


class ErrorCasilla(ErrorDeRegla):
    """Una regla de la casilla impide la operación. `campo`: el campo del formulario al que va el mensaje."""

    def __init__(self, mensaje: str, campo: str | None = None):
        super().__init__(mensaje)
        self.campo = campo


def texto_consentimiento(version: str = VERSION_CONSENTIMIENTO) -> list[str]:
    return [p.format(municipalidad=current_app.config["MUNICIPALIDAD"]) for p in TEXTOS_CONSENTIMIENTO[version]]


def _url(endpoint: str, **valores) -> str:
    """Dirección completa para un correo (en una petición, la del sitio; fuera, la de una petición de prueba)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **valores)
    with current_app.test_request_context():
        return url_for(endpoint, _external=True, **valores)


# ------------------------------------------------------------------ sesión propia del ciudadano
class _SelloConElReloj(TimestampSigner):
    """La edad de la sesión se mide con el reloj de la aplicación (models.reloj), no con el del sistema."""

    def get_timestamp(self) -> int:
        return int(ahora().timestamp())


def _firmador() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="casilla-sesion", signer=_SelloConElReloj)


def _minutos_sesion() -> int:
    return int(current_app.config["CASILLA_MINUTOS_SESION"])


def _datos_de_cookie() -> dict | None:
    valor = request.cookies.get(COOKIE)
    if not valor or len(valor) > 500:
        return None
    try:
        datos = _firmador().loads(valor, max_age=_minutos_sesion() * 60)
    except BadSignature:  # también vencida (SignatureExpired)
        return None
    return datos if isinstance(datos, dict) else None


def _cuenta_de_cookie(pendiente: bool) -> CuentaCasilla | None:
    datos = _datos_de_cookie()
    if datos is None or bool(datos.get("p")) != pendiente:
        return None
    cid, version = datos.get("c"), datos.get("v")
    if not isinstance(cid, int) or not isinstance(version, int):
        return None
    cuenta = db.session.get(CuentaCasilla, cid)
    if cuenta is None or not cuenta.activa or cuenta.version_sesion != version or cuenta.email_verificado_en is None:
        return None
    return cuenta


def cuenta_actual() -> CuentaCasilla | None:
    """La cuenta con sesión abierta en la casilla en esta petición (cookie `casilla` firmada, con la versión de la
    sesión de la cuenta: salir o cambiar la contraseña la invalida en todos lados), o None."""
    if not has_request_context():
        return None
    if "_cuenta_casilla" not in g:
        g._cuenta_casilla = _cuenta_de_cookie(pendiente=False)
    return g._cuenta_casilla


def cuenta_por_confirmar() -> CuentaCasilla | None:
    """La cuenta que ya dio su contraseña y debe dar el código del segundo factor (vale unos minutos)."""
    return _cuenta_de_cookie(pendiente=True)


def abrir_sesion(respuesta, cuenta: CuentaCasilla, pendiente: bool = False) -> None:
    valor = _firmador().dumps({"c": cuenta.id, "v": cuenta.version_sesion, "p": int(pendiente)})
    respuesta.set_cookie(COOKIE, valor, max_age=(5 if pendiente else _minutos_sesion()) * 60, httponly=True,
                         samesite="Lax", secure=bool(current_app.config["SESSION_COOKIE_SECURE"]), path="/")


def renovar_sesion(respuesta) -> None:
    """Cada página de la casilla renueva la cookie: la sesión se cierra tras CASILLA_MINUTOS_SESION sin uso."""
    cuenta = cuenta_actual()
    if cuenta is not None and COOKIE not in {c.split("=", 1)[0] for c in respuesta.headers.getlist("Set-Cookie")}:
        abrir_sesion(respuesta, cuenta)


def cerrar_sesion(respuesta) -> None:
    respuesta.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))


# ------------------------------------------------------------------ cuentas
def clave_intentos(tipo: str, numero: str) -> str:
    """El «usuario» de la tabla de intentos (services/seguridad.py) para una casilla: aparte de los del personal."""
    return f"casilla:{tipo.lower()}:{numero.strip().upper()}"[:60]


def persona_por_documento(tipo: str, numero: str) -> Persona | None:
    if tipo not in TIPOS_DOCUMENTO or error_documento(tipo, numero):
        return None
    return db.session.scalar(sa.select(Persona).where(Persona.tipo_documento == tipo,
                                                      Persona.numero_documento == numero.strip().upper()))


def cuenta_de(persona: Persona | None) -> CuentaCasilla | None:
    if persona is None or persona.id is None:
        return None
    return db.session.scalar(sa.select(CuentaCasilla).where(CuentaCasilla.persona_id == persona.id))


def error_clave(clave: str | None, persona: Persona) -> str | None:
    """La política de contraseñas del personal (services/seguridad.error_clave), con el número de documento como
    «usuario»: la contraseña no puede ser el DNI."""
    return seguridad.error_clave(clave, persona.numero_documento)


def _detalle(cuenta_o_persona) -> str:
    persona = getattr(cuenta_o_persona, "persona", cuenta_o_persona)
    return f"casilla: {persona.tipo_documento.value} {persona.numero_documento}"


@dataclass
class Ingreso:
    cuenta: CuentaCasilla | None = None
    error: str | None = None
    segundo_factor: bool = False


INCORRECTO = "Documento o contraseña incorrectos."


def ingresar(tipo: str, numero: str, clave: str, ip: str) -> Ingreso:
    """Contraseña del ciudadano, con los bloqueos del personal por documento + IP. Una cuenta que no existe recibe
    la misma respuesta y el mismo costo (hash ficticio) y también se bloquea."""
    numero = (numero or "").strip().upper()
    nombre = clave_intentos(tipo, numero)
    hasta = seguridad.bloqueo_vigente(nombre, ip)
    persona = persona_por_documento(tipo, numero)
    cuenta = cuenta_de(persona)
    if hasta is not None:
        registrar("login_fallido", "cuenta_casilla", cuenta.id if cuenta else None, f"{nombre}; origen bloqueado")
        minutos = max(1, int((hasta - ahora()).total_seconds() // 60) + 1)
        return Ingreso(error=f"Demasiados intentos fallidos desde este equipo. Intente de nuevo en {minutos} min.")
    correcta = seguridad.comprobar_clave(cuenta.password_hash if cuenta else None, clave)
    if cuenta is not None and correcta:
        if not cuenta.activa:
            return Ingreso(error="Su casilla está bloqueada. Acérquese a Mesa de Partes con su documento.")
        if cuenta.email_verificado_en is None:
            return Ingreso(error="Primero confirme su correo con el enlace que le enviamos (revise también el correo "
                                 "no deseado) o pida uno nuevo con «¿Olvidó su contraseña?».")
        if cuenta.totp_activo:
            return Ingreso(cuenta=cuenta, segundo_factor=True)
        _entrar(cuenta, nombre, ip)
        return Ingreso(cuenta=cuenta)
    seguridad.registrar_fallo(nombre, ip)
    registrar("login_fallido", "cuenta_casilla", cuenta.id if cuenta else None, nombre)
    return Ingreso(error=INCORRECTO)


def _entrar(cuenta: CuentaCasilla, nombre: str, ip: str) -> None:
    seguridad.limpiar_intentos(nombre, ip)
    cuenta.ultimo_acceso = ahora()
    registrar("login", "cuenta_casilla", cuenta.id, _detalle(cuenta))


def _paso_totp(secreto: str, codigo: str) -> int | None:
    """El paso de tiempo (RFC 6238) al que corresponde el código, con un paso de tolerancia a cada lado; o None."""
    codigo = "".join((codigo or "").split())
    if not codigo.isdigit() or len(codigo) != 6:
        return None
    totp, momento = pyotp.TOTP(secreto), ahora()
    for desfase in (0, -1, 1):
        instante = momento + timedelta(seconds=30 * desfase)
        if secrets.compare_digest(totp.at(instante), codigo):
            return totp.timecode(instante)
    return None


def _usar_paso(cuenta: CuentaCasilla, paso: int) -> bool:
    """Un código vale una sola vez: UPDATE atómico que solo avanza el último paso usado."""
    hecho = db.session.execute(
        sa.update(CuentaCasilla).where(CuentaCasilla.id == cuenta.id, sa.or_(
            CuentaCasilla.totp_ultimo_paso.is_(None), CuentaCasilla.totp_ultimo_paso < paso))
        .values(totp_ultimo_paso=paso).execution_options(synchronize_session=False)).rowcount
    if hecho:
        cuenta.totp_ultimo_paso = paso
        db.session.expire(cuenta, ["totp_ultimo_paso"])
    return bool(hecho)


def segundo_factor(cuenta: CuentaCasilla, codigo: str, ip: str) -> str | None:
    """Verifica el código TOTP del ingreso (los fallos cuentan como los de la contraseña); None si entró."""
    nombre = clave_intentos(cuenta.persona.tipo_documento.value, cuenta.persona.numero_documento)
    hasta = seguridad.bloqueo_vigente(nombre, ip)
    if hasta is not None:
        minutos = max(1, int((hasta - ahora()).total_seconds() // 60) + 1)
        return f"Demasiados intentos fallidos desde este equipo. Intente de nuevo en {minutos} min."
    paso = _paso_totp(cuenta.totp_secreto, codigo) if cuenta.totp_secreto else None
    if paso is None or not _usar_paso(cuenta, paso):
        seguridad.registrar_fallo(nombre, ip)
        registrar("login_fallido", "cuenta_casilla", cuenta.id, f"{nombre}; código del segundo factor")
        return "El código no es correcto o ya se usó. Escriba el que muestra ahora su aplicación."
    _entrar(cuenta, nombre, ip)
    return None


def _emitir_enlace(cuenta: CuentaCasilla, proposito: str) -> str:
    """Un enlace nuevo de ese propósito (los anteriores sin usar dejan de valer); se guarda solo su SHA-256."""
    db.session.execute(sa.delete(EnlaceCasilla).where(EnlaceCasilla.cuenta_id == cuenta.id,
                                                      EnlaceCasilla.proposito == proposito,
                                                      EnlaceCasilla.usado_en.is_(None)))
    token = secrets.token_urlsafe(32)
    momento = ahora()
    duracion = timedelta(hours=current_app.config["CASILLA_HORAS_VERIFICACION"]) if proposito == "verificar" \
        else timedelta(minutes=current_app.config["CASILLA_MINUTOS_RESTABLECER"])
    db.session.add(EnlaceCasilla(cuenta=cuenta, proposito=proposito, token_sha256=_huella(token),
                                 creado_en=momento, vence_en=momento + duracion))
    return token


def _huella(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def enlace_vigente(token: str, proposito: str) -> EnlaceCasilla | None:
    """El enlace, si existe, es de ese propósito, no se usó y no venció (sin consumirlo: para mostrar el formulario)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(sa.select(EnlaceCasilla).where(
        EnlaceCasilla.token_sha256 == _huella(token), EnlaceCasilla.proposito == proposito,
        EnlaceCasilla.usado_en.is_(None), EnlaceCasilla.vence_en > ahora()))


def _consumir_enlace(token: str, proposito: str) -> CuentaCasilla | None:
    """Un solo uso: UPDATE atómico (dos clics o dos pestañas: solo uno lo consume)."""
    if not token or len(token) > 100:
        return None
    cid = db.session.execute(
        sa.update(EnlaceCasilla).where(
            EnlaceCasilla.token_sha256 == _huella(token), EnlaceCasilla.proposito == proposito,
            EnlaceCasilla.usado_en.is_(None), EnlaceCasilla.vence_en > ahora())
        .values(usado_en=ahora()).returning(EnlaceCasilla.cuenta_id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    return db.session.get(CuentaCasilla, cid) if cid is not None else None


ENLACE_INVALIDO = "El enlace no es válido, ya se usó o venció. Pida uno nuevo."


def _correo(destino: str, asunto: str, texto: str) -> None:
    """Correos de la cuenta: después del commit y en segundo plano (el tiempo de respuesta no delata nada)."""
    muni = current_app.config["MUNICIPALIDAD"]
    correo.al_confirmar(db.session(), destino, f"{asunto} – {muni}", f"{texto}\n\n{muni}\nNo responda este correo.",
                        en_segundo_plano=True)


def _mandar_verificacion(cuenta: CuentaCasilla) -> None:
    token = _emitir_enlace(cuenta, PropositoEnlace.verificar.value)
    horas = current_app.config["CASILLA_HORAS_VERIFICACION"]
    accion = "elegir su contraseña y activar" if cuenta.password_hash is None else "confirmar su correo y activar"
    _correo(cuenta.email, "Active su casilla electrónica",
            f"Para {accion} su casilla electrónica, abra este enlace (vale {horas} horas y una sola vez):\n\n"
            f"{_url('casilla.verificar', token=token)}\n\nSi usted no lo pidió, ignore este correo.")


def crear_en_linea(persona: Persona, email: str, clave: str, consentir: bool, ip: str | None) -> None:
    """Crea la casilla desde el cargo de un ingreso digital. Misma respuesta (y el mismo trabajo: un hash y un
    correo) exista o no ya una casilla para ese documento: si existe, el aviso va al correo ya registrado."""
    if persona.tipo_documento.value not in TIPOS_DOCUMENTO:
        raise ErrorCasilla("La casilla electrónica es para DNI, carné de extranjería o RUC.", "email")
    error = error_clave(clave, persona)
    if error:
        raise ErrorCasilla(error, "clave")
    email = (email or "").strip().lower()
    hash_clave = generate_password_hash(clave)
    existente = cuenta_de(persona)
    if existente is not None:
        registrar("editar", "cuenta_casilla", existente.id, f"{_detalle(persona)}: otro pedido de crear la casilla")
        _correo(existente.email, "Pedido de casilla electrónica",
                "Alguien pidió crear una casilla electrónica con su documento, que ya tiene una. Si fue usted, "
                f"ingrese en {_url('casilla.ingresar')} o restablezca su contraseña. Si no fue usted, no haga nada.")
        return
    cuenta = CuentaCasilla(persona=persona, email=email, password_hash=hash_clave, origen="digital")
    db.session.add(cuenta)
    if consentir:
        otorgar_consentimiento(cuenta, ip)
    _mandar_verificacion(cuenta)


def crear_en_mostrador(persona: Persona, email: str, usuario: Usuario, consentimiento: bool = False,
                       ip: str | None = None) -> CuentaCasilla:
    """En el mostrador (la pantalla *Casillas electrónicas* usa `preparar_en_mostrador`): el empleado vio el
    documento (identidad validada);
    el ciudadano elige su contraseña con el enlace que le llega al correo. Con `consentimiento`, el que firmó en
    papel ante el empleado (queda quién lo registró)."""
    cuenta = CuentaCasilla(persona=persona, email=email)
    preparar_en_mostrador(cuenta, usuario, consentimiento, ip)
    db.session.add(cuenta)
    return cuenta


def preparar_en_mostrador(cuenta: CuentaCasilla, usuario: Usuario, consentimiento: bool = False,
                          ip: str | None = None) -> None:
    """Completa una cuenta nueva con la persona y el correo ya puestos (la pantalla *Casillas electrónicas* la
    arma con su formulario): las reglas del mostrador, la identidad validada, el consentimiento firmado en papel y
    el enlace para elegir la contraseña."""
    persona = cuenta.persona
    if persona is None:
        raise ErrorCasilla("Elija a la persona (con su documento a la vista).", "persona")
    if persona.tipo_documento.value not in TIPOS_DOCUMENTO:
        raise ErrorCasilla("La casilla electrónica es para DNI, carné de extranjería o RUC.", "persona")
    email = (cuenta.email or "").strip().lower()
    if not email or "@" not in email:
        raise ErrorCasilla("Indique el correo electrónico del ciudadano.", "email")
    with db.session.no_autoflush:
        if cuenta_de(persona) is not None:
            raise ErrorCasilla(f"{persona} ya tiene casilla electrónica.", "persona")
    cuenta.email, cuenta.origen, cuenta.identidad_validada_en = email, "mostrador", ahora()
    cuenta.creado_por_id = usuario.id
    if consentimiento:
        otorgar_consentimiento(cuenta, ip, usuario)
    _mandar_verificacion(cuenta)


def validar_identidad(cuenta: CuentaCasilla, usuario: Usuario) -> None:
    """Mesa de Partes vio el documento del titular de una casilla creada en línea: ya ve todos sus trámites."""
    if cuenta.identidad_validada_en is None:
        cuenta.identidad_validada_en = ahora()
        registrar("editar", "cuenta_casilla", cuenta.id, f"{_detalle(cuenta)}: identidad validada",
                  usuario_id=usuario.id)


def bloquear(cuenta: CuentaCasilla) -> None:
    """Sin acceso ni depósitos (la pantalla del personal); cierra las sesiones abiertas."""
    cuenta.activa = False
    cuenta.cerrar_sesiones()


def desbloquear(cuenta: CuentaCasilla) -> None:
    """La pantalla del personal, con el titular y su documento a la vista: la casilla vuelve a estar activa y se
    borran los bloqueos por intentos fallidos de su documento."""
    cuenta.activa = True
    seguridad.desbloquear(clave_intentos(cuenta.persona.tipo_documento.value, cuenta.persona.numero_documento))


def cambiar_correo(cuenta: CuentaCasilla) -> None:
    """La pantalla del personal cambió el correo (con el titular y su documento a la vista): el nuevo se confirma con
    un enlace de un solo uso que le llega ahí; hasta entonces no ingresa ni recibe depósitos, y sus sesiones abiertas
    se cierran."""
    email = (cuenta.email or "").strip().lower()
    if not email or "@" not in email:
        raise ErrorCasilla("Indique el correo electrónico del ciudadano.", "email")
    cuenta.email, cuenta.email_verificado_en = email, None
    cuenta.cerrar_sesiones()
    _mandar_verificacion(cuenta)


def reenviar_activacion(cuenta: CuentaCasilla) -> None:
    """Un enlace de activación nuevo (el anterior deja de valer) a una casilla que aún no confirmó su correo."""
    if cuenta.email_verificado_en is not None:
        raise ErrorCasilla(f"La casilla de {cuenta.persona} ya está activa (confirmó su correo).")
    if not cuenta.activa:
        raise ErrorCasilla(f"La casilla de {cuenta.persona} está bloqueada: desbloquéela primero.")
    _mandar_verificacion(cuenta)
    registrar("editar", "cuenta_casilla", cuenta.id, f"{_detalle(cuenta)}: enlace de activación reenviado")


def confirmar_correo(token: str, clave: str | None = None) -> CuentaCasilla:
    """Consume el enlace de verificación; una cuenta del mostrador elige aquí su contraseña."""
    enlace = enlace_vigente(token, "verificar")
    if enlace is None:
        raise ErrorCasilla(ENLACE_INVALIDO)
    cuenta = enlace.cuenta
    if cuenta.password_hash is None:
        error = error_clave(clave, cuenta.persona)
        if error:
            raise ErrorCasilla(error, "clave")
    if _consumir_enlace(token, "verificar") is None:
        raise ErrorCasilla(ENLACE_INVALIDO)
    if cuenta.password_hash is None:
        cuenta.password_hash = generate_password_hash(clave)
    cuenta.email_verificado_en = cuenta.email_verificado_en or ahora()
    return cuenta


def pedir_restablecimiento(tipo: str, numero: str) -> None:
    """Siempre la misma respuesta: si hay una casilla activa con ese documento, el enlace va a su correo."""
    persona = persona_por_documento(tipo, numero)
    cuenta = cuenta_de(persona)
    registrar("editar", "cuenta_casilla", cuenta.id if cuenta else None,
              f"{clave_intentos(tipo, numero or '')}: pedido de restablecer la contraseña")
    if cuenta is None or not cuenta.activa:
        return
    token = _emitir_enlace(cuenta, PropositoEnlace.restablecer.value)
    minutos = current_app.config["CASILLA_MINUTOS_RESTABLECER"]
    _correo(cuenta.email, "Restablecer la contraseña de su casilla electrónica",
            f"Para elegir una contraseña nueva abra este enlace (vale {minutos} minutos y una sola vez):\n\n"
            f"{_url('casilla.restablecer', token=token)}\n\nSi usted no lo pidió, ignore este correo: su contraseña "
            "no cambia.")


def restablecer(token: str, clave: str) -> CuentaCasilla:
    enlace = enlace_vigente(token, "restablecer")
    if enlace is None:
        raise ErrorCasilla(ENLACE_INVALIDO)
    cuenta = enlace.cuenta
    error = error_clave(clave, cuenta.persona)
    if error:
        raise ErrorCasilla(error, "clave")
    if _consumir_enlace(token, "restablecer") is None:
        raise ErrorCasilla(ENLACE_INVALIDO)
    cuenta.password_hash = generate_password_hash(clave)
    cuenta.email_verificado_en = cuenta.email_verificado_en or ahora()  # el enlace llegó a su correo
    cuenta.cerrar_sesiones()
    seguridad.desbloquear(clave_intentos(cuenta.persona.tipo_documento.value, cuenta.persona.numero_documento))
    return cuenta


def cambiar_clave(cuenta: CuentaCasilla, actual: str, nueva: str) -> None:
    if not seguridad.comprobar_clave(cuenta.password_hash, actual):
        raise ErrorCasilla("La contraseña actual no es correcta.", "actual")
    error = error_clave(nueva, cuenta.persona)
    if error:
        raise ErrorCasilla(error, "nueva")
    cuenta.password_hash = generate_password_hash(nueva)
    cuenta.cerrar_sesiones()


def salir(cuenta: CuentaCasilla) -> None:
    cuenta.cerrar_sesiones()
    registrar("logout", "cuenta_casilla", cuenta.id, _detalle(cuenta))


# ------------------------------------------------------------------ segundo factor (TOTP)
def preparar_totp(cuenta: CuentaCasilla) -> tuple[str, str]:
    """Un secreto nuevo (aún inactivo) y su URI otpauth:// para el QR de la aplicación del celular."""
    if cuenta.totp_activo:
        raise ErrorCasilla("El segundo factor ya está activo.")
    cuenta.totp_secreto = pyotp.random_base32()
    cuenta.totp_ultimo_paso = None
    return cuenta.totp_secreto, uri_totp(cuenta)


def uri_totp(cuenta: CuentaCasilla) -> str:
    return pyotp.TOTP(cuenta.totp_secreto).provisioning_uri(
        name=f"{cuenta.persona.tipo_documento.value} {cuenta.persona.numero_documento}",
        issuer_name=f"Casilla {current_app.config['MUNICIPALIDAD']}")


def activar_totp(cuenta: CuentaCasilla, codigo: str) -> None:
    if cuenta.totp_activo or not cuenta.totp_secreto:
        raise ErrorCasilla("Primero genere el código QR.", "codigo")
    paso = _paso_totp(cuenta.totp_secreto, codigo)
    if paso is None or not _usar_paso(cuenta, paso):
        raise ErrorCasilla("El código no es correcto. Escriba el que muestra ahora su aplicación.", "codigo")
    cuenta.totp_activo = True
    cuenta.cerrar_sesiones()


def desactivar_totp(cuenta: CuentaCasilla, clave: str, codigo: str) -> None:
    if not seguridad.comprobar_clave(cuenta.password_hash, clave):
        raise ErrorCasilla("La contraseña no es correcta.", "clave")
    paso = _paso_totp(cuenta.totp_secreto, codigo) if cuenta.totp_activo else None
    if paso is None or not _usar_paso(cuenta, paso):
        raise ErrorCasilla("El código no es correcto.", "codigo")
    cuenta.totp_activo, cuenta.totp_secreto, cuenta.totp_ultimo_paso = False, None, None
    cuenta.cerrar_sesiones()


# ------------------------------------------------------------------ consentimiento (art. 20.4)
def otorgar_consentimiento(cuenta: CuentaCasilla, ip: str | None,
                           usuario: Usuario | None = None) -> ConsentimientoCasilla:
    if cuenta.consentimiento_vigente is not None:
        raise ErrorCasilla("Ya autorizó la notificación por casilla electrónica.")
    c = ConsentimientoCasilla(cuenta=cuenta, version_texto=VERSION_CONSENTIMIENTO, otorgado_en=ahora(), ip=ip,
                              registrado_por_id=usuario.id if usuario else None)
    db.session.add(c)
    return c


def revocar_consentimiento(cuenta: CuentaCasilla, ip: str | None) -> ConsentimientoCasilla:
    vigente = cuenta.consentimiento_vigente
    if vigente is None:
        raise ErrorCasilla("No hay una autorización vigente que revocar.")
    vigente.revocado_en, vigente.ip_revocacion = ahora(), ip
    return vigente


# ------------------------------------------------------------------ el PDF del acto (UN solo lugar)
@dataclass
class PdfActo:
    datos: bytes
    nombre: str
    origen: str  # de dónde salió (para la constancia): «adjunto del documento», «texto oficial»…


def pdf_de(acto) -> PdfActo | None:
    """El mejor PDF que hay hoy del acto que se deposita; None si no tiene. Es el ÚNICO lugar que lo decide: el
    PDF firmado (Expedir) va primero.

    - Documento emitido: su PDF firmado en el sistema (Expedir); si no lo tiene, su PDF adjunto con la firma digital
      íntegra (el último, si hay varios: el archivo tal cual, byte a byte, para que el ciudadano verifique la
      firma); si no, su último PDF adjunto.
    - Resolución: su PDF firmado; si no, el texto oficial subido.
    - Respuesta a una solicitud de acceso: el PDF del documento que la responde (el último emitido en su
      expediente que tenga PDF)."""
    if isinstance(acto, DocumentoEmitido):
        if acto.pdf_ruta:  # firmado digitalmente en el sistema (Expedir)
            datos = adjuntos.leer(acto.pdf_ruta)
            if datos:
                return PdfActo(datos, f"{acto.codigo}.pdf", "documento firmado digitalmente")
        firmado = sa.case((Adjunto.firma_estado == EstadoFirma.intacta, 0), else_=1)
        adj = db.session.scalar(sa.select(Adjunto).where(Adjunto.documento_id == acto.id)
                                .order_by(firmado, Adjunto.subido_en.desc(), Adjunto.id.desc()).limit(1))
        datos = adjuntos.leer(adj.ruta) if adj else None
        origen = "PDF firmado del documento" if adj is not None and adj.firma_estado == EstadoFirma.intacta \
            else "adjunto del documento"
        return PdfActo(datos, adj.nombre_archivo, origen) if datos else None
    if isinstance(acto, NormaMunicipal):
        if acto.pdf_firmado_ruta:
            datos = adjuntos.leer(acto.pdf_firmado_ruta)
            if datos:
                return PdfActo(datos, "resolucion-firmada.pdf", "resolución firmada digitalmente")
        datos = adjuntos.leer(acto.texto_oficial_ruta)
        return PdfActo(datos, acto.texto_oficial_nombre or "resolucion.pdf", "texto oficial") if datos else None
    if isinstance(acto, SolicitudAcceso) and acto.expediente_id is not None:
        for doc in db.session.scalars(sa.select(DocumentoEmitido).where(
                DocumentoEmitido.expediente_id == acto.expediente_id,
                DocumentoEmitido.estado.in_((EstadoDocumento.emitido, EstadoDocumento.notificado)))
                .order_by(DocumentoEmitido.fecha.desc(), DocumentoEmitido.id.desc())):
            pdf = pdf_de(doc)
            if pdf is not None:
                return PdfActo(pdf.datos, pdf.nombre, f"respuesta: {doc.codigo}")
    return None


# ------------------------------------------------------------------ depósito
def destinatario(acto) -> Persona | None:
    """A quién se notifica: el remitente del expediente al que responde el documento; el solicitante. De una
    resolución, quien llama lo indica."""
    if isinstance(acto, SolicitudAcceso):
        return acto.persona
    if isinstance(acto, DocumentoEmitido) and acto.expediente is not None:
        return acto.expediente.persona
    return None


def _expediente_del_acto(acto) -> Expediente | None:
    return acto.expediente if isinstance(acto, DocumentoEmitido | SolicitudAcceso) else None


def _del_correo_de_la_cuenta(exp: Expediente | None, cuenta: CuentaCasilla) -> bool:
    return exp is not None and (exp.email_contacto or "").strip().lower() == cuenta.email


def error_de_cuenta(persona: Persona | None, cuenta: CuentaCasilla | None, acto=None) -> str | None:
    """Por qué no se puede depositar en la casilla de `persona` (None: se puede). Sin cuenta, sin consentimiento
    vigente, bloqueada o sin activar: en papel."""
    if persona is None:
        return "No se sabe a quién notificar: el documento no responde al expediente de un administrado."
    if cuenta is None:
        return f"{persona.nombre_completo} no tiene casilla electrónica."
    if not cuenta.activa:
        return f"La casilla de {persona.nombre_completo} está bloqueada."
    if cuenta.email_verificado_en is None:
        return f"{persona.nombre_completo} aún no activó su casilla electrónica (no confirmó su correo)."
    if cuenta.consentimiento_vigente is None:
        return (f"{persona.nombre_completo} no ha autorizado la notificación por casilla electrónica "
                "(LPAG art. 20.4), o la revocó.")
    if acto is not None and not cuenta.identidad_validada and \
            not _del_correo_de_la_cuenta(_expediente_del_acto(acto), cuenta):
        return (f"La casilla de {persona.nombre_completo} se creó en línea y su identidad aún no se validó en Mesa de "
                "Partes: solo recibe lo de los trámites que presentó con el correo de la casilla.")
    return None


def _bloquear_cuenta(cuenta: CuentaCasilla) -> None:
    """En PostgreSQL, la fila de la cuenta queda tomada hasta el commit: una revocación simultánea espera."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(CuentaCasilla.id).where(CuentaCasilla.id == cuenta.id).with_for_update())
    db.session.refresh(cuenta, ["activa", "email_verificado_en", "identidad_validada_en"])
    db.session.expire(cuenta, ["consentimientos"])


def depositar(acto, persona: Persona | None = None, *, notificacion: Notificacion | None = None,
              usuario: Usuario | None = None) -> DepositoCasilla:
    """Deposita el acto (documento emitido, resolución o respuesta a una solicitud de acceso) en la casilla del
    destinatario: la `Notificacion` (modalidad casilla electrónica, efectiva) y su constancia. Si no se puede
    (sin casilla, sin consentimiento, sin PDF…) lanza `ErrorCasilla` con el motivo y la indicación de notificar en
    papel; nada queda a medias. El correo de aviso sale después del commit."""
    persona = persona or destinatario(acto)
    cuenta = cuenta_de(persona)
    if cuenta is not None:
        _bloquear_cuenta(cuenta)
    error = error_de_cuenta(persona, cuenta, acto)
    if error:
        raise ErrorCasilla(f"{error} {PAPEL}", "modalidad")
    if isinstance(acto, SolicitudAcceso):
        if acto.estado.value not in ESTADOS_RESPONDIDA or acto.fecha_respuesta is None:
            raise ErrorCasilla(f"{acto.codigo} aún no tiene respuesta que notificar.")
        if db.session.scalar(sa.select(DepositoCasilla.id).where(DepositoCasilla.solicitud_id == acto.id)):
            raise ErrorCasilla(f"La respuesta de {acto.codigo} ya se depositó en la casilla.")
    elif not isinstance(acto, DocumentoEmitido | NormaMunicipal):
        raise ErrorCasilla("Solo se depositan documentos emitidos, resoluciones y respuestas de transparencia.")
    pdf = pdf_de(acto)
    if pdf is None:
        raise ErrorCasilla(f"{acto.codigo or acto} no tiene su PDF: adjúntelo para depositarlo, o {PAPEL[0].lower()}"
                           f"{PAPEL[1:]}", "modalidad")
    try:
        adjuntos.revisar_pdf(pdf.datos)
    except adjuntos.ErrorAdjunto as e:
        raise ErrorCasilla(f"El PDF de {acto.codigo} no se puede depositar: {e}", "modalidad") from e
    momento = ahora()
    dia = momento.astimezone(ZONA_LIMA).date()
    dep = DepositoCasilla(cuenta=cuenta, fecha_hora=momento, fecha_efecto=notif.efecto_casilla(dia),
                          acto_codigo=(acto.codigo or str(acto))[:80],
                          asunto=(acto.sumilla if isinstance(acto, NormaMunicipal) else
                                  f"Respuesta a su solicitud de acceso a la información {acto.codigo}"
                                  if isinstance(acto, SolicitudAcceso) else acto.asunto)[:500],
                          pdf_nombre=pdf.nombre[-255:], pdf_sha256=hashlib.sha256(pdf.datos).hexdigest(),
                          pdf_tamano=len(pdf.datos), depositado_por_id=usuario.id if usuario else None)
    dep.anio = dia.year
    dep.numero = siguiente(f"casilla:{dep.anio}")
    dep.codigo = DepositoCasilla.formato_codigo(dep.anio, dep.numero)
    dep.pdf_ruta = adjuntos.guardar_datos(pdf.datos, dep)
    if isinstance(acto, SolicitudAcceso):
        dep.solicitud = acto
    else:
        n = notificacion or Notificacion()
        if isinstance(acto, NormaMunicipal):
            n.norma = acto
        else:
            n.documento = acto
        n.modalidad, n.resultado, n.fecha_hora = ModalidadNotificacion.casilla_electronica, \
            ResultadoNotificacion.entregada, momento
        n.receptor_nombre = persona.nombre_completo[:200]
        n.receptor_documento = persona.numero_documento
        n.notificador = (usuario.nombre if usuario else "Casilla electrónica")[:200]
        dep.notificacion = n
        with db.session.no_autoflush:
            notif.registrar_diligencia(n)  # las reglas de toda diligencia; el acto queda notificado (efecto)
        n.observaciones = f"Depositado en la casilla electrónica ({pdf.origen}); SHA-256 {dep.pdf_sha256}."
        db.session.add(n)
    if not current_app.config["MAIL_SERVER"]:
        dep.alerta_error = correo.SIN_SERVIDOR
    db.session.add(dep)
    db.session.flush()
    _avisar(dep)
    return dep


def _avisar(dep: DepositoCasilla) -> None:
    """El aviso por correo: que llegó algo y dónde leerlo; nunca el contenido (ni el asunto)."""
    if not current_app.config["MAIL_SERVER"]:
        return
    muni = current_app.config["MUNICIPALIDAD"]
    texto = (f"Tiene una nueva notificación en su casilla electrónica de la {muni} (constancia {dep.codigo}, "
             f"depositada el {dep.fecha_hora.astimezone(ZONA_LIMA):%d/%m/%Y a las %H:%M}).\n\n"
             f"Para leerla ingrese en {_url('casilla.ingresar')}\n\n{muni}\nNo responda este correo.")
    depo_id = dep.id

    def anotar(motivo: str | None) -> None:
        valores = {"alerta_error": motivo[:200]} if motivo else {"alerta_enviada_en": ahora(), "alerta_error": None}
        with db.engine.begin() as conexion:
            conexion.execute(sa.update(DepositoCasilla).where(DepositoCasilla.id == depo_id).values(**valores))

    correo.al_confirmar(db.session(), dep.cuenta.email, f"Nueva notificación en su casilla electrónica – {muni}",
                        texto, al_terminar=anotar)


def plazos(dep: DepositoCasilla, cal: frozenset[date] | None = None) -> tuple[date, date]:
    """(último día para el recurso, firme desde) contados desde el efecto, como en papel: 15 días hábiles (art.
    218.2; la respuesta de transparencia: la apelación, TRANSPARENCIA_DIAS_APELACION). `cal`: los feriados ya
    leídos (la bandeja los lee una vez para sus 50 filas)."""
    cal = feriados() if cal is None else cal
    if dep.solicitud_id is not None:
        vence = sumar_habiles(dep.fecha_efecto, current_app.config["TRANSPARENCIA_DIAS_APELACION"], cal)
    else:
        vence = notif.vence_recurso(dep.fecha_efecto, cal)
    return vence, vence + timedelta(days=1)


def plazos_de(deps: list[DepositoCasilla]) -> dict[int, tuple[date, date]]:
    cal = feriados()
    return {d.id: plazos(d, cal) for d in deps}


def deposito_de(cuenta: CuentaCasilla, deposito_id) -> DepositoCasilla | None:
    """El depósito solo si es de esa cuenta (otra cuenta o un id inventado: None → 404)."""
    if not isinstance(deposito_id, int):
        return None
    return db.session.scalar(sa.select(DepositoCasilla).where(DepositoCasilla.id == deposito_id,
                                                              DepositoCasilla.cuenta_id == cuenta.id))


def marcar_leido(dep: DepositoCasilla) -> bool:
    """Anota la primera apertura (UPDATE atómico: dos pestañas a la vez, una sola lectura) y la audita; el efecto
    no cambia. True si fue la primera."""
    momento = ahora()
    hecho = db.session.execute(sa.update(DepositoCasilla).where(DepositoCasilla.id == dep.id,
                                                                DepositoCasilla.leida_en.is_(None))
                               .values(leida_en=momento).execution_options(synchronize_session=False)).rowcount
    if hecho:
        registrar("editar", "deposito_casilla", dep.id, f"{dep.codigo}: primera lectura por el titular",
                  cambios={"leida_en": [None, momento.isoformat()]})
        db.session.expire(dep, ["leida_en"])
    return bool(hecho)


def registrar_descarga(dep: DepositoCasilla) -> None:
    registrar("imprimir", "deposito_casilla", dep.id, f"{dep.codigo}: PDF descargado por el titular")


def leer_pdf(dep: DepositoCasilla) -> bytes | None:
    """El PDF depositado, solo si su SHA-256 es el de la constancia (si no: None y queda en el registro)."""
    datos = adjuntos.leer(dep.pdf_ruta)
    if datos is None or hashlib.sha256(datos).hexdigest() != dep.pdf_sha256:
        current_app.logger.error("El PDF del depósito %s falta o no coincide con su constancia", dep.codigo)
        return None
    return datos


def bandeja(cuenta: CuentaCasilla, pagina: int, por_pagina: int = 50) -> tuple[list[DepositoCasilla], int, int]:
    """(depósitos de la página, total, sin leer): del más reciente al más antiguo, por el índice de la bandeja."""
    filas = list(db.session.scalars(
        sa.select(DepositoCasilla).where(DepositoCasilla.cuenta_id == cuenta.id)
        .order_by(DepositoCasilla.fecha_hora.desc(), DepositoCasilla.id.desc())
        .offset((pagina - 1) * por_pagina).limit(por_pagina)))
    total, sin_leer = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(DepositoCasilla.leida_en.is_(None)))
        .where(DepositoCasilla.cuenta_id == cuenta.id)).one()
    return filas, total, sin_leer


# ------------------------------------------------------------------ mis trámites
def condicion_expedientes(cuenta: CuentaCasilla):
    """Los expedientes de la persona (no los de sus solicitudes de acceso, que se listan aparte); con la identidad
    sin validar, solo los ingresados con el correo de la cuenta."""
    cond = sa.and_(Expediente.persona_id == cuenta.persona_id,
                   ~sa.exists().where(SolicitudAcceso.expediente_id == Expediente.id))
    if not cuenta.identidad_validada:
        cond = sa.and_(cond, sa.func.lower(Expediente.email_contacto) == cuenta.email)
    return cond


def condicion_solicitudes(cuenta: CuentaCasilla):
    cond = SolicitudAcceso.persona_id == cuenta.persona_id
    if not cuenta.identidad_validada:
        cond = sa.and_(cond, SolicitudAcceso.expediente.has(sa.func.lower(Expediente.email_contacto) == cuenta.email))
    return cond


def mis_expedientes(cuenta: CuentaCasilla, pagina: int, por_pagina: int = 50) -> tuple[list[Expediente], int]:
    cond = condicion_expedientes(cuenta)
    filas = list(db.session.scalars(
        sa.select(Expediente).where(cond).options(sa.orm.joinedload(Expediente.unidad_actual))
        .order_by(Expediente.fecha_recepcion.desc(), Expediente.id.desc())
        .offset((pagina - 1) * por_pagina).limit(por_pagina)))
    return filas, db.session.scalar(sa.select(sa.func.count()).select_from(Expediente).where(cond))


def mis_solicitudes(cuenta: CuentaCasilla, pagina: int, por_pagina: int = 50) -> tuple[list[SolicitudAcceso], int]:
    cond = condicion_solicitudes(cuenta)
    filas = list(db.session.scalars(
        sa.select(SolicitudAcceso).where(cond)
        .order_by(SolicitudAcceso.fecha_recepcion.desc(), SolicitudAcceso.id.desc())
        .offset((pagina - 1) * por_pagina).limit(por_pagina)))
    return filas, db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso).where(cond))


def expediente_de(cuenta: CuentaCasilla, expediente_id) -> Expediente | None:
    if not isinstance(expediente_id, int):
        return None
    return db.session.scalar(sa.select(Expediente).where(Expediente.id == expediente_id,
                                                         condicion_expedientes(cuenta)))


def solicitud_de(cuenta: CuentaCasilla, solicitud_id) -> SolicitudAcceso | None:
    if not isinstance(solicitud_id, int):
        return None
    return db.session.scalar(sa.select(SolicitudAcceso).where(SolicitudAcceso.id == solicitud_id,
                                                              condicion_solicitudes(cuenta)))


@dataclass
class Paso:
    """Un tramo de la ruta pública: de qué unidad a cuál, cuándo salió y cuándo se recibió (sin el proveído)."""

    fecha_envio: datetime
    de: str
    para: str
    recibido: datetime | None


def ruta_publica(exp: Expediente) -> list[Paso]:
    return [Paso(d.fecha_envio, d.unidad_origen.nombre if d.unidad_origen else "Mesa de Partes",
                 d.unidad_destino.nombre, d.fecha_recepcion) for d in exp.derivaciones]


@dataclass
class Notificado:
    codigo: str
    asunto: str
    fecha: date
    modalidad: str
    deposito_id: int | None  # si se depositó en ESTA casilla: enlace a la notificación


def notificados(cuenta: CuentaCasilla, exp: Expediente | None) -> list[Notificado]:
    """Lo notificado al ciudadano en ese expediente, en papel o en la casilla (lo depositado en su casilla, con
    enlace)."""
    if exp is None:
        return []
    docs = db.session.scalars(sa.select(DocumentoEmitido).where(
        DocumentoEmitido.expediente_id == exp.id, DocumentoEmitido.estado == EstadoDocumento.notificado)
        .options(sa.orm.selectinload(DocumentoEmitido.notificaciones)).order_by(DocumentoEmitido.fecha_notificacion))
    filas = []
    for doc in docs:
        efectiva = next((n for n in reversed(doc.notificaciones) if n.efectiva), None)
        dep = getattr(efectiva, "deposito", None) if efectiva else None
        filas.append(Notificado(doc.codigo, doc.asunto, doc.fecha_notificacion,
                                efectiva.modalidad.etiqueta if efectiva else "",
                                dep.id if dep is not None and dep.cuenta_id == cuenta.id else None))
    return filas


def depositos_de_la_solicitud(cuenta: CuentaCasilla, fila) -> list[DepositoCasilla]:
    """La respuesta de una solicitud de acceso depositada en esta casilla."""
    if not isinstance(fila, SolicitudAcceso):
        return []
    return list(db.session.scalars(sa.select(DepositoCasilla).where(DepositoCasilla.solicitud_id == fila.id,
                                                                    DepositoCasilla.cuenta_id == cuenta.id)))


def limite_subsanacion(fila) -> date | None:
    """El último día para subsanar la observación abierta (vencido o no); None si no está observado."""
    if isinstance(fila, Expediente) and fila.estado == EstadoExpediente.observado:
        return tramite.plazo_subsanacion(fila)
    if isinstance(fila, SolicitudAcceso) and fila.estado == EstadoSolicitud.observada:
        return transparencia.plazo_subsanacion(fila)
    return None


def plazo_para_subsanar(fila) -> date | None:
    """Hasta cuándo puede subsanar en línea; None si no hay observación abierta o si el plazo ya venció."""
    limite = limite_subsanacion(fila)
    return limite if limite is not None and hoy_lima() <= limite else None


def subsanar_en_linea(cuenta: CuentaCasilla, fila, archivo, comentario: str = "") -> Expediente:
    """Subsanación en línea de una observación abierta: el PDF con las mismas comprobaciones que el ingreso
    (services/adjuntos.guardar_pdf) se agrega al expediente y el servicio del trámite (o de transparencia) la
    registra: el plazo se reanuda desde hoy. Todo o nada."""
    exp = fila if isinstance(fila, Expediente) else fila.expediente
    limite = limite_subsanacion(fila)
    if limite is None:
        raise ErrorCasilla("No hay una observación pendiente de subsanar.", "archivo")
    if hoy_lima() > limite:
        raise ErrorCasilla(f"El plazo para subsanar venció el {limite:%d/%m/%Y}.", "archivo")
    if exp is None:
        raise ErrorCasilla("La solicitud no tiene expediente donde agregar el documento: subsane en Mesa de Partes.",
                           "archivo")
    try:
        adjunto = adjuntos.guardar_pdf(archivo)
    except adjuntos.ErrorAdjunto as e:
        raise ErrorCasilla(str(e), "archivo") from e
    comentario = (comentario or "").strip()[:1000]
    if isinstance(fila, Expediente):
        tramite.subsanar(exp)
    else:
        transparencia.subsanar(fila, hoy_lima())
    exp.adjuntos.append(adjunto)
    nota = f"Subsanación en línea por el administrado (casilla, {hoy_lima():%d/%m/%Y}): {adjunto.nombre_archivo}"
    exp.observaciones = "\n".join(p for p in (exp.observaciones, nota + (f". {comentario}" if comentario else ""))
                                  if p)
    registrar("editar", "expediente", exp.id, f"{_detalle(cuenta)}: subsanación en línea")
    return exp
