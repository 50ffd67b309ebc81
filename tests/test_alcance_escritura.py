"""El alcance por unidad vale al leer y al escribir (issue 10, punto 1): en un modelo `DeUnaUnidad`
(models.py), VistaSegura fija la unidad de la fila para un usuario de alcance «unidad», al crear y al
editar; un usuario de alcance total elige la unidad (vacía: la suya)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import DeUnaUnidad, DocumentoEmitido, TipoDocumento, Usuario, db
from tests.conftest import lima, unidad


@pytest.fixture(autouse=True)
def _hoy_es_20_de_noviembre(reloj):
    """Las fechas de estas pruebas son del 20/11/2026: ese día se numeran (un acto numerado lleva la fecha del día
    en que se numera, o de pocos días antes: `ActoNumerado`)."""
    reloj(lima(2026, 11, 20, 10))


def _nuevo(nav, asunto: str, sigla: str | None):
    datos = {"tipo_documento": str(db.session.scalar(sa.select(TipoDocumento.id).filter_by(nombre="Informe"))),
             "fecha": "20/11/2026", "asunto": asunto, "destinatario": "Gerencia Municipal"}
    if sigla:
        datos["unidad"] = str(unidad(sigla).id)
    return nav.post("/admin/documento_emitido/new/", datos)


def _unidad_de(asunto: str) -> str:
    db.session.expire_all()
    doc = db.session.scalar(sa.select(DocumentoEmitido).filter_by(asunto=asunto))
    return doc.unidad.sigla


def test_usuario_de_unidad_no_crea_para_otra_unidad(app, como):
    gdu = como("unidad")  # Carlos Díaz Ramos, alcance «unidad», GDU
    r = _nuevo(gdu, "Informe que pretende ser de Administración Tributaria", "GAT")
    assert r.status_code == 302
    assert _unidad_de("Informe que pretende ser de Administración Tributaria") == "GDU"
    # y la fila sigue en su listado (antes «desaparecía»: creada para otra unidad, fuera de su alcance)
    assert "Informe que pretende ser de Administración Tributaria" in gdu.get("/admin/documento_emitido/").text
    # vacía: la suya; el campo no es obligatorio en el formulario
    assert _nuevo(gdu, "Informe sin unidad elegida", None).status_code == 302
    assert _unidad_de("Informe sin unidad elegida") == "GDU"
    formulario = gdu.get("/admin/documento_emitido/new/").text
    campo = re.search(r'<input[^>]*name="unidad"[^>]*>', formulario) or \
        re.search(r'<select[^>]*name="unidad"[^>]*>', formulario)
    assert campo and "required" not in campo.group(0)


def test_alcance_total_elige_la_unidad(app, como):
    sg = como("secretaria_general")  # alcance total
    assert _nuevo(sg, "Informe encargado a Administración Tributaria", "GAT").status_code == 302
    assert _unidad_de("Informe encargado a Administración Tributaria") == "GAT"
    assert _nuevo(sg, "Informe de la propia Secretaría", None).status_code == 302
    propia = db.session.scalar(sa.select(Usuario).filter_by(username="secretaria_general")).unidad
    assert _unidad_de("Informe de la propia Secretaría") == propia.sigla

def test_el_filtro_de_lectura_sale_del_mismo_gancho():
    """Un solo gancho en el modelo: `relacion_unidad` da la condición del listado y la columna que se fija."""
    assert issubclass(DocumentoEmitido, DeUnaUnidad) and DocumentoEmitido.relacion_unidad == "unidad"
    cond = DocumentoEmitido.filtro_unidad(7)
    assert str(cond.compile(compile_kwargs={"literal_binds": True})) == "documento_emitido.unidad_id = 7"
