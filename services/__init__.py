"""Reglas del negocio: funciones simples que llaman las vistas, la CLI y las pruebas."""


class ErrorDeRegla(ValueError):
    """Una regla del negocio impide la operación; el mensaje, en castellano, es para el usuario."""
