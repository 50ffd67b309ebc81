"""Ingreso en Mesa de Partes por el formulario: remitente nuevo creado en el acto, cargo y derivación."""

import sqlalchemy as sa

from models import Derivacion, Expediente, Persona, TipoDocumento, db
from tests.conftest import unidad


def _datos(**extra):
    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Solicitud"))
    datos = {"origen": "externo", "canal": "presencial", "tipo_documento": str(tipo), "asunto": "Solicita poda",
             "folios": "3", "prioridad": "normal", "unidad_actual": str(unidad("GSC").id)}
    datos.update(extra)
    return datos


def _contar(modelo):
    return db.session.scalar(sa.select(sa.func.count()).select_from(modelo))


def test_remitente_nuevo_se_crea_con_el_expediente(como):
    r = como("mesa_partes").post("/admin/expediente/new/", _datos(nuevo_documento="45678912",
                                                                   nuevo_nombre="Juana Pérez Ccori"))
    assert r.status_code == 302 and "/admin/expediente/cargo/" in r.headers["Location"]
    exp = db.session.scalar(sa.select(Expediente).where(Expediente.asunto == "Solicita poda"))
    assert exp.persona.numero_documento == "45678912" and exp.persona.nombres == "Juana Pérez Ccori"
    assert exp.unidad_actual.sigla == "GSC"
    der = db.session.scalars(sa.select(Derivacion).where(Derivacion.expediente_id == exp.id)).one()
    assert (der.unidad_origen_id, der.estado.value) == (unidad("UTD").id, "pendiente")


def test_remitente_nuevo_con_dni_invalido_no_guarda_nada(como):
    antes = (_contar(Expediente), _contar(Persona))
    r = como("mesa_partes").post("/admin/expediente/new/", _datos(nuevo_documento="4567891",
                                                                   nuevo_nombre="Juana Pérez"))
    assert r.status_code == 200 and "exactamente 8 dígitos" in r.text
    assert 'value="Solicita poda"' in r.text  # lo escrito se conserva
    assert (_contar(Expediente), _contar(Persona)) == antes


def test_sin_remitente_se_pide(como):
    r = como("mesa_partes").post("/admin/expediente/new/", _datos())
    assert r.status_code == 200 and "necesita el remitente" in r.text
