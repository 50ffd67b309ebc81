"""Fedatario (LPAG arts. 138–139; docs/reglas.md §3): registro, numeración, constancia de originales retenidos
y anulación de certificaciones. Las vistas, la CLI y las pruebas llaman a estas funciones; lo que cabe en una
restricción de la base también está ahí (models.Certificacion)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app

from models import Certificacion, ErrorDeRegla, Usuario, hoy_lima
from services.calendario import plazo_desde
from services.numeracion import siguiente


def limite_devolucion(fecha: date) -> date:
    """Último día para devolver los originales retenidos: 2 días hábiles (configurable) después de `fecha`."""
    return plazo_desde(fecha, current_app.config["FEDATARIO_DIAS_RETENCION"])


def error_de_pago(expediente, derecho: Decimal | None, recibo: str | None) -> tuple[str, str] | None:
    """(campo, mensaje) si el pago no corresponde: gratuita si sirve a un expediente de la entidad; si no, el
    derecho del TUPA con el número de recibo."""
    recibo = (recibo or "").strip()
    if expediente is not None:
        if derecho:
            return "derecho_pago", ("Sirve a un procedimiento de la entidad (el expediente): es gratuita "
                                    "(LPAG art. 138). Deje el derecho en 0.")
        if recibo:
            return "recibo_pago", "Una certificación gratuita no lleva recibo de pago."
        return None
    if not derecho or derecho <= 0:
        return "derecho_pago", ("Sin expediente de la entidad, la certificación paga el derecho del TUPA: indique "
                                "el monto.")
    if not recibo:
        return "recibo_pago", "Indique el número del recibo de pago del derecho."
    return None


def error_de_retencion(fecha: date, retenidos: bool, prevista: date | None) -> str | None:
    if not retenidos:
        return None
    if prevista is None:
        return "Indique la fecha en que se devolverán los originales."
    limite = limite_devolucion(fecha)
    if prevista < fecha:
        return "La devolución no puede ser anterior a la certificación."
    if prevista > limite:
        dias = current_app.config["FEDATARIO_DIAS_RETENCION"]
        return (f"Los originales se retienen a lo sumo {dias} días hábiles (LPAG art. 138): devuélvalos hasta el "
                f"{limite:%d/%m/%Y}.")
    return None


def registrar_certificacion(cert: Certificacion, fedatario: Usuario) -> Certificacion:
    """Completa y valida una certificación nueva: fecha de hoy, fedatario, número del año (correlativo
    bloqueado: dos fedatarios a la vez nunca comparten número) y código de verificación al azar."""
    cert.fecha = hoy_lima()
    cert.fedatario = fedatario
    cert.recibo_pago = (cert.recibo_pago or "").strip() or None
    if cert.expediente is not None and cert.derecho_pago is None:
        cert.derecho_pago = Decimal("0.00")
    error = error_de_pago(cert.expediente, cert.derecho_pago, cert.recibo_pago)
    if error:
        raise ErrorDeRegla(error[1])
    if not cert.originales_retenidos:
        cert.fecha_devolucion_prevista = None
    error = error_de_retencion(cert.fecha, cert.originales_retenidos, cert.fecha_devolucion_prevista)
    if error:
        raise ErrorDeRegla(error)
    cert.anio = cert.fecha.year
    cert.numero = siguiente(f"certificacion:{cert.anio}")
    cert.codigo = Certificacion.formato_codigo(cert.anio, cert.numero)
    return cert


def devolver_originales(cert: Certificacion, fecha: date | None = None) -> None:
    """Registra la devolución de los originales retenidos (cierra la alerta)."""
    fecha = fecha or hoy_lima()
    if not cert.originales_retenidos:
        raise ErrorDeRegla(f"{cert.codigo}: no se retuvieron originales.")
    if cert.fecha_devolucion is not None:
        raise ErrorDeRegla(f"{cert.codigo}: los originales ya se devolvieron el {cert.fecha_devolucion:%d/%m/%Y}.")
    if fecha < cert.fecha or fecha > hoy_lima():
        raise ErrorDeRegla("La devolución es de hoy o de un día entre la certificación y hoy.")
    cert.fecha_devolucion = fecha
