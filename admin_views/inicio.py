"""Tablero: lo que la unidad del usuario tiene pendiente y, para quien ve todo, la municipalidad."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from admin_views.base import filtro_alcance, puede
from admin_views.fedatario import tarjetas_tablero
from models import (
    ESTADOS_ABIERTOS,
    ZONA_LIMA,
    Derivacion,
    EstadoDerivacion,
    Expediente,
    Prestamo,
    SesionConcejo,
    SolicitudAcceso,
    Transferencia,
    db,
    hoy_lima,
)
from services import control
from services.archivo import condicion_vencidos
from services.calendario import faltan_no_laborables, sumar_dias_habiles
from services.tramite import por_clasificar
from services.transparencia import condicion_semaforo


class InicioView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    def _cifras(self, unidad_id: int | None) -> list[dict]:
        hoy = hoy_lima()
        pronto = sumar_dias_habiles(hoy, 2)
        inicio_dia = datetime.combine(hoy, time.min, ZONA_LIMA)
        vista = next(v for v in self.admin._views if v.endpoint == "expediente")
        sigla = [("Unidad actual", "equals", current_user.unidad.sigla)] if unidad_id else []
        cond_unidad = [Expediente.unidad_actual_id == unidad_id] if unidad_id else []
        abiertos = Expediente.estado.in_(ESTADOS_ABIERTOS)
        consultas = [
            ("Ingresados hoy", [Expediente.fecha_recepcion >= inicio_dia,
                                Expediente.fecha_recepcion < inicio_dia + timedelta(days=1)],
             [("Recibido", "between", f"{hoy:%d/%m/%Y} al {hoy:%d/%m/%Y}")], "fa-inbox"),
            ("En trámite", [abiertos], [("Estado", "equals", "en_tramite")], "fa-folder-open"),
            ("Vencen en 2 días hábiles", [abiertos, Expediente.fecha_vencimiento.between(hoy, pronto)],
             [("Fecha de vencimiento", "between", f"{hoy:%d/%m/%Y} al {pronto:%d/%m/%Y}"),
              ("Vencido", "equals", "0")], "fa-clock-o"),
            ("Vencidos", [Expediente.vencido], [("Vencido", "equals", "1")], "fa-exclamation-triangle"),
            ("Aprobados por silencio positivo", [Expediente.aprobado_por_silencio],
             [("Aprobado por silencio positivo", "equals", "1")], "fa-check-circle"),
        ]
        alcance = filtro_alcance(Expediente)
        cifras = []
        for titulo, conds, filtros, icono in consultas:
            q = sa.select(sa.func.count()).select_from(Expediente).where(*conds, *cond_unidad)
            if alcance is not None:
                q = q.where(alcance)
            cifras.append({"titulo": titulo, "valor": db.session.scalar(q), "icono": icono,
                           "url": vista.url_filtrada(*sigla, *filtros)})
        if puede("expediente", "editar") and (not unidad_id or current_user.unidad.sigla
                                                   == current_app.config["SIGLA_MESA_PARTES"]):
            cola = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente).where(por_clasificar()))
            cifras.insert(0, {"titulo": "Recibidos por Mesa Digital", "valor": cola, "icono": "fa-globe",
                              "url": vista.url_filtrada(("Recibidos por Mesa Digital", "equals", "1"))})
        if unidad_id and puede("derivacion", "ver"):
            bandeja = next(v for v in self.admin._views if v.endpoint == "derivacion")
            pendientes = db.session.scalar(sa.select(sa.func.count()).select_from(Derivacion).where(
                Derivacion.unidad_destino_id == unidad_id, Derivacion.estado == EstadoDerivacion.pendiente))
            cifras.insert(0, {"titulo": "Por recibir", "valor": pendientes, "icono": "fa-inbox",
                              "url": bandeja.url_filtrada(("Estado", "equals", "pendiente"),
                                                          ("Para (sigla)", "equals", current_user.unidad.sigla))})
        return cifras

    def _transparencia(self) -> list[dict]:
        """Semáforo de las solicitudes de acceso (rol transparencia y Secretaría General)."""
        if not puede("solicitud_acceso", "ver"):
            return []
        vista = next(v for v in self.admin._views if v.endpoint == "solicitud_acceso")
        consultas = [("A tiempo", condicion_semaforo("a_tiempo"), [("Semáforo", "equals", "a_tiempo")],
                      "fa-check-circle"),
                     ("Vencen en 2 días hábiles", condicion_semaforo("por_vencer"),
                      [("Semáforo", "equals", "por_vencer")], "fa-clock-o"),
                     ("Vencidas (denegatoria ficta)", condicion_semaforo("vencida"),
                      [("Semáforo", "equals", "vencida")], "fa-exclamation-triangle"),
                     ("Observadas (por subsanar)", SolicitudAcceso.estado == "observada",
                      [("Estado", "equals", "observada")], "fa-pencil")]
        return [{"titulo": titulo, "icono": icono, "url": vista.url_filtrada(*filtros),
                 "valor": db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso).where(cond))}
                for titulo, cond, filtros, icono in consultas]

    def _archivo(self) -> list[dict]:
        """Archivo central: préstamos vencidos y vigentes (al archivo y a la unidad que los pidió) y transferencias
        atrasadas del cronograma."""
        if not puede("prestamo", "ver"):
            return []
        vista = next(v for v in self.admin._views if v.endpoint == "prestamo")
        alcance = filtro_alcance(Prestamo)
        cifras = []
        for titulo, cond, estado, icono in (
                ("Préstamos vencidos", condicion_vencidos(), "vencido", "fa-exclamation-triangle"),
                ("Préstamos vigentes", sa.and_(Prestamo.fecha_devolucion.is_(None), ~condicion_vencidos()),
                 "vigente", "fa-exchange")):
            q = sa.select(sa.func.count()).select_from(Prestamo).where(cond)
            if alcance is not None:
                q = q.where(alcance)
            cifras.append({"titulo": titulo, "valor": db.session.scalar(q), "icono": icono,
                           "url": vista.url_filtrada(("Estado", "equals", estado))})
        if puede("transferencia", "ver"):  # cronograma: programadas cuya fecha pasó sin recibirse
            q = sa.select(sa.func.count()).select_from(Transferencia).where(
                Transferencia.estado != "recibida", Transferencia.fecha < hoy_lima())
            alcance_t = filtro_alcance(Transferencia)
            if alcance_t is not None:
                q = q.where(alcance_t)
            cifras.append({"titulo": "Transferencias atrasadas", "valor": db.session.scalar(q),
                           "icono": "fa-truck", "url": url_for("transferencia.cronograma")})
        return cifras
    def _cumplimiento(self) -> dict | None:
        """Gráfico del tablero: las derivaciones de los últimos 30 días por resultado (de su unidad, si su
        alcance es la unidad), con enlace al reporte de cumplimiento."""
        if not puede("reporte_cumplimiento", "ver"):
            return None
        hoy = hoy_lima()
        desde = hoy - timedelta(days=30)
        cuenta = control.resumen_cumplimiento(desde, hoy, current_user.unidad_id if current_user.alcance_unidad
                                              else None)
        return {"grafico": {"tipo": "doughnut", "titulo": "Derivaciones de los últimos 30 días",
                            "etiquetas": [t for _, t in control.CUMPLIMIENTO],
                            "datasets": [{"label": "Derivaciones",
                                          "data": [cuenta[k] for k, _ in control.CUMPLIMIENTO],
                                          "colores": [control.COLORES[k] for k, _ in control.CUMPLIMIENTO]}]},
                "cuenta": cuenta, "url": url_for("reporte_cumplimiento.index", desde=desde.isoformat(),
                                                 hasta=hoy.isoformat())}

    @expose("/")
    def index(self):
        puede_ver = puede("expediente", "ver")
        mi_unidad = self._cifras(current_user.unidad_id) if puede_ver else []
        todas = self._cifras(None) if puede_ver and not current_user.alcance_unidad else []
        sesiones = db.session.scalars(
            sa.select(SesionConcejo).where(SesionConcejo.fecha_hora >= datetime.combine(hoy_lima(), time.min,
                                                                                        ZONA_LIMA))
            .order_by(SesionConcejo.fecha_hora).limit(5)).all() if puede("sesion_concejo", "ver") else []
        hoy = hoy_lima()
        aviso_calendario = puede("feriado", "crear") and faltan_no_laborables(
            hoy, current_app.config["AVISO_NO_LABORABLES_DESDE"])
        return self.render("admin/index.html", mi_unidad=mi_unidad, todas=todas, sesiones=sesiones,
                           transparencia=self._transparencia(), archivo=self._archivo(),
                           fedatario=tarjetas_tablero(self.admin), cumplimiento=self._cumplimiento(),
                           aviso_calendario=hoy.year + 1 if aviso_calendario else None, puede=puede)
