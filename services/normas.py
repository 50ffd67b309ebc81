"""Reglas de las normas municipales (docs/reglas.md §6; LOM arts. 39–44, LPAG art. 16).

Número de la norma (al aprobarse el proyecto), anulación de un número, publicación y vigencia según el efecto
de cada tipo, notificación de las resoluciones, derogación y el texto de la plantilla Word. La sesión del
concejo (services/concejo.py) llama a `crear_norma_de_punto` al aprobarse un punto de ordenanza o acuerdo.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from models import (
    EstadoNorma,
    NormaMunicipal,
    PeriodoMunicipal,
    PuntoAgenda,
    RelacionNorma,
    TipoNorma,
    TipoRelacionNorma,
    bloquear,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, numeracion

NORMA_DE_MATERIA = {"ordenanza": TipoNorma.ordenanza, "acuerdo": TipoNorma.acuerdo_concejo}


class ErrorNorma(ErrorDeRegla):
    """Regla de las normas incumplida: el mensaje, en castellano, se muestra al usuario."""


def _v(valor) -> str:
    """Valor de un enum, lo traiga el modelo (enum) o un formulario (texto)."""
    return str(getattr(valor, "value", valor))


def numerar_norma(norma: NormaMunicipal) -> None:
    """El número de la serie de su tipo y del año de su fecha, que debe ser la de hoy o de los últimos días y no
    anterior a la del último número de la serie (`ActoNumerado`): se revisa antes de sacarlo."""
    norma.estado = norma.estado or EstadoNorma.aprobada
    norma.fecha_emision = norma.fecha_emision or hoy_lima()
    error = norma.error_de_fecha()
    if error:
        raise ErrorNorma(error, campo="fecha_emision")
    norma.anio = norma.fecha_emision.year
    norma.numero = numeracion.siguiente(f"norma:{norma.tipo.value}:{norma.anio}")
    norma.codigo = NormaMunicipal.formato_codigo(norma.tipo, norma.anio, norma.numero,
                                                 current_app.config["SIGLA_ENTIDAD"])
    regir_desde_adopcion(norma)


def proyectar_norma(norma: NormaMunicipal) -> None:
    """Proyecto: texto (considerandos y artículos) sin número; el número se saca al aprobarla."""
    norma.estado = EstadoNorma.proyecto
    norma.fecha_emision = norma.fecha_emision or hoy_lima()
    norma.anio, norma.numero, norma.codigo = norma.fecha_emision.year, None, None


def aprobar_norma(norma: NormaMunicipal, fecha: date) -> None:
    """Aprobado el proyecto, recién entonces se saca su número (el de la serie de su tipo y del año). La norma queda
    tomada hasta el commit: dos clics a la vez dan un solo número; el segundo ve «ya aprobada»."""
    bloquear(norma)
    if norma.estado != EstadoNorma.proyecto:
        raise ErrorNorma(f"{norma.codigo or 'La norma'} ya fue aprobada: tiene su número; no se vuelve a aprobar.")
    with db.session.no_autoflush:  # el número se saca antes de que la fila aprobada llegue a la base
        norma.estado, norma.fecha_emision = EstadoNorma.aprobada, fecha
        numerar_norma(norma)


def anular_norma(norma: NormaMunicipal, motivo: str) -> None:
    """Un número sacado por error se anula con su motivo; nunca se reutiliza (la serie sigue)."""
    bloquear(norma)
    if not (motivo or "").strip():
        raise ErrorNorma("Indique el motivo de la anulación.")
    if norma.estado == EstadoNorma.proyecto:
        raise ErrorNorma("Un proyecto no tiene número que anular.")
    if norma.estado not in (EstadoNorma.aprobada, EstadoNorma.vigente) or norma.fecha_publicacion is not None \
            or norma.relaciones_origen:
        raise ErrorNorma("Solo se anula el número de una norma aún no publicada ni aplicada; si ya rige, "
                           "se deroga.")
    norma.estado, norma.motivo_anulacion, norma.fecha_vigencia = EstadoNorma.anulada, motivo.strip(), None
    norma._accion_auditoria = "anular"


# la fórmula con que cada tipo de norma introduce su parte resolutiva
FORMULA_RESOLUTIVA = {"ordenanza": "ORDENA:", "acuerdo_concejo": "ACUERDA:", "decreto_alcaldia": "DECRETA:",
                      "resolucion_alcaldia": "RESUELVE:", "resolucion_concejo": "RESUELVE:", "edicto": "HACE SABER:"}


def contexto_norma(norma: NormaMunicipal) -> dict:
    """Datos de la plantilla Word de la norma (docxtpl): mismos nombres para todas las plantillas por tipo."""
    periodo = norma.fecha_emision and db.session.scalar(sa.select(PeriodoMunicipal).where(
        PeriodoMunicipal.inicio <= norma.fecha_emision, PeriodoMunicipal.fin >= norma.fecha_emision))

    def parrafos(texto):
        return [p.strip() for p in (texto or "").split("\n") if p.strip()]

    return {"municipalidad": current_app.config["MUNICIPALIDAD"], "titulo": norma.titulo,
            "tipo": norma.tipo.etiqueta, "sumilla": norma.sumilla, "estado": norma.estado.etiqueta,
            "fecha": f"{norma.fecha_emision:%d/%m/%Y}" if norma.fecha_emision else "",
            "considerandos": parrafos(norma.considerandos), "articulos": parrafos(norma.articulos),
            "formula": FORMULA_RESOLUTIVA.get(norma.tipo.value, "RESUELVE:"),
            "proyecto": norma.estado == EstadoNorma.proyecto,
            "alcalde": next((m.nombre for m in (periodo.miembros if periodo else []) if m.es_alcalde), "")}


def regir_desde_adopcion(norma: NormaMunicipal) -> None:
    """Un acuerdo de concejo rige desde su adopción (salvo sobre remuneración o dietas: desde su publicación); una
    resolución que otorga un beneficio, desde su emisión (LPAG art. 16.2); las demás resoluciones, desde su
    notificación (art. 16.1: si se le quita la marca del beneficio, vuelve a regir desde la notificación)."""
    efecto = norma.efecto
    rige_ya = norma.estado in (EstadoNorma.aprobada, EstadoNorma.vigente) or \
        (efecto == "emision" and norma.estado == EstadoNorma.publicada)
    if efecto in ("adopcion", "emision") and rige_ya:
        norma.fecha_vigencia = norma.fecha_emision
        if norma.fecha_emision <= hoy_lima():
            norma.estado = EstadoNorma.vigente
        elif norma.estado == EstadoNorma.vigente:
            norma.estado = EstadoNorma.aprobada
    elif efecto == "publicacion" and norma.fecha_publicacion is None:
        norma.fecha_vigencia = None
        if norma.estado == EstadoNorma.vigente:
            norma.estado = EstadoNorma.aprobada
    elif efecto == "notificacion" and norma.estado in (EstadoNorma.aprobada, EstadoNorma.publicada,
                                                         EstadoNorma.vigente):
        norma.fecha_vigencia = norma.fecha_notificacion
        if norma.fecha_notificacion is None and norma.estado == EstadoNorma.vigente:
            norma.estado = EstadoNorma.publicada if norma.fecha_publicacion else EstadoNorma.aprobada


def crear_norma_de_punto(punto: PuntoAgenda) -> NormaMunicipal:
    existente = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.punto_agenda_id == punto.id)) \
        if punto.id else None
    if existente is not None:
        return existente
    norma = NormaMunicipal(tipo=NORMA_DE_MATERIA[_v(punto.materia)], sumilla=punto.titulo[:1000],
                           fecha_emision=punto.sesion.fecha, punto_agenda=punto, estado=EstadoNorma.aprobada)
    numerar_norma(norma)
    db.session.add(norma)
    return norma


def publicar(norma: NormaMunicipal, medio: str, fecha: date, vigencia: date | None = None) -> None:
    """Publicada, rige desde el día siguiente salvo que la norma fije una fecha posterior (LOM art. 44). Un
    acuerdo (que no sea sobre remuneración) ya rige desde su adopción y una resolución desde su notificación:
    la publicación no cambia su vigencia. Un edicto es un aviso: publicado, nunca «vigente»."""
    bloquear(norma)
    efecto = norma.efecto
    ya_rige = efecto in ("adopcion", "notificacion", "emision") and norma.estado == EstadoNorma.vigente \
        and norma.fecha_publicacion is None
    if norma.estado == EstadoNorma.proyecto:
        raise ErrorNorma("Un proyecto no se publica: apruébelo primero (recién entonces tiene número).")
    if norma.estado != EstadoNorma.aprobada and not ya_rige:
        raise ErrorNorma("La norma ya fue publicada, está derogada o anulada.")
    if vigencia is not None and efecto != "publicacion":
        raise ErrorNorma({"adopcion": "Un acuerdo de concejo rige desde su adopción; no se fija su vigencia al "
                                        "publicarlo.",
                            "notificacion": "Una resolución rige desde su notificación al destinatario.",
                            "emision": "Una resolución que otorga un beneficio rige desde su emisión (LPAG art. "
                                       "16.2).",
                            "ninguno": "Un edicto es un aviso: no tiene vigencia."}[efecto])
    if norma.requiere_ratificacion and norma.fecha_ratificacion is None:
        raise ErrorNorma("Ordenanza tributaria distrital: registre la ratificación provincial antes de publicar.")
    if fecha < norma.fecha_emision:
        raise ErrorNorma("La publicación no puede ser anterior a la emisión.")
    minima = fecha + timedelta(days=1)
    if vigencia is not None and vigencia < minima:
        raise ErrorNorma("La vigencia empieza, como pronto, el día siguiente de la publicación.")
    norma.medio_publicacion, norma.fecha_publicacion = medio, fecha
    if efecto == "publicacion":
        norma.fecha_vigencia = vigencia or minima
        norma.estado = EstadoNorma.vigente if norma.fecha_vigencia <= hoy_lima() else EstadoNorma.publicada
    elif not ya_rige:
        norma.estado = EstadoNorma.publicada  # el edicto, o la resolución aún sin notificar


def notificar_norma(norma: NormaMunicipal, fecha: date, diligencia: date | None = None) -> None:
    """Una resolución rige desde su notificación al destinatario (LPAG art. 16.1); la que otorga un beneficio ya
    rige desde su emisión (art. 16.2): su notificación se anota sin cambiar la vigencia. `fecha` es la del efecto;
    `diligencia`, la del acto de notificar si es otra (en la casilla electrónica el efecto puede ser el día hábil
    siguiente al depósito: la resolución pasa a vigente ese día, con la tarea diaria)."""
    bloquear(norma)
    diligencia = diligencia or fecha
    if norma.efecto not in ("notificacion", "emision"):
        raise ErrorNorma("Solo las resoluciones rigen desde su notificación.")
    if not norma.por_notificar:
        raise ErrorNorma(f"La resolución está {norma.estado.etiqueta.lower()}: no se notifica.")
    if diligencia < norma.fecha_emision:
        raise ErrorNorma("La notificación no puede ser anterior a la emisión.")
    if diligencia > hoy_lima():
        raise ErrorNorma("La notificación no puede ser una fecha futura.")
    norma.fecha_notificacion = fecha
    if norma.efecto == "notificacion":
        norma.fecha_vigencia = fecha
    if norma.efecto == "notificacion" and fecha <= hoy_lima():
        norma.estado = EstadoNorma.vigente


def actualizar_vigencias() -> int:
    """Publicadas cuya fecha de vigencia llegó → vigentes (tarea diaria; cada cambio queda auditado)."""
    normas = db.session.scalars(sa.select(NormaMunicipal).where(
        NormaMunicipal.estado.in_((EstadoNorma.publicada, EstadoNorma.aprobada)), NormaMunicipal.tipo != "edicto",
        NormaMunicipal.fecha_vigencia <= hoy_lima())).all()
    for norma in normas:
        norma.estado = EstadoNorma.vigente
    return len(normas)


def aplicar_relacion(rel: RelacionNorma) -> None:
    if rel.tipo == TipoRelacionNorma.deroga:
        if rel.origen.estado not in (EstadoNorma.publicada, EstadoNorma.vigente, EstadoNorma.aprobada):
            raise ErrorNorma("Solo deroga una norma aprobada.")
        rel.destino.estado = EstadoNorma.derogada


# ------------------------------------------------------------------ PDF firmado y transcripciones (Expedir)
def _parrafos(texto: str | None) -> list[str]:
    return [p.strip() for p in (texto or "").split("\n") if p.strip()]


def _escape(texto: str) -> str:
    """Escapado como lo deja el saneador del editor (las comillas tal cual): el texto no cambia al sanearlo."""
    from html import escape

    return escape(texto, quote=False)


def texto_html(norma: NormaMunicipal) -> str:
    """El texto aprobado de la norma para su PDF: considerandos, la fórmula de su tipo y los artículos numerados
    (escapado: solo el marcado del editor, que el saneador deja pasar)."""
    partes = []
    if _parrafos(norma.considerandos):
        partes.append("<div><strong>CONSIDERANDO:</strong></div>")
        partes += [f"<div>{_escape(p)}</div>" for p in _parrafos(norma.considerandos)]
    partes.append(f"<div><strong>{FORMULA_RESOLUTIVA.get(norma.tipo.value, 'RESUELVE:')}</strong></div>")
    for i, p in enumerate(_parrafos(norma.articulos), start=1):
        cuerpo = p if p.lower().startswith("artículo") else f"Artículo {i}.- {p}"
        partes.append(f"<div>{_escape(cuerpo)}</div>")
    partes.append("<div>Regístrese, comuníquese, publíquese y cúmplase.</div>")
    return "".join(partes)


def texto_transcripcion(norma: NormaMunicipal) -> str:
    return (f"<div>Transcribo a usted, para su conocimiento y cumplimiento, el <strong>{_escape(norma.codigo)}"
            f"</strong>, de fecha {norma.fecha_emision:%d/%m/%Y}, que dice:</div>"
            f"<blockquote>{texto_html(norma)}</blockquote>")


def tipo_documento(nombre: str, abreviatura: str):
    """El tipo de documento (catálogo) con esa abreviatura; si aún no existe, se crea (sin plantilla: la del sistema;
    se numera en la serie de la unidad)."""
    from models import TipoDocumento

    tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == abreviatura)
                             .order_by(TipoDocumento.id).limit(1))
    if tipo is None:
        tipo = TipoDocumento(nombre=nombre, abreviatura=abreviatura, se_notifica=False)
        db.session.add(tipo)
    return tipo


def tipo_documento_de(norma: NormaMunicipal):
    """El tipo de documento de la serie de la norma (`TIPOS_DOCUMENTO_NORMA`): uno de esos nunca se numera como
    documento emitido, solo aquí."""
    abreviatura = next((a for a, t in current_app.config["TIPOS_DOCUMENTO_NORMA"].items() if t == norma.tipo.value),
                       None)
    if abreviatura is None:
        raise ErrorNorma(f"Falta el tipo de documento de «{norma.tipo.etiqueta}» en TIPOS_DOCUMENTO_NORMA: avise a "
                         "TI.")
    return tipo_documento(norma.tipo.etiqueta, abreviatura)


TIPOS_CON_PDF_FIRMADO = ("ordenanza", "acuerdo_concejo", "decreto_alcaldia", "resolucion_alcaldia",
                         "resolucion_concejo")


def exigir_aprobada(norma: NormaMunicipal) -> None:
    if norma.estado in (EstadoNorma.proyecto, EstadoNorma.anulada) or not norma.codigo:
        raise ErrorNorma(f"{norma} no está aprobada (o su número fue anulado): apruébela primero; recién entonces "
                         "tiene número y texto final.")
