"""Lo que se respondió al atender un expediente: `expediente.respuesta` (la unidad lo escribe al darlo por atendido en
*Tramitar*; se ve en la ficha y en la hoja de ruta).

Revision ID: 482fd8149e03
Revises: 50ddc107111c
Create Date: 2026-12-06 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '482fd8149e03'
down_revision = '50ddc107111c'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('expediente', sa.Column('respuesta', sa.Text(), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN y no el batch de Alembic: en SQLite recrearía la tabla, que otras apuntan
    op.execute("ALTER TABLE expediente DROP COLUMN respuesta")
