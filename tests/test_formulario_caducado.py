"""Un formulario que caducó (token CSRF ausente o vencido) no guarda nada, pero no pierde lo escrito: la página lo
muestra y ofrece enviarlo de nuevo (o ingresar otra vez y luego enviarlo). Y el límite de peticiones, en castellano."""

from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from models import Feriado, db
from tests.conftest import CLAVE, Navegador, token_csrf

ORIGEN = {"Origin": "http://localhost"}  # lo que envía el navegador desde la propia aplicación
FERIADO = {"fecha": "08/01/2099", "nombre": "Aniversario del distrito (reenviado)", "tipo": "local"}

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _ocultos(texto: str, accion: str) -> dict[str, list[str]]:
    forma = re.search(rf'<form method="post" action="{re.escape(accion)}".*?</form>', texto, re.S)
    assert forma, f"sin formulario hacia {accion}"
    campos: dict[str, list[str]] = {}
    for nombre, valor in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', forma.group(0)):
        campos.setdefault(html.unescape(nombre), []).append(html.unescape(valor))
    return campos


def _guardado() -> bool:
    return bool(db.session.scalar(sa.select(Feriado.id).where(Feriado.nombre == FERIADO["nombre"])))


def test_con_sesion_se_muestra_lo_escrito_y_se_envia_de_nuevo(app, como, backend):
    admin = como("admin")
    r = admin.c.post("/admin/feriado/new/", data={**FERIADO, "csrf_token": "vencido"}, headers=ORIGEN)
    assert r.status_code == 400 and "El formulario caducó" in r.text
    assert "The CSRF" not in r.text and "Aniversario del distrito (reenviado)" in r.text and "Fecha" in r.text
    assert not _guardado()
    campos = _ocultos(r.text, "/admin/feriado/new/")
    assert campos["nombre"] == [FERIADO["nombre"]] and campos["csrf_token"][0] != "vencido"
    r = admin.c.post("/admin/feriado/new/", data={k: v[0] for k, v in campos.items()}, headers=ORIGEN)
    assert r.status_code == 302 and _guardado()


def test_sin_sesion_se_ingresa_y_luego_se_envia(app, backend):
    cliente = app.test_client()  # la sesión se cerró (salió en otra pestaña o venció)
    r = cliente.post("/admin/feriado/new/", data=FERIADO, headers=ORIGEN)
    assert r.status_code == 400 and "vuelva a ingresar para enviarlo" in r.text and FERIADO["nombre"] in r.text
    campos = _ocultos(r.text, "/login")
    assert json.loads(campos["reenviar"][0]) == [[k, v] for k, v in FERIADO.items()]
    r = cliente.post("/login", data={**{k: v[0] for k, v in campos.items()}, "username": "admin",
                                     "password": CLAVE})
    assert r.status_code == 200 and "Enviar de nuevo" in r.text and not _guardado()
    reenvio = _ocultos(r.text, "/admin/feriado/new/")
    r = cliente.post("/admin/feriado/new/", data={k: v[0] for k, v in reenvio.items()}, headers=ORIGEN)
    assert r.status_code == 302 and _guardado()


def test_desde_otro_sitio_no_se_ofrece_reenviar(app, como, backend):
    admin = como("admin")
    for cabeceras in ({}, {"Origin": "https://otro.example"}, {"Referer": "https://otro.example/trampa"}):
        r = admin.c.post("/admin/feriado/new/", data=FERIADO, headers=cabeceras)
        assert r.status_code == 400 and "no se vuelve a enviar" in r.text
        assert FERIADO["nombre"] not in r.text and "Enviar de nuevo" not in r.text
    assert not _guardado()


def test_las_contrasenas_no_se_repiten_y_el_ingreso_caducado_vuelve_al_ingreso(app, como, backend):
    nav = como("unidad")
    r = nav.c.post("/cambiar-clave", data={"actual": "Pw-xyz-actual", "nueva": "Pw-xyz-nueva",
                                           "repetir": "Pw-xyz-nueva"}, headers=ORIGEN)
    assert r.status_code == 400 and "El formulario caducó" in r.text and "Pw-xyz" not in r.text
    cliente = app.test_client()
    r = cliente.post("/login", data={"username": "admin", "password": CLAVE}, headers=ORIGEN)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert "La página de ingreso caducó" in cliente.get(r.headers["Location"]).text


def test_el_limite_de_consultas_se_explica_en_castellano(otra_app, backend):
    app = otra_app(RATELIMIT_ENABLED=True, LIMITE_CONSULTA="3/minute")
    cliente = app.test_client()
    token = token_csrf(cliente, "/consulta")
    for _ in range(3):
        cliente.post("/consulta", data={"codigo": "EXP-2026-000001", "clave": "AAAAAAAA", "csrf_token": token})
    r = cliente.post("/consulta", data={"codigo": "EXP-2026-000001", "clave": "AAAAAAAA", "csrf_token": token})
    assert r.status_code == 429
    assert "per 1 minute" not in r.text
    assert "llegaron más de 3 solicitudes en un minuto" in r.text and "Espere un minuto" in r.text
    otra = Navegador(otra_app(RATELIMIT_ENABLED=True, LIMITE_LOGIN="2/hour").test_client())
    respuestas = [otra.login("nadie", "x") for _ in range(3)]
    assert respuestas[-1].status_code == 429 and "llegaron más de 2 solicitudes en una hora" in respuestas[-1].text
