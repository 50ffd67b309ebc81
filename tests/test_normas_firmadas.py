"""Normas firmadas y transcripciones (issue 26, punto 7), por HTTP y abiertas con pyHanko: desde Normas municipales
se inicia el PDF firmado de una norma aprobada (su texto y su número, que no cambian); firma el alcalde y después el
Secretario General da fe (su firma cierra el archivo); /normas entrega exactamente los bytes guardados. Un acuerdo se
transcribe a las unidades que deben cumplirlo: cada transcripción firmada llega a su bandeja con el PDF."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pypdf
import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.status import SignatureCoverageLevel

from models import (
    Adjunto,
    Derivacion,
    EstadoRedaccion,
    NormaMunicipal,
    Redaccion,
    Rol,
    TipoNorma,
    UnidadOrganica,
    Usuario,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, archivos
from services import normas as sn
from tests.ayudas_expedir import Pki, actuar, avisos, post_con_archivos, preparar_personas
from tests.conftest import CLAVE, contar, id_de, texto_de
from tests.pki_prueba import CLAVE_P12
from tests.test_redaccion import _firmas

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
SOLO_SQLITE = pytest.mark.parametrize("backend", ["sqlite"])
ALCALDE = ("alcalde", "Víctor Raúl Mendoza Salas", "Alcalde", "40000031")


@pytest.fixture(scope="module")
def pki():
    p = Pki()
    p.p12["alcalde"] = p.ca.emitir(ALCALDE[1], ALCALDE[3])
    return p


@pytest.fixture
def gente(app, pki, tmp_path, como):
    preparar_personas(app, pki, tmp_path / "raices")
    usuario, nombre, cargo, dni = ALCALDE
    alcalde = Usuario(username=usuario, nombre=nombre, cargo=cargo, dni=dni,
                      rol=db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad")),
                      unidad=db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == "ALC")))
    alcalde.set_password(CLAVE)
    db.session.add(alcalde)
    db.session.commit()
    return {u: como(u) for u in ("secretaria_general", "alcalde", "unidad")}


def _norma(tipo=TipoNorma.acuerdo_concejo, sumilla="Declara de interés local la recuperación del parque Los Álamos"):
    n = NormaMunicipal(tipo=tipo, sumilla=sumilla, fecha_emision=hoy_lima() - timedelta(days=1),
                       considerandos="Que el parque Los Álamos está deteriorado;\nQue la LOM art. 41 faculta al "
                                     "concejo a declarar el interés local.",
                       articulos="DECLARAR de interés local la recuperación del parque Los Álamos.\n"
                                 "ENCARGAR a la Gerencia de Desarrollo Urbano su cumplimiento.")
    sn.numerar_norma(n)
    db.session.add(n)
    db.session.commit()
    return n


def _aviso(nav, respuesta) -> str:
    assert respuesta.status_code == 302, avisos(respuesta.text) or respuesta.text[-1500:]
    return " ".join(avisos(nav.get(respuesta.headers["Location"]).text))


def _redaccion_de(norma) -> Redaccion:
    db.session.expire_all()
    return db.session.scalar(sa.select(Redaccion).where(Redaccion.norma_id == norma.id))


def _uid(username: str) -> str:
    return str(id_de(Usuario, username=username))


# ---------------------------------------------------------------------------------------------- la norma firmada
def test_norma_firmada_por_el_alcalde_y_el_secretario_da_fe(app, gente, pki):
    sg, alcalde = gente["secretaria_general"], gente["alcalde"]
    norma = _norma()
    assert norma.estado.value == "vigente"  # un acuerdo rige desde su adopción: /normas lo muestra
    # la ficha ofrece el PDF firmado; el formulario propone al SG para dar fe
    assert "PDF firmado (alcalde y Secretario General)" in sg.get(f"/admin/norma_municipal/details/?id={norma.id}").text
    assert sg.get(f"/admin/norma_municipal/firmar-pdf/?id={norma.id}").status_code == 200
    # sin alcalde: el mensaje junto al campo, nada creado
    r = sg.post(f"/admin/norma_municipal/firmar-pdf/?id={norma.id}",
                {"firmante": "", "da_fe": _uid("secretaria_general")})
    assert r.status_code == 200 and "Elija al alcalde" in texto_de(r.text) and contar(Redaccion) == 0
    r = sg.post(f"/admin/norma_municipal/firmar-pdf/?id={norma.id}",
                {"firmante": _uid("alcalde"), "da_fe": _uid("secretaria_general")})
    assert "le toca firmar a Víctor Raúl Mendoza Salas" in _aviso(sg, r)
    red = _redaccion_de(norma)
    assert red.estado == EstadoRedaccion.por_firmar and red.le_toca == "Firma: Víctor Raúl Mendoza Salas"
    # el PDF lleva el texto de la norma y su número de la aprobación
    previa = sg.get(f"/admin/redaccion/pdf/?id={red.id}")
    texto = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(previa.data)).pages).split())
    for trozo in ("CONSIDERANDO:", "parque Los Álamos está deteriorado", "ACUERDA:",
                  "Artículo 2.- ENCARGAR a la Gerencia", "Regístrese, comuníquese"):
        assert trozo in texto, trozo
    # el SG no firma antes que el alcalde
    assert "Le toca a Víctor Raúl Mendoza Salas" in _aviso(sg, actuar(sg, red.id, pki.p12["secretaria_general"]))

    assert "falta que Rosa Quispe Mamani dé fe" in _aviso(alcalde, actuar(alcalde, red.id, pki.p12["alcalde"]))
    red = _redaccion_de(norma)
    assert red.firma_titular_en is not None and red.le_toca == "Da fe: Rosa Quispe Mamani"
    assert db.session.get(NormaMunicipal, norma.id).pdf_firmado_ruta is None  # aún no: falta la fe
    assert f'value="{red.id}"' in sg.get("/admin/por_firmar/").text  # espera la fe en «Por firmar» del SG
    assert app.test_client().get(f"/verificar/{red.codigo_verificacion}").status_code == 404  # aún no salió
    # firmado por el alcalde, ya no se devuelve
    r = sg.post(f"/admin/redaccion/actuar/?id={red.id}", {"operacion": "devolver", "observacion": "Otro"})
    assert "ya firmó" in _aviso(sg, r)
    assert "da fe" in _aviso(sg, actuar(sg, red.id, pki.p12["secretaria_general"]))

    norma = db.session.get(NormaMunicipal, norma.id)
    red = _redaccion_de(norma)
    assert red.estado == EstadoRedaccion.firmado and norma.pdf_firmado_sha256 == red.pdf_sha256
    guardado = archivos.leer(norma.pdf_firmado_ruta)
    assert hashlib.sha256(guardado).hexdigest() == norma.pdf_firmado_sha256
    # /normas entrega exactamente los bytes guardados
    publico = app.test_client().get(f"/normas/{norma.id}/texto")
    assert publico.status_code == 200 and publico.mimetype == "application/pdf"
    datos = publico.get_data()
    publico.close()
    assert datos == guardado
    # pyHanko: firma del alcalde y después la fe del SG, íntegras y de confianza; la última cubre todo el archivo
    firmas = _firmas(datos, pki)
    assert [(campo, cn) for campo, cn, _ in firmas] == [("Firma", "Víctor Raúl Mendoza Salas"),
                                                        ("Fe", "Rosa Quispe Mamani")]
    assert all(st.intact and st.valid and st.trusted for _, _, st in firmas)
    assert firmas[-1][2].coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert [f.sig_object["/Reason"] for f in PdfFileReader(io.BytesIO(datos)).embedded_signatures] == [
        "Soy el autor del documento", "Doy fe"]
    campos = {str(c.get_object()["/T"]): str(c.get_object().get("/V") or "")
              for c in PdfFileReader(io.BytesIO(datos)).root["/AcroForm"]["/Fields"]}
    assert campos["codigo"] == norma.codigo and campos["fecha"].startswith("Lima, ")
    # el QR del PDF lleva a /verificar: cada firma validada sobre el archivo guardado, y la misma copia
    pagina = texto_de(app.test_client().get(f"/verificar/{red.codigo_verificacion}").text)
    assert norma.codigo in pagina and "Archivo íntegro" in pagina
    for nombre in ("Víctor Raúl Mendoza Salas", "Rosa Quispe Mamani"):
        assert f"Firmado digitalmente por {nombre} el " in pagina
    copia = app.test_client().get(f"/verificar/{red.codigo_verificacion}/pdf")
    assert copia.get_data() == guardado
    copia.close()
    # la ficha de la norma lo dice; una segunda vez no hay otro PDF
    assert "PDF firmado digitalmente" in sg.get(f"/admin/norma_municipal/details/?id={norma.id}").text
    r = sg.post(f"/admin/norma_municipal/firmar-pdf/?id={norma.id}",
                {"firmante": _uid("alcalde"), "da_fe": _uid("secretaria_general")})
    assert contar(Redaccion) == 1


@SOLO_SQLITE
def test_el_texto_de_la_norma_no_cambia(app, gente, pki):
    sg = gente["secretaria_general"]
    norma = _norma(TipoNorma.ordenanza, "Ordenanza que regula el ornato")
    r = sg.post(f"/admin/norma_municipal/firmar-pdf/?id={norma.id}",
                {"firmante": _uid("alcalde"), "da_fe": _uid("secretaria_general")})
    assert r.status_code == 302
    red = _redaccion_de(norma)
    # la norma aprobada: su texto no se edita por la pantalla…
    r = sg.post(f"/admin/norma_municipal/edit/?id={norma.id}",
                {"sumilla": norma.sumilla, "considerandos": "Otro considerando", "articulos": norma.articulos})
    db.session.expire_all()
    assert db.session.get(NormaMunicipal, norma.id).considerandos.startswith("Que el parque")
    # …ni por debajo de la pantalla (la norma y el proyecto de su PDF)
    n = db.session.get(NormaMunicipal, norma.id)
    n.articulos = "Artículo cambiado"
    with pytest.raises(ErrorDeRegla):
        db.session.flush()
    db.session.rollback()
    red = _redaccion_de(norma)
    red.cuerpo = "<div>Otro texto</div>"
    with pytest.raises(ErrorDeRegla, match="no cambia"):
        db.session.flush()
    db.session.rollback()
    # devuelto a borrador (antes de la firma del alcalde), su formulario no trae el texto
    r = gente["alcalde"].post(f"/admin/redaccion/actuar/?id={red.id}",
                              {"operacion": "devolver", "observacion": "Firma el teniente alcalde"})
    assert r.status_code == 302
    red = _redaccion_de(norma)
    assert red.estado == EstadoRedaccion.borrador
    formulario = sg.get(f"/admin/redaccion/edit/?id={red.id}").text
    assert 'name="cuerpo"' not in formulario and 'name="firmante"' in formulario
    r = sg.post(f"/admin/redaccion/edit/?id={red.id}", {"firmante": _uid("alcalde"), "cuerpo": "<div>Colado</div>",
                                                        "asunto": "Otro"})
    assert r.status_code == 302, avisos(r.text)
    red = _redaccion_de(norma)
    assert "Colado" not in red.cuerpo and red.asunto == norma.sumilla
    # y no se descarta: una norma tiene un solo PDF firmado
    assert "no se descarta" in _aviso(sg, sg.post(f"/admin/redaccion/descartar/?id={red.id}", {}))
    # firmado y con la fe, el PDF de la norma no cambia
    assert "Enviado" in _aviso(sg, sg.post(f"/admin/redaccion/enviar/?id={red.id}", {}))
    actuar(gente["alcalde"], red.id, pki.p12["alcalde"])
    actuar(sg, red.id, pki.p12["secretaria_general"])
    n = db.session.get(NormaMunicipal, norma.id)
    assert n.pdf_firmado_sha256
    n.pdf_firmado_sha256 = "0" * 64
    with pytest.raises(ErrorDeRegla):
        db.session.flush()
    db.session.rollback()


@SOLO_SQLITE
def test_sin_el_permiso_firmar_de_normas_no_se_inicia_ni_se_transcribe(app, gente):
    norma = _norma()
    unidad = gente["unidad"]
    assert unidad.get(f"/admin/norma_municipal/firmar-pdf/?id={norma.id}").status_code == 403
    assert unidad.post(f"/admin/norma_municipal/transcribir/?id={norma.id}",
                       {"unidades": str(id_de(UnidadOrganica, sigla="GAT")),
                        "firmante": _uid("unidad")}).status_code == 403
    assert "firmar-pdf" not in unidad.get("/admin/norma_municipal/").text
    assert contar(Redaccion) == 0


# ---------------------------------------------------------------------------------------------- transcripciones
def test_transcripcion_del_acuerdo_llega_a_las_bandejas_con_su_pdf(app, gente, pki, como):
    sg = gente["secretaria_general"]
    norma = _norma()
    assert sg.get(f"/admin/norma_municipal/transcribir/?id={norma.id}").status_code == 200
    unidades = [str(id_de(UnidadOrganica, sigla=s)) for s in ("GAT", "GDU")]
    r = sg.post(f"/admin/norma_municipal/transcribir/?id={norma.id}",
                {"unidades": unidades, "firmante": _uid("secretaria_general")})
    assert "2 transcripción(es) a GAT, GDU" in _aviso(sg, r)
    # una unidad recibe el acuerdo una vez: el error junto al campo y nada nuevo
    r = sg.post(f"/admin/norma_municipal/transcribir/?id={norma.id}",
                {"unidades": unidades[:1], "firmante": _uid("secretaria_general")})
    assert r.status_code == 200 and "ya se transcribió a GAT" in texto_de(r.text) and contar(Redaccion) == 2
    # el SG firma las dos en su lote («Por firmar», una contraseña)
    ids = [str(i) for i in db.session.scalars(sa.select(Redaccion.id).where(
        Redaccion.norma_transcrita_id == norma.id)).all()]
    r = post_con_archivos(sg, "/admin/por_firmar/", {"clave": CLAVE_P12, "id": ids},
                          {"certificado": (pki.p12["secretaria_general"], "sg.p12")})
    assert texto_de(r.text).count("firmado digitalmente") == 2
    for sigla, usuario in (("GAT", "gat"), ("GDU", "unidad")):
        red = db.session.scalar(sa.select(Redaccion).where(Redaccion.norma_transcrita_id == norma.id,
                                                           Redaccion.unidad_destino.has(sigla=sigla)))
        assert red.estado == EstadoRedaccion.firmado and red.documento.codigo.startswith("TRANSCRIPCIÓN N° ")
        d = db.session.scalar(sa.select(Derivacion).where(Derivacion.unidad_destino.has(sigla=sigla))
                              .order_by(Derivacion.id.desc()).limit(1))
        assert d is not None and red.documento.codigo in d.proveido
        adj = db.session.scalar(sa.select(Adjunto).where(Adjunto.expediente_id == d.expediente_id,
                                                         Adjunto.sha256 == red.documento.pdf_sha256))
        assert adj is not None and adj.firma_estado.value == "intacta"
        nav = como(usuario)
        assert d.expediente.codigo in nav.get("/admin/derivacion/").text
        bajado = nav.get(f"/admin/expediente/adjunto/?id={adj.id}")
        datos = bajado.get_data()
        bajado.close()
        assert datos == archivos.leer(red.documento.pdf_ruta)
        firmas = _firmas(datos, pki)
        assert [(c, cn) for c, cn, _ in firmas] == [("Firma", "Rosa Quispe Mamani")]
        assert firmas[0][2].intact and firmas[0][2].trusted
        assert firmas[0][2].coverage == SignatureCoverageLevel.ENTIRE_FILE
        texto = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(datos)).pages).split())
        assert "Transcribo a usted" in texto and norma.codigo in texto and "Artículo 1.- DECLARAR" in texto
    # la ficha del acuerdo lista sus transcripciones
    ficha = sg.get(f"/admin/norma_municipal/details/?id={norma.id}").text
    assert ficha.count("TRANSCRIPCIÓN N° ") == 2


@SOLO_SQLITE
def test_solo_se_transcribe_un_acuerdo_aprobado(app, gente):
    sg = gente["secretaria_general"]
    ordenanza = _norma(TipoNorma.ordenanza, "Ordenanza de ornato")
    r = sg.post(f"/admin/norma_municipal/transcribir/?id={ordenanza.id}",
                {"unidades": str(id_de(UnidadOrganica, sigla="GAT")), "firmante": _uid("secretaria_general")})
    assert "Se transcriben los acuerdos de concejo" in texto_de(r.text)
    acuerdo = _norma()
    r = sg.post(f"/admin/norma_municipal/transcribir/?id={acuerdo.id}", {"firmante": _uid("secretaria_general")})
    assert r.status_code == 200 and "Elija al menos una unidad" in texto_de(r.text)
    # un número que no es un entero ASCII («²», «１») es una elección vacía, no un 500
    r = sg.post(f"/admin/norma_municipal/transcribir/?id={acuerdo.id}", {"unidades": "²", "firmante": "１"})
    assert r.status_code == 200 and "Elija al menos una unidad" in texto_de(r.text)
    r = sg.post(f"/admin/norma_municipal/firmar-pdf/?id={acuerdo.id}", {"firmante": "²", "da_fe": "²"})
    assert r.status_code == 200 and "Elija al alcalde" in texto_de(r.text)
    assert contar(Redaccion) == 0
