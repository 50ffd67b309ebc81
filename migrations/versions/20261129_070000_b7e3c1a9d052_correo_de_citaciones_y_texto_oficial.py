"""Citaciones: qué pasó con el correo (enviado en / error); normas: texto oficial en PDF.

Revision ID: b7e3c1a9d052
Revises: 3d9e1b7c5a20
Create Date: 2026-11-29 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c1a9d052'
down_revision = '3d9e1b7c5a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('citacion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correo_enviado_en', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('correo_error', sa.String(length=200), nullable=True))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('texto_oficial_nombre', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('texto_oficial_ruta', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('texto_oficial_sha256', sa.String(length=64), nullable=True))
    # las citaciones por correo ya registradas: nunca se supo si salieron
    citacion = sa.table('citacion', sa.column('medio', sa.String), sa.column('correo_error', sa.String))
    op.execute(citacion.update().where(citacion.c.medio == 'correo')
               .values(correo_error='sin registro del envío (anterior a esta versión)'))


def downgrade():
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.drop_column('texto_oficial_sha256')
        batch_op.drop_column('texto_oficial_ruta')
        batch_op.drop_column('texto_oficial_nombre')
    with op.batch_alter_table('citacion', schema=None) as batch_op:
        batch_op.drop_column('correo_error')
        batch_op.drop_column('correo_enviado_en')
