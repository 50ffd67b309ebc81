"""Seguridad de la sesión: destinos de redirección, política de contraseñas e intentos de ingreso.

- `destino_seguro`: solo se sigue una ruta relativa del mismo sitio (login `next`, Flask-Admin `url`).
- `error_clave`: política de contraseñas (OWASP ASVS 4.0 nivel 2, §2.1): al menos 10 caracteres, distinta
  del usuario, fuera de la lista de contraseñas comunes (`claves_comunes.txt`) y difícil de adivinar según
  zxcvbn (con las palabras del lugar: la entidad, su sigla, el año). La usan los formularios web y
  `flask crear-usuario`.
- `politica_csp`: la cabecera Content-Security-Policy de cada página.
- Intentos fallidos por usuario escrito **y** origen (IP): 5 fallos bloquean ese par, no la cuenta; cada
  bloqueo seguido dura el doble (15, 30, 60 min…, hasta un día).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta
from functools import cache
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from models import IntentoLogin, ahora, db

LARGO_MINIMO_CLAVE = 10
BLOQUEO_MAXIMO = timedelta(days=1)


# ------------------------------------------------------------------ redirecciones
def es_ruta_local(url: str | None) -> bool:
    """¿`url` es una ruta del mismo sitio («/admin/…»)? Rechaza «//otro», «/\\otro», esquemas y caracteres
    de control o espacios (el navegador los quita: «/\\t/evil.com» sería «//evil.com»)."""
    if not url or not url.startswith("/") or len(url) > 2000:
        return False
    if "\\" in url or any(unicodedata.category(c)[0] in "CZ" for c in url):
        return False
    if url.startswith("//"):
        return False
    partes = urlsplit(url)
    return not partes.scheme and not partes.netloc


def destino_seguro(url: str | None, por_defecto: str) -> str:
    return url if es_ruta_local(url) else por_defecto


# ------------------------------------------------------------------ cabeceras: Content-Security-Policy
# Manejadores en línea (onclick="…") que traen las plantillas de Flask-Admin y las hojas imprimibles: solo estas
# formas exactas se permiten, por su huella SHA-256 ('unsafe-hashes'); un manejador inyectado con otro código no
# corre. Los <script> en línea llevan el nonce de la petición (Admin(csp_nonce_generator=nonce_csp)).
MANEJADORES_PERMITIDOS = re.compile(
    r"window\.print\(\)|return false;|return modelActions\.execute\('[a-z_]{1,40}'\);|"
    r"faForm\.addInlineField\(this, '[a-z_-]{1,60}'\);|return faHelpers\.safeConfirm\('[^'\\<>]{1,200}'\);")
_MANEJADOR = re.compile(r"""\son[a-z]{3,20}\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def nonce_csp() -> str:
    """El nonce de esta petición para los <script> en línea (el mismo en toda la página)."""
    if "nonce_csp" not in g:
        g.nonce_csp = secrets.token_urlsafe(16)
    return g.nonce_csp


def politica_csp(html: str | None = None) -> str:
    """Content-Security-Policy: todo recurso sale del propio sitio; scripts del sitio o con el nonce de la petición;
    de los manejadores en línea de `html`, solo los de MANEJADORES_PERMITIDOS (por su huella)."""
    huellas = set()
    for doble, simple in _MANEJADOR.findall(html or ""):
        codigo = unescape(doble or simple)
        if MANEJADORES_PERMITIDOS.fullmatch(codigo):
            huellas.add(base64.b64encode(hashlib.sha256(codigo.encode()).digest()).decode())
    if html and "javascript:void(0)" in html:  # enlaces «vacíos» de Flask-Admin (menús, paginación): no hacen nada
        huellas |= {base64.b64encode(hashlib.sha256(c.encode()).digest()).decode()
                    for c in ("javascript:void(0)", "void(0)")}
    script = " ".join(["'self'", f"'nonce-{nonce_csp()}'", *(["'unsafe-hashes'"] if huellas else []),
                       *(f"'sha256-{h}'" for h in sorted(huellas))])
    return (f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'self'")


# ------------------------------------------------------------------ contraseñas
@cache
def claves_comunes() -> frozenset[str]:
    archivo = Path(__file__).with_name("claves_comunes.txt")
    return frozenset(linea.strip().lower() for linea in archivo.read_text(encoding="utf-8").splitlines()
                     if linea.strip() and not linea.startswith("#"))


def error_clave(clave: str | None, username: str | None = None) -> str | None:
    """Mensaje en castellano si la contraseña no cumple la política; None si la cumple."""
    clave = clave or ""
    if len(clave) < LARGO_MINIMO_CLAVE:
        return f"La contraseña debe tener al menos {LARGO_MINIMO_CLAVE} caracteres."
    baja = clave.strip().lower()
    usuario = (username or "").strip().lower()
    if usuario and (baja == usuario or baja.startswith(usuario) and baja[len(usuario):].isdigit()):
        return "La contraseña no puede ser su nombre de usuario."
    if baja in claves_comunes() or baja.rstrip("0123456789!.*#") in claves_comunes():
        return "Esa contraseña es demasiado común: elija otra."
    if len(set(baja)) < 3:
        return "La contraseña repite demasiado los mismos caracteres."
    if fortaleza(clave, username) < FORTALEZA_MINIMA:
        return ("La contraseña es fácil de adivinar (palabras conocidas, el año, secuencias o repeticiones): use "
                "una frase de tres o cuatro palabras, o mezcle letras, números y signos sin un patrón.")
    return None


# palabras que un atacante prueba primero contra el personal de una municipalidad (además de las de zxcvbn, que son
# en su mayoría del inglés): se suman el nombre de la entidad, su sigla, el usuario y el año
PALABRAS_DEL_LUGAR = ("municipalidad", "municipal", "distrital", "provincial", "secretaria", "general", "sesiones",
                      "sesion", "concejo", "regidor", "alcalde", "tramite", "documentario", "mesa", "partes",
                      "expediente", "oficina", "gerencia", "clave", "contrasena", "password", "peru", "lima", "demo")
FORTALEZA_MINIMA = 3  # zxcvbn: 0 (trivial) … 4 (muy difícil); 3 ≈ 10⁸ intentos o más


def fortaleza(clave: str, username: str | None = None) -> int:
    """Estimación de zxcvbn (patrones, diccionarios, fechas, teclados, repeticiones) con las palabras del lugar."""
    from zxcvbn import zxcvbn

    propias = [*PALABRAS_DEL_LUGAR, str(ahora().year), str(ahora().year + 1), username or ""]
    if has_app_context():
        propias += f"{current_app.config['MUNICIPALIDAD']} {current_app.config['SIGLA_ENTIDAD']}".lower().split()
    return zxcvbn(clave[:100], user_inputs=[p for p in propias if p])["score"]


@cache
def _hash_ficticio() -> str:
    return generate_password_hash("usuario-inexistente")


def comprobar_clave(password_hash: str | None, clave: str) -> bool:
    """Verifica la contraseña; sin usuario, contra un hash ficticio (mismo costo: no revela si existe)."""
    if password_hash is None:
        check_password_hash(_hash_ficticio(), clave or "")
        return False
    return check_password_hash(password_hash, clave or "")


# ------------------------------------------------------------------ intentos de ingreso
def _par(username: str, ip: str):
    return sa.and_(IntentoLogin.username == username[:60], IntentoLogin.ip == ip[:45])


def bloqueo_vigente(username: str, ip: str):
    """Momento hasta el que el par usuario+IP está bloqueado, o None."""
    hasta = db.session.scalar(sa.select(IntentoLogin.bloqueado_hasta).where(_par(username, ip)))
    return hasta if hasta is not None and hasta > ahora() else None


def registrar_fallo(username: str, ip: str):
    """Suma un fallo al par (atómico: `INSERT … ON CONFLICT DO UPDATE`); al quinto, bloquea el par y devuelve
    hasta cuándo (si no, None)."""
    momento = ahora()
    dialecto = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialecto == "postgresql" else sqlite.insert
    t = IntentoLogin.__table__
    stmt = (insert(t).values(username=username[:60], ip=ip[:45], fallidos=1, bloqueos=0, ultimo=momento)
            .on_conflict_do_update(index_elements=[t.c.username, t.c.ip],
                                   set_={"fallidos": t.c.fallidos + 1, "ultimo": momento})
            .returning(t.c.fallidos, t.c.bloqueos))
    fallidos, bloqueos = db.session.execute(stmt).one()
    if fallidos >= current_app.config["MAX_INTENTOS_LOGIN"]:
        duracion = min(timedelta(minutes=current_app.config["MINUTOS_BLOQUEO"]) * 2 ** bloqueos, BLOQUEO_MAXIMO)
        db.session.execute(sa.update(t).where(t.c.username == username[:60], t.c.ip == ip[:45])
                           .values(fallidos=0, bloqueos=bloqueos + 1, bloqueado_hasta=momento + duracion))
        return momento + duracion
    return None


def limpiar_intentos(username: str, ip: str) -> None:
    db.session.execute(sa.delete(IntentoLogin).where(_par(username, ip)))


def desbloquear(username: str) -> None:
    """Quita los bloqueos del usuario desde cualquier origen (acción «Desbloquear» de la pantalla Usuarios)."""
    db.session.execute(sa.delete(IntentoLogin).where(IntentoLogin.username == username))
