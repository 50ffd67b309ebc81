"""Exportación a Excel (xlsxwriter, constant_memory): la del listado de una VistaSegura, la de una tabla y los libros de
los reportes. Todo libro sale de aquí con lo mismo: valores con su tipo (fechas, horas, meses, importes en soles,
números), anchos medidos del contenido (una muestra de filas; el texto largo se ajusta), y la página lista para
imprimir (A4, horizontal si es ancha, una página de ancho, encabezado repetido, «Página x de y»).

Miembros privados de Flask-Admin de los que depende (vía la vista): `_export_columns`,
`_get_list_extra_args()`, `_get_column_by_idx()`, `_apply_search()`, `_apply_filters()`,
`_apply_sorting()`, `_filters`."""

from __future__ import annotations

import decimal
import io
import math
import queue
import re
import tempfile
import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
import xlsxwriter
from flask import (
    current_app,
    send_file,
)
from flask_login import current_user

from models import ZONA_LIMA, EnumEs, MomentoUTC, ahora, db
from services.auditoria import registrar

MUESTRA = 200  # filas que se miden para el ancho de cada columna (las primeras)
ANCHO_MAX = 60  # caracteres: el texto más largo se ajusta (varias líneas) en vez de ensanchar la columna
ANCHO_TITULO = 24  # un encabezado más largo que su contenido se parte en líneas hasta este ancho
ANCHO_VERTICAL = 95  # suma de anchos que cabe en un A4 vertical a escala legible; más ancho: horizontal
FORMATO_SOLES = '"S/ "#,##0.00'
FORMATO_MES = "[$-280A]mmmm yyyy"  # «noviembre 2026» (0x280A = es-PE) en cualquier Excel o LibreOffice
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- tipos de valor declarados
class Tipo:
    """Lo que el valor de Python no dice por sí mismo: que un número es un importe o que «2026-11» es un mes."""
    SOLES = "soles"
    MES = "mes"


def a_mes(valor) -> date | None:
    """«2026-11», (2026, 11) o una fecha → el primer día del mes (una fecha real de Excel)."""
    if isinstance(valor, date):
        return date(valor.year, valor.month, 1)
    if isinstance(valor, tuple):
        return date(valor[0], valor[1], 1)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", str(valor or ""))
    return date(int(m[1]), int(m[2]), 1) if m else None


# --------------------------------------------------------------------------- la hoja
class Hoja:
    """Una hoja de xlsxwriter que escribe cada valor con su tipo, mide los anchos de las primeras filas y al cerrar
    fija anchos e impresión. En modo constant_memory cada fila se escribe entera antes de pasar a la siguiente."""

    def __init__(self, libro: Libro, nombre: str, *, fila_titulos: int | None = 0, congelar: bool = True):
        self.libro = libro
        self.ws = libro.wb.add_worksheet(re.sub(r"[\[\]:*?/\\]", "", nombre)[:31] or "Datos")
        self.nombre = self.ws.name
        self.fila_titulos = fila_titulos
        self.anchos: dict[int, float] = {}
        self.ultima_fila = 0
        self.ultima_col = 0
        self.fin_tabla: int | None = None  # última fila del cuadro con autofiltro (si debajo hay otro)
        if congelar and fila_titulos is not None:
            self.ws.freeze_panes(fila_titulos + 1, 0)

    # ---- medidas
    def medir(self, r: int, c: int, largo: float) -> None:
        self.ultima_fila = max(self.ultima_fila, r)
        self.ultima_col = max(self.ultima_col, c)
        if r - (self.fila_titulos or 0) <= MUESTRA and largo > self.anchos.get(c, 0):
            self.anchos[c] = largo

    # ---- escritura
    def titulos(self, r: int, etiquetas, desde: int = 0) -> None:
        """La fila de encabezados: negrita con borde, partida en líneas si es más larga que su columna."""
        etiquetas = [str(e) for e in etiquetas]
        lineas = max((math.ceil(len(e) / ANCHO_TITULO) for e in etiquetas), default=1)
        if lineas > 1:
            self.ws.set_row(r, 15 * lineas)
        for c, e in enumerate(etiquetas, start=desde):
            self.ws.write_string(r, c, e, self.libro.f["titulo"])
            self.medir(r, c, min(len(e), ANCHO_TITULO) + 2)

    def valor(self, r: int, c: int, v, tipo: str | None = None, formato: str | None = None) -> None:
        """Escribe `v` con su tipo de Excel. `formato`: "negrita" o "borde" (celdas de un formulario impreso)."""
        f = self.libro.f
        if v is None or v == "":
            if formato == "borde":
                self.ws.write_blank(r, c, None, f["borde"])
            return
        borde = formato == "borde"
        if tipo == Tipo.MES and (m := a_mes(v)) is not None:
            self.ws.write_datetime(r, c, m, f["mes_b" if borde else "mes"])
            self.medir(r, c, 16)
        elif isinstance(v, bool):
            self.ws.write_string(r, c, "Sí" if v else "No", f.get(formato))
            self.medir(r, c, 3)
        elif isinstance(v, int | float | decimal.Decimal):
            if tipo == Tipo.SOLES:
                self._numero(r, c, v, f["soles_b" if borde else "soles"])
                self.medir(r, c, len(f"{float(v):,.2f}") + 4)
            else:
                self._numero(r, c, v, f.get(formato))
                self.medir(r, c, len(f"{v:,}" if isinstance(v, int) else f"{float(v):,.2f}"))
        elif isinstance(v, datetime):
            if v.tzinfo is not None:
                v = v.astimezone(ZONA_LIMA).replace(tzinfo=None)
            self.ws.write_datetime(r, c, v, f["momento_b" if borde else "momento"])
            self.medir(r, c, 16)
        elif isinstance(v, date):
            self.ws.write_datetime(r, c, v, f["fecha_b" if borde else "fecha"])
            self.medir(r, c, 10)
        elif isinstance(v, time):
            self.ws.write_datetime(r, c, v, f["hora_b" if borde else "hora"])
            self.medir(r, c, 5)
        else:
            self.texto(r, c, v if isinstance(v, str) else str(v), formato)

    def texto(self, r: int, c: int, v: str, formato: str | None = None) -> None:
        """Texto siempre como texto (nunca fórmula); el que no cabe en ANCHO_MAX se ajusta en varias líneas."""
        largo = max((len(linea) for linea in v.splitlines()), default=0)
        f = self.libro.f
        if formato in ("negrita", "grande"):
            self.ws.write_string(r, c, v, f[formato])
        elif largo > ANCHO_MAX or "\n" in v:
            self.ws.write_string(r, c, v, f["ajustar_b" if formato == "borde" else "ajustar"])
        else:
            self.ws.write_string(r, c, v, f.get(formato))
        if formato != "grande":
            self.medir(r, c, min(largo, ANCHO_MAX))

    def _numero(self, r, c, v, fmt):
        """Un número; uno no finito o ilegible (Inf/NaN guardado antes de validar los formularios) va como texto."""
        try:
            finito = math.isfinite(float(v))
        except (TypeError, ValueError, ArithmeticError):
            finito = False
        if finito:
            self.ws.write_number(r, c, v, fmt)
        else:
            self.ws.write_string(r, c, str(v))

    def fila(self, r: int, valores, tipos=None) -> None:
        for c, v in enumerate(valores):
            self.valor(r, c, v, tipos[c] if tipos else None)

    # ---- cierre
    def cerrar(self, *, filtro: bool = True, una_pagina: bool = False, anchos_fijos: dict[int, float] | None = None):
        """Anchos del contenido medido, autofiltro sobre la tabla y la página: A4, horizontal si no cabe vertical,
        una página de ancho (o una sola página), encabezado repetido en cada hoja impresa y «Página x de y»."""
        ws = self.ws
        anchos = {c: min(ANCHO_MAX, a) + 2 for c, a in self.anchos.items()}
        anchos.update(anchos_fijos or {})
        for c, a in sorted(anchos.items()):
            ws.set_column(c, c, max(a, 6))
        if filtro and self.fila_titulos is not None and self.ultima_col >= 0:
            fin = self.fin_tabla or self.ultima_fila
            ws.autofilter(self.fila_titulos, 0, max(fin, self.fila_titulos + 1), self.ultima_col)
        total = sum(max(anchos.get(c, 8.43), 6) for c in range(self.ultima_col + 1))
        configurar_impresion(ws, total, fila_titulos=self.fila_titulos, una_pagina=una_pagina)


def configurar_impresion(ws, ancho_total: float, *, fila_titulos: int | None = 0, una_pagina: bool = False) -> None:
    ws.set_paper(9)  # A4
    if ancho_total > ANCHO_VERTICAL:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 1 if una_pagina else 0)
    if fila_titulos is not None and not una_pagina:
        ws.repeat_rows(fila_titulos)
    ws.set_footer("&L&8&A&R&8Página &P de &N")


# --------------------------------------------------------------------------- el libro
class Libro:
    """Un libro xlsxwriter (constant_memory, texto nunca fórmula ni enlace) con los formatos de la casa."""

    def __init__(self, destino=None):
        self.archivo = destino if destino is not None else tempfile.TemporaryFile(suffix=".xlsx")
        self.wb = xlsxwriter.Workbook(self.archivo, {"constant_memory": True, "strings_to_formulas": False,
                                                     "strings_to_urls": False, "strings_to_numbers": False})
        self.wb.set_properties({"title": "", "author": current_app.config["MUNICIPALIDAD"]})
        fmt = self.wb.add_format
        b = {"border": 1}
        self.f = {"fecha": fmt({"num_format": "dd/mm/yyyy", "align": "left"}),
                  "momento": fmt({"num_format": "dd/mm/yyyy hh:mm", "align": "left"}),
                  "hora": fmt({"num_format": "hh:mm", "align": "left"}),
                  "mes": fmt({"num_format": FORMATO_MES, "align": "left"}),
                  "soles": fmt({"num_format": FORMATO_SOLES}),
                  "ajustar": fmt({"text_wrap": True, "valign": "top"}),
                  "titulo": fmt({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True,
                                 "valign": "top"}),
                  "negrita": fmt({"bold": True}),
                  "grande": fmt({"bold": True, "font_size": 14}),
                  "borde": fmt(b),
                  "ajustar_b": fmt({**b, "text_wrap": True, "valign": "top"}),
                  "fecha_b": fmt({**b, "num_format": "dd/mm/yyyy"}),
                  "momento_b": fmt({**b, "num_format": "dd/mm/yyyy hh:mm"}),
                  "hora_b": fmt({**b, "num_format": "hh:mm"}),
                  "mes_b": fmt({**b, "num_format": FORMATO_MES}),
                  "soles_b": fmt({**b, "num_format": FORMATO_SOLES})}
        self.f[None] = None

    def hoja(self, nombre: str, **kw) -> Hoja:
        return Hoja(self, nombre, **kw)

    def hoja_ficha(self, nombre: str, titulo: str, filas: list[tuple[str, object]]) -> Hoja:
        """Hoja de pares «dato: valor» (portada de un reporte, hoja Filtros), en una sola página impresa."""
        h = Hoja(self, nombre, fila_titulos=None, congelar=False)
        r = 0
        if titulo:
            h.texto(0, 0, titulo, "grande")
            r = 2
        for k, v in filas:
            h.texto(r, 0, k, "negrita")
            h.valor(r, 1, v)
            r += 1
        h.cerrar(filtro=False, una_pagina=True)
        return h

    def grafico(self, hoja: Hoja, g: dict, n: int, ncols: int, fila: int = 1, col: int | None = None) -> None:
        """Gráfico nativo sobre las filas 1..n de `hoja`. g = {"tipo", "titulo", "series": [columnas],
        "categoria": columna de las etiquetas (por defecto 0), "valores": las cifras (para la escala)}."""
        chart = self.wb.add_chart({"type": g["tipo"]})
        cat = g.get("categoria", 0)
        for c in g.get("series", [i for i in range(ncols) if i != cat]):
            serie = {"name": [hoja.nombre, 0, c], "categories": [hoja.nombre, fila, cat, fila + n - 1, cat],
                     "values": [hoja.nombre, fila, c, fila + n - 1, c]}
            if g["tipo"] == "pie":
                serie["data_labels"] = {"percentage": True}
            chart.add_series(serie)
        chart.set_title({"name": g["titulo"], "name_font": {"size": 11, "bold": True}, "overlay": False})
        if g["tipo"] != "pie":
            chart.set_legend({"position": "bottom"})
            eje = {"min": 0, "num_format": "0" if g.get("enteros", True) else "General", "major_gridlines":
                   {"visible": True, "line": {"color": "#D9D9D9"}}}
            maximo = max((v for v in g.get("valores", []) if isinstance(v, int | float)), default=None)
            if g.get("enteros", True) and maximo is not None and maximo < 10:
                eje["major_unit"] = 1  # conteos chicos: sin pasos de 0,2
            (chart.set_x_axis if g["tipo"] == "bar" else chart.set_y_axis)(eje)  # en barras, el eje de valores es x
        alto = max(1.3, min(3.0, 0.22 * n)) if g["tipo"] == "bar" else 1.3
        hoja.ws.insert_chart(fila, (ncols + 1) if col is None else col, chart, {"x_scale": 1.6, "y_scale": alto})

    def cerrar(self):
        self.wb.close()
        self.archivo.seek(0)
        return self.archivo


# --------------------------------------------------------------------------- listados (VistaSegura)
def _columnas_rapidas(query, dialecto: str, h: Hoja):
    """Para cada columna del select: (expresión a leer, escritor (fila, col, valor) de las filas después de la
    muestra, tipo declarado para `Hoja.valor`).

    Se elige una vez por columna, y lo que se puede se convierte en la base y no por celda en Python: los enums
    llegan ya con su etiqueta (`CASE`), en PostgreSQL los momentos llegan en hora de Lima
    (`timezone('America/Lima', col)`) y en SQLite las fechas se leen con `fromisoformat` (C) en lugar del
    analizador de SQLAlchemy. Cada valor llega ya como lo escribe `Hoja.valor` (la muestra que mide los anchos)."""
    sqlite = dialecto == "sqlite"
    ws, f = h.ws, h.libro.f
    columnas = []

    def texto(r, c, v):
        ws.write_string(r, c, v, f["ajustar"] if len(v) > ANCHO_MAX or "\n" in v else None)

    for d in query.column_descriptions:
        expr, tipo, nombre = d["expr"], d["type"], d["name"] or "col"
        if isinstance(tipo, MomentoUTC | sa.DateTime):
            momento = f["momento"]
            if isinstance(tipo, MomentoUTC) and not sqlite:
                expr = sa.func.timezone(str(ZONA_LIMA), expr).label(nombre)
                conv = None
            elif isinstance(tipo, MomentoUTC):  # SQLite guarda UTC sin zona, como texto ISO
                expr = sa.type_coerce(expr, sa.String()).label(nombre)
                conv = _momento_sqlite
            else:
                conv = None
            columnas.append((expr, _con(conv, lambda r, c, v, m=momento: ws.write_datetime(r, c, v, m)), conv, None))
        elif isinstance(tipo, sa.Date):
            conv = date.fromisoformat if sqlite else None
            if sqlite:
                expr = sa.type_coerce(expr, sa.String()).label(nombre)
            columnas.append((expr, _con(conv, lambda r, c, v: ws.write_datetime(r, c, v, f["fecha"])), conv, None))
        elif isinstance(tipo, sa.Time):
            conv = time.fromisoformat if sqlite else None
            if sqlite:
                expr = sa.type_coerce(expr, sa.String()).label(nombre)
            columnas.append((expr, _con(conv, lambda r, c, v: ws.write_datetime(r, c, v, f["hora"])), conv, None))
        elif isinstance(tipo, sa.Enum) and tipo.enum_class is not None:
            etiquetas = {m.name: m.etiqueta if isinstance(m, EnumEs) else m.name for m in tipo.enum_class}
            crudo = sa.type_coerce(expr, sa.String())
            columnas.append((sa.case(etiquetas, value=crudo, else_=crudo).label(nombre), texto, None, None))
        elif isinstance(tipo, sa.Boolean):
            si_no = lambda v: "Sí" if v else "No"  # noqa: E731
            columnas.append((expr, _con(si_no, lambda r, c, v: ws.write_string(r, c, v)), si_no, None))
        elif isinstance(tipo, sa.Numeric) and getattr(tipo, "scale", None) == 2:  # importes (S/)
            columnas.append((expr, lambda r, c, v: h._numero(r, c, v, f["soles"]), None, Tipo.SOLES))
        elif isinstance(tipo, sa.Integer):
            columnas.append((expr, ws.write_number, None, None))
        elif isinstance(tipo, sa.Numeric | sa.Float):
            columnas.append((expr, lambda r, c, v: h._numero(r, c, v, None), None, None))
        elif isinstance(tipo, sa.String):
            columnas.append((expr, texto, None, None))
        else:
            a_texto = lambda v: v if isinstance(v, str) else str(v)  # noqa: E731
            columnas.append((expr, _con(a_texto, texto), a_texto, None))
    return columnas


def _momento_sqlite(v: str) -> datetime:
    return datetime.fromisoformat(v).replace(tzinfo=UTC).astimezone(ZONA_LIMA).replace(tzinfo=None)


def _con(conversion, escribir):
    """El escritor que antes convierte el valor (si hace falta)."""
    if conversion is None:
        return escribir
    return lambda r, c, v: escribir(r, c, conversion(v))


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


def _con_hoja_filtros(libro: Libro, titulo: str, n: int, filtros: list[tuple[str, str]]):
    cuando = ahora()
    libro.hoja_ficha("Filtros", "", [
        ("Exportado el", cuando), ("Municipalidad", current_app.config["MUNICIPALIDAD"]), ("Listado", titulo),
        ("Exportado por", f"{current_user.nombre} ({current_user.username})"), ("Filas", n), *filtros])
    return cuando


def _enviar(libro: Libro, nombre: str, endpoint: str, detalle: str):
    archivo = libro.cerrar()
    registrar("exportar", endpoint, None, detalle[:2000])
    db.session.commit()
    return send_file(archivo, as_attachment=True, download_name=nombre, mimetype=MIME_XLSX)


def exportar_xlsx(view):  # una VistaSegura
    query, va = view.consulta_exportacion()
    columnas = view._export_columns
    libro = Libro()
    h = libro.hoja(str(view.name))
    h.titulos(0, [str(e) for _, e in columnas])
    motor = db.session.get_bind()
    rapidas = _columnas_rapidas(query, motor.dialect.name, h)
    sentencia = query.with_entities(*(expr for expr, _e, _c, _t in rapidas)).statement
    muestra = [(c, conv, t) for c, (_e, _escribir, conv, t) in enumerate(rapidas)]
    resto = [(c, escribir) for c, (_e, escribir, _c, _t) in enumerate(rapidas)]
    limite = 1_048_575
    n = 0
    with _filas_en_paralelo(motor, sentencia, current_app.config["EXPORT_FILAS_POR_LOTE"]) as filas:
        for n, fila in enumerate(filas, start=1):
            if n > limite:
                n = limite
                break
            if n <= MUESTRA:  # las primeras filas se miden (ancho de columna); las demás se escriben sin más
                for c, conv, t in muestra:
                    v = fila[c]
                    h.valor(n, c, conv(v) if conv is not None and v is not None else v, t)
            else:
                for c, escribir in resto:
                    v = fila[c]
                    if v is not None:
                        escribir(n, c, v)
    h.ultima_fila, h.ultima_col = max(n, 1), len(columnas) - 1
    h.cerrar()
    titulo = str(view.name)
    filtros = view.descripcion_filtros(va)
    cuando = _con_hoja_filtros(libro, titulo, n, filtros)
    detalle = "; ".join(f"{k}: {v}" for k, v in filtros) or "sin filtros"
    return _enviar(libro, f"{view.endpoint}_{cuando.astimezone(ZONA_LIMA):%Y%m%d_%H%M}.xlsx", view.endpoint,
                   f"{n} filas; {detalle}")


def exportar_tabla(titulo: str, endpoint: str, columnas: list[tuple], filas: list[dict],
                   filtros: list[tuple[str, str]] = ()):
    """Excel de una tabla ya calculada (reportes): columnas = [(clave, etiqueta) o (clave, etiqueta, Tipo)],
    filas = [dict]."""
    libro = Libro()
    h = libro.hoja(titulo)
    h.titulos(0, [c[1] for c in columnas])
    tipos = [c[2] if len(c) > 2 else None for c in columnas]
    for r, fila in enumerate(filas, start=1):
        h.fila(r, [fila.get(c[0]) for c in columnas], tipos)
    h.ultima_fila, h.ultima_col = max(len(filas), 1), len(columnas) - 1
    h.cerrar()
    cuando = _con_hoja_filtros(libro, titulo, len(filas), list(filtros))
    detalle = "; ".join(f"{k}: {v}" for k, v in filtros) or "sin filtros"
    return _enviar(libro, f"{endpoint}_{cuando.astimezone(ZONA_LIMA):%Y%m%d_%H%M}.xlsx", endpoint,
                   f"{len(filas)} filas; {detalle}")


def libro_reporte(titulo: str, portada: list[tuple[str, object]], hojas: list[dict], *, en_memoria: bool = False):
    """Libro de un reporte: hoja «Portada» (entidad, período, filtros, quién y cuándo) y una hoja por cuadro con su
    gráfico nativo de Excel. Cada hoja: {"nombre", "columnas": [etiquetas], "filas": [[valores]], "tipos": [Tipo],
    "grafico": {"tipo": "column" | "bar" | "line" | "pie", "titulo", "series": [columnas], "categoria": columna
    de las etiquetas (0 si no se dice)} | None}. Devuelve el archivo (temporal o BytesIO), al inicio."""
    libro = Libro(io.BytesIO() if en_memoria else None)
    libro.hoja_ficha("Portada", titulo, [("Entidad", current_app.config["MUNICIPALIDAD"]), *portada,
                                          ("Generado por", f"{current_user.nombre} ({current_user.username})"),
                                          ("Generado el", ahora())])
    for d in hojas:
        h = libro.hoja(d["nombre"])
        h.titulos(0, d["columnas"])
        for r, fila in enumerate(d["filas"], start=1):
            h.fila(r, fila, d.get("tipos"))
        n, ncols = len(d["filas"]), len(d["columnas"])
        h.ultima_fila, h.ultima_col = max(n, 1), ncols - 1
        h.fin_tabla = h.ultima_fila
        for extra in d.get("extra", ()):  # un segundo cuadro debajo, con su propio gráfico
            extra(libro, h)
        g = d.get("grafico")
        if g and n:
            series = g.get("series", [i for i in range(ncols) if i != g.get("categoria", 0)])
            valores = [f[c] for f in d["filas"] for c in series]
            libro.grafico(h, {**g, "series": series, "valores": valores}, n, ncols)
        h.cerrar()
    return libro.cerrar()


def enviar_libro(tmp, nombre: str, endpoint: str, detalle: str):
    """Descarga de un libro ya armado, con su registro de auditoría («exportar»)."""
    registrar("exportar", endpoint, None, detalle[:2000])
    db.session.commit()
    return send_file(tmp, as_attachment=True, download_name=nombre, mimetype=MIME_XLSX)
