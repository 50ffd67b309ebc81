"""El acta es lo que la Secretaría General corrigió en el editor: el Word lleva ese texto (negritas, títulos, listas),
no uno regenerado de los datos de la sesión, y al aprobarla queda congelado."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import sqlalchemy as sa
from docx import Document

from models import ZONA_LIMA, Acta, Asistencia, MiembroConcejo, PuntoAgenda, SesionConcejo, db
from services import concejo


def _sesion_celebrada(cuando: datetime) -> SesionConcejo:
    s = SesionConcejo(tipo="ordinaria", fecha_hora=cuando, estado="levantada", lugar="Salón de actos")
    concejo.numerar_sesion(s)
    db.session.add(s)
    s.puntos = [PuntoAgenda(orden=1, titulo="Informe sobre el mercado municipal", materia="general")]
    for m in db.session.scalars(sa.select(MiembroConcejo)):
        db.session.add(Asistencia(sesion=s, miembro=m, estado="presente"))
    db.session.flush()
    return s


def _word(nav, acta_id: int) -> Document:
    r = nav.get(f"/admin/acta/word/?id={acta_id}")
    assert r.status_code == 200
    return Document(io.BytesIO(r.data))


def test_lo_editado_en_el_acta_es_lo_que_sale_en_el_word(app, como):
    hace = datetime.now(ZONA_LIMA).replace(second=0, microsecond=0) - timedelta(days=10)
    s = _sesion_celebrada(hace)
    acta = concejo.generar_acta(s)
    db.session.commit()
    sg = como("secretaria_general")
    editado = (acta.contenido + "<h1>Constancias</h1><div>El regidor <strong>Hugo Ramírez</strong> dejó "
               "<em>constancia</em> de su voto.<br>Se adjunta el informe.</div><ul><li>Primera copia</li>"
               "<li>Segunda copia</li></ul>")
    r = sg.post(f"/admin/acta/edit/?id={acta.id}", data={"contenido": editado})
    assert r.status_code == 302
    doc = _word(sg, acta.id)
    parrafos = {p.text: p for p in doc.paragraphs}
    assert parrafos["Constancias"].style.name == "Heading 2"
    constancia = next(p for t, p in parrafos.items() if t.startswith("El regidor Hugo Ramírez dejó constancia"))
    assert "\nSe adjunta el informe." in constancia.text  # el salto de línea del editor
    assert [r.text for r in constancia.runs if r.bold] == ["Hugo Ramírez"]
    assert [r.text for r in constancia.runs if r.italic] == ["constancia"]
    assert parrafos["Primera copia"].style.name == "List Bullet" and "Segunda copia" in parrafos
    assert "Informe sobre el mercado municipal" in "\n".join(parrafos)  # el borrador generado sigue ahí
    assert "ACTA DE LA SESIÓN ORDINARIA" in "\n".join(parrafos)  # el encabezado, de la plantilla
    assert concejo.word.MARCA not in "\n".join(parrafos)

    # aprobada en una sesión posterior: el Word queda como estaba al aprobarla
    posterior = _sesion_celebrada(hace + timedelta(days=7))
    db.session.commit()
    r = sg.post(f"/admin/acta/aprobar/?id={acta.id}", data={"sesion": posterior.id})
    assert r.status_code == 302
    assert db.session.get(Acta, acta.id).estado.value == "aprobada"
    textos = [p.text for p in _word(sg, acta.id).paragraphs]
    assert "Constancias" in textos and any("aprobada en la sesión ordinaria" in t.lower() for t in textos)
