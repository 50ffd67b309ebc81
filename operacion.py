"""Lo que necesita la operación de varios nodos detrás de un balanceador: salud (`/salud`, `/salud/lista`), proxy de
confianza (ProxyFix), HSTS y cookie segura bajo HTTPS, y una línea JSON por petición con su código de solicitud
(services/registro.py). Ver docs/despliegue.md."""

from __future__ import annotations

import logging
import re
import secrets
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from models import db
from services import archivos, registro

bp = Blueprint("salud", __name__)
HSTS = "max-age=31536000; includeSubDomains"  # un año: el navegador ya no intenta http
ID_ACEPTABLE = re.compile(r"[A-Za-z0-9._-]{8,100}")  # el X-Request-ID que pone nginx ($request_id)
MIGRACIONES = Path(__file__).parent / "migrations"


# ------------------------------------------------------------------ salud
def _sin_cache(cuerpo: str, codigo: int):
    return cuerpo, codigo, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/salud")
def salud():
    """Vida: el proceso responde. Sin base ni sesión: el balanceador lo consulta cada pocos segundos."""
    return _sin_cache("ok\n", 200)


def _revisiones(app: Flask) -> tuple[set[str], set[str]]:
    """(cabezas, todas las revisiones que este código conoce), leídas una vez por aplicación."""
    conocidas = app.extensions.get("revisiones_conocidas")
    if conocidas is None:
        from alembic.script import ScriptDirectory

        guion = ScriptDirectory(str(MIGRACIONES))
        conocidas = (set(guion.get_heads()), {r.revision for r in guion.walk_revisions()})
        app.extensions["revisiones_conocidas"] = conocidas
    return conocidas


def comprobar_listo() -> list[str]:
    """Lo que impide atender, en palabras del operador (vacío = listo): base, migraciones, almacén de archivos.

    Migraciones: la base debe estar en la cabeza que este código conoce. Si está en una revisión que este código no
    conoce (más nueva: se corrió `db upgrade` con la versión siguiente y este nodo aún no se reinicia), el nodo sigue
    listo —así se actualiza sin cortar el servicio: respaldo → `db upgrade` → reiniciar nodo por nodo— y lo avisa en
    el registro. Si está en una revisión anterior conocida, falta `flask db upgrade`: no está listo."""
    problemas = []
    try:
        with db.engine.connect() as c:
            revisiones = set(c.scalars(sa.text("SELECT version_num FROM alembic_version")))
        cabezas, conocidas = _revisiones(current_app)
        if revisiones != cabezas:
            if revisiones and not revisiones & conocidas:
                registro.evento("base_mas_nueva", logging.WARNING, revisiones=sorted(revisiones),
                                mensaje="la base está en una migración más nueva que este código: reinicie el nodo "
                                        "con la versión nueva")
            else:
                problemas.append(f"migraciones: la base está en {sorted(revisiones)} y el código espera "
                                 f"{sorted(cabezas)} (flask db upgrade)")
    except Exception as e:  # noqa: BLE001  (cualquier falla de la base es «no listo»)
        problemas.append(f"base de datos: {type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}")
    try:
        archivos.almacen().comprobar()
    except Exception as e:  # noqa: BLE001
        problemas.append(f"almacén de archivos: {type(e).__name__}: {str(e)[:300]}")
    return problemas


@bp.get("/salud/lista")
def salud_lista():
    """Disposición: base alcanzable, migraciones en la cabeza y almacén de archivos alcanzable. La respuesta no dice
    nada más (es pública); el motivo de un «no listo» va al registro del nodo."""
    problemas = comprobar_listo()
    if problemas:
        registro.evento("no_listo", logging.WARNING, problemas=problemas)
        return _sin_cache("no listo\n", 503)
    return _sin_cache("listo\n", 200)


# ------------------------------------------------------------------ cookies seguras bajo HTTPS
class SesionSegura(SecureCookieSessionInterface):
    """La cookie de sesión lleva `Secure` cuando la petición llegó por HTTPS (detrás del proxy, según
    X-Forwarded-Proto) o cuando SESSION_COOKIE_SECURE lo pide siempre."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (request and request.is_secure)


# ------------------------------------------------------------------ peticiones
def _antes():
    g.inicio_peticion = time.perf_counter()
    recibido = request.headers.get("X-Request-ID", "") if current_app.config["PROXIES"] else ""
    g.id_peticion = recibido if ID_ACEPTABLE.fullmatch(recibido) else secrets.token_hex(8)


def _despues(respuesta):
    respuesta.headers["X-Request-ID"] = g.get("id_peticion", "")
    if request.is_secure:
        respuesta.headers.setdefault("Strict-Transport-Security", HSTS)
    inicio = g.get("inicio_peticion")
    if request.endpoint in ("salud.salud", "salud.salud_lista") and respuesta.status_code < 400:
        return respuesta  # el balanceador consulta cada pocos segundos: solo se anota si falla
    usuario = g.get("_login_user")  # solo si la petición ya lo cargó (no se consulta la base para el registro)
    registro.evento(
        "peticion", logging.WARNING if respuesta.status_code >= 500 else logging.INFO,
        usuario=getattr(usuario, "username", None), endpoint=request.endpoint, metodo=request.method,
        ruta=request.path, estado=respuesta.status_code,
        ms=round((time.perf_counter() - inicio) * 1000, 1) if inicio else None, ip=request.remote_addr)
    return respuesta


def init_app(app: Flask) -> None:
    proxies = int(app.config["PROXIES"] or 0)
    app.config["PROXIES"] = proxies
    if proxies:
        # nginx delante: la IP del cliente, https y el host salen de X-Forwarded-* (solo de esos `proxies` saltos)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)
    app.session_interface = SesionSegura()
    registro.configurar(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _antes)  # antes que todo: el reloj y el id
    app.after_request(_despues)
    app.register_blueprint(bp)
