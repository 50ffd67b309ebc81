"""Etiquetas de los enums: cada enum declara las suyas; un mismo valor no se confunde entre dos enums."""

from __future__ import annotations

import html
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

import models
from models import Alcance, EnumEs, Numeracion, TipoDocumento, db


def _celdas(texto: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", texto, flags=re.S)]


def test_numeracion_por_unidad_no_es_el_alcance_de_un_rol(como):
    """*Tipos de documento*: «unidad» se lee «Por unidad orgánica» (no «Solo su unidad», que es el alcance de
    un rol) en el listado, el formulario, el filtro de texto y el Excel; *Roles* conserva «Solo su unidad»."""
    admin = como("admin")
    informe = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == "INF"))
    assert informe.numeracion == Numeracion.unidad

    lista = admin.get("/admin/tipo_documento/?search=Informe")
    assert lista.status_code == 200
    celdas = _celdas(lista.text)
    assert "Por unidad orgánica" in celdas and "Solo su unidad" not in lista.text

    formulario = admin.get(f"/admin/tipo_documento/edit/?id={informe.id}")
    assert formulario.status_code == 200
    opciones = dict(re.findall(r'<option[^>]*value="(\w+)"[^>]*>([^<]+)</option>', formulario.text))
    assert opciones == {"unidad": "Por unidad orgánica", "institucional": "Institucional"}

    r = admin.get("/admin/tipo_documento/export/xlsx/?search=Informe")
    assert r.status_code == 200
    hoja = openpyxl.load_workbook(io.BytesIO(r.data)).worksheets[0]
    r.close()
    encabezado = [c.value for c in hoja[1]]
    columna = encabezado.index("Numeración")
    valores = {fila[columna] for fila in hoja.iter_rows(min_row=2, values_only=True)}
    assert valores == {"Por unidad orgánica"}

    roles = admin.get("/admin/rol/")
    assert roles.status_code == 200
    assert "Solo su unidad" in _celdas(roles.text) and "Por unidad orgánica" not in roles.text


def test_guardar_con_la_etiqueta_propia(como):
    """El formulario guarda el valor y lo muestra con la etiqueta de su enum."""
    admin = como("admin")
    r = admin.post("/admin/tipo_documento/new/", {"nombre": "Constancia", "abreviatura": "CONST",
                                                  "numeracion": "unidad"})
    assert r.status_code == 302, r.text[:500]
    db.session.expire_all()
    nuevo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == "CONST"))
    assert nuevo.numeracion == Numeracion.unidad and str(nuevo.numeracion) == "Por unidad orgánica"
    assert "Por unidad orgánica" in _celdas(admin.get("/admin/tipo_documento/?search=Constancia").text)


def test_documentos_de_identidad_en_siglas(como):
    formulario = como("mesa_partes").get("/admin/persona/new/")
    assert formulario.status_code == 200
    opciones = re.findall(r'<option[^>]*value="(\w+)"[^>]*>([^<]+)</option>', formulario.text)
    assert ("DNI", "DNI") in opciones and ("RUC", "RUC") in opciones and ("CE", "Carné de extranjería") in opciones


def test_cada_enum_declara_sus_etiquetas():
    enums = [c for c in vars(models).values() if isinstance(c, type) and issubclass(c, EnumEs) and c is not EnumEs]
    assert len(enums) > 20
    for e in enums:
        assert set(e.etiquetas) <= set(e.__members__), e  # ninguna etiqueta de un valor ajeno
    assert Alcance.unidad.etiqueta == "Solo su unidad" and Numeracion.unidad.etiqueta == "Por unidad orgánica"
    with pytest.raises(ValueError, match="no existen"):
        models._e("Prueba", "uno", dos="Dos")
