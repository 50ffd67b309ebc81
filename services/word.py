"""Documentos Word desde plantillas (docxtpl): el único lugar que llena una plantilla.

Todo valor se escapa siempre (`autoescape=True`): una sumilla, un considerando, un nombre o un título con
«</w:t></w:r>…», «<script>» o «&<>» se ven tal cual en el documento y no le agregan párrafos ni marcado
(docs/seguridad.md). Acta, norma, Informe al Gerente y cualquier Word nuevo pasan por aquí
(tests/test_estructura.py lo vigila)."""

from __future__ import annotations

import io


def llenar_plantilla(plantilla, contexto: dict) -> bytes:
    """El .docx de `plantilla` (ruta o archivo) con `contexto`, cada valor escapado."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(plantilla)
    doc.render(contexto, autoescape=True)
    salida = io.BytesIO()
    doc.save(salida)
    return salida.getvalue()
