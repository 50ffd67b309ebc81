"""Genera plantillas/acta.docx (plantilla docxtpl del acta). La oficina puede editar el .docx en Word
conservando las etiquetas {{ … }} y {%… %}; o copiar su versión a instance/plantillas/acta.docx. El párrafo
`{{ cuerpo }}` recibe el texto del acta tal como quedó en el editor; las demás etiquetas (municipalidad, sesion,
fecha, miembros, puntos…) siguen disponibles para una plantilla propia.

Uso: .venv/bin/python plantillas/crear_acta.py
"""

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from services.word import ajustar  # noqa: E402  (A4 y es-PE, como todo Word que produce el sistema)

doc = Document()
doc.styles["Normal"].font.name = "Arial"
doc.styles["Normal"].font.size = Pt(11)
for texto, estilo in (("{{ municipalidad|upper }}", "Title"), ("ACTA DE LA {{ sesion }}", "Heading 1")):
    doc.add_paragraph(texto, style=estilo).alignment = WD_ALIGN_PARAGRAPH.CENTER
doc.add_paragraph("Estado del acta: {{ aprobacion }}.")
# el texto del acta: el que redactó y corrigió la Secretaría General en el editor (Acta.contenido), con sus negritas,
# títulos y listas (services/word.py reemplaza este párrafo); la plantilla pone el encabezado y las firmas
doc.add_paragraph("{{ cuerpo }}")
firmas = doc.add_table(rows=1, cols=2)
firmas.rows[0].cells[0].text = "\n\n______________________________\n{{ alcalde }}\nAlcalde"
firmas.rows[0].cells[1].text = "\n\n______________________________\nSecretario(a) General"
ajustar(doc)
doc.save(Path(__file__).with_name("acta.docx"))
