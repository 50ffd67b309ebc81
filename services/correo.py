"""Correo saliente opcional (SMTP de la municipalidad). Sin MAIL_SERVER configurado no hace nada."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def enviar(destino: str, asunto: str, texto: str) -> bool:
    """Envía un correo de texto; devuelve False si no hay servidor configurado o si falla (se registra)."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER") or not destino:
        return False
    msg = EmailMessage()
    msg["From"] = cfg.get("MAIL_DEFAULT_SENDER", f"mesadepartes@{cfg['MAIL_SERVER']}")
    msg["To"] = destino
    msg["Subject"] = asunto
    msg.set_content(texto)
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT", 587)), timeout=10) as smtp:
            if cfg.get("MAIL_USE_TLS", True):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
            smtp.send_message(msg)
        return True
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("No se pudo enviar el correo a %s", destino)
        return False
