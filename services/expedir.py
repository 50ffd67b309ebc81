"""Expedir: el documento que emite la entidad, de su plantilla a un PDF/A-2b listo para los vistos buenos y la firma.

**Plantilla.** Cada `TipoDocumento` tiene una plantilla HTML/CSS (`TipoDocumento.plantilla`, la edita el
administrador; vacía = `plantillas/documento.html`). Es Jinja en un entorno **aislado** (`SandboxedEnvironment`:
la plantilla solo ve los datos que se le pasan, nunca objetos de la aplicación) con escape automático; el cuerpo
es el HTML del editor, saneado con el mismo `nh3` del acta (`services.concejo.limpiar_html`). La vista previa es
el mismo HTML (`renderizar_html(..., vista_previa=True)`).

**Espacios que se llenan al firmar.** El número se saca al firmar, nunca antes, y la fecha es la de la firma;
los vistos buenos se dan sobre el PDF antes de la firma. Por eso la plantilla reserva con `{{ codigo }}`,
`{{ lugar_fecha }}`, `{{ espacio_firma }}` y `{{ espacios_vistos }}` unos recuadros (con su `id`) y el PDF lleva en
ellos campos de formulario: de texto `codigo` y `fecha` (solo lectura, vacíos) y de firma `VoBo1`…`VoBoN` y
`Firma`. Cada firma llena su campo (no se superponen: el recuadro lo decide el diseño de la página), y la del
titular llena además `codigo` y `fecha` en la misma revisión (llenar un formulario no altera las firmas anteriores:
services/firma_digital.py). El campo `Firma` bloquea el documento: después de la firma del titular nada cambia.

**PDF.** WeasyPrint: A4 según la plantilla, fuentes del propio repositorio (Lato, `static/vendor/lato`), nada se
descarga de fuera (`FetcherLocal` solo entrega `data:` y archivos de `static/`), PDF/A-2b, idioma es-PE, título,
autor y asunto en los metadatos.

**Archivos.** `guardar_pdf(datos) -> sha256` y `leer_pdf(sha256)`: el único lugar por donde el motor escribe y lee
sus PDF (hoy, la carpeta de adjuntos por SHA-256; mañana, la capa de almacenamiento).
"""

from __future__ import annotations

import atexit
import base64
import io
import logging
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import segno
import sqlalchemy as sa
from flask import current_app
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from models import DenominacionAnio, TipoDocumento, UnidadOrganica, db
from services import ErrorDeRegla

RAIZ = Path(__file__).resolve().parent.parent
PLANTILLA_POR_DEFECTO = RAIZ / "plantillas" / "documento.html"
ESTATICOS = RAIZ / "static"
LATO = ESTATICOS / "vendor" / "lato"
ESCUDO_POR_DEFECTO = ESTATICOS / "escudo.svg"

# nombres de los campos del PDF (los usan services/firma_digital.py y las pantallas)
CAMPO_CODIGO, CAMPO_FECHA, CAMPO_FIRMA = "codigo", "fecha", "Firma"
# la firma de quien da fe (el Secretario General, en una norma): después de la del titular, y es la que cierra
CAMPO_FE = "Fe"


def campo_visto(n: int) -> str:
    """Nombre del campo de firma del n-ésimo visto bueno (1, 2, …), en el orden en que se dan."""
    return f"VoBo{n}"


# id del recuadro en el HTML → campo del PDF; tamaño mínimo (mm) que debe tener para que el sello se lea
ESPACIO_CODIGO, ESPACIO_FECHA, ESPACIO_FIRMA = "espacio-codigo", "espacio-fecha", "espacio-firma"
ESPACIO_FE = "espacio-fe"
MINIMOS_MM = {"texto": (40, 5), "firma": (45, 15), "visto": (35, 12)}

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------- datos


@dataclass(frozen=True)
class Persona:
    nombre: str
    cargo: str = ""


@dataclass(frozen=True)
class Anexo:
    nombre: str
    folios: int | None = None


@dataclass
class DatosDocumento:
    """Todo lo que la plantilla puede mostrar. Texto llano (se escapa); solo `cuerpo_html` es HTML (se sanea)."""

    tipo: str                                  # «Memorando»
    asunto: str
    cuerpo_html: str
    firmante: Persona
    municipalidad: str
    unidad: str = ""                           # órgano que emite
    codigo_provisional: str = ""               # lo que muestra la vista previa donde irá el número
    lugar: str = ""
    destinatario: str = ""                     # varias líneas: nombre, cargo, entidad
    referencia: str = ""
    denominacion_anio: str | None = None
    vistos: list[Persona] = field(default_factory=list)   # en el orden en que darán su V° B°
    cc: list[str] = field(default_factory=list)
    anexos: list[Anexo] = field(default_factory=list)
    codigo_verificacion: str = ""
    url_verificacion: str = ""
    logo: str | None = None                    # URI data: de la imagen
    fe: Persona | None = None                  # quien da fe después de la firma (norma: el Secretario General)


def fecha_larga(fecha: date) -> str:
    """«6 de diciembre de 2026» (es-PE)."""
    from babel.dates import format_date

    return format_date(fecha, format="d 'de' MMMM 'de' y", locale="es_PE")


def lugar_fecha(fecha: date, lugar: str | None = None) -> str:
    """Lo que llena el campo `fecha` al firmar: «Lima, 6 de diciembre de 2026»."""
    lugar = lugar if lugar is not None else current_app.config["LUGAR_DOCUMENTOS"]
    return f"{lugar}, {fecha_larga(fecha)}" if lugar else fecha_larga(fecha)


def denominacion_del_anio(anio: int) -> str | None:
    return db.session.scalar(sa.select(DenominacionAnio.denominacion).where(DenominacionAnio.anio == anio))


def url_de_verificacion(codigo_verificacion: str) -> str:
    """La del QR y el pie: `URL_PUBLICA` + `/verificar/<codigo>` (services/verificacion.py)."""
    from services.verificacion import url_verificacion

    return url_verificacion(codigo_verificacion)


def logo_data_uri() -> str | None:
    """El logo de la entidad (`LOGO_ENTIDAD`, o el escudo genérico del repositorio) como URI data:."""
    ruta = Path(current_app.config["LOGO_ENTIDAD"] or ESCUDO_POR_DEFECTO)
    if not ruta.is_file():
        log.warning("LOGO_ENTIDAD: no existe %s", ruta)
        return None
    return _data_uri(str(ruta), ruta.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _data_uri(ruta: str, _version: int) -> str | None:
    """(la versión es la fecha del archivo: un logo reemplazado se vuelve a leer)"""
    p = Path(ruta)
    tipo = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
    if tipo not in ("image/png", "image/jpeg", "image/svg+xml"):
        log.warning("LOGO_ENTIDAD: %s no es PNG, JPG ni SVG", p)
        return None
    return f"data:{tipo};base64,{base64.b64encode(p.read_bytes()).decode()}"


def datos_documento(*, tipo: TipoDocumento, unidad: UnidadOrganica, asunto: str, cuerpo_html: str,
                    firmante: Persona, codigo_verificacion: str, vistos: list[Persona] | tuple = (),
                    destinatario: str = "", referencia: str = "", cc: list[str] | tuple = (),
                    anexos: list[Anexo] | tuple = (), anio: int | None = None) -> DatosDocumento:
    """Los datos de un documento con lo que pone la entidad: nombre, logo, lugar, denominación del año (la del año
    `anio`, por defecto el de hoy en Lima), URL de verificación y el número provisional de la vista previa."""
    from models import hoy_lima

    anio = anio or hoy_lima().year
    sigla = current_app.config["SIGLA_ENTIDAD"]
    return DatosDocumento(
        tipo=tipo.nombre, asunto=asunto, cuerpo_html=cuerpo_html, firmante=firmante,
        municipalidad=current_app.config["MUNICIPALIDAD"], unidad=unidad.nombre,
        codigo_provisional=f"{tipo.nombre.upper()} N° ____-{anio}-{unidad.sigla}/{sigla}",
        lugar=current_app.config["LUGAR_DOCUMENTOS"], destinatario=destinatario, referencia=referencia,
        denominacion_anio=denominacion_del_anio(anio), vistos=list(vistos), cc=list(cc), anexos=list(anexos),
        codigo_verificacion=codigo_verificacion, url_verificacion=url_de_verificacion(codigo_verificacion),
        logo=logo_data_uri())


# ------------------------------------------------------------------------------------------------------ plantilla
def plantilla_por_defecto() -> str:
    return PLANTILLA_POR_DEFECTO.read_text(encoding="utf-8")


def plantilla_de(tipo: TipoDocumento) -> str:
    return tipo.plantilla if (tipo.plantilla or "").strip() else plantilla_por_defecto()


@lru_cache(maxsize=1)
def _entorno() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=32)
def _compilar(texto: str):
    return _entorno().from_string(texto)


def _recuadro(id_: str, clase: str, contenido: str) -> Markup:
    return Markup(f'<div id="{id_}" class="{clase}"><span class="marca">{escape(contenido)}</span></div>')


def _qr(url: str) -> str:
    return segno.make(url or "-", error="m").svg_data_uri(scale=4, border=0)


def contexto(datos: DatosDocumento, vista_previa: bool = False) -> dict:
    """Lo que ve la plantilla: textos, el cuerpo saneado y los recuadros reservados (en la vista previa, con su
    marca visible; en el PDF, la marca queda oculta y el recuadro lo ocupa el campo)."""
    from services.concejo import limpiar_html

    vistos = [{"nombre": v.nombre, "cargo": v.cargo} for v in datos.vistos]
    espacios_vistos = Markup("").join(
        _recuadro(f"espacio-visto-{i}", "espacio espacio-visto", f"V° B° {v['nombre']}")
        for i, v in enumerate(vistos, start=1))
    return {
        "tipo": datos.tipo, "asunto": datos.asunto, "municipalidad": datos.municipalidad, "unidad": datos.unidad,
        "denominacion_anio": datos.denominacion_anio, "destinatario": datos.destinatario,
        "destinatario_lineas": [x for x in datos.destinatario.splitlines() if x.strip()],
        "referencia": datos.referencia, "cuerpo": Markup(limpiar_html(datos.cuerpo_html)),
        "firmante": {"nombre": datos.firmante.nombre, "cargo": datos.firmante.cargo}, "vistos": vistos,
        "cc": list(datos.cc), "anexos": [{"nombre": a.nombre, "folios": a.folios} for a in datos.anexos],
        "codigo_verificacion": datos.codigo_verificacion, "url_verificacion": datos.url_verificacion,
        "qr": _qr(datos.url_verificacion), "logo": datos.logo, "vista_previa": vista_previa,
        "codigo": _recuadro(ESPACIO_CODIGO, "espacio espacio-codigo", datos.codigo_provisional or "N° ____"),
        "lugar_fecha": _recuadro(ESPACIO_FECHA, "espacio espacio-fecha",
                                 f"{datos.lugar + ', ' if datos.lugar else ''}(fecha de la firma)"),
        "espacio_firma": _recuadro(ESPACIO_FIRMA, "espacio espacio-firma", "Firma digital"),
        "fe": {"nombre": datos.fe.nombre, "cargo": datos.fe.cargo} if datos.fe else None,
        "espacio_fe": _recuadro(ESPACIO_FE, "espacio espacio-firma", "Firma digital (da fe)") if datos.fe else "",
        "espacios_vistos": espacios_vistos,
    }


def renderizar_html(datos: DatosDocumento, plantilla: str | None = None, vista_previa: bool = True,
                    url_estaticos: str = "/static/") -> str:
    """El HTML del documento: la vista previa (para el navegador) o la entrada del PDF. Un error de la plantilla →
    ErrorDeRegla con el motivo."""
    texto = plantilla if plantilla is not None else plantilla_por_defecto()
    try:
        html = _compilar(texto).render(contexto(datos, vista_previa))
    except TemplateSyntaxError as e:
        raise ErrorDeRegla(f"La plantilla tiene un error en la línea {e.lineno}: {e.message}") from e
    except TemplateError as e:  # variable que no existe, acceso prohibido por el entorno aislado…
        raise ErrorDeRegla(f"La plantilla no se puede usar: {e}") from e
    # el atributo del <html> oculta o muestra las marcas de los recuadros (ESTILO_MOTOR)
    html = re.sub(r"<html\b", f'<html data-modo="{"vista-previa" if vista_previa else "para-pdf"}"', html, count=1)
    if vista_previa:  # en el navegador: las mismas fuentes locales (servidas por /static) y las marcas visibles
        cabeza = (f'<link rel="stylesheet" href="{url_estaticos}vendor/lato/lato.css">'
                  f"<style>{ESTILO_MOTOR}</style>")
        html = re.sub(r"<head[^>]*>", lambda m: m.group(0) + cabeza, html, count=1)
    return html


# ---------------------------------------------------------------------------------------------------- PDF
def _fuentes_css() -> str:
    reglas = []
    for archivo, peso, estilo in (("400-normal", 400, "normal"), ("700-normal", 700, "normal"),
                                  ("400-italic", 400, "italic")):
        for juego, rango in (("latin", "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,"
                                       "U+0304,U+0308,U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,"
                                       "U+2215,U+FEFF,U+FFFD"),
                             ("latin-ext", "U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,"
                                           "U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,U+2113,"
                                           "U+2C60-2C7F,U+A720-A7FF")):
            ruta = (LATO / f"lato-{juego}-{archivo}.woff2").as_uri()
            reglas.append(f"@font-face {{ font-family: 'Lato'; font-weight: {peso}; font-style: {estilo}; "
                          f"src: url('{ruta}') format('woff2'); unicode-range: {rango}; }}")
    return "\n".join(reglas)


# lo que pone el motor, sea cual sea la plantilla: las fuentes locales y las marcas de los recuadros ocultas en el PDF
ESTILO_MOTOR = """
html[data-modo="para-pdf"] .espacio .marca { visibility: hidden; }
html[data-modo="vista-previa"] .espacio { outline: 0.6pt dashed #8a8a8a; }
html[data-modo="vista-previa"] .espacio .marca { color: #777; }
"""


def fetcher_local():
    """URLFetcher de WeasyPrint que solo entrega `data:` y archivos bajo `static/`: nada sale de la máquina (una
    imagen de otro sitio en la plantilla no se pide; WeasyPrint la omite con un aviso en el registro)."""
    from weasyprint.urls import URLFetcher

    class FetcherLocal(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.parse import unquote, urlsplit

                ruta = Path(unquote(urlsplit(url).path)).resolve()
                if ruta.is_relative_to(ESTATICOS) and ruta.is_file():
                    return super().fetch(url, headers)
            log.warning("Documento: se omitió un recurso que no es local: %s", url[:200])
            raise ValueError(f"recurso no local: {url[:200]}")

    return FetcherLocal(allowed_protocols=("data", "file"), allow_redirects=False)


_por_hilo = threading.local()
atexit.register(lambda: _por_hilo.__dict__.clear())  # FontConfiguration.__del__ falla si llega vivo al cierre


def _motor():
    """La configuración de fuentes y la hoja del motor, una por hilo (las fuentes se cargan una vez; Pango y
    fontconfig no se comparten entre hilos)."""
    if not hasattr(_por_hilo, "motor"):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fuentes = FontConfiguration()
        _por_hilo.motor = (fuentes, [CSS(string=_fuentes_css() + ESTILO_MOTOR, url_fetcher=fetcher_local(),
                                         font_config=fuentes)])
    return _por_hilo.motor


@dataclass
class Recuadro:
    pagina: int                              # 0 = la primera
    caja: tuple[float, float, float, float]  # puntos PDF: x1, y1 (abajo a la izquierda), x2, y2

    @property
    def ancho_mm(self) -> float:
        return (self.caja[2] - self.caja[0]) / 72 * 25.4

    @property
    def alto_mm(self) -> float:
        return (self.caja[3] - self.caja[1]) / 72 * 25.4


@dataclass
class PdfDocumento:
    datos: bytes
    paginas: int
    recuadros: dict[str, Recuadro]   # campo del PDF → dónde está


def _renderizar(html: str, titulo: str = "", autor: str = "", asunto: str = ""):
    from weasyprint import HTML

    fuentes, hojas = _motor()
    doc = HTML(string=html, base_url=ESTATICOS.as_uri() + "/", url_fetcher=fetcher_local()).render(
        stylesheets=hojas, font_config=fuentes)
    if titulo:
        doc.metadata.title = titulo
    if autor:
        doc.metadata.authors = [autor]
    if asunto:
        doc.metadata.description = asunto
    doc.metadata.lang = "es-PE"
    return doc


def _recuadros(doc) -> dict[str, Recuadro]:
    """Los recuadros reservados (por su id) → campo del PDF y su caja en puntos (WeasyPrint da px CSS desde arriba)."""
    nombres = {ESPACIO_CODIGO: CAMPO_CODIGO, ESPACIO_FECHA: CAMPO_FECHA, ESPACIO_FIRMA: CAMPO_FIRMA,
               ESPACIO_FE: CAMPO_FE}
    hallados: dict[str, Recuadro] = {}
    for i, pagina in enumerate(doc.pages):
        alto = pagina.height
        for id_, (x1, y1, x2, y2) in pagina.anchors.items():
            if id_ in nombres:
                campo = nombres[id_]
            elif (m := re.fullmatch(r"espacio-visto-(\d+)", id_)):
                campo = campo_visto(int(m.group(1)))
            else:
                continue
            if campo not in hallados:
                hallados[campo] = Recuadro(i, (x1 * .75, (alto - y2) * .75, x2 * .75, (alto - y1) * .75))
    return hallados


def _revisar_recuadros(recuadros: dict[str, Recuadro], vistos: int, fe: bool = False) -> None:
    faltan = [("{{ codigo }}", CAMPO_CODIGO), ("{{ lugar_fecha }}", CAMPO_FECHA), ("{{ espacio_firma }}", CAMPO_FIRMA)]
    faltan += [("{{ espacio_fe }}", CAMPO_FE)] if fe else []
    faltan += [("{{ espacios_vistos }}", campo_visto(i)) for i in range(1, vistos + 1)]
    for marca, campo in faltan:
        if campo not in recuadros:
            raise ErrorDeRegla(f"La plantilla no tiene el espacio {marca}: el PDF no podría numerarse ni firmarse.")
        r = recuadros[campo]
        clase = "texto" if campo in (CAMPO_CODIGO, CAMPO_FECHA) else "firma" if campo in (CAMPO_FIRMA, CAMPO_FE) \
            else "visto"
        ancho, alto = MINIMOS_MM[clase]
        if r.ancho_mm < ancho or r.alto_mm < alto:
            raise ErrorDeRegla(f"El espacio {marca} de la plantilla mide {r.ancho_mm:.0f} × {r.alto_mm:.0f} mm: "
                               f"necesita al menos {ancho} × {alto} mm.")


def generar_pdf(datos: DatosDocumento, plantilla: str | None = None) -> PdfDocumento:
    """El PDF/A-2b del documento, con los campos vacíos del número, la fecha, los vistos buenos y la firma."""
    html = renderizar_html(datos, plantilla, vista_previa=False)
    doc = _renderizar(html, titulo=f"{datos.tipo}: {datos.asunto}"[:250],
                      autor=" – ".join(x for x in (datos.municipalidad, datos.unidad) if x),
                      asunto=datos.asunto)
    recuadros = _recuadros(doc)
    if datos.fe is None:
        recuadros.pop(CAMPO_FE, None)
    _revisar_recuadros(recuadros, len(datos.vistos), fe=datos.fe is not None)
    base = doc.write_pdf(pdf_variant="pdf/a-2b")
    return PdfDocumento(_con_campos(base, recuadros), len(doc.pages), recuadros)


def pdf_de_recuadros(recuadros: list[tuple[str, float, float]], estilo: str = "") -> bytes:
    """Un PDF/A-2b con una página por recuadro `(html, ancho_pt, alto_pt)`, cada una del tamaño exacto del recuadro
    (el sello de una firma, el número, la fecha): misma fuente y mismo motor que el documento, un solo render."""
    paginas = "".join(f"@page r{i} {{ size: {ancho:.2f}pt {alto:.2f}pt; margin: 0 }} "
                      f".r{i} {{ page: r{i}; height: {alto:.2f}pt; overflow: hidden; }} "
                      for i, (_, ancho, alto) in enumerate(recuadros))
    cuerpo = "".join(f'<section class="r{i}">{html}</section>' for i, (html, _, _) in enumerate(recuadros))
    html = (f'<html lang="es-PE"><head><style>{paginas} section {{ break-after: page; }} '
            f"html, body {{ margin: 0; font-family: Lato, sans-serif; }} {estilo}</style></head>"
            f"<body>{cuerpo}</body></html>")
    return _renderizar(html).write_pdf(pdf_variant="pdf/a-2b")


def _con_campos(base: bytes, recuadros: dict[str, Recuadro]) -> bytes:
    """Agrega al PDF (una revisión, antes de toda firma) los campos reservados: de texto (solo lectura, vacíos) y de
    firma. La última firma bloquea el documento (FieldMDP «todos» y DocMDP «sin cambios»): la del titular (`Firma`),
    o la de quien da fe después (`Fe`, en una norma)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR
    from pyhanko.sign import fields

    w = IncrementalPdfFileWriter(io.BytesIO(base))
    # el productor igual en /Info y en XMP (PDF/A): pyHanko pone el suyo en XMP y lo agrega al de /Info
    info = w.trailer["/Info"]
    info["/Producer"] = generic.TextStringObject(VENDOR)
    w.mark_update(w.trailer.raw_get("/Info"))
    cierra = CAMPO_FE if CAMPO_FE in recuadros else CAMPO_FIRMA
    for campo, r in sorted(recuadros.items()):
        if campo in (CAMPO_CODIGO, CAMPO_FECHA):
            continue
        extra = {}
        if campo == cierra:
            extra = {"field_mdp_spec": fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
                     "doc_mdp_update_value": fields.MDPPerm.NO_CHANGES}
        fields.append_signature_field(w, fields.SigFieldSpec(
            campo, on_page=r.pagina, box=tuple(round(v, 2) for v in r.caja), **extra))
    for campo in (CAMPO_CODIGO, CAMPO_FECHA):
        _campo_texto(w, campo, recuadros[campo])
    salida = io.BytesIO()
    w.write(salida)
    return salida.getvalue()


def _nombre(n: str):
    from pyhanko.pdf_utils import generic

    return generic.NameObject(n)


def _campo_texto(w, nombre: str, r: Recuadro) -> None:
    """Campo de texto de solo lectura con una apariencia vacía (PDF/A exige apariencia en todo widget)."""
    from pyhanko.pdf_utils import generic

    x1, y1, x2, y2 = r.caja
    apariencia = generic.StreamObject({
        _nombre("/Type"): _nombre("/XObject"), _nombre("/Subtype"): _nombre("/Form"),
        _nombre("/BBox"): generic.ArrayObject([generic.FloatObject(0), generic.FloatObject(0),
                                               generic.FloatObject(round(x2 - x1, 2)),
                                               generic.FloatObject(round(y2 - y1, 2))]),
        _nombre("/Resources"): generic.DictionaryObject()}, stream_data=b"")
    page_ref = w.find_page_for_modification(r.pagina)[0]
    campo = generic.DictionaryObject({
        _nombre("/FT"): _nombre("/Tx"), _nombre("/T"): generic.pdf_string(nombre),
        _nombre("/Ff"): generic.NumberObject(1),  # solo lectura
        _nombre("/Type"): _nombre("/Annot"), _nombre("/Subtype"): _nombre("/Widget"),
        _nombre("/F"): generic.NumberObject(4),   # imprimir
        _nombre("/Rect"): generic.ArrayObject([generic.FloatObject(round(v, 2)) for v in r.caja]),
        _nombre("/P"): page_ref, _nombre("/DA"): generic.pdf_string("0 g"),
        _nombre("/AP"): generic.DictionaryObject({_nombre("/N"): w.add_object(apariencia)}),
    })
    ref = w.add_object(campo)
    acro = w.root["/AcroForm"]
    acro["/Fields"].append(ref)
    raw = w.root.raw_get("/AcroForm")
    if isinstance(raw, generic.IndirectObject):
        w.mark_update(raw)
    else:
        w.update_root()
    pagina = page_ref.get_object()
    if "/Annots" in pagina:
        anotaciones = pagina.raw_get("/Annots")
        pagina["/Annots"].append(ref)
        if isinstance(anotaciones, generic.IndirectObject):
            w.mark_update(anotaciones)
    else:
        pagina["/Annots"] = generic.ArrayObject([ref])
    w.update_container(pagina)


def validar_plantilla(texto: str) -> None:
    """Para guardar una plantilla: que compile, que se pueda usar con datos de ejemplo (sin variables que no
    existen ni accesos prohibidos) y que tenga los recuadros de número, fecha, vistos buenos y firma con tamaño
    suficiente. Cualquier falla → ErrorDeRegla con el motivo."""
    ejemplo = DatosDocumento(
        tipo="Memorando", asunto="Asunto de ejemplo", cuerpo_html="<div>Texto de ejemplo.</div>",
        firmante=Persona("Nombre del titular", "Cargo"), municipalidad="Municipalidad", unidad="Unidad",
        lugar="Lima", destinatario="Destinatario\nCargo", referencia="Expediente", denominacion_anio="Año",
        vistos=[Persona("Revisor uno", "Cargo"), Persona("Revisor dos", "Cargo")], cc=["Archivo"],
        anexos=[Anexo("Anexo", 2)], codigo_verificacion="x" * 16, url_verificacion="https://ejemplo.gob.pe/v")
    doc = _renderizar(renderizar_html(ejemplo, texto, vista_previa=False))
    _revisar_recuadros(_recuadros(doc), len(ejemplo.vistos))


# ---------------------------------------------------------------------------------------------------- archivos
def guardar_pdf(datos: bytes) -> str:
    """Escribe el PDF una sola vez en el almacén (services/archivos.py: carpeta local o S3), nombrado por su SHA-256
    (el mismo contenido → el mismo archivo), y devuelve el SHA-256."""
    from services import archivos

    return archivos.guardar(datos, "pdf").sha256


def leer_pdf(sha: str) -> bytes:
    """Los bytes guardados con ese SHA-256, tal como están (si alguien los alteró, la verificación lo dirá)."""
    from services import archivos

    if not re.fullmatch(r"[0-9a-f]{64}", sha or ""):
        raise ErrorDeRegla("Identificador de archivo no válido.")
    try:
        return archivos.leer(archivos.clave_de(sha, "pdf"))
    except FileNotFoundError:
        raise ErrorDeRegla("El archivo del documento no está en el almacenamiento.") from None
