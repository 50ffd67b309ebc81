"""El día del personal en un navegador de verdad (Chromium + Playwright), de extremo a extremo.

Cada recorrido cuenta las acciones del usuario (clic, tecla, campo escrito, opción elegida,
archivo subido) y toma capturas de las pantallas principales (`make capturas` rehace las de docs/capturas/).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e import DIALOGOS, Contador, capturar, exigir_navegador, ingresar, servir
from tests.pdf_prueba import pdf_valido

ACCIONES: dict[str, int] = {}  # recorrido → acciones del usuario (se imprimen al final del módulo)
PDF = pdf_valido()  # un PDF real: la mesa de partes lo revisa con pypdf

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory):
    exigir_navegador()
    from services.semilla import cargar_sesiones_demo

    def preparar():
        cargar_sesiones_demo()
        _preparar_trabajo()

    srv, detener = servir(plantilla_sqlite, tmp_path_factory.mktemp("e2e"), preparar=preparar)
    yield srv
    detener()
    print("\nAcciones del usuario por recorrido:", ACCIONES)


def _preparar_trabajo():
    """Expedientes repartidos (para filtrar y exportar), dos derivados a GDU sin acuse y una sesión que ya empieza."""
    from models import ZONA_LIMA, Expediente, Persona, SesionConcejo, TipoDocumento, UnidadOrganica, Usuario, db
    from services.semilla import cargar_expedientes_sinteticos
    from services.tramite import derivar, registrar_ingreso

    cargar_expedientes_sinteticos(300)
    unidad = {u.sigla: u for u in db.session.scalars(sa.select(UnidadOrganica))}
    mesa = db.session.scalar(sa.select(Usuario).where(Usuario.username == "mesa_partes"))
    persona = Persona(tipo_documento="DNI", numero_documento="40671234", nombres="Julia", apellidos="Chávez Díaz")
    for asunto in ("Solicita constancia de posesión E2E", "Solicita visación de planos E2E"):
        exp = Expediente(persona=persona, asunto=asunto, folios=2, unidad_actual=unidad["UTD"],
                         tipo_documento=db.session.scalar(sa.select(TipoDocumento).limit(1)))
        registrar_ingreso(exp)
        db.session.add(exp)
        db.session.flush()
        derivar(exp, unidad["GDU"], "atender", "Para su atención.", usuario=mesa)
    proxima = db.session.scalar(sa.select(SesionConcejo).where(SesionConcejo.estado == "convocada"))
    proxima.fecha_hora = datetime.now(ZONA_LIMA).replace(second=0, microsecond=0) - timedelta(minutes=5)


def test_ingreso_y_panel(servidor, pagina):
    ingresar(pagina, servidor, "mesa_partes")
    assert pagina.locator("a.navbar-brand").inner_text().startswith("Secretaría General")
    capturar(pagina, "01-inicio")


def _paginas_pdf(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_mesa_de_partes_registra_con_teclado_y_el_ciudadano_consulta(servidor, pagina, bd, tmp_path):
    """Ciudadano nuevo + PDF solo con el teclado (Tab/Enter) → cargo con QR, A4 y ticket de una página."""
    from models import Expediente, db

    pdf = tmp_path / "solicitud.pdf"
    pdf.write_bytes(PDF)
    ingresar(pagina, servidor, "mesa_partes")
    u = Contador(pagina)
    u.clic(pagina.get_by_role("link", name="Nuevo ingreso"))
    pagina.wait_for_url(re.compile(r".*/expediente/new/.*"))
    capturar(pagina, "02-nuevo-ingreso", pagina_completa=True)
    # el foco empieza en el formulario: DNI nuevo, nombre, PDF, procedimiento, asunto, folios, Enter
    u.teclear("45871236")
    u.tecla("Tab")
    u.teclear("Carmen Rojas Vargas")
    u.tecla("Tab")
    u.subir(pagina.locator("#archivo"), str(pdf))  # el diálogo de archivos del sistema: una acción
    u.tecla("Tab")
    u.teclear("licencia")
    pagina.locator(".select2-result-label", has_text="GDE-01").wait_for()
    u.tecla("Enter")
    u.tecla("Tab")
    u.teclear("Solicita licencia de funcionamiento para bodega")
    u.tecla("Tab")
    u.teclear("3")
    u.tecla("Enter")
    pagina.wait_for_url(re.compile(r".*/expediente/cargo/.*"))
    ACCIONES["registrar con PDF (teclado)"] = u.n

    exp = db.session.scalar(sa.select(Expediente).where(Expediente.asunto.like("%para bodega")))
    assert exp is not None and exp.persona.numero_documento == "45871236" and exp.folios == 3
    assert exp.procedimiento.codigo == "GDE-01" and len(exp.adjuntos) == 1
    assert exp.codigo in pagina.locator(".codigo").inner_text()
    assert pagina.locator(".qr svg").count() == 1
    assert exp.clave in pagina.locator(".clave").inner_text()
    capturar(pagina, "03-cargo")
    pagina.emulate_media(media="print")
    assert _paginas_pdf(pagina.pdf(format="A4")) == 1
    pagina.emulate_media(media="screen")
    pagina.get_by_role("link", name="Formato ticket").click()
    pagina.emulate_media(media="print")
    ticket = pagina.pdf(prefer_css_page_size=True)
    assert _paginas_pdf(ticket) == 1
    ancho_pt = float(re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)", ticket).group(1))
    assert abs(ancho_pt - 80 / 25.4 * 72) < 2  # papel de ticketera de 80 mm
    ancho_mm = pagina.evaluate("document.querySelector('.hoja').getBoundingClientRect().width") * 25.4 / 96
    assert ancho_mm <= 80

    # el ciudadano, en su casa, con el código y la clave del cargo
    ciudadano = pagina.context.browser.new_context(locale="es-PE").new_page()
    c = Contador(ciudadano)
    ciudadano.goto(servidor("/consulta"))
    c.escribir(ciudadano.locator("[name=codigo]"), exp.codigo)
    c.escribir(ciudadano.locator("[name=clave]"), exp.clave)
    with ciudadano.expect_navigation():
        c.tecla("Enter")
    texto = ciudadano.locator("body").inner_text()
    assert "Gerencia de Desarrollo Económico" in texto or "GDE" in texto
    assert "Carmen" not in texto  # nada personal
    capturar(ciudadano, "06-consulta-ciudadana", pagina_completa=True)
    ACCIONES["consulta ciudadana"] = c.n
    ciudadano.context.close()


def test_la_unidad_recibe_dos_deriva_uno_y_atiende_otro(servidor, pagina, bd):
    from models import Derivacion, Expediente, db

    ingresar(pagina, servidor, "unidad")
    u = Contador(pagina)
    u.clic_y_esperar(pagina.locator(".tarjeta-cifra", has_text="Por recibir"))
    capturar(pagina, "04-bandeja")
    filas = pagina.locator("tbody tr", has_text="E2E")
    filas.first.wait_for()
    assert filas.count() == 2
    capturar(pagina, "04-bandeja")
    for i in range(2):
        u.clic(filas.nth(i).locator("input.action-checkbox"))
    u.clic(pagina.get_by_role("button", name="Con seleccionados"))
    u.clic_y_esperar(pagina.get_by_role("link", name="Recibir (acuse)"))
    aviso = pagina.locator(".alert").first
    assert "2 derivaciones recibidas. Tramitar ahora:" in aviso.inner_text()

    # el primero se deriva a Asesoría Jurídica desde «Tramitar»: el aviso del acuse lleva a cada uno
    from models import Expediente as Exp

    posesion = bd.session.scalar(sa.select(Exp.codigo).where(Exp.asunto.like("%posesión E2E")))
    u.clic_y_esperar(aviso.get_by_role("link", name=posesion))
    oaj = pagina.locator("select[name=destino] option", has_text="Asesoría Jurídica").get_attribute("value")
    u.elegir(pagina.locator("select[name=destino]"), oaj)
    u.clic_y_esperar(pagina.get_by_role("button", name="Derivar"))
    assert ": derivado." in pagina.locator(".alert").first.inner_text()
    u.clic(pagina.locator(".navbar").get_by_role("link", name="Trámite"))
    u.clic_y_esperar(pagina.locator(".navbar").get_by_role("link", name="Bandeja"))
    u.clic_y_esperar(pagina.locator("tbody tr", has_text="planos E2E").get_by_role("link", name=re.compile("EXP-")))
    capturar(pagina, "05-tramitar", pagina_completa=True)
    u.clic_y_esperar(pagina.get_by_role("button", name="Atendido"))
    ACCIONES["recibir, derivar y atender"] = u.n
    assert any("No se puede deshacer" in d for d in DIALOGOS)

    atendido = db.session.scalar(sa.select(Expediente).where(Expediente.asunto.like("%visación de planos E2E")))
    derivado = db.session.scalar(sa.select(Expediente).where(Expediente.asunto.like("%constancia de posesión E2E")))
    assert atendido.estado.value == "atendido" and derivado.unidad_actual.sigla == "OAJ"
    for d in db.session.scalars(sa.select(Derivacion).where(Derivacion.expediente_id.in_([atendido.id, derivado.id]))):
        assert d.estado.value == "pendiente" or d.fecha_recepcion is not None


def _agregar_filtro(u, pagina, nombre):
    u.clic(pagina.get_by_role("link", name="Añadir filtro"))
    u.clic(pagina.locator(".dropdown-menu.show").get_by_role("link", name=nombre, exact=True))
    return pagina.locator(".filter-val").last


def _elegir_en_select2(u, campo, valor):
    """Abrir la lista y elegir una opción: dos acciones del usuario (se fija el valor por la API de select2)."""
    u.n += 2
    campo.evaluate("(el, v) => { $(el).select2('val', v); $(el).trigger('change'); }", valor)


def test_jefe_filtra_exporta_y_el_excel_tiene_esas_filas(servidor, pagina, bd, tmp_path):
    """Unidad, estado y rango de fechas (dd/mm/aaaa al dd/mm/aaaa) → Exportar → las mismas filas en el xlsx."""
    from models import ZONA_LIMA, Expediente, UnidadOrganica

    hoy = datetime.now(ZONA_LIMA).date()
    desde, hasta = hoy - timedelta(days=365), hoy
    ingresar(pagina, servidor, "secretaria_general")
    u = Contador(pagina)
    u.clic(pagina.locator(".navbar").get_by_role("link", name="Trámite"))
    u.clic_y_esperar(pagina.locator(".navbar").get_by_role("link", name="Expedientes"))
    campo = _agregar_filtro(u, pagina, "Unidad actual")
    opciones = campo.evaluate("(el) => Array.from(el.options).map(o => o.text)")
    assert "GDU – Gerencia de Desarrollo Urbano" in opciones  # la lista ofrece las unidades
    _elegir_en_select2(u, campo, "GDU")
    _elegir_en_select2(u, _agregar_filtro(u, pagina, "Estado"), "en_tramite")
    campo = _agregar_filtro(u, pagina, "Fecha de presentación")
    u.escribir(campo, f"{desde:%d/%m/%Y} al {hasta:%d/%m/%Y}")
    campo.locator("xpath=..").locator("button").click()  # el calendario, solo para la captura (no se cuenta)
    selector = pagina.locator(".daterangepicker").last
    assert "Aplicar" in selector.inner_text() and "Cancelar" in selector.inner_text()
    capturar(pagina, "07-filtros-fechas")
    pagina.keyboard.press("Escape")
    u.clic_y_esperar(pagina.get_by_role("button", name=re.compile("Aplicar filtro|Aplicar")).first)
    capturar(pagina, "08-expedientes")
    ancho = pagina.evaluate("document.documentElement.scrollWidth")
    assert ancho <= 1366, f"la lista de expedientes no cabe en 1366 px ({ancho})"
    with pagina.expect_download() as descarga:
        u.clic(pagina.get_by_role("link", name="Exportar"))
    ruta = tmp_path / "expedientes.xlsx"
    descarga.value.save_as(ruta)
    ACCIONES["filtrar y exportar"] = u.n

    gdu = bd.session.scalar(sa.select(UnidadOrganica.id).where(UnidadOrganica.sigla == "GDU"))
    esperados = set(bd.session.scalars(sa.select(Expediente.codigo).where(
        Expediente.unidad_actual_id == gdu, Expediente.estado == "en_tramite",
        Expediente.fecha_presentacion.between(desde, hasta))))
    libro = openpyxl.load_workbook(ruta, read_only=True)  # read_only deja el archivo abierto hasta close()
    try:
        filas = list(libro.worksheets[0].iter_rows(values_only=True))
    finally:
        libro.close()
    assert filas[0][0] == "Código"
    assert {f[0] for f in filas[1:]} == esperados and len(filas) - 1 == len(esperados) > 0


def test_secretaria_general_conduce_una_sesion(servidor, pagina, bd, tmp_path):
    """Asistencia (todos presentes), instalar, votar con «Todos a favor», levantar y descargar el acta."""
    from models import SesionConcejo

    ingresar(pagina, servidor, "secretaria_general")
    # el menú completo (nueve categorías y el usuario) cabe en una línea a 1366 px
    alturas = pagina.evaluate("[...document.querySelectorAll('.navbar .navbar-nav > li')]"
                              ".map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(alturas) >= 10 and len(set(alturas)) == 1, alturas
    u = Contador(pagina)
    u.clic(pagina.locator(".navbar").get_by_role("link", name="Concejo"))
    u.clic_y_esperar(pagina.locator('.navbar a[href="/admin/sesion_concejo/"]'))
    u.clic_y_esperar(pagina.locator("tbody tr", has_text="Convocada").locator("a[title='Conducir la sesión']"))
    u.clic(pagina.get_by_role("button", name="Todos presentes"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Guardar asistencia"))
    assert "Hay quórum" in pagina.locator("body").inner_text()
    u.clic_y_esperar(pagina.get_by_role("button", name="Instalar la sesión"))
    for _ in range(2):
        tarjeta = pagina.locator(".card", has=pagina.get_by_role("button", name="Registrar votación")).first
        u.clic(tarjeta.get_by_role("button", name="Todos a favor"))
        u.clic_y_esperar(tarjeta.get_by_role("button", name="Registrar votación"))
    capturar(pagina, "09-conducir-sesion", pagina_completa=True)
    u.clic_y_esperar(pagina.get_by_role("button", name="Levantar la sesión"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Generar borrador"))
    with pagina.expect_download() as descarga:
        u.clic(pagina.get_by_role("link", name="Word"))
    ruta = tmp_path / "acta.docx"
    descarga.value.save_as(ruta)
    ACCIONES["conducir una sesión"] = u.n

    import docx

    texto = "\n".join(p.text for p in docx.Document(str(ruta)).paragraphs)
    assert "festividades navideñas" in texto
    sesion = bd.session.scalar(sa.select(SesionConcejo).order_by(SesionConcejo.fecha_hora.desc()))
    assert sesion.estado.value == "levantada" and sesion.acta is not None
    assert all(p.resultado.value == "aprobado" for p in sesion.puntos)
    assert any("Registrar la votación" in d for d in DIALOGOS)


def test_ciudadano_presenta_en_mesa_digital_desde_el_celular(servidor, navegador, bd, tmp_path):
    from models import Expediente

    pdf = tmp_path / "solicitud.pdf"
    pdf.write_bytes(PDF)
    ctx = navegador.new_context(locale="es-PE", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    pagina = ctx.new_page()
    pagina.goto(servidor("/mesa-de-partes"))
    capturar(pagina, "10-mesa-digital-celular", pagina_completa=True)
    ancho = pagina.evaluate("document.documentElement.scrollWidth")
    assert ancho <= 390, f"la página se sale del celular ({ancho} px)"
    u = Contador(pagina)
    u.escribir(pagina.locator("[name=numero_documento]"), "70123456")
    u.escribir(pagina.locator("[name=nombres]"), "Lucía")
    u.escribir(pagina.locator("[name=apellidos]"), "Huamán Flores")
    u.escribir(pagina.locator("[name=email]"), "lucia@example.com")
    u.escribir(pagina.locator("[name=asunto]"), "Solicita copia certificada de partida de nacimiento")
    u.subir(pagina.locator("[name=archivo]"), str(pdf))
    a, b = map(int, re.search(r"(\d+) \+ (\d+)", pagina.locator("label[for=respuesta]").inner_text()).groups())
    u.escribir(pagina.locator("[name=respuesta]"), str(a + b))
    u.clic(pagina.get_by_role("button", name="Presentar documento"))
    pagina.wait_for_url(re.compile(r".*/mesa-de-partes/cargo"))
    ACCIONES["mesa digital en el celular"] = u.n
    capturar(pagina, "12-cargo-digital-celular", pagina_completa=True)
    assert pagina.evaluate("document.documentElement.scrollWidth") <= 390
    exp = bd.session.scalar(sa.select(Expediente).where(Expediente.asunto.like("%partida de nacimiento")))
    assert exp is not None and exp.canal.value == "digital" and exp.codigo in pagina.locator("body").inner_text()
    assert len(exp.adjuntos) == 1
    ctx.close()


def test_el_acta_se_redacta_con_un_editor_de_texto(servidor, pagina, bd):
    """Trix (vendorizado, sin CDN): barra en castellano, negrita; al guardar, el marcado del editor queda saneado
    y lo generado (asistencia en lista, acuerdos) sobrevive a la ida y vuelta por el editor."""
    from models import Acta, EstadoActa

    acta = bd.session.scalar(sa.select(Acta).where(Acta.estado == EstadoActa.borrador).order_by(Acta.id.desc()))
    ingresar(pagina, servidor, "secretaria_general")
    externos = []
    pagina.on("request", lambda r: externos.append(r.url)
              if r.resource_type == "script" and not r.url.startswith(servidor.url) else None)
    pagina.goto(servidor(f"/admin/acta/edit/?id={acta.id}"))
    editor = pagina.locator("trix-editor")
    editor.wait_for()
    assert pagina.locator("trix-toolbar [data-trix-attribute=bold]").get_attribute("title") == "Negrita"
    assert pagina.locator("#contenido").is_hidden()
    editor.click()
    pagina.keyboard.press("Control+End")
    pagina.keyboard.press("Enter")
    negrita = pagina.locator("trix-toolbar [data-trix-attribute=bold]")
    negrita.click()  # el botón de la barra (Ctrl+B justo tras Enter a veces llega antes que el editor)
    expect(negrita).to_have_class(re.compile(r"trix-active"))
    pagina.keyboard.type("Constancia del Secretario General")
    capturar(pagina, "11-editor-acta")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Guardar", exact=True).click()
    assert not externos, externos  # el editor no viene de un CDN
    bd.session.expire_all()
    contenido = bd.session.get(Acta, acta.id).contenido
    assert "<strong>Constancia del Secretario General</strong>" in contenido
    assert "<li>" in contenido and "Asistencia y quórum" in contenido and "Resultado: <strong>" in contenido
    etiquetas = sorted(set(re.findall(r"<([a-z0-9]+)", contenido)))
    atributos = sorted(set(re.findall(r" ([a-z-]+)=", contenido)))
    print("\nEtiquetas del acta tras el editor:", etiquetas, "atributos:", atributos)
