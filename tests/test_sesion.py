"""Ingreso y sesión endurecidos (issue 9, ítems 5–9): redirecciones, sesiones, bloqueo por origen,
política de contraseñas, tamaño máximo y páginas de error en castellano."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from app import create_app
from models import Feriado, IntentoLogin, Usuario, ahora, db
from tests.conftest import CLAVE, ClienteAislado, Navegador, _config, token_csrf

MALOS = ["/%09/evil.com", "//evil.com", "http:/evil.com", "https:evil.com", "/\\evil.com", "%2F%2Fevil.com",
         "/admin/%0d%0aSet-Cookie:%20x=1", "/%0a/evil.com", "javascript:alert(1)", "https://evil.com/"]


def _usuario(nombre):
    return db.session.scalar(sa.select(Usuario).where(Usuario.username == nombre))


def _desde(app, ip: str) -> Navegador:
    """Un navegador que llega desde la IP `ip`."""
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = ip
    return Navegador(c)


# ------------------------------------------------------------------ 5. redirecciones abiertas
@pytest.mark.parametrize("siguiente", MALOS)
def test_login_no_redirige_fuera_del_sitio(nav, siguiente):
    r = nav.c.post(f"/login?next={siguiente}", data={"username": "unidad", "password": CLAVE,
                                                     "csrf_token": token_csrf(nav.c)})
    assert r.status_code == 302
    assert r.headers["Location"] == "/admin/"


def test_login_sigue_una_ruta_del_sitio(nav):
    r = nav.c.post("/login?next=/admin/expediente/%3Fpage%3D1", data={
        "username": "unidad", "password": CLAVE, "csrf_token": token_csrf(nav.c)})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/expediente/?page=1"


@pytest.mark.parametrize("destino", MALOS)
def test_admin_url_de_retorno_solo_del_sitio(como, destino):
    """Tras crear, editar o borrar, Flask-Admin vuelve a `?url=`: solo si es una ruta del sitio."""
    nav = como("secretaria_general")
    r = nav.post(f"/admin/feriado/new/?url={destino}", {"fecha": "15/06/2026", "nombre": "Aniversario",
                                                       "tipo": "local"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/feriado/"), r.headers["Location"]
    fer_id = db.session.scalar(sa.select(Feriado.id).where(Feriado.nombre == "Aniversario"))
    r = nav.post(f"/admin/feriado/edit/?id={fer_id}&url={destino}", {"fecha": "16/06/2026",
                                                                     "nombre": "Aniversario", "tipo": "local"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/feriado/"), r.headers["Location"]
    r = nav.post("/admin/feriado/delete/", {"id": str(fer_id), "url": unquote(destino)})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/feriado/"
    assert db.session.get(Feriado, fer_id) is None


def test_admin_url_de_retorno_valida_se_sigue(como):
    nav = como("secretaria_general")
    r = nav.post("/admin/feriado/new/?url=/admin/feriado/%3Fpage%3D1", {"fecha": "15/06/2026",
                                                                      "nombre": "Aniversario", "tipo": "local"})
    assert r.headers["Location"] == "/admin/feriado/?page=1"


# ------------------------------------------------------------------ 6. sesiones
def test_salir_cierra_todas_las_sesiones_del_usuario(como):
    pc, celular, otro = como("unidad"), como("unidad"), como("mesa_partes")
    assert celular.get("/admin/").status_code == 200
    assert pc.post("/logout").status_code == 302
    r = celular.get("/admin/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert otro.get("/admin/").status_code == 200  # las sesiones de otros usuarios siguen


def test_cambiar_clave_cierra_las_demas_sesiones(como):
    pc, celular = como("unidad"), como("unidad")
    r = pc.post("/cambiar-clave", {"actual": CLAVE, "nueva": "Oficina-GDU-2026", "repetir": "Oficina-GDU-2026"})
    assert r.status_code == 302
    assert pc.get("/admin/").status_code == 200  # quien la cambió sigue dentro
    assert celular.get("/admin/").status_code == 302
    # el administrador cambia la contraseña: también terminan las sesiones de ese usuario
    admin = como("admin")
    u = _usuario("unidad")
    r = admin.post(f"/admin/usuario/edit/?id={u.id}", {
        "username": "unidad", "nombre": u.nombre, "rol": str(u.rol_id), "unidad": str(u.unidad_id),
        "activo": "y", "clave": "Asignada-por-TI-9"})
    assert r.status_code == 302
    assert pc.get("/admin/").status_code == 302


def test_cookie_de_sesion_antigua_no_vale(app, como):
    """Una cookie con el formato anterior (solo el id) o una versión vieja no inicia sesión."""
    nav = como("unidad")
    with nav.c.session_transaction() as s:
        s["_user_id"] = str(_usuario("unidad").id)
    assert nav.get("/admin/").status_code == 302


def test_cambio_de_clave_obligatorio_bloquea_lo_demas(como, nav):
    u = _usuario("unidad")
    u.debe_cambiar_clave = True
    db.session.commit()
    r = nav.login("unidad")
    assert r.status_code == 302 and r.headers["Location"] == "/cambiar-clave"
    for url in ("/admin/", "/admin/expediente/", "/admin/expediente/new/"):
        r = nav.get(url)
        assert r.status_code == 302 and r.headers["Location"] == "/cambiar-clave", url
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(Feriado))
    r = nav.post("/admin/feriado/new/", {"fecha": "15/06/2026", "nombre": "X", "tipo": "local"})
    assert r.status_code == 302 and r.headers["Location"] == "/cambiar-clave"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Feriado)) == antes
    assert nav.get("/cambiar-clave").status_code == 200
    r = nav.post("/cambiar-clave", {"actual": CLAVE, "nueva": "Oficina-GDU-2026", "repetir": "Oficina-GDU-2026"})
    assert r.status_code == 302
    assert nav.get("/admin/").status_code == 200
    assert _usuario("unidad").debe_cambiar_clave is False


def test_cambio_obligatorio_permite_salir(nav):
    u = _usuario("unidad")
    u.debe_cambiar_clave = True
    db.session.commit()
    nav.login("unidad")
    assert nav.post("/logout").headers["Location"] == "/login"


# ------------------------------------------------------------------ 7. bloqueo por origen, sin enumeración
def test_bloqueo_es_del_origen_no_de_la_cuenta(app):
    atacante, empleado = _desde(app, "203.0.113.9"), _desde(app, "10.0.0.15")
    for _ in range(5):
        assert "Usuario o contraseña incorrectos." in atacante.login("mesa_partes", "adivinando").text
    r = atacante.login("mesa_partes", CLAVE)
    assert r.status_code == 200 and "Demasiados intentos fallidos" in r.text and "15 min" in r.text
    u = _usuario("mesa_partes")  # la pantalla Usuarios lo muestra (informativo)
    assert u.intentos_fallidos == 5 and u.bloqueado_hasta > ahora() + timedelta(minutes=14)
    # la misma cuenta desde la oficina sigue entrando: el atacante no deja a nadie fuera
    assert empleado.login("mesa_partes").status_code == 302
    # y el atacante, desde su IP, puede seguir con otro usuario (el par es usuario + IP)
    assert _desde(app, "203.0.113.9").login("unidad").status_code == 302


def test_bloqueos_seguidos_duran_cada_vez_mas(app):
    atacante = _desde(app, "203.0.113.9")
    duraciones = []
    for _ in range(3):
        for _ in range(5):
            atacante.login("mesa_partes", "adivinando")
        fila = db.session.scalar(sa.select(IntentoLogin).where(IntentoLogin.ip == "203.0.113.9"))
        duraciones.append(round((fila.bloqueado_hasta - ahora()).total_seconds() / 60))
        fila.bloqueado_hasta = ahora() - timedelta(seconds=1)  # pasó el bloqueo
        db.session.commit()
    assert duraciones == [15, 30, 60]
    assert atacante.login("mesa_partes").status_code == 302  # un ingreso correcto limpia el historial
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IntentoLogin)) == 0


def _sin_token(html: str) -> str:
    return re.sub(r'value="[^"]*"', "", html)


def test_usuario_inexistente_misma_respuesta_y_mismo_costo(app, monkeypatch):
    import services.seguridad as seg

    verificados = []
    original = seg.check_password_hash
    monkeypatch.setattr(seg, "check_password_hash", lambda h, c: verificados.append(h) or original(h, c))
    existe = _desde(app, "198.51.100.1").login("mesa_partes", "equivocada")
    no_existe = _desde(app, "198.51.100.2").login("fulano", "equivocada")
    assert existe.status_code == no_existe.status_code == 200
    assert _sin_token(existe.text).replace("mesa_partes", "X") == _sin_token(no_existe.text).replace("fulano", "X")
    # el usuario inexistente también paga un scrypt completo (contra un hash ficticio)
    assert len(verificados) == 2 and all(h.startswith("scrypt:") for h in verificados)
    # y también se bloquea al quinto intento: el bloqueo no revela si la cuenta existe
    nav = _desde(app, "198.51.100.2")
    for _ in range(5):
        nav.login("fulano", "x")
    assert "Demasiados intentos fallidos" in nav.login("fulano", "x").text


def test_limite_por_ip_en_el_ingreso(db_url, tmp_path):
    app = create_app({**_config(db_url, tmp_path), "RATELIMIT_ENABLED": True, "LIMITE_LOGIN": "4/minute"})
    app.test_client_class = ClienteAislado
    with app.app_context():
        nav = Navegador(app.test_client())
        for i in range(4):
            assert nav.login(f"usuario{i}", "x").status_code == 200
        r = nav.login("unidad")  # aun con la contraseña correcta: la IP agotó su cuota
        assert r.status_code == 429
        assert "Demasiadas solicitudes" in r.text and 'lang="es-PE"' in r.text
        assert nav.get("/login").status_code == 200  # ver el formulario no cuenta
        db.engine.dispose()


# ------------------------------------------------------------------ 8. política de contraseñas
@pytest.mark.parametrize("clave,mensaje", [
    ("corta-1", "al menos 10 caracteres"),
    ("unidad2026", "no puede ser su nombre de usuario"),
    ("Password123", "demasiado común"),
    ("contraseña2026", "demasiado común"),
    ("aaaaaaaaaaaa", "repite demasiado"),
    ("abababababab", "repite demasiado"),
])
def test_politica_en_cambio_de_clave(como, clave, mensaje):
    nav = como("unidad")
    hash_antes = _usuario("unidad").password_hash
    r = nav.post("/cambiar-clave", {"actual": CLAVE, "nueva": clave, "repetir": clave})
    assert r.status_code == 200 and mensaje in r.text
    assert _usuario("unidad").password_hash == hash_antes


def test_politica_en_la_pantalla_de_usuarios(como):
    nav = como("admin")
    u = _usuario("unidad")
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(Usuario))
    r = nav.post("/admin/usuario/new/", {"username": "pperez", "nombre": "Pedro Pérez", "rol": str(u.rol_id),
                                         "unidad": str(u.unidad_id), "activo": "y", "clave": "pperez2026"})
    assert r.status_code == 200 and "no puede ser su nombre de usuario" in r.text
    assert 'value="Pedro Pérez"' in r.text  # lo escrito se conserva
    r = nav.post(f"/admin/usuario/edit/?id={u.id}", {
        "username": "unidad", "nombre": u.nombre, "rol": str(u.rol_id), "unidad": str(u.unidad_id),
        "activo": "y", "clave": "qwertyuiop"})
    assert r.status_code == 200 and "demasiado común" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Usuario)) == antes
    r = nav.post("/admin/usuario/new/", {"username": "pperez", "nombre": "Pedro Pérez", "rol": str(u.rol_id),
                                         "unidad": str(u.unidad_id), "activo": "y", "clave": "Pino-Tramite-7x9q-lunes"})
    assert r.status_code == 302


def test_politica_en_crear_usuario(runner):
    r = runner.invoke(args=["crear-usuario", "pepe", "--rol", "unidad", "--unidad", "GDU"],
                      input="municipalidad2026\nmunicipalidad2026\n")
    assert r.exit_code != 0 and "demasiado común" in r.output
    assert _usuario("pepe") is None


def test_la_clave_de_prueba_cumple_la_politica():
    from services.seguridad import error_clave

    assert error_clave(CLAVE, "admin") is None


# ------------------------------------------------------------------ 9. tamaño máximo y páginas de error
def test_cuerpo_demasiado_grande_413_en_castellano(db_url, tmp_path):
    app = create_app({**_config(db_url, tmp_path), "MAX_CONTENT_LENGTH": 1024 * 1024})
    with app.app_context():
        r = app.test_client().post("/mesa-de-partes", data=b"x" * (2 * 1024 * 1024),
                                   content_type="application/octet-stream")
        assert r.status_code == 413
        assert "Archivo demasiado grande" in r.text and "1 MB" in r.text
        db.engine.dispose()


def test_tamano_maximo_por_defecto_25_mb(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024


def test_paginas_de_error_en_castellano(app, como, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_prueba_error")
    def _falla():
        raise RuntimeError("fallo de prueba")

    anonimo = {404: client.get("/no-existe"), 405: client.get("/logout"),
               400: client.get("/consulta?codigo=%00"),  # un NUL en la dirección (sin_caracteres_nulos)
               500: client.get("/_prueba_error")}
    for codigo, r in anonimo.items():
        assert r.status_code == codigo
        assert f"Error {codigo}" in r.text and 'lang="es-PE"' in r.text, codigo
        assert "Mesa de partes digital" in r.text  # el aspecto de las páginas públicas
        assert "Not Found" not in r.text and "Method Not Allowed" not in r.text
    assert "Allow" in anonimo[405].headers
    nav = como("unidad")
    r = nav.get("/admin/usuario/")
    assert r.status_code == 403 and "Acceso denegado" in r.text and "Volver al inicio" in r.text
    assert "Mesa de partes digital" not in r.text
    r = nav.get("/admin/expediente/details/?id=999999")
    assert r.status_code == 404 and "Página no encontrada" in r.text


def test_desbloquear_quita_los_bloqueos_de_todos_los_origenes(app, como):
    atacante = _desde(app, "203.0.113.9")
    for _ in range(5):
        atacante.login("mesa_partes", "adivinando")
    assert "Demasiados intentos fallidos" in atacante.login("mesa_partes").text
    admin = como("admin")
    r = admin.post("/admin/usuario/action/", {"action": "desbloquear", "rowid": [str(_usuario("mesa_partes").id)]})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IntentoLogin)) == 0
    assert atacante.login("mesa_partes").status_code == 302
