"""Registro para el operador: una línea JSON por evento (cada petición, cada corrida de una tarea, cada error), con el
código de la solicitud que el personal ve en la página de error y puede citar.

    {"momento": "2026-12-06T18:04:11.532Z", "nivel": "INFO", "evento": "peticion", "id": "9f3c1a2b7d4e6f80",
     "usuario": "mesa_partes", "endpoint": "expediente.index_view", "metodo": "GET", "ruta": "/admin/expediente/",
     "estado": 200, "ms": 41.7, "ip": "10.0.0.12", "nodo": "app-1"}

Todo va a la salida de errores del proceso (systemd lo guarda en el journal: `journalctl -u secretaria -o cat | jq`).
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import g, has_request_context

NODO = socket.gethostname()
REGISTRO = logging.getLogger("secretaria")
_CAMPOS_LOGGING = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class FormatoJSON(logging.Formatter):
    """Un objeto JSON por línea: momento, nivel, evento, el id de la solicitud en curso y los campos del evento."""

    def format(self, record: logging.LogRecord) -> str:
        datos = {"momento": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
                 .replace("+00:00", "Z"), "nivel": record.levelname}
        extra = {k: v for k, v in vars(record).items() if k not in _CAMPOS_LOGGING and not k.startswith("_")}
        datos["evento"] = extra.pop("evento", None) or "mensaje"
        if has_request_context() and "id" not in extra:
            datos["id"] = getattr(g, "id_peticion", None)
        datos.update(extra)
        if datos["evento"] == "mensaje" or record.levelno >= logging.WARNING:
            datos["mensaje"] = record.getMessage()
            datos["origen"] = record.name
        if record.exc_info:
            datos["traza"] = self.formatException(record.exc_info)
        datos.setdefault("nodo", NODO)
        return json.dumps(datos, ensure_ascii=False, default=str)


class _SalidaDeErrores(logging.StreamHandler):
    """Escribe en el `sys.stderr` de cada momento (no en el que había al crearse: las pruebas lo cambian)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _valor):
        pass


_manejador: logging.Handler | None = None


def configurar(app) -> None:
    """Los registros de la aplicación (`app.logger`) y de `secretaria.*` salen como JSON en stderr. Idempotente: varias
    aplicaciones en un proceso (las pruebas) comparten el manejador."""
    global _manejador
    if _manejador is None:
        _manejador = _SalidaDeErrores()
        _manejador.setFormatter(FormatoJSON())
    for logger in (REGISTRO, app.logger):
        for h in list(logger.handlers):
            if h is not _manejador:
                logger.removeHandler(h)
        if _manejador not in logger.handlers:
            logger.addHandler(_manejador)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def evento(nombre: str, nivel: int = logging.INFO, **campos) -> None:
    """Una línea JSON `{"evento": nombre, …campos}`."""
    REGISTRO.log(nivel, nombre, extra={"evento": nombre, **campos})


@contextmanager
def tarea(nombre: str, **campos):
    """Registra la corrida de una tarea (CLI): una línea al terminar con el resultado y los ms. El bloque puede
    anotar su resultado en el diccionario que recibe (`r["resultado"] = "omitida"`)."""
    r = {"resultado": "ok", **campos}
    inicio = time.perf_counter()
    try:
        yield r
    except BaseException as e:
        r["resultado"] = "error"
        r["error"] = f"{type(e).__name__}: {e}"
        raise
    finally:
        evento("tarea", logging.ERROR if r["resultado"] == "error" else logging.INFO, tarea=nombre,
               ms=round((time.perf_counter() - inicio) * 1000, 1), **r)
