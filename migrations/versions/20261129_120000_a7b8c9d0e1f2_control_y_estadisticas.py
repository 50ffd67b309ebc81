"""Control de plazos y estadísticas (issue 16): permisos de las pantallas de cumplimiento, flujo documentario y
supervisión de Mesa de Partes para los roles que ya existen. Solo datos: ninguna tabla cambia.

Revision ID: a7b8c9d0e1f2
Revises: f2b3d4c5e6a7
Create Date: 2026-11-29 12:00:00

"""
from services.permisos import conceder, retirar


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'f2b3d4c5e6a7'
branch_labels = None
depends_on = None

# lo mismo que declara cada vista (admin_views/control.py, permisos_por_defecto); el auditor lo agrega conceder
PERMISOS = {"reporte_cumplimiento": {"secretaria_general": "v", "unidad": "v", "mesa_partes": "v"},
            "reporte_flujo": {"secretaria_general": "v", "mesa_partes": "v"},
            "reporte_mesa": {"secretaria_general": "v", "mesa_partes": "v"}}


def upgrade():
    conceder(PERMISOS)


def downgrade():
    retirar(*PERMISOS)
