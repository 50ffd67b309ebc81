"""Listado filtrado por unidad y estado: índice (unidad, estado, id, fecha_presentacion), ordenado por id sin recorrer la tabla.

Revision ID: 2aee9574f348
Revises: 8b05d7542504
Create Date: 2026-11-25 20:09:40.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2aee9574f348'
down_revision = '8b05d7542504'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.drop_index('ix_expediente_unidad_estado')
        batch_op.create_index('ix_expediente_unidad_estado', ['unidad_actual_id', 'estado', 'id', 'fecha_presentacion'], unique=False)



def downgrade():
    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.drop_index('ix_expediente_unidad_estado')
        batch_op.create_index('ix_expediente_unidad_estado', ['unidad_actual_id', 'estado'], unique=False)

