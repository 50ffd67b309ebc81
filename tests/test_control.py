"""Control de plazos y estadísticas (issue 16), por HTTP: cumplimiento por unidad, enlaces a los listados, Excel con
gráficos, Informe al Gerente, flujo documentario y supervisión de Mesa de Partes.

Datos armados con respuestas conocidas en fechas reales de 2026: Semana Santa (jueves 2 y viernes 3 de abril),
Fiestas Patrias (28 y 29 de julio) y fin de año (1 de enero de 2027). Cada cifra se compara además con un conteo
independiente: las derivaciones leídas de la base y clasificadas en Python, con los días hábiles del oráculo de
tests/test_calendario.py (numpy + paquete `holidays`).
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa

import models
from models import ZONA_LIMA, Derivacion, Expediente, ProcedimientoTupa, UnidadOrganica, db
from services import tramite
from tests.conftest import lima, oraculo_entre, oraculo_sumar, texto_de, unidad, usuario_de

HOY = datetime(2027, 1, 4, 10, 0, tzinfo=ZONA_LIMA)  # lunes: el 1 de enero fue feriado
PERIODO = "desde=2026-01-01&hasta=2026-12-31"
CUMPLIMIENTO = "/admin/reporte_cumplimiento/"


@pytest.fixture
def escenario(base, reloj, crear_expediente):
    """Derivaciones a GAT (y una a GDU) con resultado conocido al lunes 04/01/2027:

    A  mié 01/04 → GAT, 3 días: límite lun 06… mié 08/04 (Semana Santa); recibida el mismo día; derivada el 08/04
       a las 16:00 → a tiempo, 3 días hábiles. La derivación siguiente (GDU, 5 días) queda pendiente → vencida.
    B  vie 24/07 → GAT, 2 días: límite jue 30/07 (28 y 29 feriados); acuse el lunes 27 (1 día); atendida el 31/07
       → con retraso, 3 días hábiles.
    C  mié 30/12 → GAT, 3 días: límite mar 05/01/2027 (1 de enero feriado) → pendiente en plazo; sin acuse.
    D  lun 02/11 → GAT, 3 días: límite jue 05/11; recibida ese día → pendiente vencida.
    E  mar 01/09, procedimiento con silencio positivo, → GAT: el plazo de la derivación se recorta al del
       expediente, que venció → pendiente vencida y expediente aprobado por silencio positivo.
    """
    gat, gdu, sg = unidad("GAT"), unidad("GDU"), usuario_de("secretaria_general")
    receptor = usuario_de("unidad")
    casos = {}

    def nuevo(momento, **campos):
        reloj(momento)
        exp = crear_expediente("UTD", **campos)
        return exp

    def derivar(exp, momento, destino, plazo):
        reloj(momento)
        d = tramite.derivar(exp, destino, "atender", "Para su atención.", plazo, sg)
        db.session.commit()
        return d

    def recibir(d, momento):
        reloj(momento)
        tramite.recibir(d, receptor)
        db.session.commit()

    a = nuevo(lima(2026, 4, 1, 9, 0), asunto="Caso A")
    casos["A"] = derivar(a, lima(2026, 4, 1, 10, 0), gat, 3)
    recibir(casos["A"], lima(2026, 4, 1, 11, 0))
    casos["A-GDU"] = derivar(a, lima(2026, 4, 8, 16, 0), gdu, 5)

    b = nuevo(lima(2026, 7, 24, 9, 0), asunto="Caso B")
    casos["B"] = derivar(b, lima(2026, 7, 24, 9, 30), gat, 2)
    recibir(casos["B"], lima(2026, 7, 27, 8, 30))
    reloj(lima(2026, 7, 31, 12, 0))
    tramite.atender(b, receptor)
    db.session.commit()

    c = nuevo(lima(2026, 12, 30, 9, 0), asunto="Caso C")
    casos["C"] = derivar(c, lima(2026, 12, 30, 15, 0), gat, 3)

    d = nuevo(lima(2026, 11, 2, 9, 0), asunto="Caso D con <etiquetas> & símbolos")
    casos["D"] = derivar(d, lima(2026, 11, 2, 9, 30), gat, 3)
    recibir(casos["D"], lima(2026, 11, 2, 17, 0))

    proc = db.session.scalar(sa.select(ProcedimientoTupa).where(
        ProcedimientoTupa.silencio == "positivo", ProcedimientoTupa.plazo_dias_habiles.between(5, 30))
        .order_by(ProcedimientoTupa.id).limit(1))
    e = nuevo(lima(2026, 9, 1, 9, 0), asunto="Caso E", procedimiento=proc)
    casos["E"] = derivar(e, lima(2026, 9, 1, 10, 0), gat, 30)
    reloj(HOY)
    casos["proc"] = proc.codigo
    return casos


def oraculo(desde: date, hasta: date, hoy: date, procedimiento: str | None = None) -> dict[str, dict]:
    """Conteo independiente: cada derivación enviada en el período, clasificada en Python."""
    q = sa.select(UnidadOrganica.sigla, Derivacion.fecha_envio, Derivacion.fecha_limite, Derivacion.fecha_atencion,
                  Derivacion.fecha_recepcion).join(UnidadOrganica, UnidadOrganica.id == Derivacion.unidad_destino_id)
    if procedimiento:
        q = q.join(Expediente, Expediente.id == Derivacion.expediente_id).join(
            ProcedimientoTupa, ProcedimientoTupa.id == Expediente.procedimiento_id).where(
            ProcedimientoTupa.codigo == procedimiento)
    salida: dict[str, dict] = {}
    for sigla, envio, limite, atencion, acuse in db.session.execute(q):
        envio_d = envio.astimezone(ZONA_LIMA).date()
        if not desde <= envio_d <= hasta:
            continue
        u = salida.setdefault(sigla, {"recibidas": 0, "a_tiempo": 0, "con_retraso": 0, "pendiente_en_plazo": 0,
                                      "pendiente_vencida": 0, "dias": [], "acuse": []})
        u["recibidas"] += 1
        if atencion is not None:
            atendida = atencion.astimezone(ZONA_LIMA).date()
            u["a_tiempo" if limite is None or atendida <= limite else "con_retraso"] += 1
            u["dias"].append(oraculo_entre(envio_d, atendida))
        else:
            u["pendiente_en_plazo" if limite is None or limite >= hoy else "pendiente_vencida"] += 1
        if acuse is not None:
            u["acuse"].append(oraculo_entre(envio_d, acuse.astimezone(ZONA_LIMA).date()))
    return salida


def libro(respuesta) -> openpyxl.Workbook:
    """El libro de una descarga (la respuesta se cierra: su archivo temporal también)."""
    assert respuesta.status_code == 200, respuesta.text[:500]
    datos = respuesta.data
    respuesta.close()
    return openpyxl.load_workbook(io.BytesIO(datos))


def estado(nav, url: str) -> int:
    r = nav.get(url)
    r.close()
    return r.status_code


def enlace(pagina: str, ident: str) -> str:
    m = re.search(rf'<a href="([^"]+)"[^>]*id="{ident}"', pagina)
    assert m, f"sin enlace {ident}"
    return html.unescape(m.group(1))


def filas_excel(nav, url_listado: str) -> int:
    """Filas del Excel del listado al que lleva el enlace (mismos filtros)."""
    ruta, _, consulta = url_listado.partition("?")
    return libro(nav.get(f"{ruta}export/xlsx/?{consulta}")).worksheets[0].max_row - 1


def test_plazos_del_escenario_segun_el_oraculo(escenario):
    """Las fechas límite que da el sistema son las del oráculo (Semana Santa, Fiestas Patrias, año nuevo)."""
    assert escenario["A"].fecha_limite == oraculo_sumar(date(2026, 4, 1), 3) == date(2026, 4, 8)
    assert escenario["B"].fecha_limite == oraculo_sumar(date(2026, 7, 24), 2) == date(2026, 7, 30)
    assert escenario["C"].fecha_limite == oraculo_sumar(date(2026, 12, 30), 3) == date(2027, 1, 5)
    assert escenario["D"].fecha_limite == date(2026, 11, 5)


def test_cumplimiento_por_unidad_cifras_enlaces_y_excel(escenario, como):
    sg = como("secretaria_general")
    r = sg.get(f"{CUMPLIMIENTO}?{PERIODO}")
    assert r.status_code == 200, r.text[:2000]
    pagina = r.text
    # GAT: respuestas conocidas
    conocido = {"recibidas": 5, "a_tiempo": 1, "con_retraso": 1, "pendiente_en_plazo": 1, "pendiente_vencida": 2,
                "silencio_positivo": 1}
    for clave, n in conocido.items():
        assert re.search(rf'id="c-GAT-{clave}">{n}<', pagina), (clave, n)
    assert 'id="c-GAT-pct_a_tiempo">25,0<' in pagina  # 1 ÷ (2 atendidas + 2 vencidas); coma decimal
    assert 'id="c-GAT-promedio_dias">3,0<' in pagina and 'id="c-GAT-p90_dias">3<' in pagina
    assert 'id="c-GAT-demora_acuse">0,3<' in pagina  # acuses: 0, 1 y 0 días hábiles
    assert re.search(r'id="c-GDU-pendiente_vencida">1<', pagina)

    # cada cifra de cada unidad = el conteo independiente; y su enlace lleva a un listado con esas filas
    esperado = oraculo(date(2026, 1, 1), date(2026, 12, 31), HOY.date())
    assert esperado["GAT"]["dias"] == [3, 3] and sorted(esperado["GAT"]["acuse"]) == [0, 0, 1]
    for sigla, u in esperado.items():
        for clave in ("recibidas", "a_tiempo", "con_retraso", "pendiente_en_plazo", "pendiente_vencida"):
            if u[clave]:
                url = enlace(pagina, f"c-{sigla}-{clave}")
                assert re.search(rf'id="c-{sigla}-{clave}">{u[clave]}<', pagina)
                assert filas_excel(sg, url) == u[clave], (sigla, clave)
                assert sg.get(url).status_code == 200
            else:
                assert f'<span id="c-{sigla}-{clave}">0<' in pagina
    silencio = enlace(pagina, "c-GAT-silencio_positivo")
    assert filas_excel(sg, silencio) == 1 == db.session.scalar(sa.select(sa.func.count()).select_from(Expediente).where(
        Expediente.aprobado_por_silencio, Expediente.unidad_actual_id == unidad("GAT").id))

    # Excel del reporte: portada, tabla con cada cifra, gráficos nativos
    wb = libro(sg.get(f"{CUMPLIMIENTO}xlsx/?{PERIODO}"))
    assert wb.sheetnames == ["Portada", "Cumplimiento", "Ranking"]
    portada = {f[0]: f[1] for f in wb["Portada"].iter_rows(min_row=3, values_only=True) if f[0]}
    assert portada["Período"] == "del 01/01/2026 al 31/12/2026" and portada["Unidad"] == "Todas"
    assert "secretaria_general" in portada["Generado por"] and isinstance(portada["Generado el"], datetime)
    assert portada["Derivaciones recibidas"] == sum(u["recibidas"] for u in esperado.values())
    hoja = wb["Cumplimiento"]
    cabecera = [c.value for c in hoja[1]]
    filas = {f[1]: dict(zip(cabecera, f, strict=True)) for f in hoja.iter_rows(min_row=2, values_only=True)}
    assert set(filas) == set(esperado)
    for sigla, u in esperado.items():
        f = filas[sigla]
        assert (f["Derivaciones recibidas"], f["Atendidas a tiempo"], f["Atendidas con retraso"],
                f["Pendientes en plazo"], f["Pendientes vencidas"]) == (
            u["recibidas"], u["a_tiempo"], u["con_retraso"], u["pendiente_en_plazo"], u["pendiente_vencida"])
    assert filas["GAT"]["% a tiempo"] == 25.0 and filas["GAT"]["Aprobados por silencio positivo"] == 1
    assert filas["GAT"]["p90 días hábiles"] == 3 and filas["GAT"]["Promedio días hábiles"] == 3.0
    assert all(len(wb[s]._charts) == 1 for s in ("Cumplimiento", "Ranking"))
    # ranking: GAT (25 %) antes que GDU (0 %)
    assert filas["GAT"]["Puesto"] < filas["GDU"]["Puesto"]


def test_filtro_por_procedimiento_y_periodo(escenario, como):
    sg = como("secretaria_general")
    r = sg.get(f"{CUMPLIMIENTO}?{PERIODO}&procedimiento={escenario['proc']}")
    assert re.search(r'id="c-GAT-recibidas">1<', r.text) and re.search(r'id="c-GAT-pendiente_vencida">1<', r.text)
    assert filas_excel(sg, enlace(r.text, "c-GAT-pendiente_vencida")) == 1
    assert oraculo(date(2026, 1, 1), date(2026, 12, 31), HOY.date(), escenario["proc"])["GAT"]["recibidas"] == 1
    # solo Semana Santa: el caso A y su pase a GDU
    r = sg.get(f"{CUMPLIMIENTO}?desde=2026-03-30&hasta=2026-04-10")
    assert re.search(r'id="c-GAT-recibidas">1<', r.text) and re.search(r'id="c-GAT-a_tiempo">1<', r.text)
    assert re.search(r'id="c-GDU-recibidas">1<', r.text) and "c-GAT-pendiente_vencida" in r.text
    assert filas_excel(sg, enlace(r.text, "c-GAT-a_tiempo")) == 1


def test_entrada_invalida_mensaje_junto_al_campo(escenario, como):
    sg = como("secretaria_general")
    r = sg.get(f"{CUMPLIMIENTO}?desde=2026-13-45&hasta=2026-12-31&unidad=NOEXISTE&procedimiento=XX-99")
    assert r.status_code == 200
    t = texto_de(r.text)
    assert "Indique una fecha válida" in t and "No hay una unidad orgánica con esa sigla" in t
    assert "No hay un procedimiento TUPA con ese código" in t
    assert 'value="2026-13-45"' in r.text  # lo que escribió se conserva
    r = sg.get(f"{CUMPLIMIENTO}?desde=2026-12-31&hasta=2026-01-01")
    assert r.status_code == 200 and "La fecha final no puede ser anterior a la inicial" in texto_de(r.text)
    for url in ("/admin/reporte_mesa/?desde=x&hasta=y", f"{CUMPLIMIENTO}xlsx/?desde=zz",
                f"{CUMPLIMIENTO}informe/?hasta=2026-02-30"):
        assert estado(sg, url) == 200, url
    # el año, como en toda pantalla (admin_views/entradas.py): fuera de rango → 400, sin consulta
    assert estado(sg, "/admin/reporte_flujo/?anio=99999") == 400 == estado(sg, "/admin/reporte_flujo/?anio=abc")


def test_alcance_y_permisos(escenario, como):
    """Una unidad ve solo su cumplimiento (aunque pida otra); SG y auditor ven todas; sin permiso → 403."""
    u = como("unidad")  # GDU
    r = u.get(f"{CUMPLIMIENTO}?{PERIODO}&unidad=GAT")
    assert r.status_code == 200
    assert "c-GDU-recibidas" in r.text and "c-GAT-recibidas" not in r.text
    assert filas_excel(u, enlace(r.text, "c-GDU-pendiente_vencida")) == 1
    wb = libro(u.get(f"{CUMPLIMIENTO}xlsx/?{PERIODO}&unidad=GAT"))
    assert [f[1] for f in wb["Cumplimiento"].iter_rows(min_row=2, values_only=True)] == ["GDU"]
    auditor = como("auditor")
    r = auditor.get(f"{CUMPLIMIENTO}?{PERIODO}")
    assert "c-GAT-recibidas" in r.text and "c-GDU-recibidas" in r.text
    assert estado(auditor, f"{CUMPLIMIENTO}xlsx/?{PERIODO}") == 200
    for ruta in (CUMPLIMIENTO, "/admin/reporte_flujo/", "/admin/reporte_mesa/", f"{CUMPLIMIENTO}xlsx/",
                 f"{CUMPLIMIENTO}informe/"):
        assert estado(como("concejo"), ruta) == 403, ruta
    for ruta in ("/admin/reporte_flujo/", "/admin/reporte_mesa/"):
        assert u.get(ruta).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(models.RegistroAuditoria).where(
        models.RegistroAuditoria.entidad == "reporte_cumplimiento", models.RegistroAuditoria.accion == "exportar")) == 2


def test_informe_al_gerente_en_word(escenario, como):
    from docx import Document

    r = como("secretaria_general").get(f"{CUMPLIMIENTO}informe/?{PERIODO}")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.data))
    r.close()
    cuerpo = "\n".join(p.text for p in doc.paragraphs)
    tabla = doc.tables[0]
    filas = {f.cells[1].text: [c.text for c in f.cells] for f in tabla.rows[1:]}
    assert filas["GAT"][2:8] == ["5", "1", "1", "1", "2", "25,0 %"]
    assert "Medidas correctivas" in cuerpo and "del 01/01/2026 al 31/12/2026" in cuerpo
    # las unidades más atrasadas con sus expedientes vencidos (el asunto con «<>&» se ve tal cual)
    assert "GAT – " in cuerpo and "Caso D con <etiquetas> & símbolos" in cuerpo
    d = escenario["D"]
    atraso = oraculo_entre(d.fecha_limite, HOY.date())
    assert f"{d.expediente.codigo} – Caso D con <etiquetas> & símbolos (límite 05/11/2026; {atraso} días" in cuerpo


def test_flujo_documentario_anio_contra_anio(escenario, como):
    sg = como("secretaria_general")
    r = sg.get("/admin/reporte_flujo/?anio=2026")
    assert r.status_code == 200
    for mes in range(1, 13):
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente).where(
            Expediente.fecha_presentacion >= date(2026, mes, 1),
            Expediente.fecha_presentacion < (date(2026, mes + 1, 1) if mes < 12 else date(2027, 1, 1)),
            Expediente.estado != "anulado"))
        assert f'id="s-ingreso-{mes}">{n}<' in r.text, mes
    assert 'id="s-ingreso-4">1<' in r.text and 'id="s-ingreso-12">1<' in r.text  # casos A y C
    wb = libro(sg.get("/admin/reporte_flujo/xlsx/?anio=2026"))
    assert wb.sheetnames[:4] == ["Portada", "Expedientes ingresados", "Documentos emitidos",
                                 "Solicitudes de acceso a la info"[:31]]
    ingreso = {f[0]: f[1:] for f in wb["Expedientes ingresados"].iter_rows(min_row=2, values_only=True)}
    assert ingreso["Abril"] == (1, 0) and ingreso["Julio"] == (1, 0) and sum(v[0] for v in ingreso.values()) == 5
    assert all(len(wb[s]._charts) == 1 for s in wb.sheetnames[1:] if wb[s].max_row > 1)
    # los cuadros del ingreso, contra un conteo SQL por valor
    del_anio = (Expediente.fecha_presentacion.between(date(2026, 1, 1), date(2026, 12, 31)),
                Expediente.estado != "anulado")
    for hoja, columna, enum in (("Ingreso por canal", Expediente.canal, models.Canal),
                                ("Ingreso por origen", Expediente.origen, models.Origen)):
        cuadro = {f[0]: f[1] for f in wb[hoja].iter_rows(min_row=2, values_only=True)}
        sql = {m.etiqueta: db.session.scalar(sa.select(sa.func.count()).select_from(Expediente).where(
            *del_anio, columna == m)) for m in enum}
        assert cuadro == {k: v for k, v in sql.items() if v}, hoja


def test_serie_mensual_registrada_por_otro_modulo(escenario, como):
    """Otro módulo agrega su serie con una línea y aparece en la pantalla y en el Excel."""
    from services import control

    serie = control.SerieMensual("derivaciones", "Derivaciones enviadas", Derivacion.fecha_envio, momento=True)
    control.registrar_serie(serie)
    try:
        r = como("secretaria_general").get("/admin/reporte_flujo/?anio=2026")
        # la derivación del caso C salió el 30/12 a las 15:00 de Lima (20:00 UTC): cuenta en diciembre
        assert 'id="s-derivaciones-12">1<' in r.text and 'id="s-derivaciones-4">2<' in r.text
    finally:
        control.SERIES_MENSUALES.remove(serie)


def test_supervision_de_mesa_de_partes(base, reloj, crear_expediente, como):
    """Marzo–abril de 2026: un presencial derivado el mismo día, uno digital del miércoles santo a las 20:00
    derivado el lunes 6 (1 día hábil: jueves y viernes santos), un observado y otro que quedó no presentado."""
    mesa = usuario_de("mesa_partes")
    gat = unidad("GAT")

    def ingreso(momento, **campos):
        reloj(momento)
        exp = crear_expediente("UTD", **campos)
        exp.creado_por_id = mesa.id if exp.canal.value == "presencial" else None
        db.session.commit()
        return exp

    p = ingreso(lima(2026, 3, 31, 9, 15))
    tramite.derivar(p, gat, "atender", "x", None, mesa)
    db.session.commit()
    dig = ingreso(lima(2026, 4, 1, 20, 0), canal="digital")
    reloj(lima(2026, 4, 6, 8, 0))
    tramite.derivar(dig, gat, "atender", "x", None, mesa)
    db.session.commit()
    primera = p.fecha_primera_derivacion
    assert primera == p.derivaciones[0].fecha_envio and dig.fecha_primera_derivacion == dig.derivaciones[0].fecha_envio
    tramite.derivar(p, unidad("GDU"), "atender", "x", None, mesa)  # la segunda no cambia la primera
    db.session.commit()
    assert p.fecha_primera_derivacion == primera and len(p.derivaciones) == 2
    for hora in (10, 11):
        obs = ingreso(lima(2026, 3, 31, hora, 30))
        tramite.observar_en_ingreso(obs, "Falta la copia del DNI")
        db.session.commit()
    reloj(lima(2026, 4, 7, 9, 0))  # la subsanación venció el 06/04 (2 días hábiles tras Semana Santa)
    assert tramite.vencer_observaciones() == 2
    db.session.commit()
    sin = ingreso(lima(2026, 4, 8, 12, 0))  # una carga de ventanilla sin operador registrado (no es digital)
    sin.creado_por_id = None
    db.session.commit()
    reloj(lima(2026, 4, 10, 9, 0))
    r = como("mesa_partes").get("/admin/reporte_mesa/?desde=2026-03-01&hasta=2026-04-30")
    assert r.status_code == 200
    for clave, n in (("total", 5), ("presencial", 4), ("digital", 1), ("observados", 2), ("no_presentados", 2)):
        assert re.search(rf'id="m-{clave}">{n}<', r.text), clave
    assert 'id="t-mismo_dia">1<' in r.text and 'id="t-un_dia">1<' in r.text and 'id="t-promedio">0,5<' in r.text
    assert oraculo_entre(date(2026, 4, 1), date(2026, 4, 6)) == 1
    nav = como("mesa_partes")
    assert filas_excel(nav, enlace(r.text, "m-no_presentados")) == 2
    assert filas_excel(nav, enlace(r.text, "m-digital")) == 1
    wb = libro(nav.get("/admin/reporte_mesa/xlsx/?desde=2026-03-01&hasta=2026-04-30"))
    horas = {f[0]: f[1:] for f in wb["Por hora"].iter_rows(min_row=2, values_only=True)}
    assert horas["09:00"] == (1, 0) and horas["10:00"] == (1, 0) and horas["20:00"] == (0, 1)
    personas = {f[0]: f[1:] for f in wb["Por persona"].iter_rows(min_row=2, values_only=True)}
    assert personas == {mesa.nombre: (3, 2), "Mesa de Partes Digital": (1, 0), "Sin operador registrado": (1, 0)}
    assert all(len(wb[s]._charts) == 1 for s in ("Por persona", "Por hora", "Primera derivación"))


def test_alertas_sin_correo_resumen_y_auditoria(escenario, runner):
    """Al lunes 04/01/2027, con 2 días hábiles de aviso (hasta el miércoles 6): GAT tiene vencidos los
    expedientes D y E y sus derivaciones; vence el martes 5 la derivación C (1 de enero, feriado)."""
    r = runner.invoke(args=["alertas"])
    assert r.exit_code == 0, r.output
    bloque = r.output.split("GAT – ")[1].split("\n\n")[0]
    assert "4 vencidos, 1 por vencer (al 04/01/2027)" in bloque
    c = escenario["C"].expediente.codigo
    assert f"[Derivaciones por atender] {c} – Caso C (vence el 05/01/2027)" in r.output
    assert f"[Derivaciones por atender] {escenario['D'].expediente.codigo}" in r.output
    assert "correos enviados: 0" in r.output
    filas = db.session.scalars(sa.select(models.RegistroAuditoria).where(
        models.RegistroAuditoria.entidad == "alertas")).all()
    gat = [f for f in filas if f.entidad_id == unidad("GAT").id]
    assert len(gat) == 1 and "(sin correo): 4 vencidos, 1 por vencer" in gat[0].detalle


def test_alertas_con_correo_una_vez_al_dia(escenario, runner, app, correos):
    gdu = unidad("GDU")
    jefe = usuario_de("unidad")
    jefe.email = "jefe.gdu@muni.gob.pe"
    gdu.responsable = jefe.nombre
    db.session.commit()
    app.config["MAIL_SERVER"] = "smtp.muni.gob.pe"
    r = runner.invoke(args=["alertas"])
    assert r.exit_code == 0, r.output
    enviados = [c["msg"] for c in correos if "msg" in c]
    assert [m["To"] for m in enviados] == ["jefe.gdu@muni.gob.pe"]
    assert "GDU" in enviados[0]["Subject"] and escenario["A"].expediente.codigo in enviados[0].get_content()
    assert "GAT: ningún usuario activo de la unidad tiene correo" in r.output
    assert "correos enviados: 1" in r.output
    # el mismo día no se repite
    r = runner.invoke(args=["alertas"])
    assert len([c for c in correos if "msg" in c]) == 1 and "ya se envió a GDU" in r.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(models.RegistroAuditoria).where(
        models.RegistroAuditoria.entidad == "alertas", models.RegistroAuditoria.entidad_id == gdu.id,
        models.RegistroAuditoria.detalle.like("Correo enviado a jefe.gdu@muni.gob.pe%"))) == 1


def test_grafico_del_tablero(escenario, como):
    """Tablero: derivaciones de los últimos 30 días por resultado (solo la del caso C, del 30/12: en plazo);
    una unidad ve las suyas; el gráfico enlaza al reporte con ese período."""
    import json

    def datos(nav):
        r = nav.get("/admin/")
        assert r.status_code == 200
        m = re.search(r"<canvas data-grafico='([^']+)'", r.text)
        assert m and "chart.umd.min.js" in r.text
        return json.loads(html.unescape(m.group(1)))["datasets"][0]["data"], r.text

    todos, pagina = datos(como("secretaria_general"))
    assert todos == [0, 0, 1, 0]
    assert "/admin/reporte_cumplimiento/?desde=2026-12-05&amp;hasta=2027-01-04" in pagina
    r = como("unidad").get("/admin/")  # su unidad no recibió nada en 30 días: un texto, no un gráfico vacío
    assert "Sin derivaciones en los últimos 30 días." in r.text and "data-grafico" not in r.text
    r = como("concejo").get("/admin/")
    assert r.status_code == 200 and "data-grafico" not in r.text


# ------------------------------------------------------------------ resumen diario (escala: un millón de expedientes)
def cifras(nav, consulta: str = PERIODO) -> dict[str, str]:
    r = nav.get(f"{CUMPLIMIENTO}?{consulta}")
    assert r.status_code == 200
    return dict(re.findall(r'id="(c-[A-Z]+-[a-z_0-9]+)">([^<]*)<', r.text))


def test_resumen_diario_da_las_mismas_cifras(escenario, como, runner, reloj):
    """La tarea diaria deja las derivaciones atendidas en `resumen_derivacion` y el reporte las suma de ahí: las
    cifras son las de antes (las del oráculo), lo atendido después del corte entra en vivo, y un feriado
    decretado después de la tarea cambia los días hábiles igual que sin resumen."""
    sg = como("secretaria_general")
    en_vivo = cifras(sg)
    assert en_vivo["c-GAT-a_tiempo"] == "1" and en_vivo["c-GAT-promedio_dias"] == "3,0"
    r = runner.invoke(args=["tramite-diario"])
    assert r.exit_code == 0 and "Resumen de cumplimiento rehecho" in r.output, r.output
    assert db.session.get(models.EstadoResumen, "resumen_derivacion").corte == HOY.date()
    resumidas = db.session.scalar(sa.select(sa.func.sum(models.ResumenDerivacion.n)))
    assert resumidas == 2  # atendidas antes del 04/01/2027: A (cerrada al pasar a GDU) y B
    assert cifras(sg) == en_vivo

    # el reporte de veras lee el resumen: alterado a mano, la cifra cambia; la tarea siguiente lo rehace
    db.session.execute(sa.update(models.ResumenDerivacion).where(models.ResumenDerivacion.clase == "con_retraso")
                       .values(n=models.ResumenDerivacion.n + 10))
    db.session.commit()
    assert cifras(sg)["c-GAT-con_retraso"] == "11"
    assert runner.invoke(args=["tramite-diario"]).exit_code == 0
    assert cifras(sg) == en_vivo

    # atendida después del corte (C, el 05/01/2027 a tiempo): entra en vivo, sin esperar a la tarea
    receptor = usuario_de("unidad")
    reloj(datetime(2027, 1, 5, 9, 0, tzinfo=ZONA_LIMA))
    tramite.recibir(escenario["C"], receptor)
    tramite.atender(escenario["C"].expediente, receptor)
    db.session.commit()
    despues = cifras(sg)
    esperado = oraculo(date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 5))["GAT"]
    assert despues["c-GAT-a_tiempo"] == str(esperado["a_tiempo"]) == "2"
    assert despues["c-GAT-pendiente_en_plazo"] == "0"
    assert despues["c-GAT-recibidas"] == str(esperado["recibidas"]) == "5"

    # un día no laborable decretado después (jue 30/07, entre el envío y la atención de B): con resumen y sin él,
    # las mismas cifras (los días hábiles se cuentan al consultar, con el calendario vigente)
    db.session.add(models.Feriado(fecha=date(2026, 7, 30), nombre="Día no laborable (prueba)",
                                  tipo="no_laborable"))
    db.session.commit()
    con_resumen = cifras(sg)
    assert con_resumen["c-GAT-promedio_dias"] != despues["c-GAT-promedio_dias"]
    db.session.execute(sa.delete(models.EstadoResumen))
    db.session.commit()
    assert cifras(sg) == con_resumen
    # el tablero (cuatro conteos) y una unidad sola, con resumen, también coinciden
    assert runner.invoke(args=["tramite-diario"]).exit_code == 0
    gat = unidad("GAT").id
    from services.control import resumen_cumplimiento

    con = resumen_cumplimiento(date(2026, 1, 1), date(2026, 12, 31), gat)
    db.session.execute(sa.delete(models.EstadoResumen))
    assert resumen_cumplimiento(date(2026, 1, 1), date(2026, 12, 31), gat) == con
    assert con == {"a_tiempo": 2, "con_retraso": 1, "pendiente_en_plazo": 0, "pendiente_vencida": 2}
    db.session.rollback()
    assert cifras(sg, f"{PERIODO}&unidad=GAT") == {k: v for k, v in cifras(sg).items() if "-GAT-" in k}


def test_derivacion_atendida_no_se_modifica(escenario, runner):
    """Una derivación atendida es el registro de lo que pasó: ninguna vía cambia sus fechas ni su destino (el
    resumen diario la da por fija); si alguien la borra, el resumen deja de valer hasta la próxima tarea."""
    b = escenario["B"]
    for campo, valor in (("fecha_limite", date(2026, 8, 31)), ("unidad_destino_id", unidad("GDU").id),
                         ("fecha_atencion", datetime(2026, 7, 28, 9, 0, tzinfo=ZONA_LIMA))):
        setattr(b, campo, valor)
        with pytest.raises(models.ErrorDeRegla, match="ya atendida no se modifica"):
            db.session.flush()
        db.session.rollback()
    c = escenario["C"]  # abierta: su plazo sí se ajusta (p. ej., al subsanar)
    c.fecha_limite = date(2027, 1, 6)
    db.session.flush()
    db.session.rollback()

    assert runner.invoke(args=["tramite-diario"]).exit_code == 0
    assert db.session.get(models.EstadoResumen, "resumen_derivacion") is not None
    db.session.delete(db.session.get(Derivacion, b.id))
    db.session.flush()
    assert db.session.get(models.EstadoResumen, "resumen_derivacion") is None
    db.session.rollback()
