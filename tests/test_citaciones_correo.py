"""Citaciones por correo: la pantalla dice lo que de verdad pasó (sin servidor, falló, enviado el …)."""

from __future__ import annotations

import smtplib
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from models import ZONA_LIMA, Citacion, PuntoAgenda, SesionConcejo, db, hoy_lima


def _sesion_citada():
    from services import concejo
    from services.semilla import cargar_concejo_demo

    periodo = cargar_concejo_demo()
    s = SesionConcejo(periodo=periodo, tipo="extraordinaria", lugar="Salón consistorial",
                      fecha_hora=datetime.combine(hoy_lima() + timedelta(days=10), time(18), ZONA_LIMA))
    concejo.numerar_sesion(s)
    db.session.add(s)
    s.puntos = [PuntoAgenda(orden=1, titulo="Declaratoria de emergencia vial", materia="general",
                            mayoria_requerida="simple")]
    db.session.flush()
    concejo.citar(s)
    db.session.commit()
    return s.id


def _por_correo(sesion_id):
    return db.session.scalars(sa.select(Citacion).where(Citacion.sesion_id == sesion_id,
                                                        Citacion.medio == "correo")).all()


def test_sin_servidor_de_correo_no_dice_enviada(app, como):
    sid = _sesion_citada()
    citas = _por_correo(sid)
    assert citas and all(c.correo_enviado_en is None and "no está configurado" in c.correo_error for c in citas)
    texto = como("secretaria_general").get(f"/admin/sesion_concejo/conducir/?id={sid}").text
    # dicho una vez y en castellano llano: qué pasó y qué hacer (antes, «… (MAIL_SERVER)» en cada fila)
    assert "Las citaciones no se enviaron por correo porque el correo de la municipalidad no está configurado: " \
           "imprímalas" in texto and texto.count("No enviado (sin correo configurado)") == len(citas)
    assert "(MAIL_SERVER)</span>" not in texto and "Enviado el" not in texto
    assert "Correo" in como("secretaria_general").get("/admin/citacion/").text


def test_con_servidor_anota_cuando_salio(app, como, correos):
    app.config["MAIL_SERVER"] = "smtp.municipalidad.gob.pe"
    sid = _sesion_citada()
    citas = _por_correo(sid)
    assert len(correos) == len(citas) > 0
    assert all(c.correo_enviado_en is not None and c.correo_error is None for c in citas)
    texto = como("secretaria_general").get(f"/admin/sesion_concejo/conducir/?id={sid}").text
    assert f"Enviado el {citas[0].correo_enviado_en.astimezone(ZONA_LIMA):%d/%m/%Y}" in texto


def test_si_el_servidor_falla_lo_dice(app, como, monkeypatch):
    import services.correo

    class SMTPCaido:
        def __init__(self, *a, **kw):
            raise smtplib.SMTPConnectError(421, "servicio no disponible")

    monkeypatch.setattr(services.correo.smtplib, "SMTP", SMTPCaido)
    app.config["MAIL_SERVER"] = "smtp.municipalidad.gob.pe"
    sid = _sesion_citada()
    citas = _por_correo(sid)
    assert citas and all(c.correo_enviado_en is None and c.correo_error.startswith("falló el envío") for c in citas)
    texto = como("secretaria_general").get(f"/admin/sesion_concejo/conducir/?id={sid}").text
    assert "No enviado: falló el envío" in texto
