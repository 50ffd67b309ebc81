"""Corridas programadas de las tareas diarias (`ejecucion_tarea`): una por tarea y fecha de Lima, para que con
varios nodos la tarea del día se haga una sola vez (services/tareas.py).

Revision ID: 4f7a2c9e1b3d
Revises: 2212824320a9
Create Date: 2026-12-06 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f7a2c9e1b3d'
down_revision = '2212824320a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ejecucion_tarea',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tarea', sa.String(length=40), nullable=False),
        sa.Column('fecha', sa.Date(), nullable=False),
        sa.Column('nodo', sa.String(length=100), nullable=False),
        sa.Column('inicio', sa.DateTime(timezone=True), nullable=False),
        sa.Column('fin', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resultado', sa.String(length=20), nullable=False),
        sa.Column('detalle', sa.Text(), nullable=True),
        sa.CheckConstraint("resultado IN ('en_curso', 'ok', 'error')",
                           name=op.f('ck_ejecucion_tarea_resultado_valido')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ejecucion_tarea')),
        sa.UniqueConstraint('tarea', 'fecha', name=op.f('uq_ejecucion_tarea_tarea_fecha')),
    )


def downgrade():
    op.drop_table('ejecucion_tarea')
