"""Documentos emitidos (egreso) y adjuntos de expedientes.

Revision ID: c5d5d4f786ff
Revises: 6ab34ed6b65f
Create Date: 2026-11-25 18:32:38.301216

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d5d4f786ff'
down_revision = '6ab34ed6b65f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('documento_emitido',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tipo_documento_id', sa.Integer(), nullable=False),
    sa.Column('unidad_id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=80), nullable=False),
    sa.Column('fecha', sa.Date(), nullable=False),
    sa.Column('asunto', sa.String(length=500), nullable=False),
    sa.Column('destinatario', sa.String(length=300), nullable=True),
    sa.Column('expediente_id', sa.Integer(), nullable=True),
    sa.Column('firmado_por', sa.String(length=200), nullable=True),
    sa.Column('estado', sa.Enum('proyecto', 'emitido', 'notificado', 'anulado', name='estado_documento', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('fecha_notificacion', sa.Date(), nullable=True),
    sa.Column('motivo_anulacion', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("estado <> 'anulado' OR motivo_anulacion IS NOT NULL", name=op.f('ck_documento_emitido_anulado_con_motivo')),
    sa.CheckConstraint("estado <> 'notificado' OR fecha_notificacion IS NOT NULL", name=op.f('ck_documento_emitido_notificado_con_fecha')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_documento_emitido_numero_positivo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_documento_emitido_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'], name=op.f('fk_documento_emitido_expediente_id_expediente')),
    sa.ForeignKeyConstraint(['tipo_documento_id'], ['tipo_documento.id'], name=op.f('fk_documento_emitido_tipo_documento_id_tipo_documento')),
    sa.ForeignKeyConstraint(['unidad_id'], ['unidad_organica.id'], name=op.f('fk_documento_emitido_unidad_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documento_emitido')),
    sa.UniqueConstraint('codigo', name=op.f('uq_documento_emitido_codigo')),
    sa.UniqueConstraint('tipo_documento_id', 'unidad_id', 'anio', 'numero', name=op.f('uq_documento_emitido_tipo_documento_id_unidad_id_anio_numero'))
    )
    with op.batch_alter_table('documento_emitido', schema=None) as batch_op:
        batch_op.create_index('ix_documento_emitido_expediente', ['expediente_id'], unique=False)
        batch_op.create_index('ix_documento_emitido_unidad', ['unidad_id', 'anio'], unique=False)

    op.create_table('adjunto',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expediente_id', sa.Integer(), nullable=True),
    sa.Column('documento_id', sa.Integer(), nullable=True),
    sa.Column('nombre_archivo', sa.String(length=255), nullable=False),
    sa.Column('tipo_mime', sa.String(length=100), nullable=False),
    sa.Column('tamano', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('ruta', sa.String(length=300), nullable=False),
    sa.Column('subido_por_id', sa.Integer(), nullable=True),
    sa.Column('subido_en', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(expediente_id IS NULL) <> (documento_id IS NULL)', name=op.f('ck_adjunto_de_uno_solo')),
    sa.CheckConstraint('tamano > 0', name=op.f('ck_adjunto_tamano_positivo')),
    sa.ForeignKeyConstraint(['documento_id'], ['documento_emitido.id'], name=op.f('fk_adjunto_documento_id_documento_emitido')),
    sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'], name=op.f('fk_adjunto_expediente_id_expediente')),
    sa.ForeignKeyConstraint(['subido_por_id'], ['usuario.id'], name=op.f('fk_adjunto_subido_por_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjunto'))
    )
    with op.batch_alter_table('adjunto', schema=None) as batch_op:
        batch_op.create_index('ix_adjunto_expediente', ['expediente_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adjunto_sha256'), ['sha256'], unique=False)



def downgrade():
    with op.batch_alter_table('adjunto', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjunto_sha256'))
        batch_op.drop_index('ix_adjunto_expediente')

    op.drop_table('adjunto')
    with op.batch_alter_table('documento_emitido', schema=None) as batch_op:
        batch_op.drop_index('ix_documento_emitido_unidad')
        batch_op.drop_index('ix_documento_emitido_expediente')

    op.drop_table('documento_emitido')
