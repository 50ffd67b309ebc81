"""Las páginas impresas, como las imprime la oficina: Chromium «Imprimir → Guardar como PDF» (respetando el @page de
la página) y el PDF leído con pypdf: tamaño A4 (vertical u horizontal), las hojas que deben ser, el nombre de la
municipalidad y la dirección pública en lo impreso (issue 23, puntos 10 y 11)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.e2e import exigir_navegador, ingresar, lanzar_navegador, servir

pytestmark = pytest.mark.e2e

PUBLICA = "https://tramite.muni.gob.pe"
A4 = (595.28, 841.89)  # puntos


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory):
    exigir_navegador()

    def preparar():
        from models import Expediente, Persona, TipoDocumento, UnidadOrganica, Usuario, db
        from services.semilla import cargar_sesiones_demo
        from services.tramite import derivar, registrar_ingreso

        cargar_sesiones_demo()
        utd = db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == "UTD"))
        exp = Expediente(persona=Persona(tipo_documento="DNI", numero_documento="40671234", nombres="Julia",
                                         apellidos="Chávez Díaz"), asunto="Solicita constancia de posesión",
                         folios=3, unidad_actual=utd, tipo_documento=db.session.scalar(sa.select(TipoDocumento)))
        registrar_ingreso(exp)
        db.session.add(exp)
        db.session.flush()
        gdu = db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == "GDU"))
        derivar(exp, gdu, "atender", "Para su atención.",
                usuario=db.session.scalar(sa.select(Usuario).where(Usuario.username == "mesa_partes")))

    srv, detener = servir(plantilla_sqlite, tmp_path_factory.mktemp("impresion"), preparar=preparar)
    srv.app.config["URL_PUBLICA"] = PUBLICA
    yield srv
    detener()


@pytest.fixture(scope="module")
def pagina(servidor):
    exigir_navegador()
    pw, browser = lanzar_navegador()
    contexto = browser.new_context(locale="es-PE")
    page = contexto.new_page()
    ingresar(page, servidor, "secretaria_general")
    yield page
    browser.close()
    pw.stop()


def _id(servidor, sql: str) -> int:
    from models import db

    with servidor.app.app_context():
        valor = db.session.execute(sa.text(sql)).scalar()
        db.session.remove()
    return valor


def imprimir(page, url: str) -> PdfReader:
    respuesta = page.goto(url)
    assert respuesta.status == 200, url
    page.wait_for_load_state("load")
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))


def tamanio(pdf: PdfReader, i: int = 0) -> tuple[float, float]:
    caja = pdf.pages[i].mediabox
    return round(float(caja.width), 1), round(float(caja.height), 1)


def es_a4(pdf: PdfReader, horizontal: bool = False) -> bool:
    ancho, alto = (A4[1], A4[0]) if horizontal else A4
    return all(abs(tamanio(pdf, i)[0] - ancho) < 2 and abs(tamanio(pdf, i)[1] - alto) < 2
               for i in range(len(pdf.pages)))


def texto(pdf: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pdf.pages))


def test_cargos_en_a4_una_hoja_con_la_direccion_publica(servidor, pagina):
    exp = _id(servidor, "SELECT max(id) FROM expediente")
    pdf = imprimir(pagina, servidor(f"/admin/expediente/cargo/?id={exp}"))
    assert es_a4(pdf), tamanio(pdf)
    assert len(pdf.pages) == 1
    plano = texto(pdf)
    assert servidor.app.config["MUNICIPALIDAD"] in plano and f"{PUBLICA}/consulta" in plano
    assert "127.0.0.1" not in plano


def test_cargo_de_la_solicitud_de_acceso_en_a4_con_qr(servidor, pagina):
    pagina.goto(servidor("/admin/solicitud_acceso/new/"))
    from models import Persona, db

    with servidor.app.app_context():
        persona = db.session.scalar(sa.select(Persona.id).limit(1))
        db.session.remove()
    r = pagina.request.post(servidor("/admin/solicitud_acceso/new/"), form={
        "csrf_token": pagina.locator("input[name=csrf_token]").first.get_attribute("value"),
        "persona": str(persona), "forma_entrega": "copia_simple", "sexo": "F",
        "informacion_solicitada": "Copia del contrato de limpieza pública 2025",
        "unidad_poseedora": str(_id(servidor, "SELECT id FROM unidad_organica WHERE sigla = 'GDU'"))},
        max_redirects=0)
    assert r.status == 302, r.text()[:500]
    sol = _id(servidor, "SELECT max(id) FROM solicitud_acceso")
    pdf = imprimir(pagina, servidor(f"/admin/solicitud_acceso/cargo/?id={sol}"))
    assert es_a4(pdf), tamanio(pdf)  # antes A3 (el @page de Bootstrap)
    assert len(pdf.pages) == 1
    plano = texto(pdf)
    assert servidor.app.config["MUNICIPALIDAD"] in plano and f"{PUBLICA}/consulta" in plano
    assert pagina.locator(".qr-cargo svg").count() == 1


def test_acta_impresa_sin_el_menu_y_con_sus_titulos(servidor, pagina):
    acta = _id(servidor, "SELECT max(id) FROM acta")
    pdf = imprimir(pagina, servidor(f"/admin/acta/imprimir/?id={acta}"))
    assert es_a4(pdf), tamanio(pdf)
    assert pagina.locator("h1").count() == 1 and pagina.locator("nav").count() == 0
    assert pagina.locator("main h2").count() >= 2  # «Asistencia y quórum», «Agenda y acuerdos»
    plano = texto(pdf)
    assert servidor.app.config["MUNICIPALIDAD"].upper() in plano.upper()
    assert "ACTA DE LA SESIÓN ORDINARIA" in plano and "Imprimir" not in plano


def test_citaciones_una_por_hoja_a4(servidor, pagina):
    sesion = _id(servidor, "SELECT min(sesion_id) FROM citacion")
    n = _id(servidor, f"SELECT count(*) FROM citacion WHERE sesion_id = {sesion}")
    pdf = imprimir(pagina, servidor(f"/admin/citacion/imprimir/?sesion_id={sesion}"))
    assert es_a4(pdf), tamanio(pdf)
    assert len(pdf.pages) == n


def test_listado_y_reporte_impresos(servidor, pagina):
    pdf = imprimir(pagina, servidor("/admin/expediente/"))
    assert es_a4(pdf), tamanio(pdf)
    plano = texto(pdf)
    assert servidor.app.config["MUNICIPALIDAD"] in plano  # la barra no se imprime; el nombre, sí
    # el reporte de cumplimiento en A4 horizontal, con su tabla entera en el ancho de la hoja
    pdf = imprimir(pagina, servidor("/admin/reporte_cumplimiento/"))
    assert es_a4(pdf, horizontal=True), tamanio(pdf)
    assert pagina.locator(".tabla-reporte tbody tr").count() >= 1
    assert "silencio positivo" in texto(pdf)  # la última columna, impresa
    pagina.set_viewport_size({"width": 1032, "height": 700})  # 297 mm − 2 × 12 mm de margen, en px CSS
    pagina.emulate_media(media="print")
    try:
        ancho = pagina.evaluate("document.querySelector('.tabla-reporte').getBoundingClientRect().right")
        assert ancho <= 1032, ancho
    finally:
        pagina.emulate_media(media="screen")
        pagina.set_viewport_size({"width": 1280, "height": 720})


def test_etiquetas_e_inventario(servidor, pagina):
    caja = _id(servidor, "SELECT max(id) FROM unidad_conservacion")
    if caja:
        pdf = imprimir(pagina, servidor(f"/admin/unidad_conservacion/etiquetas/?id={caja}"))
        assert es_a4(pdf), tamanio(pdf)
        assert len(pdf.pages) == 1
    transferencia = _id(servidor, "SELECT max(id) FROM transferencia")
    if transferencia:
        pdf = imprimir(pagina, servidor(f"/admin/transferencia/inventario/?id={transferencia}"))
        assert es_a4(pdf, horizontal=True), tamanio(pdf)
