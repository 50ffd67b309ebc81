"""`/verificar/<codigo>`: pública, con límite por IP; confirma certificaciones y documentos emitidos sin datos
personales; un código equivocado → 404; una anulación se ve."""

from __future__ import annotations

from datetime import date

import pytest

from models import db
from tests.ayudas_fedatario import certificar, documento, hoy_es


def test_certificacion_verificada_sin_datos_personales(base, reloj, client):
    hoy_es(reloj, date(2026, 8, 3))
    cert = certificar(descripcion_documento="Partida de nacimiento de Rosa", recibo_pago="B001-777999")
    r = client.get(f"/verificar/{cert.codigo_verificacion}")
    assert r.status_code == 200
    texto = r.get_data(as_text=True)
    for dato in (cert.codigo, "03/08/2026", "Jorge Salazar Vega", "auténtico"):  # número, fecha, fedatario
        assert dato in texto
    assert "<th>Folios certificados</th><td>2</td>" in texto
    for personal in ("Rosa", "Quispe", "10117410", "B001-777999", "Partida"):
        assert personal not in texto
    assert r.headers["X-Robots-Tag"] == "noindex"


def test_codigo_equivocado_da_404(base, reloj, client):
    hoy_es(reloj, date(2026, 8, 3))
    cert = certificar()
    otro = cert.codigo_verificacion[:-1] + ("A" if cert.codigo_verificacion[-1] != "A" else "B")
    assert client.get(f"/verificar/{otro}").status_code == 404
    assert client.get(f"/verificar/{cert.codigo}").status_code == 404  # el número no es el código
    assert client.get("/verificar/x' OR 1=1 --").status_code == 404


def test_anulada_se_muestra(base, reloj, client):
    hoy_es(reloj, date(2026, 8, 3))
    cert = certificar()
    cert.anular("Copia ilegible de Rosa Quispe")
    db.session.commit()
    texto = client.get(f"/verificar/{cert.codigo_verificacion}").get_data(as_text=True)
    assert "ANULADA" in texto and "auténtico" not in texto and "Rosa" not in texto


def test_documento_emitido_verificado_y_proyecto_no(base, reloj, client):
    hoy_es(reloj, date(2026, 8, 3))
    doc = documento(date(2026, 8, 3))
    texto = client.get(f"/verificar/{doc.codigo_verificacion}").get_data(as_text=True)
    assert doc.codigo in texto and "Gerencia de Desarrollo Urbano" in texto and "03/08/2026" in texto
    assert "Rosa" not in texto and doc.asunto not in texto  # ni destinatario ni asunto
    doc.estado = "proyecto"  # lo que no salió de la entidad no se verifica
    db.session.commit()
    assert client.get(f"/verificar/{doc.codigo_verificacion}").status_code == 404


@pytest.fixture
def app_con_limite(otra_app):
    return otra_app(RATELIMIT_ENABLED=True, LIMITE_VERIFICAR="3/minute")


def test_verificar_con_limite_de_frecuencia(app_con_limite):
    cliente = app_con_limite.test_client()
    estados = [cliente.get(f"/verificar/AAAAAAAAAAAAAAA{i}").status_code for i in range(5)]
    assert estados == [404, 404, 404, 429, 429]
