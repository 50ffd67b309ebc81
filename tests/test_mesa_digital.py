"""Mesa de partes digital y consulta ciudadana: el ciudadano sin cuenta presenta, recibe su cargo y consulta."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from models import (
    Adjunto,
    Expediente,
    Persona,
)
from tests.conftest import (
    PDF,
    Ciudadano,
    archivos_guardados,
    cliente_publico,
    consultar,
    contar,
    crear_persona,
    habil,
    leer,
    lima,
    presentacion_oraculo,
    texto_de,
    token_csrf,
    ultimo_expediente,
)


def test_mesa_de_partes_digital(base):
    app = base
    ciudadano = Ciudadano(app)
    assert "¿Cuánto es" in ciudadano.html
    r = ciudadano.presentar()
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/mesa-de-partes/cargo"
    exp = ultimo_expediente()
    texto = texto_de(ciudadano.c.get("/mesa-de-partes/cargo").text)
    assert exp.codigo in texto and exp.clave in texto

    assert (exp.canal.value, exp.origen.value, exp.unidad_actual.sigla) == ("digital", "externo", "UTD")
    assert (exp.estado.value, exp.folios, exp.creado_por_id) == ("registrado", 3, None)
    assert exp.persona.numero_documento == "45678912" and exp.persona.email == "juana.perez@example.pe"
    assert exp.fecha_presentacion == presentacion_oraculo(exp.fecha_recepcion)
    [adjunto] = exp.adjuntos
    sha = hashlib.sha256(PDF).hexdigest()
    assert (adjunto.sha256, adjunto.tamano, adjunto.nombre_archivo) == (sha, len(PDF), "solicitud.pdf")
    guardado = Path(app.config["ADJUNTOS_DIR"]) / adjunto.ruta
    assert guardado.read_bytes() == PDF and sha in guardado.name
    assert archivos_guardados(app) == [guardado]

    # el cargo digital es solo de la sesión que presentó
    r = app.test_client().get("/mesa-de-partes/cargo")
    assert r.status_code == 302 and exp.clave not in r.text


def test_mesa_de_partes_digital_rechazos(base):
    app = base
    app.config["MAX_ADJUNTO_MB"] = 1
    antes = (contar(Expediente), contar(Persona), contar(Adjunto))
    ciudadano = Ciudadano(app)

    casos = [
        ({"archivo": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00;", "nombre": "foto.pdf"},
         "archivo", "Solo se aceptan archivos PDF."),
        ({"archivo": b"%PDF-1.4\n" + b"0" * (3 * 512 * 1024)}, "archivo", "El archivo supera el máximo de 1 MB."),
        ({"respuesta": "-1"}, "respuesta", "La verificación no es correcta."),
        ({"numero_documento": "4567891"}, "numero_documento", "El DNI debe tener exactamente 8 dígitos."),
        ({"archivo": b""}, "archivo", "Adjunte el documento en PDF."),
    ]
    for campos, campo, mensaje in casos:
        r = ciudadano.presentar(**campos)
        assert r.status_code == 200, (campo, r.status_code)
        # el mensaje, junto al campo que lo causó
        m = re.search(rf'<input[^>]*name="{campo}"[^>]*>\s*<div class="invalid-feedback">([^<]*)</div>', r.text)
        assert m and m.group(1) == mensaje, (campo, mensaje)
        # lo escrito se conserva
        assert "Solicita copia certificada de la licencia de edificación" in r.text
        assert f'value="{campos.get("numero_documento", "45678912")}"' in r.text
        assert (contar(Expediente), contar(Persona), contar(Adjunto)) == antes
        assert archivos_guardados(app) == []

    # el robot que llena el campo trampa
    r = ciudadano.presentar(sitio_web="http://spam.example")
    assert r.status_code == 400
    assert (contar(Expediente), contar(Persona), contar(Adjunto)) == antes


def test_mesa_digital_fuera_de_hora(base, reloj):
    """Viernes 27/11/2026 a las 23:59:30 → ese viernes; domingo 29 a las 08:00 → lunes 30 (HORA_CIERRE 23:59)."""
    app = base
    assert app.config["HORA_CIERRE"] == "23:59"
    for momento, esperado, dni in ((lima(2026, 11, 27, 23, 59, 30), date(2026, 11, 27), "45678912"),
                                   (lima(2026, 11, 29, 8, 0), date(2026, 11, 30), "40123456")):
        reloj(momento)
        ciudadano = Ciudadano(app)
        r = ciudadano.presentar(numero_documento=dni)
        assert r.status_code == 302
        exp = ultimo_expediente()
        assert exp.fecha_recepcion == momento
        assert exp.fecha_presentacion == esperado == presentacion_oraculo(momento)
        assert exp.fecha_vencimiento == habil(esperado, exp.plazo_dias_habiles)
        texto = texto_de(ciudadano.c.get("/mesa-de-partes/cargo").text)
        assert momento.strftime("%d/%m/%Y %H:%M") in texto and esperado.strftime("%d/%m/%Y") in texto


def test_consulta_no_revela_nada_con_clave_equivocada(base, crear_expediente):
    exp = crear_expediente("GDU")
    cliente = cliente_publico(base)
    ok = consultar(cliente, exp.codigo, exp.clave)
    assert exp.codigo in ok.text and "Gerencia de Desarrollo Urbano" in ok.text
    otra = "".join(reversed(exp.clave)) if exp.clave != exp.clave[::-1] else "ZZZZZZZZ"
    equivocada = consultar(cliente, exp.codigo, otra)
    inexistente = consultar(cliente, "EXP-2026-999999", exp.clave)
    for r in (equivocada, inexistente):
        assert r.status_code == 200
        assert "No se encontró un expediente con ese código y clave." in r.text
        for dato in ("Gerencia de Desarrollo Urbano", exp.asunto, "Registrado", "Rosa", "10117410", "Movimientos"):
            assert dato not in r.text
    # las dos respuestas son la misma página (salvo el código que el usuario escribió)

    def limpiar(r):
        return re.sub(r'value="[^"]*"', "", r.text).replace(exp.codigo, "").replace("EXP-2026-999999", "")

    assert limpiar(equivocada) == limpiar(inexistente)


@pytest.fixture
def app_con_limite(otra_app):
    return otra_app(RATELIMIT_ENABLED=True, LIMITE_CONSULTA="3/minute")


def test_consulta_con_limite_de_frecuencia(app_con_limite):
    cliente = app_con_limite.test_client()
    token = token_csrf(cliente, "/consulta")
    estados = [cliente.post("/consulta", data={"codigo": "EXP-2026-000001", "clave": "AAAAAAAA",
                                               "csrf_token": token}).status_code for _ in range(5)]
    assert estados == [200, 200, 200, 429, 429]


def test_consulta_por_get_tambien_se_limita(app_con_limite, crear_expediente):
    exp = crear_expediente("GDU")
    cliente = app_con_limite.test_client()
    estados = [cliente.get(f"/consulta?codigo={exp.codigo}&clave=AAAAAAA{i}").status_code for i in range(5)]
    assert estados[:3] == [200, 200, 200]
    assert estados[3:] == [429, 429]


def test_sin_limite_la_otra_app_no_se_limita(app, app_con_limite):
    """Dos apps en un proceso (docs/arquitectura.md): la que tiene RATELIMIT_ENABLED=False no debe limitarse
    porque exista otra con límites."""
    cliente = app.test_client()
    token = token_csrf(cliente, "/consulta")
    estados = {cliente.post("/consulta", data={"codigo": "EXP-2026-000001", "clave": "AAAAAAAA",
                                               "csrf_token": token}).status_code for _ in range(22)}
    assert estados == {200}


def test_mesa_digital_no_sobrescribe_al_ciudadano_registrado(base):
    """Un formulario anónimo con un DNI ya registrado no cambia ni completa sus datos (el contacto de ese
    ingreso queda en el expediente; ver también tests/test_publico_seguro.py)."""
    persona_id = crear_persona(numero="45678912", nombres="Juana", apellidos="Pérez Ccori")
    r = Ciudadano(base).presentar(nombres="Impostor", apellidos="X", email="otro@example.pe")
    assert r.status_code == 302
    p = leer(Persona, persona_id)
    assert (p.nombres, p.apellidos, p.email) == ("Juana", "Pérez Ccori", None)
    assert ultimo_expediente().persona_id == persona_id
    assert ultimo_expediente().email_contacto == "otro@example.pe"


def test_mesa_digital_envia_el_cargo_por_correo_si_hay_servidor(base, correos):
    enviados = correos
    assert Ciudadano(base).presentar().status_code == 302  # sin MAIL_SERVER: no se envía
    assert enviados == []
    base.config.update(MAIL_SERVER="smtp.municipalidad.gob.pe", MAIL_USERNAME="mesadepartes")
    assert Ciudadano(base).presentar().status_code == 302
    exp = ultimo_expediente()
    [envio] = enviados
    assert envio["servidor"] == ("smtp.municipalidad.gob.pe", 587) and envio["tls"]
    msg = envio["msg"]
    assert msg["To"] == "juana.perez@example.pe" and exp.codigo in msg["Subject"]
    cuerpo = msg.get_content()
    assert exp.clave in cuerpo and exp.fecha_presentacion.strftime("%d/%m/%Y") in cuerpo
