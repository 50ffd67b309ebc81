"""Expedir (issue 26, motor de documentos): la denominación oficial de cada año (`denominacion_anio`, con las de
2025 y 2026 según sus decretos supremos) y la plantilla HTML/CSS editable de cada tipo de documento
(`tipo_documento.plantilla`; vacía = la que trae el sistema).

Revision ID: ff132c7a2875
Revises: c9d0e1f2a3b4
Create Date: 2026-12-06 13:19:09

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ff132c7a2875'
down_revision = 'c9d0e1f2a3b4'
branch_labels = None
depends_on = None

DENOMINACIONES = [
    (2025, "Año de la recuperación y consolidación de la economía peruana", "D.S. N° 149-2024-PCM"),
    (2026, "Año de la Esperanza y el Fortalecimiento de la Democracia", "D.S. N° 011-2026-PCM"),
]


def upgrade():
    tabla = op.create_table('denominacion_anio',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('denominacion', sa.String(length=300), nullable=False),
    sa.Column('norma', sa.String(length=120), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('anio BETWEEN 1900 AND 2999', name=op.f('ck_denominacion_anio_anio_valido')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_denominacion_anio_creado_por_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_denominacion_anio')),
    sa.UniqueConstraint('anio', name=op.f('uq_denominacion_anio_anio'))
    )
    ahora = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":  # MomentoUTC guarda en SQLite la hora UTC sin zona
        ahora = ahora.replace(tzinfo=None)
    op.bulk_insert(tabla, [{"anio": a, "denominacion": d, "norma": n, "creado_en": ahora}
                           for a, d, n in DENOMINACIONES])
    op.add_column('tipo_documento', sa.Column('plantilla', sa.Text(), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN y no el batch de Alembic: en SQLite recrearía la tabla, que otras apuntan
    op.execute("ALTER TABLE tipo_documento DROP COLUMN plantilla")
    op.drop_table('denominacion_anio')
