"""Tipos de documento que se notifican al administrado (LPAG arts. 18–27): `tipo_documento.se_notifica`. Sus
documentos emitidos quedan «por notificar» (y dan las alertas del art. 24) hasta una diligencia efectiva; los
internos (informes, memorandos) ya no. En una instalación existente se marcan los oficios, cartas y resoluciones
por su nombre; el administrador ajusta los demás en *Tipos de documento*.

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-11-29 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d0e1f2a3b4'
down_revision = 'b8c9d0e1f2a3'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('tipo_documento', sa.Column('se_notifica', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE tipo_documento SET se_notifica = TRUE WHERE lower(nombre) LIKE 'oficio%' "
               "OR lower(nombre) LIKE 'carta%' OR lower(nombre) LIKE 'resoluci%'")


def downgrade():
    # ALTER TABLE … DROP COLUMN y no el batch de Alembic: en SQLite recrearía la tabla, que otras apuntan
    op.execute("ALTER TABLE tipo_documento DROP COLUMN se_notifica")
