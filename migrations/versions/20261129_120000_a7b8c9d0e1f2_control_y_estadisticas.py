"""Control de plazos y estadísticas (issue 16): permisos de las pantallas de cumplimiento, flujo documentario y
supervisión de Mesa de Partes para los roles que ya existen. Solo datos: ninguna tabla cambia.

Revision ID: a7b8c9d0e1f2
Revises: c4d8e2f6a913
Create Date: 2026-11-29 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'c4d8e2f6a913'
branch_labels = None
depends_on = None

# lo mismo que declara cada vista (admin_views/control.py, permisos_por_defecto); el auditor lee todo
VISTAS = {"reporte_cumplimiento": {"secretaria_general": "v", "unidad": "v", "mesa_partes": "v", "auditor": "v"},
          "reporte_flujo": {"secretaria_general": "v", "mesa_partes": "v", "auditor": "v"},
          "reporte_mesa": {"secretaria_general": "v", "mesa_partes": "v", "auditor": "v"}}
LETRAS = {"v": ("ver", "exportar"), "c": ("crear",), "e": ("editar",), "d": ("eliminar",)}


def upgrade():
    conexion = op.get_bind()
    rol = sa.table("rol", sa.column("id", sa.Integer), sa.column("codigo", sa.String))
    permiso = sa.table("permiso", sa.column("rol_id", sa.Integer), sa.column("vista", sa.String),
                       sa.column("accion", sa.String))
    ids = dict(conexion.execute(sa.select(rol.c.codigo, rol.c.id)).all())
    existentes = set(conexion.execute(sa.select(permiso.c.rol_id, permiso.c.vista, permiso.c.accion)).all())
    filas = [{"rol_id": ids[codigo], "vista": vista, "accion": accion}
             for vista, roles in VISTAS.items() for codigo, letras in roles.items() if codigo in ids
             for letra in letras for accion in LETRAS[letra]]
    filas = [f for f in filas if (f["rol_id"], f["vista"], f["accion"]) not in existentes]
    if filas:
        op.bulk_insert(permiso, filas)


def downgrade():
    op.execute(sa.text("DELETE FROM permiso WHERE vista IN ('reporte_cumplimiento', 'reporte_flujo', 'reporte_mesa')"))
