"""/normas publica el texto oficial de cada norma vigente: el PDF subido o el documento generado."""

from __future__ import annotations

import io

import sqlalchemy as sa

from models import NormaMunicipal, db
from tests.pdf_prueba import pdf_valido

PDF = pdf_valido()


def _vigente():
    from services.semilla import cargar_sesiones_demo

    cargar_sesiones_demo()  # la ordenanza de la sesión pasada, publicada y en vigor
    db.session.commit()
    return db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.en_vigor))


def test_texto_generado_y_luego_el_pdf_oficial(app, client, como):
    norma = _vigente()
    lista = client.get("/normas").text
    assert f"/normas/{norma.id}/texto" in lista and "Ver el texto" in lista
    r = client.get(f"/normas/{norma.id}/texto")
    assert r.status_code == 200 and norma.codigo in r.text and norma.sumilla in r.text
    assert "Publicada el" in r.text

    sg = como("secretaria_general")
    malo = sg.post(f"/admin/norma_municipal/edit/?id={norma.id}",
                   data={"sumilla": norma.sumilla, "texto_oficial": (io.BytesIO(b"no es pdf"), "x.pdf")},
                   content_type="multipart/form-data")
    assert malo.status_code == 200 and "Solo se aceptan archivos PDF." in malo.text
    assert db.session.get(NormaMunicipal, norma.id).texto_oficial_ruta is None
    r = sg.post(f"/admin/norma_municipal/edit/?id={norma.id}",
                data={"sumilla": norma.sumilla, "texto_oficial": (io.BytesIO(PDF), "ordenanza-001.pdf")},
                content_type="multipart/form-data")
    assert r.status_code == 302, r.text[:2000]
    norma = db.session.get(NormaMunicipal, norma.id)
    assert norma.texto_oficial_nombre == "ordenanza-001.pdf" and norma.texto_oficial_sha256
    assert "Texto oficial (PDF)" in client.get("/normas").text
    r = client.get(f"/normas/{norma.id}/texto")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data == PDF
    r.close()


def test_norma_no_vigente_no_se_publica(app, client):
    from services.normas import numerar_norma

    n = NormaMunicipal(tipo="ordenanza", sumilla="Proyecto de ordenanza de prueba", estado="aprobada")
    numerar_norma(n)
    db.session.add(n)
    db.session.commit()
    assert client.get(f"/normas/{n.id}/texto").status_code == 404
    assert client.get("/normas/999999/texto").status_code == 404


def test_acuerdo_que_rige_desde_su_adopcion_y_el_texto_con_sus_articulos(app, client):
    """Un acuerdo de concejo no se publica: rige desde su aprobación (antes: «Publicada el () ·»); el texto público
    lleva sus considerandos y sus artículos."""
    from services.normas import numerar_norma

    n = NormaMunicipal(tipo="acuerdo_concejo", sumilla="Acuerdo que aprueba el programa de vaso de leche",
                       considerandos="Que el programa atiende a 1 200 beneficiarios;\nQue existe disponibilidad.",
                       articulos="Artículo 1.- Aprobar el programa de vaso de leche 2026.\n"
                                 "Artículo 2.- Encargar su cumplimiento a la Gerencia de Desarrollo Social.")
    numerar_norma(n)
    db.session.add(n)
    db.session.commit()
    assert n.estado.value == "vigente" and n.fecha_publicacion is None
    lista = client.get("/normas").text
    assert n.codigo in lista and "Publicada el ()" not in lista and "()" not in lista
    assert f"Rige desde su aprobación, el {n.fecha_vigencia:%d/%m/%Y}" in lista
    texto = client.get(f"/normas/{n.id}/texto").text
    assert "Artículo 1.- Aprobar el programa de vaso de leche 2026." in texto
    assert "Artículo 2.- Encargar su cumplimiento" in texto and "Que existe disponibilidad." in texto
    assert "Publicada el" not in texto and "publicado en None" not in texto


def test_favicon(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon" and r.data[:4] == b"\x00\x00\x01\x00"
    r.close()
