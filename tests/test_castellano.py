"""Castellano en toda pantalla: se recorren las pantallas principales con cada rol y se buscan restos en
inglés o de Flask-Admin sin traducir, etiquetas automáticas («Creado En», «Anio», «Id») y plurales mal
formados. También las piezas: etiquetas automáticas, filtros de fecha dd/mm/aaaa «al», catálogo propio."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from models import Derivacion, Expediente, db

# texto visible que delata una pantalla a medio traducir (palabras completas, sensibles a mayúsculas)
RESTOS = ["Salvar", "artículos", "No hay objetos", "El elemento se ha", "Creado En", "Actualizado En",
          "Fecha Atencion", "Anio", "Id", "Save", "Submit", "Cancel", "Delete", "Edit", "Create", "List",
          "Filter", "Search", "Actions", "Apply", "items", "Record", "True", "False", "None", "Home",
          "Add Filter", "with selected", "Are you sure", "derivaciones recibida", "1 derivaciones",
          "1 expedientes", "atención registrado", "Crear Nuevo Registro", "Editar Registro"]
PATRON = re.compile(r"(?<![\w-])(" + "|".join(re.escape(r) for r in RESTOS) + r")(?![\w-])")
ROLES = ["admin", "secretaria_general", "mesa_partes", "unidad", "archivo", "fedatario", "transparencia",
         "concejo", "auditor"]


def texto_visible(pagina: str) -> str:
    pagina = re.sub(r"<(script|style)\b.*?</\1>", " ", pagina, flags=re.S | re.I)
    visibles = re.findall(r'(?:placeholder|title|value|aria-label)="([^"]*)"', pagina)
    pagina = re.sub(r"<input[^>]*type=\"hidden\"[^>]*>", " ", pagina)
    pagina = re.sub(r"<[^>]+>", " ", pagina)
    return html.unescape(pagina + " " + " ".join(visibles))


def restos(pagina: str) -> list[str]:
    return sorted(set(PATRON.findall(texto_visible(pagina))))


@pytest.fixture
def con_datos(app):
    from services.semilla import cargar_expedientes_sinteticos, cargar_sesiones_demo

    cargar_sesiones_demo()
    cargar_expedientes_sinteticos(20)
    db.session.commit()


def _enlaces(pagina: str) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'href="(/admin/[^"#]*)"', pagina)}


@pytest.mark.parametrize("backend", ["sqlite"])  # el texto no depende de la base
def test_las_pantallas_principales_hablan_castellano_con_cada_rol(con_datos, como):
    hallazgos: dict[str, list[str]] = {}
    for rol in ROLES:
        nav = como(rol)
        inicio = nav.get("/admin/")
        assert inicio.status_code == 200
        por_ver = ["/admin/", *sorted(u for u in _enlaces(inicio.text) if u.count("/") == 3)]
        vistos: set[str] = set()
        while por_ver and len(vistos) < 60:
            url = por_ver.pop(0)
            if url in vistos or "/export/" in url or "/ajax/" in url or "/word/" in url or "/xlsx" in url:
                continue
            vistos.add(url)
            r = nav.get(url)
            if r.status_code != 200 or "text/html" not in r.content_type:
                continue
            encontrados = restos(r.text)
            if encontrados:
                hallazgos[f"{rol} {url}"] = encontrados
            if url.count("/") == 3:  # un listado: su formulario de alta y el detalle de su primera fila
                extra = [u for u in _enlaces(r.text) if u.startswith(url) and ("/new/" in u or "/details/" in u)]
                por_ver.extend(sorted(extra)[:2])
    assert not hallazgos, hallazgos


def test_plurales_y_genero_en_los_avisos(app, como, crear_expediente):
    exp = crear_expediente("UTD")
    from services.tramite import derivar
    from tests.conftest import unidad

    derivar(exp, unidad("GDU"), "atender")
    db.session.commit()
    d = db.session.scalar(sa.select(Derivacion).where(Derivacion.expediente_id == exp.id,
                                                      Derivacion.estado == "pendiente"))
    gdu = como("unidad")
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d.id)]}, follow_redirects=True)
    assert "1 derivación recibida." in r.text
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "atender"}, follow_redirects=True)
    assert f"{exp.codigo}: atendido." in r.text
    assert db.session.get(Expediente, exp.id).estado.value == "atendido"


def test_etiquetas_automaticas_en_castellano():
    from admin_views.castellano import etiqueta

    assert etiqueta("creado_en") == "Creado el"
    assert etiqueta("fecha_atencion") == "Fecha de atención"
    assert etiqueta("anio") == "Año"
    assert etiqueta("organizacion_politica") == "Organización política"
    assert etiqueta("unidad_destino_id") == "Unidad de destino"


def test_filtro_de_fechas_dd_mm_aaaa_al_y_enlaces_antiguos(app, como, crear_expediente):
    """El selector envía «01/11/2026 al 30/11/2026»; los enlaces guardados con «2026-11-01 to …» siguen."""
    from admin_views.castellano import leer_rango

    assert leer_rango("01/11/2026 al 30/11/2026") == [date(2026, 11, 1), date(2026, 11, 30)]
    assert leer_rango("2026-11-01 to 2026-11-30") == [date(2026, 11, 1), date(2026, 11, 30)]
    exp = crear_expediente("GDU")
    sg = como("secretaria_general")
    dia = exp.fecha_presentacion
    for valor in (f"{dia:%d/%m/%Y} al {dia:%d/%m/%Y}", f"{dia:%Y-%m-%d} to {dia:%Y-%m-%d}"):
        r = sg.get("/admin/expediente/", query_string={"flt0_fecha_de_presentacion_between": valor})
        assert r.status_code == 200 and exp.codigo in r.text, valor
    r = sg.get("/admin/expediente/", query_string={"flt0_fecha_de_presentacion_between": "30/11/2026 al 01/11/2026"})
    assert exp.codigo in r.text  # rango al revés: el filtro no se aplica (Flask-Admin lo descarta)


def test_catalogo_propio_gana_al_de_flask_admin(app, como):
    r = como("mesa_partes").get("/admin/expediente/new/")
    assert 'value="Guardar"' in r.text and "Salvar" not in r.text
    r = como("mesa_partes").get("/admin/expediente/")
    assert "por página" in r.text and "artículos" not in r.text


def test_auditoria_legible_sin_clave_y_buscable_por_codigo(app, como, crear_expediente):
    """Detalle: tabla Campo | Antes | Después con etiquetas, nombres y hora de Lima; nunca la clave."""
    from models import RegistroAuditoria

    exp = crear_expediente("GDU")
    otro = crear_expediente("GDU")
    auditor = como("auditor")
    r = auditor.get("/admin/registro_auditoria/", query_string={"flt0_expediente_codigo_equals": exp.codigo})
    assert r.status_code == 200
    filas = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "expediente", RegistroAuditoria.entidad_id == exp.id)).all()
    assert filas and all(f"id={f.id}&" in r.text for f in filas)
    ajeno = db.session.scalar(sa.select(RegistroAuditoria.id).where(
        RegistroAuditoria.entidad == "expediente", RegistroAuditoria.entidad_id == otro.id))
    assert f"id={ajeno}&" not in r.text
    creado = next(f for f in filas if f.accion.value == "crear")
    assert exp.clave not in str(creado.cambios) and "***" in creado.cambios["clave"]  # ni en la base
    d = auditor.get(f"/admin/registro_auditoria/details/?id={creado.id}")
    texto = d.text
    assert exp.clave not in texto
    assert "<th>Campo</th><th>Antes</th><th>Después</th>" in texto
    assert "Gerencia de Desarrollo Urbano" in texto  # unidad_actual_id → nombre, no el número
    assert "Fecha de presentación" in texto and exp.fecha_presentacion.strftime("%d/%m/%Y") in texto
    assert "unidad_actual_id" not in texto and ">expediente<" not in texto


TUTEO = re.compile(r"\b(tu|tus|ingresa|escribe|puedes|podrás|recibirás|revisa|elige|adjunta|consulta el estado)\b",
                   re.I)


@pytest.mark.parametrize("url", ["/consulta", "/mesa-de-partes", "/normas", "/login"])
def test_las_paginas_publicas_tratan_de_usted(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert not TUTEO.findall(texto_visible(r.text)), TUTEO.findall(texto_visible(r.text))


def test_soles_y_meses():
    from decimal import Decimal

    from admin_views.castellano import mes, soles

    assert soles(Decimal("1234.5")) == "S/ 1 234,50"
    assert soles(Decimal("120.50")) == "S/ 120,50"
    assert mes("2026-11") == "noviembre 2026" and mes(date(2026, 4, 2)) == "abril 2026"


def test_excel_filtros_con_etiquetas_y_montos_en_soles(app, como, tmp_path):
    import openpyxl

    sg = como("secretaria_general")
    r = sg.get("/admin/expediente/export/xlsx/", query_string={"flt0_estado_equals": "en_tramite"})
    assert r.status_code == 200
    ruta = tmp_path / "x.xlsx"
    ruta.write_bytes(r.data)
    r.close()
    filtros = {f[0]: f[1] for f in openpyxl.load_workbook(ruta).worksheets[1].iter_rows(values_only=True)}
    assert filtros["Estado (igual a)"] == "En trámite"
    r = sg.get("/admin/procedimiento_tupa/")
    assert "S/ 120,50" in r.text


def test_enlaces_del_tablero_con_fechas_dd_mm_aaaa_al(app, como, crear_expediente):
    """«Ingresados hoy» en el tablero: el enlace lleva el rango como lo ve el usuario y el listado lo aplica."""
    from models import hoy_lima

    exp = crear_expediente("UTD")
    mesa = como("mesa_partes")
    inicio = html.unescape(mesa.get("/admin/").text)
    hoy = hoy_lima()
    m = re.search(r'href="(/admin/expediente/\?[^"]*recibido_between=[^"]*)"', inicio)
    assert m and f"{hoy:%d/%m/%Y}+al+{hoy:%d/%m/%Y}" in m.group(1).replace("%2F", "/")
    assert exp.codigo in mesa.get(m.group(1)).text


def test_si_con_tilde_y_coma_decimal_en_pantalla(app, como):
    """«Sí» (no «Si») en los filtros de sí/no; una sola forma de escribir decimales: coma, como en Word y Excel."""
    from admin_views.castellano import numero, porcentaje

    texto = como("secretaria_general").get("/admin/expediente/").text  # las opciones de los filtros, en JSON
    assert '["1", "S\\u00ed"]' in texto and '["1", "Si"]' not in texto
    assert (numero(67.2), porcentaje(67.25), numero(None), numero(1234)) == ("67,2", "67,2\u00a0%", "—", "1\u00a0234")
