"""Calificación de los procedimientos TUPA y plazos de las derivaciones (docs/reglas.md §1; issue 11, puntos 8–10).

Fechas reales: martes 31/03/2026, antes de Semana Santa (jueves 2 y viernes 3 de abril son feriados). Los
vencimientos pasados se comparan con la fecha real de hoy (`vencido` usa la fecha de Lima).
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import ZONA_LIMA, Derivacion, Expediente, ProcedimientoTupa, TipoDocumento, db, hoy_lima
from services import calendario
from tests.conftest import crear_persona, texto_de, unidad


def lima(*args) -> datetime:
    return datetime(*args, tzinfo=ZONA_LIMA)



@pytest.fixture
def base(base, reloj):
    """La `base` de conftest (feriados de los años de la prueba) con una persona y `base.reloj(momento)`."""
    base.persona_id = crear_persona("10117410", "Rosa", "Quispe Mamani")
    base.reloj = reloj
    return base


def ingreso(base, nav, codigo_tupa: str) -> Expediente:
    datos = {"origen": "externo", "canal": "presencial", "persona": str(base.persona_id),
             "tipo_documento": str(db.session.scalar(sa.select(TipoDocumento.id)
                                                     .where(TipoDocumento.nombre == "Solicitud"))),
             "asunto": f"Solicitud ({codigo_tupa})", "folios": "3", "prioridad": "normal",
             "procedimiento": str(db.session.scalar(sa.select(ProcedimientoTupa.id)
                                                    .where(ProcedimientoTupa.codigo == codigo_tupa)))}
    r = nav.post("/admin/expediente/new/", datos)
    assert r.status_code == 302, r.text[:3000]
    db.session.expire_all()
    return db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))


def derivaciones(exp_id: int) -> list[Derivacion]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Derivacion).where(Derivacion.expediente_id == exp_id)
                              .order_by(Derivacion.id)).all()


def nuevo_procedimiento(sg, codigo, plazo, silencio=None, esperar=302):
    datos = {"codigo": codigo, "nombre": f"Procedimiento {codigo}", "plazo_dias_habiles": str(plazo),
             "derecho_tramite": "0", "unidad_resolutora": str(unidad("GDE").id), "activo": "y"}
    if silencio:
        datos["silencio"] = silencio
    r = sg.post("/admin/procedimiento_tupa/new/", datos)
    assert r.status_code == esperar, r.text[:3000]
    return r


def test_aprobacion_automatica_sin_plazo_ni_vencimiento(base, como):
    sg = como("secretaria_general")
    # un procedimiento nuevo nace con silencio positivo (art. 35)
    formulario = sg.get("/admin/procedimiento_tupa/new/").text
    assert re.search(r'<option[^>]*selected[^>]*value="positivo"|<option[^>]*value="positivo"[^>]*selected',
                     formulario)
    # la aprobación automática no tiene plazo: con 5 días se rechaza junto al campo, nada guardado
    r = nuevo_procedimiento(sg, "GDE-09", 5, "aprobacion_automatica", esperar=200)
    assert "La aprobación automática no tiene plazo" in r.text and 'value="GDE-09"' in r.text
    assert db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == "GDE-09")) is None
    # …ni por script: la base lo impide
    with pytest.raises(sa.exc.IntegrityError):
        db.session.add(ProcedimientoTupa(codigo="X-1", nombre="x", plazo_dias_habiles=30,
                                         silencio="aprobacion_automatica", unidad_resolutora=unidad("GDE")))
        db.session.flush()
    db.session.rollback()
    nuevo_procedimiento(sg, "GDE-09", 0, "aprobacion_automatica")
    # un plazo de más de 30 días hábiles con evaluación previa se advierte en el procedimiento
    nuevo_procedimiento(sg, "GDE-10", 45, "negativo")
    lista = sg.get("/admin/procedimiento_tupa/").text
    fila = lista.split("GDE-10", 1)[1].split("</tr>", 1)[0]
    assert "Excede 30 días hábiles" in fila
    assert "Excede" not in lista.split("GDE-01", 1)[1].split("</tr>", 1)[0]
    assert "Sin plazo (aprobación automática)" in lista.split("GDE-09", 1)[1].split("</tr>", 1)[0]

    # ingreso el miércoles 01/04/2026 (víspera de Semana Santa): aprobado al presentarse, sin vencimiento
    base.reloj(lima(2026, 4, 1, 10, 0))
    mp = como("mesa_partes")
    exp = ingreso(base, mp, "GDE-09")
    assert (exp.fecha_presentacion, exp.plazo_dias_habiles, exp.fecha_vencimiento) == (date(2026, 4, 1), None, None)
    assert not exp.vencido and exp.aprobacion_automatica  # meses después, nunca «vencido»
    [d] = derivaciones(exp.id)  # derivado a la unidad resolutora sin los 30 días de antes (0 no es «vacío»)
    assert (d.unidad_destino.sigla, d.plazo_dias_habiles, d.fecha_limite) == ("GDE", None, None)
    cargo = texto_de(mp.get(f"/admin/expediente/cargo/?id={exp.id}").text)
    assert "Aprobación automática: la solicitud queda aprobada con su presentación (LPAG art. 33)" in cargo
    assert "Plazo de atención" not in cargo
    vencidos = sg.get("/admin/expediente/?flt0_vencido_equals=1").text
    assert exp.codigo not in vencidos
    # una derivación posterior «atender» tampoco recibe plazo
    base.reloj(lima(2026, 4, 6, 9, 0))
    r = como("secretaria_general").post(f"/admin/expediente/tramitar/?id={exp.id}",
                                        {"operacion": "derivar", "destino": str(unidad("GM").id),
                                         "accion": "atender"})
    assert r.status_code == 302
    assert derivaciones(exp.id)[-1].plazo_dias_habiles is None


def test_vencido_con_silencio_positivo_se_tiene_por_aprobado(base, como):
    """GDU-02 (5 días, silencio positivo) y GAT-01 (30 días, silencio negativo), presentados el 31/03/2026."""
    base.reloj(lima(2026, 3, 31, 10, 15))
    mp = como("mesa_partes")
    positivo = ingreso(base, mp, "GDU-02")
    negativo = ingreso(base, mp, "GAT-01")
    assert positivo.fecha_vencimiento == calendario.sumar_dias_habiles(date(2026, 3, 31), 5) == date(2026, 4, 9)
    assert negativo.fecha_vencimiento == date(2026, 5, 15)
    base.reloj(None)
    assert hoy_lima() > date(2026, 5, 15)  # ambos vencidos hoy
    assert positivo.aprobado_por_silencio and not negativo.aprobado_por_silencio
    assert negativo.vencido
    sg = como("secretaria_general")
    # en la ficha del expediente
    assert "Aprobado por silencio positivo" in sg.get(f"/admin/expediente/tramitar/?id={positivo.id}").text
    ficha = sg.get(f"/admin/expediente/tramitar/?id={negativo.id}").text
    assert "Aprobado por silencio positivo" not in ficha and "Vencido" in ficha
    # en el listado: filtro y etiqueta
    lista = sg.get("/admin/expediente/?flt0_aprobado_por_silencio_positivo_equals=1").text
    assert positivo.codigo in lista and negativo.codigo not in lista
    assert "Aprobado por silencio positivo</span>" in lista
    lista = sg.get("/admin/expediente/?flt0_aprobado_por_silencio_positivo_equals=0").text
    assert negativo.codigo in lista and positivo.codigo not in lista
    # en el tablero (cifra de la municipalidad)
    cuantos = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente)
                                .where(Expediente.aprobado_por_silencio))
    assert cuantos >= 1
    tablero = texto_de(sg.get("/admin/").text)
    assert "Aprobados por silencio positivo" in tablero


def test_derivacion_no_pasa_del_plazo_legal(base, como):
    """GDU-02 (5 días) presentado el martes 31/03/2026 vence el jueves 09/04 (2–3 de abril, Semana Santa). El
    lunes 06/04 la GDU lo deriva para atender: 5 días más serían el 13/04; se recorta al 09/04 (3 días: 7, 8 y
    9) y se avisa. Una segunda derivación «atender» el 08/04 tampoco vuelve a dar el plazo completo."""
    base.reloj(lima(2026, 3, 31, 10, 15))
    exp = ingreso(base, como("mesa_partes"), "GDU-02")
    [d] = derivaciones(exp.id)
    assert (d.unidad_destino.sigla, d.plazo_dias_habiles, d.fecha_limite) == ("GDU", 5, date(2026, 4, 9))
    gdu = como("unidad")
    base.reloj(lima(2026, 4, 6, 9, 0))
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}",
                 {"operacion": "derivar", "destino": str(unidad("GDE").id), "accion": "atender"},
                 follow_redirects=True)
    assert r.status_code == 200
    assert ("Plazo de la derivación recortado a 3 días hábiles: no puede pasar del vencimiento del expediente "
            "(09/04/2026).") in texto_de(r.text)
    segunda = derivaciones(exp.id)[-1]
    assert (segunda.unidad_destino.sigla, segunda.plazo_dias_habiles, segunda.fecha_limite) == \
        ("GDE", 3, date(2026, 4, 9))
    # un plazo escrito a mano tampoco pasa del vencimiento
    base.reloj(lima(2026, 4, 8, 9, 0))
    r = como("secretaria_general").post(f"/admin/expediente/tramitar/?id={exp.id}",
                                        {"operacion": "derivar", "destino": str(unidad("OAJ").id),
                                         "accion": "opinar", "plazo": "7"}, follow_redirects=True)
    assert "recortado a 1 días hábiles" in texto_de(r.text)
    assert derivaciones(exp.id)[-1].fecha_limite == date(2026, 4, 9)
    # dentro del plazo legal no se recorta ni se avisa: presentado el 08/04 (vence el 15/04), firmar: 3 días
    exp2 = ingreso(base, como("mesa_partes"), "GDU-02")
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp2.id}",
                 {"operacion": "derivar", "destino": str(unidad("GDE").id), "accion": "firmar"},
                 follow_redirects=True)
    assert "recortado" not in r.text
    assert derivaciones(exp2.id)[-1].fecha_limite == calendario.sumar_dias_habiles(date(2026, 4, 8), 3)


def test_hoja_de_ruta_imprimible(base, como):
    """Ingreso el martes 31/03/2026 (GDU-02 → GDU); la GDU acusa recibo el miércoles 1/04 y lo deriva a la GDE el
    lunes 06/04 (2–3 de abril, Semana Santa): 2 días hábiles en la GDU (1 y 6 de abril)."""
    base.reloj(lima(2026, 3, 31, 10, 15))
    exp = ingreso(base, como("mesa_partes"), "GDU-02")
    [d1] = derivaciones(exp.id)
    gdu = como("unidad")
    base.reloj(lima(2026, 4, 1, 9, 30))
    assert gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d1.id)]}).status_code == 302
    base.reloj(lima(2026, 4, 6, 11, 0))
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}",
                 {"operacion": "derivar", "destino": str(unidad("GDE").id), "accion": "opinar",
                  "proveido": "Opine sobre la zonificación del lote."})
    assert r.status_code == 302
    r = gdu.get(f"/admin/expediente/hoja-ruta/?id={exp.id}")
    assert r.status_code == 200
    filas = [texto_de(f) for f in r.text.split("<tbody>")[-1].split("<tr>")[1:]] if "<tbody>" in r.text else \
        [texto_de(f) for f in r.text.split("Recorrido", 1)[1].split("<tr>")[2:]]
    assert len(filas) == 2
    uno, dos = filas
    assert "UTD → GDU" in uno and "31/03/2026 10:15" in uno and "01/04/2026 09:30" in uno
    assert "Carlos Díaz Ramos" in uno and "06/04/2026 11:00" in uno and "09/04/2026" in uno
    assert uno.strip().endswith(" 2")  # días hábiles en la GDU: 1 y 6 de abril
    assert "GDU → GDE" in dos and "Opine sobre la zonificación del lote." in dos and "(en curso)" in dos
    cabecera = texto_de(r.text.split("Recorrido", 1)[0])
    assert exp.codigo in cabecera and "5 días hábiles – vence el 09/04/2026" in cabecera
    assert "size: A4" in r.text
    from models import RegistroAuditoria

    assert db.session.scalar(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "expediente", RegistroAuditoria.entidad_id == exp.id,
        RegistroAuditoria.detalle == "hoja de ruta")) is not None
    # la de un expediente que nunca pasó por su unidad, no la ve
    otro = ingreso(base, como("mesa_partes"), "GAT-01")
    assert gdu.get(f"/admin/expediente/hoja-ruta/?id={otro.id}").status_code == 404


def test_observacion_en_el_ingreso_queda_en_mesa_de_partes(base, como):
    """Martes 31/03/2026: falta un requisito; el formulario de ingreso observa en vez de derivar. Queda en Mesa de
    Partes (UTD) hasta que se subsana el lunes 06/04, último de sus 2 días hábiles (1 y 6 de abril; 2–3, Semana
    Santa), y recién entonces se deriva a la unidad resolutora, con el plazo que no corrió mientras estuvo observado."""
    base.reloj(lima(2026, 3, 31, 10, 15))
    mp = como("mesa_partes")
    formulario = mp.get("/admin/expediente/new/").text
    assert "Observar en el ingreso (en lugar de derivar)" in formulario
    datos = {"origen": "externo", "canal": "presencial", "persona": str(base.persona_id),
             "tipo_documento": str(db.session.scalar(sa.select(TipoDocumento.id)
                                                     .where(TipoDocumento.nombre == "Solicitud"))),
             "asunto": "Licencia de edificación", "folios": "3", "prioridad": "normal",
             "procedimiento": str(db.session.scalar(sa.select(ProcedimientoTupa.id)
                                                    .where(ProcedimientoTupa.codigo == "GDU-02"))),
             "observacion_ingreso": "Falta el plano de ubicación."}
    assert mp.post("/admin/expediente/new/", datos).status_code == 302
    db.session.expire_all()
    exp = db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))
    assert (exp.estado.value, exp.unidad_actual.sigla, exp.observacion) == ("observado", "UTD",
                                                                            "Falta el plano de ubicación.")
    assert derivaciones(exp.id) == []  # no llegó a la bandeja de la GDU
    cargo = texto_de(mp.get(f"/admin/expediente/cargo/?id={exp.id}").text)
    assert "Falta el plano de ubicación." in cargo and "hasta el 06/04/2026" in cargo
    # mientras esté observado no se deriva
    base.reloj(lima(2026, 4, 6, 9, 0))
    r = mp.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "derivar",
                                                             "destino": str(unidad("GDU").id), "accion": "atender"})
    assert r.status_code == 200 and "está observado hasta que se subsane" in r.text
    assert derivaciones(exp.id) == []
    # subsanado el último día: se deriva a la GDU; el plazo corre los 2 días hábiles suspendidos (1 y 6)
    base.reloj(lima(2026, 4, 6, 16, 30))
    assert mp.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "subsanar"}).status_code == 302
    db.session.expire_all()
    exp = db.session.get(Expediente, exp.id)
    assert (exp.estado.value, exp.unidad_actual.sigla, exp.fecha_subsanacion) == ("en_tramite", "GDU",
                                                                                   date(2026, 4, 6))
    assert exp.fecha_vencimiento == calendario.sumar_dias_habiles(date(2026, 3, 31), 5 + 2) == date(2026, 4, 13)
    [d] = derivaciones(exp.id)
    assert (d.unidad_origen.sigla, d.unidad_destino.sigla, d.fecha_limite) == ("UTD", "GDU", date(2026, 4, 13))
    # recibido por la unidad, ya no se observa (la observación es del ingreso)
    assert como("unidad").post("/admin/derivacion/action/", {"action": "recibir",
                                                              "rowid": [str(d.id)]}).status_code == 302
    otro = ingreso(base, mp, "GDU-02")
    [d2] = derivaciones(otro.id)
    como("unidad").post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d2.id)]})
    r = como("secretaria_general").post(f"/admin/expediente/tramitar/?id={otro.id}",
                                        {"operacion": "observar", "observacion": "Falta la firma."})
    assert r.status_code == 200 and "antes de que una unidad reciba el expediente" in r.text


def test_mesa_digital_con_procedimiento_tupa(base, como):
    """El ciudadano elige el procedimiento (lista de los activos, con búsqueda del navegador): su solicitud digital
    tiene el plazo y el silencio de ese procedimiento, no 30 días planos."""
    from tests.conftest import Ciudadano

    inactivo = db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == "GSC-01"))
    inactivo.activo = False
    db.session.commit()
    ciudadano = Ciudadano(base)
    assert '<datalist id="procedimientos-tupa">' in ciudadano.html
    assert 'value="GDU-02 – Certificado de parámetros urbanísticos y edificatorios"' in ciudadano.html
    assert "GSC-01" not in ciudadano.html  # inactivo: no se ofrece
    r = ciudadano.presentar(procedimiento="GSC-01 – Autorización para evento público no deportivo")
    assert r.status_code == 200 and "Elija un procedimiento de la lista" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Expediente)) == 0
    r = ciudadano.presentar(procedimiento="GDU-02 – Certificado de parámetros urbanísticos y edificatorios")
    assert r.status_code == 302, texto_de(r.text)[:1500]
    db.session.expire_all()
    exp = db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))
    assert (exp.canal.value, exp.procedimiento.codigo, exp.plazo_dias_habiles) == ("digital", "GDU-02", 5)
    assert exp.fecha_vencimiento == calendario.sumar_dias_habiles(exp.fecha_presentacion, 5)
    # sin procedimiento, como antes: el plazo general
    assert Ciudadano(base).presentar(asunto="Consulta general").status_code == 302
    db.session.expire_all()
    otro = db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))
    assert (otro.procedimiento_id, otro.plazo_dias_habiles) == (None, 30)


# ------------------------------------------------------------------ issue 21: silencio, observación y derivación
def cifra_del_tablero(html: str, titulo: str) -> int:
    """La cifra de toda la municipalidad (la sección «Toda la municipalidad» del tablero)."""
    m = re.search(rf"{re.escape(titulo)}</div>\s*<div class=\"cifra\">(\d+)</div>",
                  html.split("Toda la municipalidad", 1)[1])
    assert m, f"sin la cifra «{titulo}» en el tablero"
    return int(m.group(1))


def silencio_en_todas_partes(sg, exp) -> dict[str, bool]:
    """¿Se muestra «aprobado por silencio positivo» en la ficha, el filtro del listado y el reporte de
    cumplimiento (la cifra de la GDU del mes de julio de 2026)?"""
    ficha = sg.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    filtrado = sg.get("/admin/expediente/?flt0_aprobado_por_silencio_positivo_equals=1").text
    reporte = sg.get("/admin/reporte_cumplimiento/?desde=2026-07-01&hasta=2026-07-31").text
    cifra = re.search(r'id="c-GDU-silencio_positivo">(\d+)<', reporte)
    return {"ficha": "Aprobado por silencio positivo" in ficha, "filtro": exp.codigo in filtrado,
            "reporte": bool(cifra) and int(cifra.group(1)) >= 1}


def test_silencio_positivo_solo_tras_el_plazo_y_los_5_dias_para_notificar(base, como):
    """GDU-02 (5 días, silencio positivo) presentado el lunes 20/07/2026: vence el jueves 30/07 (23, 28 y 29 de
    julio son feriados). Los 5 días hábiles para notificar la decisión (LPAG art. 24.1) son 31/07, 03/08, 04/08,
    05/08 y 07/08 (el 06/08, Batalla de Junín, es feriado): aprobado por silencio recién desde el sábado 08/08/2026
    (art. 199.1), en la ficha, el filtro, el tablero y el reporte. Un día no laborable nuevo lo corre."""
    base.reloj(lima(2026, 7, 20, 10, 0))
    exp = ingreso(base, como("mesa_partes"), "GDU-02")
    assert exp.fecha_vencimiento == calendario.sumar_dias_habiles(date(2026, 7, 20), 5) == date(2026, 7, 30)
    assert exp.silencio_positivo_desde == date(2026, 8, 8)
    sg = como("secretaria_general")
    cargo = texto_de(sg.get(f"/admin/expediente/cargo/?id={exp.id}").text)
    assert "si la decisión no se notifica hasta el 07/08/2026, la solicitud se tiene por aprobada desde el " \
           "08/08/2026" in cargo

    # vencido el plazo, y aún dentro de los días para notificar: vencido, no aprobado
    for dia in (date(2026, 7, 31), date(2026, 8, 5), date(2026, 8, 7)):
        base.reloj(lima(dia.year, dia.month, dia.day, 18, 0))
        assert silencio_en_todas_partes(sg, exp) == {"ficha": False, "filtro": False, "reporte": False}, dia
        assert "Vencido" in sg.get(f"/admin/expediente/tramitar/?id={exp.id}").text
        assert exp.codigo in sg.get("/admin/expediente/?flt0_aprobado_por_silencio_positivo_equals=0").text
    antes = cifra_del_tablero(sg.get("/admin/").text, "Aprobados por silencio positivo")

    base.reloj(lima(2026, 8, 8, 9, 0))
    assert silencio_en_todas_partes(sg, exp) == {"ficha": True, "filtro": True, "reporte": True}
    ficha = sg.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    assert "Aprobado por silencio positivo desde el 08/08/2026" in ficha
    assert cifra_del_tablero(sg.get("/admin/").text, "Aprobados por silencio positivo") == antes + 1
    assert exp.codigo not in sg.get("/admin/expediente/?flt0_aprobado_por_silencio_positivo_equals=0").text

    # el martes 04/08/2026 se declara no laborable: el quinto día para notificar pasa al lunes 10/08
    r = sg.post("/admin/feriado/new/", {"fecha": "04/08/2026", "nombre": "Día no laborable (prueba)",
                                        "tipo": "no_laborable"})
    assert r.status_code == 302, r.text[:2000]
    db.session.expire_all()
    assert db.session.get(Expediente, exp.id).silencio_positivo_desde == date(2026, 8, 11)
    assert silencio_en_todas_partes(sg, exp) == {"ficha": False, "filtro": False, "reporte": False}
    base.reloj(lima(2026, 8, 11, 9, 0))
    assert silencio_en_todas_partes(sg, exp)["filtro"]


def test_observacion_pendiente_sin_aprobacion_ni_vencimiento(base, como):
    """Mientras la observación del ingreso está pendiente (art. 136.3) no hay aprobación automática ni silencio ni
    vencimiento, y el plazo corre desde la subsanación, también en el cargo.
    a) Aprobación automática observada el jueves 12/03/2026 y subsanada el viernes 13/03.
    b) Silencio positivo de 1 día presentado y observado el martes 10/03/2026: el jueves 12/03 (dentro de los 2
       días para subsanar) no está aprobado ni vencido; subsanado ese día, vence el 13/03 y queda aprobado desde
       el 21/03 (5 días hábiles para notificar: 16 al 20 de marzo)."""
    sg = como("secretaria_general")
    nuevo_procedimiento(sg, "GDE-11", 0, "aprobacion_automatica")
    nuevo_procedimiento(sg, "GDE-12", 1, "positivo")
    mp = como("mesa_partes")

    base.reloj(lima(2026, 3, 12, 10, 0))
    automatica = ingreso(base, mp, "GDE-11")
    r = mp.post(f"/admin/expediente/tramitar/?id={automatica.id}",
                {"operacion": "observar", "observacion": "Falta la declaración jurada."})
    assert r.status_code == 302
    cargo = texto_de(mp.get(f"/admin/expediente/cargo/?id={automatica.id}").text)
    assert "queda aprobada con su presentación" not in cargo
    assert "quedará aprobada con la subsanación de las observaciones (LPAG arts. 33 y 136.3.2)" in cargo
    fila = sg.get("/admin/expediente/").text.split(automatica.codigo, 1)[1].split("</tr>", 1)[0]
    assert "Aprobación automática" not in fila and "Observado" in fila
    base.reloj(lima(2026, 3, 13, 9, 0))
    assert mp.post(f"/admin/expediente/tramitar/?id={automatica.id}", {"operacion": "subsanar"}).status_code == 302
    cargo = texto_de(mp.get(f"/admin/expediente/cargo/?id={automatica.id}").text)
    assert "queda aprobada con su subsanación del 13/03/2026" in cargo

    base.reloj(lima(2026, 3, 10, 9, 0))
    uno = ingreso(base, mp, "GDE-12")
    assert uno.fecha_vencimiento == date(2026, 3, 11)
    r = mp.post(f"/admin/expediente/tramitar/?id={uno.id}", {"operacion": "observar",
                                                              "observacion": "Falta el croquis."})
    assert r.status_code == 302
    base.reloj(lima(2026, 3, 12, 10, 0))
    db.session.expire_all()
    uno = db.session.get(Expediente, uno.id)
    assert (uno.fecha_vencimiento, uno.silencio_positivo_desde, uno.vencido, uno.aprobado_por_silencio) == \
        (None, None, False, False)
    ficha = sg.get(f"/admin/expediente/tramitar/?id={uno.id}").text
    assert "Aprobado por silencio positivo" not in ficha and "Vencido" not in ficha
    assert "corren desde la subsanación" in texto_de(ficha)
    for filtro in ("aprobado_por_silencio_positivo", "vencido"):
        assert uno.codigo not in sg.get(f"/admin/expediente/?flt0_{filtro}_equals=1").text
    assert "1 días hábiles, que corren desde la subsanación (LPAG art. 136.3)" in texto_de(
        mp.get(f"/admin/expediente/cargo/?id={uno.id}").text)
    # subsanado el jueves 12/03: el día corre desde ahí (vence el viernes 13) y el silencio, desde el 21/03
    assert mp.post(f"/admin/expediente/tramitar/?id={uno.id}", {"operacion": "subsanar"}).status_code == 302
    db.session.expire_all()
    uno = db.session.get(Expediente, uno.id)
    assert (uno.fecha_vencimiento, uno.silencio_positivo_desde) == (date(2026, 3, 13), date(2026, 3, 21))
    assert "1 días hábiles – vence el 13/03/2026 (desde la subsanación del 12/03/2026)" in texto_de(
        mp.get(f"/admin/expediente/cargo/?id={uno.id}").text)
    base.reloj(lima(2026, 3, 16, 9, 0))
    assert uno.vencido and not uno.aprobado_por_silencio
    base.reloj(lima(2026, 3, 21, 9, 0))
    assert uno.codigo in sg.get("/admin/expediente/?flt0_aprobado_por_silencio_positivo_equals=1").text


def test_observar_un_expediente_derivado_lo_trae_de_vuelta(base, como):
    """Lunes 11/05/2026: ingresa con GDU-02 y se deriva en el acto a la GDU; Mesa de Partes lo observa desde
    Tramitar. La derivación se retira (queda registrada como «retirada», no se borra), la GDU ya no puede darle
    acuse, no cuenta en su cumplimiento y el expediente vuelve a Mesa de Partes; subsanado el martes 12, sale de
    nuevo a la GDU con los 5 días desde la subsanación (hasta el 19/05)."""
    base.reloj(lima(2026, 5, 11, 9, 30))
    mp = como("mesa_partes")
    exp = ingreso(base, mp, "GDU-02")
    [d] = derivaciones(exp.id)
    assert (d.unidad_destino.sigla, d.estado.value) == ("GDU", "pendiente")
    base.reloj(lima(2026, 5, 11, 11, 0))
    formulario = mp.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    assert "aún sin acuse, se retira (queda registrada) y el expediente vuelve a Mesa de Partes" in formulario
    r = mp.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "observar",
                                                              "observacion": "Falta el plano de ubicación."})
    assert r.status_code == 302
    [d] = derivaciones(exp.id)
    assert (d.estado.value, d.fecha_recepcion) == ("retirado", None) and d.fecha_atencion is not None
    db.session.expire_all()
    exp = db.session.get(Expediente, exp.id)
    assert (exp.estado.value, exp.unidad_actual.sigla) == ("observado", "UTD")
    gdu = como("unidad")
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d.id)]}, follow_redirects=True)
    assert "fue retirada: el expediente se observó en el ingreso" in texto_de(r.text)
    assert derivaciones(exp.id)[0].fecha_recepcion is None
    assert exp.codigo not in gdu.get("/admin/derivacion/?flt0_estado_equals=pendiente").text
    reporte = como("secretaria_general").get("/admin/reporte_cumplimiento/?desde=2026-05-01&hasta=2026-05-31").text
    assert not re.search(r'id="c-GDU-recibidas">\d', reporte)  # la retirada no llegó a la GDU

    base.reloj(lima(2026, 5, 12, 10, 0))
    assert mp.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "subsanar"}).status_code == 302
    retirada, nueva = derivaciones(exp.id)
    assert retirada.estado.value == "retirado"
    assert (nueva.unidad_destino.sigla, nueva.estado.value, nueva.fecha_limite) == ("GDU", "pendiente",
                                                                                   date(2026, 5, 19))
    db.session.expire_all()
    assert db.session.get(Expediente, exp.id).fecha_vencimiento == date(2026, 5, 19)
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(nueva.id)]})
    assert r.status_code == 302 and derivaciones(exp.id)[1].fecha_recepcion is not None
