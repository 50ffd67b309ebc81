"""Acciones irreversibles: diálogo de confirmación en cada botón, y la sesión no se instala antes de su hora."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from models import ZONA_LIMA, SesionConcejo, db


def _proxima():
    return db.session.scalar(sa.select(SesionConcejo).where(SesionConcejo.estado == "convocada"))


@pytest.fixture
def sesiones(app):
    from services.semilla import cargar_sesiones_demo

    cargar_sesiones_demo()
    db.session.commit()


def _marcar_presentes(sg, s):
    datos = {"operacion": "asistencia", **{f"estado_{m.id}": "presente" for m in s.periodo.miembros}}
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", datos)
    assert r.status_code == 302


def test_no_se_instala_antes_de_la_hora_citada(app, sesiones, como):
    sg = como("secretaria_general")
    s = _proxima()  # citada para dentro de 7 días a las 10:00
    _marcar_presentes(sg, s)
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "instalar"}, follow_redirects=True)
    assert "no se puede instalar antes" in r.text
    assert db.session.get(SesionConcejo, s.id).estado.value == "convocada"
    # a la hora (con la tolerancia configurada) sí
    s = db.session.get(SesionConcejo, s.id)
    s.fecha_hora = datetime.now(ZONA_LIMA) + timedelta(minutes=10)
    db.session.commit()
    app.config["TOLERANCIA_INSTALAR_MINUTOS"] = 15
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "instalar"})
    assert r.status_code == 302
    assert db.session.get(SesionConcejo, s.id).estado.value == "instalada"


def test_botones_irreversibles_piden_confirmacion(app, sesiones, como, crear_expediente):
    exp = crear_expediente("GDU")
    texto = como("unidad").get(f"/admin/expediente/tramitar/?id={exp.id}").text
    for op in ("derivar", "atender", "archivar", "devolver"):
        boton = re.search(rf'<button[^>]*value="{op}"[^>]*>', texto).group(0)
        assert "data-confirmar=" in boton, op
    sg = como("secretaria_general")
    s = _proxima()
    s.fecha_hora = datetime.now(ZONA_LIMA) - timedelta(minutes=1)
    db.session.commit()
    _marcar_presentes(sg, s)
    texto = sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}").text
    assert re.search(r'value="instalar"[^>]*data-confirmar="¿Instalar', texto)
    assert sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "instalar"}).status_code == 302
    texto = sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}").text
    assert re.search(r'value="votar"[^>]*data-confirmar="¿Registrar la votación', texto)
    levantar = re.search(r'<button[^>]*value="levantada"[^>]*>', texto).group(0)
    assert "Hay 2 puntos pendientes de votación" in levantar  # aviso antes de cerrar con puntos pendientes
    assert "Todos presentes" in texto and "Todos a favor" in texto


def test_aprobar_el_acta_y_sacar_el_numero_de_una_norma_piden_confirmacion(app, sesiones, como):
    from models import Acta, NormaMunicipal
    from services.normas import proyectar_norma

    sg = como("secretaria_general")
    acta = db.session.scalar(sa.select(Acta))
    s = _proxima()  # una sesión posterior instalada, para que se ofrezca aprobar
    s.fecha_hora = datetime.now(ZONA_LIMA) - timedelta(minutes=1)
    db.session.commit()
    _marcar_presentes(sg, s)
    assert sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "instalar"}).status_code == 302
    texto = sg.get(f"/admin/acta/aprobar/?id={acta.id}").text
    assert re.search(r'<button[^>]*data-confirmar="¿Aprobar el acta de la Sesión ordinaria[^"]*ya no cambian\.">'
                     r'Aprobar</button>', texto)
    proyecto = NormaMunicipal(tipo="decreto_alcaldia", sumilla="Decreto que regula el horario de atención")
    proyectar_norma(proyecto)
    db.session.add(proyecto)
    db.session.commit()
    texto = sg.get(f"/admin/norma_municipal/aprobar/?id={proyecto.id}").text
    assert re.search(r'data-confirmar="¿Aprobar el proyecto y sacar el número siguiente de decreto de alcaldía\?'
                     r'[^"]*no se reutiliza', texto)
