"""Integridad de los documentos oficiales (issue 9, ítems 13, 17 y 18): el Word del acta escapa cada valor, el
HTML del acta solo admite lo que produce un editor, el acta aprobada queda congelada y las fechas no se
pueden antedatar (documento numerado «para 2019», cargo anterior al envío, sesión movida al pasado)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from docx import Document

import services.tramite as tramite
from models import (
    ZONA_LIMA,
    Acta,
    Asistencia,
    Citacion,
    DocumentoEmitido,
    ErrorDeRegla,
    MiembroConcejo,
    Notificacion,
    PuntoAgenda,
    SesionConcejo,
    TipoDocumento,
    ahora,
    db,
)
from services import concejo
from tests.conftest import unidad

INYECCION = 'Ana</w:t></w:r></w:p><w:p><w:r><w:t>INYECTADO & <b>"Q"</b> > <'


def _miembros() -> list[MiembroConcejo]:
    return list(db.session.scalars(sa.select(MiembroConcejo).order_by(MiembroConcejo.orden)))


def _sesion(cuando: datetime, estado="levantada", titulo="Ordenanza que regula el comercio ambulatorio"):
    s = SesionConcejo(tipo="ordinaria", fecha_hora=cuando, estado=estado, lugar="Salón de actos")
    concejo.numerar_sesion(s)
    db.session.add(s)
    s.puntos = [PuntoAgenda(orden=1, titulo=titulo, materia="general")]
    for m in _miembros():
        db.session.add(Asistencia(sesion=s, miembro=m, estado="presente"))
    db.session.commit()
    return s


def _acta(cuando=datetime(2026, 8, 3, 10, tzinfo=ZONA_LIMA)) -> Acta:
    s = _sesion(cuando)
    acta = concejo.generar_acta(s)
    db.session.commit()
    return acta


def _word(nav, acta_id) -> bytes:
    r = nav.get(f"/admin/acta/word/?id={acta_id}")
    assert r.status_code == 200
    datos = r.data
    r.close()
    return datos


def _textos(docx: bytes) -> list[str]:
    doc = Document(io.BytesIO(docx))
    textos = [p.text for p in doc.paragraphs]
    for tabla in doc.tables:
        for fila in tabla.rows:
            textos.extend(c.text for c in fila.cells)
    return textos


# ------------------------------------------------------------------ 13. Word escapado y HTML saneado
def test_word_del_acta_escapa_cada_valor(como):
    acta = _acta()
    sg = como("secretaria_general")
    normal = Document(io.BytesIO(_word(sg, acta.id)))
    m = _miembros()[3]
    m.nombre = INYECCION
    db.session.get(PuntoAgenda, acta.sesion.puntos[0].id).titulo = "Título & <w:br/> </w:t>"
    concejo.generar_acta(acta.sesion)  # el borrador se rehace con esos datos (el Word trae el texto del acta)
    db.session.commit()
    docx = _word(sg, acta.id)
    doc = Document(io.BytesIO(docx))
    # ni un párrafo más: el nombre no abrió uno nuevo
    assert len(doc.paragraphs) == len(normal.paragraphs)
    textos = _textos(docx)
    assert any(INYECCION in t for t in textos)  # el nombre se ve tal cual
    assert not any(t.strip().startswith("INYECTADO") for t in textos)
    assert any("Título & <w:br/> </w:t>" in t for t in textos)


@pytest.mark.parametrize("html,queda,no_queda", [
    ('<div>Texto <img src="https://rastreo.example/pixel.png"> final</div>', "<div>Texto  final</div>",
     "rastreo"),
    ('<img src="data:image/png;base64,AAAA">', "", "img"),
    ('<div class="btn btn-danger alerta-roja">Aviso</div>', "<div>Aviso</div>", "btn"),
    ('<div style="position:fixed;top:0">Encima</div>', "<div>Encima</div>", "style"),
    ('<a href="https://phishing.example/login">Ingrese aquí</a>', "Ingrese aquí", "phishing"),
    ('<iframe src="https://evil.example"></iframe><div>ok</div>', "<div>ok</div>", "iframe"),
    ('<!--block--><h1>Acuerdos</h1><ol><li><strong>Uno</strong> <em>dos</em> <del>tres</del></li></ol>'
     '<blockquote>cita</blockquote><pre>texto</pre>',
     "<h1>Acuerdos</h1><ol><li><strong>Uno</strong> <em>dos</em> <del>tres</del></li></ol>"
     "<blockquote>cita</blockquote><pre>texto</pre>", "<!--"),
    ('<table><tbody><tr><td onclick="x()">celda</td></tr></tbody></table>', "celda", "onclick"),
])
def test_html_del_acta_solo_lo_de_un_editor(como, html, queda, no_queda):
    acta = _acta()
    sg = como("secretaria_general")
    r = sg.post(f"/admin/acta/edit/?id={acta.id}", {"contenido": html})
    assert r.status_code == 302
    db.session.expire_all()
    contenido = db.session.get(Acta, acta.id).contenido
    assert contenido == queda and no_queda not in contenido


def test_el_acta_generada_conserva_su_formato(app):
    """La plantilla concejo/acta.html usa solo lo permitido: generar y sanear no le quita nada."""
    from flask import render_template

    html = render_template("concejo/acta.html", **concejo.contexto_acta(_acta().sesion))
    assert "<h1>" in html and "<ul>" in html
    assert concejo.limpiar_html(html) == html


# ------------------------------------------------------------------ 17. acta aprobada congelada
def test_acta_aprobada_no_cambia_su_word(como):
    acta = _acta()
    posterior = _sesion(datetime(2026, 8, 14, 10, tzinfo=ZONA_LIMA), estado="instalada", titulo="Aprobación")
    sg = como("secretaria_general")
    borrador = _word(sg, acta.id)
    r = sg.post(f"/admin/acta/aprobar/?id={acta.id}", {"sesion": posterior.id})
    assert r.status_code == 302
    aprobada = _word(sg, acta.id)
    assert "Aprobada" in " ".join(_textos(aprobada)) and posterior.codigo in " ".join(_textos(aprobada))
    nombre_antes = _miembros()[2].nombre
    titulo_antes = "Ordenanza que regula el comercio ambulatorio"
    # después de aprobada se corrigen nombres y títulos (p. ej. en otra sesión): el acta no cambia
    _miembros()[2].nombre = "Nombre Corregido Después"
    db.session.get(PuntoAgenda, acta.sesion.puntos[0].id).titulo = "Título editado después"
    db.session.commit()
    assert _word(sg, acta.id) == aprobada
    textos = " ".join(_textos(aprobada))
    assert nombre_antes in textos and titulo_antes in textos and "Corregido" not in textos
    assert borrador != aprobada


def test_acta_no_se_aprueba_en_una_sesion_futura(como):
    acta = _acta()
    futura = _sesion(ahora() + timedelta(days=10), estado="instalada", titulo="Aprobación")
    with pytest.raises(concejo.ErrorConcejo, match="ya se celebró"):
        concejo.aprobar_acta(acta, futura)


# ------------------------------------------------------------------ 18. fechas coherentes
def _informe(nav, fecha: str, asunto: str, **extra):
    datos = {"tipo_documento": str(db.session.scalar(sa.select(TipoDocumento.id).where(
        TipoDocumento.nombre == "Informe"))), "fecha": fecha, "asunto": asunto, "destinatario": "Gerencia",
        "unidad": str(unidad("GDU").id), **extra}
    return nav.post("/admin/documento_emitido/new/", datos)


def _contar(modelo, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(modelo).where(*where))


def test_documento_no_se_numera_en_un_anio_cerrado(como):
    gdu = como("unidad")
    antes = _contar(DocumentoEmitido)
    r = _informe(gdu, "15/03/2019", "Informe antedatado")
    assert r.status_code == 200 and "esa serie ya se cerró" in r.text
    assert 'value="Informe antedatado"' in r.text
    assert _contar(DocumentoEmitido) == antes
    # tampoco por el servicio ni por un script
    doc = DocumentoEmitido(tipo_documento=db.session.scalar(sa.select(TipoDocumento).limit(1)),
                           unidad=unidad("GDU"), fecha=date(2019, 3, 15), asunto="Por servicio")
    with pytest.raises(tramite.ErrorTramite, match="esa serie ya se cerró"):
        tramite.numerar_documento(doc)
    db.session.rollback()


def test_documento_anio_y_fecha_coinciden_en_la_base(app):
    tipo = db.session.scalar(sa.select(TipoDocumento.id).limit(1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.insert(DocumentoEmitido.__table__).values(
            tipo_documento_id=tipo, unidad_id=unidad("GDU").id, anio=2019, numero=1, codigo="X N° 001-2019",
            fecha=date(2026, 11, 20), asunto="Año trucado", estado="proyecto", creado_en=ahora()))
    db.session.rollback()


def test_documento_no_antes_que_su_expediente(como, crear_expediente):
    exp = crear_expediente("GDU")
    gdu = como("unidad")
    from services.calendario import es_habil, feriados

    anterior = exp.fecha_presentacion - timedelta(days=1)
    while not es_habil(anterior, feriados()):  # un documento de un domingo vale como del lunes: el día hábil anterior
        anterior -= timedelta(days=1)
    dia_antes = anterior.strftime("%d/%m/%Y")
    r = _informe(gdu, dia_antes, "Respuesta antedatada", expediente=str(exp.id))
    assert r.status_code == 200 and "no puede ser anterior a la presentación del expediente" in r.text


def test_notificacion_no_antes_del_documento(app, reloj):
    from services.notificaciones import registrar_diligencia

    reloj(datetime(2026, 11, 20, 10, tzinfo=ZONA_LIMA))  # el documento se numera el día de su fecha
    doc = DocumentoEmitido(tipo_documento=db.session.scalar(sa.select(TipoDocumento).limit(1)),
                           unidad=unidad("GDU"), fecha=date(2026, 11, 20), asunto="Informe")
    tramite.numerar_documento(doc)
    db.session.add(doc)
    db.session.flush()
    tramite.emitir_documento(doc)
    n = Notificacion(documento=doc, modalidad="domicilio", resultado="entregada", direccion="Jr. Los Olivos 123",
                     fecha_hora=datetime(2026, 11, 19, 11, 0, tzinfo=ZONA_LIMA))
    with pytest.raises(ErrorDeRegla, match="no puede ser anterior al acto"):
        registrar_diligencia(n)
    db.session.rollback()


def test_cargo_de_citacion_no_antes_del_envio(como):
    s = _sesion(datetime(2026, 12, 10, 18, tzinfo=ZONA_LIMA), estado="programada")
    sg = como("secretaria_general")
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "citar"}, follow_redirects=True)
    assert r.status_code == 200
    cit = db.session.scalar(sa.select(Citacion).where(Citacion.sesion_id == s.id).limit(1))
    envio = cit.fecha_envio.astimezone(ZONA_LIMA)
    antes = (envio - timedelta(days=2)).strftime("%d/%m/%Y %H:%M")
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}",
                {"operacion": "cargo", "citacion": cit.id, "fecha_recepcion": antes, "recibido_por": "Portero"},
                follow_redirects=True)
    assert r.status_code == 200 and "no puede ser anterior a su envío" in r.text
    db.session.expire_all()
    assert db.session.get(Citacion, cit.id).fecha_recepcion is None
    # ni por SQL: CHECK en la base
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Citacion.__table__).where(Citacion.id == cit.id).values(
            fecha_recepcion=cit.fecha_envio - timedelta(days=2), recibido_por="Portero"))
    db.session.rollback()


def test_sesion_celebrada_no_se_mueve_de_fecha(como):
    s = _sesion(datetime(2026, 8, 3, 10, tzinfo=ZONA_LIMA))
    sg = como("secretaria_general")
    r = sg.post(f"/admin/sesion_concejo/edit/?id={s.id}", {"fecha_hora": "01/07/2026 10:00", "lugar": "Salón",
                                                             "modalidad": "presencial", "fecha_convocatoria": ""},
                follow_redirects=True)
    assert "Una sesión ya realizada no se reprograma." in r.text  # la pantalla ya lo impedía
    db.session.expire_all()
    assert db.session.get(SesionConcejo, s.id).fecha_hora == datetime(2026, 8, 3, 10, tzinfo=ZONA_LIMA)
    # y ahora también el modelo (servicio, script, importación)
    db.session.get(SesionConcejo, s.id).fecha_hora = datetime(2026, 7, 1, 10, tzinfo=ZONA_LIMA)
    with pytest.raises(concejo.ErrorConcejo, match="ya celebrada no se cambia"):
        db.session.flush()
    db.session.rollback()


def test_sesion_no_se_instala_antes_de_su_fecha(como):
    s = _sesion(ahora() + timedelta(days=3), estado="convocada")
    sg = como("secretaria_general")
    r = sg.post(f"/admin/sesion_concejo/conducir/?id={s.id}", {"operacion": "instalar"}, follow_redirects=True)
    assert "no se puede instalar antes" in r.text
    db.session.expire_all()
    assert db.session.get(SesionConcejo, s.id).estado.value == "convocada"


def test_expediente_cerrado_no_se_reabre_con_sus_datos_tras_un_commit(app, crear_expediente):
    """Con la fila expirada (después de un commit), cambiar a la vez el estado y los datos de un expediente
    atendido tampoco pasa: la regla compara con el estado que tenía en la base."""
    from models import EstadoExpediente, Expediente, db
    from services import ErrorDeRegla

    exp = crear_expediente("GDU")
    exp.estado = EstadoExpediente.atendido
    db.session.commit()  # expira la fila: el próximo cambio no trae el valor anterior cargado
    exp.estado, exp.asunto = EstadoExpediente.en_tramite, "Asunto reescrito"
    with pytest.raises(ErrorDeRegla, match="atendido no se modifica"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Expediente, exp.id).asunto != "Asunto reescrito"
