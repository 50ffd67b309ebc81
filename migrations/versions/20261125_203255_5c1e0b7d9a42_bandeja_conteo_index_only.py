"""Bandeja: unidad_origen_id al final de ix_derivacion_destino_estado (alcance y conteo sin leer filas).

Revision ID: 5c1e0b7d9a42
Revises: 2aee9574f348
Create Date: 2026-11-25 20:31:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e0b7d9a42'
down_revision = '2aee9574f348'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.drop_index('ix_derivacion_destino_estado')
        batch_op.create_index('ix_derivacion_destino_estado', ['unidad_destino_id', 'estado', 'fecha_envio', 'unidad_origen_id'], unique=False)



def downgrade():
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.drop_index('ix_derivacion_destino_estado')
        batch_op.create_index('ix_derivacion_destino_estado', ['unidad_destino_id', 'estado', 'fecha_envio'], unique=False)

