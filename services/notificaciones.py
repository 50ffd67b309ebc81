"""Notificación de los actos que emite la entidad (LPAG arts. 18–27; docs/reglas.md §1 «Notificaciones»).

- Se notifica dentro de 5 días hábiles de emitido el acto (art. 24): después, alerta.
- Cada diligencia es una `Notificacion`: entregada (nombre, documento y relación de quien recibe, art. 21.4),
  negativa a recibir o firmar (se tiene por notificado; acta con las características del lugar, art. 21.3),
  nadie en el domicilio (aviso con la fecha de la segunda visita, art. 21.5), segunda visita sin nadie (bajo la
  puerta con acta: notificado, art. 21.5) o domicilio no ubicado (devuelta).
- Desde la notificación corren, a partir del día hábil siguiente, los 15 días hábiles del recurso (art. 218.2);
  vencidos sin recurso el acto queda firme (art. 222).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from models import (
    RESULTADOS_EFECTIVOS,
    DocumentoEmitido,
    ErrorDeRegla,
    EstadoDocumento,
    NormaMunicipal,
    Notificacion,
    TipoDocumento,
    ahora,
    db,
    hoy_lima,
)
from services.calendario import es_habil, fecha_legal, feriados, plazo_desde, sumar_dias_habiles, sumar_habiles
from services.normas import notificar_norma

SITUACIONES = {"por_notificar": "Por notificar", "devuelta": "Devuelta (no ubicado o segunda visita)",
               "notificada": "Notificada (corre el plazo del recurso)", "firme": "Firme"}


# ------------------------------------------------------------------ plazos
def limite_notificacion(acto) -> date:
    """Último día para notificar: 5 días hábiles después de la emisión (art. 24; configurable)."""
    return plazo_desde(fecha_del_acto(acto), current_app.config["NOTIFICACION_PLAZO"])


def vence_recurso(fecha_notificacion: date, cal: frozenset[date] | None = None) -> date:
    """Último día para el recurso: 15 días hábiles contados desde el día hábil siguiente (arts. 144, 218.2).
    `cal`: los feriados ya leídos (una lista de muchas filas los lee una vez)."""
    return sumar_habiles(fecha_notificacion, current_app.config["PLAZO_RECURSO"], feriados() if cal is None else cal)


def firme_desde(fecha_notificacion: date) -> date:
    """El día siguiente al último del plazo del recurso: desde entonces el acto es firme (art. 222)."""
    return vence_recurso(fecha_notificacion) + timedelta(days=1)


def efecto_casilla(fecha_deposito: date) -> date:
    """Desde cuándo surte efecto lo depositado en la casilla electrónica (LPAG art. 20.4): el día del depósito o el
    día hábil siguiente (`CASILLA_EFECTO`). Desde esa fecha corren el recurso y la firmeza, como en papel."""
    if current_app.config["CASILLA_EFECTO"] == "dia_habil_siguiente":
        return sumar_dias_habiles(fecha_deposito, 1)
    return fecha_deposito


def fecha_efecto(n: Notificacion) -> date:
    """La fecha de la notificación para los plazos: la fecha legal de la diligencia (una hecha un sábado vale como
    del lunes); en la casilla, `efecto_casilla` (el depósito o el día hábil siguiente, CASILLA_EFECTO)."""
    if n.modalidad.value == "casilla_electronica":
        return fecha_legal(efecto_casilla(n.fecha))
    return fecha_legal(n.fecha)


def umbral(hoy: date, n: int) -> date:
    """La fecha D tal que `sumar_dias_habiles(f, n) < hoy` ⇔ `f < D` (para filtrar en SQL sin guardar plazos):
    D es el n-ésimo día hábil contando hacia atrás desde el último hábil anterior a `hoy`."""
    cal = feriados()
    d = hoy - timedelta(days=1)
    while not es_habil(d, cal):
        d -= timedelta(days=1)
    cuenta = 1
    while cuenta < n:
        d -= timedelta(days=1)
        if es_habil(d, cal):
            cuenta += 1
    return d


def se_notifica():
    """Documentos de un tipo que se notifica al administrado (`TipoDocumento.se_notifica`: resoluciones, cartas,
    oficios…); los internos (informes, memorandos) no quedan «por notificar» ni dan alertas."""
    return DocumentoEmitido.tipo_documento.has(TipoDocumento.se_notifica.is_(True))


def situacion(doc: DocumentoEmitido, hoy: date | None = None) -> str | None:
    """por_notificar, devuelta, notificada o firme (None para proyectos, anulados y documentos internos)."""
    hoy = hoy or hoy_lima()
    if doc.estado == EstadoDocumento.notificado:
        return "firme" if hoy >= firme_desde(doc.fecha_notificacion) else "notificada"
    if doc.estado != EstadoDocumento.emitido:
        return None
    if doc.notificaciones:
        return "devuelta"
    return "por_notificar" if doc.tipo_documento.se_notifica else None


def notificacion_tardia(doc: DocumentoEmitido, hoy: date | None = None) -> bool:
    """Notificada después del plazo, o aún sin notificar con el plazo vencido: alerta."""
    if doc.estado == EstadoDocumento.notificado:
        return doc.fecha_notificacion > limite_notificacion(doc)
    return doc.estado == EstadoDocumento.emitido and doc.tipo_documento.se_notifica and \
        (hoy or hoy_lima()) > limite_notificacion(doc)


def condicion_situacion(valor: str, hoy: date | None = None):
    """La misma clasificación que `situacion`, en SQL (listas por unidad, filtros, Excel)."""
    hoy = hoy or hoy_lima()
    intentos = DocumentoEmitido.notificaciones.any()
    if valor == "por_notificar":
        return sa.and_(DocumentoEmitido.estado == "emitido", ~intentos, se_notifica())
    if valor == "devuelta":
        return sa.and_(DocumentoEmitido.estado == "emitido", intentos)
    corte = umbral(hoy, current_app.config["PLAZO_RECURSO"])
    if valor == "notificada":
        return sa.and_(DocumentoEmitido.estado == "notificado", DocumentoEmitido.fecha_notificacion >= corte)
    if valor == "firme":
        return sa.and_(DocumentoEmitido.estado == "notificado", DocumentoEmitido.fecha_notificacion < corte)
    return sa.false()


def condicion_plazo_vencido(hoy: date | None = None):
    """Emitidos sin notificar cuyo plazo de 5 días hábiles (desde la fecha legal de la emisión) ya venció: los de
    fecha hasta el último día hábil antes del umbral (uno de un sábado cuenta desde el lunes siguiente)."""
    corte = umbral(hoy or hoy_lima(), current_app.config["NOTIFICACION_PLAZO"])
    cal = feriados()
    ultimo = corte - timedelta(days=1)
    while not es_habil(ultimo, cal):
        ultimo -= timedelta(days=1)
    return sa.and_(DocumentoEmitido.estado == "emitido", DocumentoEmitido.fecha <= ultimo, se_notifica())


def condicion_en_la_lista() -> sa.ColumnElement[bool]:
    """Lo que muestra «Notificaciones por unidad»: lo notificado y lo emitido que se notifica o ya tuvo una
    diligencia (un informe interno sin diligencias no está ahí)."""
    return sa.or_(DocumentoEmitido.estado == "notificado",
                  sa.and_(DocumentoEmitido.estado == "emitido",
                          sa.or_(se_notifica(), DocumentoEmitido.notificaciones.any())))


# ------------------------------------------------------------------ diligencias
def _texto(valor: str | None) -> str | None:
    return (valor or "").strip() or None


def fecha_del_acto(acto) -> date:
    return acto.fecha_emision if isinstance(acto, NormaMunicipal) else acto.fecha


def _error_del_acto(n: Notificacion) -> tuple[str, str] | None:
    """El acto que se notifica: un documento emitido (aún sin notificar) o una resolución aprobada o publicada
    (rige desde su notificación, LPAG art. 16), uno solo."""
    if (n.documento is None) == (n.norma is None):
        return "documento", "Elija el documento emitido o la resolución que se notifica (uno de los dos)."
    if n.norma is not None:
        norma = n.norma
        if norma.efecto not in ("notificacion", "emision"):
            return "norma", "De las normas solo se notifican las resoluciones (las demás se publican)."
        if norma.fecha_notificacion is not None:
            return "norma", f"{norma.codigo} ya fue notificada el {norma.fecha_notificacion:%d/%m/%Y}."
        if not norma.por_notificar:
            return "norma", f"La resolución está {norma.estado.etiqueta.lower()}: no se notifica."
        return None
    doc = n.documento
    estado = doc.estado or EstadoDocumento.proyecto  # un documento aún sin guardar es un proyecto
    if estado == EstadoDocumento.notificado:
        return "documento", f"{doc.codigo} ya fue notificado el {doc.fecha_notificacion:%d/%m/%Y}."
    if estado != EstadoDocumento.emitido:
        return "documento", f"Solo se notifica un documento emitido ({doc.codigo} está {estado.etiqueta.lower()})."
    return None


def _avisos_previos(n: Notificacion) -> list[Notificacion]:
    """Las primeras visitas sin nadie (con aviso) ya registradas para el mismo acto."""
    acto = Notificacion.norma_id == n.norma.id if n.norma is not None else Notificacion.documento_id == n.documento.id
    if (n.norma or n.documento).id is None:
        return []
    return list(db.session.scalars(sa.select(Notificacion).where(acto, Notificacion.resultado == "ausente")))


def error_de_diligencia(n: Notificacion) -> tuple[str, str] | None:
    """(campo, mensaje) si la diligencia no cumple la ley o no corresponde al acto."""
    error = _error_del_acto(n)
    if error:
        return error
    acto = n.acto
    if n.fecha_hora is None:
        return "fecha_hora", "Indique la fecha y hora de la diligencia."
    if n.fecha_hora > ahora() + timedelta(minutes=5):
        return "fecha_hora", "La diligencia no puede ser de una fecha u hora futura."
    if fecha_legal(n.fecha) < fecha_legal(fecha_del_acto(acto)):  # actos de un domingo: como del lunes
        return "fecha_hora", f"La notificación no puede ser anterior al acto ({fecha_del_acto(acto):%d/%m/%Y})."
    modalidad, resultado = n.modalidad.value, n.resultado.value
    if modalidad in ("casilla_electronica", "publicacion") and resultado != "entregada":
        return "resultado", ("En casilla electrónica o por publicación el resultado es «entregada» (depositada o "
                             "publicada).")
    if resultado in ("ausente", "bajo_puerta", "no_ubicado") and modalidad != "domicilio":
        return "resultado", "Ese resultado es de una visita al domicilio."
    if resultado == "entregada" and modalidad in ("personal", "domicilio"):
        if not n.receptor_nombre:
            return "receptor_nombre", "Indique el nombre de quien recibe (art. 21.3)."
        if not n.receptor_documento or not re.fullmatch(r"[0-9A-Za-z]{8,12}", n.receptor_documento):
            return "receptor_documento", "Indique el documento de identidad de quien recibe (DNI: 8 dígitos)."
        if modalidad == "domicilio" and not n.receptor_relacion:
            return "receptor_relacion", ("Indique la relación de quien recibe con el administrado (él mismo, "
                                         "familiar, trabajador…; art. 21.4).")
    if resultado in ("rechazada", "bajo_puerta") and not n.descripcion_inmueble:
        return "descripcion_inmueble", ("Describa las características del lugar (fachada, color, número de pisos, "
                                        "puerta, suministro de luz…): arts. 21.3 y 21.5.")
    if resultado == "ausente":
        if n.fecha_segunda_visita is None:
            return "fecha_segunda_visita", "Indique la fecha de la segunda visita anunciada en el aviso (art. 21.5)."
        if n.fecha_segunda_visita <= n.fecha:
            return "fecha_segunda_visita", "La segunda visita es en un día posterior a la primera."
    if resultado == "bajo_puerta":
        aviso = next((a for a in _avisos_previos(n) if a is not n), None)
        if aviso is None:
            return "resultado", ("Se deja bajo la puerta solo en la segunda visita: registre antes la primera, con "
                                 "el aviso (art. 21.5).")
        if n.fecha != aviso.fecha_segunda_visita:
            return "fecha_hora", (f"La segunda visita se hace en la fecha anunciada en el aviso "
                                  f"({aviso.fecha_segunda_visita:%d/%m/%Y}).")
    if modalidad == "publicacion" and not n.medio_publicacion:
        return "medio_publicacion", "Indique el medio y la fecha de la publicación (art. 20.1.3)."
    if modalidad in ("domicilio",) and not n.direccion:
        return "direccion", "Indique el domicilio donde se notifica."
    if modalidad == "casilla_electronica" and getattr(n, "deposito", None) is None:
        return "modalidad", ("La notificación por casilla electrónica se hace depositando el acto en la casilla del "
                             "administrado (services.casilla.depositar), no registrándola a mano.")
    return None


def registrar_diligencia(n: Notificacion) -> Notificacion:
    """Valida la diligencia; si con ella el acto queda notificado, el documento pasa a «notificado» con esa
    fecha (desde el día hábil siguiente corre el plazo del recurso)."""
    for campo in ("direccion", "receptor_nombre", "receptor_documento", "receptor_relacion",
                  "descripcion_inmueble", "medio_publicacion", "notificador", "observaciones"):
        setattr(n, campo, _texto(getattr(n, campo)))
    if n.resultado.value != "ausente":
        n.fecha_segunda_visita = None
    with db.session.no_autoflush:  # la diligencia puede no estar aún en la sesión
        error = error_de_diligencia(n)
        # la fecha legal de la notificación (una hecha un sábado vale como del lunes; en la casilla, según
        # CASILLA_EFECTO): desde ella corren el plazo del recurso y la vigencia de la resolución; la diligencia
        # guarda el momento en que ocurrió
        efecto = fecha_efecto(n) if error is None else None
    if error:
        raise ErrorDeRegla(error[1])
    if n.resultado.value in RESULTADOS_EFECTIVOS:
        if n.norma is not None:  # la resolución rige desde su notificación (LPAG art. 16)
            notificar_norma(n.norma, efecto, n.fecha)
        else:
            n.documento.estado = EstadoDocumento.notificado
            n.documento.fecha_notificacion = efecto
    return n
