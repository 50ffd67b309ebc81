"""Alertas diarias por unidad (issue 16, punto 7; `flask --app app alertas`, para cron o el Programador de tareas):
lo vencido y lo que vence pronto de cada unidad orgánica — expedientes, derivaciones, solicitudes de acceso a la
información y notificaciones pendientes (LPAG art. 24: 5 días hábiles) — y, con correo configurado, un mensaje
al día al jefe de cada unidad; sin correo, el resumen se imprime. Cada envío o resumen queda en la auditoría.

Cada fuente es una función del registro `FUENTES` (préstamos del archivo y otros módulos agregan la suya con
`@fuente("Préstamos del archivo")`): recibe (hoy, hasta) y devuelve filas (unidad_id, código, detalle, vence)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app

from models import (
    ESTADOS_ABIERTOS,
    ZONA_LIMA,
    Derivacion,
    DocumentoEmitido,
    Expediente,
    Prestamo,
    RegistroAuditoria,
    SolicitudAcceso,
    UnidadConservacion,
    UnidadOrganica,
    Usuario,
    db,
    hoy_lima,
)
from services import calendario, correo
from services.auditoria import registrar
from services.notificaciones import se_notifica

DIAS_NOTIFICACION = 5  # LPAG art. 24: el acto se notifica dentro de los 5 días hábiles de emitido
ENTIDAD = "alertas"
LINEAS_POR_GRUPO = 25  # el resto se resume («… y N más»): el correo sigue siendo legible

Fila = tuple[int | None, str, str, date]
FUENTES: list[tuple[str, Callable[[date, date], Iterable[Fila]]]] = []


def fuente(titulo: str):
    """Registra una fuente de alertas: fn(hoy, hasta) → filas (unidad_id, código, detalle, vence) de lo que vence
    hasta `hasta` inclusive (lo ya vencido incluido)."""
    def registrar_fuente(fn):
        FUENTES[:] = [(t, f) for t, f in FUENTES if t != titulo] + [(titulo, fn)]
        return fn
    return registrar_fuente


@fuente("Expedientes")
def _expedientes(hoy: date, hasta: date):
    E = Expediente
    q = sa.select(E.unidad_actual_id, E.codigo, E.asunto, E.fecha_vencimiento).where(
        E.estado.in_(ESTADOS_ABIERTOS), E.fecha_vencimiento.is_not(None), E.fecha_vencimiento <= hasta)
    return db.session.execute(q.order_by(E.fecha_vencimiento, E.id)).all()


@fuente("Derivaciones por atender")
def _derivaciones(hoy: date, hasta: date):
    D, E = Derivacion, Expediente
    q = (sa.select(D.unidad_destino_id, E.codigo, E.asunto, D.fecha_limite).join(E, E.id == D.expediente_id)
         .where(D.fecha_atencion.is_(None), D.fecha_limite.is_not(None), D.fecha_limite <= hasta,
                E.estado.in_(ESTADOS_ABIERTOS)))
    return db.session.execute(q.order_by(D.fecha_limite, D.id)).all()


@fuente("Solicitudes de acceso a la información")
def _solicitudes(hoy: date, hasta: date):
    S = SolicitudAcceso
    venc = S.vencimiento_efectivo
    q = sa.select(S.unidad_poseedora_id, S.codigo, S.informacion_solicitada, venc).where(
        S.estado.in_(("recibida", "en_atencion", "prorrogada")), venc <= hasta)
    return db.session.execute(q.order_by(venc, S.id)).all()


@fuente("Notificaciones pendientes (art. 24)")
def _notificaciones(hoy: date, hasta: date):
    cal = calendario.feriados()
    Doc = DocumentoEmitido
    filas = []
    for unidad_id, codigo, asunto, fecha in db.session.execute(
            sa.select(Doc.unidad_id, Doc.codigo, Doc.asunto, Doc.fecha).where(Doc.estado == "emitido", se_notifica())
            .order_by(Doc.fecha, Doc.id)):
        limite = calendario.plazo_desde(fecha, DIAS_NOTIFICACION, cal)
        if limite <= hasta:
            filas.append((unidad_id, codigo, asunto, limite))
    return filas


@fuente("Préstamos del archivo por devolver")
def _prestamos(hoy: date, hasta: date):
    P, C = Prestamo, UnidadConservacion
    q = (sa.select(P.unidad_solicitante_id, C.codigo, P.solicitante, P.fecha_devolucion_prevista)
         .join(C, C.id == P.unidad_conservacion_id)
         .where(P.fecha_devolucion.is_(None), P.fecha_devolucion_prevista <= hasta))
    return db.session.execute(q.order_by(P.fecha_devolucion_prevista, P.id)).all()


@dataclass
class Resumen:
    unidad: UnidadOrganica | None
    grupos: dict[str, dict[str, list[tuple[str, str, date]]]] = field(default_factory=dict)

    @property
    def cifras(self) -> str:
        """«1 vencido, 3 por vencer» (singular y plural)."""
        return f"{self.vencidos} {'vencido' if self.vencidos == 1 else 'vencidos'}, {self.por_vencer} por vencer"

    @property
    def vencidos(self) -> int:
        return sum(len(g["vencidos"]) for g in self.grupos.values())

    @property
    def por_vencer(self) -> int:
        return sum(len(g["por_vencer"]) for g in self.grupos.values())

    def texto(self, hoy: date) -> str:
        nombre = f"{self.unidad.sigla} – {self.unidad.nombre}" if self.unidad else "Sin unidad asignada"
        lineas = [f"{nombre}: {self.cifras} (al {hoy:%d/%m/%Y})"]
        for titulo, g in self.grupos.items():
            for clave, etiqueta in (("vencidos", "vencido"), ("por_vencer", "vence")):
                for codigo, detalle, vence in g[clave][:LINEAS_POR_GRUPO]:
                    lineas.append(f"  [{titulo}] {codigo} – {detalle[:70]} ({etiqueta} el {vence:%d/%m/%Y})")
                if len(g[clave]) > LINEAS_POR_GRUPO:
                    lineas.append(f"  [{titulo}] … y {len(g[clave]) - LINEAS_POR_GRUPO} más")
        return "\n".join(lineas)


def reunir(hoy: date | None = None, dias_aviso: int = 2) -> list[Resumen]:
    """Lo vencido y lo que vence en `dias_aviso` días hábiles, por unidad (solo las unidades con algo)."""
    hoy = hoy or hoy_lima()
    hasta = calendario.sumar_dias_habiles(hoy, dias_aviso)
    por_unidad: dict[int | None, Resumen] = {}
    for titulo, fn in FUENTES:
        for unidad_id, codigo, detalle, vence in fn(hoy, hasta):
            r = por_unidad.setdefault(unidad_id, Resumen(None))
            g = r.grupos.setdefault(titulo, {"vencidos": [], "por_vencer": []})
            g["vencidos" if vence < hoy else "por_vencer"].append((codigo, detalle or "", vence))
    unidades = {u.id: u for u in db.session.scalars(sa.select(UnidadOrganica).where(
        UnidadOrganica.id.in_([u for u in por_unidad if u is not None])))}
    for unidad_id, r in por_unidad.items():
        r.unidad = unidades.get(unidad_id)
    return sorted(por_unidad.values(), key=lambda r: (r.unidad is None, r.unidad.sigla if r.unidad else ""))


def destinatarios(unidad: UnidadOrganica) -> list[str]:
    """El jefe de la unidad: el usuario activo de la unidad cuyo nombre es el `responsable` registrado; si no hay
    tal usuario con correo, todos los usuarios activos de la unidad que tienen correo."""
    usuarios = db.session.execute(sa.select(Usuario.nombre, Usuario.email).where(
        Usuario.unidad_id == unidad.id, Usuario.activo, Usuario.email.is_not(None), Usuario.email != "")
        .order_by(Usuario.id)).all()
    jefe = [e for n, e in usuarios if unidad.responsable and n.strip().lower() == unidad.responsable.strip().lower()]
    return jefe or [e for _, e in usuarios]


def _ya_enviado(unidad_id: int, hoy: date) -> bool:
    inicio = datetime.combine(hoy, time.min, ZONA_LIMA)
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria).where(
        RegistroAuditoria.entidad == ENTIDAD, RegistroAuditoria.entidad_id == unidad_id,
        RegistroAuditoria.momento >= inicio, RegistroAuditoria.detalle.like("Correo enviado%"))))


def ejecutar(hoy: date | None = None, dias_aviso: int = 2, eco=print) -> dict[str, int]:
    """Resumen por unidad; con MAIL_SERVER, un correo al día al jefe de cada unidad (no repite el del día)."""
    hoy = hoy or hoy_lima()
    con_correo = bool(current_app.config.get("MAIL_SERVER"))
    cuenta = {"unidades": 0, "correos": 0, "omitidos": 0, "fallidos": 0}
    for r in reunir(hoy, dias_aviso):
        cuenta["unidades"] += 1
        texto = r.texto(hoy)
        eco(texto)
        unidad_id = r.unidad.id if r.unidad else None
        resumen = r.cifras
        if not con_correo or r.unidad is None:
            registrar("exportar", ENTIDAD, unidad_id, f"Resumen del {hoy:%d/%m/%Y} (sin correo): {resumen}")
            continue
        if _ya_enviado(r.unidad.id, hoy):
            cuenta["omitidos"] += 1
            eco(f"  (el correo de hoy ya se envió a {r.unidad.sigla})")
            continue
        para = destinatarios(r.unidad)
        if not para:
            registrar("exportar", ENTIDAD, unidad_id, f"Sin correo de destino: {resumen}")
            eco(f"  ({r.unidad.sigla}: ningún usuario activo de la unidad tiene correo)")
            continue
        asunto = f"Alertas de plazos {r.unidad.sigla} al {hoy:%d/%m/%Y}: {resumen}"
        motivo = correo.motivo_de_fallo(", ".join(para), asunto, f"{texto}\n\n{current_app.config['MUNICIPALIDAD']}"
                                                                   " – Secretaría General")
        if motivo is None:
            cuenta["correos"] += 1
            registrar("exportar", ENTIDAD, unidad_id, f"Correo enviado a {', '.join(para)}: {resumen}"[:2000])
        else:
            cuenta["fallidos"] += 1
            registrar("exportar", ENTIDAD, unidad_id, f"Correo no enviado ({motivo}): {resumen}"[:2000])
            eco(f"  (no se envió el correo a {r.unidad.sigla}: {motivo})")
    db.session.commit()
    return cuenta
