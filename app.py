"""Secretaría: fábrica de la aplicación Flask (`flask --app app …`)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, redirect, url_for
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event

import services.auditoria  # noqa: F401  (registra los eventos de auditoría)
from models import Usuario, db

migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

# Valores por defecto (contrato: shared/contrato.md); el entorno o instance/config.py los cambian.
POR_DEFECTO = {
    "MUNICIPALIDAD": "Municipalidad Distrital Demo",
    "SIGLA_ENTIDAD": "MDD",
    "HORA_CIERRE": "23:59",
    "TZ": "America/Lima",
    "MAX_INTENTOS_LOGIN": 5,
    "MINUTOS_BLOQUEO": 15,
    "RATELIMIT_ENABLED": True,
    "EXPORT_FILAS_POR_LOTE": 5000,
    "MAX_ADJUNTO_MB": 10,
    "SIGLA_MESA_PARTES": "UTD",
    # Concejo (dominio.md §5): dietas = hasta 4 sesiones al mes; el mes no supera el 30 % de la remuneración
    # del alcalde (Ley 32269). Lapsos de convocatoria en días hábiles y mayorías por materia: services/concejo.py
    "REMUNERACION_ALCALDE": 0,
    "DIETA_PORCENTAJE": 0.30,
    "DIETAS_MAX_MES": 4,
    # una sesión no se instala antes de su fecha y hora; minutos de anticipación admitidos
    "TOLERANCIA_INSTALAR_MINUTOS": 0,
}
DE_ENTORNO = ("DATABASE_URL", "SECRET_KEY", "MUNICIPALIDAD", "SIGLA_ENTIDAD", "HORA_CIERRE",
              "ADJUNTOS_DIR", "TZ", "RATELIMIT_STORAGE_URI", "SESSION_COOKIE_SECURE", "REMUNERACION_ALCALDE")


def _clave_secreta(instancia: Path) -> str:
    archivo = instancia / "secret_key"
    if not archivo.exists():
        archivo.write_text(secrets.token_hex(32))
        archivo.chmod(0o600)
    return archivo.read_text().strip()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    instancia = Path(app.instance_path)
    instancia.mkdir(parents=True, exist_ok=True)

    app.config.update(POR_DEFECTO)
    app.config.from_pyfile("config.py", silent=True)
    for nombre in DE_ENTORNO:
        if os.environ.get(nombre):
            app.config[nombre] = os.environ[nombre]
    app.config.update(config or {})

    app.config.setdefault("DATABASE_URL", f"sqlite:///{instancia / 'secretaria.db'}")
    app.config.setdefault("ADJUNTOS_DIR", str(instancia / "adjuntos"))
    if not app.config.get("SECRET_KEY"):
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
    if isinstance(app.config.get("SESSION_COOKIE_SECURE"), str):
        app.config["SESSION_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"] == "1"

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

    import publico
    from auth import bp as auth_bp

    app.config.setdefault("MAX_CONTENT_LENGTH", (int(app.config.get("MAX_ADJUNTO_MB", 10)) + 1) * 1024 * 1024)
    app.register_blueprint(auth_bp)
    publico.init_app(app)

    from admin_views import init_admin

    init_admin(app)

    import commands

    commands.init_app(app)

    from admin_views.base import registrar_filtros_jinja

    registrar_filtros_jinja(app)

    @app.get("/")
    def inicio():
        return redirect(url_for("admin.index"))

    @app.after_request
    def cabeceras_seguras(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    return app


@login_manager.user_loader
def _cargar_usuario(uid: str):
    usuario = db.session.get(Usuario, int(uid))
    return usuario if usuario and usuario.activo else None


def _configurar_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(conexion, _registro):
        cur = conexion.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
