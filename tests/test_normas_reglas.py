"""Efecto de las normas por tipo y una sola serie por tipo (docs/reglas.md §6; issue 11, puntos 14 y 16).

Fechas reales de 2026: 28–29 de julio (Fiestas Patrias) y 6 de agosto (Junín) son feriados; la vigencia
corre desde el día siguiente calendario de la publicación, sea o no hábil.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import DocumentoEmitido, ErrorDeRegla, EstadoNorma, NormaMunicipal, TipoDocumento, db, hoy_lima
from services import normas
from tests.conftest import el_dia, unidad


def norma(n, tipo, sumilla, emision, esperar=302, **extra):
    """Registrada el día de su emisión (la fecha de un acto numerado es la del día en que se numera)."""
    dia = datetime.strptime(emision, "%d/%m/%Y").date() if re.fullmatch(r"\d\d/\d\d/\d{4}", emision) else hoy_lima()
    with el_dia(min(dia, hoy_lima())):
        r = n.post("/admin/norma_municipal/new/", data={"tipo": tipo, "fecha_emision": emision, "sumilla": sumilla,
                                                        **extra})
    assert r.status_code == esperar, r.text[:3000]
    if esperar != 302:
        return r
    db.session.expire_all()
    return db.session.scalar(sa.select(NormaMunicipal).order_by(NormaMunicipal.id.desc()).limit(1))


def leer(n) -> NormaMunicipal:
    db.session.expire_all()
    return db.session.get(NormaMunicipal, n.id)


def publicar(sg, n, fecha, **extra):
    return sg.post(f"/admin/norma_municipal/publicar/?id={n.id}", data={"medio": "portal", "fecha": fecha, **extra},
                   follow_redirects=True)


def texto(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_efecto_por_tipo_de_norma(como):
    sg = como("secretaria_general")
    assert hoy_lima() > date(2026, 8, 20)  # las fechas de la prueba ya pasaron

    # ordenanza y decreto: sin publicar no rigen; publicados el lunes 27/07, rigen desde el martes 28 (feriado)
    o = norma(sg, "ordenanza", "Ordenanza que regula el comercio ambulatorio", "20/07/2026")
    d = norma(sg, "decreto_alcaldia", "Decreto que reglamenta la ordenanza", "21/07/2026")
    assert (o.estado, o.fecha_vigencia, d.estado, d.fecha_vigencia) == (EstadoNorma.aprobada, None,
                                                                        EstadoNorma.aprobada, None)
    for n in (o, d):
        publicar(sg, n, "27/07/2026")
        assert (leer(n).estado, leer(n).fecha_vigencia) == (EstadoNorma.vigente, date(2026, 7, 28))

    # acuerdo de concejo: rige desde su adopción, sin publicar; publicarlo después no cambia su vigencia
    a = norma(sg, "acuerdo_concejo", "Acuerdo que aprueba el programa de festividades", "14/08/2026")
    assert (a.estado, a.fecha_vigencia, a.fecha_publicacion) == (EstadoNorma.vigente, date(2026, 8, 14), None)
    ficha = texto(sg.get(f"/admin/norma_municipal/details/?id={a.id}").text)
    assert "Rige desde su adopción" in ficha
    r = publicar(sg, a, "20/08/2026", vigencia="21/08/2026")
    assert "Un acuerdo de concejo rige desde su adopción" in r.text
    publicar(sg, a, "20/08/2026")
    a = leer(a)
    assert (a.estado, a.fecha_vigencia, a.fecha_publicacion) == (EstadoNorma.vigente, date(2026, 8, 14),
                                                                 date(2026, 8, 20))

    # acuerdo sobre dietas: necesita publicación y rige desde el día siguiente
    dietas = norma(sg, "acuerdo_concejo", "Acuerdo que fija la dieta de los regidores", "14/08/2026",
                   sobre_remuneracion="y")
    assert (dietas.estado, dietas.fecha_vigencia) == (EstadoNorma.aprobada, None)
    assert "Rige desde el día siguiente de su publicación" in texto(
        sg.get(f"/admin/norma_municipal/details/?id={dietas.id}").text)
    publicar(sg, dietas, "17/08/2026")
    assert (leer(dietas).estado, leer(dietas).fecha_vigencia) == (EstadoNorma.vigente, date(2026, 8, 18))
    # «sobre remuneración» es solo para acuerdos: junto al campo, nada guardado
    r = norma(sg, "ordenanza", "Ordenanza mal marcada", "14/08/2026", esperar=200, sobre_remuneracion="y")
    assert "Solo un acuerdo de concejo se marca" in r.text

    # resolución de alcaldía: rige desde su notificación, no desde su emisión ni su publicación
    res = norma(sg, "resolucion_alcaldia", "Resolución que designa al gerente municipal", "03/08/2026")
    assert (res.codigo, res.estado, res.fecha_vigencia) == ("RESOLUCIÓN DE ALCALDÍA N° 001-2026-MDD",
                                                            EstadoNorma.aprobada, None)
    publicar(sg, res, "04/08/2026")
    assert (leer(res).estado, leer(res).fecha_vigencia) == (EstadoNorma.publicada, None)
    # se notifica con su diligencia (el sobre de la fila lleva al formulario con la resolución elegida)
    assert f"/admin/notificacion/new/?norma={res.id}" in sg.get("/admin/norma_municipal/").text
    assert "001-2026-MDD" in sg.get(f"/admin/notificacion/new/?norma={res.id}").text  # ya elegida (JSON del select2)
    assert "/admin/notificacion/new/" not in como("concejo").get("/admin/norma_municipal/").text  # sin permiso
    res.fecha_notificacion = date(2026, 8, 5)  # la fecha sola, sin la diligencia: ninguna vía
    with pytest.raises(ErrorDeRegla, match="solo con su diligencia"):
        db.session.flush()
    db.session.rollback()
    diligencia = {"norma": str(res.id), "modalidad": "personal", "resultado": "entregada",
                  "receptor_nombre": "Carlos Huamán Ríos", "receptor_documento": "41234567",
                  "receptor_relacion": "El designado"}
    r = sg.post("/admin/notificacion/new/", {**diligencia, "fecha_hora": "01/01/2099 10:00"})
    assert r.status_code == 200 and "futura" in r.text and leer(res).fecha_notificacion is None
    r = sg.post("/admin/notificacion/new/", {**diligencia, "fecha_hora": "05/08/2026 10:00"})
    assert r.status_code == 302, r.text[-2000:]
    res = leer(res)
    assert (res.estado, res.fecha_notificacion, res.fecha_vigencia) == (EstadoNorma.vigente, date(2026, 8, 5),
                                                                        date(2026, 8, 5))
    r = sg.post("/admin/notificacion/new/", {**diligencia, "norma": str(o.id), "fecha_hora": "05/08/2026 10:00"})
    assert r.status_code == 200 and leer(o).fecha_notificacion is None  # una ordenanza no se notifica

    # edicto: un aviso; publicado, nunca «vigente» ni «en vigor»
    e = norma(sg, "edicto", "Edicto matrimonial", "03/08/2026")
    r = publicar(sg, e, "04/08/2026")
    e = leer(e)
    assert (e.estado, e.fecha_vigencia, e.fecha_publicacion) == (EstadoNorma.publicada, None, date(2026, 8, 4))
    assert normas.actualizar_vigencias() == 0 and leer(e).estado == EstadoNorma.publicada
    en_vigor = sg.get("/admin/norma_municipal/?flt0_en_vigor_equals=1").text
    assert o.codigo in en_vigor and a.codigo in en_vigor and res.codigo in en_vigor and e.codigo not in en_vigor

    # las reglas están en la base: ningún script las salta
    for cambio in ({"estado": "vigente", "fecha_vigencia": date(2026, 8, 5)},  # edicto vigente
                   ):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(NormaMunicipal).where(NormaMunicipal.id == e.id).values(**cambio))
        db.session.rollback()
    otra = norma(sg, "resolucion_alcaldia", "Resolución sin notificar", "03/08/2026")
    with pytest.raises(sa.exc.IntegrityError):  # resolución vigente sin notificación
        db.session.execute(sa.update(NormaMunicipal).where(NormaMunicipal.id == otra.id)
                           .values(estado="vigente", fecha_vigencia=date(2026, 8, 3)))
    db.session.rollback()
    sin_publicar = norma(sg, "ordenanza", "Ordenanza sin publicar", "03/08/2026")
    with pytest.raises(sa.exc.IntegrityError):  # ordenanza vigente sin publicación
        db.session.execute(sa.update(NormaMunicipal).where(NormaMunicipal.id == sin_publicar.id)
                           .values(estado="vigente", fecha_vigencia=date(2026, 8, 3)))
    db.session.rollback()


def test_una_sola_serie_de_resoluciones(como):
    """La «Resolución» no se numera como documento emitido (serie aparte): se registra en Normas municipales."""
    sg = como("secretaria_general")
    tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == "RES"))
    r = sg.post("/admin/documento_emitido/new/", {"tipo_documento": str(tipo.id), "fecha": "03/08/2026",
                                                  "asunto": "Designa al gerente municipal",
                                                  "unidad": str(unidad("SG").id)})
    assert r.status_code == 200 and "Las resoluciones tienen una sola serie" in r.text
    assert 'value="Designa al gerente municipal"' in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentoEmitido)
                             .where(DocumentoEmitido.tipo_documento_id == tipo.id)) == 0
    # un script que llame al servicio de numeración tampoco la numera aparte
    from services.tramite import ErrorTramite, numerar_documento

    with pytest.raises(ErrorTramite, match="una sola serie"):
        numerar_documento(DocumentoEmitido(tipo_documento=tipo, unidad=unidad("SG"), fecha=date(2026, 8, 3),
                                           asunto="x"))
    db.session.rollback()
    # en Normas: una serie por tipo y año
    r1 = norma(sg, "resolucion_alcaldia", "Designa al gerente municipal", "03/08/2026")
    r2 = norma(sg, "resolucion_alcaldia", "Encarga la gerencia de desarrollo urbano", "04/08/2026")
    rc = norma(sg, "resolucion_concejo", "Aprueba el reglamento interno del concejo", "04/08/2026")
    assert [r1.codigo, r2.codigo, rc.codigo] == ["RESOLUCIÓN DE ALCALDÍA N° 001-2026-MDD",
                                                 "RESOLUCIÓN DE ALCALDÍA N° 002-2026-MDD",
                                                 "RESOLUCIÓN DE CONCEJO N° 001-2026-MDD"]
    # otros tipos siguen numerándose como documentos de la unidad
    inf = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == "INF"))
    with el_dia(date(2026, 8, 3)):
        r = sg.post("/admin/documento_emitido/new/", {"tipo_documento": str(inf.id), "fecha": "03/08/2026",
                                                      "asunto": "Informe de la SG", "unidad": str(unidad("SG").id)})
    assert r.status_code == 302


def test_proyectar_numerar_al_aprobar_y_anular(como):
    """Proyecto de ordenanza redactado en julio de 2026; otra ordenanza aprobada antes toma el N° 001; el proyecto
    recibe el N° 002 recién al aprobarse (14/08/2026); anulado por error, el 003 es el siguiente."""
    sg = como("secretaria_general")
    p = norma(sg, "ordenanza", "Ordenanza que regula los paneles publicitarios", "20/07/2026", proyecto="y",
              considerandos="Que, la LOM faculta al concejo a regular el ornato.\nQue, es necesario ordenar los "
                            "paneles.", articulos="Apruébase el reglamento de paneles.\nDeróguese toda norma que "
                                               "se oponga.")
    assert (p.estado, p.numero, p.codigo) == (EstadoNorma.proyecto, None, None)
    assert "Proyecto: Ordenanza que regula los paneles" in sg.get("/admin/norma_municipal/").text
    # un proyecto no se publica
    r = publicar(sg, p, "21/07/2026")
    assert "Un proyecto no se publica" in r.text and leer(p).fecha_publicacion is None
    # se descarga en Word desde la plantilla, con considerandos y artículos numerados
    from io import BytesIO

    from docx import Document

    r = sg.get(f"/admin/norma_municipal/word/?id={p.id}")
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    documento = "\n".join(x.text for x in Document(BytesIO(r.data)).paragraphs)
    assert "PROYECTO DE ORDENANZA MUNICIPAL" in documento
    assert "Que, es necesario ordenar los paneles." in documento
    assert "Artículo 2.– Deróguese toda norma que se oponga." in documento
    otra = norma(sg, "ordenanza", "Ordenanza de arbitrios", "10/08/2026")
    assert otra.codigo == "ORDENANZA MUNICIPAL N° 001-2026-MDD"
    # aprobado: recién ahora el número
    r = sg.post(f"/admin/norma_municipal/aprobar/?id={p.id}", data={"fecha": "31/13/2026"})
    assert r.status_code == 200 and "Indique la fecha" in r.text and leer(p).numero is None
    with el_dia(date(2026, 8, 14)):
        assert sg.post(f"/admin/norma_municipal/aprobar/?id={p.id}", data={"fecha": "14/08/2026"}).status_code == 302
    p = leer(p)
    assert (p.estado, p.codigo, p.fecha_emision) == (EstadoNorma.aprobada, "ORDENANZA MUNICIPAL N° 002-2026-MDD",
                                                     date(2026, 8, 14))
    # aprobada, su texto ya no cambia por la pantalla
    r = sg.post(f"/admin/norma_municipal/edit/?id={p.id}", data={"sumilla": p.sumilla, "considerandos": "otro",
                                                                 "articulos": p.articulos}, follow_redirects=True)
    assert "El texto de una norma aprobada no se modifica" in r.text
    # número mal sacado: se anula con motivo y no se reutiliza
    r = sg.post(f"/admin/norma_municipal/anular/?id={p.id}", data={"motivo": ""}, follow_redirects=True)
    assert "Indique el motivo de la anulación." in r.text and leer(p).estado == EstadoNorma.aprobada
    r = sg.post(f"/admin/norma_municipal/anular/?id={p.id}", data={"motivo": "Se aprobó por error en la sesión."})
    assert r.status_code == 302
    p = leer(p)
    assert (p.estado, p.codigo, p.motivo_anulacion) == (EstadoNorma.anulada, "ORDENANZA MUNICIPAL N° 002-2026-MDD",
                                                        "Se aprobó por error en la sesión.")
    assert norma(sg, "ordenanza", "Ordenanza siguiente", "20/08/2026").codigo == "ORDENANZA MUNICIPAL N° 003-2026-MDD"
    # en la base: un proyecto no tiene número; una anulada tiene motivo
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(NormaMunicipal).where(NormaMunicipal.id == otra.id).values(estado="proyecto"))
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(NormaMunicipal).where(NormaMunicipal.id == otra.id)
                           .values(estado="anulada"))
    db.session.rollback()


def test_resolucion_que_otorga_un_beneficio_rige_desde_su_emision(como, reloj):
    """LPAG art. 16.2: la resolución de alcaldía del viernes 14/08/2026 que otorga una licencia (un beneficio) rige
    desde su emisión; la que sanciona, recién desde su notificación (art. 16.1). Notificada el 19/08, la primera
    conserva su vigencia del 14/08. La marca es solo de resoluciones: junto al campo y, por script, la base."""
    from tests.conftest import lima

    reloj(lima(2026, 8, 20, 10, 0))
    sg = como("secretaria_general")
    beneficio = norma(sg, "resolucion_alcaldia", "Otorga licencia de edificación al administrado", "14/08/2026",
                      otorga_beneficio="y")
    sancion = norma(sg, "resolucion_alcaldia", "Sanciona a la administrada por construir sin licencia",
                    "14/08/2026")
    assert (beneficio.otorga_beneficio, beneficio.estado, beneficio.fecha_vigencia) == (
        True, EstadoNorma.vigente, date(2026, 8, 14))
    assert (sancion.estado, sancion.fecha_vigencia) == (EstadoNorma.aprobada, None)
    assert "Rige desde su emisión (otorga un beneficio: LPAG art. 16.2)" in texto(
        sg.get(f"/admin/norma_municipal/details/?id={beneficio.id}").text)
    assert "Rige desde su notificación al destinatario" in texto(
        sg.get(f"/admin/norma_municipal/details/?id={sancion.id}").text)
    assert beneficio.codigo in sg.get("/admin/norma_municipal/?flt0_en_vigor_equals=1").text
    assert sancion.codigo not in sg.get("/admin/norma_municipal/?flt0_en_vigor_equals=1").text

    # notificada después, la del beneficio no cambia de vigencia; la otra rige desde su notificación
    for n in (beneficio, sancion):
        r = sg.post("/admin/notificacion/new/", {"norma": str(n.id), "modalidad": "personal",
                                                 "resultado": "entregada", "fecha_hora": "19/08/2026 09:15",
                                                 "receptor_nombre": "Rosa Quispe Mamani",
                                                 "receptor_documento": "10117410", "documento": ""})
        assert r.status_code == 302, r.text[-3000:]
    assert (leer(beneficio).fecha_notificacion, leer(beneficio).fecha_vigencia) == (date(2026, 8, 19),
                                                                                  date(2026, 8, 14))
    assert (leer(sancion).fecha_notificacion, leer(sancion).fecha_vigencia) == (date(2026, 8, 19), date(2026, 8, 19))

    # solo resoluciones
    r = norma(sg, "decreto_alcaldia", "Decreto marcado", "14/08/2026", esperar=200, otorga_beneficio="y")
    assert "Solo una resolución se marca como «otorga un beneficio» (LPAG art. 16.2)." in texto(r.text)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.add(NormaMunicipal(tipo="ordenanza", anio=2026, numero=99, codigo="X-99", sumilla="x",
                                      fecha_emision=date(2026, 8, 14), estado="aprobada", otorga_beneficio=True))
        db.session.flush()
    db.session.rollback()
