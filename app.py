"""Secretaría: fábrica de la aplicación Flask (`flask --app app …`)."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import flask_admin.helpers
from flask import Flask, Response, flash, redirect, render_template, request, url_for
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import event
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

import services.auditoria  # noqa: F401  (registra los eventos de auditoría)
from admin_views.entradas import ENTERO_SQL, sin_caracteres_nulos
from configuracion import DE_ENTORNO, POR_DEFECTO, combinar_diccionarios
from models import Usuario, db
from services import escribir_privado, seguridad

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
# Los valores por defecto están en configuracion.py (una tabla); instance/config.py y el entorno los cambian.


def _clave_secreta(instancia: Path) -> str:
    archivo = instancia / "secret_key"
    if not archivo.exists():
        escribir_privado(archivo, secrets.token_hex(32).encode())
    return archivo.read_text().strip()


class EnteroSQL(IntegerConverter):
    """`<int:…>` de toda ruta: un entero que cabe en un INTEGER de la base (el tipo de los id); uno mayor no es una
    ruta (404), no una consulta que la base rechaza (500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ENTERO_SQL[1], signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# lo que no se guarda en la caché del navegador (Cache-Control: no-store): todo salvo los archivos estáticos y las
# páginas públicas de normas (sin datos personales)
CACHEABLES = {"static", "admin.static", "publico.normas", "publico.texto_norma"}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = EnteroSQL  # antes de registrar cualquier ruta
    instancia = Path(app.instance_path)
    instancia.mkdir(parents=True, exist_ok=True)

    app.config.update(POR_DEFECTO)
    app.config.from_pyfile("config.py", silent=True)
    for nombre in DE_ENTORNO:
        if os.environ.get(nombre):
            app.config[nombre] = os.environ[nombre]
    app.config.update(config or {})
    combinar_diccionarios(app.config)

    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or f"sqlite:///{instancia / 'secretaria.db'}"
    app.config["ADJUNTOS_DIR"] = app.config["ADJUNTOS_DIR"] or str(instancia / "adjuntos")
    app.config["FIRMA_RAICES_DIR"] = app.config["FIRMA_RAICES_DIR"] or str(instancia / "raices_firma")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _clave_secreta(instancia)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        WTF_CSRF_TIME_LIMIT=None,  # el token vive lo que la sesión
        BABEL_DEFAULT_LOCALE="es",
        BABEL_DEFAULT_TIMEZONE=app.config["TZ"],
    )
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_CONTENT_LENGTH"])
    if isinstance(app.config["SESSION_COOKIE_SECURE"], str):
        app.config["SESSION_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"] == "1"
    if str(app.config["URL_PUBLICA"] or "").lower().startswith("https://"):
        # servido por HTTPS: las cookies (sesión y «recordarme») viajan solo cifradas
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)

    import operacion

    operacion.init_app(app)  # primero: el id y el reloj de cada petición, su línea JSON, proxy y /salud
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configurar_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "es", default_timezone=app.config["TZ"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Inicie sesión para continuar."
    login_manager.login_message_category = "warning"

    import casilla
    import publico
    from auth import bp as auth_bp

    app.register_blueprint(auth_bp)
    publico.init_app(app)
    casilla.init_app(app)  # después de publico: usa su limitador

    from admin_views import init_admin

    # Flask-Admin sigue `?url=` (volver tras crear, editar o borrar) si `is_safe_url` lo acepta; la suya deja
    # pasar «http:/evil.com» y saltos de línea: se usa la misma regla que el `next` del ingreso
    flask_admin.helpers.is_safe_url = seguridad.es_ruta_local
    init_admin(app)

    import commands

    commands.init_app(app)

    from admin_views.base import registrar_filtros_jinja

    registrar_filtros_jinja(app)

    @app.get("/")
    def inicio():
        return redirect(url_for("admin.index"))

    @app.get("/favicon.ico")
    def favicon():
        """El ícono que todo navegador pide (antes, un 404 en cada página)."""
        # 1 KB leído entero: sin un archivo abierto hasta que el cliente termine de leer la respuesta
        respuesta = Response((Path(app.static_folder) / "favicon.ico").read_bytes(),
                             mimetype="image/vnd.microsoft.icon")
        respuesta.cache_control.public, respuesta.cache_control.max_age = True, 86400
        return respuesta

    registrar_errores(app)
    app.before_request(_exigir_cambio_de_clave)

    app.before_request(sin_caracteres_nulos)

    @app.after_request
    def cabeceras_seguras(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        html = resp.mimetype == "text/html" and not resp.direct_passthrough
        resp.headers.setdefault("Content-Security-Policy",
                                seguridad.politica_csp(resp.get_data(as_text=True) if html else None))
        if request.endpoint not in CACHEABLES:
            resp.headers["Cache-Control"] = "no-store"  # páginas del personal, cargos con clave, archivos
        return resp

    return app


@login_manager.user_loader
def _cargar_usuario(uid: str):
    """La sesión guarda «id:versión» (`Usuario.get_id`): si la versión cambió (salió o cambió la contraseña
    en otro lado), la sesión ya no vale."""
    id_, _, version = (uid or "").partition(":")
    if not id_.isdigit() or not version.isdigit():
        return None
    usuario = db.session.get(Usuario, int(id_))
    if usuario is None or not usuario.activo or usuario.version_sesion != int(version):
        return None
    return usuario


# con `debe_cambiar_clave` solo se puede cambiar la contraseña o salir
_PERMITIDOS_SIN_CLAVE = {"auth.cambiar_clave", "auth.logout", "auth.login", "static", "admin.static", "favicon"}


def _exigir_cambio_de_clave():
    if request.endpoint in _PERMITIDOS_SIN_CLAVE or not current_user.is_authenticated:
        return None
    if current_user.debe_cambiar_clave:
        flash("Debe cambiar su contraseña antes de continuar.", "warning")
        return redirect(url_for("auth.cambiar_clave"))
    return None


# ------------------------------------------------------------------ páginas de error (en castellano)
MENSAJES_ERROR = {
    400: ("Solicitud no válida", "La solicitud no se pudo procesar. Si envió un formulario, vuelva a "
                                 "cargar la página e inténtelo de nuevo."),
    403: ("Acceso denegado", "No tiene permiso para esta acción. Si cree que debería tenerlo, consulte "
                             "con el administrador del sistema."),
    404: ("Página no encontrada", "La página o el registro que busca no existe o no está a su alcance."),
    405: ("Método no permitido", "Esta dirección no admite esa operación."),
    413: ("Archivo demasiado grande", "Lo enviado supera el tamaño máximo permitido ({mb} MB). "
                                      "Reduzca el archivo e inténtelo de nuevo."),
    429: ("Demasiadas solicitudes", "Hizo demasiadas solicitudes en poco tiempo. Espere unos minutos e "
                                    "inténtelo de nuevo."),
    503: ("Servicio ocupado", "El servicio está ocupado en este momento. Vuelva a intentarlo en unos minutos."),
    500: ("Error interno", "Ocurrió un error inesperado. Ya quedó registrado; inténtelo de nuevo más tarde."),
}


UNIDADES_LIMITE = {"second": ("un segundo", "segundos"), "minute": ("un minuto", "minutos"),
                   "hour": ("una hora", "horas"), "day": ("un día", "días"), "month": ("un mes", "meses"),
                   "year": ("un año", "años")}


def texto_limite(error) -> str | None:
    """«20 per 1 minute» de Flask-Limiter, dicho al ciudadano: cuántas solicitudes, en cuánto tiempo y cuánto
    esperar (None si el error no es de un límite de peticiones)."""
    item = getattr(getattr(error, "limit", None), "limit", None)
    if item is None:
        return None
    uno, varios = UNIDADES_LIMITE.get(type(item).GRANULARITY.name, ("un momento", "momentos"))
    lapso = uno if item.multiples == 1 else f"{item.multiples} {varios}"
    return (f"Desde su conexión llegaron más de {item.amount} solicitudes en {lapso}, el máximo que admite esta "
            f"página para que el servicio atienda a todos. Espere {lapso} y vuelva a intentarlo.")


def registrar_errores(app: Flask) -> None:
    """Un solo manejador para los errores HTTP: página en castellano con el aspecto de la aplicación."""

    def pagina_error(error):
        codigo = getattr(error, "code", None) or 500
        if not isinstance(error, HTTPException):  # excepción no controlada: ya la registró Flask
            codigo = 500
        titulo, texto = MENSAJES_ERROR.get(codigo, (getattr(error, "name", "Error"), ""))
        texto = texto.format(mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))
        propio = getattr(error, "description", None)
        if codigo == 429:
            texto = texto_limite(error) or texto  # Flask-Limiter describe el límite en inglés («20 per 1 minute»)
        elif isinstance(error, HTTPException) and propio and propio != type(error).description:
            texto = propio  # el motivo en castellano que dio quien llamó a abort(400, «…»)
        try:
            con_sesion = current_user.is_authenticated
        except Exception:  # noqa: BLE001  (la base pudo fallar: la página de error no debe fallar también)
            con_sesion = False
        respuesta = render_template("error.html", codigo=codigo, titulo=titulo, texto=texto, con_sesion=con_sesion)
        cabeceras = error.get_response().headers if isinstance(error, HTTPException) else {}
        extra = {k: v for k, v in cabeceras.items() if k in ("Allow", "Retry-After")}
        return respuesta, codigo, extra

    for codigo in MENSAJES_ERROR:
        app.register_error_handler(codigo, pagina_error)
    app.register_error_handler(CSRFError, formulario_caducado)


CAMPOS_QUE_NO_SE_REPITEN = re.compile(r"csrf_token|password.*|clave.*|actual|nueva|repetir", re.IGNORECASE)


def _del_mismo_sitio() -> bool:
    """¿El formulario se envió desde esta aplicación? (cabecera Origin, o Referer si falta). Un envío desde otro
    sitio nunca se ofrece para reenviar: sería la falsificación que el token CSRF impide."""
    origen = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return bool(origen) and urlsplit(origen).netloc == request.host


def formulario_caducado(error):
    """El token CSRF faltó o no valió (el formulario estuvo abierto mientras la sesión se cerraba o vencía): no se
    guarda nada (400), pero lo escrito se muestra y se ofrece enviarlo de nuevo con un token nuevo (si hace falta,
    tras ingresar otra vez). Solo para formularios de esta aplicación; las contraseñas no se repiten."""
    if request.endpoint == "auth.login":
        flash("La página de ingreso caducó: escriba de nuevo su usuario y su contraseña.", "warning")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    datos = [(k, v) for k, v in request.form.items(multi=True) if not CAMPOS_QUE_NO_SE_REPITEN.fullmatch(k)]
    try:
        con_sesion = current_user.is_authenticated
    except Exception:  # noqa: BLE001  (la base pudo fallar: la página de error no debe fallar también)
        con_sesion = False
    return render_template("formulario_caducado.html", datos=datos, destino=request.full_path.rstrip("?"),
                           con_archivos=bool(request.files), reenviable=_del_mismo_sitio(), con_sesion=con_sesion,
                           publica=request.blueprint == "publico"), 400


def _configurar_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(conexion, _registro):
        cur = conexion.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
        ruta = engine.url.database
        if ruta and ruta != ":memory:":  # la base y sus archivos -wal y -shm, solo para el usuario del servicio
            for archivo in (ruta, f"{ruta}-wal", f"{ruta}-shm"):
                if os.path.exists(archivo) and os.stat(archivo).st_mode & 0o077:
                    os.chmod(archivo, 0o600)
