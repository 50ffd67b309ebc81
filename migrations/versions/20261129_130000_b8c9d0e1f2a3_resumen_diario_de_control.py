"""Resumen diario para los reportes de control a escala (issue 16, rendimiento con un millón de expedientes):
`resumen_derivacion` (derivaciones ya atendidas agrupadas por unidad, resultado y fechas; la rehace la tarea
diaria `tramite-diario`) con su corte en `estado_resumen`; índices de derivaciones abiertas y por fecha de
atención (lo que el resumen aún no cubre); `expediente.fecha_primera_derivacion`, completada aquí con la primera
derivación de cada expediente que ya existía, y el índice por fecha de presentación con las columnas que lee la
supervisión de Mesa de Partes (INCLUDE, solo PostgreSQL).

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-11-29 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8c9d0e1f2a3'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('estado_resumen',
    sa.Column('nombre', sa.String(length=40), nullable=False),
    sa.Column('corte', sa.Date(), nullable=False),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nombre', name=op.f('pk_estado_resumen'))
    )
    op.create_table('resumen_derivacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unidad_destino_id', sa.Integer(), nullable=False),
    sa.Column('fecha_envio', sa.Date(), nullable=False),
    sa.Column('clase', sa.String(length=20), nullable=False),
    sa.Column('fecha_atencion', sa.Date(), nullable=False),
    sa.Column('fecha_recepcion', sa.Date(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unidad_destino_id'], ['unidad_organica.id'], name=op.f('fk_resumen_derivacion_unidad_destino_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resumen_derivacion'))
    )
    # sin batch: en SQLite, el batch de Alembic recrearía tablas que otras apuntan (y fallaría con datos)
    op.create_index('ix_resumen_derivacion_envio', 'resumen_derivacion', ['fecha_envio', 'unidad_destino_id'],
                    unique=False)
    op.create_index('ix_derivacion_abiertas', 'derivacion', ['fecha_envio'], unique=False,
                    postgresql_where=sa.text('fecha_atencion IS NULL'), sqlite_where=sa.text('fecha_atencion IS NULL'))
    op.create_index('ix_derivacion_fecha_atencion', 'derivacion', ['fecha_atencion'], unique=False)
    op.add_column('expediente', sa.Column('fecha_primera_derivacion', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE expediente SET fecha_primera_derivacion = "
               "(SELECT MIN(d.fecha_envio) FROM derivacion d WHERE d.expediente_id = expediente.id)")
    op.drop_index('ix_expediente_fecha_presentacion', table_name='expediente')
    op.create_index('ix_expediente_fecha_presentacion', 'expediente', ['fecha_presentacion'], unique=False,
                    postgresql_include=['creado_por_id', 'fecha_recepcion', 'canal', 'fecha_observacion', 'estado',
                                        'fecha_primera_derivacion'])



def downgrade():
    op.drop_index('ix_expediente_fecha_presentacion', table_name='expediente')
    # SQLite: ALTER TABLE … DROP COLUMN (3.35+) y no el batch de Alembic, que recrearía la tabla expediente y
    # fallaría por las claves foráneas que la apuntan (derivaciones, adjuntos, documentos…)
    op.execute("ALTER TABLE expediente DROP COLUMN fecha_primera_derivacion")
    op.create_index('ix_expediente_fecha_presentacion', 'expediente', ['fecha_presentacion'], unique=False)

    op.drop_index('ix_derivacion_fecha_atencion', table_name='derivacion')
    op.drop_index('ix_derivacion_abiertas', table_name='derivacion')
    op.drop_index('ix_resumen_derivacion_envio', table_name='resumen_derivacion')
    op.drop_table('resumen_derivacion')
    op.drop_table('estado_resumen')
