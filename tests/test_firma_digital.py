"""Firma digital de los documentos que emite la entidad (issue 26, motor): PAdES incremental con pyHanko — vistos
buenos y firma del titular en el mismo archivo, cada uno con su sello; la última firma cubre todo el archivo; cada
certificado malo (vencido, aún no vigente, de una CA ajena, sin «no repudio», contraseña errada, otra persona) se
rechaza sin producir nada; lote con una contraseña; sello de tiempo (B-T) y revocación (B-LT) con servidores locales;
verificación que detecta un archivo alterado; PKI demo idempotente."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader

from app import create_app
from services import ErrorDeRegla
from services import expedir as ex
from services import firma_digital as fd
from tests.pki_prueba import CA, CLAVE_P12

CODIGO = "MEMORANDO N° 015-2026-GDU/MDD"


@pytest.fixture(scope="module")
def pki():
    """Una CA de confianza y otra ajena, con firmantes buenos y malos (PKCS#12 con CLAVE_P12)."""
    ca, ajena = CA.nueva("CA de confianza de prueba"), CA.nueva("CA ajena")
    return {
        "ca": ca,
        "ana": ca.emitir("ANA TORRES VEGA", "40000011"),
        "luis": ca.emitir("LUIS HUAMÁN ROJAS", "40000012"),
        "carlos": ca.emitir("CARLOS DÍAZ RAMOS", "40000013", rsa_2048=True),
        "vencido": ca.emitir("CARLOS DÍAZ RAMOS", "40000013", desde=-400, hasta=-2),
        "futuro": ca.emitir("CARLOS DÍAZ RAMOS", "40000013", desde=3, hasta=400),
        "sin_no_repudio": ca.emitir("CARLOS DÍAZ RAMOS", "40000013", no_repudio=False),
        "ajeno": ajena.emitir("CARLOS DÍAZ RAMOS", "40000013"),
    }


@pytest.fixture
def app_firma(tmp_path, pki):
    raices = tmp_path / "raices"
    raices.mkdir()
    (raices / "ca.pem").write_bytes(pki["ca"].pem)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'sin.db'}", "SECRET_KEY": "x",
                      "ADJUNTOS_DIR": str(tmp_path / "adjuntos"), "FIRMA_RAICES_DIR": str(raices),
                      "URL_PUBLICA": "https://tramite.muni.gob.pe"})
    with app.app_context():
        yield app


@pytest.fixture
def borrador(app_firma) -> bytes:
    d = ex.DatosDocumento(
        tipo="Memorando", asunto="Remite informe técnico", cuerpo_html="<div>Texto del memorando.</div>",
        firmante=ex.Persona("Carlos Díaz Ramos", "Gerente de Desarrollo Urbano"),
        municipalidad="Municipalidad Distrital Demo", unidad="Gerencia de Desarrollo Urbano", lugar="Lima",
        vistos=[ex.Persona("Ana Torres Vega", "Asesora legal"), ex.Persona("Luis Huamán Rojas", "Subgerente")],
        codigo_verificacion="AbCdEfGhIjKlMnOp", url_verificacion=ex.url_de_verificacion("AbCdEfGhIjKlMnOp"))
    return ex.generar_pdf(d).datos


def cred(pki, quien: str, clave: str = CLAVE_P12) -> fd.Credencial:
    return fd.Credencial(pkcs12=pki[quien], clave=clave)


def visto(datos: bytes, pki, n: int, quien: str, nombre: str) -> fd.Firmado:
    return fd.firmar(datos, cred(pki, quien), campo=ex.campo_visto(n), nombre=nombre, cargo="Revisor",
                     motivo=fd.MOTIVO_VISTO_BUENO, esperado=fd.Esperado(nombre=nombre))


def titular(datos: bytes, pki, quien: str = "carlos", **kw) -> fd.Firmado:
    kw.setdefault("esperado", fd.Esperado(dni="40000013", nombre="Carlos Díaz Ramos"))
    return fd.firmar(datos, cred(pki, quien), campo=ex.CAMPO_FIRMA, nombre="Carlos Díaz Ramos",
                     cargo="Gerente de Desarrollo Urbano", motivo=fd.MOTIVO_AUTOR,
                     completar={ex.CAMPO_CODIGO: CODIGO, ex.CAMPO_FECHA: ex.lugar_fecha(date(2026, 12, 7))}, **kw)


@pytest.fixture
def firmado(borrador, pki):
    """(borrador, tras V° B° 1, tras V° B° 2, firmado por el titular)."""
    v1 = visto(borrador, pki, 1, "ana", "Ana Torres Vega")
    v2 = visto(v1.datos, pki, 2, "luis", "Luis Huamán Rojas")
    return borrador, v1, v2, titular(v2.datos, pki)


def test_vistos_buenos_y_firma_incrementales_en_el_mismo_archivo(firmado):
    borrador, v1, v2, final = firmado
    # cada firma agrega una revisión: lo anterior queda byte a byte al comienzo del archivo
    assert v1.datos.startswith(borrador) and v2.datos.startswith(v1.datos) and final.datos.startswith(v2.datos)
    assert final.nivel == "PAdES B-B" and final.firmante == "CARLOS DÍAZ RAMOS" and not final.avisos
    firmas = fd.verificar_firmas(final.datos)
    assert [(f.campo, f.firmante, f.motivo) for f in firmas] == [
        ("VoBo1", "ANA TORRES VEGA", "Doy V° B°"), ("VoBo2", "LUIS HUAMÁN ROJAS", "Doy V° B°"),
        ("Firma", "CARLOS DÍAZ RAMOS", "Soy el autor del documento")]
    assert all(f.integra and f.confiable and f.estado == "íntegra" for f in firmas)
    assert [f.cubre_todo for f in firmas] == [False, False, True]  # la última cubre el archivo entero
    assert firmas[2].dni == "40000013"
    # pyHanko, directamente: la última firma cubre todo; las anteriores, su revisión con llenado de formulario
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    from services.firmas import raices_de_confianza

    lector = PdfFileReader(io.BytesIO(final.datos))
    estados = [validate_pdf_signature(s, ValidationContext(trust_roots=raices_de_confianza()))
               for s in lector.embedded_signatures]
    assert estados[-1].coverage == SignatureCoverageLevel.ENTIRE_FILE and estados[-1].bottom_line
    assert all(e.modification_level <= ModificationLevel.FORM_FILLING and e.bottom_line for e in estados[:-1])


def test_la_firma_del_titular_pone_numero_y_fecha_y_cierra_el_documento(firmado, pki):
    *_, final = firmado
    lector = PdfFileReader(io.BytesIO(final.datos))
    valores = {str(f.get_object()["/T"]): str(f.get_object().get("/V", ""))
               for f in lector.root["/AcroForm"]["/Fields"]}
    assert valores["codigo"] == CODIGO and valores["fecha"] == "Lima, 7 de diciembre de 2026"
    # metadatos y PDF/A siguen tras las firmas
    meta = pypdf.PdfReader(io.BytesIO(final.datos))
    assert meta.metadata.title == "Memorando: Remite informe técnico"
    assert meta.metadata.author == "Municipalidad Distrital Demo – Gerencia de Desarrollo Urbano"
    xmp = meta.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert str(meta.metadata.producer) in xmp  # el productor de /Info y el de XMP coinciden (PDF/A)
    # nada más se firma después de la firma del titular
    with pytest.raises(ErrorDeRegla, match="ya está firmado"):
        titular(final.datos, pki)


def test_si_el_espacio_calculado_para_la_firma_no_alcanza_se_mide(borrador, pki, monkeypatch):
    monkeypatch.setattr(fd, "_espacio_firma", lambda f, con_tsa: 64)
    hecho = titular(borrador, pki)
    assert fd.verificar_firmas(hecho.datos)[-1].integra


def test_el_sello_de_cada_firma_esta_en_su_recuadro(firmado):
    *_, final = firmado
    lector = PdfFileReader(io.BytesIO(final.datos))
    for ref in lector.root["/AcroForm"]["/Fields"]:
        campo = ref.get_object()
        if campo["/FT"] != "/Sig":
            continue
        x1, y1, x2, y2 = (float(v) for v in campo["/Rect"])
        assert x2 - x1 > 100 and y2 - y1 > 30
        apariencia = campo["/AP"]["/N"].get_object()
        assert apariencia.data.strip()  # dibuja algo: el sello importado
        assert int(campo["/F"]) & 4  # se imprime


BADS = [
    ("vencido", None, "venció el"),
    ("futuro", None, "aún no está vigente"),
    ("ajeno", None, "no es de una entidad de certificación de confianza"),
    ("sin_no_repudio", None, "no repudio"),
    ("carlos", "otra-clave", "la contraseña no es correcta"),
    ("ana", None, "El certificado es de ANA TORRES VEGA, no de Carlos Díaz Ramos"),
]


@pytest.mark.parametrize("quien, clave, mensaje", BADS, ids=[b[0] + ("-clave" if b[1] else "") for b in BADS])
def test_certificados_malos_se_rechazan_sin_producir_nada(borrador, pki, quien, clave, mensaje, app_firma):
    with pytest.raises(ErrorDeRegla, match=mensaje) as e:
        fd.firmar(borrador, cred(pki, quien, clave or CLAVE_P12), campo=ex.CAMPO_FIRMA, nombre="Carlos Díaz Ramos",
                  esperado=fd.Esperado(dni="40000013", nombre="Carlos Díaz Ramos"),
                  completar={ex.CAMPO_CODIGO: CODIGO, ex.CAMPO_FECHA: "Lima, 7 de diciembre de 2026"})
    assert "No se firmó" in str(e.value)
    assert not Path(app_firma.config["ADJUNTOS_DIR"]).exists()  # nada guardado


def test_otra_persona_por_dni(borrador, pki):
    with pytest.raises(ErrorDeRegla, match="no de DNI 40000099"):
        fd.firmar(borrador, cred(pki, "carlos"), campo=ex.CAMPO_FIRMA, nombre="x",
                  esperado=fd.Esperado(dni="40000099"))


def test_sin_raices_configuradas_no_se_firma(borrador, pki, app_firma, tmp_path):
    app_firma.config["FIRMA_RAICES_DIR"] = str(tmp_path / "vacia")
    with pytest.raises(ErrorDeRegla, match="No hay raíces de confianza"):
        titular(borrador, pki)


def test_la_firma_del_titular_exige_numero_y_fecha(borrador, pki):
    with pytest.raises(ErrorDeRegla, match="faltan fecha"):
        fd.firmar(borrador, cred(pki, "carlos"), campo=ex.CAMPO_FIRMA, nombre="Carlos",
                  completar={ex.CAMPO_CODIGO: CODIGO})
    with pytest.raises(ErrorDeRegla, match="no tiene el campo «numero»"):
        fd.firmar(borrador, cred(pki, "carlos"), campo=ex.CAMPO_FIRMA, nombre="Carlos", completar={"numero": "1"})


def test_campo_inexistente_o_no_pdf(borrador, pki):
    with pytest.raises(ErrorDeRegla, match="no tiene el espacio de firma «VoBo9»"):
        visto(borrador, pki, 9, "ana", "Ana Torres Vega")
    with pytest.raises(ErrorDeRegla, match="no es un PDF"):
        visto(b"no soy un pdf", pki, 1, "ana", "Ana Torres Vega")
    with pytest.raises(ErrorDeRegla, match="Entregue su certificado"):
        fd.firmar(borrador, fd.Credencial(), campo="VoBo1", nombre="x")


# ------------------------------------------------------------------------------------------- verificación
def _alterar(datos: bytes) -> bytes:
    """Cambia un byte dentro de lo firmado (el alto de la página A4 del primer MediaBox)."""
    i = datos.index(b"841.889")
    return datos[:i] + b"842.889" + datos[i + 7:]


def test_un_byte_cambiado_se_informa_alterado(firmado):
    *_, final = firmado
    firmas = fd.verificar_firmas(_alterar(final.datos))
    assert firmas and not any(f.integra for f in firmas)
    assert all(f.estado == "alterada" and "cambió" in f.detalle for f in firmas)


def test_una_revision_agregada_despues_de_firmar_se_informa(firmado):
    """Alguien agrega una revisión (un texto sobre la página) al PDF firmado: la firma del titular ya no cubre el
    archivo y, como cerraba el documento, queda «alterada»."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    *_, final = firmado
    w = IncrementalPdfFileWriter(io.BytesIO(final.datos))
    pagina_ref = w.find_page_for_modification(0)[0]
    anot = generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Annot"),
                                     generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                                     generic.NameObject("/Rect"): generic.ArrayObject(
                                         [generic.FloatObject(v) for v in (100, 100, 300, 130)]),
                                     generic.NameObject("/Contents"): generic.pdf_string("ANULADO"),
                                     generic.NameObject("/DA"): generic.pdf_string("/Helv 12 Tf 0 g")})
    pagina = pagina_ref.get_object()
    pagina["/Annots"].append(w.add_object(anot))
    w.update_container(pagina)
    salida = io.BytesIO()
    w.write(salida)
    firmas = fd.verificar_firmas(salida.getvalue())
    assert not firmas[-1].cubre_todo and not firmas[-1].integra
    assert "no permitida" in firmas[-1].detalle


def test_archivo_guardado_y_alterado_en_el_almacenamiento(firmado, app_firma):
    *_, final = firmado
    sha = ex.guardar_pdf(final.datos)
    assert all(f.integra for f in fd.verificar_firmas(ex.leer_pdf(sha)))
    ruta = Path(app_firma.config["ADJUNTOS_DIR"]) / sha[:2] / sha[2:4] / f"{sha}.pdf"
    ruta.write_bytes(_alterar(final.datos))
    assert not any(f.integra for f in fd.verificar_firmas(ex.leer_pdf(sha)))
    ruta.write_bytes(b"%PDF-1.7\nbasura")
    with pytest.raises(ErrorDeRegla, match="dañado o fue alterado"):
        fd.verificar_firmas(ex.leer_pdf(sha))


def test_cadena_no_confiable_al_verificar(firmado, app_firma, tmp_path):
    *_, final = firmado
    app_firma.config["FIRMA_RAICES_DIR"] = str(tmp_path / "otra")
    firmas = fd.verificar_firmas(final.datos)
    assert all(f.integra and not f.confiable for f in firmas)
    assert "raíz de confianza" in firmas[0].detalle


# ---------------------------------------------------------------------------------------------------- lote
def test_lote_una_clave_cada_documento_todo_o_nada(borrador, pki):
    ya_firmado = visto(borrador, pki, 1, "ana", "Ana Torres Vega").datos
    pedidos = [fd.PedidoFirma(1, borrador, "VoBo1", "Ana Torres Vega", motivo=fd.MOTIVO_VISTO_BUENO),
               fd.PedidoFirma(2, ya_firmado, "VoBo1", "Ana Torres Vega", motivo=fd.MOTIVO_VISTO_BUENO),
               fd.PedidoFirma(3, b"roto", "VoBo1", "Ana Torres Vega"),
               fd.PedidoFirma(4, borrador, "VoBo1", "Ana Torres Vega", esperado=fd.Esperado(dni="40000012")),
               fd.PedidoFirma(5, ya_firmado, "VoBo2", "Ana Torres Vega", motivo=fd.MOTIVO_VISTO_BUENO)]
    resultados = fd.firmar_lote(pedidos, cred(pki, "ana"))
    assert [(r.clave, r.ok) for r in resultados] == [(1, True), (2, False), (3, False), (4, False), (5, True)]
    assert "ya está firmado" in resultados[1].error and "no es un PDF" in resultados[2].error
    assert "no de DNI 40000012" in resultados[3].error
    for r in (resultados[0], resultados[4]):
        assert fd.verificar_firmas(r.firmado.datos)[-1].integra


def test_lote_con_clave_errada_no_firma_ninguno(borrador, pki):
    with pytest.raises(ErrorDeRegla, match="contraseña"):
        fd.firmar_lote([fd.PedidoFirma(1, borrador, "VoBo1", "Ana")], cred(pki, "ana", "mala"))


# ---------------------------------------------------------------------------------- sello de tiempo y revocación
class _Servicios(BaseHTTPRequestHandler):
    """TSA RFC 3161 (con el DummyTimeStamper de pyHanko) en POST /tsa y la CRL de la CA en GET /ca.crl."""

    tsa = None
    crl = b""
    pedidos: list[str] = []

    def do_POST(self):  # noqa: N802
        from asn1crypto import tsp

        _Servicios.pedidos.append(self.path)
        pedido = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        respuesta = asyncio.run(_Servicios.tsa.async_request_tsa_response(pedido)).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(respuesta)))
        self.end_headers()
        self.wfile.write(respuesta)

    def do_GET(self):  # noqa: N802
        _Servicios.pedidos.append(self.path)
        if self.path != "/ca.crl":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(_Servicios.crl)))
        self.end_headers()
        self.wfile.write(_Servicios.crl)

    def log_message(self, *args):
        pass


@pytest.fixture
def servicios(pki):
    from pyhanko.sign.timestamps import DummyTimeStamper

    cert, clave, raiz = pki["ca"].tsa()
    _Servicios.tsa = DummyTimeStamper(tsa_cert=cert, tsa_key=clave, certs_to_embed=[raiz])
    _Servicios.crl = pki["ca"].crl()
    _Servicios.pedidos = []
    servidor = ThreadingHTTPServer(("127.0.0.1", 0), _Servicios)
    threading.Thread(target=servidor.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{servidor.server_port}"
    servidor.shutdown()
    servidor.server_close()


def test_con_tsa_la_firma_es_b_t(borrador, pki, app_firma, servicios):
    app_firma.config["FIRMA_TSA_URL"] = f"{servicios}/tsa"
    hecho = titular(borrador, pki)
    assert hecho.nivel == "PAdES B-T" and "/tsa" in _Servicios.pedidos
    [firma] = [f for f in fd.verificar_firmas(hecho.datos) if f.campo == "Firma"]
    assert firma.con_sello_de_tiempo and firma.integra and firma.cubre_todo


def test_tsa_caida_no_se_firma(borrador, pki, app_firma):
    app_firma.config["FIRMA_TSA_URL"] = "http://127.0.0.1:9/tsa"
    with pytest.raises(ErrorDeRegla, match="sello de tiempo"):
        titular(borrador, pki)


def test_con_tsa_y_revocacion_la_firma_es_b_lt(borrador, pki, app_firma, servicios):
    app_firma.config["FIRMA_TSA_URL"] = f"{servicios}/tsa"
    pki = {"carlos": pki["ca"].emitir("CARLOS DÍAZ RAMOS", "40000013", crl_url=f"{servicios}/ca.crl")}
    hecho = titular(borrador, pki)
    assert hecho.nivel == "PAdES B-LT" and "/ca.crl" in _Servicios.pedidos and not hecho.avisos
    dss = PdfFileReader(io.BytesIO(hecho.datos)).root["/DSS"]
    assert "/CRLs" in dss
    [firma] = [f for f in fd.verificar_firmas(hecho.datos) if f.campo == "Firma"]
    assert firma.integra and firma.cubre_todo  # lo agregado después (DSS) es de validación


def test_revocacion_inalcanzable_firma_igual_con_aviso(borrador, pki, app_firma, servicios):
    app_firma.config["FIRMA_TSA_URL"] = f"{servicios}/tsa"
    pki = {"carlos": pki["ca"].emitir("CARLOS DÍAZ RAMOS", "40000013", crl_url="http://127.0.0.1:9/ca.crl")}
    hecho = titular(borrador, pki)
    assert hecho.nivel == "PAdES B-T" and "revocación" in hecho.avisos[0]
    assert fd.verificar_firmas(hecho.datos)[-1].integra


# -------------------------------------------------------------------------------------------------- PKI demo
def test_pki_demo_idempotente_y_usable(borrador, app_firma, tmp_path):
    carpeta, raices = tmp_path / "firma_demo", Path(app_firma.config["FIRMA_RAICES_DIR"])
    rutas = fd.generar_pki_demo("demo-123", {"secretaria_general": "Rosa Quispe Mamani", "unidad": "Carlos Díaz"},
                                carpeta=carpeta)
    assert set(rutas) == {"secretaria_general", "unidad"}
    antes = {p.name: p.read_bytes() for p in carpeta.iterdir()}
    assert antes.keys() == {"ca.pem", "ca.key", "secretaria_general.p12", "unidad.p12"}
    assert b"ENCRYPTED PRIVATE KEY" in antes["ca.key"] and (carpeta / "ca.key").stat().st_mode & 0o077 == 0
    assert (raices / "ca-demo-sin-validez.pem").read_bytes() == antes["ca.pem"]
    clave, cert, _ = pkcs12.load_key_and_certificates(antes["unidad.p12"], b"demo-123")
    assert "DEMO – SIN VALIDEZ" in cert.subject.rfc4514_string() and "Carlos Díaz" in cert.subject.rfc4514_string()
    uso = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert uso.content_commitment and uso.digital_signature
    # otra vez: nada cambia
    fd.generar_pki_demo("demo-123", {"secretaria_general": "Rosa Quispe Mamani", "unidad": "Carlos Díaz"},
                        carpeta=carpeta)
    assert {p.name: p.read_bytes() for p in carpeta.iterdir()} == antes
    # un firmante nuevo no rehace los demás
    fd.generar_pki_demo("demo-123", {"unidad": "Carlos Díaz", "archivo": "María Flores"}, carpeta=carpeta)
    assert (carpeta / "unidad.p12").read_bytes() == antes["unidad.p12"] and (carpeta / "archivo.p12").is_file()
    # con la contraseña demo se firma (la CA demo está entre las raíces)
    hecho = fd.firmar(borrador, fd.Credencial(pkcs12=rutas["unidad"].read_bytes(), clave="demo-123"),
                      campo="VoBo1", nombre="Carlos Díaz", esperado=fd.Esperado(nombre="Carlos Díaz"))
    assert fd.verificar_firmas(hecho.datos)[-1].confiable
    # otra contraseña demo: se rehace todo (los .p12 viejos no abrirían)
    fd.generar_pki_demo("otra-clave", {"unidad": "Carlos Díaz"}, carpeta=carpeta)
    assert (carpeta / "ca.pem").read_bytes() != antes["ca.pem"]
    pkcs12.load_key_and_certificates((carpeta / "unidad.p12").read_bytes(), b"otra-clave")


def test_comando_firma_demo(app_firma, tmp_path, monkeypatch):
    monkeypatch.setattr(app_firma, "instance_path", str(tmp_path / "instancia"))
    r = app_firma.test_cli_runner().invoke(args=["firma-demo", "--password", "demo-123"])
    assert r.exit_code == 0, r.output
    assert "9 certificados demo (sin validez legal)" in r.output
    carpeta = tmp_path / "instancia" / "firma_demo"
    assert {p.name for p in carpeta.glob("*.p12")} == {f"{u}.p12" for u in (
        "admin", "secretaria_general", "mesa_partes", "unidad", "archivo", "fedatario", "transparencia", "concejo",
        "auditor")}
    _, cert, _ = pkcs12.load_key_and_certificates((carpeta / "secretaria_general.p12").read_bytes(), b"demo-123")
    assert "Rosa Quispe Mamani" in cert.subject.rfc4514_string()


def test_pki_demo_no_escribe_en_la_base(app):
    from models import db

    def filas():
        return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}

    antes = filas()
    carpeta = Path(app.config["ADJUNTOS_DIR"]).parent / "firma_demo"
    fd.generar_pki_demo("demo", {"unidad": "Carlos Díaz"}, carpeta=carpeta,
                        raices_dir=carpeta.parent / "raices")
    db.session.commit()
    assert filas() == antes


def test_la_validacion_de_un_archivo_se_recuerda_por_su_hash_y_sus_raices(app_firma, firmado, pki, tmp_path,
                                                                          monkeypatch):
    """/verificar de un mismo documento (cada lectura de su QR) no vuelve a validar el archivo guardado con pyHanko:
    el resultado se recuerda por SHA-256 y raíces unos minutos; otras raíces u otro archivo se validan de nuevo."""
    import models

    llamadas = []
    original = fd._validar_firmas
    monkeypatch.setattr(fd, "_validar_firmas", lambda datos, raices: llamadas.append(1) or original(datos, raices))
    monkeypatch.setattr(fd, "_validadas", {})
    pdf = firmado[-1].datos
    primera = fd.verificar_firmas(pdf)
    assert [f.integra for f in primera] == [True, True, True] and all(f.confiable for f in primera)
    assert [f.campo for f in fd.verificar_firmas(pdf)] == [f.campo for f in primera] and len(llamadas) == 1
    fd.verificar_firmas(firmado[-2].datos)  # otro archivo
    assert len(llamadas) == 2
    otras = tmp_path / "otras_raices"
    otras.mkdir()
    (otras / "otra.pem").write_bytes(CA.nueva("Otra CA").pem)
    app_firma.config["FIRMA_RAICES_DIR"] = str(otras)  # TI cambió las raíces: se valida de nuevo, y ya no confía
    assert not any(f.confiable for f in fd.verificar_firmas(pdf)) and len(llamadas) == 3
    despues = models.ahora() + fd.VIGENCIA_CACHE + timedelta(seconds=1)
    monkeypatch.setattr(models, "reloj", lambda: despues)
    fd.verificar_firmas(pdf)
    assert len(llamadas) == 4
