"""Exportar = exactamente las filas y el orden del listado, con fechas reales y hoja Filtros."""

import io
import re
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

from models import RegistroAuditoria, db
from tests.libros import revisar_libro


@pytest.fixture
def expedientes(crear_expediente):
    asuntos = ["Solicita licencia de funcionamiento", "Queja por ruidos molestos", "Solicita licencia de obra",
               "=HYPERLINK(\"http://malo\",\"clic\")", "Pedido de limpieza pública"]
    hechos = []
    for i in range(25):
        exp = crear_expediente("GDU" if i % 3 else "GAT", asunto=f"{asuntos[i % 5]} {i}", folios=i + 1)
        hechos.append(exp.codigo)
    return hechos


def _codigos_del_listado(html: str) -> list[str]:
    return re.findall(r"EXP-\d{4}-\d{6}", html)


def _libro(r):
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    libro = openpyxl.load_workbook(io.BytesIO(r.data))
    r.close()
    return libro


@pytest.mark.parametrize("consulta", [
    "search=licencia",
    "flt0_unidad_actual_equals=GDU&sort=6&desc=0",
    "search=licencia&flt0_unidad_actual_equals=GDU&sort=0&desc=1",
])
def test_exporta_lo_mismo_que_muestra_la_lista(como, expedientes, consulta):
    nav = como("secretaria_general")
    lista = nav.get(f"/admin/expediente/?{consulta}&page_size=100")
    assert lista.status_code == 200
    esperados = list(dict.fromkeys(_codigos_del_listado(lista.text)))
    assert 0 < len(esperados) < len(expedientes)
    libro = _libro(nav.get(f"/admin/expediente/export/xlsx/?{consulta}"))
    hoja = libro.worksheets[0]
    filas = list(hoja.iter_rows(values_only=True))
    assert filas[0][:4] == ("Código", "Recibido", "Presentación", "Origen")
    assert [f[0] for f in filas[1:]] == esperados


def test_tipos_reales_y_sin_formulas(como, expedientes):
    libro = _libro(como("secretaria_general").get("/admin/expediente/export/xlsx/"))
    hoja = libro.worksheets[0]
    encabezado = [c.value for c in hoja[1]]
    fila = hoja[2]
    celda = {encabezado[i]: c for i, c in enumerate(fila)}
    assert isinstance(celda["Recibido"].value, datetime) and celda["Recibido"].number_format == "dd/mm/yyyy hh:mm"
    assert isinstance(celda["Presentación"].value, datetime) and celda["Presentación"].number_format == "dd/mm/yyyy"
    assert isinstance(celda["Folios"].value, int | float)
    assert celda["Estado"].value == "Registrado"
    assert celda["Remitente"].value == "Rosa Quispe Mamani"
    textos = [c.value for c in hoja["F"]]
    malo = [t for t in textos if t and t.startswith("=HYPERLINK")]
    assert malo and all(hoja.cell(row=i + 1, column=6).data_type == "s"
                        for i, t in enumerate(textos) if t and t.startswith("="))
    assert hoja.freeze_panes == "A2" and hoja.auto_filter.ref


def test_hoja_filtros_y_auditoria(como, expedientes):
    nav = como("mesa_partes")
    libro = _libro(nav.get("/admin/expediente/export/xlsx/?search=licencia&flt0_unidad_actual_equals=GDU"))
    filtros = {f[0]: f[1] for f in libro["Filtros"].iter_rows(values_only=True)}
    assert "mesa_partes" in filtros["Exportado por"]
    assert filtros["Búsqueda"] == "licencia"
    assert any(k.startswith("Unidad actual") and v == "GDU – Gerencia de Desarrollo Urbano" for k, v in filtros.items())
    assert isinstance(filtros["Exportado el"], datetime) and filtros["Exportado el"].date() <= date.today()
    fila = db.session.scalars(sa.select(RegistroAuditoria).where(RegistroAuditoria.accion == "exportar")).one()
    assert fila.entidad == "expediente" and "licencia" in fila.detalle


def test_cada_listado_exporta(como, app):
    """Todas las pantallas exportan (el auditor ve y exporta todo)."""
    from admin_views.base import VistaSegura

    nav = como("auditor")
    for vista in app.extensions["admin"][0]._views:
        if isinstance(vista, VistaSegura):
            libro = _libro(nav.get(f"/admin/{vista.endpoint}/export/xlsx/"))
            assert libro.sheetnames[-1] == "Filtros", vista.endpoint
            revisar_libro(libro)  # anchos del contenido y página lista para imprimir, en cada listado
