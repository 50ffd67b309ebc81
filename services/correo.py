"""Correo saliente opcional (SMTP de la municipalidad). Sin MAIL_SERVER configurado no hace nada.

`al_confirmar` deja el correo en espera de la transacción: sale solo si el commit se hace (una regla que
falla después, o un rollback, no deja correos de algo que no ocurrió)."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

SIN_SERVIDOR = "el correo de la municipalidad no está configurado"


def enviar(destino: str, asunto: str, texto: str) -> bool:
    """Envía un correo de texto; devuelve False si no hay servidor configurado o si falla (se registra)."""
    return motivo_de_fallo(destino, asunto, texto) is None


def motivo_de_fallo(destino: str, asunto: str, texto: str) -> str | None:
    """Envía el correo; None si salió, o el motivo por el que no salió (en castellano, para mostrarlo)."""
    cfg = current_app.config
    if not destino:
        return "sin dirección de correo"
    if not cfg["MAIL_SERVER"]:
        return SIN_SERVIDOR
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"] or f"mesadepartes@{cfg['MAIL_SERVER']}"
    msg["To"] = destino
    msg["Subject"] = asunto
    msg.set_content(texto)
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=10) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(msg)
        return None
    except (OSError, smtplib.SMTPException) as e:
        current_app.logger.exception("No se pudo enviar el correo a %s", destino)
        return f"falló el envío ({type(e).__name__}: {e})"[:200]


def al_confirmar(session, destino: str, asunto: str, texto: str, al_terminar=None,
                 en_segundo_plano: bool = False) -> None:
    """Envía el correo cuando la transacción de `session` se confirme; se descarta si se revierte.

    `al_terminar(motivo)` se llama tras el intento (motivo None = enviado) para dejar constancia. Con
    `en_segundo_plano` la petición no espera al servidor SMTP (un hilo lo envía): así el tiempo de respuesta no
    revela si se envió un correo (p. ej. si existe una cuenta)."""
    if current_app.config["MAIL_SERVER"] and destino:
        session.info.setdefault("correos_pendientes", []).append(
            (destino, asunto, texto, al_terminar, en_segundo_plano))


_hilos: list[threading.Thread] = []


def esperar_envios(tiempo: float = 10) -> None:
    """Espera los correos que se están enviando en segundo plano (pruebas, fin de un comando)."""
    while _hilos:
        _hilos.pop().join(tiempo)


def _enviar(destino, asunto, texto, al_terminar) -> None:
    motivo = motivo_de_fallo(destino, asunto, texto)
    if al_terminar is not None:
        al_terminar(motivo)


@event.listens_for(Session, "after_commit")
def _enviar_pendientes(session):
    for destino, asunto, texto, al_terminar, en_segundo_plano in session.info.pop("correos_pendientes", []):
        if not en_segundo_plano:
            _enviar(destino, asunto, texto, al_terminar)
            continue
        app = current_app._get_current_object()

        def enviar(app=app, datos=(destino, asunto, texto, al_terminar)):
            with app.app_context():
                _enviar(*datos)

        hilo = threading.Thread(target=enviar, name="correo", daemon=True)
        _hilos[:] = [h for h in _hilos if h.is_alive()]
        _hilos.append(hilo)
        hilo.start()


@event.listens_for(Session, "after_rollback")
def _descartar_pendientes(session):
    session.info.pop("correos_pendientes", None)
