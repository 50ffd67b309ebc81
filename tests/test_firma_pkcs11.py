"""Firma con token o HSM (PKCS#11, `FIRMA_PKCS11_MODULO`) sobre un SoftHSM real: la clave no sale del token, el PIN
se da al firmar; un PIN errado o un token sin configurar se rechazan con un mensaje claro. Sin SoftHSM instalado
(`apt-get install softhsm2`; `.ci/run` lo instala) se omiten con el motivo."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from services import ErrorDeRegla
from services import expedir as ex
from services import firma_digital as fd
from tests.pki_prueba import CLAVE_P12
from tests.test_firma_digital import CODIGO, app_firma, borrador, pki  # noqa: F401  (fixtures)

MODULOS = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
MODULO = next((m for m in MODULOS if Path(m).is_file()), None)
PIN, SO_PIN, ETIQUETA = "123456", "654321", "firma-carlos"

pytestmark = pytest.mark.skipif(MODULO is None, reason="SoftHSM no está instalado (apt-get install softhsm2)")


@pytest.fixture(scope="module")
def token(tmp_path_factory, pki):  # noqa: F811
    """Un token SoftHSM nuevo con la clave RSA y el certificado de CARLOS DÍAZ RAMOS (importados con pkcs11)."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    carpeta = tmp_path_factory.mktemp("softhsm")
    (carpeta / "tokens").mkdir()
    conf = carpeta / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {carpeta / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    anterior = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # la biblioteca lo lee al iniciarse (en este proceso, por primera vez)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "prueba", "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True)
    clave, cert, _ = pkcs12.load_key_and_certificates(pki["carlos"], CLAVE_P12.encode())
    lib = pkcs11.lib(MODULO)
    with lib.get_token(token_label="prueba").open(rw=True, user_pin=PIN) as sesion:
        atributos = decode_rsa_private_key(clave.private_bytes(serialization.Encoding.DER,
                                                               serialization.PrivateFormat.TraditionalOpenSSL,
                                                               serialization.NoEncryption()))
        atributos.update({Attribute.LABEL: ETIQUETA, Attribute.ID: b"\x01", Attribute.TOKEN: True,
                          Attribute.SIGN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True})
        sesion.create_object(atributos)
        c = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
        c.update({Attribute.LABEL: ETIQUETA, Attribute.ID: b"\x01", Attribute.TOKEN: True})
        sesion.create_object(c)
        # la clave no se puede exportar del token
        privada = sesion.get_key(object_class=ObjectClass.PRIVATE_KEY, label=ETIQUETA)
        assert privada[Attribute.SENSITIVE] and not privada[Attribute.EXTRACTABLE]
    yield MODULO
    if anterior is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = anterior


def test_firma_con_token(app_firma, borrador, token):  # noqa: F811
    app_firma.config.update(FIRMA_PKCS11_MODULO=token, FIRMA_PKCS11_TOKEN="prueba")
    hecho = fd.firmar(borrador, fd.Credencial.de_pkcs11(PIN, ETIQUETA), campo=ex.CAMPO_FIRMA,
                      nombre="Carlos Díaz Ramos", esperado=fd.Esperado(dni="40000013"),
                      completar={ex.CAMPO_CODIGO: CODIGO, ex.CAMPO_FECHA: "Lima, 7 de diciembre de 2026"})
    [*_, firma] = fd.verificar_firmas(hecho.datos)
    assert firma.firmante == "CARLOS DÍAZ RAMOS" and firma.integra and firma.confiable and firma.cubre_todo
    # lote con el token: un PIN para varios
    resultados = fd.firmar_lote([fd.PedidoFirma(i, borrador, "VoBo1", "Carlos Díaz Ramos") for i in range(3)],
                                fd.Credencial.de_pkcs11(PIN, ETIQUETA))
    assert all(r.ok for r in resultados)


def test_pin_errado_o_sin_configurar(app_firma, borrador, token):  # noqa: F811
    with pytest.raises(ErrorDeRegla, match="no está configurada"):
        fd.firmar(borrador, fd.Credencial.de_pkcs11(PIN, ETIQUETA), campo="VoBo1", nombre="x")
    app_firma.config.update(FIRMA_PKCS11_MODULO=token, FIRMA_PKCS11_TOKEN="prueba")
    with pytest.raises(ErrorDeRegla, match="El PIN del token no es correcto"):
        fd.firmar(borrador, fd.Credencial.de_pkcs11("000000", ETIQUETA), campo="VoBo1", nombre="x")
    with pytest.raises(ErrorDeRegla, match="no tiene la clave y el certificado «otra»"):
        fd.firmar(borrador, fd.Credencial.de_pkcs11(PIN, "otra"), campo="VoBo1", nombre="x")
    app_firma.config["FIRMA_PKCS11_TOKEN"] = "no-existe"
    with pytest.raises(ErrorDeRegla, match="No se pudo abrir el token"):
        fd.firmar(borrador, fd.Credencial.de_pkcs11(PIN, ETIQUETA), campo="VoBo1", nombre="x")
