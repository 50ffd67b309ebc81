"""Genera plantillas/informe_gerente.docx (plantilla docxtpl del Informe al Gerente Municipal sobre el
cumplimiento de plazos). La oficina puede editar el .docx en Word conservando las etiquetas {{ … }} y {%… %};
o copiar su versión a instance/plantillas/informe_gerente.docx.

Uso: .venv/bin/python plantillas/crear_informe_gerente.py
"""

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from services.word import ajustar  # noqa: E402  (A4 y es-PE, como todo Word que produce el sistema)

doc = Document()
seccion = doc.sections[0]
seccion.orientation = WD_ORIENT.LANDSCAPE
seccion.page_width, seccion.page_height = seccion.page_height, seccion.page_width
for margen in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
    setattr(seccion, margen, Cm(2))
doc.styles["Normal"].font.name = "Arial"
doc.styles["Normal"].font.size = Pt(10)
doc.add_paragraph("{{ municipalidad|upper }}", style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
doc.add_paragraph("INFORME N° ____-{{ anio }}-SG/{{ sigla_entidad }}", style="Heading 1")
for etiqueta, valor in (("A", "Gerente Municipal"), ("De", "Secretaría General"),
                        ("Asunto", "Cumplimiento de plazos y procedimientos por unidad orgánica"),
                        ("Período", "{{ periodo }}"), ("Filtros", "{{ filtros }}"), ("Fecha", "{{ fecha }}")):
    p = doc.add_paragraph()
    p.add_run(f"{etiqueta}:\t").bold = True
    p.add_run(valor)
doc.add_heading("1. Grado de cumplimiento por unidad orgánica", level=2)
doc.add_paragraph(
    "Derivaciones recibidas en el período: {{ totales.recibidas }}; atendidas a tiempo: {{ totales.a_tiempo }}; "
    "con retraso: {{ totales.con_retraso }}; pendientes en plazo: {{ totales.pendiente_en_plazo }}; pendientes "
    "vencidas: {{ totales.pendiente_vencida }}; porcentaje a tiempo: {{ totales.pct }}. Expedientes aprobados por "
    "silencio positivo (LPAG art. 35): {{ totales.silencio_positivo }}.")
columnas = ("N°", "Unidad", "Recibidas", "A tiempo", "Con retraso", "Pend. en plazo", "Pend. vencidas", "% a tiempo",
            "Prom. días", "p90 días", "Silencio positivo")
campos = ("{{ u.puesto }}", "{{ u.unidad }}", "{{ u.recibidas }}", "{{ u.a_tiempo }}", "{{ u.con_retraso }}",
          "{{ u.pendiente_en_plazo }}", "{{ u.pendiente_vencida }}", "{{ u.pct }}", "{{ u.promedio }}",
          "{{ u.p90 }}", "{{ u.silencio_positivo }}")
# anchos fijos (cm, suman el ancho útil de un A4 horizontal) y letra de 9 pt: ningún encabezado se parte a media
# palabra («Recibida/s»)
anchos = (1.0, 3.6, 2.2, 2.2, 2.3, 2.4, 2.4, 2.2, 2.1, 1.9, 2.4)
tabla = doc.add_table(rows=4, cols=len(columnas))
tabla.style = "Table Grid"
tabla.autofit = False
for fila in tabla.rows:
    for celda, ancho in zip(fila.cells, anchos, strict=True):
        celda.width = Cm(ancho)
for celda, texto in zip(tabla.rows[0].cells, columnas, strict=True):
    celda.text = texto
    celda.paragraphs[0].runs[0].bold = True
tabla.rows[1].cells[0].text = "{%tr for u in unidades %}"
for celda, texto in zip(tabla.rows[2].cells, campos, strict=True):
    celda.text = texto
tabla.rows[3].cells[0].text = "{%tr endfor %}"
for fila in tabla.rows:
    for celda in fila.cells:
        for run in celda.paragraphs[0].runs:
            run.font.size = Pt(9)
doc.add_paragraph("A tiempo: derivación cerrada hasta su fecha límite (o sin plazo). % a tiempo = a tiempo ÷ "
                  "(atendidas + pendientes vencidas). Días hábiles desde el envío hasta la atención (LPAG art. 144).")
doc.add_heading("2. Unidades con mayor atraso y sus expedientes vencidos", level=2)
doc.add_paragraph("{%p for u in atrasadas %}")
doc.add_paragraph("{{ loop.index }}. {{ u.unidad }} – {{ u.nombre }}: {{ u.pendiente_vencida }} "
                  "{% if u.pendiente_vencida == 1 %}derivación vencida{% else %}derivaciones vencidas{% endif %}; "
                  "{{ u.pct }} a tiempo.").runs[0].bold = True
doc.add_paragraph("{%p if u.mostrados < u.pendiente_vencida %}")
doc.add_paragraph("{% if u.mostrados == 1 %}Se lista el expediente más atrasado{% else %}Se listan los "
                  "{{ u.mostrados }} expedientes más atrasados{% endif %} de {{ u.pendiente_vencida }}; el detalle "
                  "completo está en la bandeja de la unidad filtrada por «Pendientes vencidas».")
doc.add_paragraph("{%p endif %}")
doc.add_paragraph("{%p for e in u.expedientes %}")
doc.add_paragraph("{{ e.codigo }} – {{ e.asunto }} (límite {{ e.limite }}; {{ e.dias }} "
                  "{% if e.dias == 1 %}día hábil{% else %}días hábiles{% endif %} de atraso)",
                  style="List Bullet")
doc.add_paragraph("{%p endfor %}")
doc.add_paragraph("{%p endfor %}")
doc.add_heading("3. Medidas correctivas", level=2)
doc.add_paragraph("[La Secretaría General describe aquí las medidas correctivas propuestas para cada unidad.]")
doc.add_paragraph("")
firma = doc.add_paragraph("\n\n______________________________\nSecretario(a) General\n{{ generado_por }}")
firma.alignment = WD_ALIGN_PARAGRAPH.CENTER
ajustar(doc)
doc.save(Path(__file__).with_name("informe_gerente.docx"))
