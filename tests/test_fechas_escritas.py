"""Fechas como las escribe o pega una persona, con una sola regla para todo campo y filtro de fecha
(admin_views/entradas.leer_fecha; en el navegador, static/fechas.js; tests/test_e2e_dia.py lo prueba en Chromium)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from admin_views.entradas import leer_fecha, leer_momento
from models import ZONA_LIMA, Feriado, SesionConcejo, db, hoy_lima


@pytest.mark.parametrize("texto", ["01/01/2027", "1/1/2027", "01-01-2027", "1.1.2027", "01012027", "01/01/27",
                                   "2027-01-01", " 01/01/2027 "])
def test_las_formas_de_escribir_una_fecha(texto):
    assert leer_fecha(texto) == date(2027, 1, 1)


@pytest.mark.parametrize("texto", ["", "01/12/2026/01/2027", "31/02/2027", "32/01/2027", "01/13/2027", "1/1",
                                   "Invalid date", "2027", "0101202", "01/01/2027 al 02/01/2027"])
def test_lo_que_no_es_una_fecha(texto):
    with pytest.raises(ValueError):
        leer_fecha(texto)


def test_anio_de_dos_cifras_y_fecha_y_hora():
    assert leer_fecha("15/03/99") == date(1999, 3, 15) and leer_fecha("15/03/69") == date(2069, 3, 15)
    assert leer_momento("5/1/2027 9:30") == datetime(2027, 1, 5, 9, 30)
    for malo in ("05/01/2027", "05/01/2027 25:00", "05/01/2027 9", "05/13/2027 09:30"):
        with pytest.raises(ValueError):
            leer_momento(malo)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_formulario_acepta_la_fecha_escrita_y_conserva_la_mala(app, como, backend):
    admin = como("admin")
    for i, texto in enumerate(("2/1/2099", "03012099", "04-01-2099", "2099-01-05")):
        r = admin.post("/admin/feriado/new/", {"fecha": texto, "nombre": f"Escrita {i}", "tipo": "local"})
        assert r.status_code == 302, (texto, r.text[:300])
    assert set(db.session.scalars(sa.select(Feriado.fecha).where(Feriado.nombre.like("Escrita %")))) == {
        date(2099, 1, d) for d in (2, 3, 4, 5)}
    r = admin.post("/admin/feriado/new/", {"fecha": "01/12/2026/01/2027", "nombre": "Mala", "tipo": "local"})
    assert r.status_code == 200
    assert "No es una fecha válida: escríbala como dd/mm/aaaa, por ejemplo 01/01/2027." in r.text
    assert 'value="01/12/2026/01/2027"' in r.text  # lo escrito se conserva junto al mensaje
    assert not db.session.scalar(sa.select(Feriado.id).where(Feriado.nombre == "Mala"))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_fecha_y_hora_escritas_en_el_formulario(app, como, backend):
    a = hoy_lima().year  # dentro del período municipal de la demo
    sg = como("secretaria_general")
    r = sg.post("/admin/sesion_concejo/new/", {"tipo": "ordinaria", "fecha_hora": f"5/12/{a} 9:30",
                                               "modalidad": "presencial", "fecha_convocatoria": f"0112{a}"})
    assert r.status_code == 302, r.text[:500]
    s = db.session.scalar(sa.select(SesionConcejo).order_by(SesionConcejo.id.desc()))
    assert s.fecha_hora.astimezone(ZONA_LIMA).replace(tzinfo=None) == datetime(a, 12, 5, 9, 30)
    assert s.fecha_convocatoria == date(a, 12, 1)
    r = sg.post("/admin/sesion_concejo/new/", {"tipo": "ordinaria", "fecha_hora": f"5/12/{a}",
                                               "modalidad": "presencial"})
    assert r.status_code == 200 and "No es una fecha y hora válidas" in r.text and f'value="5/12/{a}"' in r.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_filtros_y_reportes_con_la_misma_regla(app, como, crear_expediente, backend):
    exp = crear_expediente("GDU")
    dia = exp.fecha_presentacion
    sg = como("secretaria_general")
    for valor in (f"{dia.day}/{dia.month}/{dia.year} al {dia:%d%m%Y}", f"{dia:%d-%m-%Y} - {dia:%d.%m.%Y}"):
        r = sg.get("/admin/expediente/", query_string={"flt0_fecha_de_presentacion_between": valor})
        assert r.status_code == 200 and exp.codigo in r.text and "no válido" not in r.text, valor
    r = sg.get("/admin/expediente/", query_string={"flt0_fecha_de_presentacion_between": "Invalid date al 3/1/2026"})
    assert "Valor no válido para el filtro «Fecha de presentación»" in r.text
    r = sg.get("/admin/reporte_cumplimiento/", query_string={"desde": f"1/1/{dia.year}", "hasta": f"{dia:%d%m%Y}"})
    assert r.status_code == 200 and f'value="{dia:%d/%m/%Y}"' in r.text and "Indique una fecha" not in r.text
