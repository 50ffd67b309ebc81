"""Genera plantillas/acta.docx (plantilla docxtpl del acta). La oficina puede editar el .docx en Word
conservando las etiquetas {{ … }} y {%… %}; o copiar su versión a instance/plantillas/acta.docx.

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
doc.add_paragraph(
    "En {{ lugar or 'el local municipal' }}, el {{ fecha }}, a las {{ hora }} horas, en modalidad "
    "{{ modalidad|lower }}, bajo la presidencia del alcalde {{ alcalde }}, se reunió el Concejo Municipal "
    "en sesión {{ tipo|lower }}.")
doc.add_heading("Asistencia y quórum", level=2)
tabla = doc.add_table(rows=4, cols=4)
tabla.style = "Table Grid"
for celda, texto in zip(tabla.rows[0].cells, ("Miembro", "Cargo", "Asistencia", "Llegada"), strict=True):
    celda.text = texto
    celda.paragraphs[0].runs[0].bold = True
tabla.rows[1].cells[0].text = "{%tr for m in miembros %}"
for celda, texto in zip(tabla.rows[2].cells, ("{{ m.nombre }}", "{{ m.cargo }}", "{{ m.asistencia }}", "{{ m.hora }}"),
                        strict=True):
    celda.text = texto
tabla.rows[3].cells[0].text = "{%tr endfor %}"
doc.add_paragraph(
    "Número legal: {{ numero_legal }}. Miembros hábiles: {{ habiles }}. Quórum requerido: {{ quorum }}. "
    "Presentes: {{ presentes }}. {% if hay_quorum %}Con el quórum reglamentario se instaló la sesión."
    "{% else %}No hubo quórum.{% endif %}")
doc.add_heading("Agenda y acuerdos", level=2)
doc.add_paragraph("{%p for p in puntos %}")
doc.add_paragraph("{{ p.orden }}. {{ p.titulo }} ({{ p.seccion }}{% if p.expediente %}; expediente {{ p.expediente }}"
                  "{% endif %}{% if p.dictamen %}; dictamen de la {{ p.dictamen }}{% endif %})").runs[0].bold = True
doc.add_paragraph(
    "Mayoría requerida: {{ p.mayoria }}. Votación: {{ p.texto_votacion }} Resultado: {{ p.resultado }}.")
doc.add_paragraph("{%p for f in p.fundamentos %}")
doc.add_paragraph("Fundamento — {{ f }}")
doc.add_paragraph("{%p endfor %}")
doc.add_paragraph("{%p endfor %}")
doc.add_paragraph("No habiendo otro asunto que tratar, el alcalde levantó la sesión, de lo que da fe el "
                  "Secretario General.")
firmas = doc.add_table(rows=1, cols=2)
firmas.rows[0].cells[0].text = "\n\n______________________________\n{{ alcalde }}\nAlcalde"
firmas.rows[0].cells[1].text = "\n\n______________________________\nSecretario(a) General"
ajustar(doc)
doc.save(Path(__file__).with_name("acta.docx"))
