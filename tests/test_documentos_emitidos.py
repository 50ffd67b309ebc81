"""Documentos emitidos (egreso): formulario, emitir, notificar, anular y numeración correlativa concurrente."""

from __future__ import annotations

import threading
from datetime import date, time

import pytest
import sqlalchemy as sa

import services.tramite as tramite
from models import (
    DocumentoEmitido,
    ErrorDeRegla,
    RegistroAuditoria,
    TipoDocumento,
    UnidadOrganica,
    db,
)
from tests.ayudas_fedatario import diligencia
from tests.conftest import (
    contar,
    errores_de,
    hoy,
    hoy_legal,
    id_de,
    leer,
    texto_de,
    unidad,
    usuario_de,
)


def _nuevo_documento(nav, fecha: str, asunto: str, tipo: str = "Informe", unidad_sigla: str | None = "GDU"):
    datos = {"tipo_documento": str(id_de(TipoDocumento, nombre=tipo)), "fecha": fecha, "asunto": asunto,
             "destinatario": "Gerencia Municipal"}
    if unidad_sigla:
        datos["unidad"] = str(unidad(unidad_sigla).id)
    return nav.post("/admin/documento_emitido/new/", datos)


def _documento(asunto: str) -> DocumentoEmitido:
    db.session.expire_all()
    return db.session.scalar(sa.select(DocumentoEmitido).where(DocumentoEmitido.asunto == asunto))


def _documento_por_servicio(asunto: str, fecha: date = date(2026, 11, 20), sigla: str = "GDU") -> DocumentoEmitido:
    """Un informe numerado por el servicio, para la unidad que se indique."""
    doc = DocumentoEmitido(tipo_documento=db.session.get(TipoDocumento, id_de(TipoDocumento, nombre="Informe")),
                           unidad=unidad(sigla), fecha=fecha, asunto=asunto, destinatario="Gerencia Municipal")
    tramite.numerar_documento(doc)
    db.session.add(doc)
    db.session.commit()
    return doc


def test_documentos_emitidos_por_formulario(base, como):
    gdu = como("unidad")
    for asunto in ("Informe sobre el lote 12", "Informe sobre la habilitación urbana"):
        r = _nuevo_documento(gdu, "20/11/2026", asunto)
        assert r.status_code == 302, texto_de(r.text)[:2000]
    uno, dos = _documento("Informe sobre el lote 12"), _documento("Informe sobre la habilitación urbana")
    assert uno.codigo == "INFORME N° 001-2026-GDU/MDD" and dos.codigo == "INFORME N° 002-2026-GDU/MDD"
    assert (uno.numero, dos.numero, uno.anio, uno.fecha) == (1, 2, 2026, date(2026, 11, 20))
    assert uno.unidad.sigla == "GDU" and uno.estado.value == "proyecto"
    assert uno.creado_por_id == usuario_de("unidad").id
    # el año sale de la fecha del documento: otro correlativo
    assert _nuevo_documento(gdu, "04/01/2027", "Informe de enero").status_code == 302
    assert _documento("Informe de enero").codigo == "INFORME N° 001-2027-GDU/MDD"
    # una unidad numera solo lo suyo, aunque elija otra unidad en el formulario
    assert _nuevo_documento(gdu, "20/11/2026", "Informe con otra unidad", unidad_sigla="GAT").status_code == 302
    assert _documento("Informe con otra unidad").codigo == "INFORME N° 003-2026-GDU/MDD"
    # anulado el primero, el siguiente no reutiliza su número
    r = gdu.post(f"/admin/documento_emitido/anular/?id={uno.id}", {"motivo": "Se consignó mal el lote."})
    assert r.status_code == 302
    assert _nuevo_documento(gdu, "23/11/2026", "Informe que reemplaza al anulado").status_code == 302
    assert _documento("Informe que reemplaza al anulado").codigo == "INFORME N° 004-2026-GDU/MDD"


def test_documentos_emitidos_emitir_notificar_anular(base, como):
    gdu = como("unidad")
    for asunto in ("Informe sobre el lote 12", "Informe sobre la habilitación urbana"):
        assert _nuevo_documento(gdu, "20/11/2026", asunto).status_code == 302
    uno, dos = _documento("Informe sobre el lote 12"), _documento("Informe sobre la habilitación urbana")
    assert (uno.codigo, dos.codigo) == ("INFORME N° 001-2026-GDU/MDD", "INFORME N° 002-2026-GDU/MDD")

    # emitir con la acción del listado
    ids = [str(uno.id), str(dos.id)]
    assert gdu.post("/admin/documento_emitido/action/", {"action": "emitir", "rowid": ids}).status_code == 302
    assert {leer(DocumentoEmitido, int(i)).estado.value for i in ids} == {"emitido"}
    # notificado solo con su diligencia (LPAG art. 21): no hay «Notificado hoy» en lote, ni se fuerza el estado
    assert "Notificado hoy" not in gdu.get("/admin/documento_emitido/").text
    assert gdu.post("/admin/documento_emitido/action/", {"action": "notificar", "rowid": ids}).status_code == 302
    assert {leer(DocumentoEmitido, int(i)).estado.value for i in ids} == {"emitido"}
    forzado = leer(DocumentoEmitido, uno.id)
    forzado.estado, forzado.fecha_notificacion = "notificado", hoy()
    with pytest.raises(ErrorDeRegla, match="solo con su diligencia"):
        db.session.flush()
    db.session.rollback()
    for i in ids:
        diligencia(leer(DocumentoEmitido, int(i)), hoy(), time(0, 1), receptor_nombre="Rosa Quispe Mamani",
                   receptor_documento="10117410", receptor_relacion="La destinataria")
        doc = leer(DocumentoEmitido, int(i))
        assert (doc.estado.value, doc.fecha_notificacion) == ("notificado", hoy_legal())  # la fecha legal
    # emitir otra vez: ya no es un proyecto; nada cambia
    r = gdu.post("/admin/documento_emitido/action/", {"action": "emitir", "rowid": ids}, follow_redirects=True)
    assert "ya no es un proyecto" in r.text
    assert leer(DocumentoEmitido, uno.id).estado.value == "notificado"

    # anular: el número se conserva y no se reutiliza
    assert gdu.get(f"/admin/documento_emitido/anular/?id={uno.id}").status_code == 200
    r = gdu.post(f"/admin/documento_emitido/anular/?id={uno.id}", {"motivo": "Se consignó mal el lote."})
    assert r.status_code == 302
    uno = leer(DocumentoEmitido, uno.id)
    assert (uno.estado.value, uno.motivo_anulacion) == ("anulado", "Se consignó mal el lote.")
    assert (uno.numero, uno.codigo) == (1, "INFORME N° 001-2026-GDU/MDD")
    assert contar(RegistroAuditoria, RegistroAuditoria.accion == "anular",
                   RegistroAuditoria.entidad == "documento_emitido", RegistroAuditoria.entidad_id == uno.id) == 1
    assert _nuevo_documento(gdu, "23/11/2026", "Informe que reemplaza al anulado").status_code == 302
    assert _documento("Informe que reemplaza al anulado").codigo == "INFORME N° 003-2026-GDU/MDD"

    # anular sin motivo: mensaje y nada cambia
    r = gdu.post(f"/admin/documento_emitido/anular/?id={dos.id}", {"motivo": "  "})
    assert r.status_code == 200 and "Indique el motivo de la anulación." in r.text
    dos = leer(DocumentoEmitido, dos.id)
    assert (dos.estado.value, dos.motivo_anulacion) == ("notificado", None)

    # el documento de otra unidad no se anula desde GDU
    ajeno = _documento_por_servicio("Informe de GAT", sigla="GAT")
    assert ajeno.codigo == "INFORME N° 001-2026-GAT/MDD"
    assert gdu.post(f"/admin/documento_emitido/anular/?id={ajeno.id}", {"motivo": "x"}).status_code == 404
    assert leer(DocumentoEmitido, ajeno.id).estado.value == "proyecto"


def test_documento_sin_unidad_es_de_la_propia(base, como):
    r = _nuevo_documento(como("unidad"), "20/11/2026", "Informe sin unidad", unidad_sigla=None)
    assert r.status_code == 302, errores_de(r.text)
    assert _documento("Informe sin unidad").codigo == "INFORME N° 001-2026-GDU/MDD"


def test_numeracion_de_documentos_concurrente(app, backend):
    if backend != "postgres":
        pytest.skip("el bloqueo de filas se prueba en PostgreSQL (SQLite serializa toda escritura)")
    hilos, por_hilo = 16, 3
    tipo_id, unidad_id = id_de(TipoDocumento, nombre="Oficio"), unidad("GDU").id
    errores, barrera = [], threading.Barrier(hilos)

    def trabajar(k):
        try:
            with app.app_context():
                barrera.wait()
                for j in range(por_hilo):
                    doc = DocumentoEmitido(tipo_documento=db.session.get(TipoDocumento, tipo_id),
                                           unidad=db.session.get(UnidadOrganica, unidad_id),
                                           fecha=date(2026, 11, 20), asunto=f"Oficio {k}-{j}")
                    tramite.numerar_documento(doc)
                    db.session.add(doc)
                    db.session.commit()
                db.session.remove()
        except Exception as e:  # noqa: BLE001 - se reporta abajo
            errores.append(e)

    threads = [threading.Thread(target=trabajar, args=(k,)) for k in range(hilos)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errores, errores
    filas = db.session.execute(sa.select(DocumentoEmitido.numero, DocumentoEmitido.codigo)
                               .where(DocumentoEmitido.tipo_documento_id == tipo_id)).all()
    assert sorted(n for n, _ in filas) == list(range(1, hilos * por_hilo + 1))
    assert {c for _, c in filas} == {f"OFICIO N° {n:03d}-2026-GDU/MDD" for n in range(1, hilos * por_hilo + 1)}
