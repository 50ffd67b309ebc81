"""Reglas del concejo que hacen válido un acuerdo (docs/reglas.md §5; issue 11, puntos 1–4), por HTTP y por script.

Concejo demo: alcalde (orden 0) y 9 regidores → número legal 10. Fechas reales de 2026: 23 de julio y 28–29 de
julio (Fiestas Patrias) son feriados.
"""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
import sqlalchemy as sa

from models import ZONA_LIMA, Acta, Asistencia, SesionConcejo, Voto, db
from services import concejo
from tests.conftest import (
    agregar_punto,
    asistencia,
    crear_sesion,
    descargar,
    miembros,
    operar,
    punto,
    sesion_celebrada,
    votar,
)


def _inhabilitar(sg, miembro):
    """La SG desmarca «Hábil» (suspensión) desde la ficha del miembro."""
    r = sg.post(f"/admin/miembro_concejo/edit/?id={miembro.id}",
                data={"periodo": miembro.periodo_id, "nombre": miembro.nombre, "cargo": "regidor",
                      "orden": miembro.orden, "email": miembro.email or "", "telefono": miembro.telefono or ""})
    assert r.status_code == 302, r.text[:2000]
    assert db.session.get(type(miembro), miembro.id).habil is False


def test_solo_los_habiles_estan_presentes_votan_y_cuentan(como):
    sg = como("secretaria_general")
    ms = miembros()
    _inhabilitar(sg, ms[3])  # regidor suspendido
    s = crear_sesion(sg, "ordinaria", "14/08/2026 10:00", "10/08/2026")
    agregar_punto(sg, s, "Informe de la Gerencia de Desarrollo Urbano")
    operar(sg, s, "citar")
    # marcarlo presente se rechaza con un mensaje claro y nada se guarda
    datos = {f"estado_{ms[i].id}": "presente" for i in (0, 1, 2, 3, 4)}
    operar(sg, s, "asistencia", esperar_error=f"{ms[3].nombre} no está hábil", **datos)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Asistencia)
                             .where(Asistencia.sesion_id == s.id)) == 0
    # se registra con licencia: 9 hábiles → quórum 5; con 5 presentes hábiles hay quórum
    asistencia(sg, s, {0: "presente", 1: "presente", 2: "presente", 3: "licencia", 4: "presente", 5: "presente"})
    s = db.session.get(SesionConcejo, s.id)
    assert (s.miembros_habiles, s.quorum_requerido, s.presentes) == (9, 5, 5)
    operar(sg, s, "instalar")
    # no vota: ni por la pantalla…
    votar(sg, s, punto(s, 1), {1: "favor", 3: "favor"}, esperar_error="Solo votan los miembros hábiles presentes")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voto)) == 0
    # …ni por un script que salte el servicio: la regla está debajo (antes de escribir en la base)
    with pytest.raises(concejo.ErrorConcejo, match="no está hábil"):
        db.session.add(Voto(punto_id=punto(s, 1).id, miembro=db.session.get(type(ms[3]), ms[3].id),
                            sentido="favor"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(concejo.ErrorConcejo, match="no está hábil"):
        a = db.session.scalar(sa.select(Asistencia).where(Asistencia.sesion_id == s.id,
                                                          Asistencia.miembro_id == ms[3].id))
        a.estado = "presente"
        db.session.flush()
    db.session.rollback()


def test_aplazamiento_dos_tercios_de_los_regidores(como):
    """9 regidores → 6 (el alcalde no cuenta): la sesión del viernes 24/07/2026 se posterga al lunes 03/08
    (median 27, 30, 31 y 3; 28–29 feriados)."""
    sg = como("secretaria_general")
    s = crear_sesion(sg, "ordinaria", "24/07/2026 10:00", "20/07/2026")
    operar(sg, s, "postergar", esperar_error="(6 de 9)", nueva_fecha="03/08/2026 10:00", solicitantes="5")
    operar(sg, s, "postergar", nueva_fecha="03/08/2026 10:00", solicitantes="6")
    s = db.session.get(SesionConcejo, s.id)
    assert s.fecha_hora == datetime(2026, 8, 3, 10, tzinfo=ZONA_LIMA)


def test_vacancia_solo_extraordinaria_votan_todos_sin_abstencion(app, como):
    sg = como("secretaria_general")
    ms = miembros()
    # en una ordinaria se rechaza junto al campo «materia», nada guardado
    o = crear_sesion(sg, "ordinaria", "14/08/2026 10:00", "10/08/2026")
    for materia in ("vacancia", "suspension"):
        r = agregar_punto(sg, o, "Vacancia del regidor", materia, "dos_tercios", esperar=200)
        assert "La vacancia o suspensión solo se trata en sesión extraordinaria" in r.text
    assert not db.session.get(SesionConcejo, o.id).puntos
    # extraordinaria del lunes 03/08/2026 convocada el martes 21/07 (median 5 días hábiles)
    s = crear_sesion(sg, "extraordinaria", "03/08/2026 10:00", "21/07/2026")
    agregar_punto(sg, s, "Solicitud de vacancia del regidor por nepotismo", "vacancia", "dos_tercios")
    operar(sg, s, "citar")
    asistencia(sg, s, {i: "presente" for i in range(8)} | {8: "ausente", 9: "ausente"})
    operar(sg, s, "instalar")
    p = punto(s, 1)
    votos = {i: "favor" for i in range(7)} | {7: "contra"}
    # todos los presentes votan, el alcalde incluido
    votar(sg, s, p, {k: v for k, v in votos.items() if k != 0}, esperar_error=f"falta el voto de: {ms[0].nombre}")
    # sin abstención (aun fundamentada)
    votar(sg, s, p, votos | {7: "abstencion"}, {7: "No tengo elementos"},
          esperar_error="en la vacancia o suspensión no cabe la abstención")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Voto)) == 0
    # 6 regidores + el alcalde = 7 = ceil(2 × 10 / 3): aprobada (sin el voto del alcalde serían 6)
    votar(sg, s, p, votos)
    p = punto(s, 1)
    assert (p.votos_favor, p.votos_contra, p.resultado.value) == (7, 1, "aprobado")
    # configurable: un RIC que no exige la sesión extraordinaria
    app.config["VACANCIA_SOLO_EXTRAORDINARIA"] = False
    agregar_punto(sg, o, "Suspensión del regidor", "suspension", "dos_tercios")


def test_alerta_de_vacancia_solo_con_citacion_debida(como):
    """3 ordinarias de setiembre de 2026 a las que el regidor 8 falta: sin cargo de una citación no hay causal."""
    fechas = [datetime(2026, 9, d, 10, tzinfo=ZONA_LIMA) for d in (3, 10, 17)]
    todos = {i: "presente" for i in range(8)}
    for i, cuando in enumerate(fechas):
        # a la del 10/09 no se lo citó con cargo
        sesion_celebrada("ordinaria", cuando, todos | {8: "ausente"},
                          citados=list(range(8)) if i == 1 else list(range(9)))
    db.session.commit()
    ms = miembros()
    sg = como("secretaria_general")
    r = sg.get("/admin/reporte_concejo/?anio=2026")
    assert r.status_code == 200 and "Causal de vacancia" not in r.text
    assert concejo.alertas_vacancia() == []
    # faltas debidamente citadas el 17/09, 24/09 y 01/10: tres consecutivas → causal
    sesion_celebrada("ordinaria", datetime(2026, 9, 24, 10, tzinfo=ZONA_LIMA), todos | {8: "ausente"})
    db.session.commit()
    assert concejo.alertas_vacancia() == []
    sesion_celebrada("ordinaria", datetime(2026, 10, 1, 10, tzinfo=ZONA_LIMA), todos | {8: "ausente"})
    db.session.commit()
    r = sg.get("/admin/reporte_concejo/?anio=2026")
    assert f"{ms[8].nombre}: 3 inasistencias injustificadas consecutivas desde el 17/09/2026" in r.text


def test_dietas_ley_32269_valor_por_sesion_del_mes(app, como):
    """Marzo de 2026: 2 ordinarias celebradas (05/03 y 19/03). El valor de la sesión es 30 % de S/ 10 000 ÷ 2 =
    S/ 1 500: quien asiste a las dos cobra el 30 % (S/ 3 000); quien asiste a una, el 15 % (S/ 1 500)."""
    app.config.update(REMUNERACION_ALCALDE=10000)
    todos = {i: "presente" for i in range(8)}
    sesion_celebrada("ordinaria", datetime(2026, 3, 5, 10, tzinfo=ZONA_LIMA), todos | {8: "presente"})
    sesion_celebrada("ordinaria", datetime(2026, 3, 19, 10, tzinfo=ZONA_LIMA), todos | {8: "ausente"})
    db.session.commit()
    ms = miembros()
    sg = como("secretaria_general")
    r = sg.get("/admin/reporte_concejo/?anio=2026")
    assert "Base de cálculo: 30 % de la remuneración mensual del alcalde (S/ 10,000.00) entre las sesiones " \
           "celebradas en el mes (como máximo 4)" in r.text
    libro = openpyxl.load_workbook(io.BytesIO(descargar(sg, "/admin/reporte_concejo/xlsx/asistencia/?anio=2026")))
    hoja = libro.worksheets[0]
    cab = [c.value for c in hoja[1]]
    filas = {f[1]: dict(zip(cab, f, strict=True)) for f in hoja.iter_rows(min_row=2, values_only=True)
             if f[0] == datetime(2026, 3, 1)}  # el mes: una fecha de Excel («marzo 2026»)
    assert (filas[ms[1].nombre]["Valor por sesión (S/)"], filas[ms[1].nombre]["Monto (S/)"]) == (1500, 3000)
    assert (filas[ms[8].nombre]["Dietas pagables"], filas[ms[8].nombre]["Monto (S/)"]) == (1, 1500)
    filtros = [tuple(f) for f in libro["Filtros"].iter_rows(values_only=True)]
    assert any("Base de cálculo" in str(f) and "30 % de la remuneración" in str(f) for f in filtros), filtros
    # monto fijo por sesión fijado por acuerdo de concejo (configurable)
    app.config.update(DIETA_MODO="monto_fijo", DIETA_MONTO_SESION=400)
    libro = openpyxl.load_workbook(io.BytesIO(descargar(sg, "/admin/reporte_concejo/xlsx/asistencia/?anio=2026")))
    filas = {f[1]: f for f in libro.worksheets[0].iter_rows(min_row=2, values_only=True)
             if f[0] == datetime(2026, 3, 1)}
    assert filas[ms[1].nombre][-2:] == (400, 800) and filas[ms[8].nombre][-2:] == (400, 400)
    assert "Monto fijo por sesión fijado por acuerdo de concejo: S/ 400.00" in sg.get(
        "/admin/reporte_concejo/?anio=2026").text


def test_dispensa_de_la_aprobacion_del_acta(como, reloj):
    """Ordinaria del 14/08/2026: el concejo vota la dispensa de la lectura y aprobación del acta; el acta se aprueba
    en la misma sesión. Sin la dispensa votada, solo en una posterior."""
    reloj(datetime(2026, 8, 14, 18, tzinfo=ZONA_LIMA))  # conducida al día: el acuerdo se numera con su fecha
    sg = como("secretaria_general")
    s = crear_sesion(sg, "ordinaria", "14/08/2026 10:00", "10/08/2026")
    agregar_punto(sg, s, "Acuerdo que aprueba el convenio con la UGEL", "acuerdo")
    agregar_punto(sg, s, "Dispensa de la lectura y aprobación del acta", "dispensa_acta")
    operar(sg, s, "citar")
    asistencia(sg, s, {i: "presente" for i in range(8)})
    operar(sg, s, "instalar")
    votar(sg, s, punto(s, 1), {i: "favor" for i in range(1, 8)})
    operar(sg, s, "acta")
    acta = db.session.scalar(sa.select(Acta).where(Acta.sesion_id == s.id))
    # sin dispensa votada: la misma sesión no se ofrece ni se acepta
    assert "(la misma: dispensa votada)" not in sg.get(f"/admin/acta/aprobar/?id={acta.id}").text
    r = sg.post(f"/admin/acta/aprobar/?id={acta.id}", data={"sesion": s.id}, follow_redirects=True)
    assert "Elija la sesión" in r.text and db.session.get(Acta, acta.id).estado.value == "borrador"
    with pytest.raises(concejo.ErrorConcejo, match="o en la misma si el concejo votó la dispensa"):
        concejo.aprobar_acta(db.session.get(Acta, acta.id), db.session.get(SesionConcejo, s.id))
    db.session.rollback()
    # votada la dispensa (voto explícito), se aprueba en la misma sesión y queda inmutable
    votar(sg, s, punto(s, 2), {i: "favor" for i in range(1, 8)})
    assert "(la misma: dispensa votada)" in sg.get(f"/admin/acta/aprobar/?id={acta.id}").text
    assert sg.post(f"/admin/acta/aprobar/?id={acta.id}", data={"sesion": s.id}).status_code == 302
    acta = db.session.get(Acta, acta.id)
    assert (acta.estado.value, acta.aprobada_en_id, acta.con_dispensa) == ("aprobada", s.id, True)
    assert "con dispensa" in sg.get(f"/admin/acta/aprobar/?id={acta.id}").text
    # en la base: aprobada en la misma sesión sin dispensa, no
    otra = sesion_celebrada("ordinaria", datetime(2026, 8, 21, 10, tzinfo=ZONA_LIMA), {})
    db.session.flush()
    db.session.add(Acta(sesion=otra, contenido="x"))
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Acta).where(Acta.sesion_id == otra.id)
                           .values(estado="aprobada", aprobada_en_id=otra.id))
    db.session.rollback()


# ------------------------------------------------------------------ issue 21, puntos 6 y 7
def test_aplazamiento_votado_como_punto_cuenta_dos_tercios_de_los_regidores(como):
    """9 regidores: la «postergación» votada como punto de agenda se aprueba con 6 votos a favor (2/3 de los
    regidores, LOM art. 13, como `postergar`), no con 7 (2/3 del número legal, 10); 5 no alcanzan. Las demás
    materias de dos tercios siguen contándose sobre el número legal (bienes municipales: 6 no alcanzan)."""
    sg = como("secretaria_general")
    s = crear_sesion(sg, "ordinaria", "14/08/2026 10:00", "10/08/2026")
    agregar_punto(sg, s, "Postergación de la sesión al miércoles 19/08/2026", "postergacion", "dos_tercios")
    agregar_punto(sg, s, "Postergación de la sesión (otra moción)", "postergacion", "dos_tercios")
    agregar_punto(sg, s, "Donación del terreno del ex camal", "bienes_municipales", "dos_tercios")
    operar(sg, s, "citar")
    asistencia(sg, s, {i: "presente" for i in range(10)})
    operar(sg, s, "instalar")
    seis = {i: "favor" for i in range(1, 7)} | {i: "contra" for i in range(7, 10)}
    votar(sg, s, punto(s, 1), seis)
    p = punto(s, 1)
    assert (p.votos_favor, p.votos_contra, p.base_de_la_mayoria, p.resultado.value) == (6, 3, 9, "aprobado")
    votar(sg, s, punto(s, 2), {i: "favor" for i in range(1, 6)} | {i: "contra" for i in range(6, 10)})
    assert (punto(s, 2).votos_favor, punto(s, 2).resultado.value) == (5, "desaprobado")
    votar(sg, s, punto(s, 3), seis)
    p = punto(s, 3)
    assert (p.votos_favor, p.base_de_la_mayoria, p.resultado.value) == (6, 10, "desaprobado")


def test_extraordinaria_trata_solo_la_agenda_de_su_convocatoria(como, reloj):
    """Extraordinaria del martes 15/09/2026 convocada el lunes 07/09 (median 8, 9, 10, 11 y 14: 5 días hábiles).
    El viernes 11/09 no se le agrega un punto ni se cambia el convocado, por la pantalla ni por un script: para otro
    asunto se convoca otra extraordinaria con su propio lapso. Una ordinaria convocada sí recibe puntos hasta
    instalarse."""
    from datetime import date

    from models import PuntoAgenda
    from tests.conftest import lima, texto_de

    sg = como("secretaria_general")
    reloj(lima(2026, 9, 7, 9, 0))
    s = crear_sesion(sg, "extraordinaria", "15/09/2026 10:00")
    agregar_punto(sg, s, "Declaratoria de emergencia vial")
    operar(sg, s, "citar")
    s = db.session.get(SesionConcejo, s.id)
    assert (s.estado.value, s.fecha_convocatoria) == ("convocada", date(2026, 9, 7))
    assert concejo.dias_que_median(s.fecha_convocatoria, s) == 5

    reloj(lima(2026, 9, 11, 9, 0))
    mensaje = (f"La {s.codigo} ya fue convocada el 07/09/2026: una sesión extraordinaria trata solo la agenda de "
               "su convocatoria (LOM art. 13). Para tratar este asunto convoque otra sesión extraordinaria, con al "
               "menos 5 días hábiles de anticipación.")
    r = agregar_punto(sg, s, "Pedido de información sobre el mercado", esperar=200)
    assert mensaje in texto_de(r.text) and 'value="Pedido de información sobre el mercado"' in r.text
    r = sg.post(f"/admin/punto_agenda/edit/?id={punto(s, 1).id}",
                data={"orden": 1, "seccion": "orden_del_dia", "titulo": "Emergencia vial y mercado",
                      "materia": "general", "mayoria_requerida": "simple"})
    assert r.status_code == 200 and mensaje in texto_de(r.text)
    with pytest.raises(concejo.ErrorConcejo, match="trata solo la agenda de su convocatoria"):
        db.session.add(PuntoAgenda(sesion_id=s.id, orden=2, titulo="Agregado por script", materia="general"))
        db.session.flush()
    db.session.rollback()
    assert [p.titulo for p in db.session.get(SesionConcejo, s.id).puntos] == ["Declaratoria de emergencia vial"]

    o = crear_sesion(sg, "ordinaria", "18/09/2026 10:00")
    agregar_punto(sg, o, "Informe de la Gerencia de Desarrollo Urbano")
    operar(sg, o, "citar")
    agregar_punto(sg, o, "Pedido de información sobre el mercado")
