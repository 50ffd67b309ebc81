"""Registro de pantallas: la ÚNICA lista ordenada de vistas (= el menú)."""

from __future__ import annotations

from pathlib import Path

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin_views import castellano
from admin_views.archivo import (
    BuscarArchivoView,
    EliminacionView,
    OcupacionArchivoView,
    PrestamoView,
    RetencionArchivoView,
    SerieDocumentalView,
    TransferenciaView,
    UbicacionView,
    UnidadConservacionView,
)
from admin_views.casilla import CuentaCasillaView, DepositoCasillaView
from admin_views.catalogos import FeriadoView, PersonaView, ProcedimientoTupaView, TipoDocumentoView
from admin_views.concejo import (
    ActaView,
    AsistenciaView,
    CitacionView,
    ComisionView,
    DictamenView,
    MiembroConcejoView,
    PeriodoMunicipalView,
    PuntoAgendaView,
    ReporteConcejoView,
    SesionComisionView,
    SesionConcejoView,
    VotoView,
)
from admin_views.control import ReporteCumplimientoView, ReporteFlujoView, ReporteMesaView
from admin_views.expedir import PorFirmarView, RedaccionView
from admin_views.fedatario import CertificacionView, NotificacionView, SituacionNotificacionView
from admin_views.inicio import InicioView
from admin_views.normas import NormaMunicipalView, RelacionNormaView
from admin_views.seguridad import PermisoView, RegistroAuditoriaView, RolView, UnidadOrganicaView, UsuarioView
from admin_views.tramite import DerivacionView, DocumentoEmitidoView, ExpedienteView
from admin_views.transparencia import ExcepcionTransparenciaView, ReporteTransparenciaView, SolicitudAccesoView
from models import (
    Acta,
    Asistencia,
    Certificacion,
    Citacion,
    Comision,
    CuentaCasilla,
    DepositoCasilla,
    Derivacion,
    Dictamen,
    DocumentoEmitido,
    Eliminacion,
    ExcepcionTransparencia,
    Expediente,
    Feriado,
    MiembroConcejo,
    NormaMunicipal,
    Notificacion,
    PeriodoMunicipal,
    Permiso,
    Persona,
    Prestamo,
    ProcedimientoTupa,
    PuntoAgenda,
    Redaccion,
    RegistroAuditoria,
    RelacionNorma,
    Rol,
    SerieDocumental,
    SesionConcejo,
    SolicitudAcceso,
    TipoDocumento,
    Transferencia,
    Ubicacion,
    UnidadConservacion,
    UnidadOrganica,
    Usuario,
    Voto,
)
from services.seguridad import nonce_csp

TRAMITE, CONCEJO, NORMAS, TRANSPARENCIA, ARCHIVO = "Trámite", "Concejo", "Normas", "Transparencia", "Archivo"
FEDATARIO = "Fedatario"
CATALOGOS, SEGURIDAD = "Catálogos", "Seguridad"
CONTROL = "Control"  # control de plazos y estadísticas
# ícono de cada categoría del menú (Font Awesome 4.7); una categoría nueva que no esté aquí lleva ICONO_CATEGORIA
ICONOS_CATEGORIA = {TRAMITE: "fa-folder", CONCEJO: "fa-university", NORMAS: "fa-balance-scale", TRANSPARENCIA: "fa-eye",
                    ARCHIVO: "fa-archive", FEDATARIO: "fa-certificate", CONTROL: "fa-line-chart",
                    CATALOGOS: "fa-book", SEGURIDAD: "fa-lock"}
ICONO_CATEGORIA = "fa-folder-o"

VISTAS = [
    (ExpedienteView, Expediente, "Expedientes", TRAMITE, "fa-folder-open"),
    (DerivacionView, Derivacion, "Bandeja (derivaciones)", TRAMITE, "fa-inbox"),
    (PorFirmarView, None, "Por firmar", TRAMITE, "fa-pencil-square-o"),
    (RedaccionView, Redaccion, "Redactar documentos", TRAMITE, "fa-pencil"),
    (DocumentoEmitidoView, DocumentoEmitido, "Documentos emitidos", TRAMITE, "fa-file-text"),
    (SituacionNotificacionView, DocumentoEmitido, "Notificaciones por unidad", TRAMITE, "fa-paper-plane"),
    (NotificacionView, Notificacion, "Diligencias de notificación", TRAMITE, "fa-envelope-o"),
    (DepositoCasillaView, DepositoCasilla, "Depósitos en casillas", TRAMITE, "fa-envelope-open-o"),
    (CuentaCasillaView, CuentaCasilla, "Casillas electrónicas", TRAMITE, "fa-id-card-o"),
    (CertificacionView, Certificacion, "Certificaciones", FEDATARIO, "fa-certificate"),
    (SesionConcejoView, SesionConcejo, "Sesiones", CONCEJO, "fa-gavel"),
    (SesionComisionView, SesionConcejo, "Sesiones de comisiones", CONCEJO, "fa-gavel"),
    (DictamenView, Dictamen, "Dictámenes de comisiones", CONCEJO, "fa-file-text"),
    (PuntoAgendaView, PuntoAgenda, "Puntos de agenda", CONCEJO, "fa-list"),
    (CitacionView, Citacion, "Citaciones", CONCEJO, "fa-envelope"),
    (AsistenciaView, Asistencia, "Asistencias", CONCEJO, "fa-check"),
    (VotoView, Voto, "Votos", CONCEJO, "fa-hand-paper-o"),
    (ActaView, Acta, "Actas", CONCEJO, "fa-file-text-o"),
    (ReporteConcejoView, None, "Reportes y dietas", CONCEJO, "fa-bar-chart"),
    (MiembroConcejoView, MiembroConcejo, "Alcalde y regidores", CONCEJO, "fa-users"),
    (ComisionView, Comision, "Comisiones", CONCEJO, "fa-sitemap"),
    (PeriodoMunicipalView, PeriodoMunicipal, "Períodos municipales", CONCEJO, "fa-calendar-o"),
    (NormaMunicipalView, NormaMunicipal, "Normas municipales", NORMAS, "fa-balance-scale"),
    (RelacionNormaView, RelacionNorma, "Relaciones entre normas", NORMAS, "fa-link"),
    (SolicitudAccesoView, SolicitudAcceso, "Solicitudes de acceso", TRANSPARENCIA, "fa-eye"),
    (ReporteTransparenciaView, None, "Informe anual", TRANSPARENCIA, "fa-bar-chart"),
    (ExcepcionTransparenciaView, ExcepcionTransparencia, "Excepciones (arts. 15–17)", TRANSPARENCIA, "fa-lock"),
    (BuscarArchivoView, None, "¿Dónde está?", ARCHIVO, "fa-search"),
    (UnidadConservacionView, UnidadConservacion, "Cajas y legajos", ARCHIVO, "fa-archive"),
    (TransferenciaView, Transferencia, "Transferencias", ARCHIVO, "fa-truck"),
    (PrestamoView, Prestamo, "Préstamos", ARCHIVO, "fa-exchange"),
    (RetencionArchivoView, None, "Retención y préstamos vencidos", ARCHIVO, "fa-hourglass-end"),
    (EliminacionView, Eliminacion, "Eliminaciones", ARCHIVO, "fa-trash"),
    (OcupacionArchivoView, None, "Ocupación", ARCHIVO, "fa-bar-chart"),
    (UbicacionView, Ubicacion, "Ubicaciones", ARCHIVO, "fa-th"),
    (SerieDocumentalView, SerieDocumental, "Series documentales", ARCHIVO, "fa-tags"),
    (ReporteCumplimientoView, None, "Cumplimiento de plazos", CONTROL, "fa-tachometer"),
    (ReporteFlujoView, None, "Flujo documentario", CONTROL, "fa-line-chart"),
    (ReporteMesaView, None, "Supervisión de Mesa de Partes", CONTROL, "fa-desktop"),
    (PersonaView, Persona, "Personas", CATALOGOS, "fa-address-card"),
    (TipoDocumentoView, TipoDocumento, "Tipos de documento", CATALOGOS, "fa-file-text-o"),
    (ProcedimientoTupaView, ProcedimientoTupa, "Procedimientos TUPA", CATALOGOS, "fa-list-ol"),
    (FeriadoView, Feriado, "Feriados y días no laborables", CATALOGOS, "fa-calendar"),
    (UnidadOrganicaView, UnidadOrganica, "Unidades orgánicas", SEGURIDAD, "fa-sitemap"),
    (UsuarioView, Usuario, "Usuarios", SEGURIDAD, "fa-users"),
    (RolView, Rol, "Roles y permisos", SEGURIDAD, "fa-key"),
    (PermisoView, Permiso, "Permisos", SEGURIDAD, "fa-check-square-o"),
    (RegistroAuditoriaView, RegistroAuditoria, "Auditoría", SEGURIDAD, "fa-history"),
]

ENDPOINTS_PAGINA = {ReporteConcejoView: "reporte_concejo", ReporteTransparenciaView: "reporte_transparencia",
                    BuscarArchivoView: "buscar_archivo", OcupacionArchivoView: "ocupacion_archivo",
                    RetencionArchivoView: "retencion_archivo",
                    ReporteCumplimientoView: "reporte_cumplimiento", ReporteFlujoView: "reporte_flujo",
                    ReporteMesaView: "reporte_mesa", PorFirmarView: "por_firmar"}
# otra pantalla sobre el mismo modelo
ENDPOINTS_VISTA = {SesionComisionView: "sesion_comision", SituacionNotificacionView: "notificacion_documento"}


def init_admin(app) -> Admin:
    castellano.instalar()
    castellano.registrar_filtros(app)
    admin = Admin(
        app, name="Secretaría General", csp_nonce_generator=nonce_csp,
        theme=Bootstrap4Theme(swatch="flatly", fluid=True, base_template="admin/secretaria_base.html"),
        index_view=InicioView(name="Inicio", menu_icon_type="fa", menu_icon_value="fa-home"),
        category_icon_classes={categoria: f"fa {ICONOS_CATEGORIA.get(categoria, ICONO_CATEGORIA)}"
                               for categoria in dict.fromkeys(v[3] for v in VISTAS)},
        # el .mo que trae Flask-Admin está desactualizado (p. ej. "Not a valid choice"): este lo completa
        translations_path=str(Path(__file__).resolve().parent.parent / "translations"),
    )
    for clase, modelo, nombre, categoria, icono in VISTAS:
        extra = {"name": nombre, "category": categoria, "menu_icon_type": "fa", "menu_icon_value": icono}
        if modelo is None:  # pantalla que no es un modelo: su endpoint sale del nombre de la clase
            admin.add_view(clase(endpoint=ENDPOINTS_PAGINA[clase], **extra))
        else:
            if clase in ENDPOINTS_VISTA:
                extra["endpoint"] = ENDPOINTS_VISTA[clase]
            admin.add_view(clase(modelo, **extra))
    return admin
