"""Comprobaciones de un Word producido, como lo abriría la oficina (python-docx): A4, español (Perú), ningún título de
sección vacío y, en un acta, cada cifra de votos igual a los nombres que lista."""

from __future__ import annotations

import io
import re
import zipfile

from docx import Document
from docx.shared import Cm

A4_CORTO, A4_LARGO = Cm(21), Cm(29.7)
VOTOS = re.compile(r"(\d+) (a favor|en contra|abstención|abstenciones) \(([^)]*)\)")


def texto(datos: bytes) -> str:
    doc = Document(io.BytesIO(datos))
    celdas = [c.text for t in doc.tables for fila in t.rows for c in fila.cells]
    return "\n".join([p.text for p in doc.paragraphs] + celdas)


def revisar_docx(datos: bytes, cuerpo: str | None = None) -> Document:
    doc = Document(io.BytesIO(datos))
    for s in doc.sections:  # A4 (±1 mm), vertical u horizontal
        medidas = sorted((s.page_width, s.page_height))
        assert abs(medidas[0] - A4_CORTO) < Cm(0.1) and abs(medidas[1] - A4_LARGO) < Cm(0.1), medidas
    with zipfile.ZipFile(io.BytesIO(datos)) as z:
        xml = {n: z.read(n).decode() for n in z.namelist() if n.endswith(".xml")}
    idiomas = {v for x in xml.values() for v in re.findall(r'<w:lang [^>]*w:val="([^"]+)"', x)}
    assert idiomas == {"es-PE"}, idiomas
    assert re.search(r'<w:docDefaults>.*<w:lang [^>]*w:val="es-PE"', xml["word/styles.xml"], re.S)
    assert 'w:themeFontLang w:val="es-PE"' in xml["word/settings.xml"]
    # ningún título (Heading) seguido de otro título o del final: una sección vacía no se imprime
    parrafos = [p for p in doc.paragraphs if p.text.strip()]
    for a, b in zip(parrafos, parrafos[1:] + [None], strict=True):
        if a.style.name.startswith("Heading") and a.style.name != "Heading 1":
            assert b is not None and not b.style.name.startswith("Heading"), f"sección vacía: {a.text}"
    cuerpo = cuerpo if cuerpo is not None else texto(datos)
    for n, _sentido, nombres in VOTOS.findall(cuerpo):
        assert len([x for x in nombres.split(", ") if x.strip() and x != "—"]) == int(n), (n, nombres)
    assert "{{" not in cuerpo and "{%" not in cuerpo
    return doc
