"""«Recibidos por Mesa Digital»: la cola de ingresos digitales sin derivar; la mesa de partes los clasifica
(procedimiento TUPA, tipo de documento) y los acepta (derivación a la unidad resolutora). Clasificar solo
hasta que se derive."""

from __future__ import annotations

import sqlalchemy as sa

from models import Expediente, Persona, ProcedimientoTupa, TipoDocumento, db
from tests.conftest import unidad


def _digital(asunto="Solicita licencia de funcionamiento para bodega"):
    from services.tramite import registrar_ingreso

    persona = Persona(tipo_documento="DNI", numero_documento="45871236", nombres="Carmen", apellidos="Rojas")
    tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == "Solicitud"))
    exp = Expediente(origen="externo", canal="digital", persona=persona, tipo_documento=tipo, asunto=asunto,
                     folios=3, unidad_actual=unidad("UTD"))
    registrar_ingreso(exp)
    db.session.add(exp)
    db.session.commit()
    return exp


def test_cola_clasificar_y_aceptar(app, como, crear_expediente):
    exp = _digital()
    presencial = crear_expediente("GDU", pasa_por=("UTD",))
    mesa = como("mesa_partes")
    inicio = mesa.get("/admin/").text
    assert "Recibidos por Mesa Digital" in inicio
    url = "/admin/expediente/?flt0_recibidos_por_mesa_digital_equals=1"
    assert url.replace("&", "&amp;") in inicio or url in inicio
    lista = mesa.get(url).text
    assert exp.codigo in lista and presencial.codigo not in lista

    gde01 = db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == "GDE-01"))
    oficio = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == "Oficio"))
    pantalla = mesa.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    assert "Recibido por Mesa Digital: clasificar y aceptar" in pantalla
    r = mesa.post(f"/admin/expediente/tramitar/?id={exp.id}",
                  {"operacion": "clasificar", "procedimiento": gde01.id, "tipo_documento": oficio.id})
    assert r.status_code == 302
    exp = db.session.get(Expediente, exp.id)
    assert (exp.procedimiento_id, exp.tipo_documento_id, exp.plazo_dias_habiles) == (gde01.id, oficio.id, 4)
    assert exp.fecha_vencimiento is not None and not exp.derivaciones

    r = mesa.post(f"/admin/expediente/tramitar/?id={exp.id}",
                  {"operacion": "aceptar", "procedimiento": gde01.id, "tipo_documento": oficio.id},
                  follow_redirects=True)
    assert f"{exp.codigo}: aceptado y derivado." in r.text
    exp = db.session.get(Expediente, exp.id)
    assert exp.unidad_actual.sigla == "GDE" and exp.estado.value == "en_tramite"
    assert exp.codigo not in mesa.get(url).text  # sale de la cola

    # ya derivado: no se reclasifica (la regla vive en el servicio)
    r = mesa.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "clasificar", "procedimiento": ""},
                  follow_redirects=True)
    assert "ya fue derivado" in r.text or "no está en su unidad" in r.text
    assert db.session.get(Expediente, exp.id).procedimiento_id == gde01.id
    from services.tramite import ErrorTramite, clasificar

    try:
        clasificar(db.session.get(Expediente, exp.id), None, None)
        raise AssertionError("debió rechazarse")
    except ErrorTramite as e:
        assert "ya fue derivado" in str(e)
    db.session.rollback()


def test_la_unidad_no_ve_la_cola_ni_clasifica_lo_ajeno(app, como):
    exp = _digital()
    gdu = como("unidad")
    assert "Recibidos por Mesa Digital" not in gdu.get("/admin/").text
    assert gdu.get(f"/admin/expediente/tramitar/?id={exp.id}").status_code == 404
    assert gdu.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "clasificar"}).status_code == 404
