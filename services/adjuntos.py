"""Adjuntos PDF: tamaño máximo, firma de archivo (%PDF-) y guardado por SHA-256 (deduplicado)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app

from models import Adjunto


class ErrorAdjunto(ValueError):
    pass


def guardar_pdf(archivo, subido_por_id: int | None = None) -> Adjunto:
    """Valida y guarda el archivo; devuelve el `Adjunto` (sin agregar a la sesión)."""
    maximo = int(current_app.config["MAX_ADJUNTO_MB"]) * 1024 * 1024
    datos = archivo.read(maximo + 1)
    if not datos:
        raise ErrorAdjunto("Adjunte el documento en PDF.")
    if len(datos) > maximo:
        raise ErrorAdjunto(f"El archivo supera el máximo de {maximo // (1024 * 1024)} MB.")
    if not datos.startswith(b"%PDF-"):
        raise ErrorAdjunto("Solo se aceptan archivos PDF.")
    sha = hashlib.sha256(datos).hexdigest()
    relativa = Path(sha[:2]) / sha[2:4] / f"{sha}.pdf"
    destino = Path(current_app.config["ADJUNTOS_DIR"]) / relativa
    if not destino.exists():
        destino.parent.mkdir(parents=True, exist_ok=True)
        temporal = destino.with_suffix(".tmp")
        temporal.write_bytes(datos)
        temporal.replace(destino)
    nombre = (archivo.filename or "documento.pdf").replace("/", "_").replace("\\", "_")[-200:]
    return Adjunto(nombre_archivo=nombre, tipo_mime="application/pdf", tamano=len(datos), sha256=sha,
                   ruta=str(relativa), subido_por_id=subido_por_id)
