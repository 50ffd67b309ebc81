"""Genera plantillas/norma.docx (plantilla docxtpl de una norma: ordenanza, acuerdo, decreto, resolución, edicto).
La oficina puede editarla en Word conservando las etiquetas {{ … }} y {%… %}, o dejar su versión por tipo en
instance/plantillas/norma_<tipo>.docx (p. ej. norma_ordenanza.docx), que tiene preferencia.

Uso: .venv/bin/python plantillas/crear_norma.py
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
for texto, estilo in (("{{ municipalidad|upper }}", "Title"), ("{{ titulo }}", "Heading 1")):
    doc.add_paragraph(texto, style=estilo).alignment = WD_ALIGN_PARAGRAPH.CENTER
doc.add_paragraph("{% if proyecto %}PROYECTO – sin número hasta su aprobación{% else %}{{ fecha }}{% endif %}"
                  ).alignment = WD_ALIGN_PARAGRAPH.CENTER
doc.add_paragraph("{{ sumilla }}").runs[0].bold = True
# una sección sin texto no se imprime (ni su título); la parte resolutiva con la fórmula de su tipo
doc.add_paragraph("{%p if considerandos %}")
doc.add_heading("CONSIDERANDO:", level=2)
doc.add_paragraph("{%p for c in considerandos %}")
doc.add_paragraph("{{ c }}")
doc.add_paragraph("{%p endfor %}")
doc.add_paragraph("{%p endif %}")
doc.add_paragraph("{%p if articulos %}")
doc.add_heading("{{ formula }}", level=2)
doc.add_paragraph("{%p for a in articulos %}")
doc.add_paragraph("Artículo {{ loop.index }}.– {{ a }}")
doc.add_paragraph("{%p endfor %}")
doc.add_paragraph("{%p endif %}")
doc.add_paragraph("Regístrese, comuníquese, publíquese y cúmplase.")
firmas = doc.add_table(rows=1, cols=2)
firmas.rows[0].cells[0].text = "\n\n______________________________\n{{ alcalde }}\nAlcalde"
firmas.rows[0].cells[1].text = "\n\n______________________________\nSecretario(a) General"
ajustar(doc)
doc.save(Path(__file__).with_name("norma.docx"))
