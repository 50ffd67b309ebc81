"""Comprobaciones de un Excel producido, como lo abriría la oficina (openpyxl): anchos que muestran el contenido,
página lista para imprimir (A4, una página de ancho, encabezado repetido, «Página x de y»)."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import openpyxl
from openpyxl.utils import get_column_letter

ANCHO_MAX = 60  # el de admin_views/excel.py: el texto más largo se ajusta en varias líneas
FILAS_MEDIDAS = 30


def abrir(datos: bytes) -> openpyxl.Workbook:
    assert datos[:2] == b"PK", datos[:200]
    return openpyxl.load_workbook(io.BytesIO(datos))


def largo_visible(celda) -> int:
    """Caracteres que ocupa el valor tal como Excel lo muestra con su formato."""
    v = celda.value
    if v is None:
        return 0
    if isinstance(v, datetime | date):
        fmt = celda.number_format
        if "mmmm" in fmt:
            return 15
        return 16 if "hh" in fmt and "d" in fmt else (5 if "hh" in fmt else 10)
    if isinstance(v, time):
        return 5
    if isinstance(v, int | float):
        return len(f"{v:,.2f}") + 3 if "S/" in celda.number_format else len(str(v))
    return max((len(linea) for linea in str(v).splitlines()), default=0)


def revisar_anchos(hoja, fila_titulos: int = 1, filas: int = FILAS_MEDIDAS) -> None:
    """Cada columna es al menos tan ancha como el valor más largo de las primeras filas (hasta el tope); lo que pasa
    del tope se ajusta en varias líneas."""
    for col in range(1, hoja.max_column + 1):
        letra = get_column_letter(col)
        ancho = hoja.column_dimensions[letra].width
        for r in range(fila_titulos + 1, min(hoja.max_row, fila_titulos + filas) + 1):
            celda = hoja.cell(row=r, column=col)
            largo = largo_visible(celda)
            if not largo or (celda.font.sz or 11) >= 14:  # el título de la hoja ocupa las celdas vacías de al lado
                continue
            assert ancho >= min(largo, ANCHO_MAX), (hoja.title, letra, r, celda.value, ancho)
            if largo > ANCHO_MAX:
                assert celda.alignment.wrap_text, (hoja.title, letra, r)
        if not fila_titulos:
            continue
        titulo = hoja.cell(row=fila_titulos, column=col)
        if isinstance(titulo.value, str) and len(titulo.value) > ancho:
            assert titulo.alignment.wrap_text, (hoja.title, letra, titulo.value)  # el encabezado se parte, no se corta


def revisar_impresion(hoja, *, una_pagina: bool = False, repite: str | None = "1:1") -> None:
    ps = hoja.page_setup
    assert ps.paperSize in (9, "9"), (hoja.title, ps.paperSize)  # A4
    assert hoja.sheet_properties.pageSetUpPr.fitToPage, hoja.title
    assert ps.fitToWidth in (None, 1, "1"), hoja.title  # una página de ancho
    if una_pagina:
        assert ps.fitToHeight in (None, 1, "1"), hoja.title
    else:
        assert ps.fitToHeight in (0, "0"), hoja.title
    pie = hoja.oddFooter.right.text or hoja.oddFooter.center.text or ""
    assert "&P de &N" in pie, (hoja.title, pie)
    if repite:
        assert hoja.print_title_rows and hoja.print_title_rows.replace("$", "") == repite, (hoja.title,
                                                                                            hoja.print_title_rows)
    # openpyxl lee el ancho con el margen de la celda (+0,71): se descuenta para sumar caracteres
    ancho_total = sum((hoja.column_dimensions[get_column_letter(c)].width or 9.14) - 0.71
                      for c in range(1, hoja.max_column + 1))
    if ancho_total > 96:
        assert ps.orientation == "landscape", (hoja.title, ancho_total)


def revisar_libro(wb, *, fichas: tuple[str, ...] = ("Filtros", "Portada")) -> None:
    """Toda hoja: impresión; las de datos, anchos; las fichas (Filtros, Portada), en una sola página."""
    for hoja in wb.worksheets:
        if hoja.title in fichas:
            revisar_impresion(hoja, una_pagina=True, repite=None)
            revisar_anchos(hoja, fila_titulos=0)
        else:
            revisar_impresion(hoja)
            revisar_anchos(hoja)
