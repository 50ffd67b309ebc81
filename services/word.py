"""Los Word que produce el sistema (acta, normas, Informe al Gerente): desde la plantilla docxtpl de la oficina o
la del sistema, siempre en **A4** y en **español (Perú)** (la corrección ortográfica de Word y LibreOffice en
castellano), aunque la plantilla que la oficina editó venga en carta y en inglés (lo que trae Word en muchos
equipos). El único lugar que llena una plantilla (tests/test_endurecimiento2.py lo vigila): todo valor se escapa
siempre (`autoescape=True`), así una sumilla, un considerando o un nombre con «</w:t></w:r>…», «<script>» o «&<>»
se ven tal cual y no agregan párrafos ni marcado (docs/seguridad.md).

El texto del editor (Trix: h1, div, br, strong, em, del, blockquote, pre, ul/ol/li; ya saneado) entra en un Word
por el párrafo `{{ cuerpo }}` de la plantilla: al generar, `cuerpo` es una marca que aquí se reemplaza por los
párrafos del texto editado, con sus negritas, cursivas, tachados, títulos y listas. Así lo que la secretaria escribe
en el editor es lo que se imprime (el acta, hasta que su aprobación la congela)."""

from __future__ import annotations

import io
import re
from collections import Counter
from html.parser import HTMLParser

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

IDIOMA = "es-PE"
A4 = (Cm(21), Cm(29.7))
MARCA = "⟦cuerpo del documento⟧"  # lo que la plantilla recibe en `{{ cuerpo }}` (no se escribe en un texto real)
BLOQUES = {"div": None, "h1": "Heading 2", "blockquote": "Quote", "pre": None, "li": None}
FORMATOS = {"strong": "bold", "em": "italic", "del": "strike"}



def ajustar(documento) -> None:
    """A4 en cada sección (conserva la orientación) y es-PE como idioma del documento, de sus estilos y de cada
    texto que diga otro (python-docx `Document`)."""
    corto, largo = A4
    for seccion in documento.sections:
        horizontal = (seccion.page_width or 0) > (seccion.page_height or 0)
        seccion.page_width, seccion.page_height = (largo, corto) if horizontal else (corto, largo)
    estilos = documento.styles.element
    defecto = estilos.find(qn("w:docDefaults"))
    if defecto is None:
        defecto = OxmlElement("w:docDefaults")
        estilos.insert(0, defecto)
    rpr_defecto = _hijo(defecto, "w:rPrDefault")
    _fijar_idioma(_hijo(rpr_defecto, "w:rPr"))
    for parte in documento.part.package.iter_parts():  # cuerpo, estilos, encabezados, pies, notas…
        elemento = getattr(parte, "_element", None)
        if elemento is not None:
            for lang in elemento.iter(qn("w:lang")):
                lang.set(qn("w:val"), IDIOMA)
        elif str(parte.partname).endswith(".xml") and b"<w:lang " in parte.blob:  # p. ej. stylesWithEffects.xml
            parte._blob = re.sub(rb'(<w:lang [^>]*?w:val=")[^"]*"', rb'\1' + IDIOMA.encode() + b'"', parte.blob)
    ajustes = documento.settings.element
    tema = ajustes.find(qn("w:themeFontLang"))
    if tema is None:
        tema = OxmlElement("w:themeFontLang")
        ajustes.append(tema)
    tema.set(qn("w:val"), IDIOMA)


def _hijo(padre, etiqueta: str):
    hijo = padre.find(qn(etiqueta))
    if hijo is None:
        hijo = OxmlElement(etiqueta)
        padre.append(hijo)
    return hijo


def _fijar_idioma(rpr) -> None:
    lang = _hijo(rpr, "w:lang")
    lang.set(qn("w:val"), IDIOMA)


def renderizar(plantilla, contexto: dict, cuerpo_html: str | None = None) -> io.BytesIO:
    """La plantilla docxtpl con `contexto` (todo escapado), en A4 y es-PE, lista para descargar (al inicio). Con
    `cuerpo_html` (ya saneado), el párrafo `{{ cuerpo }}` de la plantilla lleva ese texto con su formato."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(plantilla)
    doc.render({**contexto, "cuerpo": MARCA} if cuerpo_html is not None else contexto, autoescape=True)
    if cuerpo_html is not None:
        insertar_html(doc.docx, cuerpo_html)
    ajustar(doc.docx)
    salida = io.BytesIO()
    doc.save(salida)
    salida.seek(0)
    return salida


def llenar_plantilla(plantilla, contexto: dict) -> bytes:
    """El .docx de `plantilla` (ruta o archivo) con `contexto`, cada valor escapado, en A4 y es-PE."""
    return renderizar(plantilla, contexto).getvalue()


class _HtmlAWord(HTMLParser):
    def __init__(self, marca, estilos: set[str]):
        super().__init__(convert_charrefs=True)
        self.marca, self.estilos = marca, estilos
        self.parrafo, self.pre, self.listas, self.formato = None, False, [], Counter()

    def _estilo(self, etiqueta: str) -> str | None:
        nombre = BLOQUES.get(etiqueta)
        if etiqueta == "li" and self.listas:
            nombre = ("List Number" if self.listas[-1] == "ol" else "List Bullet") + \
                (f" {min(len(self.listas), 3)}" if len(self.listas) > 1 else "")
        return nombre if nombre in self.estilos else None  # una plantilla sin ese estilo: «Normal»

    def _nuevo(self, etiqueta: str = "div") -> None:
        self.parrafo = self.marca.insert_paragraph_before("", self._estilo(etiqueta))
        self.pre = etiqueta == "pre"

    def handle_starttag(self, etiqueta, _atributos):
        if etiqueta in ("ul", "ol"):
            self.listas.append(etiqueta)
            self.parrafo = None
        elif etiqueta in BLOQUES:
            self._nuevo(etiqueta)
        elif etiqueta == "br":
            if self.parrafo is None:
                self._nuevo()
            self.parrafo.add_run().add_break()
        elif etiqueta in FORMATOS:
            self.formato[etiqueta] += 1

    def handle_endtag(self, etiqueta):
        if etiqueta in ("ul", "ol"):
            if self.listas:
                self.listas.pop()
            self.parrafo = None
        elif etiqueta in BLOQUES:
            self.parrafo = None
        elif etiqueta in FORMATOS:
            self.formato[etiqueta] = max(0, self.formato[etiqueta] - 1)

    def handle_data(self, datos):
        if not self.pre:
            datos = re.sub(r"\s+", " ", datos)  # como en HTML: los saltos de línea del código no son del texto
        if self.parrafo is None:
            if not datos.strip():
                return
            self._nuevo()
        if not self.parrafo.runs or self.parrafo.runs[-1].text.endswith("\n") or not self.parrafo.text:
            datos = datos.lstrip() if not self.pre else datos
        if not datos:
            return
        run = self.parrafo.add_run(datos)
        for etiqueta, propiedad in FORMATOS.items():
            if self.formato[etiqueta]:
                setattr(run.font, propiedad, True)
        if self.pre:
            run.font.name = "Courier New"


def insertar_html(documento, html: str, marca: str = MARCA) -> bool:
    """Reemplaza el párrafo cuyo texto es `marca` por los párrafos de `html`. False si la plantilla no lo tiene
    (una plantilla antigua de la oficina: el Word sale sin el texto editado)."""
    parrafo = next((p for p in _parrafos(documento) if p.text.strip() == marca), None)
    if parrafo is None:
        return False
    estilos = {s.name for s in documento.styles}
    conversor = _HtmlAWord(parrafo, estilos)
    conversor.feed(html or "")
    conversor.close()
    parrafo._element.getparent().remove(parrafo._element)
    return True


def _parrafos(documento):
    yield from documento.paragraphs
    for tabla in documento.tables:
        for fila in tabla.rows:
            for celda in fila.cells:
                yield from celda.paragraphs
