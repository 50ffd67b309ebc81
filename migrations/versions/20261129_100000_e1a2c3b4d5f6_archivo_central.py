"""Archivo central (Ley 25323, D.S. 008-92-JUS, directivas del AGN; issue 14): series documentales, ubicaciones
topográficas con capacidad, unidades de conservación (cajas), transferencias con su inventario, préstamos (una caja
no se presta dos veces a la vez: índice único parcial), eliminaciones con autorización del AGN, y la caja en que
está cada expediente archivado.

Revision ID: e1a2c3b4d5f6
Revises: d5e6f7a8b9c0
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from services.permisos import conceder, retirar


# revision identifiers, used by Alembic.
revision = 'e1a2c3b4d5f6'
down_revision = 'd5e6f7a8b9c0'
branch_labels = None
depends_on = None

# los mismos que declaran las pantallas (`permisos_por_defecto` en admin_views/archivo.py; una prueba lo compara)
PERMISOS = {
    "serie_documental": {"archivo": "vced", "secretaria_general": "v", "unidad": "v"},
    "ubicacion": {"archivo": "vced", "secretaria_general": "v"},
    "unidad_conservacion": {"archivo": "vce", "secretaria_general": "v", "unidad": "vce"},
    "transferencia": {"archivo": "vce", "secretaria_general": "v", "unidad": "vc"},
    "prestamo": {"archivo": "vce", "secretaria_general": "v", "unidad": "v"},
    "eliminacion": {"archivo": "vce", "secretaria_general": "v"},
    "buscar_archivo": {"archivo": "v", "secretaria_general": "v", "unidad": "v"},
    "ocupacion_archivo": {"archivo": "v", "secretaria_general": "v"},
    "retencion_archivo": {"archivo": "v", "secretaria_general": "v"},
}


def upgrade():
    op.create_table('eliminacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('estado', sa.Enum('propuesta', 'aprobada_comite', 'autorizada_agn', 'ejecutada', name='estado_eliminacion', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fecha_propuesta', sa.Date(), nullable=False),
    sa.Column('fecha_aprobacion_comite', sa.Date(), nullable=True),
    sa.Column('acta_comite', sa.String(length=100), nullable=True),
    sa.Column('resolucion_autorizacion', sa.String(length=100), nullable=True),
    sa.Column('fecha_autorizacion', sa.Date(), nullable=True),
    sa.Column('fecha_ejecucion', sa.Date(), nullable=True),
    sa.Column('acta_eliminacion', sa.String(length=100), nullable=True),
    sa.Column('observaciones', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("estado <> 'ejecutada' OR (fecha_ejecucion IS NOT NULL AND acta_eliminacion IS NOT NULL)", name=op.f('ck_eliminacion_ejecutada_con_acta')),
    sa.CheckConstraint("estado = 'propuesta' OR (fecha_aprobacion_comite IS NOT NULL AND acta_comite IS NOT NULL)", name=op.f('ck_eliminacion_aprobada_con_acta')),
    sa.CheckConstraint("estado NOT IN ('autorizada_agn', 'ejecutada') OR (resolucion_autorizacion IS NOT NULL AND fecha_autorizacion IS NOT NULL)", name=op.f('ck_eliminacion_autorizada_con_resolucion')),
    sa.CheckConstraint('fecha_ejecucion IS NULL OR fecha_ejecucion >= fecha_autorizacion', name=op.f('ck_eliminacion_ejecutada_despues_de_autorizar')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_eliminacion_numero_positivo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_eliminacion_creado_por_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eliminacion')),
    sa.UniqueConstraint('anio', 'numero', name=op.f('uq_eliminacion_anio_numero')),
    sa.UniqueConstraint('codigo', name=op.f('uq_eliminacion_codigo'))
    )
    op.create_table('ubicacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deposito', sa.Integer(), nullable=False),
    sa.Column('ambiente', sa.Integer(), nullable=False),
    sa.Column('estante', sa.Integer(), nullable=False),
    sa.Column('cuerpo', sa.Integer(), nullable=False),
    sa.Column('nivel', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=30), nullable=False),
    sa.Column('capacidad', sa.Integer(), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('capacidad >= 1', name=op.f('ck_ubicacion_capacidad_positiva')),
    sa.CheckConstraint('deposito >= 1 AND ambiente >= 1 AND estante >= 1 AND cuerpo >= 1 AND nivel >= 1', name=op.f('ck_ubicacion_posicion_positiva')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_ubicacion_creado_por_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ubicacion')),
    sa.UniqueConstraint('codigo', name=op.f('uq_ubicacion_codigo')),
    sa.UniqueConstraint('deposito', 'ambiente', 'estante', 'cuerpo', 'nivel', name=op.f('uq_ubicacion_deposito_ambiente_estante_cuerpo_nivel'))
    )
    op.create_table('serie_documental',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('nombre', sa.String(length=300), nullable=False),
    sa.Column('unidad_id', sa.Integer(), nullable=False),
    sa.Column('retencion_gestion_anios', sa.Integer(), nullable=False),
    sa.Column('retencion_central_anios', sa.Integer(), nullable=False),
    sa.Column('destino_final', sa.Enum('conservacion_permanente', 'eliminacion', name='destino_final', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('acceso', sa.Enum('publico', 'restringido', name='acceso_serie', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('retencion_gestion_anios BETWEEN 0 AND 100 AND retencion_central_anios BETWEEN 0 AND 100', name=op.f('ck_serie_documental_retencion_valida')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_serie_documental_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['unidad_id'], ['unidad_organica.id'], name=op.f('fk_serie_documental_unidad_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_serie_documental')),
    sa.UniqueConstraint('codigo', name=op.f('uq_serie_documental_codigo'))
    )
    op.create_table('transferencia',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('unidad_origen_id', sa.Integer(), nullable=False),
    sa.Column('fecha', sa.Date(), nullable=False),
    sa.Column('estado', sa.Enum('programada', 'recibida', 'observada', name='estado_transferencia', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('entregado_por', sa.String(length=200), nullable=True),
    sa.Column('fecha_recepcion', sa.Date(), nullable=True),
    sa.Column('recibido_por_id', sa.Integer(), nullable=True),
    sa.Column('observaciones', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("estado <> 'observada' OR observaciones IS NOT NULL", name=op.f('ck_transferencia_observada_con_motivo')),
    sa.CheckConstraint("estado <> 'recibida' OR (fecha_recepcion IS NOT NULL AND recibido_por_id IS NOT NULL)", name=op.f('ck_transferencia_recibida_con_fecha')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_transferencia_numero_positivo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_transferencia_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['recibido_por_id'], ['usuario.id'], name=op.f('fk_transferencia_recibido_por_id_usuario')),
    sa.ForeignKeyConstraint(['unidad_origen_id'], ['unidad_organica.id'], name=op.f('fk_transferencia_unidad_origen_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transferencia')),
    sa.UniqueConstraint('anio', 'numero', name=op.f('uq_transferencia_anio_numero')),
    sa.UniqueConstraint('codigo', name=op.f('uq_transferencia_codigo'))
    )
    with op.batch_alter_table('transferencia', schema=None) as batch_op:
        batch_op.create_index('ix_transferencia_unidad', ['unidad_origen_id', 'anio'], unique=False)

    op.create_table('unidad_conservacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=30), nullable=False),
    sa.Column('tipo', sa.Enum('caja', 'archivador', 'legajo', 'tomo', 'paquete', name='tipo_unidad_conservacion', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('serie_id', sa.Integer(), nullable=False),
    sa.Column('unidad_productora_id', sa.Integer(), nullable=False),
    sa.Column('fecha_inicial', sa.Date(), nullable=False),
    sa.Column('fecha_final', sa.Date(), nullable=False),
    sa.Column('folios', sa.Integer(), nullable=False),
    sa.Column('descripcion', sa.Text(), nullable=True),
    sa.Column('ubicacion_id', sa.Integer(), nullable=True),
    sa.Column('estado', sa.Enum('en_gestion', 'en_archivo', 'prestada', 'transferida', 'eliminada', name='estado_unidad_conservacion', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('transferencia_id', sa.Integer(), nullable=True),
    sa.Column('eliminacion_id', sa.Integer(), nullable=True),
    sa.Column('observaciones', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(estado IN ('en_archivo', 'prestada')) = (ubicacion_id IS NOT NULL)", name=op.f('ck_unidad_conservacion_ubicada_en_archivo')),
    sa.CheckConstraint("estado <> 'eliminada' OR eliminacion_id IS NOT NULL", name=op.f('ck_unidad_conservacion_eliminada_con_eliminacion')),
    sa.CheckConstraint('fecha_final >= fecha_inicial', name=op.f('ck_unidad_conservacion_fechas_extremas')),
    sa.CheckConstraint('folios >= 0', name=op.f('ck_unidad_conservacion_folios_no_negativos')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_unidad_conservacion_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['eliminacion_id'], ['eliminacion.id'], name=op.f('fk_unidad_conservacion_eliminacion_id_eliminacion')),
    sa.ForeignKeyConstraint(['serie_id'], ['serie_documental.id'], name=op.f('fk_unidad_conservacion_serie_id_serie_documental')),
    sa.ForeignKeyConstraint(['transferencia_id'], ['transferencia.id'], name=op.f('fk_unidad_conservacion_transferencia_id_transferencia')),
    sa.ForeignKeyConstraint(['ubicacion_id'], ['ubicacion.id'], name=op.f('fk_unidad_conservacion_ubicacion_id_ubicacion')),
    sa.ForeignKeyConstraint(['unidad_productora_id'], ['unidad_organica.id'], name=op.f('fk_unidad_conservacion_unidad_productora_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unidad_conservacion')),
    sa.UniqueConstraint('codigo', name=op.f('uq_unidad_conservacion_codigo'))
    )
    with op.batch_alter_table('unidad_conservacion', schema=None) as batch_op:
        batch_op.create_index('ix_unidad_conservacion_eliminacion', ['eliminacion_id'], unique=False)
        batch_op.create_index('ix_unidad_conservacion_productora', ['unidad_productora_id', 'estado'], unique=False)
        batch_op.create_index('ix_unidad_conservacion_serie', ['serie_id', 'fecha_final'], unique=False)
        batch_op.create_index('ix_unidad_conservacion_transferencia', ['transferencia_id'], unique=False)
        batch_op.create_index('ix_unidad_conservacion_ubicacion', ['ubicacion_id'], unique=False)
        batch_op.create_index('ix_unidad_conservacion_codigo_patron', ['codigo'], unique=False, postgresql_ops={'codigo': 'varchar_pattern_ops'})

    op.create_table('prestamo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unidad_conservacion_id', sa.Integer(), nullable=False),
    sa.Column('unidad_solicitante_id', sa.Integer(), nullable=False),
    sa.Column('solicitante', sa.String(length=200), nullable=False),
    sa.Column('fecha_prestamo', sa.Date(), nullable=False),
    sa.Column('fecha_devolucion_prevista', sa.Date(), nullable=False),
    sa.Column('fecha_devolucion', sa.Date(), nullable=True),
    sa.Column('observaciones', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('fecha_devolucion IS NULL OR fecha_devolucion >= fecha_prestamo', name=op.f('ck_prestamo_devuelto_despues_del_prestamo')),
    sa.CheckConstraint('fecha_devolucion_prevista >= fecha_prestamo', name=op.f('ck_prestamo_prevista_despues_del_prestamo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_prestamo_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['unidad_conservacion_id'], ['unidad_conservacion.id'], name=op.f('fk_prestamo_unidad_conservacion_id_unidad_conservacion')),
    sa.ForeignKeyConstraint(['unidad_solicitante_id'], ['unidad_organica.id'], name=op.f('fk_prestamo_unidad_solicitante_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prestamo'))
    )
    with op.batch_alter_table('prestamo', schema=None) as batch_op:
        batch_op.create_index('ix_prestamo_pendiente', ['fecha_devolucion', 'fecha_devolucion_prevista'], unique=False)
        batch_op.create_index('ix_prestamo_solicitante', ['unidad_solicitante_id'], unique=False)
        batch_op.create_index('uq_prestamo_vigente', ['unidad_conservacion_id'], unique=True, sqlite_where=sa.text('fecha_devolucion IS NULL'), postgresql_where=sa.text('fecha_devolucion IS NULL'))

    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unidad_conservacion_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_expediente_unidad_conservacion', ['unidad_conservacion_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_expediente_unidad_conservacion_id_unidad_conservacion'), 'unidad_conservacion', ['unidad_conservacion_id'], ['id'])
    conceder(PERMISOS)



def downgrade():
    retirar(*PERMISOS)
    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_expediente_unidad_conservacion_id_unidad_conservacion'), type_='foreignkey')
        batch_op.drop_index('ix_expediente_unidad_conservacion')
        batch_op.drop_column('unidad_conservacion_id')

    with op.batch_alter_table('prestamo', schema=None) as batch_op:
        batch_op.drop_index('uq_prestamo_vigente', sqlite_where=sa.text('fecha_devolucion IS NULL'), postgresql_where=sa.text('fecha_devolucion IS NULL'))
        batch_op.drop_index('ix_prestamo_solicitante')
        batch_op.drop_index('ix_prestamo_pendiente')

    op.drop_table('prestamo')
    with op.batch_alter_table('unidad_conservacion', schema=None) as batch_op:
        batch_op.drop_index('ix_unidad_conservacion_ubicacion')
        batch_op.drop_index('ix_unidad_conservacion_codigo_patron', postgresql_ops={'codigo': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_unidad_conservacion_transferencia')
        batch_op.drop_index('ix_unidad_conservacion_serie')
        batch_op.drop_index('ix_unidad_conservacion_productora')
        batch_op.drop_index('ix_unidad_conservacion_eliminacion')

    op.drop_table('unidad_conservacion')
    with op.batch_alter_table('transferencia', schema=None) as batch_op:
        batch_op.drop_index('ix_transferencia_unidad')

    op.drop_table('transferencia')
    op.drop_table('serie_documental')
    op.drop_table('ubicacion')
    op.drop_table('eliminacion')
