"""Exportación a Excel (xlsxwriter, constant_memory): la del listado de una VistaSegura y la de una tabla.

Miembros privados de Flask-Admin de los que depende (vía la vista): `_export_columns`,
`_get_list_extra_args()`, `_get_column_by_idx()`, `_apply_search()`, `_apply_filters()`,
`_apply_sorting()`, `_filters`."""

from __future__ import annotations

import decimal
import math
import queue
import re
import tempfile
import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime

import sqlalchemy as sa
import xlsxwriter
from flask import (
    current_app,
    send_file,
)
from flask_login import current_user

from models import ZONA_LIMA, EnumEs, MomentoUTC, ahora, db
from services.auditoria import registrar


# --------------------------------------------------------------------------- Excel
def _escribir_numero(ws, r, c, v):
    """Un número; un importe no finito o ilegible (Inf/NaN guardado antes de validar los formularios) va
    como texto en vez de romper el Excel."""
    try:
        finito = math.isfinite(float(v))
    except (TypeError, ValueError, ArithmeticError):
        finito = False
    return ws.write_number(r, c, v) if finito else ws.write_string(r, c, str(v))


def _ancho(tipo, etiqueta: str) -> int:
    if isinstance(tipo, sa.DateTime):
        return 17
    if isinstance(tipo, sa.Date):
        return 12
    if isinstance(tipo, sa.Integer | sa.Numeric | sa.Boolean):
        return max(10, len(etiqueta) + 2)
    return max(18, min(45, len(etiqueta) + 4))


def _libro(titulo: str):
    """Libro xlsxwriter en archivo temporal (constant_memory, texto nunca fórmula) con sus formatos."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    formatos = {"fecha": wb.add_format({"num_format": "dd/mm/yyyy"}),
                "momento": wb.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
                "negrita": wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})}
    ws = wb.add_worksheet(re.sub(r"[\[\]:*?/\\]", "", titulo)[:31] or "Datos")
    ws.freeze_panes(1, 0)
    return tmp, wb, ws, formatos


def _cerrar_y_enviar(tmp, wb, formatos, titulo: str, endpoint: str, n: int, filtros: list[tuple[str, str]]):
    """Hoja `Filtros` (quién, cuándo, qué), auditoría y descarga."""
    negrita = formatos["negrita"]
    hoja = wb.add_worksheet("Filtros")
    hoja.set_column(0, 0, 28)
    hoja.set_column(1, 1, 60)
    cuando = ahora()
    meta = [("Municipalidad", current_app.config["MUNICIPALIDAD"]), ("Listado", titulo),
            ("Exportado por", f"{current_user.nombre} ({current_user.username})"),
            ("Filas", str(n)), *filtros]
    hoja.write_string(0, 0, "Exportado el", negrita)
    hoja.write_datetime(0, 1, cuando.astimezone(ZONA_LIMA).replace(tzinfo=None), formatos["momento"])
    for i, (k, v) in enumerate(meta, start=1):
        hoja.write_string(i, 0, k, negrita)
        hoja.write_string(i, 1, v)
    wb.close()
    tmp.seek(0)
    detalle = "; ".join(f"{k}: {v}" for k, v in filtros) or "sin filtros"
    registrar("exportar", endpoint, None, f"{n} filas; {detalle}"[:2000])
    db.session.commit()
    nombre = f"{endpoint}_{cuando.astimezone(ZONA_LIMA):%Y%m%d_%H%M}.xlsx"
    return send_file(tmp, as_attachment=True, download_name=nombre,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _columnas_rapidas(query, dialecto: str, ws, formatos):
    """Para cada columna del select: (expresión a leer, método de xlsxwriter, conversión o None, formato).

    Se elige una vez por columna, y lo que se puede se convierte en la base y no por celda en Python: los enums
    llegan ya con su etiqueta (`CASE`), en PostgreSQL los momentos llegan en hora de Lima
    (`timezone('America/Lima', col)`) y en SQLite las fechas se leen con `fromisoformat` (C) en lugar del
    analizador de SQLAlchemy. El texto se escribe tal cual."""
    sqlite = dialecto == "sqlite"
    columnas = []
    for d in query.column_descriptions:
        expr, tipo, nombre = d["expr"], d["type"], d["name"] or "col"
        if isinstance(tipo, MomentoUTC | sa.DateTime):
            if isinstance(tipo, MomentoUTC) and not sqlite:
                columnas.append((sa.func.timezone(str(ZONA_LIMA), expr).label(nombre), ws.write_datetime, None,
                                 formatos["momento"]))
            elif isinstance(tipo, MomentoUTC):  # SQLite guarda UTC sin zona, como texto ISO
                columnas.append((sa.type_coerce(expr, sa.String()).label(nombre), ws.write_datetime,
                                 lambda v: datetime.fromisoformat(v).replace(tzinfo=UTC).astimezone(ZONA_LIMA)
                                 .replace(tzinfo=None), formatos["momento"]))
            else:
                columnas.append((expr, ws.write_datetime, None, formatos["momento"]))
        elif isinstance(tipo, sa.Date):
            if sqlite:
                columnas.append((sa.type_coerce(expr, sa.String()).label(nombre), ws.write_datetime,
                                 date.fromisoformat, formatos["fecha"]))
            else:
                columnas.append((expr, ws.write_datetime, None, formatos["fecha"]))
        elif isinstance(tipo, sa.Enum) and tipo.enum_class is not None:
            etiquetas = {m.name: m.etiqueta if isinstance(m, EnumEs) else m.name for m in tipo.enum_class}
            texto = sa.type_coerce(expr, sa.String())
            columnas.append((sa.case(etiquetas, value=texto, else_=texto).label(nombre), ws.write_string, None,
                             None))
        elif isinstance(tipo, sa.Boolean):
            columnas.append((expr, ws.write_string, lambda v: "Sí" if v else "No", None))
        elif isinstance(tipo, sa.Integer):
            columnas.append((expr, ws.write_number, None, None))
        elif isinstance(tipo, sa.Numeric | sa.Float):
            columnas.append((expr, lambda r, c, v, _f: _escribir_numero(ws, r, c, v), None, None))
        elif isinstance(tipo, sa.String):
            columnas.append((expr, ws.write_string, None, None))
        else:
            columnas.append((expr, ws.write_string, lambda v: v if isinstance(v, str) else str(v), None))
    return columnas


@contextmanager
def _filas_en_paralelo(motor, sentencia, lote: int):
    """Las filas de `sentencia`, leídas por lotes en otro hilo (con su propia conexión) mientras este escribe el
    Excel: la base (PostgreSQL en su proceso; SQLite fuera del GIL) trabaja al mismo tiempo que xlsxwriter. A lo más
    3 lotes esperan en la cola: la memoria sigue plana."""
    cola: queue.Queue = queue.Queue(maxsize=3)
    parar = threading.Event()

    def poner(x) -> bool:
        while not parar.is_set():
            try:
                cola.put(x, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def leer():
        try:
            with motor.connect() as conexion:
                resultado = conexion.execution_options(yield_per=lote).execute(sentencia)
                for parte in resultado.partitions():
                    if not poner(parte):
                        return
            poner(_FIN)
        except BaseException as e:  # noqa: BLE001  (se relanza en el hilo de la petición)
            poner(e)

    hilo = threading.Thread(target=leer, name="exportar-xlsx", daemon=True)
    hilo.start()

    def filas():
        while True:
            parte = cola.get()
            if parte is _FIN:
                return
            if isinstance(parte, BaseException):
                raise parte
            yield from parte

    try:
        yield filas()
    finally:
        parar.set()
        hilo.join(30)


_FIN = object()


def exportar_xlsx(view):  # una VistaSegura
    query, va = view.consulta_exportacion()
    columnas = view._export_columns
    tipos = [d["type"] for d in query.column_descriptions]
    tmp, wb, ws, formatos = _libro(str(view.name))
    for c, ((_nombre, etiqueta), tipo) in enumerate(zip(columnas, tipos, strict=True)):
        ws.set_column(c, c, _ancho(tipo, str(etiqueta)))
        ws.write_string(0, c, str(etiqueta), formatos["negrita"])
    motor = db.session.get_bind()
    rapidas = _columnas_rapidas(query, motor.dialect.name, ws, formatos)
    sentencia = query.with_entities(*(expr for expr, _m, _c, _f in rapidas)).statement
    escritores = [(c, metodo, conversion, formato) for c, (_e, metodo, conversion, formato) in enumerate(rapidas)]
    limite = 1_048_575
    n = 0
    with _filas_en_paralelo(motor, sentencia, current_app.config["EXPORT_FILAS_POR_LOTE"]) as filas:
        for n, fila in enumerate(filas, start=1):
            if n > limite:
                n = limite
                break
            for c, escribir, conversion, formato in escritores:
                v = fila[c]
                if v is not None:
                    escribir(n, c, conversion(v) if conversion is not None else v, formato)
    ws.autofilter(0, 0, max(n, 1), len(columnas) - 1)
    return _cerrar_y_enviar(tmp, wb, formatos, str(view.name), view.endpoint, n, view.descripcion_filtros(va))


def exportar_tabla(titulo: str, endpoint: str, columnas: list[tuple[str, str]], filas: list[dict],
                   filtros: list[tuple[str, str]] = ()):
    """Excel de una tabla ya calculada (reportes): columnas = [(clave, etiqueta)], filas = [dict]."""
    tmp, wb, ws, formatos = _libro(titulo)
    for c, (_clave, etiqueta) in enumerate(columnas):
        ws.set_column(c, c, max(12, min(45, len(etiqueta) + 4)))
        ws.write_string(0, c, etiqueta, formatos["negrita"])
    for r, fila in enumerate(filas, start=1):
        for c, (clave, _) in enumerate(columnas):
            v = fila.get(clave)
            if isinstance(v, bool):
                ws.write_string(r, c, "Sí" if v else "No")
            elif isinstance(v, int | float | decimal.Decimal):
                ws.write_number(r, c, v)
            elif isinstance(v, date):
                ws.write_datetime(r, c, v, formatos["momento" if isinstance(v, datetime) else "fecha"])
            elif v is not None:
                ws.write_string(r, c, str(v))
    ws.autofilter(0, 0, max(len(filas), 1), len(columnas) - 1)
    return _cerrar_y_enviar(tmp, wb, formatos, titulo, endpoint, len(filas), list(filtros))


def libro_reporte(titulo: str, portada: list[tuple[str, object]], hojas: list[dict]):
    """Libro de un reporte: hoja «Portada» (entidad, período, filtros, quién y cuándo) y una hoja por cuadro con su
    gráfico nativo de Excel. Cada hoja: {"nombre", "columnas": [etiquetas], "filas": [[valores]],
    "grafico": {"tipo": "column" | "bar" | "line" | "pie", "titulo", "series": [índices de columna]} | None}.
    La primera columna de cada cuadro es la categoría del gráfico. Devuelve (archivo temporal, nombre)."""
    tmp, wb, ws, formatos = _libro("Portada")
    negrita, grande = formatos["negrita"], wb.add_format({"bold": True, "font_size": 16})
    ws.freeze_panes(0, 0)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 70)
    ws.write_string(0, 0, titulo, grande)
    cuando = ahora().astimezone(ZONA_LIMA).replace(tzinfo=None)
    filas = [("Entidad", current_app.config["MUNICIPALIDAD"]), *portada,
             ("Generado por", f"{current_user.nombre} ({current_user.username})")]
    for r, (k, v) in enumerate(filas, start=2):
        ws.write_string(r, 0, k, negrita)
        if isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool):
            ws.write_number(r, 1, v)
        else:
            ws.write_string(r, 1, "" if v is None else str(v))
    ws.write_string(len(filas) + 2, 0, "Generado el", negrita)
    ws.write_datetime(len(filas) + 2, 1, cuando, formatos["momento"])
    for h in hojas:
        nombre = re.sub(r"[\[\]:*?/\\]", "", h["nombre"])[:31]
        hoja = wb.add_worksheet(nombre)
        hoja.freeze_panes(1, 0)
        hoja.set_column(0, 0, 34)
        hoja.set_column(1, max(1, len(h["columnas"]) - 1), 14)
        for c, etiqueta in enumerate(h["columnas"]):
            hoja.write_string(0, c, etiqueta, negrita)
        for r, fila in enumerate(h["filas"], start=1):
            for c, v in enumerate(fila):
                if isinstance(v, bool):
                    hoja.write_string(r, c, "Sí" if v else "No")
                elif isinstance(v, int | float | decimal.Decimal):
                    _escribir_numero(hoja, r, c, v)
                elif isinstance(v, date):
                    hoja.write_datetime(r, c, v, formatos["momento" if isinstance(v, datetime) else "fecha"])
                elif v is not None:
                    hoja.write_string(r, c, str(v))
        g = h.get("grafico")
        n = len(h["filas"])
        if g and n:
            chart = wb.add_chart({"type": g["tipo"]})
            for c in g.get("series", range(1, len(h["columnas"]))):
                serie = {"name": [nombre, 0, c], "categories": [nombre, 1, 0, n, 0], "values": [nombre, 1, c, n, c]}
                if g["tipo"] == "pie":
                    serie["data_labels"] = {"percentage": True}
                chart.add_series(serie)
            chart.set_title({"name": g["titulo"]})
            if g["tipo"] != "pie":
                chart.set_legend({"position": "bottom"})
            hoja.insert_chart(1, len(h["columnas"]) + 1, chart, {"x_scale": 1.5, "y_scale": 1.3})
    wb.close()
    tmp.seek(0)
    return tmp


def enviar_libro(tmp, nombre: str, endpoint: str, detalle: str):
    """Descarga de un libro ya armado, con su registro de auditoría («exportar»)."""
    registrar("exportar", endpoint, None, detalle[:2000])
    db.session.commit()
    return send_file(tmp, as_attachment=True, download_name=nombre,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
