"""Endurecimiento: versión de sesión del usuario, intentos de ingreso por usuario e IP, retos de verificación
de un solo uso, contacto y versión del expediente, Word congelado del acta aprobada y fechas coherentes
(documento numerado en el año de su fecha, cargo de citación después del envío).

Revision ID: b7e4d1a9c3f2
Revises: f14a7f0c2d1c
Create Date: 2026-11-29 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4d1a9c3f2'
down_revision = 'f14a7f0c2d1c'
branch_labels = None
depends_on = None


def _anio_de_la_fecha() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "anio = CAST(EXTRACT(YEAR FROM fecha) AS INTEGER)"
    return "anio = CAST(strftime('%Y', fecha) AS INTEGER)"


def upgrade():
    op.add_column('usuario', sa.Column('version_sesion', sa.Integer(), server_default='0', nullable=False))
    op.add_column('expediente', sa.Column('email_contacto', sa.String(length=200), nullable=True))
    op.add_column('expediente', sa.Column('telefono_contacto', sa.String(length=20), nullable=True))
    op.add_column('expediente', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    # columna simple (sin recrear la tabla: en SQLite se conservan los disparadores del acta)
    op.add_column('acta', sa.Column('documento_aprobado', sa.LargeBinary(), nullable=True))

    op.create_table('intento_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('fallidos', sa.Integer(), server_default='0', nullable=False),
    sa.Column('bloqueos', sa.Integer(), server_default='0', nullable=False),
    sa.Column('bloqueado_hasta', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ultimo', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('fallidos >= 0 AND bloqueos >= 0', name=op.f('ck_intento_login_no_negativos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intento_login')),
    sa.UniqueConstraint('username', 'ip', name=op.f('uq_intento_login_username_ip'))
    )
    op.create_table('reto_verificacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('formulario', sa.String(length=40), nullable=False),
    sa.Column('respuesta', sa.String(length=20), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reto_verificacion')),
    sa.UniqueConstraint('token', name=op.f('uq_reto_verificacion_token'))
    )
    with op.batch_alter_table('reto_verificacion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reto_verificacion_creado_en'), ['creado_en'], unique=False)

    with op.batch_alter_table('documento_emitido', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_documento_emitido_anio_de_la_fecha'), _anio_de_la_fecha())
        batch_op.create_check_constraint(op.f('ck_documento_emitido_notificado_despues_de_emitir'),
                                         'fecha_notificacion IS NULL OR fecha_notificacion >= fecha')
    with op.batch_alter_table('citacion', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_citacion_recepcion_despues_del_envio'),
            'fecha_recepcion IS NULL OR (fecha_envio IS NOT NULL AND fecha_recepcion >= fecha_envio)')


def downgrade():
    with op.batch_alter_table('citacion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_citacion_recepcion_despues_del_envio'), type_='check')
    with op.batch_alter_table('documento_emitido', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_documento_emitido_notificado_despues_de_emitir'), type_='check')
        batch_op.drop_constraint(op.f('ck_documento_emitido_anio_de_la_fecha'), type_='check')
    with op.batch_alter_table('reto_verificacion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reto_verificacion_creado_en'))
    op.drop_table('reto_verificacion')
    op.drop_table('intento_login')
    op.drop_column('acta', 'documento_aprobado')
    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('telefono_contacto')
        batch_op.drop_column('email_contacto')
    with op.batch_alter_table('usuario', schema=None) as batch_op:
        batch_op.drop_column('version_sesion')
