"""Operación en producción (operacion.py, services/registro.py): salud para el balanceador, proxy de confianza
(ProxyFix con PROXIES), HSTS y cookie segura bajo HTTPS, una línea JSON por petición y por tarea con el código de
la solicitud, que la página de error muestra."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from models import RegistroAuditoria, db
from tests.conftest import CLAVE, token_csrf


def lineas_json(texto: str) -> list[dict]:
    return [json.loads(linea) for linea in texto.splitlines() if linea.startswith("{")]


# ------------------------------------------------------------------ salud
def test_salud_sin_sesion_ni_datos(app, client):
    for ruta, esperado in (("/salud", "ok"), ("/salud/lista", "listo")):
        r = client.get(ruta)
        assert (r.status_code, r.text.strip()) == (200, esperado)
        assert r.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in r.headers


def test_salud_lista_dice_no_listo_sin_revelar_por_que(app, client, otra_app, tmp_path, capsys):
    # migraciones atrasadas: la base en una revisión anterior a la del código
    actual = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'c9d0e1f2a3b4'"))
    db.session.commit()
    capsys.readouterr()
    r = client.get("/salud/lista")
    assert (r.status_code, r.text.strip()) == (503, "no listo")
    assert "c9d0e1f2a3b4" not in r.text and "migraciones" not in r.text
    [linea] = [x for x in lineas_json(capsys.readouterr().err) if x["evento"] == "no_listo"]
    assert "migraciones" in linea["problemas"][0] and "flask db upgrade" in linea["problemas"][0]
    assert client.get("/salud").status_code == 200  # el proceso sigue vivo
    # una migración más nueva que este código (se actualizó la base; este nodo aún no se reinicia): sigue listo
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'fedcba987654'"))
    db.session.commit()
    assert client.get("/salud/lista").status_code == 200
    assert [x for x in lineas_json(capsys.readouterr().err) if x["evento"] == "base_mas_nueva"]
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": actual})
    db.session.commit()
    assert client.get("/salud/lista").status_code == 200

    # almacén inalcanzable: ADJUNTOS_DIR es un archivo, no una carpeta
    (tmp_path / "no-es-carpeta").write_text("x")
    sin_almacen = otra_app(ADJUNTOS_DIR=str(tmp_path / "no-es-carpeta"))
    assert sin_almacen.test_client().get("/salud/lista").status_code == 503
    # base inalcanzable
    sin_base = otra_app(DATABASE_URL=f"sqlite:///{tmp_path}/no/existe/base.db")
    r = sin_base.test_client().get("/salud/lista")
    assert (r.status_code, r.text.strip()) == (503, "no listo")
    assert sin_base.test_client().get("/salud").status_code == 200


# ------------------------------------------------------------------ detrás de un proxy
def _login(cliente, **kw):
    return cliente.post("/login", data={"username": "mesa_partes", "password": CLAVE,
                                        "csrf_token": token_csrf(cliente)}, **kw)


def _ip_del_ultimo_login() -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(RegistroAuditoria.ip).where(RegistroAuditoria.accion == "login")
                             .order_by(RegistroAuditoria.id.desc()).limit(1))


NGINX = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "tramite.muni.gob.pe"}


def test_detras_de_nginx_ip_https_hsts_y_cookie_segura(app, otra_app):
    nodo = otra_app(PROXIES=1)
    c = nodo.test_client()
    r = c.get("/login", headers=NGINX)
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # con HTTPS, CSRF exige el Referer del mismo sitio (el que manda el navegador a través de nginx)
    r = _login(c, headers={**NGINX, "Referer": "https://tramite.muni.gob.pe/login"})
    assert r.status_code == 302, r.text[:1000]
    galleta = r.headers["Set-Cookie"]
    assert "Secure" in galleta and "HttpOnly" in galleta and "SameSite=Lax" in galleta
    assert _ip_del_ultimo_login() == "203.0.113.7"  # la del ciudadano, no la de nginx
    r = c.get("/admin/expediente/", headers=NGINX, base_url="https://localhost")
    assert r.status_code == 200  # la sesión iniciada a través del proxy vale


def test_sin_proxy_de_confianza_las_cabeceras_se_ignoran(app, otra_app):
    """PROXIES=0 (por defecto): quien llama directo no puede fingir otra IP ni HTTPS."""
    c = app.test_client()
    r = _login(c, headers=NGINX)
    assert r.status_code == 302
    assert "Secure" not in r.headers["Set-Cookie"] and "Strict-Transport-Security" not in r.headers
    assert _ip_del_ultimo_login() == "127.0.0.1"


def test_limite_por_ip_real_detras_del_proxy(app, otra_app):
    def codigos(nodo, ip, n):
        c = nodo.test_client()
        return [c.get("/verificar/NOEXISTE0000", headers={**NGINX, "X-Forwarded-For": ip}).status_code
                for _ in range(n)]

    con_proxy = otra_app(PROXIES=1, RATELIMIT_ENABLED=True, LIMITE_VERIFICAR="2/minute")
    assert codigos(con_proxy, "198.51.100.1", 3) == [404, 404, 429]
    assert codigos(con_proxy, "198.51.100.2", 1) == [404]  # otro ciudadano, su propio contador
    sin_proxy = otra_app(RATELIMIT_ENABLED=True, LIMITE_VERIFICAR="2/minute")
    assert codigos(sin_proxy, "198.51.100.1", 2) == [404, 404]
    assert codigos(sin_proxy, "198.51.100.2", 1) == [429]  # cambiar la cabecera no sirve: cuenta la IP real


# ------------------------------------------------------------------ registro JSON
def test_una_linea_json_por_peticion_con_su_codigo(app, como, capsys):
    mesa = como("mesa_partes")
    capsys.readouterr()
    r = mesa.get("/admin/expediente/")
    assert r.status_code == 200
    codigo = r.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", codigo)
    [linea] = [x for x in lineas_json(capsys.readouterr().err) if x.get("evento") == "peticion"]
    assert linea["id"] == codigo and linea["usuario"] == "mesa_partes"
    assert (linea["endpoint"], linea["metodo"], linea["ruta"], linea["estado"]) == \
        ("expediente.index_view", "GET", "/admin/expediente/", 200)
    assert linea["ms"] > 0 and linea["nivel"] == "INFO" and linea["nodo"] and linea["momento"].endswith("Z")
    assert mesa.get("/admin/expediente/").headers["X-Request-ID"] != codigo  # uno por petición


def test_id_del_proxy_solo_si_es_de_confianza(app, otra_app, capsys):
    con = otra_app(PROXIES=1).test_client()
    assert con.get("/salud", headers={"X-Request-ID": "9b1f0c2d7e4a4f11a0b3"}).headers["X-Request-ID"] == \
        "9b1f0c2d7e4a4f11a0b3"
    assert con.get("/salud", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"] != "<script>"
    sin = app.test_client()
    assert sin.get("/salud", headers={"X-Request-ID": "9b1f0c2d7e4a4f11a0b3"}).headers["X-Request-ID"] != \
        "9b1f0c2d7e4a4f11a0b3"


def test_error_500_muestra_el_codigo_y_el_registro_tiene_la_traza(app, client, monkeypatch, capsys):
    def falla():
        raise RuntimeError("la base se cayó a mitad de la consulta")

    monkeypatch.setitem(app.view_functions, "publico.normas", falla)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    capsys.readouterr()
    r = client.get("/normas")
    assert r.status_code == 500 and "Error interno" in r.text
    codigo = r.headers["X-Request-ID"]
    assert f"Código de la solicitud: <code>{codigo}</code>" in r.text
    lineas = [x for x in lineas_json(capsys.readouterr().err) if x.get("id") == codigo]
    error = next(x for x in lineas if x["nivel"] == "ERROR")
    assert "RuntimeError: la base se cayó" in error["traza"] and error["mensaje"].startswith("Exception on /normas")
    peticion = next(x for x in lineas if x["evento"] == "peticion")
    assert (peticion["estado"], peticion["nivel"]) == (500, "WARNING")


def test_una_linea_json_por_corrida_de_tarea(app, runner, capsys):
    r = runner.invoke(args=["tramite-diario"])
    assert r.exit_code == 0, r.output
    salida = r.output + capsys.readouterr().err
    [linea] = [x for x in lineas_json(salida) if x.get("evento") == "tarea"]
    assert (linea["tarea"], linea["resultado"], linea["diaria"]) == ("tramite-diario", "ok", False)
    assert linea["ms"] > 0 and "grupos_resumen" in linea and "no_presentados" in linea


@pytest.mark.parametrize("ruta", ["/salud", "/salud/lista"])
def test_salud_correcta_no_llena_el_registro(app, client, capsys, ruta):
    capsys.readouterr()
    assert client.get(ruta).status_code == 200
    assert not [x for x in lineas_json(capsys.readouterr().err) if x.get("evento") == "peticion"]
