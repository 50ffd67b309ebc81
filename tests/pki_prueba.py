"""Certificados desechables para las pruebas de firma, hechos con `cryptography` (independientes del código que se
prueba): una CA de confianza, otra que no lo es, y firmantes buenos y malos (vencido, aún no vigente, sin «no
repudio», de la CA ajena, con un punto de distribución de CRL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

CLAVE_P12 = "clave-del-p12"


def nombre(cn: str, dni: str | None = None) -> x509.Name:
    atributos = [x509.NameAttribute(NameOID.COUNTRY_NAME, "PE"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if dni:
        atributos.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"PNOPE-{dni}"))
    return x509.Name(atributos)


def uso(firma: bool = True, no_repudio: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=firma, content_commitment=no_repudio, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                         encipher_only=False, decipher_only=False)


@dataclass
class CA:
    cert: x509.Certificate
    clave: object

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def nueva(cls, cn: str) -> CA:
        clave = ec.generate_private_key(ec.SECP256R1())
        ahora = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(nombre(cn)).issuer_name(nombre(cn))
                .public_key(clave.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(ahora - dt.timedelta(days=400)).not_valid_after(ahora + dt.timedelta(days=3000))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(clave.public_key()), critical=False)
                .sign(clave, hashes.SHA256()))
        return cls(cert, clave)

    def emitir(self, cn: str, dni: str | None = None, *, desde: int = -1, hasta: int = 365, no_repudio: bool = True,
               crl_url: str | None = None, clave_p12: str = CLAVE_P12, rsa_2048: bool = False) -> bytes:
        """PKCS#12 de un firmante; `desde`/`hasta` en días desde hoy."""
        clave = rsa.generate_private_key(65537, 2048) if rsa_2048 else ec.generate_private_key(ec.SECP256R1())
        ahora = dt.datetime.now(dt.UTC)
        b = (x509.CertificateBuilder().subject_name(nombre(cn, dni)).issuer_name(self.cert.subject)
             .public_key(clave.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(ahora + dt.timedelta(days=desde)).not_valid_after(ahora + dt.timedelta(days=hasta))
             .add_extension(uso(no_repudio=no_repudio), critical=True)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.clave.public_key()),
                            critical=False))
        if crl_url:
            b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
        cert = b.sign(self.clave, hashes.SHA256())
        return pkcs12.serialize_key_and_certificates(cn.encode(), clave, cert, [self.cert],
                                                     serialization.BestAvailableEncryption(clave_p12.encode()))

    def crl(self) -> bytes:
        """Una CRL vacía y vigente de esta CA (DER)."""
        ahora = dt.datetime.now(dt.UTC)
        lista = (x509.CertificateRevocationListBuilder().issuer_name(self.cert.subject)
                 .last_update(ahora - dt.timedelta(hours=1)).next_update(ahora + dt.timedelta(days=7))
                 .add_extension(x509.CRLNumber(1), critical=False)
                 .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.clave.public_key()),
                                critical=False)
                 .sign(self.clave, hashes.SHA256()))
        return lista.public_bytes(serialization.Encoding.DER)

    def tsa(self):
        """(certificado, clave) de una autoridad de sellado de tiempo emitida por esta CA, en asn1crypto."""
        from asn1crypto import keys as ak
        from asn1crypto import x509 as ax

        clave = rsa.generate_private_key(65537, 2048)  # el DummyTimeStamper de pyHanko solo firma con RSA
        ahora = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(nombre("TSA de prueba")).issuer_name(self.cert.subject)
                .public_key(clave.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(ahora - dt.timedelta(days=1)).not_valid_after(ahora + dt.timedelta(days=365))
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                .add_extension(uso(no_repudio=False), critical=True)
                .sign(self.clave, hashes.SHA256()))
        return (ax.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
                ak.PrivateKeyInfo.load(clave.private_bytes(serialization.Encoding.DER,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption())),
                ax.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER)))
