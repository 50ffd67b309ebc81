"""Sin callejones: el enlace del tablero a una sesión de comisión, «Guardar y agregar otro» que recuerda la sesión,
el acuse que ofrece tramitar lo recibido, lo vencido resaltado en la bandeja y la respuesta al atender."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from models import ZONA_LIMA, Comision, Derivacion, Expediente, SesionConcejo, db, hoy_lima
from services import concejo
from services.tramite import derivar
from tests.conftest import unidad


def _sesion_de_comision() -> SesionConcejo:
    from services.semilla import cargar_concejo_demo

    periodo = cargar_concejo_demo()
    comision = db.session.scalar(sa.select(Comision).order_by(Comision.id))
    s = SesionConcejo(periodo=periodo, comision=comision, tipo="ordinaria", lugar="Sala de comisiones",
                      fecha_hora=datetime.combine(hoy_lima() + timedelta(days=2), time(9), ZONA_LIMA))
    concejo.numerar_sesion(s)
    db.session.add(s)
    db.session.commit()
    return s


def test_el_tablero_abre_la_sesion_de_comision(app, como):
    s = _sesion_de_comision()
    for rol in ("secretaria_general", "concejo", "auditor"):
        nav = como(rol)
        inicio = nav.get("/admin/").text
        enlace = re.search(rf'href="([^"]*conducir/\?id={s.id})"', inicio)
        assert enlace and enlace.group(1).startswith("/admin/sesion_comision/"), rol
        assert nav.get(enlace.group(1)).status_code == 200, rol


def test_guardar_y_agregar_otro_recuerda_la_sesion_y_deja_el_orden_al_sistema(app, como):
    from services.semilla import cargar_sesiones_demo

    cargar_sesiones_demo()  # una sesión celebrada (ya cerrada) y la próxima, convocada
    db.session.commit()
    proxima = db.session.scalar(sa.select(SesionConcejo).where(SesionConcejo.estado == "convocada"))
    sg = como("secretaria_general")
    forma = sg.get("/admin/punto_agenda/new/").text  # sin elegir sesión: la próxima que recibe agenda
    assert re.search(rf'<option selected value="{proxima.id}"|<option value="{proxima.id}" selected', forma)
    assert re.search(r'id="orden"[^>]*value=""', forma)  # no «1»: el siguiente lo pone el sistema
    r = sg.post("/admin/punto_agenda/new/", {"sesion": proxima.id, "seccion": "pedidos", "orden": "",
                                              "titulo": "Pedido de informe sobre el alumbrado", "materia": "general",
                                              "mayoria_requerida": "simple", "_add_another": "1"})
    assert r.status_code == 302
    args = parse_qs(urlsplit(r.headers["Location"]).query)
    assert args["anterior_sesion"] == [str(proxima.id)] and args["anterior_seccion"] == ["pedidos"]
    otra = sg.get(r.headers["Location"]).text
    assert re.search(rf'<option selected value="{proxima.id}"|<option value="{proxima.id}" selected', otra)
    assert re.search(r'<option selected value="pedidos"|<option value="pedidos" selected', otra)
    r = sg.post(r.headers["Location"], {"sesion": proxima.id, "seccion": "pedidos", "orden": "",
                                         "titulo": "Pedido de limpieza del mercado", "materia": "general",
                                         "mayoria_requerida": "simple"})
    assert r.status_code == 302
    db.session.expire_all()
    assert [p.orden for p in db.session.get(SesionConcejo, proxima.id).puntos] == [1, 2, 3, 4]


def test_recibir_ofrece_tramitar_ahora_y_lo_vencido_se_resalta(app, como, crear_expediente):
    exps = [crear_expediente("UTD", asunto=f"Solicitud {i} para la bandeja") for i in range(2)]
    ds = [derivar(e, unidad("GDU"), "atender", "Para su atención.") for e in exps]
    ds[1].fecha_limite = hoy_lima() - timedelta(days=3)  # una ya vencida
    db.session.commit()
    gdu = como("unidad")
    lista = gdu.get("/admin/derivacion/?flt0_estado_equals=pendiente").text
    fila_vencida = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*{exps[1].codigo}(?:(?!</tr>).)*</tr>', lista, re.S).group(0)
    fila_al_dia = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*{exps[0].codigo}(?:(?!</tr>).)*</tr>', lista, re.S).group(0)
    assert 'class="vencida"' in fila_vencida and "Vencido" in fila_vencida and "vencida" not in fila_al_dia
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d.id) for d in ds]},
                 headers={"Referer": "/admin/derivacion/?flt0_estado_equals=pendiente"}, follow_redirects=True)
    assert "2 derivaciones recibidas. Tramitar ahora:" in r.text
    for e in exps:
        assert f'<a href="/admin/expediente/tramitar/?id={e.id}">{e.codigo}</a>' in r.text


def test_atendido_registra_la_respuesta(app, como, crear_expediente):
    exp = crear_expediente("UTD", asunto="Solicita certificado de numeración")
    derivar(exp, unidad("GDU"), "atender", "Para su atención.")
    db.session.commit()
    gdu = como("unidad")
    texto = gdu.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    assert 'name="respuesta"' in texto
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}",
                 {"operacion": "atender", "respuesta": "  Se emitió el Certificado N° 045-2026-GDU.  "})
    assert r.status_code == 302
    exp = db.session.get(Expediente, exp.id)
    assert exp.estado.value == "atendido" and exp.respuesta == "Se emitió el Certificado N° 045-2026-GDU."
    assert "Se emitió el Certificado N° 045-2026-GDU." in gdu.get(f"/admin/expediente/details/?id={exp.id}").text
    assert "Se emitió el Certificado N° 045-2026-GDU." in gdu.get(f"/admin/expediente/hoja-ruta/?id={exp.id}").text
    assert db.session.scalar(sa.select(Derivacion.estado).where(Derivacion.expediente_id == exp.id)).value == \
        "atendido"
