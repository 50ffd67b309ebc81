"""La casilla electrónica en un navegador de verdad (Chromium + Playwright), de extremo a extremo (issue 27).

Un ciudadano presenta por la mesa de partes digital, crea su casilla desde el cargo (con su autorización), la activa
con el enlace del correo, Mesa de Partes observa su expediente, él lo subsana en línea y recibe la notificación en su
casilla (el PDF del documento emitido: el firmado, si lo tiene; tests/test_casilla_personal.py lo prueba con el motor
del issue 26). Luego Mesa de Partes encuentra el depósito, ve que se leyó y valida la casilla creada en línea.
Capturas 19–25 (`make capturas` las rehace en docs/capturas/)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.e2e import Contador, capturar, exigir_navegador, ingresar, servir
from tests.pdf_prueba import pdf_valido

pytestmark = pytest.mark.e2e
PDF = pdf_valido()
DNI, CLAVE_CASILLA = "45118822", "Mi casilla de Huancayo 2026"


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory):
    """La app servida con la hora fija en un miércoles hábil (el recorrido no depende del día en que corre) y un
    servidor de correo falso en el mismo proceso (los enlaces de activación llegan a `CORREOS`)."""
    exigir_navegador()
    import models
    import services.correo

    parche = pytest.MonkeyPatch()
    parche.setattr(models, "reloj", lambda: datetime(2026, 7, 22, 15, 0, tzinfo=models.ZONA_LIMA))

    class SMTPFalso:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, msg):
            CORREOS.append(msg)

    parche.setattr(services.correo.smtplib, "SMTP", SMTPFalso)
    srv, detener = servir(plantilla_sqlite, tmp_path_factory.mktemp("e2e-casilla"))
    srv.app.config["MAIL_SERVER"] = "smtp.muni.test"
    yield srv
    detener()
    parche.undo()


CORREOS: list = []


def _contexto(navegador):
    ctx = navegador.new_context(locale="es-PE", timezone_id="America/Lima", viewport={"width": 1280, "height": 900})
    pagina = ctx.new_page()
    pagina.set_default_timeout(15_000)
    pagina.on("dialog", lambda d: d.accept())
    return ctx, pagina


def _enlace(servidor, destino: str) -> str:
    from services.correo import esperar_envios

    esperar_envios()
    msg = next(m for m in reversed(CORREOS) if m["To"] == destino)
    return re.search(r"https?://\S+/casilla/verificar/[\w-]+", msg.get_content()).group(0)


def test_ciudadano_presenta_crea_su_casilla_subsana_y_recibe_la_notificacion(servidor, navegador, bd, tmp_path):
    from models import DepositoCasilla, DocumentoEmitido, Expediente, TipoDocumento
    from services import tramite
    from tests.ayudas_casilla import adjuntar_pdf
    from tests.conftest import unidad

    pdf = tmp_path / "solicitud.pdf"
    pdf.write_bytes(PDF)
    ctx, c = _contexto(navegador)
    u = Contador(c)
    # 1. presenta por la mesa de partes digital
    c.goto(servidor("/mesa-de-partes"))
    u.escribir(c.locator("[name=numero_documento]"), DNI)
    u.escribir(c.locator("[name=nombres]"), "Marco Antonio")
    u.escribir(c.locator("[name=apellidos]"), "Huamán Ccori")
    u.escribir(c.locator("[name=email]"), "marco.huaman@example.pe")
    u.escribir(c.locator("[name=asunto]"), "Solicita certificado de posesión del lote 12")
    u.subir(c.locator("[name=archivo]"), str(pdf))
    a, b = map(int, re.search(r"(\d+) \+ (\d+)", c.locator("label[for=respuesta]").inner_text()).groups())
    u.escribir(c.locator("[name=respuesta]"), str(a + b))
    u.clic_y_esperar(c.get_by_role("button", name="Presentar documento"))
    exp = bd.session.scalar(sa.select(Expediente).where(Expediente.asunto.like("%posesión del lote 12")))
    assert exp is not None and exp.codigo in c.locator("body").inner_text()
    # 2. crea su casilla desde el cargo, con su autorización
    u.clic_y_esperar(c.get_by_role("link", name="Crear mi casilla electrónica"))
    assert c.locator("[name=email]").input_value() == "marco.huaman@example.pe"
    u.escribir(c.locator("[name=clave]"), CLAVE_CASILLA)
    u.escribir(c.locator("[name=repetir]"), CLAVE_CASILLA)
    u.clic(c.locator("[name=consentir]"))
    capturar(c, "19-casilla-crear", pagina_completa=True)
    u.clic_y_esperar(c.get_by_role("button", name="Crear mi casilla"))
    assert "Revise su correo" in c.locator("h1").inner_text()
    # 3. la activa con el enlace que le llegó al correo e ingresa
    c.goto(_enlace(servidor, "marco.huaman@example.pe"))
    u.clic_y_esperar(c.get_by_role("button", name="Activar mi casilla"))
    u.escribir(c.locator("[name=numero_documento]"), DNI)
    u.escribir(c.locator("[name=clave]"), CLAVE_CASILLA)
    u.clic_y_esperar(c.get_by_role("button", name="Ingresar"))
    assert c.url.endswith("/casilla/") and "No tiene notificaciones" in c.locator("main").inner_text()
    # 4. Mesa de Partes observa el expediente (art. 136)
    ctx_p, p = _contexto(navegador)
    ingresar(p, servidor, "mesa_partes")
    p.goto(servidor(f"/admin/expediente/tramitar/?id={exp.id}"))
    p.locator("[name=observacion]").fill("Adjunte la constancia de posesión firmada por los colindantes")
    with p.expect_navigation():
        p.get_by_role("button", name="Observar").click()
    # 5. el ciudadano lo ve en «Mis trámites» y lo subsana en línea
    u.clic_y_esperar(c.get_by_role("link", name="Mis trámites"))
    assert "Observado: subsane hasta el" in c.locator("main").inner_text()
    u.clic_y_esperar(c.get_by_role("link", name=exp.codigo))
    u.subir(c.locator("[name=archivo]"), str(pdf))
    u.escribir(c.locator("[name=comentario]"), "Adjunto la constancia firmada")
    capturar(c, "20-casilla-subsanar", pagina_completa=True)
    u.clic_y_esperar(c.get_by_role("button", name="Enviar la subsanación"))
    assert "Subsanación recibida" in c.locator("main").inner_text()
    bd.session.expire_all()
    exp = bd.session.get(Expediente, exp.id)
    assert exp.estado.value == "registrado" and exp.fecha_subsanacion is not None and len(exp.adjuntos) == 2
    # 6. la unidad emite la carta que le responde (con su PDF) y la notifica por casilla electrónica
    doc = DocumentoEmitido(tipo_documento=bd.session.scalar(sa.select(TipoDocumento).where(
        TipoDocumento.nombre == "Carta")), unidad=unidad("UTD"), fecha=exp.fecha_presentacion, expediente=exp,
        asunto="Atiende su solicitud de certificado de posesión", destinatario="Marco Antonio Huamán Ccori")
    tramite.numerar_documento(doc)
    bd.session.add(doc)
    bd.session.flush()
    tramite.emitir_documento(doc)
    adjuntar_pdf(doc)
    bd.session.commit()
    p.goto(servidor(f"/admin/notificacion/new/?documento={doc.id}"))
    p.locator("[name=modalidad]").evaluate("(el) => { $(el).select2('val', 'casilla_electronica'); "
                                           "$(el).trigger('change'); }")  # select2, como lo elige el usuario
    p.locator("[name=fecha_hora]").fill("22/07/2026 15:00")
    with p.expect_navigation():
        p.locator("input[type=submit]").first.click()
    assert "diligencia registrada" in p.locator("body").inner_text()
    ctx_p.close()
    # 7. le llega a su casilla: la abre, ve la constancia y el PDF
    u.clic_y_esperar(c.get_by_role("link", name="Notificaciones"))
    assert doc.codigo in c.locator("main").inner_text() and "Sin leer" in c.locator("main").inner_text()
    capturar(c, "21-casilla-bandeja", pagina_completa=True)
    u.clic_y_esperar(c.get_by_role("link", name=doc.codigo))
    dep = bd.session.scalar(sa.select(DepositoCasilla).where(DepositoCasilla.acto_codigo == doc.codigo))
    texto = c.locator("main").inner_text()
    assert dep.codigo in texto and dep.pdf_sha256 in texto and "22/07/2026" in texto
    capturar(c, "22-casilla-notificacion", pagina_completa=True)
    respuesta = c.request.get(servidor(f"/casilla/notificacion/{dep.id}/pdf"))
    assert respuesta.ok and respuesta.headers["content-type"] == "application/pdf"
    bd.session.expire_all()
    assert bd.session.get(DepositoCasilla, dep.id).leida_en is not None
    assert bd.session.get(DocumentoEmitido, doc.id).estado.value == "notificado"
    u.clic_y_esperar(c.get_by_role("link", name="Mis trámites"))
    capturar(c, "23-casilla-mis-tramites", pagina_completa=True)
    print(f"\nAcciones del ciudadano en la casilla: {u.n}")
    ctx.close()
    # 8. en Mesa de Partes, una empleada busca el depósito por el DNI y ve que se leyó; valida la identidad de la
    # casilla creada en línea (vio el documento en el mostrador) y ve su autorización
    ctx_p, p = _contexto(navegador)
    e = Contador(p)
    ingresar(p, servidor, "mesa_partes")
    tramite_menu = p.locator(".navbar .dropdown-toggle", has_text=re.compile(r"^\s*Trámite\s*$"))
    e.clic(tramite_menu)
    e.clic_y_esperar(p.locator('.navbar a[href="/admin/deposito_casilla/"]'))
    e.escribir(p.locator("input[name=search]"), dep.codigo)
    with p.expect_navigation():
        e.tecla("Enter")
    fila = p.locator("table.model-list tbody tr").filter(has_text=dep.codigo)
    assert fila.count() == 1 and "Leída el 22/07/2026 15:00" in fila.inner_text()
    assert "Marco Antonio Huamán Ccori" in fila.inner_text() and doc.codigo in fila.inner_text()
    capturar(p, "24-casilla-depositos-personal", pagina_completa=True)
    e.clic(tramite_menu)
    e.clic_y_esperar(p.locator('.navbar a[href="/admin/cuenta_casilla/"]'))
    fila = p.locator("table.model-list tbody tr").filter(has_text=DNI)
    assert "No" in fila.locator("td.col-identidad_validada_en").inner_text()
    e.clic(fila.locator("input[name=rowid]"))
    e.clic(p.get_by_role("button", name="Con seleccionados"))
    e.clic_y_esperar(p.get_by_role("link", name="Validar identidad (documento a la vista)"))  # confirma el diálogo
    assert "Identidad validada: 1 casilla." in p.locator("body").inner_text()
    e.clic_y_esperar(p.locator("table.model-list tbody tr").filter(has_text=DNI).locator("a[title='Ver registro']"))
    texto = p.locator("main").inner_text()
    assert "Historia de la autorización" in texto and "En línea" in texto and "Vigente" in texto
    assert "1 depósito (0 sin leer)" in texto
    capturar(p, "25-casilla-cuenta-personal", pagina_completa=True)
    print(f"Acciones de la empleada (buscar el depósito, validar la casilla): {e.n}")
    ctx_p.close()
