"""Casilla electrónica del ciudadano (LPAG art. 20.4; issue 27): cuentas aparte de los usuarios del personal,
consentimientos (versión del texto, fecha, IP; revocables), enlaces de un solo uso (confirmar el correo, restablecer
la contraseña; solo su SHA-256) y depósitos con su constancia (número por año, fecha y hora, SHA-256 del PDF),
ligados a la diligencia de notificación (modalidad casilla electrónica) o a la respuesta de una solicitud de acceso.
Solo tablas nuevas; las pantallas del personal (y sus permisos) llegan con la parte B.

Revision ID: d82fa2129588
Revises: 482fd8149e03
Create Date: 2026-12-06 13:21:04

"""
from alembic import op
import sqlalchemy as sa


revision = 'd82fa2129588'
down_revision = '482fd8149e03'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cuenta_casilla',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('email_verificado_en', sa.DateTime(timezone=True), nullable=True),
    sa.Column('identidad_validada_en', sa.DateTime(timezone=True), nullable=True),
    sa.Column('origen', sa.Enum('digital', 'mostrador', name='origen_cuenta_casilla', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('activa', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('totp_secreto', sa.String(length=64), nullable=True),
    sa.Column('totp_activo', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('totp_ultimo_paso', sa.BigInteger(), nullable=True),
    sa.Column('version_sesion', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ultimo_acceso', sa.DateTime(timezone=True), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('NOT totp_activo OR totp_secreto IS NOT NULL', name=op.f('ck_cuenta_casilla_totp_con_secreto')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_cuenta_casilla_email_minusculas')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_cuenta_casilla_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['persona_id'], ['persona.id'], name=op.f('fk_cuenta_casilla_persona_id_persona')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cuenta_casilla')),
    sa.UniqueConstraint('persona_id', name=op.f('uq_cuenta_casilla_persona_id'))
    )
    op.create_table('consentimiento_casilla',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cuenta_id', sa.Integer(), nullable=False),
    sa.Column('version_texto', sa.String(length=20), nullable=False),
    sa.Column('otorgado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('registrado_por_id', sa.Integer(), nullable=True),
    sa.Column('revocado_en', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ip_revocacion', sa.String(length=45), nullable=True),
    sa.CheckConstraint('revocado_en IS NULL OR revocado_en >= otorgado_en', name=op.f('ck_consentimiento_casilla_revocado_despues')),
    sa.ForeignKeyConstraint(['cuenta_id'], ['cuenta_casilla.id'], name=op.f('fk_consentimiento_casilla_cuenta_id_cuenta_casilla')),
    sa.ForeignKeyConstraint(['registrado_por_id'], ['usuario.id'], name=op.f('fk_consentimiento_casilla_registrado_por_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consentimiento_casilla'))
    )
    op.create_index('ix_consentimiento_casilla_vigente', 'consentimiento_casilla', ['cuenta_id'], unique=True, postgresql_where=sa.text('revocado_en IS NULL'), sqlite_where=sa.text('revocado_en IS NULL'))

    op.create_table('enlace_casilla',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cuenta_id', sa.Integer(), nullable=False),
    sa.Column('proposito', sa.Enum('verificar', 'restablecer', name='proposito_enlace', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('vence_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('usado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('vence_en > creado_en', name=op.f('ck_enlace_casilla_vence_despues')),
    sa.ForeignKeyConstraint(['cuenta_id'], ['cuenta_casilla.id'], name=op.f('fk_enlace_casilla_cuenta_id_cuenta_casilla')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enlace_casilla')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_enlace_casilla_token_sha256'))
    )
    op.create_index('ix_enlace_casilla_cuenta', 'enlace_casilla', ['cuenta_id', 'proposito'], unique=False)

    op.create_table('deposito_casilla',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('cuenta_id', sa.Integer(), nullable=False),
    sa.Column('notificacion_id', sa.Integer(), nullable=True),
    sa.Column('solicitud_id', sa.Integer(), nullable=True),
    sa.Column('acto_codigo', sa.String(length=80), nullable=False),
    sa.Column('asunto', sa.String(length=500), nullable=False),
    sa.Column('fecha_hora', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fecha_efecto', sa.Date(), nullable=False),
    sa.Column('pdf_nombre', sa.String(length=255), nullable=False),
    sa.Column('pdf_ruta', sa.String(length=300), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_tamano', sa.Integer(), nullable=False),
    sa.Column('leida_en', sa.DateTime(timezone=True), nullable=True),
    sa.Column('alerta_enviada_en', sa.DateTime(timezone=True), nullable=True),
    sa.Column('alerta_error', sa.String(length=200), nullable=True),
    sa.Column('depositado_por_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(notificacion_id IS NULL) <> (solicitud_id IS NULL)', name=op.f('ck_deposito_casilla_de_un_acto')),
    sa.CheckConstraint('leida_en IS NULL OR leida_en >= fecha_hora', name=op.f('ck_deposito_casilla_leida_despues')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_deposito_casilla_numero_positivo')),
    sa.CheckConstraint('pdf_tamano > 0 AND length(pdf_sha256) = 64', name=op.f('ck_deposito_casilla_pdf_con_huella')),
    sa.ForeignKeyConstraint(['cuenta_id'], ['cuenta_casilla.id'], name=op.f('fk_deposito_casilla_cuenta_id_cuenta_casilla')),
    sa.ForeignKeyConstraint(['depositado_por_id'], ['usuario.id'], name=op.f('fk_deposito_casilla_depositado_por_id_usuario')),
    sa.ForeignKeyConstraint(['notificacion_id'], ['notificacion.id'], name=op.f('fk_deposito_casilla_notificacion_id_notificacion')),
    sa.ForeignKeyConstraint(['solicitud_id'], ['solicitud_acceso.id'], name=op.f('fk_deposito_casilla_solicitud_id_solicitud_acceso')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deposito_casilla')),
    sa.UniqueConstraint('anio', 'numero', name=op.f('uq_deposito_casilla_anio_numero')),
    sa.UniqueConstraint('codigo', name=op.f('uq_deposito_casilla_codigo')),
    sa.UniqueConstraint('notificacion_id', name=op.f('uq_deposito_casilla_notificacion_id'))
    )
    op.create_index('ix_deposito_casilla_bandeja', 'deposito_casilla', ['cuenta_id', 'fecha_hora', 'id'], unique=False)
    op.create_index('ix_deposito_casilla_solicitud', 'deposito_casilla', ['solicitud_id'], unique=False)


def downgrade():
    op.drop_index('ix_deposito_casilla_solicitud', table_name='deposito_casilla')
    op.drop_index('ix_deposito_casilla_bandeja', table_name='deposito_casilla')
    op.drop_table('deposito_casilla')
    op.drop_index('ix_enlace_casilla_cuenta', table_name='enlace_casilla')
    op.drop_table('enlace_casilla')
    op.drop_index('ix_consentimiento_casilla_vigente', table_name='consentimiento_casilla', postgresql_where=sa.text('revocado_en IS NULL'), sqlite_where=sa.text('revocado_en IS NULL'))
    op.drop_table('consentimiento_casilla')
    op.drop_table('cuenta_casilla')
