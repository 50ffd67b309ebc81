"""Bandeja: índice (destino, estado, fecha_envio) para ordenar lo pendiente sin recorrerlo todo.

Revision ID: 8b05d7542504
Revises: a603a17c1470
Create Date: 2026-11-25 19:11:54.888698

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b05d7542504'
down_revision = 'a603a17c1470'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_derivacion_destino_estado'))
        batch_op.create_index('ix_derivacion_destino_estado', ['unidad_destino_id', 'estado', 'fecha_envio'], unique=False)



def downgrade():
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.drop_index('ix_derivacion_destino_estado')
        batch_op.create_index(batch_op.f('ix_derivacion_destino_estado'), ['unidad_destino_id', 'estado'], unique=False)

