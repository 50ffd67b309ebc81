"""Documentos de identidad del Perú (docs/reglas.md §8)."""

from __future__ import annotations

import re

PESOS_RUC = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
PREFIJOS_RUC = ("10", "15", "17", "20")


def digito_ruc(primeros10: str) -> int:
    s = sum(int(d) * w for d, w in zip(primeros10, PESOS_RUC, strict=True))
    return (11 - s % 11) % 10


def error_documento(tipo: str, numero: str | None) -> str | None:
    """Mensaje en castellano si el número no es válido para el tipo; None si lo es."""
    numero = (numero or "").strip()
    if not numero:
        return "Ingrese el número de documento."
    if tipo == "DNI":
        if not re.fullmatch(r"\d{8}", numero):
            return "El DNI debe tener exactamente 8 dígitos."
    elif tipo == "RUC":
        if not re.fullmatch(r"\d{11}", numero):
            return "El RUC debe tener exactamente 11 dígitos."
        if numero[:2] not in PREFIJOS_RUC:
            return "El RUC debe empezar con 10, 15, 17 o 20."
        if digito_ruc(numero[:10]) != int(numero[10]):
            return "El dígito verificador del RUC no es válido."
    elif tipo == "CE":
        if not re.fullmatch(r"[A-Za-z0-9]{8,12}", numero):
            return "El carné de extranjería debe tener de 8 a 12 letras o dígitos."
    elif tipo == "PASAPORTE" and len(numero) > 20:
        return "El pasaporte admite hasta 20 caracteres."
    return None
