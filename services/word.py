"""Los Word que produce el sistema (acta, normas, Informe al Gerente): desde la plantilla docxtpl de la oficina o
la del sistema, siempre en **A4** y en **español (Perú)** (la corrección ortográfica de Word y LibreOffice en
castellano), aunque la plantilla que la oficina editó venga en carta y en inglés (lo que trae Word en muchos
equipos). El único lugar que llena una plantilla (tests/test_endurecimiento2.py lo vigila): todo valor se escapa
siempre (`autoescape=True`), así una sumilla, un considerando o un nombre con «</w:t></w:r>…», «<script>» o «&<>»
se ven tal cual y no agregan párrafos ni marcado (docs/seguridad.md)."""

from __future__ import annotations

import io
import re

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

IDIOMA = "es-PE"
A4 = (Cm(21), Cm(29.7))


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


def renderizar(plantilla, contexto: dict) -> io.BytesIO:
    """La plantilla docxtpl con `contexto` (todo escapado), en A4 y es-PE, lista para descargar (al inicio)."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(plantilla)
    doc.render(contexto, autoescape=True)
    ajustar(doc.docx)
    salida = io.BytesIO()
    doc.save(salida)
    salida.seek(0)
    return salida


def llenar_plantilla(plantilla, contexto: dict) -> bytes:
    """El .docx de `plantilla` (ruta o archivo) con `contexto`, cada valor escapado, en A4 y es-PE."""
    return renderizar(plantilla, contexto).getvalue()
