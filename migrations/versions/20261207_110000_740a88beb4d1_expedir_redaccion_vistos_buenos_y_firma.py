"""Expedir (issue 26, parte B): redacción de documentos en el sistema con sus revisores (V° B°) en orden, las
versiones devueltas, los V° B° dados y los anexos; el PDF firmado del documento emitido y de la norma; cargo y DNI
del usuario (sello y comprobación del certificado); «visto_bueno» y «firmar» como acciones de la matriz de permisos,
con los permisos de las pantallas nuevas (redacción y «Por firmar»).

Revision ID: 740a88beb4d1
Revises: 01d318368fa1
Create Date: 2026-12-06 19:00:00

"""
from alembic import op
import sqlalchemy as sa

from services.permisos import conceder, retirar

ANTES = ('ver', 'crear', 'editar', 'eliminar', 'exportar', 'anular')
COLUMNAS = (('documento_emitido', 'pdf_ruta', 300), ('documento_emitido', 'pdf_sha256', 64),
            ('norma_municipal', 'pdf_firmado_ruta', 300), ('norma_municipal', 'pdf_firmado_sha256', 64),
            ('usuario', 'cargo', 150), ('usuario', 'dni', 8))
PERMISOS = {'redaccion': {'secretaria_general': 'vcebf', 'unidad': 'vcebf'},
            'por_firmar': {'secretaria_general': 'v', 'unidad': 'v'}}


def _check(valores):
    with op.batch_alter_table('permiso', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_permiso_accion_permiso'), type_='check')
        batch_op.create_check_constraint(op.f('ck_permiso_accion_permiso'),
                                         "accion IN (" + ", ".join(f"'{v}'" for v in valores) + ")")


# revision identifiers, used by Alembic.
revision = '740a88beb4d1'
down_revision = '01d318368fa1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('redaccion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tipo_documento_id', sa.Integer(), nullable=False),
    sa.Column('unidad_id', sa.Integer(), nullable=False),
    sa.Column('expediente_id', sa.Integer(), nullable=True),
    sa.Column('unidad_destino_id', sa.Integer(), nullable=True),
    sa.Column('norma_id', sa.Integer(), nullable=True),
    sa.Column('firmante_id', sa.Integer(), nullable=False),
    sa.Column('asunto', sa.String(length=500), nullable=False),
    sa.Column('cuerpo', sa.Text(), nullable=False),
    sa.Column('destinatario', sa.Text(), nullable=True),
    sa.Column('referencia', sa.String(length=500), nullable=True),
    sa.Column('cc', sa.Text(), nullable=True),
    sa.Column('estado', sa.Enum('borrador', 'en_revision', 'por_firmar', 'firmado', 'descartado', name='estado_redaccion', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('observacion', sa.Text(), nullable=True),
    sa.Column('pdf_ruta', sa.String(length=300), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('codigo_verificacion', sa.String(length=32), nullable=False),
    sa.Column('documento_id', sa.Integer(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("estado <> 'firmado' OR documento_id IS NOT NULL OR norma_id IS NOT NULL", name=op.f('ck_redaccion_firmado_con_documento')),
    sa.CheckConstraint("estado <> 'firmado' OR pdf_ruta IS NOT NULL", name=op.f('ck_redaccion_firmado_con_pdf')),
    sa.CheckConstraint('(pdf_ruta IS NULL) = (pdf_sha256 IS NULL)', name=op.f('ck_redaccion_pdf_con_huella')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_redaccion_version_positiva')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_redaccion_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['documento_id'], ['documento_emitido.id'], name=op.f('fk_redaccion_documento_id_documento_emitido')),
    sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'], name=op.f('fk_redaccion_expediente_id_expediente')),
    sa.ForeignKeyConstraint(['firmante_id'], ['usuario.id'], name=op.f('fk_redaccion_firmante_id_usuario')),
    sa.ForeignKeyConstraint(['norma_id'], ['norma_municipal.id'], name=op.f('fk_redaccion_norma_id_norma_municipal')),
    sa.ForeignKeyConstraint(['tipo_documento_id'], ['tipo_documento.id'], name=op.f('fk_redaccion_tipo_documento_id_tipo_documento')),
    sa.ForeignKeyConstraint(['unidad_destino_id'], ['unidad_organica.id'], name=op.f('fk_redaccion_unidad_destino_id_unidad_organica')),
    sa.ForeignKeyConstraint(['unidad_id'], ['unidad_organica.id'], name=op.f('fk_redaccion_unidad_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redaccion')),
    sa.UniqueConstraint('codigo_verificacion', name=op.f('uq_redaccion_codigo_verificacion')),
    sa.UniqueConstraint('documento_id', name=op.f('uq_redaccion_documento_id')),
    sa.UniqueConstraint('norma_id', name=op.f('uq_redaccion_norma_id'))
    )
    with op.batch_alter_table('redaccion', schema=None) as batch_op:
        batch_op.create_index('ix_redaccion_firmante', ['firmante_id', 'estado'], unique=False)
        batch_op.create_index('ix_redaccion_unidad_estado', ['unidad_id', 'estado'], unique=False)

    op.create_table('anexo_redaccion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redaccion_id', sa.Integer(), nullable=False),
    sa.Column('nombre_archivo', sa.String(length=255), nullable=False),
    sa.Column('paginas', sa.Integer(), nullable=False),
    sa.Column('tamano', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('ruta', sa.String(length=300), nullable=False),
    sa.CheckConstraint('tamano > 0 AND paginas >= 1', name=op.f('ck_anexo_redaccion_anexo_no_vacio')),
    sa.ForeignKeyConstraint(['redaccion_id'], ['redaccion.id'], name=op.f('fk_anexo_redaccion_redaccion_id_redaccion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anexo_redaccion'))
    )
    op.create_table('revisor_redaccion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redaccion_id', sa.Integer(), nullable=False),
    sa.Column('orden', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('orden >= 1', name=op.f('ck_revisor_redaccion_orden_positivo')),
    sa.ForeignKeyConstraint(['redaccion_id'], ['redaccion.id'], name=op.f('fk_revisor_redaccion_redaccion_id_redaccion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuario.id'], name=op.f('fk_revisor_redaccion_usuario_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisor_redaccion')),
    sa.UniqueConstraint('redaccion_id', 'usuario_id', name=op.f('uq_revisor_redaccion_redaccion_id_usuario_id'))
    )
    op.create_table('version_redaccion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redaccion_id', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('asunto', sa.String(length=500), nullable=False),
    sa.Column('cuerpo', sa.Text(), nullable=False),
    sa.Column('destinatario', sa.Text(), nullable=True),
    sa.Column('referencia', sa.String(length=500), nullable=True),
    sa.Column('cc', sa.Text(), nullable=True),
    sa.Column('pdf_ruta', sa.String(length=300), nullable=True),
    sa.Column('observacion', sa.Text(), nullable=False),
    sa.Column('devuelta_por_id', sa.Integer(), nullable=False),
    sa.Column('devuelta_en', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['devuelta_por_id'], ['usuario.id'], name=op.f('fk_version_redaccion_devuelta_por_id_usuario')),
    sa.ForeignKeyConstraint(['redaccion_id'], ['redaccion.id'], name=op.f('fk_version_redaccion_redaccion_id_redaccion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_redaccion')),
    sa.UniqueConstraint('redaccion_id', 'numero', name=op.f('uq_version_redaccion_redaccion_id_numero'))
    )
    op.create_table('visto_bueno',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redaccion_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('orden', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('momento', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['redaccion_id'], ['redaccion.id'], name=op.f('fk_visto_bueno_redaccion_id_redaccion')),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuario.id'], name=op.f('fk_visto_bueno_usuario_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visto_bueno')),
    sa.UniqueConstraint('redaccion_id', 'version', 'orden', name=op.f('uq_visto_bueno_redaccion_id_version_orden'))
    )
    # columnas nuevas sin batch: en SQLite, recrear estas tablas (que otras apuntan) fallaría con datos
    for tabla, columna, largo in COLUMNAS:
        op.add_column(tabla, sa.Column(columna, sa.String(length=largo), nullable=True))

    _check((*ANTES, 'visto_bueno', 'firmar'))
    conceder(PERMISOS)


def downgrade():
    retirar(*PERMISOS)
    op.execute(sa.text("DELETE FROM permiso WHERE accion IN ('visto_bueno', 'firmar')"))
    _check(ANTES)
    for tabla, columna, _ in reversed(COLUMNAS):
        op.execute(sa.text(f"ALTER TABLE {tabla} DROP COLUMN {columna}"))  # sin batch (ver upgrade)

    op.drop_table('visto_bueno')
    op.drop_table('version_redaccion')
    op.drop_table('revisor_redaccion')
    op.drop_table('anexo_redaccion')
    with op.batch_alter_table('redaccion', schema=None) as batch_op:
        batch_op.drop_index('ix_redaccion_unidad_estado')
        batch_op.drop_index('ix_redaccion_firmante')

    op.drop_table('redaccion')
