"""Correo saliente opcional (SMTP de la municipalidad). Sin MAIL_SERVER configurado no hace nada.

`al_confirmar` deja el correo en espera de la transacción: sale solo si el commit se hace (una regla que
falla después, o un rollback, no deja correos de algo que no ocurrió)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session


def enviar(destino: str, asunto: str, texto: str) -> bool:
    """Envía un correo de texto; devuelve False si no hay servidor configurado o si falla (se registra)."""
    cfg = current_app.config
    if not cfg["MAIL_SERVER"] or not destino:
        return False
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
        return True
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("No se pudo enviar el correo a %s", destino)
        return False


def al_confirmar(session, destino: str, asunto: str, texto: str) -> None:
    """Envía el correo cuando la transacción de `session` se confirme; se descarta si se revierte."""
    if current_app.config["MAIL_SERVER"] and destino:
        session.info.setdefault("correos_pendientes", []).append((destino, asunto, texto))


@event.listens_for(Session, "after_commit")
def _enviar_pendientes(session):
    for destino, asunto, texto in session.info.pop("correos_pendientes", []):
        enviar(destino, asunto, texto)


@event.listens_for(Session, "after_rollback")
def _descartar_pendientes(session):
    session.info.pop("correos_pendientes", None)
