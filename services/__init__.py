"""Reglas del negocio: funciones simples que llaman las vistas, la CLI y las pruebas."""

from models import ErrorDeRegla

__all__ = ["ErrorDeRegla"]
