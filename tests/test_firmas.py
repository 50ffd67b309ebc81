"""Firmas digitales de los PDF recibidos (PAdES, pyHanko): un PDF firmado en la prueba con un certificado
desechable se verifica (firmante, fecha, íntegra); con un byte cambiado queda marcado «alterada»; la cadena de
confianza solo con una raíz configurada en FIRMA_RAICES_DIR; un PDF sin firma se acepta sin marca."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from asn1crypto import keys as ak
from asn1crypto import x509 as ax
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from models import Expediente, db
from services.firmas import verificar
from tests.ayudas_fedatario import datos_ingreso, multiparte
from tests.pdf_prueba import pdf_valido


def _nombre(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "PE")])


@pytest.fixture(scope="module")
def firmado():
    """(PDF firmado, certificado raíz en PEM): una CA y un firmante desechables, con claves EC nuevas."""
    ahora = dt.datetime.now(dt.UTC)
    kca, k = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    vigencia = {"not_valid_before": ahora - dt.timedelta(days=1), "not_valid_after": ahora + dt.timedelta(days=30)}
    ca = (x509.CertificateBuilder().subject_name(_nombre("CA de prueba")).issuer_name(_nombre("CA de prueba"))
          .public_key(kca.public_key()).serial_number(1).not_valid_before(vigencia["not_valid_before"])
          .not_valid_after(vigencia["not_valid_after"])
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
          .sign(kca, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(_nombre("ROSA QUISPE MAMANI")).issuer_name(ca.subject)
            .public_key(k.public_key()).serial_number(2).not_valid_before(vigencia["not_valid_before"])
            .not_valid_after(vigencia["not_valid_after"])
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(kca, hashes.SHA256()))

    def a(c):
        return ax.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    clave = ak.PrivateKeyInfo.load(k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    firmante = signers.SimpleSigner(signing_cert=a(cert), signing_key=clave,
                                    cert_registry=SimpleCertificateStore.from_certs([a(ca)]))
    salida = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf_valido())),
                              signers.PdfSignatureMetadata(field_name="Firma1"), signer=firmante)
    return salida.getvalue(), ca.public_bytes(serialization.Encoding.PEM)


def _alterado(datos: bytes) -> bytes:
    """El mismo PDF con un byte cambiado dentro de lo firmado (alto de la página: 842 → 843)."""
    i = datos.index(b"842")
    return datos[:i] + b"843" + datos[i + 3:]


def test_firma_intacta_sin_raiz_configurada_no_es_confiable(app, firmado):
    r = verificar(firmado[0])
    assert r.estado == "intacta" and "ROSA QUISPE MAMANI" in r.firmante
    assert r.momento is not None and abs(r.momento - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)
    assert not r.confiable and "No hay raíces de confianza" in r.detalle


def test_con_la_raiz_configurada_la_cadena_es_confiable(app, firmado, tmp_path):
    carpeta = tmp_path / "raices"
    carpeta.mkdir()
    (carpeta / "ca.pem").write_bytes(firmado[1])
    app.config["FIRMA_RAICES_DIR"] = str(carpeta)
    r = verificar(firmado[0])
    assert r.estado == "intacta" and r.confiable
    assert verificar(_alterado(firmado[0])).confiable is False


def test_un_byte_cambiado_queda_alterada(app, firmado):
    r = verificar(_alterado(firmado[0]))
    assert r.estado == "alterada" and not r.confiable and "cambió después de firmarse" in r.detalle


def test_sin_firma_no_hay_marca(app):
    assert verificar(pdf_valido()) is None


@pytest.mark.parametrize("alterar", [False, True])
def test_ingreso_en_mostrador_anota_y_muestra_la_firma(como, firmado, alterar):
    nav = como("mesa_partes")
    datos = datos_ingreso(nuevo_documento="45678912", nuevo_nombre="Juana Pérez", csrf_token=nav.token)
    contenido = _alterado(firmado[0]) if alterar else firmado[0]
    limite, cuerpo = multiparte(datos, contenido, "solicitud-firmada.pdf")
    r = nav.c.post("/admin/expediente/new/", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")
    assert r.status_code == 302, r.text[-2000:]
    exp = db.session.scalar(sa.select(Expediente).where(Expediente.asunto == "Solicita poda"))
    [adj] = exp.adjuntos
    assert adj.firma_estado.value == ("alterada" if alterar else "intacta")
    assert "ROSA QUISPE MAMANI" in adj.firma_firmante and adj.firma_confiable is False
    ficha = como("secretaria_general").get(f"/admin/expediente/details/?id={exp.id}").text
    assert ("Firma alterada" if alterar else "Firma íntegra") in ficha
