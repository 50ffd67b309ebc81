"""Pantallas de trabajo: el detalle del expediente empieza por Tramitar, Cargo, movimientos y adjuntos;
el filtro «Unidad actual» ofrece las unidades; la bandeja y la lista llevan del código a «Tramitar»."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta


def test_detalle_del_expediente_empieza_por_lo_que_se_usa(app, como, crear_expediente):
    exp = crear_expediente("GDU", pasa_por=("UTD",))
    texto = como("secretaria_general").get(f"/admin/expediente/details/?id={exp.id}").text
    tramitar = texto.index(f"/admin/expediente/tramitar/?id={exp.id}")
    cargo = texto.index(f"/admin/expediente/cargo/?id={exp.id}")
    movimientos = texto.index('class="table table-sm table-striped movimientos"')
    adjuntos = texto.index("<h6>Adjuntos</h6>")
    datos = texto.index("<h6>Datos del expediente</h6>")
    assert tramitar < cargo < movimientos < adjuntos < datos
    assert "UTD → GDU" in texto
    assert exp.clave not in texto


def test_filtro_unidad_actual_ofrece_las_unidades(app, como):
    texto = como("secretaria_general").get("/admin/expediente/").text
    grupos = json.loads(html.unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</', texto, re.S).group(1)))
    [unidad] = grupos["Unidad actual"]
    assert ["GDU", "GDU – Gerencia de Desarrollo Urbano"] in unidad["options"]


def test_el_codigo_abre_tramitar(app, como, crear_expediente):
    exp = crear_expediente("GDU", pasa_por=("UTD",))
    sg = como("secretaria_general")
    assert f'href="/admin/expediente/tramitar/?id={exp.id}" title="Tramitar">{exp.codigo}</a>' in \
        sg.get("/admin/expediente/").text
    assert f'href="/admin/expediente/tramitar/?id={exp.id}" title="Recibir y tramitar">{exp.codigo}</a>' in \
        sg.get("/admin/derivacion/").text


def test_cargo_de_todas_las_citaciones_de_una_vez(app, como):
    import sqlalchemy as sa

    from models import ZONA_LIMA, Citacion, SesionConcejo, db
    from services.semilla import cargar_sesiones_demo

    cargar_sesiones_demo()
    db.session.commit()
    s = db.session.scalar(sa.select(SesionConcejo).where(SesionConcejo.estado == "convocada"))
    sg = como("secretaria_general")
    assert "Registrar cargo de todas" in sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}").text
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "cargo_todas",
                                                                "fecha_recepcion_todas": "no es fecha"},
                follow_redirects=True)
    assert "dd/mm/aaaa hh:mm" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Citacion).where(
        Citacion.sesion_id == s.id, Citacion.fecha_recepcion.is_not(None))) == 0
    # el cargo no puede ser anterior al envío de la citación (restricción en la base)
    envio = max(c.fecha_envio for c in db.session.scalars(sa.select(Citacion).where(Citacion.sesion_id == s.id)))
    recepcion = (envio + timedelta(hours=1)).astimezone(ZONA_LIMA).strftime("%d/%m/%Y %H:%M")
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "cargo_todas",
                                                                "fecha_recepcion_todas": recepcion})
    assert r.status_code == 302
    citas = db.session.scalars(sa.select(Citacion).where(Citacion.sesion_id == s.id)).all()
    assert citas and all(c.fecha_recepcion is not None and c.recibido_por == c.para for c in citas)
    assert "Registrar cargo de todas" not in sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}").text
