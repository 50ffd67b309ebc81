"""Firma digital de los documentos que emite la entidad (Ley 27269 y su reglamento): PAdES con pyHanko.

- **Nivel.** PAdES B-B; B-T si hay autoridad de sellado de tiempo (`FIRMA_TSA_URL`, RFC 3161); B-LT si además se
  obtiene la revocación del certificado (OCSP o CRL, `FIRMA_REVOCACION`): es **lo mejor posible** — sin conexión
  con la autoridad de certificación la firma sale en B-T (o B-B) y el resultado lo dice en `avisos`.
- **Incremental.** Cada visto bueno y la firma del titular llenan su campo (`VoBo1`…, `Firma`; services/expedir.py)
  en una revisión nueva del mismo archivo; las anteriores no cambian. La firma del titular llena en la misma
  revisión el número y la fecha (`completar`) y bloquea el documento.
- **Sello visible** en el recuadro del campo: nombre, cargo, motivo («Doy V° B°», «Soy el autor del documento») y
  fecha y hora de Lima.
- **Las claves nunca se guardan.** El firmante entrega su PKCS#12 y su contraseña al firmar (`Credencial`), o se
  usa un token o HSM PKCS#11 (`FIRMA_PKCS11_MODULO`, con el PIN al firmar).
- **Antes de firmar** se revisa el certificado: vigencia, uso de clave «no repudio», cadena hasta una raíz de
  `FIRMA_RAICES_DIR` y que sea de la persona designada (DNI del `serialNumber` del sujeto, o el nombre). Cualquier
  falla → `ErrorDeRegla` con el motivo, y no se produce nada.
- **Lote**: una contraseña para N documentos; cada uno todo o nada, un resultado por documento.
- **Verificación** de cada firma de un PDF guardado: firmante, momento, íntegra o alterada, cadena confiable o no y si
  cubre todo el archivo.
- **PKI demo** (`generar_pki_demo`): una CA y un certificado por firmante demo, «DEMO – SIN VALIDEZ», en archivos de
  `instance/` (nunca en la base).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from markupsafe import escape

from models import ZONA_LIMA, ahora
from services import ErrorDeRegla
from services.expedir import CAMPO_CODIGO, CAMPO_FECHA, pdf_de_recuadros
from services.firmas import raices_de_confianza

MOTIVO_VISTO_BUENO = "Doy V° B°"
MOTIVO_AUTOR = "Soy el autor del documento"
MOTIVO_FE = "Doy fe"  # el Secretario General, después de la firma del alcalde en una norma
USO_DE_FIRMA = "non_repudiation"  # «no repudio» (content commitment): el de los certificados de firma de RENIEC

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------ credencial e identidad
@dataclass(frozen=True)
class Credencial:
    """Lo que entrega el firmante al firmar y se descarta después: su PKCS#12 (.p12/.pfx) y la contraseña, o el PIN
    del token PKCS#11 (`FIRMA_PKCS11_MODULO`) y la etiqueta de su clave. Nunca se guarda ni se muestra."""

    pkcs12: bytes | None = field(default=None, repr=False)
    clave: str = field(default="", repr=False)
    pin: str | None = field(default=None, repr=False)
    etiqueta: str | None = None  # PKCS#11: etiqueta de la clave y del certificado en el token

    @classmethod
    def de_pkcs11(cls, pin: str, etiqueta: str | None = None) -> Credencial:
        return cls(pin=pin, etiqueta=etiqueta)


@dataclass(frozen=True)
class Esperado:
    """La persona designada para firmar: su DNI (se compara con el `serialNumber` del sujeto del certificado) y/o su
    nombre (se compara con el del certificado, sin tildes ni mayúsculas)."""

    dni: str | None = None
    nombre: str | None = None


@dataclass
class Certificado:
    nombre: str
    dni: str | None
    emisor: str
    vigente_hasta: datetime


def _normal(texto: str) -> str:
    sin_tildes = unicodedata.normalize("NFKD", texto or "").encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", sin_tildes.lower()).split())


def _dni(serial: str | None) -> str | None:
    m = re.search(r"(?<!\d)(\d{8})(?!\d)", serial or "")
    return m.group(1) if m else None


def datos_del_certificado(cert) -> Certificado:
    sujeto = cert.subject.native
    nombre = sujeto.get("common_name") or " ".join(
        x for x in (sujeto.get("given_name"), sujeto.get("surname")) if x) or cert.subject.human_friendly
    if isinstance(nombre, list):
        nombre = " ".join(nombre)
    emisor = cert.issuer.native.get("common_name") or cert.issuer.human_friendly
    return Certificado(str(nombre), _dni(sujeto.get("serial_number")), str(emisor),
                       cert["tbs_certificate"]["validity"]["not_after"].native)


def revisar_certificado(cert, intermedios: Iterable = (), esperado: Esperado | None = None,
                        momento: datetime | None = None) -> Certificado:
    """Que el certificado sirva para firmar ahora: vigente, con uso «no repudio», con cadena hasta una raíz de
    `FIRMA_RAICES_DIR` y de la persona esperada. Devuelve sus datos; cualquier falla → ErrorDeRegla."""
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        InvalidCertificateError,
        NotYetValidError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    datos = datos_del_certificado(cert)
    momento = momento or ahora()
    validez = cert["tbs_certificate"]["validity"]
    desde, hasta = validez["not_before"].native, validez["not_after"].native
    if momento < desde:
        raise ErrorDeRegla(f"El certificado de {datos.nombre} aún no está vigente: rige desde el "
                           f"{desde.astimezone(ZONA_LIMA):%d/%m/%Y %H:%M}. No se firmó.")
    if momento > hasta:
        raise ErrorDeRegla(f"El certificado de {datos.nombre} venció el {hasta.astimezone(ZONA_LIMA):%d/%m/%Y}: "
                           "renuévelo ante su entidad de certificación. No se firmó.")
    try:
        KeyUsageConstraints(key_usage={USO_DE_FIRMA}).validate(cert)
    except InvalidCertificateError as e:
        raise ErrorDeRegla(f"El certificado de {datos.nombre} no es de firma digital (le falta el uso de clave «no "
                           "repudio»): use su certificado de firma, no el de autenticación o cifrado. "
                           "No se firmó.") from e
    raices = raices_de_confianza()
    if not raices:
        raise ErrorDeRegla("No hay raíces de confianza configuradas (FIRMA_RAICES_DIR): el área de TI debe agregar "
                           "las de las entidades de certificación aceptadas. No se firmó.")
    contexto = ValidationContext(trust_roots=raices, other_certs=list(intermedios), allow_fetching=False,
                                 revocation_mode="soft-fail", moment=momento)
    validador = CertificateValidator(cert, intermediate_certs=list(intermedios), validation_context=contexto)
    nivel = logging.getLogger("pyhanko_certvalidator").level
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        asyncio.run(validador.async_validate_path())
    except PathBuildingError as e:
        raise ErrorDeRegla(f"El certificado de {datos.nombre} (emitido por {datos.emisor}) no es de una entidad de "
                           "certificación de confianza: su cadena no llega a ninguna raíz de FIRMA_RAICES_DIR. "
                           "No se firmó.") from e
    except RevokedError as e:
        raise ErrorDeRegla(f"El certificado de {datos.nombre} fue revocado. No se firmó.") from e
    except (ExpiredError, NotYetValidError) as e:
        raise ErrorDeRegla(f"La cadena del certificado de {datos.nombre} tiene un certificado fuera de vigencia. "
                           "No se firmó.") from e
    except PathValidationError as e:
        raise ErrorDeRegla(f"La cadena del certificado de {datos.nombre} no es válida. No se firmó.") from e
    finally:
        logging.getLogger("pyhanko_certvalidator").setLevel(nivel)
    if esperado is not None:
        revisar_identidad(datos, esperado)
    return datos


def revisar_identidad(datos: Certificado, esperado: Esperado) -> None:
    """Que el certificado sea de la persona designada (por DNI si ambos lo tienen; si no, por nombre)."""
    if esperado.dni and datos.dni:
        coincide = esperado.dni.strip() == datos.dni
    elif esperado.nombre:
        coincide = _normal(esperado.nombre) == _normal(datos.nombre) or (
            set(_normal(esperado.nombre).split()) <= set(_normal(datos.nombre).split()))
    else:
        coincide = False
    if not coincide:
        quien = esperado.nombre or f"DNI {esperado.dni}"
        raise ErrorDeRegla(f"El certificado es de {datos.nombre}, no de {quien}: solo firma la persona designada. "
                           "No se firmó.")


# -------------------------------------------------------------------------------------------------- el firmante
@dataclass
class _Firmante:
    signer: object
    certificado: Certificado
    cert: object
    intermedios: list


def _signer_en_memoria(clave_privada, cert, otros):
    """SimpleSigner de pyHanko con la clave ya cargada: el de pyHanko la vuelve a cargar de DER en cada firma (y dos
    veces por firma: la de prueba que mide el tamaño y la real), lo que en un lote se nota."""
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class SignerEnMemoria(SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mecanismo = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algoritmo = mecanismo.signature_algo
            except ValueError:
                algoritmo = mecanismo["algorithm"].native
            resumen = get_pyca_cryptography_hash(digest_algorithm)
            if algoritmo == "rsassa_pkcs1v15" and isinstance(clave_privada, RSAPrivateKey):
                return clave_privada.sign(data, PKCS1v15(), resumen)
            if algoritmo == "ecdsa" and isinstance(clave_privada, EllipticCurvePrivateKey):
                return clave_privada.sign(data, ECDSA(resumen))
            return super().sign_raw(data, digest_algorithm)  # otros mecanismos: como pyHanko

    return SignerEnMemoria(
        signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
        signing_key=translate_pyca_cryptography_key_to_asn1(clave_privada),
        cert_registry=SimpleCertificateStore.from_certs([translate_pyca_cryptography_cert_to_asn1(c)
                                                         for c in otros]))


def _abrir_pkcs12(credencial: Credencial):
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        clave, cert, otros = pkcs12.load_key_and_certificates(credencial.pkcs12,
                                                              (credencial.clave or "").encode() or None)
    except ValueError as e:
        raise ErrorDeRegla("No se pudo abrir el certificado: la contraseña no es correcta (o el archivo no es un "
                           "certificado PKCS#12 .p12/.pfx). No se firmó.") from e
    if clave is None or cert is None:
        raise ErrorDeRegla("El archivo PKCS#12 no tiene una clave privada con su certificado. No se firmó.")
    signer = _signer_en_memoria(clave, cert, otros)
    return signer, [c for c in signer.cert_registry if c != signer.signing_cert]


@contextmanager
def _abrir_pkcs11(credencial: Credencial) -> Iterator[tuple[object, list]]:
    modulo = current_app.config["FIRMA_PKCS11_MODULO"]
    if not modulo:
        raise ErrorDeRegla("La firma con token o HSM no está configurada (FIRMA_PKCS11_MODULO): firme con su "
                           "certificado .p12.")
    try:
        from pkcs11 import exceptions as p11e
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as p11
    except ImportError as e:  # pragma: no cover (el paquete está en el candado)
        raise ErrorDeRegla("Falta el paquete python-pkcs11 para firmar con token o HSM.") from e
    token = current_app.config["FIRMA_PKCS11_TOKEN"]
    try:
        sesion = p11.open_pkcs11_session(modulo, token_criteria=TokenCriteria(label=token) if token else None,
                                         user_pin=credencial.pin)
    except p11e.PinIncorrect as e:
        raise ErrorDeRegla("El PIN del token no es correcto. No se firmó.") from e
    except p11e.PinLocked as e:
        raise ErrorDeRegla("El token está bloqueado por intentos fallidos de PIN. No se firmó.") from e
    except Exception as e:  # noqa: BLE001  (módulo ausente, sin token, token distinto…)
        raise ErrorDeRegla(f"No se pudo abrir el token PKCS#11: {e}. No se firmó.") from e
    try:
        signer = p11.PKCS11Signer(sesion, key_label=credencial.etiqueta, cert_label=credencial.etiqueta,
                                  other_certs_to_pull=None)
        try:
            asyncio.run(signer.ensure_objects_loaded())
        except Exception as e:  # noqa: BLE001
            raise ErrorDeRegla(f"El token no tiene la clave y el certificado «{credencial.etiqueta or ''}». "
                               "No se firmó.") from e
        intermedios = [c for c in signer.cert_registry if c != signer.signing_cert]
        yield signer, intermedios
    finally:
        sesion.close()


@contextmanager
def _firmante(credencial: Credencial, momento: datetime | None = None) -> Iterator[_Firmante]:
    """Abre la credencial (una vez por lote) y revisa el certificado (vigencia, uso, cadena)."""
    if credencial.pkcs12 is not None:
        signer, intermedios = _abrir_pkcs12(credencial)
        yield _Firmante(signer, revisar_certificado(signer.signing_cert, intermedios, momento=momento),
                        signer.signing_cert, intermedios)
    elif credencial.pin is not None:
        with _abrir_pkcs11(credencial) as (signer, intermedios):
            yield _Firmante(signer, revisar_certificado(signer.signing_cert, intermedios, momento=momento),
                            signer.signing_cert, intermedios)
    else:
        raise ErrorDeRegla("Entregue su certificado digital (.p12 o .pfx) y su contraseña. No se firmó.")


# -------------------------------------------------------------------------------------------------------- firmar
@dataclass
class Firmado:
    datos: bytes
    sha256: str
    campo: str
    firmante: str
    nivel: str                                   # «PAdES B-B», «PAdES B-T», «PAdES B-LT»
    momento: datetime
    avisos: list[str] = field(default_factory=list)


def _pagina_pdf(lector, pagina: int = 0):
    """Contenido de pyHanko: una página de otro PDF (el sello hecho con WeasyPrint), como XObject."""
    import uuid

    from pyhanko.pdf_utils import content, layout

    class PaginaPdf(content.PdfContent):
        def render(self) -> bytes:
            xobj = self._ensure_writer.import_page_as_xobject(lector, page_ix=pagina)
            nombre = "/Sello" + uuid.uuid4().hex
            self.resources.xobject[nombre] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = layout.BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
            return nombre.encode() + b" Do"

    return PaginaPdf()


def _html_sello(certificado: Certificado, nombre: str, cargo: str, motivo: str, momento: datetime,
                alto_pt: float) -> str:
    lineas = 5 if cargo else 4
    letra = max(4.5, min(8.0, (alto_pt - 6) / lineas / 1.22))
    return (f'<div class="sello" style="font-size: {letra:.1f}pt"><div class="t">Firmado digitalmente por:</div>'
            f'<div class="n">{escape(nombre or certificado.nombre)}</div>'
            + (f"<div>{escape(cargo)}</div>" if cargo else "")
            + f"<div>Motivo: <b>{escape(motivo)}</b></div>"
            f"<div>Fecha: {momento.astimezone(ZONA_LIMA):%d/%m/%Y %H:%M:%S} (Lima)</div></div>")


# cómo se ven el sello de una firma y el texto de cada campo que se llena al firmar
ESTILO_RECUADROS = (
    ".sello { box-sizing: border-box; height: 100%; border: 0.8pt solid #1f3a5f; border-radius: 2pt; "
    "padding: 1.5pt 3pt; line-height: 1.2; color: #111; overflow: hidden; } "
    ".sello div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; } "
    ".sello .t { color: #1f3a5f; font-size: 0.9em; } .sello .n { font-weight: 700; } "
    ".campo { white-space: nowrap; font-size: 10.5pt; } "
    f".campo-{CAMPO_CODIGO} {{ text-align: center; font-weight: 700; font-size: 12pt; text-decoration: underline; }} "
    f".campo-{CAMPO_FECHA} {{ text-align: right; }}")


def _buscar_campo(w, nombre: str):
    from pyhanko.pdf_utils import generic

    try:
        campos = w.root["/AcroForm"]["/Fields"]
    except KeyError:
        return None, None
    for ref in campos:
        obj = ref.get_object()
        if obj.get("/T") == nombre:
            return (ref.reference if isinstance(ref, generic.IndirectObject) else None), obj
    return None, None


def _caja(obj) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in obj["/Rect"])
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


@dataclass
class _Campo:
    nombre: str
    texto: str
    caja: tuple[float, float, float, float]


def _campos_a_completar(w, completar: dict[str, str]) -> list[_Campo]:
    """Los campos de texto que se llenan con esta firma (número, fecha): deben existir y estar vacíos."""
    hallados = []
    for nombre, texto in completar.items():
        _, obj = _buscar_campo(w, nombre)
        if obj is None or obj.get("/FT") != "/Tx":
            raise ErrorDeRegla(f"El documento no tiene el campo «{nombre}». No se firmó.")
        if str(obj.get("/V") or ""):
            raise ErrorDeRegla(f"El campo «{nombre}» ya tiene valor. No se firmó.")
        hallados.append(_Campo(nombre, texto, _caja(obj)))
    return hallados


def _llenar(w, campos: list[_Campo], lector) -> None:
    """Pone a cada campo su valor y, como apariencia, su página de `lector` (la i-ésima para el i-ésimo)."""
    from pyhanko.pdf_utils import generic

    for i, campo in enumerate(campos):
        ref, obj = _buscar_campo(w, campo.nombre)
        obj["/V"] = generic.pdf_string(campo.texto)
        obj["/AP"] = generic.DictionaryObject({generic.NameObject("/N"): w.import_page_as_xobject(lector, page_ix=i)})
        w.mark_update(ref)


def _espacio_firma(f: _Firmante, con_tsa: bool) -> int:
    """Caracteres hexadecimales que ocupa la firma CMS: certificados + firma y atributos (+ sello de tiempo), con
    holgura. Sobra espacio antes que faltar (un CMS más grande que lo reservado no se puede escribir)."""
    certificados = sum(len(c.dump()) for c in {f.cert, *f.signer.cert_registry})
    return 2 * (certificados + 4096 + (8192 if con_tsa else 0))


def _con_revocacion(cert) -> bool:
    return bool(current_app.config["FIRMA_REVOCACION"]) and bool(cert.ocsp_urls or cert.crl_distribution_points)


def _nivel(datos: bytes, con_tsa: bool) -> str:
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not con_tsa:
        return "PAdES B-B"
    raiz = PdfFileReader(io.BytesIO(datos)).root
    con_revocacion = "/DSS" in raiz and any(k in raiz["/DSS"] for k in ("/OCSPs", "/CRLs"))
    return "PAdES B-LT" if con_revocacion else "PAdES B-T"


def _firmar_con(f: _Firmante, datos: bytes, *, campo: str, nombre: str, cargo: str, motivo: str,
                esperado: Esperado | None, completar: dict[str, str] | None) -> Firmado:
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.sign.general import SigningError
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator import ValidationContext

    if esperado is not None:
        revisar_identidad(f.certificado, esperado)
    try:
        w = IncrementalPdfFileWriter(io.BytesIO(datos), strict=False)
    except Exception as e:  # noqa: BLE001
        raise ErrorDeRegla("El documento no es un PDF legible. No se firmó.") from e
    _, obj = _buscar_campo(w, campo)
    if obj is None or obj.get("/FT") != "/Sig":
        raise ErrorDeRegla(f"El documento no tiene el espacio de firma «{campo}». No se firmó.")
    if obj.get("/V") is not None:
        raise ErrorDeRegla(f"El espacio de firma «{campo}» ya está firmado. No se firmó.")
    campos = _campos_a_completar(w, completar or {})
    cierra = "/Lock" in obj
    if cierra:
        # la firma que cierra el documento llena antes todo lo que falta (número y fecha): después nada cambia
        faltan = sorted(str(o["/T"]) for o in (r.get_object() for r in w.root["/AcroForm"]["/Fields"])
                        if o.get("/FT") == "/Tx" and not str(o.get("/V") or "")
                        and str(o["/T"]) not in (completar or {}))
        if faltan:
            raise ErrorDeRegla(f"La firma del titular pone el número y la fecha del documento: faltan "
                               f"{', '.join(faltan)}. No se firmó.")
    momento = ahora()
    x1, y1, x2, y2 = _caja(obj)
    # un solo render: una página por campo que se llena y la última, el sello
    recuadros = pdf_de_recuadros(
        [(f'<div class="campo campo-{c.nombre}">{escape(c.texto)}</div>', c.caja[2] - c.caja[0],
          c.caja[3] - c.caja[1]) for c in campos]
        + [(_html_sello(f.certificado, nombre, cargo, motivo, momento, y2 - y1), x2 - x1, y2 - y1)],
        ESTILO_RECUADROS)

    def preparar():
        """El escritor de la revisión con los campos llenos y el estilo del sello (un solo lector de `recuadros`:
        la fuente se copia una vez)."""
        escritor = IncrementalPdfFileWriter(io.BytesIO(datos), strict=False)
        lector = PdfFileReader(io.BytesIO(recuadros))
        _llenar(escritor, campos, lector)
        return escritor, StaticStampStyle(
            background=_pagina_pdf(lector, len(campos)), border_width=0, background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins(), inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT))

    tsa = current_app.config["FIRMA_TSA_URL"]
    timestamper = timestamps.HTTPTimeStamper(tsa, timeout=15) if tsa else None
    avisos: list[str] = []

    def firmar(con_revocacion: bool) -> bytes:
        escritor, estampa = preparar()
        extra = {}
        if con_revocacion:
            extra = {"embed_validation_info": True, "validation_context": ValidationContext(
                trust_roots=raices_de_confianza(), other_certs=f.intermedios, allow_fetching=True,
                revocation_mode="hard-fail")}
        meta = signers.PdfSignatureMetadata(
            field_name=campo, reason=motivo, location=current_app.config["LUGAR_DOCUMENTOS"] or None,
            name=f.certificado.nombre, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
            # el campo que cierra (`Firma`, o `Fe` en una norma; services/expedir.py): su firma dice lo mismo
            docmdp_permissions=fields.MDPPerm.NO_CHANGES if cierra else fields.MDPPerm.FILL_FORMS,
            **extra)
        firmante = signers.PdfSigner(meta, f.signer, timestamper=timestamper, stamp_style=estampa)
        if con_revocacion:  # con la revocación dentro, el tamaño lo mide pyHanko (con una firma de prueba)
            return firmante.sign_pdf(escritor, existing_fields_only=True).getvalue()
        try:  # el espacio de la firma, calculado: ahorra la firma de prueba con que pyHanko lo mide
            return firmante.sign_pdf(escritor, existing_fields_only=True,
                                     bytes_reserved=_espacio_firma(f, bool(timestamper))).getvalue()
        except SigningError as e:
            if "larger than expected" not in str(e):
                raise
            escritor, estampa = preparar()  # no alcanzó: se mide
            return signers.PdfSigner(meta, f.signer, timestamper=timestamper, stamp_style=estampa).sign_pdf(
                escritor, existing_fields_only=True).getvalue()

    try:
        if _con_revocacion(f.cert):
            try:
                firmado = firmar(True)
            except ErrorDeRegla:
                raise
            except Exception as e:  # noqa: BLE001  (OCSP/CRL inalcanzable: la firma sale sin revocación)
                log.warning("Firma sin datos de revocación: %s", e)
                avisos.append("No se pudo obtener la revocación del certificado (OCSP/CRL): la firma no llega a "
                              "PAdES B-LT.")
                firmado = firmar(False)
        else:
            firmado = firmar(False)
    except ErrorDeRegla:
        raise
    except Exception as e:  # noqa: BLE001
        nombre_error = type(e).__name__
        if "Timestamp" in nombre_error or (tsa and "timestamp" in str(e).lower()):
            raise ErrorDeRegla(f"No se obtuvo el sello de tiempo de {tsa}: inténtelo de nuevo en unos minutos. "
                               "No se firmó.") from e
        raise ErrorDeRegla(f"No se pudo firmar el documento ({nombre_error}). No se firmó.") from e
    return Firmado(firmado, hashlib.sha256(firmado).hexdigest(), campo, f.certificado.nombre,
                   _nivel(firmado, bool(timestamper)), momento, avisos)


def firmar(datos: bytes, credencial: Credencial, *, campo: str, nombre: str, cargo: str = "",
           motivo: str = MOTIVO_AUTOR, esperado: Esperado | None = None,
           completar: dict[str, str] | None = None) -> Firmado:
    """Firma el campo `campo` del PDF (un V° B° o la firma del titular) con un sello visible en su recuadro y
    devuelve el PDF con la nueva revisión. `completar` llena, en la misma revisión, campos de texto (el número y la
    fecha que se sacan al firmar). Si algo falla (certificado, contraseña, persona, campo), ErrorDeRegla y nada
    cambia: `datos` no se toca."""
    with _firmante(credencial) as f:
        return _firmar_con(f, datos, campo=campo, nombre=nombre, cargo=cargo, motivo=motivo, esperado=esperado,
                           completar=completar)


@contextmanager
def abrir(credencial: Credencial) -> Iterator:
    """La credencial abierta y su certificado revisado **una vez** (vigencia, uso, cadena; si falla, ErrorDeRegla y
    nada se firma). Da una función `firmar(datos, campo=…, nombre=…, cargo=…, motivo=…, esperado=…, completar=…)`
    para firmar con ella uno o varios documentos (el lote de «Por firmar», con una sola contraseña); cada llamada es
    todo o nada, como `firmar`."""
    with _firmante(credencial) as f:
        def firmar_con(datos: bytes, *, campo: str, nombre: str, cargo: str = "", motivo: str = MOTIVO_AUTOR,
                       esperado: Esperado | None = None, completar: dict[str, str] | None = None) -> Firmado:
            return _firmar_con(f, datos, campo=campo, nombre=nombre, cargo=cargo, motivo=motivo, esperado=esperado,
                               completar=completar)

        yield firmar_con


@dataclass
class PedidoFirma:
    """Un documento de un lote: su identificador (para el resultado), el PDF y el campo que firma."""

    clave: object
    datos: bytes
    campo: str
    nombre: str
    cargo: str = ""
    motivo: str = MOTIVO_AUTOR
    esperado: Esperado | None = None
    completar: dict[str, str] | None = None


@dataclass
class ResultadoLote:
    clave: object
    firmado: Firmado | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.firmado is not None


def firmar_lote(pedidos: Iterable[PedidoFirma], credencial: Credencial) -> list[ResultadoLote]:
    """Firma N documentos con una sola contraseña (como Firma Perú): la credencial se abre y el certificado se
    revisa una vez (si falla, ErrorDeRegla y ningún documento se firma); luego cada documento es todo o nada y
    tiene su resultado (firmado, o el motivo por el que no)."""
    resultados = []
    with _firmante(credencial) as f:
        for p in pedidos:
            try:
                hecho = _firmar_con(f, p.datos, campo=p.campo, nombre=p.nombre, cargo=p.cargo, motivo=p.motivo,
                                    esperado=p.esperado, completar=p.completar)
                resultados.append(ResultadoLote(p.clave, hecho, None))
            except ErrorDeRegla as e:
                resultados.append(ResultadoLote(p.clave, None, str(e)))
            except Exception as e:  # noqa: BLE001  (un documento que falla no detiene el lote; queda en el registro)
                log.exception("Firma en lote: %s", p.clave)
                resultados.append(ResultadoLote(p.clave, None, f"No se pudo firmar el documento ({type(e).__name__})."))
    return resultados


# --------------------------------------------------------------------------------------------------- verificar
@dataclass
class FirmaVerificada:
    campo: str
    firmante: str
    dni: str | None
    momento: datetime | None          # el del sello de tiempo si lo hay; si no, el que declara el firmante
    con_sello_de_tiempo: bool
    motivo: str | None
    integra: bool                     # lo firmado no cambió, la firma corresponde y lo agregado después es permitido
    confiable: bool                   # la cadena llega a una raíz de FIRMA_RAICES_DIR
    cubre_todo: bool                  # nada se agregó al archivo después (salvo datos de validación)
    detalle: str = ""

    @property
    def estado(self) -> str:
        return "íntegra" if self.integra else "alterada"


# Lo validado de un archivo firmado, por su SHA-256 y las raíces de confianza: un PDF guardado no cambia, y cada
# lectura del QR de un mismo documento repetía la validación entera (~0,3 s). Vale unos minutos (la vigencia de un
# certificado se juzga a la hora actual) y la clave cambia si TI cambia las raíces.
VIGENCIA_CACHE = timedelta(minutes=10)
MAXIMO_CACHE = 512
_validadas: dict[tuple[str, str], tuple[datetime, list]] = {}


def verificar_firmas(datos: bytes) -> list[FirmaVerificada]:
    """Las firmas del PDF validadas con pyHanko, en orden (de la caché si el mismo archivo se validó hace poco con
    las mismas raíces). Un archivo que ni siquiera se puede leer → ErrorDeRegla."""
    raices = raices_de_confianza()
    clave = (hashlib.sha256(datos).hexdigest(),
             hashlib.sha256(b"".join(sorted(r.dump() for r in raices))).hexdigest())
    guardado = _validadas.get(clave)
    if guardado is not None and timedelta(0) <= ahora() - guardado[0] < VIGENCIA_CACHE:
        return list(guardado[1])
    resultado = _validar_firmas(datos, raices)
    if len(_validadas) >= MAXIMO_CACHE:
        _validadas.clear()
    _validadas[clave] = (ahora(), resultado)
    return list(resultado)


def _validar_firmas(datos: bytes, raices: list) -> list[FirmaVerificada]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        firmas = PdfFileReader(io.BytesIO(datos), strict=False).embedded_signatures
    except Exception as e:  # noqa: BLE001
        raise ErrorDeRegla("El archivo está dañado o fue alterado: no se pueden leer sus firmas.") from e
    resultado = []
    nivel = logging.getLogger("pyhanko_certvalidator").level
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        for firma in firmas:
            motivo = firma.sig_object.get("/Reason")
            try:
                st = validate_pdf_signature(firma, ValidationContext(trust_roots=raices, allow_fetching=False))
            except Exception as e:  # noqa: BLE001  (estructura dañada dentro de la firma)
                resultado.append(FirmaVerificada(firma.field_name, "(ilegible)", None, None, False,
                                                 str(motivo) if motivo else None, False, False, False,
                                                 f"No se pudo validar la firma ({type(e).__name__})."))
                continue
            cert = datos_del_certificado(st.signing_cert)
            sello = st.timestamp_validity
            momento = sello.timestamp if sello is not None else st.signer_reported_dt
            integra = bool(st.intact and st.valid) and st.docmdp_ok is not False
            nivel_mod = st.modification_level
            cubre_todo = st.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
                st.coverage == SignatureCoverageLevel.ENTIRE_REVISION and nivel_mod is not None
                and nivel_mod <= ModificationLevel.LTA_UPDATES)
            notas = []
            if not (st.intact and st.valid):
                notas.append("El contenido firmado cambió o la firma no corresponde.")
            elif st.docmdp_ok is False:
                notas.append("Después de esta firma el documento se modificó de una forma no permitida.")
            if not st.trusted:
                notas.append("La cadena del certificado no llega a una raíz de confianza configurada.")
            resultado.append(FirmaVerificada(firma.field_name, cert.nombre, cert.dni, momento, sello is not None,
                                             str(motivo) if motivo else None, integra, bool(st.trusted), cubre_todo,
                                             " ".join(notas)))
    finally:
        logging.getLogger("pyhanko_certvalidator").setLevel(nivel)
    return resultado


# ---------------------------------------------------------------------------------------------------- PKI demo
SIN_VALIDEZ = "DEMO – SIN VALIDEZ"
VIGENCIA_CA, VIGENCIA_FIRMANTE, RENOVAR_ANTES = timedelta(days=3650), timedelta(days=730), timedelta(days=30)


def _nombre_x509(cn: str, serial: str | None = None, organizacion: str = SIN_VALIDEZ):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    atributos = [x509.NameAttribute(NameOID.COUNTRY_NAME, "PE"),
                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, organizacion),
                 x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SIN_VALIDEZ)]
    if serial:
        atributos.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    atributos.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(atributos)


def _escribir_privado(ruta: Path, datos: bytes) -> None:
    ruta.parent.mkdir(parents=True, exist_ok=True)
    temporal = ruta.with_suffix(ruta.suffix + ".tmp")
    temporal.write_bytes(datos)
    temporal.chmod(0o600)
    temporal.replace(ruta)


def _ca_demo(carpeta: Path, clave: str):
    """La CA demo de `carpeta` (ca.pem + ca.key cifrada con la contraseña demo); se crea si falta o no abre."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    cert_pem, key_pem = carpeta / "ca.pem", carpeta / "ca.key"
    if cert_pem.is_file() and key_pem.is_file():
        try:
            cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
            key = serialization.load_pem_private_key(key_pem.read_bytes(), clave.encode())
            if cert.not_valid_after_utc - ahora() > RENOVAR_ANTES:
                return cert, key, False
        except (ValueError, TypeError):
            pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    nombre = _nombre_x509(f"CA {SIN_VALIDEZ}", organizacion=current_app.config["MUNICIPALIDAD"])
    ahora_utc = ahora()
    cert = (x509.CertificateBuilder().subject_name(nombre).issuer_name(nombre).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(ahora_utc - timedelta(minutes=5))
            .not_valid_after(ahora_utc + VIGENCIA_CA)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _escribir_privado(key_pem, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.BestAvailableEncryption(clave.encode())))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, True


def _p12_vigente(ruta: Path, clave: str, ca) -> bool:
    from cryptography.hazmat.primitives.serialization import pkcs12

    if not ruta.is_file():
        return False
    try:
        _, cert, _ = pkcs12.load_key_and_certificates(ruta.read_bytes(), clave.encode())
    except ValueError:
        return False
    return (cert is not None and cert.issuer == ca.subject
            and cert.not_valid_after_utc - ahora() > RENOVAR_ANTES)


def emitir_certificado(ca, ca_key, nombre: str, clave: str, dni: str | None = None, *, no_repudio: bool = True,
                       desde: datetime | None = None, hasta: datetime | None = None) -> bytes:
    """Un PKCS#12 (clave RSA 2048 + certificado + CA) para `nombre`, con uso «no repudio» y firma digital, cifrado con
    `clave`. Lo usan la PKI demo y las pruebas."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ahora_utc = ahora()
    cert = (x509.CertificateBuilder().subject_name(_nombre_x509(nombre, f"DNI {dni}" if dni else None))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(desde or ahora_utc - timedelta(minutes=5))
            .not_valid_after(hasta or ahora_utc + VIGENCIA_FIRMANTE)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=no_repudio,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         key_cert_sign=False, crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(nombre.encode(), key, cert, [ca],
                                                 serialization.BestAvailableEncryption(clave.encode()))


def generar_pki_demo(clave: str, firmantes: dict[str, str], carpeta: Path | None = None,
                     raices_dir: Path | None = None) -> dict[str, Path]:
    """PKI de la demo, idempotente: una CA «DEMO – SIN VALIDEZ» y un PKCS#12 por firmante (`{usuario: nombre}`),
    con la contraseña demo, en `carpeta` (por defecto `<instance>/firma_demo`); la CA se copia a `FIRMA_RAICES_DIR`
    para que sus firmas se acepten. Lo que ya existe, abre con la clave y sigue vigente se conserva. Las claves
    privadas quedan solo en esos archivos (cifradas), nunca en la base. Devuelve {usuario: ruta del .p12}."""
    from cryptography.hazmat.primitives import serialization

    carpeta = Path(carpeta or Path(current_app.instance_path) / "firma_demo")
    raices_dir = Path(raices_dir or current_app.config["FIRMA_RAICES_DIR"])
    carpeta.mkdir(parents=True, exist_ok=True)
    ca, ca_key, nueva = _ca_demo(carpeta, clave)
    raices_dir.mkdir(parents=True, exist_ok=True)
    pem = ca.public_bytes(serialization.Encoding.PEM)
    destino = raices_dir / "ca-demo-sin-validez.pem"
    if not destino.is_file() or destino.read_bytes() != pem:
        destino.write_bytes(pem)
    rutas = {}
    for usuario, nombre in firmantes.items():
        ruta = carpeta / f"{re.sub(r'[^a-z0-9_.-]', '_', usuario.lower())}.p12"
        if nueva or not _p12_vigente(ruta, clave, ca):
            _escribir_privado(ruta, emitir_certificado(ca, ca_key, nombre, clave))
        rutas[usuario] = ruta
    return rutas
