"""El texto del editor (Trix: h1, div, br, strong, em, del, blockquote, pre, ul/ol/li; ya saneado) dentro de un Word.

La plantilla lleva un párrafo con `{{ cuerpo }}`; al generar, `cuerpo` es una marca que aquí se reemplaza por los
párrafos del texto editado, con las negritas, cursivas, tachados, títulos y listas del editor. Así lo que la
secretaria escribe en el editor es lo que se imprime (el acta, hasta que su aprobación la congela).
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

MARCA = "⟦cuerpo del documento⟧"  # lo que la plantilla recibe en `{{ cuerpo }}` (no se escribe en un texto real)
BLOQUES = {"div": None, "h1": "Heading 2", "blockquote": "Quote", "pre": None, "li": None}
FORMATOS = {"strong": "bold", "em": "italic", "del": "strike"}


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
