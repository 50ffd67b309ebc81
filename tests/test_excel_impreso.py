"""Los Excel como los abre y los imprime la oficina (issue 23, puntos 1–5): anchos medidos del contenido, valores con
su tipo (horas, meses, conteos, soles), página lista para imprimir, gráficos con las etiquetas correctas, la sesión
en el Excel de votos y el remitente de un expediente interno."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
import sqlalchemy as sa

from models import Expediente, UnidadOrganica, Voto, db
from services.semilla import cargar_sesiones_demo
from tests.conftest import unidad
from tests.libros import abrir, revisar_anchos, revisar_impresion, revisar_libro

ASUNTO_LARGO = ("Solicita la regularización de la licencia de edificación del inmueble ubicado en la avenida "
                "Los Próceres 1234, urbanización San Ignacio, con planos visados y memoria descriptiva")


def _xlsx(nav, url) -> openpyxl.Workbook:
    r = nav.get(url)
    assert r.status_code == 200, (url, r.status_code)
    datos = r.data
    r.close()
    return abrir(datos)


def test_anchos_del_contenido_y_texto_largo_ajustado(como, crear_expediente):
    for i in range(3):
        crear_expediente("GDU", asunto=f"{ASUNTO_LARGO} {i}")
    crear_expediente("GAT", asunto="Queja")
    wb = _xlsx(como("secretaria_general"), "/admin/expediente/export/xlsx/")
    hoja = wb.worksheets[0]
    revisar_libro(wb)
    titulos = [c.value for c in hoja[1]]
    col = titulos.index("Asunto") + 1
    celda = next(f[col - 1] for f in hoja.iter_rows(min_row=2) if f[col - 1].value.startswith("Solicita la reg"))
    assert celda.value.startswith("Solicita la regularización") and celda.alignment.wrap_text
    letra = openpyxl.utils.get_column_letter(col)
    assert 60 <= hoja.column_dimensions[letra].width <= 64  # tope: no una columna de 170 caracteres
    codigo = openpyxl.utils.get_column_letter(titulos.index("Código") + 1)
    assert hoja.column_dimensions[codigo].width >= len("EXP-2026-000001")


def test_tipos_reales_horas_meses_conteos_soles(app, como):
    cargar_sesiones_demo()
    db.session.commit()
    sg = como("secretaria_general")
    from models import ProcedimientoTupa

    tupa = db.session.scalar(sa.select(ProcedimientoTupa).order_by(ProcedimientoTupa.id).limit(1))
    tupa.derecho_tramite = Decimal("5.50")
    db.session.commit()
    # la hora de llegada es una hora de Excel, no el texto «10:05:00»
    wb = _xlsx(sg, "/admin/asistencia/export/xlsx/")
    revisar_libro(wb)
    hoja = wb.worksheets[0]
    titulos = [c.value for c in hoja[1]]
    hora = next(f for f in hoja.iter_rows(min_row=2) if f[titulos.index("Hora de llegada")].value is not None)
    celda = hora[titulos.index("Hora de llegada")]
    assert celda.value == time(10, 5) and celda.number_format == "hh:mm"
    # «Filas» de la hoja Filtros es un número
    filtros = {f[0].value: f[1] for f in wb["Filtros"].iter_rows()}
    assert filtros["Filas"].value == hoja.max_row - 1 and filtros["Filas"].data_type == "n"
    # los importes llevan el formato de soles
    wb = _xlsx(sg, "/admin/procedimiento_tupa/export/xlsx/")
    hoja = wb.worksheets[0]
    titulos = [c.value for c in hoja[1]]
    col = titulos.index("Derecho de trámite (S/)")
    celdas = [f[col] for f in hoja.iter_rows(min_row=2) if f[col].value == 5.5]
    assert celdas and celdas[0].number_format == '"S/ "#,##0.00'


def test_reportes_imprimibles_y_graficos(base, como, crear_expediente):
    for sigla in ("GDU", "GAT", "GDU"):
        crear_expediente(sigla, pasa_por=("UTD",))
    sg = como("secretaria_general")
    consulta = f"desde={date.today().year}-01-01&hasta={date.today().year}-12-31"
    wb = _xlsx(sg, f"/admin/reporte_cumplimiento/xlsx/?{consulta}")
    revisar_libro(wb)
    hoja = wb["Cumplimiento"]
    assert hoja["A1"].value == "Puesto" and hoja["B1"].value == "Unidad"
    n = hoja.max_row
    grafico = hoja._charts[0]
    for serie in grafico.series:  # las barras se rotulan con la unidad, no con el puesto (1…13)
        assert (serie.cat.strRef or serie.cat.numRef).f.replace("'", "") == f"Cumplimiento!$B$2:$B${n}", serie.cat
    assert grafico.y_axis.majorUnit == 1 and grafico.y_axis.scaling.min == 0  # conteos chicos: de uno en uno
    assert grafico.y_axis.number_format.formatCode == "0"
    # flujo: tipos de documento por su nombre, no la sigla
    wb = _xlsx(sg, f"/admin/reporte_flujo/xlsx/?anio={date.today().year}")
    revisar_libro(wb)
    for nombre in ("Ingreso por tipo", "Salida por tipo"):
        etiquetas = [f[0].value for f in wb[nombre].iter_rows(min_row=2)]
        assert all(e == "—" or len(e) > 3 for e in etiquetas), (nombre, etiquetas)
    wb = _xlsx(sg, f"/admin/reporte_mesa/xlsx/?{consulta}")
    revisar_libro(wb)
    wb = _xlsx(sg, f"/admin/reporte_transparencia/xlsx/?anio={date.today().year}")
    revisar_libro(wb)
    for nombre in ("asistencia", "sesiones", "normas"):
        revisar_libro(_xlsx(sg, f"/admin/reporte_concejo/xlsx/{nombre}/?anio={date.today().year}"))


def test_votos_dicen_la_sesion_y_expediente_interno_su_unidad(app, como):
    cargar_sesiones_demo()
    db.session.commit()
    from models import TipoDocumento
    from services.tramite import registrar_ingreso

    interno = Expediente(origen="interno", unidad_origen=unidad("GAT"), unidad_actual=unidad("GDU"), folios=1,
                         asunto="Informe interno de GAT", tipo_documento=db.session.scalar(sa.select(TipoDocumento)))
    registrar_ingreso(interno)
    db.session.add(interno)
    db.session.commit()
    sg = como("secretaria_general")
    wb = _xlsx(sg, "/admin/voto/export/xlsx/")
    hoja = wb.worksheets[0]
    assert [c.value for c in hoja[1]][:3] == ["Sesión", "Punto", "Miembro"]
    voto = db.session.scalar(sa.select(Voto).order_by(Voto.id.desc()).limit(1))
    assert hoja["A2"].value == voto.punto.sesion.codigo and "N°" in hoja["A2"].value
    wb = _xlsx(sg, "/admin/expediente/export/xlsx/?search=Informe%20interno")
    hoja = wb.worksheets[0]
    fila = dict(zip([c.value for c in hoja[1]], [c.value for c in hoja[2]], strict=True))
    gat = db.session.get(UnidadOrganica, interno.unidad_origen_id)
    assert fila["Código"] == db.session.get(Expediente, interno.id).codigo
    assert fila["Remitente"] == f"{gat.sigla} – {gat.nombre}"


def test_inventario_con_fecha_real_e_impresion(base, como):
    """El inventario de transferencia: «Fecha programada» es una fecha; A4, una página de ancho."""
    from models import Transferencia

    gdu = como("unidad")
    r = gdu.post("/admin/transferencia/new/", {"fecha": "30/04/2026", "entregado_por": "Carlos Díaz Ramos"})
    assert r.status_code == 302
    t = db.session.scalar(sa.select(Transferencia))
    wb = _xlsx(como("archivo"), f"/admin/transferencia/inventario.xlsx?id={t.id}")
    hoja = wb.active
    cab = {f[0].value: f[1] for f in hoja.iter_rows(min_row=2, max_row=6)}
    assert cab["Fecha programada"].value == datetime(2026, 4, 30) and cab["Fecha programada"].is_date
    fila = next(f[0].row for f in hoja.iter_rows() if f[0].value == "N° de orden")
    revisar_impresion(hoja, repite=f"{fila}:{fila}")
    revisar_anchos(hoja, fila_titulos=fila)
    assert hoja.column_dimensions["B"].width >= len("Serie documental")


def test_libro_con_valores_raros_no_se_rompe(app):
    """Un importe no finito guardado antes de validar va como texto; una fecha vieja como fecha."""
    from flask_login import login_user

    from admin_views.excel import Libro, Tipo
    from models import Usuario

    with app.test_request_context():
        login_user(db.session.scalar(sa.select(Usuario).where(Usuario.username == "admin")))
        libro = Libro(io.BytesIO())
        h = libro.hoja("Prueba")
        h.titulos(0, ["Monto", "Mes", "Texto"])
        h.fila(1, [Decimal("NaN"), "2026-11", "=1+1"], [Tipo.SOLES, Tipo.MES, None])
        h.fila(2, [Decimal("12.5"), (2026, 2), "x"], [Tipo.SOLES, Tipo.MES, None])
        h.cerrar()
        wb = openpyxl.load_workbook(libro.cerrar())
    hoja = wb.active
    assert hoja["A2"].value == "NaN" and hoja["A3"].value == 12.5
    assert hoja["B2"].value == datetime(2026, 11, 1) and hoja["B3"].value == datetime(2026, 2, 1)
    assert hoja["C2"].data_type == "s" and hoja["C2"].value == "=1+1"
