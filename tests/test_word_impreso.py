"""Los Word como los abre la oficina (issue 23, puntos 6–9): A4 y español (Perú) en todo documento y en las plantillas
que edita la oficina; el acta dice qué pasó con cada punto (empate dirimido, punto no votado, aprobación con
dispensa, singular y plural); las normas sin secciones vacías y con la fórmula de su tipo; el Informe al Gerente
dice cuántos expedientes lista."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from docx.shared import Cm

from models import Acta, EstadoActa, MiembroConcejo, NormaMunicipal, PuntoAgenda, SesionConcejo, db
from services import concejo
from services.semilla import cargar_sesiones_demo
from tests.conftest import texto_de
from tests.documentos import revisar_docx, texto

PLANTILLAS = Path(__file__).resolve().parent.parent / "plantillas"


@pytest.mark.parametrize("nombre", ["acta.docx", "norma.docx", "informe_gerente.docx"])
def test_plantillas_del_sistema_en_a4_y_es_pe(nombre):
    """Las plantillas que la oficina copia y edita ya vienen en A4 y en español (Perú)."""
    revisar_docx((PLANTILLAS / nombre).read_bytes(), cuerpo="")


def _sesion_demo():
    cargar_sesiones_demo()
    db.session.commit()
    return db.session.scalar(sa.select(SesionConcejo).join(Acta, Acta.sesion_id == SesionConcejo.id))


def test_acta_punto_no_votado_y_aprobada_con_dispensa(app, como):
    pasada = _sesion_demo()
    acta = pasada.acta
    sg = como("secretaria_general")
    r = sg.get(f"/admin/acta/word/?id={acta.id}")
    assert r.status_code == 200
    cuerpo = texto(r.data)
    revisar_docx(r.data, cuerpo)
    # el informe de la gerencia no se votó: el acta no dice «0 a favor … Pendiente»
    assert ("Informe de la Gerencia Municipal sobre la ejecución presupuestal" in cuerpo
            and "No se sometió a votación en esta sesión; queda pendiente para una próxima sesión." in cuerpo)
    assert "0 a favor, 0 en contra" not in cuerpo
    assert "Estado del acta: Borrador, pendiente de aprobación." in cuerpo
    # el concejo vota en la misma sesión la dispensa de la aprobación del acta y la aprueba allí mismo
    pasada.estado = "instalada"
    dispensa = PuntoAgenda(sesion=pasada, orden=3, titulo="Dispensa del trámite de aprobación del acta",
                           materia="dispensa_acta", mayoria_requerida=concejo.mayoria_de("dispensa_acta"))
    db.session.add(dispensa)
    db.session.flush()
    presentes = [a.miembro_id for a in pasada.asistencias if a.estado.value == "presente"]
    alcalde = db.session.scalar(sa.select(MiembroConcejo.id).where(MiembroConcejo.cargo == "alcalde"))
    concejo.votar(dispensa, {m: ("abstencion" if i == 0 else "favor", "Llegué tarde a la lectura" if i == 0 else None)
                             for i, m in enumerate(m for m in presentes if m != alcalde)})
    pasada.estado = "levantada"
    concejo.generar_acta(pasada)  # el Word lleva el texto del editor: la secretaria rehace el borrador con la dispensa
    db.session.commit()
    r = sg.post(f"/admin/acta/aprobar/?id={acta.id}", data={"sesion": pasada.id})
    assert r.status_code == 302, r.text[:2000]
    acta = db.session.get(Acta, acta.id)
    assert acta.estado == EstadoActa.aprobada and acta.con_dispensa
    cuerpo = texto(sg.get(f"/admin/acta/word/?id={acta.id}").data)
    assert "Estado del acta: Aprobada en la misma sesión, con dispensa del trámite de lectura y aprobación" in cuerpo
    assert "1 abstención (" in cuerpo and "1 abstenciones" not in cuerpo
    revisar_docx(acta.documento_aprobado, cuerpo)


def test_normas_sin_secciones_vacias_y_con_su_formula(app, como):
    _sesion_demo()
    sg = como("secretaria_general")
    # la ordenanza que nació de un voto no tiene considerandos ni artículos: no se imprimen sus títulos vacíos
    votada = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.punto_agenda_id.is_not(None)))
    r = sg.get(f"/admin/norma_municipal/word/?id={votada.id}")
    assert r.status_code == 200
    cuerpo = texto(r.data)
    revisar_docx(r.data, cuerpo)
    assert "CONSIDERANDO" not in cuerpo and "SE RESUELVE" not in cuerpo and "ORDENA:" not in cuerpo
    assert votada.sumilla in cuerpo
    for tipo, formula in (("ordenanza", "ORDENA:"), ("acuerdo_concejo", "ACUERDA:"),
                          ("decreto_alcaldia", "DECRETA:"), ("resolucion_alcaldia", "RESUELVE:")):
        r = sg.post("/admin/norma_municipal/new/", data={
            "tipo": tipo, "fecha_emision": "20/07/2026", "proyecto": "y", "sumilla": f"Proyecto de {tipo}",
            "considerandos": "Que, la Ley Orgánica de Municipalidades lo permite.",
            "articulos": "Apruébese lo propuesto.\nEncárguese su cumplimiento."})
        assert r.status_code == 302, texto_de(r.text)[-1500:]
        norma = db.session.scalar(sa.select(NormaMunicipal).order_by(NormaMunicipal.id.desc()).limit(1))
        r = sg.get(f"/admin/norma_municipal/word/?id={norma.id}")
        doc = revisar_docx(r.data)
        titulos = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading") and p.text.strip()]
        assert titulos[-2:] == ["CONSIDERANDO:", formula], (tipo, titulos)
        assert "Artículo 2.– Encárguese su cumplimiento." in texto(r.data)


def test_informe_al_gerente_dice_cuantos_lista(app, como, crear_expediente, monkeypatch, reloj):
    from datetime import date

    from services import informe_gerente, tramite
    from tests.conftest import lima, unidad, usuario_de

    mesa = usuario_de("mesa_partes")
    reloj(lima(2026, 3, 2, 9, 0))
    for i in range(3):
        exp = crear_expediente("UTD", asunto=f"Caso vencido {i}")
        tramite.derivar(exp, unidad("GAT"), "opinar", "Opine", None, mesa)
        db.session.commit()
    reloj(lima(2026, 6, 1, 9, 0))
    monkeypatch.setattr(informe_gerente, "CUANTOS_EXPEDIENTES", 2)
    r = como("secretaria_general").get(f"/admin/reporte_cumplimiento/informe/?desde={date(2026, 1, 1)}"
                                       f"&hasta={date(2026, 12, 31)}")
    assert r.status_code == 200
    cuerpo = texto(r.data)
    doc = revisar_docx(r.data, cuerpo)
    assert "GAT – " in cuerpo and "3 derivaciones vencidas" in cuerpo
    assert "Se listan los 2 expedientes más atrasados de 3" in cuerpo
    assert cuerpo.count("Caso vencido") == 2
    # los encabezados de la tabla caben en su columna (A4 horizontal, anchos fijos): «Recibidas» no se parte
    encabezados = doc.tables[0].rows[0].cells
    assert encabezados[2].text == "Recibidas" and encabezados[2].width >= Cm(2)
    assert sum(c.width for c in encabezados) <= Cm(29.7 - 4 + 0.1)
    assert doc.sections[0].page_width > doc.sections[0].page_height  # horizontal


def test_plantilla_de_la_oficina_en_carta_e_ingles_sale_en_a4(app, como, tmp_path, monkeypatch):
    """Una plantilla que la oficina guardó en Word con papel carta y en inglés: el acta sale igual en A4 y es-PE."""
    from docx.shared import Inches

    doc = Document(PLANTILLAS / "acta.docx")
    for s in doc.sections:
        s.page_width, s.page_height = Inches(8.5), Inches(11)
    for lang in doc.styles.element.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}lang"):
        lang.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "en-US")
    destino = tmp_path / "acta.docx"  # como instance/plantillas/acta.docx
    doc.save(destino)
    monkeypatch.setattr(concejo, "plantilla_acta", lambda: destino)
    pasada = _sesion_demo()
    r = como("secretaria_general").get(f"/admin/acta/word/?id={pasada.acta.id}")
    revisar_docx(r.data)


def test_sin_datos_no_imprime_llaves(app):
    """La plantilla de la norma con una norma sin fecha (proyecto): nada de {{ }} a la vista."""
    from services import normas, word

    with app.test_request_context():
        n = NormaMunicipal(tipo="edicto", sumilla="Edicto de prueba", estado="proyecto")
        salida = word.renderizar(PLANTILLAS / "norma.docx", normas.contexto_norma(n))
    cuerpo = texto(salida.getvalue())
    assert "PROYECTO" in cuerpo and "{{" not in cuerpo and "HACE SABER" not in cuerpo
