"""Concejo Municipal y normas por HTTP, como lo hace la Secretaría General (docs/reglas.md §5–6).

El concejo demo (services/semilla.py): alcalde (orden 0) y 9 regidores → número legal 10. Fechas reales
de 2026 con feriados: 23 de julio (Fuerza Aérea), 28–29 de julio (Fiestas Patrias), 6 de agosto (Junín).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from docx import Document

import models
from models import (
    ZONA_LIMA,
    Acta,
    Asistencia,
    Citacion,
    ErrorDeRegla,
    EstadoActa,
    EstadoNorma,
    NormaMunicipal,
    PuntoAgenda,
    RegistroAuditoria,
    SesionConcejo,
    Voto,
    db,
)
from services import concejo, normas
from tests.conftest import (
    agregar_punto,
    asistencia,
    crear_sesion,
    descargar,
    el_dia,
    miembros,
    operar,
    punto,
    sesion_celebrada,
    votar,
)
from tests.documentos import revisar_docx


def test_sesion_completa(como, reloj):
    # la sesión del 03/08 y la del 14/08 se conducen al día (lo votado se numera con la fecha de la sesión, que es
    # de hoy o de pocos días antes: ActoNumerado)
    reloj(datetime(2026, 8, 14, 18, tzinfo=ZONA_LIMA))
    sg = como("secretaria_general")
    ms = miembros()
    assert len(ms) == 10 and ms[0].cargo.value == "alcalde"

    # --- preparar: extraordinaria convocada el martes 21/07 para el lunes 03/08 (5 días hábiles median:
    # 22, 24, 27, 30 y 31 de julio; el 23, 28 y 29 son feriados)
    s = crear_sesion(sg, "extraordinaria", "03/08/2026 10:00", "21/07/2026")
    assert (s.tipo.value, s.numero, s.anio, s.estado.value) == ("extraordinaria", 1, 2026, "programada")
    assert s.periodo.nombre == "2023-2026"
    agregar_punto(sg, s, "Ordenanza que regula el comercio ambulatorio", "ordenanza")
    # la donación de bienes exige dos tercios (art. 66): con «simple» se rechaza junto al campo, nada guardado
    r = agregar_punto(sg, s, "Donación de terreno a la Beneficencia", "bienes_municipales", "simple", esperar=200)
    assert "Esta materia exige mayoría «dos tercios del número legal»" in r.text
    assert 'value="Donación de terreno a la Beneficencia"' in r.text  # lo escrito se conserva
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PuntoAgenda)) == 1
    r = sg.post(f"/admin/punto_agenda/new/?sesion_id={s.id}",
                data={"sesion": s.id, "seccion": "orden_del_dia", "titulo": "Repetido", "materia": "general",
                      "mayoria_requerida": "simple", "orden": "1"})
    assert r.status_code == 200 and "La sesión ya tiene un punto 1." in r.text
    agregar_punto(sg, s, "Donación de terreno a la Beneficencia", "bienes_municipales", "dos_tercios")
    agregar_punto(sg, s, "Acuerdo que aprueba el programa de festividades", "acuerdo")
    assert [p.orden for p in db.session.get(SesionConcejo, s.id).puntos] == [1, 2, 3]

    # --- citar: una por miembro (10) y por funcionario (2), con su cargo
    with pytest.MonkeyPatch.context() as m:  # se citó el 21/07 (el cargo no puede ser anterior al envío)
        m.setattr(concejo, "ahora", lambda: datetime(2026, 7, 21, 8, 0, tzinfo=ZONA_LIMA))
        operar(sg, s, "citar", funcionarios="Gerente Municipal\nJefe de la Oficina de Asesoría Jurídica")
    citas = {c.miembro.orden if c.miembro else c.destinatario: c
             for c in db.session.scalars(sa.select(Citacion).where(Citacion.sesion_id == s.id))}
    assert len(citas) == 12 and db.session.get(SesionConcejo, s.id).estado.value == "convocada"
    for orden in range(9):
        recibida = "24/07/2026 09:00" if orden == 4 else "21/07/2026 16:00"  # el 24: solo median 3 días
        operar(sg, s, "cargo", citacion=citas[orden].id, fecha_recepcion=recibida, recibido_por=ms[orden].nombre)
    operar(sg, s, "cargo", esperar_error="use dd/mm/aaaa hh:mm", citacion=citas[9].id, fecha_recepcion="2026-07-21",
           recibido_por="Portero")
    r = operar(sg, s, "cargo", esperar_error="Indique quién recibió", citacion=citas[9].id, recibido_por="")
    avisos = r.text.split("Avisos", 1)[1].split("</ul>", 1)[0]
    assert f"{ms[4].nombre}: recibida con menos de 5 días hábiles de anticipación" in avisos
    assert f"Sin cargo de recepción (3): {ms[9].nombre}, Gerente Municipal, Jefe de la Oficina" in avisos
    assert ms[3].nombre not in avisos and "Convocada con" not in avisos  # el lapso de la convocatoria se cumple
    lista = sg.get("/admin/sesion_concejo/").text
    assert "avisos</span>" in lista  # visible también en el listado
    assert "Sin cargo de recepción" in sg.get(f"/admin/citacion/?flt0_sesion_id_equals={s.id}").text
    impresas = sg.get(f"/admin/citacion/imprimir/?sesion_id={s.id}").text
    assert impresas.count("CARGO DE RECEPCIÓN") == 12 and "Ordenanza que regula el comercio ambulatorio" in impresas

    # --- asistencia sin quórum: 4 presentes de 6 requeridos → no se instala
    asistencia(sg, s, {0: "presente", 1: "presente", 2: "presente", 3: "presente", 4: "ausente", 5: "ausente",
                       6: "ausente", 7: "ausente", 8: "ausente", 9: "ausente"})
    s = db.session.get(SesionConcejo, s.id)
    assert (s.miembros_habiles, s.quorum_requerido, s.presentes, s.hay_quorum) == (10, 6, 4, False)
    operar(sg, s, "instalar", esperar_error="No hay quórum: 4 presentes de 6 requeridos")
    operar(sg, s, "asistencia", esperar_error="estado de asistencia no válido", **{f"estado_{ms[4].id}": "fantasma"})
    assert db.session.get(SesionConcejo, s.id).estado.value == "convocada"
    # con quórum: la licencia del regidor 7 lo saca de los hábiles (9 → quórum 5); 7 presentes
    asistencia(sg, s, {4: "presente", 5: "presente", 6: "presente", 7: "licencia"})
    s = db.session.get(SesionConcejo, s.id)
    assert (s.miembros_habiles, s.quorum_requerido, s.presentes, s.hay_quorum) == (9, 5, 7, True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SesionConcejo)
                             .where(SesionConcejo.hay_quorum, SesionConcejo.id == s.id)) == 1  # lado SQL
    operar(sg, s, "instalar")
    assert db.session.get(SesionConcejo, s.id).estado.value == "instalada"

    # --- punto 1, mayoría simple: la abstención sin fundamento se rechaza sin guardar nada
    p1 = punto(s, 1)
    votos1 = {1: "favor", 2: "favor", 3: "favor", 4: "favor", 5: "contra", 6: "abstencion"}
    votar(sg, s, p1, {1: "nulo"}, esperar_error="Voto no válido.")
    votar(sg, s, p1, votos1, esperar_error="la abstención debe fundamentarse")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voto)) == 0
    votar(sg, s, p1, votos1, {6: "No conozco el informe técnico"})
    p1 = punto(s, 1)
    assert (p1.votos_favor, p1.votos_contra, p1.abstenciones, p1.resultado.value) == (4, 1, 1, "aprobado")
    ordenanza = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.punto_agenda_id == p1.id))
    assert ordenanza.codigo == "ORDENANZA MUNICIPAL N° 001-2026-MDD" and ordenanza.estado.value == "aprobada"

    # un punto votado no se modifica ni se elimina; instalada una extraordinaria, la agenda no cambia
    r = sg.post(f"/admin/punto_agenda/edit/?id={p1.id}",
                data={"orden": 1, "seccion": "orden_del_dia", "titulo": "Otro título", "materia": "ordenanza",
                      "mayoria_requerida": "simple"})
    assert r.status_code == 200 and "El punto ya fue votado: no se modifica." in r.text
    r = sg.post("/admin/punto_agenda/delete/", data={"id": p1.id}, follow_redirects=True)
    assert "El punto ya fue votado: no se elimina." in r.text and punto(s, 1).titulo.startswith("Ordenanza")
    r = agregar_punto(sg, s, "Pedido de información", "general", esperar=200)
    assert "La agenda se fija antes de la sesión" in r.text

    # --- punto 2, dos tercios del número legal (ceil(2×10/3) = 7): 5 a favor y 1 en contra no alcanzan
    votar(sg, s, punto(s, 2), {1: "favor", 2: "favor", 3: "favor", 4: "favor", 5: "favor", 6: "contra"})
    p2 = punto(s, 2)
    assert (p2.votos_favor, p2.votos_contra, p2.resultado.value) == (5, 1, "desaprobado")

    # --- punto 3, empate 3–3: sin el alcalde queda en empate; su voto dirimente decide
    votar(sg, s, punto(s, 3), {1: "favor", 2: "favor", 3: "favor", 4: "contra", 5: "contra", 6: "contra"})
    assert punto(s, 3).resultado_votacion.value == "empate" and punto(s, 3).resultado.value == "pendiente"
    votar(sg, s, punto(s, 3), {0: "favor"})
    p3 = punto(s, 3)
    assert (p3.votos_favor, p3.votos_contra, p3.resultado.value) == (3, 3, "aprobado")
    votar(sg, s, punto(s, 3), {1: "contra"}, esperar_error="El punto ya está aprobado")  # decidido, no se revota
    votar(sg, s, punto(s, 3), {1: "nulo"}, esperar_error="El punto ya está aprobado")
    acuerdo = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.punto_agenda_id == p3.id))
    assert acuerdo.codigo == "ACUERDO DE CONCEJO N° 001-2026-MDD"

    # --- acta: borrador con asistencia, quórum, votos por nombre y resultados (HTML y Word)
    operar(sg, s, "levantada")
    operar(sg, s, "acta")
    acta = db.session.scalar(sa.select(Acta).where(Acta.sesion_id == s.id))
    assert ms[6].nombre in acta.contenido and "el alcalde dirimió a favor" in acta.contenido
    r = sg.get(f"/admin/acta/word/?id={acta.id}")
    assert r.status_code == 200 and r.mimetype.endswith("wordprocessingml.document")
    docx = Document(io.BytesIO(r.data))
    texto = "\n".join(p.text for p in docx.paragraphs)
    celdas = [c.text for t in docx.tables for row in t.rows for c in row.cells]
    assert "ACTA DE LA SESIÓN EXTRAORDINARIA N° 001-2026" in texto
    assert "Ordenanza que regula el comercio ambulatorio" in texto
    assert f"4 a favor ({ms[1].nombre}, {ms[2].nombre}, {ms[3].nombre}, {ms[4].nombre})" in texto
    assert f"1 en contra ({ms[5].nombre}), 1 abstención ({ms[6].nombre})." in texto  # singular
    assert f"{ms[6].nombre}: No conozco el informe técnico" in texto and "Resultado: Desaprobado" in texto
    # empate 3–3 que el alcalde dirime: la cifra y los nombres coinciden (el alcalde no se suma a los 3)
    assert (f"3 a favor ({ms[1].nombre}, {ms[2].nombre}, {ms[3].nombre}), 3 en contra ({ms[4].nombre}, "
            f"{ms[5].nombre}, {ms[6].nombre}), 0 abstenciones; el alcalde dirimió a favor." in texto)
    revisar_docx(r.data, texto)
    assert "Presentes: 7" in texto and "Quórum requerido: 5" in texto
    assert f"{ms[7].nombre} (Regidor(a)): Licencia" in texto and "llegada 10:05" in texto
    assert any("Alcalde" in c for c in celdas)  # las firmas, de la plantilla

    # el borrador se edita como HTML saneado: sin scripts ni eventos
    r = sg.post(f"/admin/acta/edit/?id={acta.id}",
                data={"contenido": acta.contenido + '<script>alert(1)</script><div onclick="x()">Nota del SG</div>'})
    assert r.status_code == 302
    contenido = db.session.get(Acta, acta.id).contenido
    assert "<div>Nota del SG</div>" in contenido and "<script" not in contenido and "onclick" not in contenido
    # lo editado es lo que sale en el Word (hasta que la aprobación lo congela)
    r = sg.get(f"/admin/acta/word/?id={acta.id}")
    assert "Nota del SG" in [p.text for p in Document(io.BytesIO(r.data)).paragraphs]

    # --- aprobada en una sesión posterior; luego inmutable (y auditado)
    assert "No hay una sesión posterior" in sg.get(f"/admin/acta/aprobar/?id={acta.id}").text
    s2 = crear_sesion(sg, "ordinaria", "14/08/2026 10:00", "10/08/2026")
    assert s2.numero == 1  # la numeración es por tipo y año
    asistencia(sg, s2, {i: "presente" for i in range(8)})
    operar(sg, s2, "instalar")
    r = sg.post(f"/admin/acta/aprobar/?id={acta.id}", data={"sesion": s2.id})
    assert r.status_code == 302
    acta = db.session.get(Acta, acta.id)
    assert acta.estado == EstadoActa.aprobada and acta.aprobada_en_id == s2.id
    aprobada = sg.get(f"/admin/acta/word/?id={acta.id}")
    texto = "\n".join(p.text for p in Document(io.BytesIO(aprobada.data)).paragraphs)
    assert "Estado del acta: Aprobada en la Sesión ordinaria N° 001-2026." in texto
    revisar_docx(aprobada.data, texto)
    antes = acta.contenido
    r = sg.post(f"/admin/acta/edit/?id={acta.id}", data={"contenido": "cambiado"}, follow_redirects=True)
    assert "El acta aprobada no se modifica" in r.text
    assert db.session.get(Acta, acta.id).contenido == antes
    operar(sg, s, "acta", esperar_error="El acta ya fue aprobada")
    with pytest.raises(ErrorDeRegla, match="ya no cambia"):  # la regla de todo acto final (models.ActoFinal)
        db.session.get(Acta, acta.id).contenido = "por script"
        db.session.flush()
    db.session.rollback()
    for sql in ("UPDATE acta SET contenido = 'por SQL' WHERE id = :id", "DELETE FROM acta WHERE id = :id"):
        with pytest.raises(sa.exc.DatabaseError, match="el acta aprobada no se modifica"):
            db.session.execute(sa.text(sql), {"id": acta.id})
        db.session.rollback()
    assert db.session.get(Acta, acta.id).contenido == antes
    assert db.session.scalar(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "acta", RegistroAuditoria.entidad_id == acta.id,
        RegistroAuditoria.accion == "editar")) is not None

    # --- el listado de sesiones se exporta con su quórum
    libro = openpyxl.load_workbook(io.BytesIO(descargar(sg, "/admin/sesion_concejo/export/xlsx/")))
    filas = list(libro.worksheets[0].iter_rows(values_only=True))
    assert filas[0][:3] == ("Tipo", "N°", "Año") and filas[0][-1] == "Quórum"
    assert ("Extraordinaria", 1, 2026) in [f[:3] for f in filas] and filas[-1][-1] == "Sí"
    puntos = openpyxl.load_workbook(io.BytesIO(descargar(sg, "/admin/punto_agenda/export/xlsx/"))).worksheets[0]
    assert {f[0] for f in puntos.iter_rows(min_row=2, values_only=True)} >= {
        "Sesión extraordinaria N° 001-2026"}  # la sesión con el mismo código que en pantalla

    # --- el rol concejo lee y no edita
    regidor = como("concejo")
    r = regidor.get(f"/admin/sesion_concejo/conducir/?id={s.id}")
    assert r.status_code == 200 and ms[6].nombre in r.text and 'name="operacion"' not in r.text
    assert "/admin/acta/aprobar/" not in r.text and f"<strong>A favor:</strong> {ms[1].nombre}" in r.text
    assert regidor.post(f"/admin/sesion_concejo/conducir/?id={s.id}", data={"operacion": "acta"}).status_code == 403
    assert regidor.post("/admin/sesion_concejo/new/", data={"tipo": "ordinaria"}).status_code == 403
    assert regidor.post(f"/admin/punto_agenda/edit/?id={p1.id}", data={"titulo": "x"}).status_code == 403
    assert regidor.get(f"/admin/acta/word/?id={acta.id}").status_code == 200
    assert regidor.get("/admin/norma_municipal/").status_code == 200
    assert regidor.post(f"/admin/norma_municipal/publicar/?id={ordenanza.id}",
                        data={"medio": "portal", "fecha": "01/09/2026"}).status_code == 403


def test_lapso_de_convocatoria_con_feriados(como):
    """Extraordinaria del 03/08/2026 convocada el miércoles 22/07: median 24, 27, 30 y 31 (23, 28 y 29 feriados)
    = 4. Convocada el jueves 23/07, feriado, vale como del viernes 24 (calendario.fecha_legal): median 3."""
    sg = como("secretaria_general")
    s = crear_sesion(sg, "extraordinaria", "03/08/2026 10:00", "22/07/2026")
    agregar_punto(sg, s, "Vacancia del regidor", "vacancia", "dos_tercios")
    r = sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}")
    assert "Convocada con 4 días hábiles de anticipación; una sesión extraordinaria exige al menos 5." in r.text
    s_feriado = crear_sesion(sg, "extraordinaria", "03/08/2026 11:00", "23/07/2026")
    agregar_punto(sg, s_feriado, "Vacancia del regidor", "vacancia", "dos_tercios")
    r = sg.get(f"/admin/sesion_concejo/conducir/?id={s_feriado.id}")
    assert "Convocada con 3 días hábiles de anticipación; una sesión extraordinaria exige al menos 5." in r.text
    # una ordinaria (2 días por defecto, RIC) convocada el viernes 24 para el jueves 30: solo median el 27
    s2 = crear_sesion(sg, "ordinaria", "30/07/2026 10:00", "24/07/2026")
    assert "Convocada con 1 días hábiles" in sg.get(f"/admin/sesion_concejo/conducir/?id={s2.id}").text
    # la convocatoria no puede ser posterior a la sesión: error junto al campo, nada guardado
    r = sg.post("/admin/sesion_concejo/new/", data={"tipo": "ordinaria", "fecha_hora": "30/07/2026 10:00",
                                                    "modalidad": "presencial", "fecha_convocatoria": "31/07/2026"})
    assert r.status_code == 200 and "La convocatoria no puede ser posterior a la sesión." in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SesionConcejo)) == 3


def test_citaciones_por_correo_e_imprimibles(app, como, correos):
    """Con servidor de correo, cada miembro con correo recibe la citación con la agenda; la impresa siempre."""
    app.config.update(MAIL_SERVER="smtp.municipalidad.gob.pe")
    sg = como("secretaria_general")
    s = crear_sesion(sg, "ordinaria", "10/12/2026 18:00", "")
    assert "Registre la agenda antes de citar" in operar(sg, s, "citar", esperar_error="Registre la agenda").text
    agregar_punto(sg, s, "Informe de la Gerencia de Desarrollo Urbano")
    operar(sg, s, "citar")
    assert len(correos) == 10
    msg = correos[0]["msg"]
    assert msg["To"] == miembros()[0].email and "Sesión ordinaria N° 001-2026" in msg["Subject"]
    assert "10/12/2026 a las 18:00" in msg.get_content() and "1. Informe de la Gerencia" in msg.get_content()
    assert db.session.get(SesionConcejo, s.id).fecha_convocatoria == datetime.now(ZONA_LIMA).date()
    operar(sg, s, "citar")  # volver a citar no duplica
    assert len(correos) == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Citacion)) == 10
    una = db.session.scalar(sa.select(Citacion).limit(1))
    assert "CARGO DE RECEPCIÓN" in sg.get(f"/admin/citacion/imprimir/?id={una.id}").text
    # el correo espera al commit: si la operación se revierte, no sale
    from services import correo

    correo.al_confirmar(db.session(), "regidor@demo.gob.pe", "Citación", "texto")
    db.session.rollback()
    db.session.commit()
    assert len(correos) == 10
    correo.al_confirmar(db.session(), "regidor@demo.gob.pe", "Citación", "texto")
    db.session.commit()
    assert len(correos) == 11 and correos[-1]["msg"]["To"] == "regidor@demo.gob.pe"


def _norma(n, tipo, sumilla, emision="10/08/2026", **extra):
    with el_dia(datetime.strptime(emision, "%d/%m/%Y").date()):  # registrada el día de su emisión
        r = n.post("/admin/norma_municipal/new/", data={"tipo": tipo, "fecha_emision": emision, "sumilla": sumilla,
                                                        **extra})
    assert r.status_code == 302, r.text[:3000]
    return db.session.scalar(sa.select(NormaMunicipal).order_by(NormaMunicipal.id.desc()).limit(1))


def test_normas_numeracion_publicacion_y_derogacion(como):
    sg = como("secretaria_general")
    o1 = _norma(sg, "ordenanza", "Ordenanza que regula el comercio ambulatorio")
    d1 = _norma(sg, "decreto_alcaldia", "Decreto que convoca a audiencia pública")
    o2 = _norma(sg, "ordenanza", "Ordenanza que aprueba el nuevo régimen del comercio ambulatorio")
    o_prev = _norma(sg, "ordenanza", "Ordenanza del año anterior", emision="15/12/2025")
    assert [o1.codigo, d1.codigo, o2.codigo, o_prev.codigo] == [
        "ORDENANZA MUNICIPAL N° 001-2026-MDD", "DECRETO DE ALCALDÍA N° 001-2026-MDD",
        "ORDENANZA MUNICIPAL N° 002-2026-MDD", "ORDENANZA MUNICIPAL N° 001-2025-MDD"]

    # publicación: fecha inválida → mensaje junto al campo; vigencia por defecto = día siguiente
    r = sg.post(f"/admin/norma_municipal/publicar/?id={o1.id}", data={"medio": "el_peruano", "fecha": "31/02/2026"})
    assert r.status_code == 200 and "Indique la fecha de publicación" in r.text and 'value="31/02/2026"' in r.text
    r = sg.post(f"/admin/norma_municipal/publicar/?id={o1.id}",
                data={"medio": "el_peruano", "fecha": "15/08/2026", "vigencia": "15/08/2026"}, follow_redirects=True)
    assert "como pronto, el día siguiente" in r.text
    assert db.session.get(NormaMunicipal, o1.id).fecha_publicacion is None
    r = sg.post(f"/admin/norma_municipal/publicar/?id={o1.id}", data={"medio": "el_peruano", "fecha": "15/08/2026"})
    assert r.status_code == 302
    o1 = db.session.get(NormaMunicipal, o1.id)
    assert (o1.fecha_vigencia, o1.estado, o1.medio_publicacion.value) == (date(2026, 8, 16), EstadoNorma.vigente,
                                                                          "el_peruano")
    # con vigencia futura queda publicada y la tarea diaria la pasa a vigente al llegar la fecha
    sg.post(f"/admin/norma_municipal/publicar/?id={d1.id}",
            data={"medio": "portal", "fecha": "20/08/2026", "vigencia": "01/01/2099"}, follow_redirects=True)
    assert db.session.get(NormaMunicipal, d1.id).estado == EstadoNorma.publicada
    en_vigor = sg.get("/admin/norma_municipal/?flt0_en_vigor_equals=1").text
    assert o1.codigo in en_vigor and d1.codigo not in en_vigor

    # ratificación provincial pendiente: no se publica
    trib = _norma(sg, "ordenanza", "Ordenanza que aprueba arbitrios 2027", requiere_ratificacion="y")
    r = sg.post(f"/admin/norma_municipal/publicar/?id={trib.id}", data={"medio": "el_peruano", "fecha": "20/08/2026"},
                follow_redirects=True)
    assert "registre la ratificación provincial" in r.text
    assert db.session.get(NormaMunicipal, trib.id).estado == EstadoNorma.aprobada

    # derogación: la ordenanza 2 deroga la 1 → la 1 queda derogada; se ve en ambos detalles
    r = sg.post("/admin/relacion_norma/new/", data={"origen": o2.id, "tipo": "deroga", "destino": o2.id})
    assert r.status_code == 200 and "Una norma no se relaciona consigo misma." in r.text
    r = sg.post("/admin/relacion_norma/new/", data={"origen": o2.id, "tipo": "deroga", "destino": o1.id})
    assert r.status_code == 302, r.text[:2000]
    assert db.session.get(NormaMunicipal, o1.id).estado == EstadoNorma.derogada
    assert f"Derogada por {o2.codigo}" in sg.get(f"/admin/norma_municipal/details/?id={o1.id}").text
    assert f"Deroga a {o1.codigo}" in sg.get(f"/admin/norma_municipal/details/?id={o2.id}").text
    # una norma no se borra (su número no se reutiliza)
    assert sg.post("/admin/norma_municipal/delete/", data={"id": o2.id}).status_code == 403


def test_dietas_con_tope_mensual_y_alertas(app, como):
    """6 ordinarias en octubre de 2026: quien asiste a todas cobra 4 dietas; el mes se advierte (> 4)."""
    app.config.update(REMUNERACION_ALCALDE=10000, DIETA_PORCENTAJE=0.30, DIETAS_MAX_MES=4)
    for dia in (1, 6, 8, 13, 20, 27):
        estados = {i: "presente" for i in range(6)} | {6: "ausente", 7: "justificado", 8: "presente", 9: "licencia"}
        if dia >= 13:
            estados[8] = "ausente"  # el regidor 8 falta sin justificar a 4 ordinarias consecutivas
        sesion_celebrada("ordinaria", datetime(2026, 10, dia, 10, tzinfo=ZONA_LIMA), estados)
    sesion_celebrada("extraordinaria", datetime(2026, 9, 15, 10, tzinfo=ZONA_LIMA), {1: "presente"})
    db.session.commit()
    ms = miembros()

    sg = como("secretaria_general")
    r = sg.get("/admin/reporte_concejo/?anio=2026")
    assert r.status_code == 200
    assert "Más de 4 sesiones ordinarias" in r.text and "Menos de 2 sesiones ordinarias" in r.text  # oct / sep
    assert f"{ms[8].nombre}: 3 inasistencias injustificadas consecutivas" in r.text
    assert ms[6].nombre in r.text.split("Causal de vacancia", 1)[1].split("</ul>", 1)[0]  # 6 en 3 meses
    assert ms[7].nombre not in r.text.split("Causal de vacancia", 1)[1].split("</ul>", 1)[0]  # justificadas

    libro = openpyxl.load_workbook(io.BytesIO(descargar(sg, "/admin/reporte_concejo/xlsx/asistencia/?anio=2026")))
    assert libro.sheetnames == ["Asistencia y dietas de regidore", "Filtros"]  # 31 caracteres como máximo
    hoja = libro.worksheets[0]
    filas = {(f"{f[0]:%Y-%m}", f[1]): f for f in hoja.iter_rows(min_row=2, values_only=True)}
    encabezado = [c.value for c in hoja[1]]
    # el mes es una fecha real que se lee «octubre 2026»; los importes, soles
    assert isinstance(hoja["A2"].value, datetime) and hoja["A2"].number_format == "[$-280A]mmmm yyyy"
    assert hoja["K2"].number_format == '"S/ "#,##0.00' and hoja["J2"].number_format == '"S/ "#,##0.00'
    assert encabezado[:4] == ["Mes", "Regidor(a)", "Sesiones celebradas", "Asistencias efectivas"]
    uno = filas[("2026-10", ms[1].nombre)]
    assert uno[2:] == (6, 6, 0, 0, 0, 4, 2, 750, 3000)  # 6 asistencias, 4 dietas de S/ 750 (30 % de 10 000 / 4)
    assert filas[("2026-10", ms[8].nombre)][3:5] == (3, 3) and filas[("2026-10", ms[8].nombre)][-1] == 2250
    assert filas[("2026-10", ms[7].nombre)][5] == 6 and filas[("2026-10", ms[7].nombre)][-1] == 0
    assert ("2026-10", ms[0].nombre) not in filas  # el alcalde no cobra dietas
    assert filas[("2026-09", ms[1].nombre)][3] == 1

    sesiones = openpyxl.load_workbook(io.BytesIO(descargar(sg, "/admin/reporte_concejo/xlsx/sesiones/?anio=2026")))
    por_mes = {f"{f[0]:%Y-%m}": f for f in sesiones.active.iter_rows(min_row=2, values_only=True)}
    assert por_mes["2026-10"][1:5] == (6, 0, 0, 6) and por_mes["2026-09"][2] == 1
    assert "2026-08" not in por_mes  # antes de la primera sesión registrada no hay datos: no se advierte
    # el rol concejo ve y exporta; el rol unidad no tiene la pantalla
    assert descargar(como("concejo"), "/admin/reporte_concejo/xlsx/normas/?anio=2026")[:2] == b"PK"
    assert como("unidad").get("/admin/reporte_concejo/").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria).where(
        RegistroAuditoria.accion == "exportar", RegistroAuditoria.entidad.like("reporte_concejo%"))) >= 3


def test_quorum_y_mayorias_reglas(app):
    """Los umbrales de docs/reglas.md §5 para concejos de distinto tamaño."""
    assert [concejo.umbral("dos_tercios", n) for n in (6, 8, 10, 12, 14)] == [4, 6, 7, 8, 10]
    assert [concejo.umbral("absoluta", n) for n in (6, 8, 10, 12, 14)] == [4, 5, 6, 7, 8]
    assert concejo.umbral("simple", 10) is None
    assert concejo.mayoria_de("vacancia") == "dos_tercios" and concejo.mayoria_de("general") == "simple"
    s = sesion_celebrada("ordinaria", datetime(2026, 12, 9, 10, tzinfo=ZONA_LIMA), {})
    db.session.flush()
    ms = miembros()
    ms[3].habil = False  # suspendido: no cuenta
    for i in (0, 1, 2, 4, 5):
        db.session.add(Asistencia(sesion=s, miembro=ms[i], estado="presente"))
    db.session.add(Asistencia(sesion=s, miembro=ms[6], estado="licencia"))
    db.session.flush()
    db.session.expire_all()
    s = db.session.get(SesionConcejo, s.id)
    assert (s.numero_legal, s.miembros_habiles, s.quorum_requerido, s.presentes, s.hay_quorum) == (10, 8, 5, 5, True)
    fila = db.session.execute(sa.select(SesionConcejo.numero_legal, SesionConcejo.miembros_habiles,
                                        SesionConcejo.quorum_requerido, SesionConcejo.presentes,
                                        SesionConcejo.hay_quorum).where(SesionConcejo.id == s.id)).one()
    assert tuple(fila) == (10, 8, 5, 5, True)  # el lado SQL (filtros y orden del listado) coincide
    db.session.rollback()


def test_normas_publicas_y_tarea_diaria(app, como, client, runner, monkeypatch):
    sg = como("secretaria_general")
    vigente = _norma(sg, "ordenanza", "Ordenanza que regula los mercados de abastos")
    futura = _norma(sg, "decreto_alcaldia", "Decreto que reglamenta los mercados de abastos")
    normas.publicar(db.session.get(NormaMunicipal, vigente.id), "diario_judicial", date(2026, 8, 20))
    normas.publicar(db.session.get(NormaMunicipal, futura.id), "portal", date(2026, 8, 20), date(2027, 1, 1))
    db.session.add(normas.RelacionNorma(origen_id=futura.id, destino_id=vigente.id, tipo="reglamenta"))
    db.session.commit()

    r = client.get("/normas?q=mercados")  # sin sesión
    assert r.status_code == 200
    assert vigente.codigo in r.text and r.text.count(futura.codigo) == 1  # solo como la que la reglamenta
    assert f"Reglamentada por {futura.codigo}" in r.text and "Diario de avisos judiciales" in r.text
    assert vigente.codigo not in client.get("/normas?q=inexistente").text
    assert vigente.codigo not in client.get("/normas?tipo=decreto_alcaldia").text

    monkeypatch.setattr(models, "reloj", lambda: datetime(2027, 1, 1, 15, tzinfo=UTC))
    r = runner.invoke(args=["tramite-diario"])
    assert r.exit_code == 0 and "1 normas entraron en vigencia" in r.output
    assert db.session.get(NormaMunicipal, futura.id).estado == EstadoNorma.vigente


def test_tablero_muestra_las_proximas_sesiones(como):

    manana = datetime.now(ZONA_LIMA).replace(hour=18, minute=0, second=0, microsecond=0) + timedelta(days=1)
    s = SesionConcejo(tipo="solemne", fecha_hora=manana, lugar="Plaza de Armas")
    concejo.numerar_sesion(s)
    db.session.add(s)
    db.session.commit()
    r = como("concejo").get("/admin/")
    assert "Próximas sesiones del concejo" in r.text and "Sesión solemne N° 001" in r.text
    assert f"/admin/sesion_concejo/conducir/?id={s.id}" in r.text
    assert "Próximas sesiones" not in como("unidad").get("/admin/").text  # sin permiso sobre sesiones


def test_postergacion_una_vez_de_3_a_5_dias_habiles(como):
    """Sesión del viernes 24/07/2026: al lunes 03/08 median 27, 30, 31 y 3 (28–29 feriados) = 4 días hábiles."""
    sg = como("secretaria_general")
    s = crear_sesion(sg, "ordinaria", "24/07/2026 10:00", "20/07/2026")
    operar(sg, s, "postergar", esperar_error="dos tercios del número legal de regidores (6 de 9)",
           nueva_fecha="03/08/2026 10:00", solicitantes="5")
    operar(sg, s, "postergar", esperar_error="a 6 días hábiles; la postergación es de 3 a 5",
           nueva_fecha="05/08/2026 10:00", solicitantes="7")
    r = operar(sg, s, "postergar", esperar_error="Nueva fecha y hora no válida", nueva_fecha="3 de agosto",
               solicitantes="7")
    assert 'value="3 de agosto"' in r.text  # lo escrito se conserva
    operar(sg, s, "postergar", nueva_fecha="03/08/2026 10:00", solicitantes="7")
    s = db.session.get(SesionConcejo, s.id)
    assert s.fecha_hora == datetime(2026, 8, 3, 10, tzinfo=ZONA_LIMA)
    assert s.postergada_desde == datetime(2026, 7, 24, 10, tzinfo=ZONA_LIMA)
    r = sg.get(f"/admin/sesion_concejo/conducir/?id={s.id}")
    assert "postergada; convocada para el 24/07/2026 10:00" in r.text
    assert "Convocada con" not in r.text  # el lapso se cuenta hasta la fecha convocada (median el 21 y el 22)
    operar(sg, s, "postergar", esperar_error="ya fue postergada una vez", nueva_fecha="07/08/2026 10:00",
           solicitantes="10")


def test_correo_de_miembro_validado(como):
    sg = como("secretaria_general")
    periodo_id = miembros()[0].periodo_id
    datos = {"periodo": periodo_id, "nombre": "Nueva Regidora", "cargo": "regidor", "orden": 10, "habil": "y",
             "email": "no-es-un-correo"}
    r = sg.post("/admin/miembro_concejo/new/", data=datos)
    assert r.status_code == 200 and "Correo electrónico no válido." in r.text and 'value="no-es-un-correo"' in r.text
    r = sg.post("/admin/miembro_concejo/new/", data={**datos, "orden": 1, "email": ""})
    assert r.status_code == 200 and "Ese orden ya lo tiene" in r.text
    assert len(miembros()) == 10
    assert sg.post("/admin/miembro_concejo/new/", data={**datos, "email": "nueva@demo.gob.pe"}).status_code == 302
    assert len(miembros()) == 11
