"""Expedir (issue 26, motor): la plantilla HTML/CSS en un entorno aislado, el cuerpo saneado, la denominación del año,
la URL de verificación, y el PDF/A-2b A4 con WeasyPrint (metadatos, idioma, texto extraíble, fuentes incrustadas,
nada pedido a otro sitio) con los campos que se llenan al firmar."""

from __future__ import annotations

import io
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa

from app import create_app
from models import DenominacionAnio, TipoDocumento, UnidadOrganica, db
from services import ErrorDeRegla
from services import expedir as ex

RAIZ = Path(__file__).resolve().parent.parent


def datos(**cambios) -> ex.DatosDocumento:
    base = dict(
        tipo="Memorando", asunto="Remite informe técnico de la obra en Av. Los Álamos 123",
        cuerpo_html="<div>Me dirijo a usted para <strong>remitir</strong> el informe.</div>",
        firmante=ex.Persona("Carlos Díaz Ramos", "Gerente de Desarrollo Urbano"),
        municipalidad="Municipalidad Distrital Demo", unidad="Gerencia de Desarrollo Urbano",
        codigo_provisional="MEMORANDO N° ____-2026-GDU/MDD", lugar="Lima",
        destinatario="Rosa Quispe Mamani\nSecretaria General", referencia="EXP-2026-000123",
        denominacion_anio="Año de la Esperanza y el Fortalecimiento de la Democracia",
        vistos=[ex.Persona("Ana Torres", "Asesora legal"), ex.Persona("Luis Huamán", "Subgerente")],
        cc=["Archivo central", "Alcaldía"], anexos=[ex.Anexo("Plano de ubicación", 2), ex.Anexo("Memoria", 1)],
        codigo_verificacion="AbCdEfGhIjKlMnOp",
        url_verificacion="https://tramite.muni.gob.pe/verificar/AbCdEfGhIjKlMnOp")
    base.update(cambios)
    return ex.DatosDocumento(**base)


@pytest.fixture
def app_sola(tmp_path):
    """Una app sin base de datos que usar (el motor no la necesita), con sus carpetas en tmp."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'sin.db'}", "SECRET_KEY": "x",
                      "ADJUNTOS_DIR": str(tmp_path / "adjuntos"), "FIRMA_RAICES_DIR": str(tmp_path / "raices"),
                      "URL_PUBLICA": "https://tramite.muni.gob.pe/"})
    with app.app_context():
        yield app


# ------------------------------------------------------------------------------------------------- plantilla
def test_vista_previa_con_todos_los_datos_y_los_recuadros_marcados(app_sola):
    html = ex.renderizar_html(datos())
    for texto in ("MUNICIPALIDAD DISTRITAL DEMO".title(), "«Año de la Esperanza y el Fortalecimiento de la "
                  "Democracia»", "MEMORANDO N° ____-2026-GDU/MDD", "Lima, (fecha de la firma)",
                  "Rosa Quispe Mamani", "Secretaria General", "EXP-2026-000123", "<strong>remitir</strong>",
                  "Carlos Díaz Ramos", "V° B° Ana Torres", "V° B° Luis Huamán", "Archivo central · Alcaldía",
                  "Plano de ubicación (2 folios)", "Memoria (1 folio)",
                  "https://tramite.muni.gob.pe/verificar/AbCdEfGhIjKlMnOp", 'lang="es-PE"'):
        assert texto in html, texto
    assert 'data-modo="vista-previa"' in html and "/static/vendor/lato/lato.css" in html
    assert 'src="data:image/svg+xml' in html  # el QR, en línea


def test_el_cuerpo_se_sanea_como_el_del_acta(app_sola):
    html = ex.renderizar_html(datos(cuerpo_html='<div onclick="x()">Hola<script>alert(1)</script>'
                                                '<img src="http://evil/x.png"><a href="javascript:x">y</a>'
                                                '<iframe src="http://evil"></iframe></div>'))
    cuerpo = html.split('<div class="cuerpo">')[1].split("</div>\n")[0]
    assert "Hola" in cuerpo
    for malo in ("<script", "onclick", "<img", "javascript:", "<iframe", "evil"):
        assert malo not in cuerpo


def test_los_textos_se_escapan(app_sola):
    html = ex.renderizar_html(datos(asunto="<b>Asunto</b> & «otro»", destinatario="<script>x</script>"))
    assert "&lt;b&gt;Asunto&lt;/b&gt; &amp; «otro»" in html and "<script>x" not in html


@pytest.mark.parametrize("plantilla, motivo", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "no se puede usar"),
    ("{{ firmante.nombre.__class__.__init__.__globals__ }}", "no se puede usar"),
    ("{% for x in %}", "error en la línea 1"),
    ("{{ variable_que_no_existe }}", "no se puede usar"),
])
def test_la_plantilla_corre_aislada_y_sus_errores_son_claros(app_sola, plantilla, motivo):
    with pytest.raises(ErrorDeRegla, match=motivo):
        ex.renderizar_html(datos(), plantilla)


def test_validar_plantilla_exige_los_recuadros_con_tamano(app_sola):
    ex.validar_plantilla(ex.plantilla_por_defecto())
    sin_firma = ex.plantilla_por_defecto().replace("{{ espacio_firma }}", "")
    with pytest.raises(ErrorDeRegla, match=r"\{\{ espacio_firma \}\}"):
        ex.validar_plantilla(sin_firma)
    sin_numero = ex.plantilla_por_defecto().replace("{{ codigo }}", "")
    with pytest.raises(ErrorDeRegla, match=r"\{\{ codigo \}\}"):
        ex.validar_plantilla(sin_numero)
    diminuto = ex.plantilla_por_defecto().replace("</style>", ".espacio-firma { width: 10mm; height: 5mm; }</style>")
    with pytest.raises(ErrorDeRegla, match="necesita al menos 45 × 15 mm"):
        ex.validar_plantilla(diminuto)


@pytest.mark.parametrize("fecha, texto", [
    (date(2026, 7, 28), "Lima, 28 de julio de 2026"),
    (date(2026, 12, 31), "Lima, 31 de diciembre de 2026"),
    (date(2027, 1, 1), "Lima, 1 de enero de 2027"),
    (date(2026, 4, 2), "Lima, 2 de abril de 2026"),  # Jueves Santo
])
def test_lugar_y_fecha_en_castellano(app_sola, fecha, texto):
    assert ex.lugar_fecha(fecha) == texto


def test_url_publica_manda_y_sin_ella_se_usa_la_de_la_peticion(app_sola):
    assert ex.url_de_verificacion("abc") == "https://tramite.muni.gob.pe/verificar/abc"
    app_sola.config["URL_PUBLICA"] = None
    with app_sola.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert ex.url_de_verificacion("abc") == "http://127.0.0.1:5000/verificar/abc"
    with pytest.raises(ErrorDeRegla, match="URL_PUBLICA"):
        ex.url_de_verificacion("abc")


# ------------------------------------------------------------------------------------------------------ PDF
@pytest.fixture
def pdf(app_sola):
    cuerpo = "".join(f"<div>Párrafo {i}: con ñ, tildes áéíóú, ° y «comillas». Lorem ipsum dolor sit amet, "
                     "consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</div>"
                     for i in range(1, 21))
    return ex.generar_pdf(datos(cuerpo_html=cuerpo))


def test_pdf_a4_pdfa2b_con_metadatos_idioma_y_texto(pdf):
    assert pdf.paginas == 2
    lector = pypdf.PdfReader(io.BytesIO(pdf.datos))
    assert len(lector.pages) == 2
    for pagina in lector.pages:
        assert round(float(pagina.mediabox.width)) == 595 and round(float(pagina.mediabox.height)) == 842
    meta = lector.metadata
    assert meta.title == "Memorando: Remite informe técnico de la obra en Av. Los Álamos 123"
    assert meta.author == "Municipalidad Distrital Demo – Gerencia de Desarrollo Urbano"
    assert meta.subject == "Remite informe técnico de la obra en Av. Los Álamos 123"
    assert lector.trailer["/Root"]["/Lang"] == "es-PE"
    xmp = lector.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert "Remite informe técnico" in xmp  # dc:title y dc:description iguales a /Info
    assert lector.trailer["/Root"]["/OutputIntents"]  # sRGB (PDF/A)
    texto = lector.pages[0].extract_text()
    for fragmento in ("MUNICIPALIDAD DISTRITAL DEMO", "Año de la Esperanza y el Fortalecimiento de la Democracia",
                      "Rosa Quispe Mamani", "EXP-2026-000123", "Párrafo 1: con ñ, tildes áéíóú",
                      "https://tramite.muni.gob.pe/verificar/AbCdEfGhIjKlMnOp", "Página 1 de 2"):
        assert fragmento in texto, fragmento
    assert "Plano de ubicación (2 folios)" in lector.pages[1].extract_text()
    # la marca de los recuadros no se imprime (el número y la fecha los pone la firma)
    assert "____" not in texto and "fecha de la firma" not in texto


def test_fuentes_incrustadas_y_solo_lato(pdf):
    lector = pypdf.PdfReader(io.BytesIO(pdf.datos))
    fuentes = set()
    for pagina in lector.pages:
        for fuente in pagina["/Resources"]["/Font"].values():
            f = fuente.get_object()
            descendiente = f["/DescendantFonts"][0].get_object() if "/DescendantFonts" in f else f
            descriptor = descendiente["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f["/BaseFont"]
            fuentes.add(str(f["/BaseFont"]).split("+")[-1])
    assert fuentes and all(f.startswith("Lato") for f in fuentes), fuentes


def test_campos_reservados_en_su_lugar(pdf):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    lector = PdfFileReader(io.BytesIO(pdf.datos))
    firmas = {nombre: ref.get_object() for nombre, valor, ref in enumerate_sig_fields(lector)}
    assert set(firmas) == {"VoBo1", "VoBo2", "Firma"}
    assert all(f.get("/V") is None for f in firmas.values())
    assert "/Lock" in firmas["Firma"]  # la firma del titular cierra el documento
    textos = {str(f.get_object()["/T"]): f.get_object() for f in lector.root["/AcroForm"]["/Fields"]
              if f.get_object()["/FT"] == "/Tx"}
    assert set(textos) == {"codigo", "fecha"}
    assert all(int(t["/Ff"]) & 1 for t in textos.values())  # solo lectura
    # los sellos de los vistos y de la firma no se superponen
    cajas = [(pdf.recuadros[n].pagina, pdf.recuadros[n].caja) for n in ("VoBo1", "VoBo2", "Firma")]
    for i, (p1, (ax1, ay1, ax2, ay2)) in enumerate(cajas):
        for p2, (bx1, by1, bx2, by2) in cajas[i + 1:]:
            assert p1 != p2 or ax2 <= bx1 or bx2 <= ax1 or ay2 <= by1 or by2 <= ay1
    assert pdf.recuadros["codigo"].pagina == 0 and pdf.recuadros["Firma"].pagina == 1


class _Servidor(BaseHTTPRequestHandler):
    pedidos: list[str] = []

    def do_GET(self):  # noqa: N802
        _Servidor.pedidos.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_nada_se_pide_a_otro_sitio(app_sola):
    servidor = ThreadingHTTPServer(("127.0.0.1", 0), _Servidor)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    try:
        url = f"http://127.0.0.1:{servidor.server_port}"
        plantilla = ex.plantilla_por_defecto().replace(
            "<style>", f'<link rel="stylesheet" href="{url}/hoja.css"><style>@import url("{url}/importada.css"); '
                       f'@font-face {{ font-family: Remota; src: url("{url}/fuente.woff2") }} '
                       f'body {{ background: url("{url}/fondo.png") }}', 1).replace(
            "</body>", f'<img src="{url}/imagen.png"><img src="file:///etc/passwd"></body>')
        resultado = ex.generar_pdf(datos(), plantilla)
        assert resultado.paginas >= 1
    finally:
        servidor.shutdown()
        servidor.server_close()
    assert _Servidor.pedidos == []


def test_guardar_y_leer_por_sha256(app_sola, pdf):
    import hashlib

    sha = ex.guardar_pdf(pdf.datos)
    assert sha == hashlib.sha256(pdf.datos).hexdigest()
    assert ex.leer_pdf(sha) == pdf.datos
    assert ex.guardar_pdf(pdf.datos) == sha  # el mismo contenido, el mismo archivo
    ruta = Path(app_sola.config["ADJUNTOS_DIR"]) / sha[:2] / sha[2:4] / f"{sha}.pdf"
    assert ruta.read_bytes() == pdf.datos
    for malo in ("../../etc/passwd", "0" * 63, "Z" * 64):
        with pytest.raises(ErrorDeRegla):
            ex.leer_pdf(malo)
    with pytest.raises(ErrorDeRegla, match="no está en el almacenamiento"):
        ex.leer_pdf("0" * 64)


# ------------------------------------------------------------------------------------------ con la base (demo)
def test_denominaciones_sembradas_por_la_migracion(app):
    filas = dict(db.session.execute(sa.select(DenominacionAnio.anio, DenominacionAnio.denominacion)).all())
    assert filas[2025] == "Año de la recuperación y consolidación de la economía peruana"
    assert filas[2026] == "Año de la Esperanza y el Fortalecimiento de la Democracia"
    assert ex.denominacion_del_anio(2026) == filas[2026] and ex.denominacion_del_anio(1999) is None
    db.session.add(DenominacionAnio(anio=2026, denominacion="Otra"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_datos_de_un_documento_de_la_demo_y_su_pdf(app):
    app.config.update(URL_PUBLICA="https://tramite.muni.gob.pe", LUGAR_DOCUMENTOS="Miraflores")
    tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == "Memorando"))
    unidad = db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == "GDU"))
    assert tipo.plantilla  # la demo siembra la plantilla del sistema para que el administrador la edite
    d = ex.datos_documento(tipo=tipo, unidad=unidad, asunto="Pedido de información", cuerpo_html="<div>Texto</div>",
                           firmante=ex.Persona("Carlos Díaz Ramos", "Gerente"), codigo_verificacion="Qw12Er34Ty56Ui78",
                           anio=2026)
    assert d.municipalidad == app.config["MUNICIPALIDAD"] and d.unidad == unidad.nombre
    assert d.codigo_provisional == "MEMORANDO N° ____-2026-GDU/MDD"
    assert d.denominacion_anio == "Año de la Esperanza y el Fortalecimiento de la Democracia"
    assert d.url_verificacion == "https://tramite.muni.gob.pe/verificar/Qw12Er34Ty56Ui78"
    assert d.logo.startswith("data:image/svg+xml;base64,")
    resultado = ex.generar_pdf(d, ex.plantilla_de(tipo))
    texto = pypdf.PdfReader(io.BytesIO(resultado.datos)).pages[0].extract_text()
    assert "Pedido de información" in texto and "Año de la Esperanza" in texto
    tipo.plantilla = ex.plantilla_por_defecto().replace("Atentamente,", "Muy atentamente,")
    assert "Muy atentamente," in ex.renderizar_html(d, ex.plantilla_de(tipo))
