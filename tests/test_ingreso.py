"""Ingreso en Mesa de Partes por el formulario: remitente nuevo creado en el acto, cargo y derivación."""

import sqlalchemy as sa

from models import Derivacion, Expediente, Persona, TipoDocumento, db
from tests.conftest import unidad
from tests.pdf_prueba import pdf_valido


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


PDF = pdf_valido()  # un PDF que se lee de verdad (services/adjuntos.revisar_pdf)


def _con_archivo(datos, contenido, nombre):
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    datos = dict(datos, archivo=FileStorage(io.BytesIO(contenido), filename=nombre))
    return encode_multipart(datos)


def test_adjunto_pdf_en_el_ingreso_y_descarga_con_alcance(como, app):
    nav = como("mesa_partes")
    datos = _datos(nuevo_documento="45678912", nuevo_nombre="Juana Pérez", unidad_actual=str(unidad("GAT").id),
                   csrf_token=nav.token)
    limite, cuerpo = _con_archivo(datos, PDF, "solicitud.pdf")
    r = nav.c.post("/admin/expediente/new/", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")
    assert r.status_code == 302
    exp = db.session.scalar(sa.select(Expediente).where(Expediente.asunto == "Solicita poda"))
    [adj] = exp.adjuntos
    r = nav.get(f"/admin/expediente/adjunto/?id={adj.id}")
    assert r.status_code == 200 and r.data == PDF
    r.close()
    assert como("unidad").get(f"/admin/expediente/adjunto/?id={adj.id}").status_code == 404  # GDU: no es suyo


def test_adjunto_que_no_es_pdf_no_guarda_nada(como):
    nav = como("mesa_partes")
    antes = _contar(Expediente)
    limite, cuerpo = _con_archivo(_datos(nuevo_documento="45678912", nuevo_nombre="Juana", csrf_token=nav.token),
                                  b"GIF89a\x01\x00", "foto.pdf")
    r = nav.c.post("/admin/expediente/new/", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")
    assert r.status_code == 200 and "Solo se aceptan archivos PDF." in r.text
    assert _contar(Expediente) == antes


def test_permanencia_en_la_unidad_en_dias_habiles(app):
    """Enviado el miércoles antes de Semana Santa y atendido el lunes: 1 día hábil (jueves y viernes santos)."""
    from datetime import datetime

    from models import ZONA_LIMA
    from services.tramite import permanencia

    d = Derivacion(fecha_envio=datetime(2026, 4, 1, 10, 0, tzinfo=ZONA_LIMA),
                   fecha_atencion=datetime(2026, 4, 6, 16, 0, tzinfo=ZONA_LIMA))
    assert permanencia(d) == 1
    d.fecha_atencion = datetime(2026, 7, 30, 9, 0, tzinfo=ZONA_LIMA)  # cruza 1 may, 7 y 29 jun, 23, 28 y 29 jul
    import holidays
    import numpy as np

    feriados = sorted(holidays.country_holidays("PE", years=2026))
    assert permanencia(d) == np.busday_count("2026-04-02", "2026-07-31", holidays=feriados)
