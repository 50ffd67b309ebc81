"""Expedir por HTTP (issue 26, parte B): redactar un memorando, V° B° en orden, firma con el número recién entonces,
entrega a la bandeja de la unidad de destino con el PDF, devolución con versión nueva, certificados malos que no
cambian nada, lote con una contraseña, /verificar con las firmas del archivo guardado (y alterado), dos clics a la
vez. La salida se abre con pyHanko."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from asn1crypto import x509 as ax
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from models import (
    Adjunto,
    Correlativo,
    Derivacion,
    DocumentoEmitido,
    EstadoRedaccion,
    Permiso,
    Redaccion,
    Rol,
    VersionRedaccion,
    VistoBueno,
    db,
)
from services import ErrorDeRegla
from tests.ayudas_expedir import (
    Pki,
    actuar,
    avisos,
    post_con_archivos,
    preparar_personas,
    redactar,
    ultima_redaccion,
)
from tests.conftest import PDF, a_la_vez, contar, texto_de
from tests.pki_prueba import CLAVE_P12

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
# las reglas no dependen de la base: el recorrido completo y los dos clics corren también en PostgreSQL
SOLO_SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture
def gente(app, pki, tmp_path, como):
    preparar_personas(app, pki, tmp_path / "raices")
    return {u: como(u) for u in ("unidad", "asesor", "gerente")}


def _enviado(gente, **kw) -> Redaccion:
    r = redactar(gente["unidad"], **kw)
    assert r.status_code == 302, avisos(r.text) or r.text[-2000:]
    red = ultima_redaccion()
    r = gente["unidad"].post(f"/admin/redaccion/enviar/?id={red.id}", {})
    assert r.status_code == 302
    return ultima_redaccion()


def _aviso(nav, respuesta) -> str:
    assert respuesta.status_code == 302, respuesta.text[-1500:]
    return " ".join(avisos(nav.get(respuesta.headers["Location"]).text))


def _firmado(gente, pki, **kw) -> Redaccion:
    red = _enviado(gente, **kw)
    for quien in [u for u in kw.get("revisores", ("unidad", "asesor"))]:
        assert "V° B° dado" in _aviso(gente[quien], actuar(gente[quien], red.id, pki.p12[quien]))
    assert "firmado digitalmente" in _aviso(gente["gerente"], actuar(gente["gerente"], red.id, pki.p12["gerente"]))
    return ultima_redaccion()


def _ultimo_numero() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Correlativo.ultimo), 0))
                             .where(Correlativo.clave.like("documento:MEM:GDU:%")))


def _firmas(datos: bytes, pki) -> list:
    """Cada firma del PDF validada con pyHanko contra la CA de prueba: (campo, CN del firmante, estado)."""
    raiz = ax.Certificate.load(pki.ca.cert.public_bytes(__import__(
        "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER))
    salida = []
    for firma in PdfFileReader(io.BytesIO(datos)).embedded_signatures:
        st = validate_pdf_signature(firma, ValidationContext(trust_roots=[raiz], allow_fetching=False))
        salida.append((firma.field_name, st.signing_cert.subject.native["common_name"], st))
    return salida


# ---------------------------------------------------------------------------------------------- el recorrido
def test_memorando_redactado_revisado_firmado_y_entregado(app, gente, pki, como):
    antes = _ultimo_numero()
    red = _enviado(gente)
    assert red.estado == EstadoRedaccion.en_revision
    assert "<script>" not in red.cuerpo and "<strong>remitirle</strong>" in red.cuerpo  # saneado como el acta
    # la vista previa es un PDF; el número aún no existe
    r = gente["unidad"].get(f"/admin/redaccion/pdf/?id={red.id}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    for quien in ("unidad", "asesor"):
        assert "V° B° dado" in _aviso(gente[quien], actuar(gente[quien], red.id, pki.p12[quien]))
    assert _ultimo_numero() == antes and contar(DocumentoEmitido) == 0  # ni con todos los V° B°
    assert "MEMORANDO N° " in _aviso(gente["gerente"], actuar(gente["gerente"], red.id, pki.p12["gerente"]))

    red = ultima_redaccion()
    doc = red.documento
    assert red.estado == EstadoRedaccion.firmado and doc.numero == antes + 1 and _ultimo_numero() == antes + 1
    assert doc.codigo == f"MEMORANDO N° {antes + 1:03d}-{doc.anio}-GDU/MDD" and doc.firmado_por == "Elena Ramos Soto"
    # la copia pública, abierta con pyHanko: V° B° en orden, firma del designado, la última cubre todo el archivo
    pdf = app.test_client().get(f"/verificar/{doc.codigo_verificacion}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pdf.get_data()
    pdf.close()  # send_file: leído, se cierra el archivo
    firmas = _firmas(pdf.data, pki)
    assert [(campo, cn) for campo, cn, _ in firmas] == [
        ("VoBo1", "Carlos Díaz Ramos"), ("VoBo2", "Andrés Calle Rey"), ("Firma", "Elena Ramos Soto")]
    assert all(st.intact and st.valid and st.trusted for _, _, st in firmas)
    assert firmas[-1][2].coverage == SignatureCoverageLevel.ENTIRE_FILE
    campos = {str(c.get_object()["/T"]): str(c.get_object().get("/V") or "")
              for c in PdfFileReader(io.BytesIO(pdf.data)).root["/AcroForm"]["/Fields"]}
    assert campos["codigo"] == doc.codigo and campos["fecha"].startswith("Lima, ")
    import hashlib
    assert hashlib.sha256(pdf.data).hexdigest() == doc.pdf_sha256

    # /verificar: cada firma «Firmado digitalmente por … el …», archivo íntegro
    pagina = texto_de(app.test_client().get(f"/verificar/{doc.codigo_verificacion}").text)
    for nombre in ("Carlos Díaz Ramos", "Andrés Calle Rey", "Elena Ramos Soto"):
        assert f"Firmado digitalmente por {nombre} el " in pagina
    assert "Archivo íntegro" in pagina

    # la unidad de destino lo tiene en su bandeja, con el PDF firmado
    d = db.session.scalar(sa.select(Derivacion).where(Derivacion.unidad_destino.has(sigla="GAT"))
                          .order_by(Derivacion.id.desc()).limit(1))
    assert d is not None and doc.codigo in d.proveido and d.expediente.documento_referencia == doc.codigo
    adj = db.session.scalar(sa.select(Adjunto).where(Adjunto.expediente_id == d.expediente_id,
                                                     Adjunto.sha256 == doc.pdf_sha256))
    assert adj is not None and adj.firma_estado.value == "intacta"
    gat = como("gat")
    assert d.expediente.codigo in gat.get("/admin/derivacion/").text
    bajado = gat.get(f"/admin/expediente/adjunto/?id={adj.id}")
    assert bajado.status_code == 200 and bajado.get_data() == pdf.data
    bajado.close()


@SOLO_SQLITE
def test_los_vistos_buenos_van_en_orden_y_firma_solo_el_designado(app, gente, pki):
    red = _enviado(gente)
    pdf_antes = red.pdf_sha256
    # el asesor (2.º) antes que el 1.º, y la gerente antes de los V° B°: rechazados, nada cambia
    assert "Le toca a Carlos Díaz Ramos" in _aviso(gente["asesor"], actuar(gente["asesor"], red.id, pki.p12["asesor"]))
    assert "Le toca a Carlos Díaz Ramos" in _aviso(gente["gerente"],
                                                   actuar(gente["gerente"], red.id, pki.p12["gerente"]))
    red = ultima_redaccion()
    assert red.pdf_sha256 == pdf_antes and contar(VistoBueno) == 0 and red.estado == EstadoRedaccion.en_revision
    # la regla vive al guardar: un V° B° escrito a mano fuera de turno tampoco entra
    db.session.add(VistoBueno(redaccion=red, version=1, orden=2, usuario_id=red.revisores[1].usuario_id,
                              pdf_sha256="0" * 64))
    with pytest.raises(ErrorDeRegla, match="orden"):
        db.session.flush()
    db.session.rollback()
    # en orden, sí; y la firma llega solo con todos los V° B°
    assert "sigue Andrés Calle Rey" in _aviso(gente["unidad"], actuar(gente["unidad"], red.id, pki.p12["unidad"]))
    assert "Le toca a Andrés Calle Rey" in _aviso(gente["gerente"],
                                                  actuar(gente["gerente"], red.id, pki.p12["gerente"]))
    red = ultima_redaccion()
    red.estado = EstadoRedaccion.por_firmar  # saltarse el 2.º V° B° a mano: la regla lo impide
    with pytest.raises(ErrorDeRegla, match="todos los V° B°"):
        db.session.flush()
    db.session.rollback()


@SOLO_SQLITE
def test_el_numero_se_saca_al_firmar_y_nunca_se_reutiliza(app, gente, pki, como):
    antes = _ultimo_numero()
    primero = _firmado(gente, pki, asunto="Primero")
    assert primero.documento.numero == antes + 1
    # una firma que falla (contraseña errada) no consume número
    segundo = _enviado(gente, revisores=(), asunto="Segundo")
    assert "contraseña no es correcta" in _aviso(gente["gerente"], actuar(gente["gerente"], segundo.id,
                                                                          pki.p12["gerente"], clave="otra"))
    assert _ultimo_numero() == antes + 1
    # anulado el primero (con motivo), su número no vuelve: el siguiente firmado es el que sigue
    sg = como("secretaria_general")
    r = sg.post(f"/admin/documento_emitido/anular/?id={primero.documento.id}", {"motivo": "Error en el destinatario"})
    assert r.status_code == 302
    assert "firmado digitalmente" in _aviso(gente["gerente"], actuar(gente["gerente"], segundo.id,
                                                                     pki.p12["gerente"]))
    assert ultima_redaccion().documento.numero == antes + 2
    assert db.session.get(DocumentoEmitido, primero.documento.id).estado.value == "anulado"


@SOLO_SQLITE
@pytest.mark.parametrize("caso, frase", [
    ("vencido", "venció el"),
    ("ajeno", "no es de una entidad de certificación de confianza"),
    ("sin_no_repudio", "no es de firma digital"),
    ("clave", "contraseña no es correcta"),
    ("otra_persona", "solo firma la persona designada"),
])
def test_certificados_malos_se_rechazan_sin_cambiar_nada(app, gente, pki, caso, frase):
    red = _enviado(gente, revisores=())
    antes = (_ultimo_numero(), red.pdf_sha256, contar(DocumentoEmitido), contar(Derivacion))
    p12 = {"vencido": pki.vencido, "ajeno": pki.ajeno, "sin_no_repudio": pki.sin_no_repudio,
           "clave": pki.p12["gerente"], "otra_persona": pki.p12["asesor"]}[caso]
    mensaje = _aviso(gente["gerente"], actuar(gente["gerente"], red.id, p12,
                                              clave="equivocada" if caso == "clave" else CLAVE_P12))
    assert frase in mensaje and "No se firmó" in mensaje
    red = ultima_redaccion()
    assert red.estado == EstadoRedaccion.por_firmar and red.documento_id is None
    assert (_ultimo_numero(), red.pdf_sha256, contar(DocumentoEmitido), contar(Derivacion)) == antes


@SOLO_SQLITE
def test_devuelto_es_una_version_nueva_y_la_anterior_se_conserva(app, gente, pki):
    red = _enviado(gente)
    assert "sigue" in _aviso(gente["unidad"], actuar(gente["unidad"], red.id, pki.p12["unidad"]))
    # enviado y con un V° B°, el texto no cambia por el formulario
    r = gente["unidad"].post(f"/admin/redaccion/edit/?id={red.id}", {"asunto": "Otro asunto", "cuerpo": "<div>x</div>"})
    assert ultima_redaccion().asunto == "Remite propuesta de ordenanza de ornato"
    # devolver: solo quien tiene el turno, con observación
    r = gente["gerente"].post(f"/admin/redaccion/actuar/?id={red.id}", {"operacion": "devolver", "observacion": "x"})
    assert "Solo quien tiene el turno" in _aviso(gente["gerente"], r)
    r = gente["asesor"].post(f"/admin/redaccion/actuar/?id={red.id}",
                             {"operacion": "devolver", "observacion": "Cite la ordenanza vigente."})
    assert "vuelve a borrador (versión 2)" in _aviso(gente["asesor"], r)
    red = ultima_redaccion()
    assert red.estado == EstadoRedaccion.borrador and red.version == 2 and red.pdf_ruta is None
    v1 = db.session.scalar(sa.select(VersionRedaccion).where(VersionRedaccion.redaccion_id == red.id))
    assert v1.numero == 1 and v1.observacion == "Cite la ordenanza vigente." and v1.pdf_ruta
    ruta = Path(app.config["ADJUNTOS_DIR"]) / v1.pdf_ruta
    assert [c for c, _, _ in _firmas(ruta.read_bytes(), pki)] == ["VoBo1"]  # el PDF de la v1 con su V° B°
    assert contar(VistoBueno, VistoBueno.redaccion_id == red.id) == 1  # se conserva
    # corregido y reenviado: los V° B° se dan otra vez desde el primero
    r = gente["unidad"].post(f"/admin/redaccion/edit/?id={red.id}", {
        "tipo_documento": str(red.tipo_documento_id), "unidad_destino": str(red.unidad_destino_id),
        "asunto": "Remite propuesta de ordenanza de ornato (Ord. 005-2026)", "cuerpo": "<div>Corregido.</div>",
        "firmante": str(red.firmante_id), "destinatario": red.destinatario, "referencia": "", "cc": "",
        "expediente": "", "revisores-0-id": str(red.revisores[0].id),
        "revisores-0-usuario": str(red.revisores[0].usuario_id), "revisores-1-id": str(red.revisores[1].id),
        "revisores-1-usuario": str(red.revisores[1].usuario_id)})
    assert r.status_code == 302, avisos(r.text)
    gente["unidad"].post(f"/admin/redaccion/enviar/?id={red.id}", {})
    assert "Le toca a Carlos Díaz Ramos" in _aviso(gente["asesor"], actuar(gente["asesor"], red.id, pki.p12["asesor"]))
    assert "sigue" in _aviso(gente["unidad"], actuar(gente["unidad"], red.id, pki.p12["unidad"]))
    vistos = db.session.scalars(sa.select(VistoBueno).where(VistoBueno.redaccion_id == red.id)
                                .order_by(VistoBueno.id)).all()
    assert [(v.version, v.orden) for v in vistos] == [(1, 1), (2, 1)]


@SOLO_SQLITE
def test_por_firmar_en_lote_con_una_contrasena(app, gente, pki):
    ids = [_enviado(gente, revisores=(), asunto=f"Lote {i}").id for i in range(3)]
    ajeno = _enviado(gente, asunto="Espera el V° B° de otro").id  # no le toca a la gerente
    pagina = gente["gerente"].get("/admin/por_firmar/").text
    assert all(f'value="{i}"' in pagina for i in ids) and f'value="{ajeno}"' not in pagina
    # contraseña errada: nada se firma
    r = post_con_archivos(gente["gerente"], "/admin/por_firmar/", {"clave": "mal", "id": [str(i) for i in ids]},
                          {"certificado": (pki.p12["gerente"], "yo.p12")})
    assert "contraseña no es correcta" in texto_de(r.text) and contar(DocumentoEmitido) == 0
    r = post_con_archivos(gente["gerente"], "/admin/por_firmar/",
                          {"clave": CLAVE_P12, "id": [str(i) for i in [*ids, ajeno]]},
                          {"certificado": (pki.p12["gerente"], "yo.p12")})
    texto = texto_de(r.text)
    assert texto.count("firmado digitalmente") == 3 and "Le toca a Carlos Díaz Ramos" in texto
    assert contar(DocumentoEmitido) == 3
    numeros = sorted(db.session.scalars(sa.select(DocumentoEmitido.numero)).all())
    assert numeros == list(range(numeros[0], numeros[0] + 3))
    assert db.session.get(Redaccion, ajeno).estado == EstadoRedaccion.en_revision
    assert "No tiene V° B° ni firmas pendientes" in gente["gerente"].get("/admin/por_firmar/").text


@SOLO_SQLITE
def test_sin_el_permiso_firmar_de_la_matriz_no_firma(app, gente, pki):
    red = _enviado(gente, revisores=())
    rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad"))
    db.session.execute(sa.delete(Permiso).where(Permiso.rol_id == rol.id, Permiso.vista == "redaccion",
                                                Permiso.accion == "firmar"))
    db.session.commit()
    assert "permiso «firmar»" in _aviso(gente["gerente"], actuar(gente["gerente"], red.id, pki.p12["gerente"]))
    assert ultima_redaccion().estado == EstadoRedaccion.por_firmar


@SOLO_SQLITE
def test_archivo_alterado_se_informa_en_verificar(app, gente, pki):
    red = _firmado(gente, pki, revisores=("asesor",))
    doc = red.documento
    ruta = Path(app.config["ADJUNTOS_DIR"]) / doc.pdf_ruta
    datos = bytearray(ruta.read_bytes())
    i = datos.find(b"Remite propuesta") if b"Remite propuesta" in datos else len(datos) // 3
    datos[i] ^= 0x01  # un byte del contenido firmado
    ruta.write_bytes(bytes(datos))
    pagina = texto_de(app.test_client().get(f"/verificar/{doc.codigo_verificacion}").text)
    assert "Archivo alterado" in pagina
    # agregar algo al final (una revisión no firmada) también
    ruta.write_bytes(bytes(datos) + b"\n%% agregado\n")
    assert "Archivo alterado" in texto_de(app.test_client().get(f"/verificar/{doc.codigo_verificacion}").text)


@SOLO_SQLITE
def test_el_deposito_en_la_casilla_usa_el_pdf_firmado(app, gente, pki):
    from services.casilla import pdf_de

    red = _firmado(gente, pki, revisores=(), tipo="Oficio", destino="")
    doc = red.documento
    assert doc.tipo_documento.se_notifica and doc.estado.value == "emitido"  # queda por notificar
    pdf = pdf_de(doc)
    assert pdf.origen == "documento firmado digitalmente"
    assert pdf.datos == (Path(app.config["ADJUNTOS_DIR"]) / doc.pdf_ruta).read_bytes()


@SOLO_SQLITE
def test_anexo_se_revisa_como_en_el_ingreso(app, gente):
    r = redactar(gente["unidad"], anexo=b"esto no es un PDF")
    assert r.status_code == 200 and "Solo se aceptan archivos PDF" in r.text
    assert contar(Redaccion) == 0
    r = redactar(gente["unidad"], anexo=PDF)
    assert r.status_code == 302
    assert [a.paginas for a in ultima_redaccion().anexos] == [1]


def test_dos_clics_en_firmar_dan_una_sola_firma(app, gente, pki, como, backend):
    rid = _enviado(gente, revisores=()).id
    navs = [como("gerente") for _ in range(4 if backend == "postgres" else 2)]
    for n in navs:
        n.token  # noqa: B018
    p12 = pki.p12["gerente"]
    respuestas = a_la_vez([lambda n=n: actuar(n, rid, p12) for n in navs])
    assert all(not isinstance(r, Exception) and r.status_code == 302 for r in respuestas), respuestas
    assert contar(DocumentoEmitido) == 1
    assert contar(Adjunto, Adjunto.sha256 == ultima_redaccion().pdf_sha256) == 1
    assert contar(Derivacion, Derivacion.unidad_destino.has(sigla="GAT")) == 1


@SOLO_SQLITE
def test_la_demo_trae_pki_y_documentos_firmados_y_por_firmar(app, tmp_path):
    """`make run` (services/demo.cargar_expedir_demo): la PKI demo en instance/, un memorando firmado con su V° B°
    y lo que espera a `unidad` (V° B°) y a `secretaria_general` (firma), que firman con su .p12 demo."""
    from models import Rol, UnidadOrganica, Usuario
    from services import redaccion
    from services.demo import cargar_expedir_demo
    from services.firma_digital import verificar_firmas
    from tests.conftest import CLAVE, usuario_de

    app.instance_path = str(tmp_path)
    app.config["FIRMA_RAICES_DIR"] = str(tmp_path / "raices")
    db.session.add(Usuario(username="oaj", nombre="Andrés Calle Rey", password_hash="x",
                           rol=db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad")),
                           unidad=db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == "OAJ"))))
    db.session.commit()
    cuenta = cargar_expedir_demo(CLAVE)
    assert cuenta["firmados"] == 1 and (tmp_path / "firma_demo" / "secretaria_general.p12").is_file()
    doc = db.session.scalar(sa.select(DocumentoEmitido).where(DocumentoEmitido.pdf_ruta.is_not(None)))
    firmas = verificar_firmas((Path(app.config["ADJUNTOS_DIR"]) / doc.pdf_ruta).read_bytes())
    assert [(f.campo, f.firmante) for f in firmas] == [("VoBo1", "Andrés Calle Rey"), ("Firma", "Carlos Díaz Ramos")]
    assert all(f.integra and f.confiable for f in firmas) and "DEMO" not in doc.firmado_por
    assert len(redaccion.pendientes(usuario_de("unidad"))) == 1
    assert len(redaccion.pendientes(usuario_de("secretaria_general"))) == 1
