"""Lo que un modelo declara una vez y toda pantalla aplica (issue 24), por HTTP con sesión y CSRF:

- una restricción con su mensaje (`models.regla`, `models.junto_a`): la base la rechaza y el mensaje aparece junto a
  su campo, con lo escrito conservado y nada guardado (la vista no repite la regla en `validar`);
- un mensaje de unicidad no dice de quién es la fila que ya tiene el valor (un usuario de unidad no averigua qué hay en
  otra);
- el asterisco de los campos obligatorios en todo formulario (`Obligatorio` es un InputRequired);
- `DeUnaUnidad`: la columna y la relación de la unidad, la búsqueda de la unidad en el formulario y el filtro por
  sigla sin declararlos.
"""

from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from admin_views.base import VistaSegura
from models import MiembroConcejo, PeriodoMunicipal, Permiso, Rol, Transferencia, db
from services import archivo
from tests.conftest import contar, unidad


def _error_junto_a(pagina: str, nombre: str) -> str:
    """El mensaje del bloque de error que sigue al campo `nombre` (Bootstrap 4: .is-invalid + .invalid-feedback)."""
    m = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{nombre}"[^>]*>', pagina)
    assert m, f"sin campo {nombre}"
    assert "is-invalid" in m.group(0), f"{nombre} no está marcado como inválido"
    resto = pagina[m.end():]
    if m.group(0).startswith("<select") or m.group(0).startswith("<textarea"):
        resto = resto[resto.index("</") :]
    e = re.search(r'<div class="invalid-feedback">(.*?)</div>', resto, re.S)
    assert e, f"sin mensaje junto a {nombre}"
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", e.group(1))).strip()


def test_restriccion_del_modelo_junto_a_su_campo(app, como):
    """`PeriodoMunicipal`: `regla("fin > inicio", …, "fin", …)`; la pantalla no tiene `validar`."""
    sg = como("secretaria_general")
    datos = {"nombre": "2031-2034", "inicio": "01/01/2031", "fin": "31/12/2030"}
    r = sg.post("/admin/periodo_municipal/new/", datos)
    assert r.status_code == 200
    assert _error_junto_a(r.text, "fin") == "El fin del período debe ser posterior a su inicio."
    assert 'value="2031-2034"' in r.text and 'value="31/12/2030"' in r.text  # lo escrito se conserva
    assert contar(PeriodoMunicipal, PeriodoMunicipal.nombre == "2031-2034") == 0
    assert sg.post("/admin/periodo_municipal/new/", {**datos, "fin": "31/12/2034"}).status_code == 302
    assert contar(PeriodoMunicipal, PeriodoMunicipal.nombre == "2031-2034") == 1


def test_unicidad_junto_al_campo_sin_decir_de_quien(app, como):
    """Un orden repetido en el período: el mensaje declarado en la UniqueConstraint, sin el nombre de quien lo tiene."""
    sg = como("secretaria_general")
    periodo = db.session.scalar(sa.select(PeriodoMunicipal).where(PeriodoMunicipal.nombre == "2023-2026"))
    quien = db.session.scalar(sa.select(MiembroConcejo).where(MiembroConcejo.periodo_id == periodo.id,
                                                              MiembroConcejo.orden == 3))
    antes = contar(MiembroConcejo)
    r = sg.post("/admin/miembro_concejo/new/", {"periodo": str(periodo.id), "nombre": "Ana Torres Vega",
                                                 "cargo": "regidor", "orden": "3", "habil": "y"})
    assert r.status_code == 200
    mensaje = _error_junto_a(r.text, "orden")
    assert mensaje == "Ese orden ya lo tiene otro miembro del período." and quien.nombre not in mensaje
    assert 'value="Ana Torres Vega"' in r.text and contar(MiembroConcejo) == antes
    # la otra regla del mismo modelo (CHECK): el alcalde es el orden 0
    r = sg.post("/admin/miembro_concejo/new/", {"periodo": str(periodo.id), "nombre": "Ana Torres Vega",
                                                 "cargo": "alcalde", "orden": "12", "habil": "y"})
    assert _error_junto_a(r.text, "orden") == "El alcalde lleva el orden 0 y los regidores 1 en adelante."


def test_asterisco_en_los_campos_obligatorios_de_toda_pantalla(app, como):
    """Todo campo que el navegador exige (`required`) lleva el asterisco en su etiqueta, en cada formulario de alta de
    cada pantalla que algún rol puede crear; y un campo opcional no lo lleva."""
    vistas = [v.endpoint for v in app.extensions["admin"][0]._views if isinstance(v, VistaSegura)]
    revisados, pantallas = 0, set()
    for rol in ("admin", "secretaria_general", "mesa_partes", "unidad", "archivo", "fedatario", "transparencia"):
        nav = como(rol)
        for endpoint in vistas:
            r = nav.get(f"/admin/{endpoint}/new/")
            if r.status_code != 200:
                continue
            etiquetas = dict(re.findall(r'<label for="([^"]+)"[^>]*>(.*?)</label>', r.text, re.S))
            for campo in re.findall(r'<(?:input|select|textarea)\b[^>]*>', r.text):
                ident = re.search(r'\bid="([^"]+)"', campo)
                if " required" not in campo or ident is None or ident.group(1) not in etiquetas:
                    continue
                assert "text-danger" in etiquetas[ident.group(1)], f"{endpoint}: «{ident.group(1)}» sin asterisco"
                revisados += 1
                pantallas.add(endpoint)
    assert revisados > 60 and len(pantallas) > 20, (revisados, sorted(pantallas))
    pagina = como("mesa_partes").get("/admin/persona/new/").text
    etiquetas = dict(re.findall(r'<label for="([^"]+)"[^>]*>(.*?)</label>', pagina, re.S))
    assert "text-danger" in etiquetas["numero_documento"] and "text-danger" not in etiquetas["apellidos"]


class _TransferenciaSinDeclarar(VistaSegura):
    """Una pantalla de un modelo DeUnaUnidad que no declara la búsqueda ni el filtro de la unidad; el número lo escribe
    el usuario (como el de un convenio), único en toda la municipalidad."""

    column_list = ("codigo", "unidad_origen", "fecha")
    column_filters = ("fecha",)
    form_columns = ("codigo", "unidad_origen", "fecha", "entregado_por")

    def on_model_change(self, form, model, is_created):
        escrito = model.codigo
        archivo.programar_transferencia(model)
        model.codigo = escrito


@pytest.fixture
def pantalla_de_prueba(app):
    app.extensions["admin"][0].add_view(_TransferenciaSinDeclarar(Transferencia, endpoint="transferencia_prueba",
                                                                  name="Transferencias (prueba)"))
    for codigo in ("unidad", "secretaria_general"):
        rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == codigo))
        db.session.add_all(Permiso(rol=rol, vista="transferencia_prueba", accion=a) for a in ("ver", "crear"))
    db.session.commit()
    return "/admin/transferencia_prueba"


def test_de_una_unidad_trae_columna_busqueda_y_filtro(pantalla_de_prueba, como):
    columna = Transferencia.__table__.c.unidad_origen_id  # la trae DeUnaUnidad: el modelo no la escribe
    assert not columna.nullable and [fk.column.table.name for fk in columna.foreign_keys] == ["unidad_organica"]
    gdu, sg = como("unidad"), como("secretaria_general")
    r = gdu.get(f"{pantalla_de_prueba}/ajax/lookup/?name=unidad_origen&query=GA")
    assert r.status_code == 200 and any(t.startswith("GAT") for _, t in json.loads(r.text))
    r = gdu.post(f"{pantalla_de_prueba}/new/", {"codigo": "T-1", "fecha": "30/04/2026", "entregado_por": "Ana"})
    assert r.status_code == 302, r.text[:3000]
    r = sg.post(f"{pantalla_de_prueba}/new/", {"codigo": "T-2", "unidad_origen": str(unidad("GAT").id),
                                               "fecha": "30/04/2026", "entregado_por": "Luis"})
    assert r.status_code == 302
    assert {t.codigo: t.unidad_origen.sigla for t in db.session.scalars(sa.select(Transferencia))} == \
        {"T-1": "GDU", "T-2": "GAT"}
    lista = sg.get(f"{pantalla_de_prueba}/?flt0_unidad_equals=GAT").text
    assert "T-2" in lista and "T-1" not in lista
    assert "GDU – Gerencia de Desarrollo Urbano" in sg.get(f"{pantalla_de_prueba}/").text  # opción del filtro


def test_unidad_no_averigua_lo_de_otra(pantalla_de_prueba, como):
    """GDU escribe el número que ya tiene una transferencia de GAT (que no ve): el mensaje, junto al campo, dice que
    el número ya está registrado sin decir de quién; lo escrito se conserva y nada se guarda."""
    sg, gdu = como("secretaria_general"), como("unidad")
    assert sg.post(f"{pantalla_de_prueba}/new/", {"codigo": "CONV-7", "unidad_origen": str(unidad("GAT").id),
                                                  "fecha": "30/04/2026", "entregado_por": "Luis Paredes"}
                   ).status_code == 302
    antes = contar(Transferencia)
    r = gdu.post(f"{pantalla_de_prueba}/new/", {"codigo": "CONV-7", "fecha": "30/04/2026", "entregado_por": "Ana"})
    assert r.status_code == 200 and contar(Transferencia) == antes
    assert _error_junto_a(r.text, "codigo") == "Ese valor ya está registrado: no se puede repetir."
    assert 'value="Ana"' in r.text
    assert "GAT" not in r.text and "Luis Paredes" not in r.text
