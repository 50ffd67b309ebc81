"""Ingreso con bloqueo, CSRF en cada POST, cookies y auditoría con antes/después."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import Feriado, IntentoLogin, RegistroAuditoria, Usuario, ahora, db
from tests.conftest import CLAVE


def _usuario(nombre):
    return db.session.scalar(sa.select(Usuario).where(Usuario.username == nombre))


def test_clave_con_kdf_moderno_y_cookie_segura(nav):
    assert _usuario("mesa_partes").password_hash.startswith("scrypt:")
    r = nav.login("mesa_partes")
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_bloqueo_tras_cinco_intentos(nav):
    """Se bloquea el par usuario + IP (no la cuenta de todos: ver tests/test_sesion.py)."""
    for _ in range(5):
        r = nav.login("mesa_partes", "equivocada")
        assert r.status_code == 200 and "Usuario o contraseña incorrectos." in r.text
    u = _usuario("mesa_partes")
    intento = db.session.scalar(sa.select(IntentoLogin).where(IntentoLogin.username == "mesa_partes"))
    assert intento.bloqueado_hasta > ahora() + timedelta(minutes=14)
    r = nav.login("mesa_partes", CLAVE)  # la clave correcta ya no basta desde este origen
    assert r.status_code == 200 and "Demasiados intentos fallidos" in r.text
    assert nav.get("/admin/").status_code == 302
    fallidos = db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria).where(
        RegistroAuditoria.accion == "login_fallido", RegistroAuditoria.usuario_id == u.id))
    assert fallidos == 6
    intento.bloqueado_hasta = ahora() - timedelta(seconds=1)  # pasaron los 15 minutos
    db.session.commit()
    assert nav.login("mesa_partes", CLAVE).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IntentoLogin)) == 0


def test_usuario_inexistente_no_revela_nada(nav):
    r = nav.login("nadie", "x")
    assert r.status_code == 200 and "Usuario o contraseña incorrectos." in r.text


def test_ingreso_sin_token_csrf_no_ingresa(nav):
    """El ingreso sin token (la página de ingreso caducó) no inicia sesión: vuelve a la página de ingreso con el
    aviso (nada que reenviar: la contraseña no se repite)."""
    r = nav.c.post("/login", data={"username": "admin", "password": CLAVE})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert nav.get("/admin/").status_code == 302  # sin sesión
    assert "caducó" in nav.get("/login").text


@pytest.mark.parametrize("url,datos", [
    ("/admin/feriado/new/", {"fecha": "15/06/2026", "nombre": "Aniversario", "tipo": "local"}),
    ("/admin/feriado/delete/", {"id": "1"}),
    ("/admin/feriado/action/", {"action": "delete", "rowid": ["1"]}),
    ("/admin/rol/matriz/?id=1", {"permiso": []}),
    ("/logout", {}),
])
def test_post_sin_token_csrf_es_400(como, url, datos):
    nav = como("secretaria_general")
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(Feriado))
    r = nav.c.post(url, data=datos)
    assert r.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Feriado)) == antes


def test_cambio_de_clave_y_salida(como):
    nav = como("unidad")
    r = nav.post("/cambiar-clave", {"actual": CLAVE, "nueva": "corta", "repetir": "corta"})
    assert r.status_code == 200 and "al menos 10 caracteres" in r.text
    r = nav.post("/cambiar-clave", {"actual": CLAVE, "nueva": "nueva-clave-2026", "repetir": "nueva-clave-2026"})
    assert r.status_code == 302
    assert nav.post("/logout").status_code == 302
    assert nav.get("/admin/").status_code == 302
    assert nav.login("unidad", CLAVE).status_code == 200
    assert nav.login("unidad", "nueva-clave-2026").status_code == 302


def _auditoria(entidad, entidad_id):
    return db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == entidad, RegistroAuditoria.entidad_id == entidad_id)
        .order_by(RegistroAuditoria.id)).all()


def test_auditoria_de_alta_cambio_y_baja(como):
    nav = como("secretaria_general")
    r = nav.post("/admin/feriado/new/", {"fecha": "15/06/2026", "nombre": "Aniversario del distrito",
                                         "tipo": "local"})
    assert r.status_code == 302
    fer = db.session.scalar(sa.select(Feriado).where(Feriado.nombre == "Aniversario del distrito"))
    assert str(fer.fecha) == "2026-06-15"
    fer_id = fer.id
    r = nav.post(f"/admin/feriado/edit/?id={fer_id}", {"fecha": "16/06/2026", "nombre": "Aniversario del distrito",
                                                       "tipo": "local"})
    assert r.status_code == 302
    assert nav.post("/admin/feriado/delete/", {"id": str(fer_id)}).status_code == 302
    assert db.session.get(Feriado, fer_id) is None
    filas = _auditoria("feriado", fer_id)
    assert [f.accion.value for f in filas] == ["crear", "editar", "eliminar"]
    usuario_id = _usuario("secretaria_general").id
    assert all(f.usuario_id == usuario_id and f.ip for f in filas)
    assert filas[0].cambios["nombre"] == [None, "Aniversario del distrito"]
    assert filas[1].cambios == {"fecha": ["2026-06-15", "2026-06-16"]}
    assert filas[2].cambios["fecha"] == ["2026-06-16", None]


def test_auditoria_de_solo_lectura(como):
    nav = como("auditor")
    assert nav.get("/admin/registro_auditoria/").status_code == 200
    assert nav.get("/admin/registro_auditoria/new/").status_code == 403
    fila = db.session.scalar(sa.select(RegistroAuditoria.id).limit(1))
    assert nav.post("/admin/registro_auditoria/delete/", {"id": str(fila)}).status_code == 403
    assert como("admin").get("/admin/registro_auditoria/edit/?id=1").status_code == 403
    assert nav.get("/admin/feriado/new/").status_code == 403


def test_contrasena_no_se_audita(como):
    nav = como("admin")
    u = _usuario("unidad")
    r = nav.post(f"/admin/usuario/edit/?id={u.id}", {
        "username": "unidad", "nombre": u.nombre, "rol": str(u.rol_id), "unidad": str(u.unidad_id),
        "activo": "y", "clave": "otra-clave-segura"})
    assert r.status_code == 302, re.sub(r"\s+", " ", r.text[r.text.find("<form"):])[:3000]
    fila = _auditoria("usuario", u.id)[-1]
    assert fila.cambios["password_hash"] == ["***", "***"]
    assert "otra-clave" not in str(fila.cambios)
