"""Reglas del negocio: funciones simples que llaman las vistas, la CLI y las pruebas."""

import os
from pathlib import Path

from models import ErrorDeRegla

__all__ = ["ErrorDeRegla", "escribir_privado"]


def escribir_privado(ruta: Path, datos: bytes) -> None:
    """Escribe un archivo que solo lee el usuario del servicio (0600 desde que nace, sin un instante legible por
    otros): claves, contraseñas de la demo, adjuntos. Reemplaza el archivo de forma atómica."""
    ruta = Path(ruta)
    ruta.parent.mkdir(parents=True, exist_ok=True)
    temporal = ruta.with_name(f".{ruta.name}.{os.getpid()}.tmp")
    fd = os.open(temporal, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(datos)
    except BaseException:
        temporal.unlink(missing_ok=True)
        raise
    os.chmod(temporal, 0o600)
    temporal.replace(ruta)
