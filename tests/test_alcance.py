"""Alcance por unidad: el usuario `unidad` (GDU) no alcanza expedientes ajenos por ningún camino."""

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from models import Derivacion, Expediente, Permiso, Rol, db


@pytest.fixture
def casos(crear_expediente):
    ajeno = crear_expediente("GAT", asunto="Reclamo por arbitrios de la manzana K")
    propio = crear_expediente("GDU", asunto="Licencia de edificación del lote 5")
    pasado = crear_expediente("GAT", pasa_por=("GDU",), asunto="Certificado de numeración del jirón Lima")
    return {"ajeno": (ajeno.id, ajeno.codigo), "propio": (propio.id, propio.codigo),
            "pasado": (pasado.id, pasado.codigo)}


def _dar_permiso(accion: str, rol: str = "unidad"):
    rol_id = db.session.scalar(sa.select(Rol.id).where(Rol.codigo == rol))
    db.session.add(Permiso(rol_id=rol_id, vista="expediente", accion=accion))
    db.session.commit()


def test_listado_y_conteo(como, casos):
    nav = como("unidad")
    r = nav.get("/admin/expediente/")
    assert casos["propio"][1] in r.text and casos["pasado"][1] in r.text
    assert casos["ajeno"][1] not in r.text
    r = nav.get("/admin/expediente/?flt0_origen_equals=externo")  # con filtros hay COUNT: también con alcance
    assert re.search(r"Listado\s*\(2\)", r.text)
    assert casos["ajeno"][1] not in r.text


def test_detalle_edicion_y_borrado_404(como, casos):
    nav = como("unidad")
    ajeno, _ = casos["ajeno"]
    assert nav.get(f"/admin/expediente/details/?id={ajeno}").status_code == 404
    assert nav.get(f"/admin/expediente/edit/?id={ajeno}").status_code == 404
    r = nav.post(f"/admin/expediente/edit/?id={ajeno}", {"asunto": "cambiado", "folios": "1", "prioridad": "normal"})
    assert r.status_code == 404
    assert nav.get(f"/admin/expediente/details/?id={casos['pasado'][0]}").status_code == 200
    _dar_permiso("eliminar")
    assert nav.post("/admin/expediente/delete/", {"id": str(ajeno)}).status_code == 404
    assert nav.post("/admin/expediente/action/", {"action": "delete", "rowid": [str(ajeno)]}).status_code == 404
    assert db.session.get(Expediente, ajeno).asunto.startswith("Reclamo")


def test_ajax_update(como, casos):
    nav = como("unidad")
    ajeno, _ = casos["ajeno"]
    r = nav.post("/admin/expediente/ajax/update/", {"list_form_pk": str(ajeno), "prioridad": "urgente"})
    assert r.status_code == 404
    propio, _ = casos["propio"]
    r = nav.post("/admin/expediente/ajax/update/", {"list_form_pk": str(propio), "prioridad": "urgente"})
    assert r.status_code == 200
    db.session.expire_all()
    assert db.session.get(Expediente, propio).prioridad.value == "urgente"
    assert db.session.get(Expediente, ajeno).prioridad.value == "normal"
    # sin permiso de edición, ni su propio expediente (archivo solo ve)
    r = como("archivo").post("/admin/expediente/ajax/update/", {"list_form_pk": str(propio), "prioridad": "normal"})
    assert r.status_code == 403


def test_exportacion_respeta_el_alcance(como, casos):
    r = como("unidad").get("/admin/expediente/export/xlsx/")
    assert r.status_code == 200
    hoja = openpyxl.load_workbook(io.BytesIO(r.data)).worksheets[0]
    r.close()
    codigos = {fila[0] for fila in hoja.iter_rows(min_row=2, values_only=True)}
    assert codigos == {casos["propio"][1], casos["pasado"][1]}


def test_busqueda_ajax_respeta_el_alcance(como, casos):
    r = como("unidad").get("/admin/derivacion/ajax/lookup/?name=expediente&query=EXP")
    assert r.status_code == 200
    ids = {fila[0] for fila in r.get_json()}
    assert ids == {casos["propio"][0], casos["pasado"][0]}
    r = como("secretaria_general").get("/admin/derivacion/ajax/lookup/?name=expediente&query=EXP")
    assert {fila[0] for fila in r.get_json()} >= {casos["ajeno"][0]}


def test_derivaciones_solo_de_su_unidad(como, casos, crear_expediente):
    otro = crear_expediente("GAT", pasa_por=("GSC",))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Derivacion)) == 2
    r = como("unidad").get("/admin/derivacion/")
    assert casos["pasado"][1] in r.text and otro.codigo not in r.text
    r = como("secretaria_general").get("/admin/derivacion/")
    assert casos["pasado"][1] in r.text and otro.codigo in r.text


def test_quien_ve_todo_ve_todo(como, casos):
    r = como("secretaria_general").get("/admin/expediente/")
    assert all(c[1] in r.text for c in casos.values())
