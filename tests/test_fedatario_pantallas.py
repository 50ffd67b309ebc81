"""Pantallas del fedatario y de las notificaciones, por HTTP con sesión y CSRF: registrar, errores junto al campo,
sello con QR que lleva a la verificación, anulación, diligencias, cargo y listas por unidad."""

from __future__ import annotations

import io
import re
from datetime import date, time

import openpyxl
import pytest
import sqlalchemy as sa

from models import Certificacion, DocumentoEmitido, Notificacion, RegistroAuditoria, db
from tests.ayudas_fedatario import certificar, documento, hoy_es, leer_qr, persona


def _certificacion(nav, **datos):
    p = persona()
    db.session.commit()
    datos = {"tipo": "fedateo", "persona": str(p.id), "descripcion_documento": "DNI original", "folios": "3",
             **datos}
    return nav.post("/admin/certificacion/new/", datos)


def test_fedatario_registra_pagada_y_el_sello_lleva_el_qr_de_verificacion(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 3))
    nav = como("fedatario")
    r = _certificacion(nav, derecho_pago="5.50", recibo_pago="B001-000999")
    assert r.status_code == 302, r.text[-3000:]
    cert = db.session.scalar(sa.select(Certificacion))
    assert cert.codigo == "CERT-2026-00001" and cert.fedatario.username == "fedatario" and not cert.gratuita
    assert r.location.endswith(f"/admin/certificacion/sello/?id={cert.id}")
    sello = nav.get(f"/admin/certificacion/sello/?id={cert.id}")
    assert sello.status_code == 200
    for dato in ("CERTIFICACIÓN N° CERT-2026-00001", "03/08/2026", "Jorge Salazar Vega", "S/ 5,50", "B001-000999"):
        assert dato in sello.text
    url = leer_qr(sello.text)
    assert url == f"http://localhost/verificar/{cert.codigo_verificacion}"
    publica = nav.c.application.test_client().get(url.removeprefix("http://localhost"))
    assert publica.status_code == 200 and "CERT-2026-00001" in publica.text and "Rosa" not in publica.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "certificacion", RegistroAuditoria.accion == "imprimir")) == 1


def test_sin_expediente_sin_recibo_error_junto_al_campo(base, reloj, como, crear_expediente):
    hoy_es(reloj, date(2026, 8, 3))
    nav = como("fedatario")
    r = _certificacion(nav, derecho_pago="5.00", recibo_pago="", descripcion_documento="Partida X")
    assert r.status_code == 200
    assert "Indique el número del recibo de pago del derecho." in r.text and "Partida X" in r.text
    r = _certificacion(nav, derecho_pago="", recibo_pago="B1")
    assert "paga el derecho del TUPA" in r.text
    exp = crear_expediente()
    r = _certificacion(nav, expediente=str(exp.id), derecho_pago="5.00")
    assert r.status_code == 200 and "es gratuita" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificacion)) == 0
    r = _certificacion(nav, expediente=str(exp.id), derecho_pago="")
    assert r.status_code == 302, r.text[-3000:]
    cert = db.session.scalar(sa.select(Certificacion))
    assert cert.gratuita and cert.derecho_pago == 0 and cert.expediente_id == exp.id
    assert "gratuita (art. 138)" in nav.get(f"/admin/certificacion/sello/?id={cert.id}").text


def test_retencion_de_originales_y_alerta(base, reloj, como):
    hoy_es(reloj, date(2026, 4, 1))
    nav = como("fedatario")
    r = _certificacion(nav, derecho_pago="5", recibo_pago="B1", originales_retenidos="y",
                       fecha_devolucion_prevista="08/04/2026")
    assert r.status_code == 200 and "devuélvalos hasta el 07/04/2026" in r.text
    r = _certificacion(nav, derecho_pago="5", recibo_pago="B1", originales_retenidos="y",
                       fecha_devolucion_prevista="07/04/2026")
    assert r.status_code == 302
    cert = db.session.scalar(sa.select(Certificacion))
    assert "a más tardar el" in nav.get(f"/admin/certificacion/sello/?id={cert.id}").text
    hoy_es(reloj, date(2026, 4, 8))
    lista = nav.get("/admin/certificacion/?flt0_devolucion_de_originales_vencida_equals=1")
    assert cert.codigo in lista.text and "Vencido" in lista.text
    r = nav.post(f"/admin/certificacion/edit/?id={cert.id}", {"fecha_devolucion": "08/04/2026"})
    assert r.status_code == 302, r.text[-2000:]
    lista = nav.get("/admin/certificacion/?flt0_devolucion_de_originales_vencida_equals=1")
    assert cert.codigo not in lista.text


def test_anulacion_por_http_y_permisos(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 3))
    cert = certificar()
    assert como("mesa_partes").post(f"/admin/certificacion/anular/?id={cert.id}", {"motivo": "x"}).status_code == 403
    assert como("unidad").get("/admin/certificacion/").status_code == 403
    nav = como("fedatario")
    r = nav.post(f"/admin/certificacion/anular/?id={cert.id}", {"motivo": "  "})
    assert r.status_code == 200 and "Indique el motivo" in r.text
    r = nav.post(f"/admin/certificacion/anular/?id={cert.id}", {"motivo": "Copia ilegible"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificacion, cert.id).anulada
    assert "ANULADA" in nav.c.application.test_client().get(f"/verificar/{cert.codigo_verificacion}").text
    assert "ANULADA" in nav.get(f"/admin/certificacion/sello/?id={cert.id}").text
    # sin token CSRF no se anula nada
    assert nav.c.post(f"/admin/certificacion/anular/?id={cert.id}", data={"motivo": "x"}).status_code == 400


def test_diligencias_por_http_cargo_y_lista_por_unidad(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 10), time(18))
    doc = documento(date(2026, 7, 24))
    nav = como("unidad")  # GDU: la unidad que emitió
    lista = nav.get("/admin/notificacion_documento/?flt0_situacion_equals=por_notificar")
    assert doc.codigo in lista.text and "Fuera de plazo" in lista.text
    form = nav.get(f"/admin/notificacion/new/?documento={doc.id}")
    assert form.status_code == 200 and "001-2026-GDU/MDD" in form.text  # preseleccionado (JSON del select2)
    datos = {"documento": str(doc.id), "modalidad": "domicilio", "resultado": "rechazada",
             "fecha_hora": "31/07/2026 10:30", "direccion": "Jr. Los Olivos 123", "notificador": "Pedro Ruiz"}
    r = nav.post("/admin/notificacion/new/", datos)
    assert r.status_code == 200 and "Describa las características del lugar" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notificacion)) == 0
    r = nav.post("/admin/notificacion/new/", {**datos, "descripcion_inmueble": "Casa de 2 pisos, fachada verde"})
    assert r.status_code == 302, r.text[-3000:]
    db.session.expire_all()
    doc = db.session.get(DocumentoEmitido, doc.id)
    assert doc.estado.value == "notificado" and doc.fecha_notificacion == date(2026, 7, 31)
    n = db.session.scalar(sa.select(Notificacion))
    cargo = nav.get(f"/admin/notificacion/cargo/?id={n.id}")
    assert cargo.status_code == 200 and "24/08/2026" in cargo.text and "Casa de 2 pisos" in cargo.text
    assert leer_qr(cargo.text) == f"http://localhost/verificar/{doc.codigo_verificacion}"
    lista = nav.get("/admin/notificacion_documento/?flt0_situacion_equals=notificada")
    assert doc.codigo in lista.text and "firme desde el 25/08/2026" in lista.text
    hoy_es(reloj, date(2026, 8, 25))
    assert doc.codigo in nav.get("/admin/notificacion_documento/?flt0_situacion_equals=firme").text
    xlsx = nav.get("/admin/notificacion_documento/export/xlsx/?flt0_situacion_equals=firme")
    datos = xlsx.data
    xlsx.close()
    hoja = openpyxl.load_workbook(io.BytesIO(datos)).worksheets[0]
    assert [c.value for c in hoja[2]][0] == doc.codigo
    hoja_qr = nav.get(f"/admin/notificacion_documento/impreso/?id={doc.id}")
    assert leer_qr(hoja_qr.text) == f"http://localhost/verificar/{doc.codigo_verificacion}"


def test_otra_unidad_no_ve_ni_notifica_lo_ajeno(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 10), time(18))
    doc = documento(date(2026, 8, 3), sigla="GAT")
    nav = como("unidad")  # GDU
    assert doc.codigo not in nav.get("/admin/notificacion_documento/").text
    assert nav.get(f"/admin/notificacion_documento/impreso/?id={doc.id}").status_code == 404
    r = nav.post("/admin/notificacion/new/", {"documento": str(doc.id), "modalidad": "casilla_electronica",
                                              "resultado": "entregada", "fecha_hora": "05/08/2026 10:00"})
    assert r.status_code == 200 and "no existe o no está a su alcance" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notificacion)) == 0


@pytest.mark.parametrize("url", ["/admin/certificacion/", "/admin/certificacion/new/", "/admin/notificacion/",
                                 "/admin/notificacion/new/", "/admin/notificacion_documento/"])
def test_pantallas_abren_sin_ingles(base, reloj, como, url):
    hoy_es(reloj, date(2026, 8, 3))
    r = como("secretaria_general").get(url)
    if url.endswith("/new/") and "certificacion" in url:
        assert r.status_code == 403  # la SG solo consulta el registro del fedatario
        r = como("fedatario").get(url)
    assert r.status_code == 200
    for ingles in ("Save", "Cancel", "List", "Create", "Delete"):
        assert f">{ingles}<" not in r.text


def test_tablero_avisa_originales_vencidos_y_notificaciones_fuera_de_plazo(base, reloj, como):
    hoy_es(reloj, date(2026, 4, 1))
    certificar(originales_retenidos=True, fecha_devolucion_prevista=date(2026, 4, 7))
    hoy_es(reloj, date(2026, 4, 8))
    tablero = como("fedatario").get("/admin/").text
    assert "Originales por devolver (plazo vencido)" in tablero
    assert re.search(r'Originales por devolver \(plazo vencido\).{0,400}?>\s*1\s*<', tablero, re.S), tablero[-3000:]
    hoy_es(reloj, date(2026, 8, 10), time(18))
    documento(date(2026, 7, 24))  # GDU, sin notificar pasado el 04/08
    tablero = como("unidad").get("/admin/").text
    assert "Fuera del plazo de notificación (art. 24)" in tablero
    assert "Originales por devolver" not in tablero  # la unidad no ve el registro del fedatario


def test_resolucion_rige_desde_su_diligencia_de_notificacion(base, reloj, como):
    """Una resolución de alcaldía (se numera en Normas) se notifica con una diligencia: desde ella rige (LPAG
    art. 16) y corre el plazo del recurso; no se notifica dos veces; una unidad no la elige."""
    from models import NormaMunicipal

    hoy_es(reloj, date(2026, 8, 10), time(18))
    sg = como("secretaria_general")
    r = sg.post("/admin/norma_municipal/new/", {"tipo": "resolucion_alcaldia", "fecha_emision": "03/08/2026",
                                                "sumilla": "Sanciona a la administrada Rosa Quispe"})
    assert r.status_code == 302, r.text[-2000:]
    res = db.session.scalar(sa.select(NormaMunicipal).order_by(NormaMunicipal.id.desc()).limit(1))
    assert res.fecha_vigencia is None
    mesa = como("mesa_partes")
    datos = {"norma": str(res.id), "modalidad": "personal", "resultado": "entregada",
             "fecha_hora": "05/08/2026 09:15", "receptor_nombre": "Rosa Quispe Mamani",
             "receptor_documento": "10117410"}
    r = mesa.post("/admin/notificacion/new/", {**datos, "documento": ""})
    assert r.status_code == 302, r.text[-3000:]
    db.session.expire_all()
    res = db.session.get(NormaMunicipal, res.id)
    assert res.fecha_notificacion == res.fecha_vigencia == date(2026, 8, 5) and res.estado.value == "vigente"
    n = db.session.scalar(sa.select(Notificacion).where(Notificacion.norma_id == res.id))
    cargo = mesa.get(f"/admin/notificacion/cargo/?id={n.id}")
    assert res.codigo in cargo.text and "27/08/2026" in cargo.text  # 15 hábiles tras el 5/08 (el 6/08, feriado)
    r = mesa.post("/admin/notificacion/new/", datos)
    assert r.status_code == 200 and "no existe o no está a su alcance" in r.text  # ya notificada: no se ofrece
    r = mesa.post("/admin/notificacion/new/", {**datos, "norma": ""})
    assert r.status_code == 200 and "Elija el documento emitido o la resolución" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notificacion)) == 1
