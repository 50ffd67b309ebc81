"""Casilla electrónica (issue 27): cuentas del ciudadano, aparte del personal.

Sesión propia (cookie `casilla`), la política de contraseñas y los bloqueos del personal, segundo factor TOTP,
enlaces de un solo uso que vencen, y ninguna forma de saber si una cuenta existe (ingreso, restablecimiento,
creación: misma respuesta, mismo trabajo, el correo en segundo plano)."""

from __future__ import annotations

import base64
import json
import re
import threading
from datetime import date, datetime, time, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app import create_app
from models import ZONA_LIMA, CuentaCasilla, EnlaceCasilla, Expediente, IntentoLogin, RegistroAuditoria, db
from services import casilla, correo
from tests.ayudas_casilla import (
    CLAVE_CIUDADANO,
    Ciudadano,
    crear_cuenta,
    expediente_de,
    mesa,
    persona,
    sin_token,
    token_de,
)
from tests.ayudas_fedatario import hoy_es
from tests.conftest import CLAVE, ClienteAislado, Navegador, _config, texto_de


def _cuenta(app):
    db.session.expire_all()
    return db.session.scalar(sa.select(CuentaCasilla))


def _correos_a(correos, destino: str) -> list:
    correo.esperar_envios()
    return [m for m in correos if "msg" in m and m["msg"]["To"] == destino]


# ------------------------------------------------------------------ sesión aparte
def test_ciudadano_no_llega_al_personal_ni_el_personal_a_la_casilla(app, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    cuenta = crear_cuenta()
    c = Ciudadano(app)
    r = c.ingresar(cuenta.persona.numero_documento)
    assert r.status_code == 302 and r.headers["Location"] == "/casilla/"
    galleta = c.c.get_cookie("casilla")
    assert galleta.http_only and galleta.same_site == "Lax"
    assert "_user_id" not in c.c.get_cookie("session").value  # Flask-Login no sabe nada del ciudadano
    r = c.get("/admin/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert c.get("/admin/expediente/").status_code == 302
    # un usuario del personal con su sesión no entra a la casilla, ni con su usuario y contraseña
    nav = Navegador(app.test_client())
    nav.login("mesa_partes")
    assert nav.get("/admin/").status_code == 200
    r = nav.get("/casilla/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/casilla/ingresar")
    r = nav.c.post("/casilla/ingresar", data={"tipo_documento": "DNI", "numero_documento": "mesa_partes",
                                              "clave": CLAVE, "csrf_token": nav.token})
    assert r.status_code == 200 and "Documento o contraseña incorrectos." in r.text
    assert nav.c.get_cookie("casilla") is None
    # salir de la casilla no cierra la sesión del personal del mismo navegador, ni al revés
    nav.c.set_cookie("casilla", galleta.value)
    assert nav.get("/casilla/").status_code == 200 and nav.get("/admin/").status_code == 200


def test_anonimo_va_a_la_pagina_de_ingreso(app):
    """Cada página de la casilla (salvo ingreso, creación y enlaces) sin sesión → /casilla/ingresar."""
    from casilla import SIN_SESION

    cliente, n = app.test_client(), 0
    for regla in app.url_map.iter_rules():
        if not regla.endpoint.startswith("casilla.") or regla.endpoint in SIN_SESION:
            continue
        url = app.url_map.bind("localhost").build(regla.endpoint, {a: 1 for a in regla.arguments})
        for metodo in sorted(regla.methods & {"GET", "POST"}):
            r = cliente.open(url, method=metodo, data={"csrf_token": "x"} if metodo == "POST" else None)
            n += 1
            if metodo == "GET":
                assert r.status_code == 302 and r.headers["Location"].startswith("/casilla/ingresar"), url
            else:
                assert r.status_code in (302, 400), url  # sin token válido, CSRFProtect responde 400 antes
    assert n >= 10


def test_cookie_alterada_vieja_o_vencida_no_vale(app, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    cuenta = crear_cuenta()
    c = Ciudadano(app)
    c.ingresar(cuenta.persona.numero_documento)
    valor = c.cookie()
    assert c.get("/casilla/").status_code == 200
    # otra cuenta en la carga útil, firma de la original: no vale
    otra = Ciudadano(app)
    _carga, resto = valor.split(".", 1)
    falsa = base64.urlsafe_b64encode(json.dumps({"c": cuenta.id + 1, "v": 0, "p": 0}).encode()).decode().rstrip("=")
    otra.c.set_cookie("casilla", f"{falsa}.{resto}")
    assert otra.get("/casilla/").status_code == 302
    # tras CASILLA_MINUTOS_SESION sin uso, vencida; cada página la renueva
    hoy_es(reloj, date(2026, 8, 10), time(10, 25))
    assert c.get("/casilla/").status_code == 200
    hoy_es(reloj, date(2026, 8, 10), time(10, 50))
    assert c.get("/casilla/").status_code == 200  # renovada a las 10:25
    hoy_es(reloj, date(2026, 8, 10), time(11, 21))
    assert c.get("/casilla/").status_code == 302
    # salir invalida también la cookie copiada en otro equipo
    hoy_es(reloj, date(2026, 8, 10), time(12))
    c.ingresar(cuenta.persona.numero_documento)
    copia = Ciudadano(app)
    copia.c.set_cookie("casilla", c.cookie())
    assert copia.get("/casilla/").status_code == 200
    assert c.post("/casilla/salir").status_code == 302 and c.cookie() is None
    assert copia.get("/casilla/").status_code == 302
    acciones = [a.value for a in db.session.scalars(sa.select(RegistroAuditoria.accion).where(
        RegistroAuditoria.entidad == "cuenta_casilla", RegistroAuditoria.accion.in_(("login", "logout"))))]
    assert acciones.count("login") == 2 and acciones.count("logout") == 1


# ------------------------------------------------------------------ bloqueos, límites y enumeración
def test_bloqueo_por_documento_e_ip_como_el_personal(app, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    cuenta = crear_cuenta()
    dni = cuenta.persona.numero_documento
    c = Ciudadano(app, "198.51.100.7")
    for _ in range(5):
        assert "Documento o contraseña incorrectos." in c.ingresar(dni, "equivocada-1").text
    r = c.ingresar(dni)  # la contraseña correcta, desde el origen bloqueado
    assert r.status_code == 200 and "Demasiados intentos fallidos desde este equipo" in r.text
    assert db.session.scalar(sa.select(IntentoLogin.username).where(IntentoLogin.ip == "198.51.100.7")) == \
        f"casilla:dni:{dni}"  # la misma tabla del personal, con su propio espacio de nombres
    assert Ciudadano(app, "198.51.100.8").ingresar(dni).status_code == 302  # desde otro equipo sí entra
    hoy_es(reloj, date(2026, 8, 10), time(10, 16))
    assert c.ingresar(dni).status_code == 302  # 15 minutos después
    # una cuenta que no existe también se bloquea (el bloqueo no revela nada)
    otro = Ciudadano(app, "198.51.100.9")
    for _ in range(5):
        otro.ingresar("40999999", "x")
    assert "Demasiados intentos fallidos" in otro.ingresar("40999999", "x").text


def test_ingreso_misma_respuesta_y_mismo_costo_si_la_cuenta_no_existe(app, reloj, monkeypatch):
    import services.seguridad as seg

    hoy_es(reloj, date(2026, 8, 10), time(10))
    cuenta = crear_cuenta()
    verificados = []
    original = seg.check_password_hash
    monkeypatch.setattr(seg, "check_password_hash", lambda h, c: verificados.append(h) or original(h, c))
    existe = Ciudadano(app, "198.51.100.1").ingresar(cuenta.persona.numero_documento, "equivocada")
    no_existe = Ciudadano(app, "198.51.100.2").ingresar("40999999", "equivocada")
    sin_clave = crear_cuenta("40000012", validada=True)  # del mostrador, aún sin contraseña elegida
    sin_clave.password_hash = None
    db.session.commit()
    sin_elegir = Ciudadano(app, "198.51.100.3").ingresar("40000012", "equivocada")
    assert existe.status_code == no_existe.status_code == sin_elegir.status_code == 200
    textos = {sin_token(r.text).replace(n, "X") for r, n in ((existe, cuenta.persona.numero_documento),
                                                              (no_existe, "40999999"), (sin_elegir, "40000012"))}
    assert len(textos) == 1
    assert len(verificados) == 3 and all(h.startswith("scrypt:") for h in verificados)


def test_limite_por_ip_en_el_ingreso_y_en_los_correos(db_url, tmp_path):
    app = create_app({**_config(db_url, tmp_path), "RATELIMIT_ENABLED": True, "LIMITE_LOGIN": "3/minute",
                      "LIMITE_CASILLA_CORREO": "2/hour"})
    app.test_client_class = ClienteAislado
    with app.app_context():
        c = Ciudadano(app)
        for _ in range(3):
            assert c.ingresar("40999999", "x").status_code == 200
        r = c.ingresar("40999999", "x")
        assert r.status_code == 429 and "Demasiadas solicitudes" in r.text
        assert c.get("/casilla/ingresar").status_code == 200  # ver el formulario no cuenta
        for _ in range(2):
            assert c.post("/casilla/olvide", {"tipo_documento": "DNI", "numero_documento": "40999999"}
                          ).status_code == 200
        assert c.post("/casilla/olvide", {"tipo_documento": "DNI", "numero_documento": "40999999"}
                      ).status_code == 429
        db.engine.dispose()


def test_restablecer_no_revela_la_cuenta_ni_espera_al_correo(app, reloj, correos, monkeypatch):
    """Misma respuesta y el mismo trabajo en la base (una fila de auditoría) para una cuenta que existe y otra que no;
    la petición responde sin esperar al servidor de correo (que aquí tarda lo que la prueba quiera)."""
    import services.correo as srv

    hoy_es(reloj, date(2026, 8, 10), time(10))
    app.config["MAIL_SERVER"] = "smtp.muni.test"
    cuenta = crear_cuenta()
    correo.esperar_envios()
    correos.clear()
    soltar = threading.Event()
    Original = srv.smtplib.SMTP

    class Lento(Original):
        def send_message(self, msg):
            soltar.wait(10)
            super().send_message(msg)

    monkeypatch.setattr(srv.smtplib, "SMTP", Lento)
    respuestas = {}
    for dni in (cuenta.persona.numero_documento, "40999999"):
        antes = db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria))
        r = Ciudadano(app).post("/casilla/olvide", {"tipo_documento": "DNI", "numero_documento": dni})
        assert r.status_code == 200  # respondió con el correo aún detenido en el servidor SMTP
        respuestas[dni] = sin_token(r.text)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria)) == antes + 1
    assert respuestas[cuenta.persona.numero_documento] == respuestas["40999999"]
    assert not any("msg" in m for m in correos)
    soltar.set()
    enviados = _correos_a(correos, cuenta.email)
    assert len(enviados) == 1 and "/casilla/restablecer/" in enviados[0]["msg"].get_content()
    assert len([m for m in correos if "msg" in m]) == 1


def test_crear_desde_el_cargo_no_revela_si_ya_habia_casilla(app, reloj, correos, monkeypatch):
    import services.casilla as srv

    hoy_es(reloj, date(2026, 8, 10), time(10))
    app.config["MAIL_SERVER"] = "smtp.muni.test"
    hashes = []
    original = srv.generate_password_hash
    monkeypatch.setattr(srv, "generate_password_hash", lambda c: hashes.append(c) or original(c))
    existente = crear_cuenta("40000021")
    correo.esperar_envios()
    correos.clear()
    hashes.clear()
    respuestas = []
    for dni in ("40000021", "40000022"):
        exp = expediente_de(persona(dni, nombres="Ana", apellidos="Flores"), f"nuevo{dni}@example.pe")
        c = Ciudadano(app)
        with c.c.session_transaction() as s:
            s["cargo_digital"] = exp.id  # el cargo de su ingreso digital, en su sesión
        formulario = c.get("/casilla/crear").text
        assert f'value="nuevo{dni}@example.pe"' in formulario and "20.4" in formulario
        r = c.post("/casilla/crear", {"email": f"nuevo{dni}@example.pe", "clave": CLAVE_CIUDADANO,
                                      "repetir": CLAVE_CIUDADANO, "consentir": "y"})
        assert r.status_code == 200
        respuestas.append(sin_token(r.text))
    assert respuestas[0] == respuestas[1] and "Revise su correo" in respuestas[0]
    assert len(hashes) == 2  # el mismo trabajo en ambos casos
    aviso, = _correos_a(correos, existente.email)
    assert "ya tiene una" in aviso["msg"].get_content()
    assert _correos_a(correos, "nuevo40000021@example.pe") == []  # la casilla existente no cambia de correo
    nueva = db.session.scalar(sa.select(CuentaCasilla).join(CuentaCasilla.persona).where(
        CuentaCasilla.email == "nuevo40000022@example.pe"))
    assert nueva is not None and nueva.email_verificado_en is None and not nueva.identidad_validada
    assert nueva.consentimiento_vigente is not None and nueva.consentimiento_vigente.ip == "203.0.113.10"
    activar, = _correos_a(correos, "nuevo40000022@example.pe")
    assert "/casilla/verificar/" in activar["msg"].get_content()


def test_crear_sin_cargo_lo_explica_y_la_politica_de_claves(app, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    c = Ciudadano(app)
    r = c.get("/casilla/crear")
    assert "se crea desde el cargo" in r.text and "<form" not in r.text.split("<main", 1)[1]
    exp = expediente_de(persona("40000031", nombres="Luis", apellidos="Torres"), "luis@example.pe")
    with c.c.session_transaction() as s:
        s["cargo_digital"] = exp.id
    for clave, mensaje in (("40000031", "al menos 10 caracteres"), ("4000003199", "su nombre de usuario"),
                           ("Password123", "demasiado común")):
        r = c.post("/casilla/crear", {"email": "luis@example.pe", "clave": clave, "repetir": clave})
        assert r.status_code == 200 and mensaje in r.text and 'value="luis@example.pe"' in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CuentaCasilla)) == 0


# ------------------------------------------------------------------ enlaces de un solo uso que vencen
def test_activacion_en_linea_un_solo_uso(app, reloj, correos):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    app.config["MAIL_SERVER"] = "smtp.muni.test"
    exp = expediente_de(persona("40000041", nombres="Eva", apellidos="Díaz"), "eva@example.pe")
    c = Ciudadano(app)
    with c.c.session_transaction() as s:
        s["cargo_digital"] = exp.id
    c.post("/casilla/crear", {"email": "Eva@Example.pe", "clave": CLAVE_CIUDADANO, "repetir": CLAVE_CIUDADANO})
    token = token_de(_correos_a(correos, "eva@example.pe")[0])
    r = c.ingresar("40000041")
    assert r.status_code == 200 and "Primero confirme su correo" in r.text  # sabe la contraseña: se le dice
    assert c.get(f"/casilla/verificar/{token}").status_code == 200  # ver el enlace no lo consume
    r = c.post(f"/casilla/verificar/{token}")
    assert r.status_code == 302
    assert c.post(f"/casilla/verificar/{token}").status_code == 404  # ya se usó
    assert "no es válido, ya se usó o venció" in c.get(f"/casilla/verificar/{token}").text
    assert c.ingresar("40000041").status_code == 302
    assert db.session.scalar(sa.select(EnlaceCasilla.token_sha256)) != token  # solo se guarda su huella


def test_cuenta_del_mostrador_elige_su_clave_y_el_enlace_vence(app, reloj, correos):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    app.config["MAIL_SERVER"] = "smtp.muni.test"
    p = persona("40000051", nombres="Jorge", apellidos="Vargas")
    cuenta = casilla.crear_en_mostrador(p, "jorge@example.pe", mesa(), consentimiento=True, ip="192.0.2.5")
    db.session.commit()
    assert cuenta.identidad_validada and cuenta.consentimiento_vigente.registrado_por_id == mesa().id
    with pytest.raises(casilla.ErrorCasilla, match="ya tiene casilla"):
        casilla.crear_en_mostrador(p, "otro@example.pe", mesa())
    db.session.rollback()
    primero = token_de(_correos_a(correos, "jorge@example.pe")[0])
    c = Ciudadano(app)
    r = c.post(f"/casilla/verificar/{primero}", {"clave": "40000051", "repetir": "40000051"})
    assert r.status_code == 200 and "al menos 10 caracteres" in r.text  # la política, junto al campo
    # 48 horas después el enlace ya no vale; pide otro con «¿Olvidó su contraseña?» (le sirve para elegirla)
    hoy_es(reloj, date(2026, 8, 12), time(10, 1))
    assert c.post(f"/casilla/verificar/{primero}", {"clave": CLAVE_CIUDADANO, "repetir": CLAVE_CIUDADANO}
                  ).status_code == 404
    correos.clear()
    c.post("/casilla/olvide", {"tipo_documento": "DNI", "numero_documento": "40000051"})
    token = token_de(_correos_a(correos, "jorge@example.pe")[0])
    assert c.post(f"/casilla/restablecer/{token}", {"clave": CLAVE_CIUDADANO, "repetir": CLAVE_CIUDADANO}
                  ).status_code == 302
    assert c.ingresar("40000051").status_code == 302


def test_restablecer_un_solo_uso_vence_y_cierra_sesiones(app, reloj, correos):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    app.config["MAIL_SERVER"] = "smtp.muni.test"
    cuenta = crear_cuenta()
    dni = cuenta.persona.numero_documento
    abierta = Ciudadano(app)
    abierta.ingresar(dni)
    c = Ciudadano(app)
    correos.clear()
    c.post("/casilla/olvide", {"tipo_documento": "DNI", "numero_documento": dni})
    viejo = token_de(_correos_a(correos, cuenta.email)[0])
    correos.clear()
    c.post("/casilla/olvide", {"tipo_documento": "DNI", "numero_documento": dni})
    token = token_de(_correos_a(correos, cuenta.email)[0])
    assert c.get(f"/casilla/restablecer/{viejo}").status_code == 404  # el enlace nuevo anula el anterior
    hoy_es(reloj, date(2026, 8, 10), time(11, 1))  # 61 minutos
    assert c.get(f"/casilla/restablecer/{token}").status_code == 404
    hoy_es(reloj, date(2026, 8, 10), time(11, 5))
    correos.clear()
    c.post("/casilla/olvide", {"tipo_documento": "DNI", "numero_documento": dni})
    token = token_de(_correos_a(correos, cuenta.email)[0])
    nueva = "Otra clave muy segura 77"
    assert c.post(f"/casilla/restablecer/{token}", {"clave": nueva, "repetir": nueva}).status_code == 302
    assert c.post(f"/casilla/restablecer/{token}", {"clave": nueva, "repetir": nueva}).status_code == 404
    assert abierta.get("/casilla/").status_code == 302  # las sesiones abiertas se cerraron
    assert "incorrectos" in c.ingresar(dni).text
    assert c.ingresar(dni, nueva).status_code == 302


def test_enlace_un_solo_uso_con_dos_pestanas_a_la_vez(app, reloj, backend, correos):
    """Dos peticiones con el mismo enlace al mismo tiempo (PostgreSQL, hilos reales): solo una lo consume."""
    if backend != "postgres":
        pytest.skip("la carrera se prueba en PostgreSQL (SQLite serializa toda escritura)")
    hoy_es(reloj, date(2026, 8, 10), time(10))
    app.config["MAIL_SERVER"] = "smtp.muni.test"
    cuenta = crear_cuenta()
    casilla.pedir_restablecimiento("DNI", cuenta.persona.numero_documento)
    db.session.commit()
    token = token_de(_correos_a(correos, cuenta.email)[-1])
    barrera, resultados = threading.Barrier(4), []

    def usar(i):
        with app.app_context():
            barrera.wait()
            try:
                casilla.restablecer(token, f"Clave nueva número {i}")
                db.session.commit()
                resultados.append(i)
            except casilla.ErrorCasilla:
                db.session.rollback()
            finally:
                db.session.remove()

    hilos = [threading.Thread(target=usar, args=(i,)) for i in range(4)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join(60)
    assert len(resultados) == 1
    assert Ciudadano(app).ingresar(cuenta.persona.numero_documento, f"Clave nueva número {resultados[0]}"
                                   ).status_code == 302


# ------------------------------------------------------------------ segundo factor
def _codigo(secreto: str, momento: datetime) -> str:
    return pyotp.TOTP(secreto).at(momento)


def test_segundo_factor_totp(app, reloj):
    momento = datetime(2026, 8, 10, 10, 0, 5, tzinfo=ZONA_LIMA)
    reloj(momento)
    cuenta = crear_cuenta()
    dni = cuenta.persona.numero_documento
    c = Ciudadano(app)
    c.ingresar(dni)
    pagina = c.post("/casilla/seguridad", {"operacion": "preparar"}).text
    secreto = re.search(r"<code[^>]*>([A-Z2-7]+)</code>", pagina).group(1)
    assert "<svg" in pagina and secreto not in str(db.session.scalars(sa.select(RegistroAuditoria.cambios)).all())
    r = c.post("/casilla/seguridad", {"operacion": "activar", "a-codigo": "000000"})
    assert r.status_code == 200 and "El código no es correcto" in r.text
    r = c.post("/casilla/seguridad", {"operacion": "activar", "a-codigo": _codigo(secreto, momento)})
    assert r.status_code == 302 and _cuenta(app).totp_activo
    assert c.get("/casilla/").status_code == 200  # esta sesión sigue
    c.post("/casilla/salir")
    # el ingreso pide ahora el código; con la cookie «pendiente» no se ve nada más
    reloj(momento + timedelta(seconds=60))
    r = c.ingresar(dni)
    assert r.status_code == 302 and r.headers["Location"].startswith("/casilla/ingresar/codigo")
    assert c.get("/casilla/").status_code == 302
    assert "El código no es correcto" in c.post("/casilla/ingresar/codigo", {"codigo": "123456"}).text
    r = c.post("/casilla/ingresar/codigo", {"codigo": _codigo(secreto, momento + timedelta(seconds=60))})
    assert r.status_code == 302 and c.get("/casilla/").status_code == 200
    # el mismo código no sirve dos veces (otra persona que lo vio)
    otro = Ciudadano(app, "198.51.100.50")
    otro.ingresar(dni)
    r = otro.post("/casilla/ingresar/codigo", {"codigo": _codigo(secreto, momento + timedelta(seconds=60))})
    assert r.status_code == 200 and "ya se usó" in r.text
    # los códigos equivocados cuentan para el bloqueo del documento + IP
    for _ in range(4):
        otro.post("/casilla/ingresar/codigo", {"codigo": "111111"})
    r = otro.post("/casilla/ingresar/codigo", {"codigo": _codigo(secreto, momento + timedelta(seconds=90))})
    assert "Demasiados intentos fallidos" in r.text
    # desactivar exige contraseña y código
    reloj(momento + timedelta(seconds=120))
    r = c.post("/casilla/seguridad", {"operacion": "desactivar", "d-clave": "mala-clave-x",
                                      "d-codigo": _codigo(secreto, momento + timedelta(seconds=120))})
    assert "La contraseña no es correcta." in r.text and _cuenta(app).totp_activo
    r = c.post("/casilla/seguridad", {"operacion": "desactivar", "d-clave": CLAVE_CIUDADANO,
                                      "d-codigo": _codigo(secreto, momento + timedelta(seconds=120))})
    assert r.status_code == 302 and not _cuenta(app).totp_activo and _cuenta(app).totp_secreto is None


def test_cambiar_clave_cierra_las_demas_sesiones(app, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    cuenta = crear_cuenta()
    dni = cuenta.persona.numero_documento
    a, b = Ciudadano(app), Ciudadano(app)
    a.ingresar(dni)
    b.ingresar(dni)
    r = a.post("/casilla/seguridad", {"operacion": "clave", "c-actual": CLAVE_CIUDADANO, "c-nueva": dni + "00",
                                      "c-repetir": dni + "00"})
    assert r.status_code == 200 and "no puede ser su nombre de usuario" in r.text  # el DNI con dos dígitos
    nueva = "Clave renovada de la casilla"
    r = a.post("/casilla/seguridad", {"operacion": "clave", "c-actual": CLAVE_CIUDADANO, "c-nueva": nueva,
                                      "c-repetir": nueva})
    assert r.status_code == 302
    assert a.get("/casilla/").status_code == 200 and b.get("/casilla/").status_code == 302


# ------------------------------------------------------------------ CSRF
def test_cada_post_de_la_casilla_sin_token_es_400(app, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    cuenta = crear_cuenta()
    exp = expediente_de(cuenta.persona, cuenta.email)
    c = Ciudadano(app)
    c.ingresar(cuenta.persona.numero_documento)
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria))
    n = 0
    for regla in app.url_map.iter_rules():
        if not regla.endpoint.startswith("casilla.") or "POST" not in regla.methods:
            continue
        valores = {"token": "x", "expediente_id": exp.id, "solicitud_id": 1}
        url = app.url_map.bind("localhost").build(regla.endpoint, {a: valores[a] for a in regla.arguments})
        r = c.c.post(url, data={"operacion": "revocar", "tipo_documento": "DNI", "numero_documento": "40000011",
                                "clave": CLAVE_CIUDADANO})
        n += 1
        assert r.status_code == 400, url
    assert n >= 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria)) == antes
    assert c.get("/casilla/").status_code == 200  # la sesión sigue: nada se hizo
    assert db.session.get(Expediente, exp.id) is not None and _cuenta(app).consentimiento_vigente is not None


def test_demo_de_la_casilla(app):
    from services.semilla import CASILLA_DEMO, cargar_casilla_demo

    cargar_casilla_demo(CLAVE)
    db.session.commit()
    for dni, *_ in CASILLA_DEMO:
        c = Ciudadano(app)
        assert c.ingresar(dni, CLAVE).status_code == 302
        bandeja = c.get("/casilla/")
        dep_id = int(re.search(r"/casilla/notificacion/(\d+)", bandeja.text).group(1))
        assert c.get(f"/casilla/notificacion/{dep_id}/pdf").data.startswith(b"%PDF-")
    assert "Observado" in texto_de(c.get("/casilla/tramites").text)  # el segundo puede subsanar en línea
