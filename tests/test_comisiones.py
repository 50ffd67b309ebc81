"""Comisiones de regidores (issue 11, punto 7): sus sesiones usan la maquinaria del concejo (agenda, citación,
asistencia, quórum de la comisión, votos) y lo votado queda como dictamen numerado, que se agenda en el concejo.

Fechas reales: lunes 10/08/2026 (la comisión), viernes 14/08/2026 (el concejo); el 6 de agosto es feriado.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Citacion, Comision, Dictamen, MiembroComision, PuntoAgenda, SesionConcejo, db
from tests.conftest import crear_sesion, miembros


def _texto(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _operar(n, sesion, operacion, esperar_error=None, **datos):
    r = n.post(f"/admin/sesion_comision/conducir/?id={sesion.id}", data={"operacion": operacion, **datos},
               follow_redirects=True)
    assert r.status_code == 200
    if esperar_error:
        assert esperar_error in r.text, _texto(r.text)[-3000:]
    else:
        assert "alert-danger" not in r.text, _texto(r.text)[-3000:]
    return r


def test_sesion_de_comision_y_dictamen_al_concejo(como, crear_expediente):
    ms = miembros()
    comision = Comision(periodo_id=ms[0].periodo_id, nombre="Comisión de Obras y Catastro")
    comision.miembros = [MiembroComision(miembro=ms[1], cargo="presidente"),
                         MiembroComision(miembro=ms[2], cargo="vicepresidente"),
                         MiembroComision(miembro=ms[3], cargo="secretario")]
    db.session.add(comision)
    db.session.commit()
    exp = crear_expediente("GDU", asunto="Licencia de edificación del mercado")
    sg = como("secretaria_general")

    # --- preparar: la sesión de la comisión (misma pantalla de sesiones, su propio listado y su numeración)
    r = sg.post("/admin/sesion_comision/new/", data={"comision": comision.id, "tipo": "ordinaria",
                                                      "fecha_hora": "10/08/2026 10:00", "lugar": "Sala de regidores",
                                                      "modalidad": "presencial", "fecha_convocatoria": "05/08/2026"})
    assert r.status_code == 302, _texto(r.text)[:2000]
    s = db.session.scalar(sa.select(SesionConcejo).order_by(SesionConcejo.id.desc()).limit(1))
    assert f"/admin/sesion_comision/conducir/?id={s.id}" in r.headers["Location"]
    assert (s.comision_id, s.numero, s.anio) == (comision.id, 1, 2026)
    assert s.codigo == "Sesión ordinaria N° 001-2026 – Comisión de Obras y Catastro"
    r = sg.post(f"/admin/punto_agenda/new/?sesion_id={s.id}",
                data={"sesion": s.id, "seccion": "orden_del_dia", "titulo": "Dictamen sobre la licencia del mercado",
                      "materia": "general", "mayoria_requerida": "simple", "orden": "", "expediente": exp.id})
    assert r.status_code == 302 and f"/admin/sesion_comision/conducir/?id={s.id}" in r.headers["Location"]

    # --- citar: solo a sus 3 miembros
    _operar(sg, s, "citar")
    citados = {c.miembro_id for c in db.session.scalars(sa.select(Citacion).where(Citacion.sesion_id == s.id))}
    assert citados == {ms[1].id, ms[2].id, ms[3].id}

    # --- asistencia y quórum de la comisión: 3 miembros → quórum 2; un regidor ajeno no se registra
    pagina = sg.get(f"/admin/sesion_comision/conducir/?id={s.id}").text
    assert f'name="estado_{ms[1].id}"' in pagina and f'name="estado_{ms[5].id}"' not in pagina
    _operar(sg, s, "asistencia", **{f"estado_{ms[1].id}": "presente", f"estado_{ms[2].id}": "presente",
                                    f"estado_{ms[3].id}": "ausente"})
    s = db.session.get(SesionConcejo, s.id)
    assert (s.numero_legal, s.miembros_habiles, s.quorum_requerido, s.presentes, s.hay_quorum) == (3, 3, 2, 2, True)
    assert db.session.scalar(sa.select(SesionConcejo.quorum_requerido).where(SesionConcejo.id == s.id)) == 2  # SQL
    _operar(sg, s, "instalar")

    # --- votación: su resultado es el dictamen, numerado por comisión y año
    p = db.session.scalar(sa.select(PuntoAgenda).where(PuntoAgenda.sesion_id == s.id))
    _operar(sg, s, "votar", punto=p.id, **{f"voto_{p.id}_{ms[1].id}": "favor", f"voto_{p.id}_{ms[2].id}": "favor"})
    dictamen = db.session.scalar(sa.select(Dictamen).where(Dictamen.punto_id == p.id))
    assert (dictamen.codigo, dictamen.sentido.value, dictamen.expediente_id, dictamen.comision_id) == (
        "Dictamen N° 001-2026", "favorable", exp.id, comision.id)
    assert dictamen.votacion == "2 a favor, 0 en contra, 0 abstenciones"
    lista = _texto(sg.get("/admin/dictamen/").text)
    assert "Comisión de Obras y Catastro" in lista and "2 a favor, 0 en contra" in lista

    # --- listados separados; el concejo numera aparte y sus reportes no cuentan a la comisión
    assert f"/admin/sesion_comision/conducir/?id={s.id}" in sg.get("/admin/sesion_comision/").text
    assert f"conducir/?id={s.id}" not in sg.get("/admin/sesion_concejo/").text
    c = crear_sesion(sg, "ordinaria", "14/08/2026 10:00", "10/08/2026")
    assert c.numero == 1 and c.comision_id is None
    # el dictamen se agenda en el concejo: el punto lleva la comisión y el expediente
    r = sg.post(f"/admin/punto_agenda/new/?sesion_id={c.id}",
                data={"sesion": c.id, "seccion": "orden_del_dia", "titulo": "Licencia del mercado (dictamen)",
                      "materia": "general", "mayoria_requerida": "simple", "orden": "", "dictamen": dictamen.id})
    assert r.status_code == 302, _texto(r.text)[:2000]
    punto_concejo = db.session.scalar(sa.select(PuntoAgenda).where(PuntoAgenda.sesion_id == c.id))
    assert (punto_concejo.dictamen_id, punto_concejo.comision_id, punto_concejo.expediente_id) == (
        dictamen.id, comision.id, exp.id)
    # el rol concejo consulta; no crea sesiones de comisión
    regidor = como("concejo")
    assert regidor.get("/admin/dictamen/").status_code == 200
    assert regidor.post("/admin/sesion_comision/new/", data={"comision": comision.id}).status_code == 403
