"""Una sola regla para la fecha legal de un acto hecho en día no hábil (calendario.fecha_legal; docs/reglas.md §1):
vale como del siguiente día hábil, se compara con los demás actos por esa fecha y sus plazos corren desde ella.

Un domingo (08/03/2026) y un feriado (martes 28/07/2026; el 29 también lo es: vale como del jueves 30). Todo por
HTTP, con el reloj del servidor fijado ese día: el expediente se presenta, la unidad emite un documento con esa fecha,
lo notifica ese mismo día, y una solicitud de acceso presentada ese día se prorroga ese mismo día.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from models import ZONA_LIMA, DocumentoEmitido, Expediente, SolicitudAcceso, TipoDocumento, db
from services import calendario
from services.notificaciones import limite_notificacion, vence_recurso
from tests.conftest import habil, unidad

DIAS = [pytest.param(date(2026, 3, 8), date(2026, 3, 9), id="domingo"),
        pytest.param(date(2026, 7, 28), date(2026, 7, 30), id="feriado-28-de-julio")]


@pytest.mark.parametrize("dia,legal", DIAS)
def test_fecha_legal(base, dia, legal):
    assert calendario.fecha_legal(dia) == legal == habil(dia, 0)
    assert calendario.plazo_desde(dia, 5) == habil(legal, 5) == calendario.plazo_desde(legal, 5)
    assert calendario.fecha_legal(legal) == legal  # un día hábil es su propia fecha legal


@pytest.mark.parametrize("dia,legal", DIAS)
def test_ingreso_documento_notificacion_y_prorroga_el_mismo_dia_no_habil(base, como, reloj, crear_expediente,
                                                                         dia, legal):
    reloj(datetime.combine(dia, time(12), ZONA_LIMA))
    exp = crear_expediente("GDU", asunto="Solicita licencia presentada en día no hábil")
    assert exp.fecha_presentacion == legal

    # la unidad responde con un oficio fechado ese mismo día (antes: «no puede ser anterior a la presentación»)
    gdu = como("unidad")
    oficio = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == "OF"))
    r = gdu.post("/admin/documento_emitido/new/", {"tipo_documento": oficio.id, "fecha": f"{dia:%d/%m/%Y}",
                                                   "asunto": "Respuesta a la solicitud", "destinatario": "Rosa Quispe",
                                                   "expediente": exp.id})
    assert r.status_code == 302, r.text[:3000]
    doc = db.session.scalar(sa.select(DocumentoEmitido).where(DocumentoEmitido.expediente_id == exp.id))
    assert doc.fecha == dia and limite_notificacion(doc) == habil(legal, 5)
    assert gdu.post("/admin/documento_emitido/action/", {"action": "emitir", "rowid": [str(doc.id)]}).status_code == 302

    # y lo notifica ese mismo día (antes: rechazada por anterior al acto, que había que fechar en el futuro)
    r = gdu.post("/admin/notificacion/new/", {"documento": doc.id, "modalidad": "personal", "resultado": "entregada",
                                              "fecha_hora": f"{dia:%d/%m/%Y} 11:30",
                                              "receptor_nombre": "Rosa Quispe Mamani",
                                              "receptor_documento": "10117410"})
    assert r.status_code == 302, r.text[:3000]
    doc = db.session.get(DocumentoEmitido, doc.id)
    assert doc.estado.value == "notificado" and doc.fecha_notificacion == legal
    assert vence_recurso(doc.fecha_notificacion) == habil(legal, 15)  # el recurso corre desde el hábil siguiente

    # una solicitud de acceso presentada ese día se prorroga ese mismo día (antes: rechazada)
    from services.transparencia import registrar_solicitud

    sol = SolicitudAcceso(persona=exp.persona, informacion_solicitada="Copia del presupuesto participativo",
                          forma_entrega="correo")
    registrar_solicitud(sol, unidad("SG"))
    db.session.add(sol)
    db.session.commit()
    assert sol.fecha_presentacion == legal
    transparencia = como("transparencia")
    nueva = habil(sol.fecha_vencimiento, 5)
    r = transparencia.post(f"/admin/solicitud_acceso/atender/?id={sol.id}",
                           {"operacion": "prorrogar", "fecha_comunicacion": f"{dia:%d/%m/%Y}",
                            "nueva_fecha": f"{nueva:%d/%m/%Y}", "motivo": "La información está en el archivo central"},
                           follow_redirects=True)
    assert "no puede ser anterior a la presentación" not in r.text
    sol = db.session.get(SolicitudAcceso, sol.id)
    assert sol.prorroga and sol.estado.value == "prorrogada" and sol.fecha_vencimiento_prorroga == nueva

    # una derivación de ese día («opinar»: 7 días hábiles) corre desde el siguiente hábil
    from services.tramite import derivar

    exp = db.session.get(Expediente, exp.id)
    d = derivar(exp, unidad("OAJ"), "opinar", "Opinión legal.")
    db.session.commit()
    assert d.fecha_limite == min(habil(legal, 7), exp.fecha_vencimiento)


@pytest.mark.parametrize("dia,legal", DIAS)
def test_prorroga_fuera_de_plazo_sigue_rechazada(base, reloj, crear_expediente, dia, legal):
    """La regla no alarga el plazo de la prórroga: dentro de 2 días hábiles desde la presentación (legal)."""
    from services.transparencia import ErrorTransparencia, prorrogar, registrar_solicitud

    reloj(datetime.combine(dia, time(9), ZONA_LIMA))
    exp = crear_expediente("GDU")
    sol = SolicitudAcceso(persona=exp.persona, informacion_solicitada="Actas del concejo", forma_entrega="correo")
    registrar_solicitud(sol, unidad("SG"))
    db.session.add(sol)
    db.session.commit()
    tarde = habil(legal, 3)
    reloj(datetime.combine(tarde, time(9), ZONA_LIMA))
    with pytest.raises(ErrorTransparencia, match="ya no procede"):
        prorrogar(sol, tarde, habil(sol.fecha_vencimiento, 5), "Volumen de la información")
    db.session.rollback()  # como la pantalla (todo o nada): nada de la prórroga rechazada queda
    sol = db.session.get(SolicitudAcceso, sol.id)
    prorrogar(sol, habil(legal, 2), habil(sol.fecha_vencimiento, 5), "Volumen de la información")
    assert sol.prorroga
