"""Permisos por rol, vista y acción: la puerta de cada endpoint (VistaSegura y PaginaSegura).

Miembros privados de Flask-Admin de los que depende (una actualización romperá aquí primero):
- `BaseView._handle_view(name, **kw)`: se llama antes de cada endpoint; aquí se exige el permiso."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    g,
    redirect,
    request,
    url_for,
)
from flask_admin import BaseView
from flask_login import current_user

from admin_views.entradas import validar_argumentos
from models import Permiso, db

ACCIONES = ("ver", "crear", "editar", "eliminar", "exportar")  # las de toda pantalla de un modelo
ACCIONES_MATRIZ = (*ACCIONES, "anular", "visto_bueno", "firmar")  # columnas de la matriz de permisos
SOLO_LECTURA = ("crear", "editar", "eliminar")

# endpoint de Flask-Admin → acción del permiso que exige
ACCION_DE_ENDPOINT = {
    "index_view": "ver", "details_view": "ver", "ajax_lookup": "ver",
    "create_view": "crear", "edit_view": "editar", "ajax_update": "editar",
    "delete_view": "eliminar", "export": "exportar",
}


# --------------------------------------------------------------------------- permisos
def permisos_actuales() -> frozenset[tuple[str, str]]:
    """(vista, acción) que el usuario de la petición puede; se lee una vez por petición."""
    if not current_user.is_authenticated:
        return frozenset()
    if "_permisos" not in g:
        filas = db.session.execute(
            sa.select(Permiso.vista, Permiso.accion).where(Permiso.rol_id == current_user.rol_id))
        g._permisos = frozenset((v, a.value) for v, a in filas)
    return g._permisos


def puede(vista: str, accion: str) -> bool:
    return (vista, accion) in permisos_actuales()



class AccesoPorRol:
    """Entrar exige sesión y el permiso «ver» de la pantalla; sin sesión → login, sin permiso → 403."""

    # permisos que la instalación nueva da a cada rol en esta pantalla: {"rol": "letras"} con v = ver y exportar,
    # c = crear, e = editar, d = eliminar, a = anular (services/permisos.py); el auditor lee todo sin declararlo
    permisos_por_defecto: dict[str, str] = {}
    # endpoint propio (@expose) → acción que exige; sin declarar: «ver» en GET y «editar» en POST
    acciones_endpoint: dict[str, str] = {}

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.puede("ver")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def accion_requerida(self, name: str) -> str:
        if name in self.acciones_endpoint:
            return self.acciones_endpoint[name]
        return "ver" if request.method in ("GET", "HEAD") else "editar"

    def ofrece(self, accion: str) -> bool:
        """¿La matriz de permisos muestra esta acción para la pantalla? (las demás salen en gris)."""
        return accion in ACCIONES

    def _handle_view(self, name, **kwargs):
        """Cada endpoint: sesión (login), luego el permiso de la acción (403), luego los argumentos (400/404).
        El alcance (404) viene después, al leer la fila: primero el permiso, después el alcance."""
        respuesta = super()._handle_view(name, **kwargs)
        if respuesta is not None:
            return respuesta
        if not self.puede(self.accion_requerida(name)):
            abort(403)
        validar_argumentos()
        return None



# --------------------------------------------------------------------------- páginas que no son un modelo
class PaginaSegura(AccesoPorRol, BaseView):
    """Pantalla propia (reportes): el mismo permiso por rol que una VistaSegura (ver / exportar)."""

    def puede(self, accion: str) -> bool:
        return self.ofrece(accion) and puede(self.endpoint, accion)

    def ofrece(self, accion: str) -> bool:
        return accion in ("ver", "exportar")
