"""Esquema inicial: organización, seguridad, catálogos y trámite documentario.

Revision ID: 6ab34ed6b65f
Revises: 
Create Date: 2026-11-25 17:45:10.599885

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6ab34ed6b65f'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('correlativo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clave', sa.String(length=80), nullable=False),
    sa.Column('ultimo', sa.Integer(), nullable=False),
    sa.CheckConstraint('ultimo >= 0', name=op.f('ck_correlativo_ultimo_no_negativo')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correlativo')),
    sa.UniqueConstraint('clave', name=op.f('uq_correlativo_clave'))
    )
    op.create_table('feriado',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fecha', sa.Date(), nullable=False),
    sa.Column('nombre', sa.String(length=150), nullable=False),
    sa.Column('tipo', sa.Enum('nacional', 'regional', 'no_laborable', 'local', name='tipo_feriado', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feriado')),
    sa.UniqueConstraint('fecha', name=op.f('uq_feriado_fecha'))
    )
    op.create_table('persona',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tipo_documento', sa.Enum('DNI', 'RUC', 'CE', 'PASAPORTE', name='tipo_documento_identidad', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('numero_documento', sa.String(length=20), nullable=False),
    sa.Column('nombres', sa.String(length=120), nullable=True),
    sa.Column('apellidos', sa.String(length=120), nullable=True),
    sa.Column('razon_social', sa.String(length=250), nullable=True),
    sa.Column('direccion', sa.String(length=250), nullable=True),
    sa.Column('telefono', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("tipo_documento <> 'DNI' OR length(numero_documento) = 8", name=op.f('ck_persona_dni_8')),
    sa.CheckConstraint("tipo_documento <> 'RUC' OR length(numero_documento) = 11", name=op.f('ck_persona_ruc_11')),
    sa.CheckConstraint('nombres IS NOT NULL OR razon_social IS NOT NULL', name=op.f('ck_persona_con_nombre')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persona')),
    sa.UniqueConstraint('tipo_documento', 'numero_documento', name=op.f('uq_persona_tipo_documento_numero_documento'))
    )
    op.create_table('rol',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=40), nullable=False),
    sa.Column('nombre', sa.String(length=120), nullable=False),
    sa.Column('alcance', sa.Enum('todas', 'unidad', name='alcance', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rol')),
    sa.UniqueConstraint('codigo', name=op.f('uq_rol_codigo'))
    )
    op.create_table('tipo_documento',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nombre', sa.String(length=80), nullable=False),
    sa.Column('abreviatura', sa.String(length=20), nullable=False),
    sa.Column('numeracion', sa.Enum('unidad', 'institucional', name='numeracion', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tipo_documento')),
    sa.UniqueConstraint('nombre', name=op.f('uq_tipo_documento_nombre'))
    )
    op.create_table('unidad_organica',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nombre', sa.String(length=200), nullable=False),
    sa.Column('sigla', sa.String(length=20), nullable=False),
    sa.Column('padre_id', sa.Integer(), nullable=True),
    sa.Column('tipo', sa.Enum('alta_direccion', 'organo_control', 'organo_asesoria', 'organo_apoyo', 'organo_linea', 'organo_desconcentrado', name='tipo_unidad', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('responsable', sa.String(length=200), nullable=True),
    sa.Column('activa', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('padre_id IS NULL OR padre_id <> id', name=op.f('ck_unidad_organica_no_es_su_padre')),
    sa.ForeignKeyConstraint(['padre_id'], ['unidad_organica.id'], name=op.f('fk_unidad_organica_padre_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unidad_organica')),
    sa.UniqueConstraint('nombre', name=op.f('uq_unidad_organica_nombre')),
    sa.UniqueConstraint('sigla', name=op.f('uq_unidad_organica_sigla'))
    )
    op.create_table('permiso',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rol_id', sa.Integer(), nullable=False),
    sa.Column('vista', sa.String(length=60), nullable=False),
    sa.Column('accion', sa.Enum('ver', 'crear', 'editar', 'eliminar', 'exportar', name='accion_permiso', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.ForeignKeyConstraint(['rol_id'], ['rol.id'], name=op.f('fk_permiso_rol_id_rol'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permiso')),
    sa.UniqueConstraint('rol_id', 'vista', 'accion', name=op.f('uq_permiso_rol_id_vista_accion'))
    )
    op.create_table('procedimiento_tupa',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('nombre', sa.String(length=300), nullable=False),
    sa.Column('plazo_dias_habiles', sa.Integer(), nullable=False),
    sa.Column('silencio', sa.Enum('positivo', 'negativo', 'aprobacion_automatica', name='silencio', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('derecho_tramite', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('unidad_resolutora_id', sa.Integer(), nullable=False),
    sa.Column('activo', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('derecho_tramite >= 0', name=op.f('ck_procedimiento_tupa_derecho_no_negativo')),
    sa.CheckConstraint('plazo_dias_habiles >= 0', name=op.f('ck_procedimiento_tupa_plazo_no_negativo')),
    sa.ForeignKeyConstraint(['unidad_resolutora_id'], ['unidad_organica.id'], name=op.f('fk_procedimiento_tupa_unidad_resolutora_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedimiento_tupa')),
    sa.UniqueConstraint('codigo', name=op.f('uq_procedimiento_tupa_codigo'))
    )
    op.create_table('usuario',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('nombre', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('rol_id', sa.Integer(), nullable=False),
    sa.Column('unidad_id', sa.Integer(), nullable=False),
    sa.Column('activo', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('intentos_fallidos', sa.Integer(), server_default='0', nullable=False),
    sa.Column('bloqueado_hasta', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ultimo_acceso', sa.DateTime(timezone=True), nullable=True),
    sa.Column('debe_cambiar_clave', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('intentos_fallidos >= 0', name=op.f('ck_usuario_intentos_no_negativos')),
    sa.CheckConstraint('username = lower(username)', name=op.f('ck_usuario_username_minusculas')),
    sa.ForeignKeyConstraint(['rol_id'], ['rol.id'], name=op.f('fk_usuario_rol_id_rol')),
    sa.ForeignKeyConstraint(['unidad_id'], ['unidad_organica.id'], name=op.f('fk_usuario_unidad_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usuario')),
    sa.UniqueConstraint('username', name=op.f('uq_usuario_username'))
    )
    op.create_table('expediente',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('clave', sa.String(length=20), nullable=False),
    sa.Column('fecha_recepcion', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fecha_presentacion', sa.Date(), nullable=False),
    sa.Column('origen', sa.Enum('externo', 'interno', name='origen', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('canal', sa.Enum('presencial', 'digital', name='canal', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=True),
    sa.Column('unidad_origen_id', sa.Integer(), nullable=True),
    sa.Column('tipo_documento_id', sa.Integer(), nullable=False),
    sa.Column('documento_referencia', sa.String(length=200), nullable=True),
    sa.Column('asunto', sa.String(length=500), nullable=False),
    sa.Column('folios', sa.Integer(), nullable=False),
    sa.Column('procedimiento_id', sa.Integer(), nullable=True),
    sa.Column('prioridad', sa.Enum('normal', 'urgente', name='prioridad', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('estado', sa.Enum('registrado', 'observado', 'no_presentado', 'en_tramite', 'atendido', 'archivado', 'anulado', name='estado_expediente', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('observacion', sa.Text(), nullable=True),
    sa.Column('fecha_observacion', sa.Date(), nullable=True),
    sa.Column('fecha_subsanacion', sa.Date(), nullable=True),
    sa.Column('unidad_actual_id', sa.Integer(), nullable=False),
    sa.Column('plazo_dias_habiles', sa.Integer(), nullable=True),
    sa.Column('fecha_vencimiento', sa.Date(), nullable=True),
    sa.Column('fecha_atencion', sa.Date(), nullable=True),
    sa.Column('motivo_anulacion', sa.Text(), nullable=True),
    sa.Column('observaciones', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("estado <> 'anulado' OR motivo_anulacion IS NOT NULL", name=op.f('ck_expediente_anulado_con_motivo')),
    sa.CheckConstraint("origen <> 'externo' OR persona_id IS NOT NULL", name=op.f('ck_expediente_externo_con_persona')),
    sa.CheckConstraint("origen <> 'interno' OR unidad_origen_id IS NOT NULL", name=op.f('ck_expediente_interno_con_unidad')),
    sa.CheckConstraint('folios >= 1', name=op.f('ck_expediente_folios_positivos')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_expediente_numero_positivo')),
    sa.ForeignKeyConstraint(['persona_id'], ['persona.id'], name=op.f('fk_expediente_persona_id_persona')),
    sa.ForeignKeyConstraint(['procedimiento_id'], ['procedimiento_tupa.id'], name=op.f('fk_expediente_procedimiento_id_procedimiento_tupa')),
    sa.ForeignKeyConstraint(['tipo_documento_id'], ['tipo_documento.id'], name=op.f('fk_expediente_tipo_documento_id_tipo_documento')),
    sa.ForeignKeyConstraint(['unidad_actual_id'], ['unidad_organica.id'], name=op.f('fk_expediente_unidad_actual_id_unidad_organica')),
    sa.ForeignKeyConstraint(['unidad_origen_id'], ['unidad_organica.id'], name=op.f('fk_expediente_unidad_origen_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expediente')),
    sa.UniqueConstraint('anio', 'numero', name=op.f('uq_expediente_anio_numero')),
    sa.UniqueConstraint('codigo', name=op.f('uq_expediente_codigo'))
    )
    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.create_index('ix_expediente_fecha_presentacion', ['fecha_presentacion'], unique=False)
        batch_op.create_index('ix_expediente_fecha_vencimiento', ['fecha_vencimiento'], unique=False)
        batch_op.create_index('ix_expediente_persona', ['persona_id'], unique=False)
        batch_op.create_index('ix_expediente_unidad_estado', ['unidad_actual_id', 'estado'], unique=False)

    op.create_table('registro_auditoria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('momento', sa.DateTime(timezone=True), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('accion', sa.Enum('crear', 'editar', 'eliminar', 'anular', 'exportar', 'login', 'login_fallido', 'logout', 'imprimir', name='accion_auditoria', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('entidad', sa.String(length=60), nullable=False),
    sa.Column('entidad_id', sa.Integer(), nullable=True),
    sa.Column('cambios', sa.JSON(), nullable=True),
    sa.Column('detalle', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuario.id'], name=op.f('fk_registro_auditoria_usuario_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registro_auditoria'))
    )
    with op.batch_alter_table('registro_auditoria', schema=None) as batch_op:
        batch_op.create_index('ix_registro_auditoria_entidad', ['entidad', 'entidad_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registro_auditoria_momento'), ['momento'], unique=False)

    op.create_table('derivacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expediente_id', sa.Integer(), nullable=False),
    sa.Column('unidad_origen_id', sa.Integer(), nullable=True),
    sa.Column('unidad_destino_id', sa.Integer(), nullable=False),
    sa.Column('enviado_por_id', sa.Integer(), nullable=True),
    sa.Column('fecha_envio', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accion', sa.Enum('atender', 'opinar', 'conocimiento', 'firmar', 'visto_bueno', 'archivar', name='accion_derivacion', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('proveido', sa.Text(), nullable=True),
    sa.Column('plazo_dias_habiles', sa.Integer(), nullable=True),
    sa.Column('fecha_limite', sa.Date(), nullable=True),
    sa.Column('fecha_recepcion', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recibido_por_id', sa.Integer(), nullable=True),
    sa.Column('estado', sa.Enum('pendiente', 'recibido', 'atendido', 'devuelto', name='estado_derivacion', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('fecha_atencion', sa.DateTime(timezone=True), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enviado_por_id'], ['usuario.id'], name=op.f('fk_derivacion_enviado_por_id_usuario')),
    sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'], name=op.f('fk_derivacion_expediente_id_expediente')),
    sa.ForeignKeyConstraint(['recibido_por_id'], ['usuario.id'], name=op.f('fk_derivacion_recibido_por_id_usuario')),
    sa.ForeignKeyConstraint(['unidad_destino_id'], ['unidad_organica.id'], name=op.f('fk_derivacion_unidad_destino_id_unidad_organica')),
    sa.ForeignKeyConstraint(['unidad_origen_id'], ['unidad_organica.id'], name=op.f('fk_derivacion_unidad_origen_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_derivacion'))
    )
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.create_index('ix_derivacion_destino_estado', ['unidad_destino_id', 'estado'], unique=False)
        batch_op.create_index('ix_derivacion_expediente', ['expediente_id'], unique=False)
        batch_op.create_index('ix_derivacion_origen', ['unidad_origen_id'], unique=False)


    # Trazabilidad (usuario ↔ tablas) es un ciclo de claves foráneas: se agregan al final.
    with op.batch_alter_table('feriado') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_feriado_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('persona') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_persona_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('rol') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_rol_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('tipo_documento') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_tipo_documento_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('unidad_organica') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_unidad_organica_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('procedimiento_tupa') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_procedimiento_tupa_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('usuario') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_usuario_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('expediente') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_expediente_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])
    with op.batch_alter_table('derivacion') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_derivacion_creado_por_id_usuario'), 'usuario', ['creado_por_id'], ['id'])

    if op.get_bind().dialect.name == "postgresql":
        # La bitácora es de solo agregado: nadie (ni la aplicación) la modifica ni borra.
        op.execute("""
            CREATE FUNCTION registro_auditoria_inmutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'registro_auditoria es de solo agregado';
            END $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER tg_registro_auditoria_inmutable
            BEFORE UPDATE OR DELETE ON registro_auditoria
            FOR EACH ROW EXECUTE FUNCTION registro_auditoria_inmutable()
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tg_registro_auditoria_inmutable ON registro_auditoria")
        op.execute("DROP FUNCTION IF EXISTS registro_auditoria_inmutable()")
    with op.batch_alter_table('feriado') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feriado_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('persona') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_persona_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('rol') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rol_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('tipo_documento') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tipo_documento_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('unidad_organica') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_unidad_organica_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('procedimiento_tupa') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_procedimiento_tupa_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('usuario') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_usuario_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('expediente') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_expediente_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('derivacion') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_derivacion_creado_por_id_usuario'), type_='foreignkey')
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.drop_index('ix_derivacion_origen')
        batch_op.drop_index('ix_derivacion_expediente')
        batch_op.drop_index('ix_derivacion_destino_estado')

    op.drop_table('derivacion')
    with op.batch_alter_table('registro_auditoria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registro_auditoria_momento'))
        batch_op.drop_index('ix_registro_auditoria_entidad')

    op.drop_table('registro_auditoria')
    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.drop_index('ix_expediente_unidad_estado')
        batch_op.drop_index('ix_expediente_persona')
        batch_op.drop_index('ix_expediente_fecha_vencimiento')
        batch_op.drop_index('ix_expediente_fecha_presentacion')

    op.drop_table('expediente')
    op.drop_table('usuario')
    op.drop_table('procedimiento_tupa')
    op.drop_table('permiso')
    op.drop_table('unidad_organica')
    op.drop_table('tipo_documento')
    op.drop_table('rol')
    op.drop_table('persona')
    op.drop_table('feriado')
    op.drop_table('correlativo')
