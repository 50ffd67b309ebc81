"""Firmas digitales de los PDF que ingresan por Mesa de Partes (mostrador y digital): Firma Perú y los
certificados de RENIEC son PAdES; pyHanko verifica cada firma al recibir el archivo.

Se muestran el firmante, la fecha de firma, la integridad (intacta o **alterada**: el documento cambió después
de firmarse, o la firma no corresponde) y si la cadena llega a una raíz de confianza configurada en
`FIRMA_RAICES_DIR` (archivos .pem, .crt o .cer; no se incluye ninguna: las agrega el área de TI). Un PDF sin
firma se acepta igual; una firma alterada queda marcada, nunca se acepta en silencio."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

EXTENSIONES = (".pem", ".crt", ".cer", ".der")


@dataclass
class ResultadoFirma:
    estado: str  # intacta | alterada | ilegible
    firmante: str | None
    momento: datetime | None
    confiable: bool
    detalle: str


def raices_de_confianza() -> list:
    """Certificados raíz de `FIRMA_RAICES_DIR` (PEM o DER), como objetos de asn1crypto."""
    from asn1crypto import pem, x509

    carpeta = Path(current_app.config["FIRMA_RAICES_DIR"])
    if not carpeta.is_dir():
        return []
    raices = []
    for ruta in sorted(carpeta.iterdir()):
        if ruta.suffix.lower() not in EXTENSIONES:
            continue
        datos = ruta.read_bytes()
        try:
            if pem.detect(datos):
                raices.extend(x509.Certificate.load(der) for _, _, der in pem.unarmor(datos, multiple=True))
            else:
                raices.append(x509.Certificate.load(datos))
        except ValueError:
            current_app.logger.warning("FIRMA_RAICES_DIR: %s no es un certificado", ruta.name)
    return raices


def verificar(datos: bytes) -> ResultadoFirma | None:
    """Verifica las firmas del PDF; None si no tiene. Varias firmas: alterada si alguna lo está; confiable si
    todas lo son."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        firmas = PdfFileReader(io.BytesIO(datos), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001  (pyHanko no pudo leer la estructura: se informa, no se acepta en silencio)
        return ResultadoFirma("ilegible", None, None, False, "No se pudo leer la estructura de firmas del PDF.")
    if not firmas:
        return None
    raices = raices_de_confianza()
    firmantes, momentos, alterada, confiable, notas = [], [], False, True, []
    nivel = logging.getLogger("pyhanko_certvalidator").level
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)  # «sin ruta de confianza» no es un error
    try:
        for firma in firmas:
            try:
                st = validate_pdf_signature(firma, ValidationContext(trust_roots=raices, allow_fetching=False))
            except Exception as e:  # noqa: BLE001
                alterada, confiable = True, False
                notas.append(f"{firma.field_name}: no se pudo validar ({type(e).__name__}).")
                continue
            firmantes.append(st.signing_cert.subject.human_friendly)
            if st.signer_reported_dt:
                momentos.append(st.signer_reported_dt)
            if not (st.intact and st.valid) or st.docmdp_ok is False:
                alterada = True
                notas.append(f"{firma.field_name}: el documento cambió después de firmarse o la firma no corresponde.")
            if not st.trusted:
                confiable = False
    finally:
        logging.getLogger("pyhanko_certvalidator").setLevel(nivel)
    if not raices:
        notas.append("No hay raíces de confianza configuradas (FIRMA_RAICES_DIR).")
    elif not confiable:
        notas.append("La cadena de certificados no llega a una raíz de confianza configurada.")
    return ResultadoFirma("alterada" if alterada else "intacta", "; ".join(firmantes)[:300] or None,
                          max(momentos) if momentos else None, confiable and not alterada, " ".join(notas))
