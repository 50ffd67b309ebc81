"""Permisos por defecto: las letras con que cada pantalla los declara y la ayuda de las migraciones.

Cada vista declara `permisos_por_defecto = {"rol": "letras"}` junto a su código (admin_views/…); la semilla de
una instalación nueva se calcula de esas declaraciones (`services.semilla.matriz_por_defecto`). Una migración que
agrega pantallas da sus permisos a los roles que ya existen con una llamada:

    conceder({"serie_documental": {"archivo": "vced", "secretaria_general": "v"}})   # en upgrade()
    retirar("serie_documental")                                                       # en downgrade()

Solo datos (SQLAlchemy Core sobre la conexión de Alembic): no importa modelos, para que una migración antigua
siga funcionando aunque los modelos cambien."""

from __future__ import annotations

import sqlalchemy as sa

# v = ver (y exportar: en los permisos por defecto van juntos), c = crear, e = editar, d = eliminar, a = anular,
# b = dar el V° B°, f = firmar (Expedir)
LETRAS = {"v": ("ver", "exportar"), "c": ("crear",), "e": ("editar",), "d": ("eliminar",), "a": ("anular",),
          "b": ("visto_bueno",), "f": ("firmar",)}
# roles que leen toda pantalla sin declararlo en cada una
LEEN_TODO = {"auditor": "v"}


def acciones(letras: str) -> tuple[str, ...]:
    """'vce' → ('ver', 'exportar', 'crear', 'editar'); una letra desconocida es un error de programación."""
    try:
        return tuple(a for letra in letras for a in LETRAS[letra])
    except KeyError as e:
        raise ValueError(f"letra de permiso desconocida {e.args[0]!r} en {letras!r} (use {''.join(LETRAS)})") from None


def por_vista(permisos: dict[str, dict[str, str]]) -> set[tuple[str, str, str]]:
    """{vista: {rol: letras}} → {(rol, vista, acción)}, con los roles que leen todo."""
    return {(rol, vista, accion) for vista, roles in permisos.items()
            for rol, letras in {**LEEN_TODO, **roles}.items() for accion in acciones(letras)}


def _tablas():
    rol = sa.table("rol", sa.column("id", sa.Integer), sa.column("codigo", sa.String))
    permiso = sa.table("permiso", sa.column("id", sa.Integer), sa.column("rol_id", sa.Integer),
                       sa.column("vista", sa.String), sa.column("accion", sa.String))
    return rol, permiso


def conceder(permisos: dict[str, dict[str, str]], conexion=None) -> int:
    """Da a los roles que ya existen los permisos por defecto de pantallas nuevas (los que ya tienen no se
    repiten; un rol que no existe se salta: tomará la semilla cuando se cree). Devuelve cuántos agregó."""
    if conexion is None:
        from alembic import op
        conexion = op.get_bind()
    rol, permiso = _tablas()
    ids = dict(conexion.execute(sa.select(rol.c.codigo, rol.c.id)).all())
    existentes = set(conexion.execute(sa.select(permiso.c.rol_id, permiso.c.vista, permiso.c.accion)).all())
    filas = [{"rol_id": ids[codigo], "vista": vista, "accion": accion}
             for codigo, vista, accion in sorted(por_vista(permisos))
             if codigo in ids and (ids[codigo], vista, accion) not in existentes]
    if filas:
        conexion.execute(sa.insert(permiso), filas)
    return len(filas)


def retirar(*vistas: str, solo: tuple[str, ...] | None = None, conexion=None) -> None:
    """Quita los permisos de esas vistas (todas sus acciones, o solo las de `solo`) a todos los roles."""
    if conexion is None:
        from alembic import op
        conexion = op.get_bind()
    _, permiso = _tablas()
    condicion = permiso.c.vista.in_(vistas)
    if solo:
        condicion &= permiso.c.accion.in_(solo)
    conexion.execute(sa.delete(permiso).where(condicion))
