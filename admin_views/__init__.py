"""Registro de pantallas: la ÚNICA lista ordenada de vistas (= el menú)."""

from __future__ import annotations

from pathlib import Path

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin_views.catalogos import FeriadoView, PersonaView, ProcedimientoTupaView, TipoDocumentoView
from admin_views.inicio import InicioView
from admin_views.seguridad import PermisoView, RegistroAuditoriaView, RolView, UnidadOrganicaView, UsuarioView
from admin_views.tramite import DerivacionView, DocumentoEmitidoView, ExpedienteView
from models import (
    Derivacion,
    DocumentoEmitido,
    Expediente,
    Feriado,
    Permiso,
    Persona,
    ProcedimientoTupa,
    RegistroAuditoria,
    Rol,
    TipoDocumento,
    UnidadOrganica,
    Usuario,
)

TRAMITE, CATALOGOS, SEGURIDAD = "Trámite", "Catálogos", "Seguridad"

VISTAS = [
    (ExpedienteView, Expediente, "Expedientes", TRAMITE, "fa-folder-open"),
    (DerivacionView, Derivacion, "Bandeja (derivaciones)", TRAMITE, "fa-inbox"),
    (DocumentoEmitidoView, DocumentoEmitido, "Documentos emitidos", TRAMITE, "fa-file-text"),
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


def init_admin(app) -> Admin:
    admin = Admin(
        app, name="Secretaría General",
        theme=Bootstrap4Theme(swatch="flatly", fluid=True, base_template="admin/secretaria_base.html"),
        index_view=InicioView(name="Inicio", menu_icon_type="fa", menu_icon_value="fa-home"),
        category_icon_classes={TRAMITE: "fa fa-folder", CATALOGOS: "fa fa-book", SEGURIDAD: "fa fa-lock"},
        # el .mo que trae Flask-Admin está desactualizado (p. ej. "Not a valid choice"): este lo completa
        translations_path=str(Path(__file__).resolve().parent.parent / "translations"),
    )
    for clase, modelo, nombre, categoria, icono in VISTAS:
        admin.add_view(clase(modelo, name=nombre, category=categoria, menu_icon_type="fa",
                             menu_icon_value=icono))
    return admin
