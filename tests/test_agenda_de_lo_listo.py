"""«Agregar a la agenda» en *Conducir la sesión*: lo que ya espera la sesión (dictámenes sin agendar, expedientes en
trámite en la Secretaría General) se agrega de una vez, con la regla de la mayoría y de la vacancia del formulario de
puntos (services/concejo.error_de_punto)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from models import ZONA_LIMA, Comision, Dictamen, PuntoAgenda, SesionConcejo, db, hoy_lima
from services import concejo
from services.tramite import derivar, recibir
from tests.conftest import crear_sesion, operar, unidad, usuario_de


def _dictamen(crear_expediente) -> Dictamen:
    """Un expediente que la comisión de Desarrollo Urbano ya dictaminó en una sesión pasada."""
    from services.semilla import cargar_concejo_demo

    periodo = cargar_concejo_demo()
    exp = crear_expediente("SG", asunto="Propuesta de ordenanza de ornato")
    comision = db.session.scalar(sa.select(Comision).where(Comision.nombre.like("%Desarrollo Urbano%")))
    s = SesionConcejo(periodo=periodo, comision=comision, tipo="ordinaria",
                      fecha_hora=datetime.combine(hoy_lima() - timedelta(days=3), time(9), ZONA_LIMA))
    concejo.numerar_sesion(s)
    db.session.add(s)
    s.puntos = [PuntoAgenda(orden=1, titulo="Dictamen sobre la ordenanza de ornato", expediente=exp)]
    db.session.flush()
    concejo.registrar_asistencia(s, {m.id: ("presente", None) for m in s.miembros})
    db.session.flush()
    db.session.expire(s, ["asistencias"])
    concejo.instalar(s)
    concejo.votar(s.puntos[0], {m.id: ("favor", None) for m in s.miembros})
    s.estado = "levantada"
    db.session.commit()
    return db.session.scalar(sa.select(Dictamen).where(Dictamen.expediente_id == exp.id))


def test_agregar_a_la_agenda_lo_que_ya_espera(app, como, crear_expediente):
    dictamen = _dictamen(crear_expediente)
    pedido = crear_expediente("UTD", asunto="Pedido de donación de terreno para el comedor")
    recibir(derivar(pedido, unidad("SG"), "atender", "Para el concejo."), usuario_de("secretaria_general"))
    db.session.commit()
    sg = como("secretaria_general")
    a = hoy_lima().year
    s = crear_sesion(sg, "ordinaria", f"20/12/{a} 10:00")
    texto = sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}").text
    assert f'value="d-{dictamen.id}"' in texto and f'value="e-{pedido.id}"' in texto
    assert f'value="e-{dictamen.expediente_id}"' not in texto  # ya tiene su dictamen: aparece como tal

    # una vacancia en ordinaria no entra (la misma regla que el formulario), y nada se guarda
    operar(sg, s, "agendar", "solo se trata en sesión extraordinaria", listo=[f"d-{dictamen.id}"],
           **{f"titulo_d-{dictamen.id}": "Vacancia", f"materia_d-{dictamen.id}": "vacancia"})
    assert not db.session.get(SesionConcejo, s.id).puntos

    operar(sg, s, "agendar", listo=[f"d-{dictamen.id}", f"e-{pedido.id}"],
           **{f"titulo_d-{dictamen.id}": "Ordenanza de ornato del centro histórico",
              f"materia_d-{dictamen.id}": "ordenanza",
              f"titulo_e-{pedido.id}": "Donación de terreno al comedor", f"materia_e-{pedido.id}": "bienes_municipales",
              "titulo_nuevo": "Pedido de informe sobre el mercado", "materia_nuevo": "general",
              "seccion_nuevo": "pedidos"})
    puntos = db.session.get(SesionConcejo, s.id).puntos
    assert [(p.orden, p.titulo, p.materia.value, p.mayoria_requerida.value, p.seccion.value) for p in puntos] == [
        (1, "Ordenanza de ornato del centro histórico", "ordenanza", "simple", "orden_del_dia"),
        (2, "Donación de terreno al comedor", "bienes_municipales", "dos_tercios", "orden_del_dia"),
        (3, "Pedido de informe sobre el mercado", "general", "simple", "pedidos")]
    assert (puntos[0].dictamen_id, puntos[0].comision_id, puntos[0].expediente_id) == (
        dictamen.id, dictamen.comision_id, dictamen.expediente_id)
    assert puntos[1].expediente_id == pedido.id
    # lo agendado ya no espera: no se ofrece de nuevo (ni se puede forzar)
    texto = sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}").text
    assert f'value="d-{dictamen.id}"' not in texto and f'value="e-{pedido.id}"' not in texto
    operar(sg, s, "agendar", "ya no está disponible", listo=[f"e-{pedido.id}"])
    assert len(db.session.get(SesionConcejo, s.id).puntos) == 3
    # sin nada marcado ni escrito: el aviso, no un punto vacío
    operar(sg, s, "agendar", "Marque lo que agrega a la agenda")
    assert re.search(r"3 puntos agregados a la agenda|Agregar a la agenda", texto)
