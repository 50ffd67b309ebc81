"""El día del personal, segunda vuelta (issue 22), en Chromium: lo que tropezaba a quien usa el teclado.

Fechas escritas, pegadas y elegidas (en un formulario y en un filtro; el calendario no tapa Guardar); lo editado en el
acta llega al Word; castellano en las listas con búsqueda, en el formulario caducado (que conserva lo escrito) y en el
límite de consultas; el enlace del tablero a una sesión de comisión; un ingreso en domingo con su documento, su
notificación y la prórroga de una solicitud de acceso; y las confirmaciones de lo irreversible.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tests.e2e import DIALOGOS, Contador, capturar, exigir_navegador, ingresar, servir

ACCIONES: dict[str, int] = {}
DOMINGO = date(2026, 3, 8)  # el ingreso del domingo; su fecha legal es el lunes 09/03/2026

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory):
    exigir_navegador()
    srv, detener = servir(plantilla_sqlite, tmp_path_factory.mktemp("e2e_dia"), preparar=_preparar)
    yield srv
    detener()
    print("\nAcciones del usuario por recorrido:", ACCIONES)


def _preparar():
    """La demo del concejo (sesión celebrada con su acta en borrador, y la próxima, ya instalada: en ella se aprueba
    el acta), una sesión de comisión para la próxima semana y un proyecto de decreto por numerar."""
    from models import ZONA_LIMA, Comision, NormaMunicipal, SesionConcejo, db
    from services import concejo
    from services.normas import proyectar_norma
    from services.semilla import cargar_concejo_demo, cargar_expedientes_sinteticos, cargar_sesiones_demo

    cargar_expedientes_sinteticos(60)
    cargar_sesiones_demo()
    proxima = db.session.scalar(sa.select(SesionConcejo).where(SesionConcejo.estado == "convocada"))
    proxima.fecha_hora = datetime.now(ZONA_LIMA) - timedelta(minutes=30)
    db.session.flush()
    concejo.registrar_asistencia(proxima, {m.id: ("presente", None) for m in proxima.miembros})
    db.session.flush()
    db.session.expire(proxima, ["asistencias"])
    concejo.instalar(proxima)
    comision = db.session.scalar(sa.select(Comision).order_by(Comision.id))
    s = SesionConcejo(periodo=cargar_concejo_demo(), comision=comision, tipo="ordinaria", lugar="Sala de comisiones",
                      fecha_hora=datetime.combine(date.today() + timedelta(days=5), time(9), ZONA_LIMA))
    concejo.numerar_sesion(s)
    db.session.add(s)
    decreto = NormaMunicipal(tipo="decreto_alcaldia", sumilla="Decreto que regula el horario de atención E2E")
    proyectar_norma(decreto)
    db.session.add(decreto)


@pytest.fixture
def reloj_del_servidor(monkeypatch):
    """El reloj de la aplicación servida (el mismo proceso: `models.reloj`), para un recorrido en domingo."""
    import models

    def fijar(momento: datetime):
        monkeypatch.setattr(models, "reloj", lambda: momento)

    return fijar


# ------------------------------------------------------------------------------------------ 1. fechas
def test_fechas_escritas_pegadas_y_elegidas_en_un_formulario(servidor, pagina, bd):
    """En /admin/feriado/new/: teclear «02/01/2099» queda tal cual (antes «01/12/2026/01/2027»); pegar «15/3/2099»
    queda «15/03/2099»; el calendario se abre con su botón, no al entrar al campo, y no tapa Guardar."""
    from models import Feriado

    ingresar(pagina, servidor, "admin")
    pagina.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=servidor.url)

    def nuevo():
        pagina.goto(servidor("/admin/feriado/new/"))
        campo = pagina.locator("#fecha")
        # el foco empieza en el campo de fecha, y el calendario no se abre por eso
        assert pagina.evaluate("document.activeElement.id") == "fecha"
        assert not pagina.locator(".daterangepicker").first.is_visible()
        return campo

    def guardar(nombre):
        pagina.locator("#nombre").fill(nombre)
        pagina.locator("#tipo").evaluate("(el) => { $(el).select2('val', 'local'); }")
        with pagina.expect_navigation():
            pagina.locator("input[type=submit][value=Guardar]").click()

    campo = nuevo()
    pagina.keyboard.type("02/01/2099")
    assert campo.input_value() == "02/01/2099" and not pagina.locator(".daterangepicker").first.is_visible()
    pagina.keyboard.press("Tab")
    assert campo.input_value() == "02/01/2099"
    guardar("Escrita E2E")

    campo = nuevo()
    pagina.evaluate("navigator.clipboard.writeText('15/3/2099')")
    pagina.keyboard.press("Control+V")
    pagina.keyboard.press("Tab")
    assert campo.input_value() == "15/03/2099"
    guardar("Pegada E2E")

    campo = nuevo()
    pagina.locator(".grupo-fecha button").click()
    calendario = pagina.locator(".daterangepicker").first
    assert calendario.is_visible()
    capturar(pagina, "19-calendario-no-tapa-guardar")
    caja, boton = calendario.bounding_box(), pagina.locator("input[type=submit][value=Guardar]").bounding_box()
    assert caja["y"] + caja["height"] <= boton["y"] or boton["y"] + boton["height"] <= caja["y"], (caja, boton)
    calendario.locator("td.available:not(.off)", has_text=re.compile(r"^20$")).first.click()
    assert re.fullmatch(r"20/\d\d/\d{4}", campo.input_value()) and not calendario.is_visible()
    elegida = datetime.strptime(campo.input_value(), "%d/%m/%Y").date()
    pagina.locator("#fecha").fill(f"{elegida:%d/%m}/2099")  # el mismo día, en 2099 (no choca con un feriado real)
    guardar("Elegida E2E")

    bd.session.expire_all()
    fechas = dict(bd.session.execute(sa.select(Feriado.nombre, Feriado.fecha)
                                     .where(Feriado.nombre.like("% E2E"))).all())
    assert fechas == {"Escrita E2E": date(2099, 1, 2), "Pegada E2E": date(2099, 3, 15),
                      "Elegida E2E": date(2099, elegida.month, 20)}


def test_fechas_escritas_en_un_filtro(servidor, pagina, bd):
    """Un rango tecleado en el filtro de la lista («1/1/AAAA al dd/mm/aaaa») no se reescribe («Invalid date al …»)
    y la lista muestra exactamente esas filas."""
    from models import Expediente

    hoy = date.today()
    ingresar(pagina, servidor, "secretaria_general")
    pagina.goto(servidor("/admin/expediente/"))
    pagina.get_by_role("link", name="Añadir filtro").click()
    pagina.locator(".dropdown-menu.show").get_by_role("link", name="Fecha de presentación", exact=True).click()
    campo = pagina.locator(".filter-val").last
    campo.click()
    texto = f"1/1/{hoy.year} al {hoy:%d/%m/%Y}"
    pagina.keyboard.type(texto)
    assert campo.input_value() == texto and "Invalid" not in campo.input_value()
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")
    assert "Invalid" not in pagina.locator("body").inner_text()
    assert pagina.locator(".filter-val").last.input_value() == f"01/01/{hoy.year} al {hoy:%d/%m/%Y}"
    esperados = set(bd.session.scalars(sa.select(Expediente.codigo).where(
        Expediente.fecha_presentacion.between(date(hoy.year, 1, 1), hoy))))
    assert 0 < len(esperados) <= 50 and f"Listado ({len(esperados)})" in pagina.locator(".nav-tabs").inner_text()
    codigos = {t.strip() for t in pagina.locator("tbody tr td a[title=Tramitar]").all_inner_texts() if t.strip()}
    assert codigos == esperados


# ------------------------------------------------------------------------------------------ 2. acta → Word
def test_lo_editado_en_el_acta_llega_al_word(servidor, pagina, bd, tmp_path):
    import docx

    from models import Acta

    acta = bd.session.scalar(sa.select(Acta).where(Acta.estado == "borrador").order_by(Acta.id))
    ingresar(pagina, servidor, "secretaria_general")
    pagina.goto(servidor(f"/admin/acta/edit/?id={acta.id}"))
    editor = pagina.locator("trix-editor")
    editor.click()
    pagina.keyboard.press("Control+End")
    # Trix procesa el Enter después del evento: se espera su «trix-change» antes de escribir (si no, la primera letra
    # a veces queda antes del salto)
    pagina.evaluate("() => { window.__cambio = false; document.querySelector('trix-editor')"
                    ".addEventListener('trix-change', () => { window.__cambio = true; }, {once: true}); }")
    pagina.keyboard.press("Enter")
    pagina.wait_for_function("() => window.__cambio")
    pagina.keyboard.type("El regidor Hugo Ramírez dejó constancia de su voto en contra.")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Guardar", exact=True).click()
    pagina.goto(servidor("/admin/acta/"))
    with pagina.expect_download() as descarga:
        pagina.locator("tbody tr").first.locator("a[title='Descargar en Word']").click()
    ruta = tmp_path / "acta.docx"
    descarga.value.save_as(ruta)
    texto = "\n".join(p.text for p in docx.Document(str(ruta)).paragraphs)
    assert "El regidor Hugo Ramírez dejó constancia de su voto en contra." in texto


# ------------------------------------------------------------------------------------------ 3. castellano
def test_listas_con_busqueda_en_castellano(servidor, pagina):
    ingresar(pagina, servidor, "mesa_partes")
    pagina.goto(servidor("/admin/expediente/new/"))
    pagina.locator("#s2id_persona").click()
    aviso = pagina.locator(".select2-drop-active .select2-no-results, .select2-drop-active .select2-searching")
    assert re.search(r"Escriba 1 letra o número para buscar", aviso.first.inner_text())
    pagina.keyboard.type("zzzqqq")
    pagina.locator(".select2-drop-active .select2-no-results", has_text="Sin resultados").wait_for()
    texto = pagina.locator(".select2-drop-active").inner_text()
    assert "Please" not in texto and "No matches" not in texto and "Searching" not in texto


def test_el_formulario_caducado_conserva_lo_escrito_y_se_envia_de_nuevo(servidor, pagina, bd):
    """La sesión se cerró mientras el formulario estaba abierto (p. ej. salió en otra pestaña): al guardar, en vez de
    «The CSRF session token is missing.», lo escrito y el pedido de ingresar de nuevo para enviarlo."""
    from models import Feriado
    from tests.conftest import CLAVE

    ingresar(pagina, servidor, "admin")
    pagina.goto(servidor("/admin/feriado/new/"))
    pagina.locator("#fecha").fill("21/09/2099")
    pagina.locator("#nombre").fill("Aniversario reenviado E2E")
    pagina.context.clear_cookies()  # la sesión terminó
    with pagina.expect_navigation():
        pagina.locator("input[type=submit][value=Guardar]").click()
    texto = pagina.locator("body").inner_text()
    assert "El formulario caducó" in texto and "Aniversario reenviado E2E" in texto and "21/09/2099" in texto
    assert "CSRF" not in texto and not bd.session.scalar(sa.select(Feriado.id).where(
        Feriado.nombre == "Aniversario reenviado E2E"))
    capturar(pagina, "20-formulario-caducado")
    pagina.locator("#username").fill("admin")
    pagina.locator("#password").fill(CLAVE)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Ingresar y revisar lo escrito").click()
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Enviar de nuevo").click()
    bd.session.expire_all()
    assert bd.session.scalar(sa.select(Feriado.fecha).where(Feriado.nombre == "Aniversario reenviado E2E")) == \
        date(2099, 9, 21)


def test_el_limite_de_consultas_se_explica_en_castellano(plantilla_sqlite, tmp_path, navegador):
    srv, detener = servir(plantilla_sqlite, tmp_path, RATELIMIT_ENABLED=True, LIMITE_CONSULTA="3/minute")
    try:
        pagina = navegador.new_context(locale="es-PE", viewport={"width": 390, "height": 844}).new_page()
        for _ in range(4):
            pagina.goto(srv("/consulta"))
            if "Demasiadas" in pagina.locator("body").inner_text():
                break
            pagina.locator("[name=codigo]").fill("EXP-2026-000001")
            pagina.locator("[name=clave]").fill("AAAAAAAA")
            with pagina.expect_navigation():
                pagina.keyboard.press("Enter")
        texto = pagina.locator("body").inner_text()
        assert "Demasiadas solicitudes" in texto and "más de 3 solicitudes en un minuto" in texto
        assert "per 1 minute" not in texto and pagina.evaluate("document.documentElement.scrollWidth") <= 390
        pagina.context.close()
    finally:
        detener()


# ------------------------------------------------------------------------------------------ 4. sin callejones
def test_el_tablero_lleva_a_la_sesion_de_comision(servidor, pagina):
    for rol in ("concejo", "secretaria_general"):
        ingresar(pagina, servidor, rol)
        enlace = pagina.locator(".list-group a", has_text="Comisión").first
        with pagina.expect_navigation():
            enlace.click()
        assert "/admin/sesion_comision/conducir/" in pagina.url
        assert "Página no encontrada" not in pagina.locator("body").inner_text()
        assert "Comisión" in pagina.locator("h4").first.inner_text()
        pagina.context.clear_cookies()


# ------------------------------------------------------------------------------------------ 5. domingo
def test_ingreso_en_domingo_documento_notificacion_y_prorroga(servidor, navegador, bd, reloj_del_servidor, tmp_path):
    """El domingo 08/03/2026: Mesa de Partes registra un expediente (presentado el lunes 09), la unidad le responde
    con un oficio de ese domingo y lo notifica ese mismo día, y una solicitud de acceso presentada el domingo se
    prorroga ese día. Antes: el oficio «anterior a la presentación», la notificación y la prórroga rechazadas."""
    from models import ZONA_LIMA, DocumentoEmitido, Expediente, SolicitudAcceso
    from tests.conftest import habil

    reloj_del_servidor(datetime.combine(DOMINGO, time(11), ZONA_LIMA))

    def pagina_de(usuario):
        ctx = navegador.new_context(locale="es-PE", timezone_id="America/Lima", viewport={"width": 1366,
                                                                                            "height": 768})
        p = ctx.new_page()
        p.on("dialog", lambda d: (DIALOGOS.append(d.message), d.accept()))
        p.set_default_timeout(15_000)
        ingresar(p, servidor, usuario)
        return p

    def select2(u, p, campo, valor):
        u.n += 2
        p.locator(f"#{campo}").evaluate("(el, v) => { $(el).select2('val', v); $(el).trigger('change'); }", valor)

    def select2_ajax(u, p, campo, texto):
        u.clic(p.locator(f"#s2id_{campo}"))
        u.teclear(texto)
        p.locator(".select2-result-label", has_text=texto).first.wait_for()
        u.tecla("Enter")

    # Mesa de Partes, con el teclado
    mesa = pagina_de("mesa_partes")
    u = Contador(mesa)
    u.clic_y_esperar(mesa.get_by_role("link", name="Nuevo ingreso"))
    u.teclear("41234567")
    u.tecla("Tab")
    u.teclear("Pedro Salas Rivas")
    u.tecla("Tab", 2)  # el PDF es opcional
    u.teclear("numeración")
    mesa.locator(".select2-result-label", has_text="GDU-03").wait_for()
    u.tecla("Enter")
    u.tecla("Tab")
    u.teclear("Solicita certificado de numeración de su vivienda (domingo)")
    u.tecla("Tab")
    u.teclear("2")
    u.tecla("Enter")
    mesa.wait_for_url(re.compile(r".*/expediente/cargo/.*"))
    exp = bd.session.scalar(sa.select(Expediente).where(Expediente.asunto.like("%(domingo)")))
    assert exp.fecha_presentacion == date(2026, 3, 9) and exp.unidad_actual.sigla == "GDU"

    # la unidad responde con un oficio del domingo, lo emite y lo notifica ese día
    gdu = pagina_de("unidad")
    u.page = gdu
    u.clic(gdu.locator(".navbar .dropdown-toggle", has_text=re.compile(r"^\s*Trámite\s*$")))
    u.clic_y_esperar(gdu.locator('.navbar a[href="/admin/documento_emitido/"]'))
    u.clic_y_esperar(gdu.get_by_role("link", name="Crear", exact=True))
    oficio = gdu.locator("#tipo_documento option", has_text="Oficio").get_attribute("value")
    select2(u, gdu, "tipo_documento", oficio)
    u.escribir(gdu.locator("#fecha"), f"{DOMINGO:%d/%m/%Y}")
    u.escribir(gdu.locator("#asunto"), "Respuesta: certificado de numeración")
    u.escribir(gdu.locator("#destinatario"), "Pedro Salas Rivas")
    select2_ajax(u, gdu, "expediente", exp.codigo)
    u.clic_y_esperar(gdu.locator("input[type=submit][value=Guardar]"))
    assert "no puede ser anterior" not in gdu.locator("body").inner_text()
    doc = bd.session.scalar(sa.select(DocumentoEmitido).where(DocumentoEmitido.expediente_id == exp.id))
    fila = gdu.locator("tbody tr", has_text=doc.codigo)
    u.clic(fila.locator("input.action-checkbox"))
    u.clic(gdu.get_by_role("button", name="Con seleccionados"))
    u.clic_y_esperar(gdu.get_by_role("link", name="Emitir"))
    u.clic(gdu.locator(".navbar .dropdown-toggle", has_text=re.compile(r"^\s*Trámite\s*$")))
    u.clic_y_esperar(gdu.locator('.navbar a[href="/admin/notificacion_documento/"]'))
    u.clic_y_esperar(gdu.locator("tbody tr", has_text=doc.codigo).locator("a[title='Registrar diligencia']"))
    select2(u, gdu, "modalidad", "personal")
    select2(u, gdu, "resultado", "entregada")
    u.escribir(gdu.locator("#fecha_hora"), f"{DOMINGO:%d/%m/%Y} 10:30")
    u.escribir(gdu.locator("#receptor_nombre"), "Pedro Salas Rivas")
    u.escribir(gdu.locator("#receptor_documento"), "41234567")
    u.clic_y_esperar(gdu.locator("input[type=submit][value=Guardar]"))
    bd.session.expire_all()
    doc = bd.session.get(DocumentoEmitido, doc.id)
    assert (doc.fecha, doc.estado.value, doc.fecha_notificacion) == (DOMINGO, "notificado", date(2026, 3, 9))

    # una solicitud de acceso presentada el domingo se prorroga ese mismo día
    frai = pagina_de("transparencia")
    u.page = frai
    u.clic(frai.locator(".navbar .dropdown-toggle", has_text=re.compile(r"^\s*Transparencia\s*$")))
    u.clic_y_esperar(frai.locator('.navbar a[href="/admin/solicitud_acceso/"]'))
    u.clic_y_esperar(frai.get_by_role("link", name="Crear", exact=True))
    select2_ajax(u, frai, "persona", "41234567")
    u.escribir(frai.locator("#informacion_solicitada"), "Copia del plano catastral de la manzana B")
    u.clic_y_esperar(frai.locator("input[type=submit][value=Guardar]"))
    sol = bd.session.scalar(sa.select(SolicitudAcceso).order_by(SolicitudAcceso.id.desc()))
    assert sol.fecha_presentacion == date(2026, 3, 9)
    u.clic_y_esperar(frai.locator("tbody tr", has_text=sol.codigo).locator("a[title='Atender solicitud']"))
    u.escribir(frai.locator("#fecha_comunicacion"), f"{DOMINGO:%d/%m/%Y}")
    u.escribir(frai.locator("#nueva_fecha"), f"{habil(sol.fecha_vencimiento, 5):%d/%m/%Y}")
    u.escribir(frai.locator("[name=motivo]"), "La información está en el archivo central")
    u.clic_y_esperar(frai.get_by_role("button", name="Registrar prórroga"))
    ACCIONES["ingreso en domingo: documento, notificación y prórroga"] = u.n
    assert "no puede ser anterior a la presentación" not in frai.locator("body").inner_text()
    bd.session.expire_all()
    sol = bd.session.get(SolicitudAcceso, sol.id)
    assert sol.prorroga and sol.estado.value == "prorrogada"
    for p in (mesa, gdu, frai):
        p.context.close()


# ------------------------------------------------------------------------------------------ 9. confirmar
def test_aprobar_el_acta_y_numerar_una_norma_piden_confirmacion(servidor, pagina, bd):
    from models import Acta, NormaMunicipal

    acta = bd.session.scalar(sa.select(Acta).where(Acta.estado == "borrador").order_by(Acta.id))
    decreto = bd.session.scalar(sa.select(NormaMunicipal).where(
        NormaMunicipal.sumilla.like("%horario de atención E2E")))
    ingresar(pagina, servidor, "secretaria_general")
    DIALOGOS.clear()
    pagina.goto(servidor(f"/admin/acta/aprobar/?id={acta.id}"))
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Aprobar", exact=True).click()
    assert any(d.startswith("¿Aprobar el acta de la Sesión ordinaria") for d in DIALOGOS), DIALOGOS
    assert "Acta aprobada" in pagina.locator(".alert").first.inner_text()
    pagina.goto(servidor(f"/admin/norma_municipal/aprobar/?id={decreto.id}"))
    pagina.locator("#fecha").fill(f"{date.today():%d/%m/%Y}")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Aprobar y numerar").click()
    assert any("sacar el número siguiente de decreto de alcaldía" in d for d in DIALOGOS), DIALOGOS
    bd.session.expire_all()
    assert bd.session.get(Acta, acta.id).estado.value == "aprobada"
    assert bd.session.get(NormaMunicipal, decreto.id).codigo.startswith("DECRETO DE ALCALDÍA N°")


def test_consulta_con_movimientos_cabe_en_un_celular(servidor, navegador, bd):
    from models import Derivacion, Expediente

    exp = bd.session.scalar(sa.select(Expediente).join(Derivacion).group_by(Expediente.id)
                            .order_by(sa.func.count(Derivacion.id).desc()).limit(1))
    ctx = navegador.new_context(locale="es-PE", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    pagina = ctx.new_page()
    pagina.goto(servidor(f"/consulta?codigo={exp.codigo}&clave={exp.clave}"))
    assert exp.codigo in pagina.locator("h2").inner_text() and pagina.locator("#movimientos li").count() >= 2
    ancho = pagina.evaluate("document.documentElement.scrollWidth")
    assert ancho <= 390, f"/consulta se sale del celular ({ancho} px)"
    capturar(pagina, "21-consulta-celular", pagina_completa=True)
    ctx.close()
