"""Fedatario y notificaciones (issue 15): certificaciones del fedatario (LPAG arts. 138–139), diligencias de
notificación de los documentos emitidos (LPAG arts. 18–27) y el código de verificación (QR → /verificar/<codigo>)
de cada documento emitido, con uno al azar para los que ya existían; la firma digital verificada de cada adjunto.

Revision ID: f2b3d4c5e6a7
Revises: e1a2c3b4d5f6
Create Date: 2026-11-29 11:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa

from services.permisos import conceder, retirar


# revision identifiers, used by Alembic.
revision = 'f2b3d4c5e6a7'
down_revision = 'e1a2c3b4d5f6'
branch_labels = None
depends_on = None

# los de las vistas (admin_views/fedatario.py, permisos_por_defecto); una prueba compara ambos
PERMISOS = {"certificacion": {"fedatario": "vcea", "secretaria_general": "v", "mesa_partes": "v"},
            "notificacion": {"mesa_partes": "vc", "secretaria_general": "vc", "unidad": "vc"},
            "notificacion_documento": {"mesa_partes": "v", "secretaria_general": "v", "unidad": "v"}}


def _anio_de_la_fecha() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "anio = CAST(EXTRACT(YEAR FROM fecha) AS INTEGER)"
    return "anio = CAST(strftime('%Y', fecha) AS INTEGER)"


def upgrade():
    op.create_table('certificacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=30), nullable=False),
    sa.Column('tipo', sa.Enum('fedateo', 'autenticacion', 'transcripcion', 'copia_certificada', name='tipo_certificacion', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fecha', sa.Date(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('descripcion_documento', sa.Text(), nullable=False),
    sa.Column('folios', sa.Integer(), nullable=False),
    sa.Column('fedatario_id', sa.Integer(), nullable=False),
    sa.Column('expediente_id', sa.Integer(), nullable=True),
    sa.Column('derecho_pago', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('recibo_pago', sa.String(length=50), nullable=True),
    sa.Column('codigo_verificacion', sa.String(length=32), nullable=False),
    sa.Column('originales_retenidos', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('fecha_devolucion_prevista', sa.Date(), nullable=True),
    sa.Column('fecha_devolucion', sa.Date(), nullable=True),
    sa.Column('anulada', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('motivo_anulacion', sa.Text(), nullable=True),
    sa.Column('fecha_anulacion', sa.DateTime(timezone=True), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(_anio_de_la_fecha(), name=op.f('ck_certificacion_anio_de_la_fecha')),
    sa.CheckConstraint('NOT anulada OR (motivo_anulacion IS NOT NULL AND fecha_anulacion IS NOT NULL)', name=op.f('ck_certificacion_anulada_con_motivo')),
    sa.CheckConstraint('NOT originales_retenidos OR fecha_devolucion_prevista IS NOT NULL', name=op.f('ck_certificacion_retencion_con_fecha')),
    sa.CheckConstraint('derecho_pago >= 0', name=op.f('ck_certificacion_derecho_no_negativo')),
    sa.CheckConstraint('expediente_id IS NOT NULL OR (derecho_pago > 0 AND recibo_pago IS NOT NULL)', name=op.f('ck_certificacion_pagada_sin_expediente')),
    sa.CheckConstraint('expediente_id IS NULL OR (derecho_pago = 0 AND recibo_pago IS NULL)', name=op.f('ck_certificacion_gratuita_con_expediente')),
    sa.CheckConstraint('fecha_devolucion IS NULL OR (originales_retenidos AND fecha_devolucion >= fecha)', name=op.f('ck_certificacion_devuelto_si_retenido')),
    sa.CheckConstraint('fecha_devolucion_prevista IS NULL OR fecha_devolucion_prevista >= fecha', name=op.f('ck_certificacion_devolucion_despues')),
    sa.CheckConstraint('folios >= 1', name=op.f('ck_certificacion_folios_positivos')),
    sa.CheckConstraint('length(codigo_verificacion) >= 16', name=op.f('ck_certificacion_verificacion_larga')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_certificacion_numero_positivo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_certificacion_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'], name=op.f('fk_certificacion_expediente_id_expediente')),
    sa.ForeignKeyConstraint(['fedatario_id'], ['usuario.id'], name=op.f('fk_certificacion_fedatario_id_usuario')),
    sa.ForeignKeyConstraint(['persona_id'], ['persona.id'], name=op.f('fk_certificacion_persona_id_persona')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificacion')),
    sa.UniqueConstraint('anio', 'numero', name=op.f('uq_certificacion_anio_numero')),
    sa.UniqueConstraint('codigo', name=op.f('uq_certificacion_codigo')),
    sa.UniqueConstraint('codigo_verificacion', name=op.f('uq_certificacion_codigo_verificacion'))
    )
    with op.batch_alter_table('certificacion', schema=None) as batch_op:
        batch_op.create_index('ix_certificacion_fecha', ['fecha'], unique=False)
        batch_op.create_index('ix_certificacion_retenidos', ['originales_retenidos', 'fecha_devolucion'], unique=False)

    op.create_table('notificacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('documento_id', sa.Integer(), nullable=True),
    sa.Column('norma_id', sa.Integer(), nullable=True),
    sa.Column('modalidad', sa.Enum('personal', 'domicilio', 'casilla_electronica', 'publicacion', name='modalidad_notificacion', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('resultado', sa.Enum('entregada', 'rechazada', 'ausente', 'bajo_puerta', 'no_ubicado', name='resultado_notificacion', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('fecha_hora', sa.DateTime(timezone=True), nullable=False),
    sa.Column('direccion', sa.String(length=250), nullable=True),
    sa.Column('receptor_nombre', sa.String(length=200), nullable=True),
    sa.Column('receptor_documento', sa.String(length=20), nullable=True),
    sa.Column('receptor_relacion', sa.String(length=100), nullable=True),
    sa.Column('descripcion_inmueble', sa.Text(), nullable=True),
    sa.Column('fecha_segunda_visita', sa.Date(), nullable=True),
    sa.Column('medio_publicacion', sa.String(length=200), nullable=True),
    sa.Column('notificador', sa.String(length=200), nullable=True),
    sa.Column('observaciones', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(documento_id IS NULL) <> (norma_id IS NULL)', name=op.f('ck_notificacion_de_un_acto')),
    sa.CheckConstraint("modalidad <> 'publicacion' OR medio_publicacion IS NOT NULL", name=op.f('ck_notificacion_publicacion_con_medio')),
    sa.CheckConstraint("modalidad NOT IN ('casilla_electronica', 'publicacion') OR resultado = 'entregada'", name=op.f('ck_notificacion_electronica_o_publicacion_entregada')),
    sa.CheckConstraint("resultado <> 'ausente' OR fecha_segunda_visita IS NOT NULL", name=op.f('ck_notificacion_ausente_con_segunda_visita')),
    sa.CheckConstraint("resultado <> 'entregada' OR modalidad <> 'domicilio' OR receptor_relacion IS NOT NULL", name=op.f('ck_notificacion_domicilio_con_relacion')),
    sa.CheckConstraint("resultado <> 'entregada' OR modalidad NOT IN ('personal', 'domicilio') OR (receptor_nombre IS NOT NULL AND receptor_documento IS NOT NULL)", name=op.f('ck_notificacion_entregada_con_receptor')),
    sa.CheckConstraint("resultado NOT IN ('ausente', 'bajo_puerta', 'no_ubicado') OR modalidad = 'domicilio'", name=op.f('ck_notificacion_visitas_en_domicilio')),
    sa.CheckConstraint("resultado NOT IN ('rechazada', 'bajo_puerta') OR descripcion_inmueble IS NOT NULL", name=op.f('ck_notificacion_inmueble_descrito')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_notificacion_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['documento_id'], ['documento_emitido.id'], name=op.f('fk_notificacion_documento_id_documento_emitido')),
    sa.ForeignKeyConstraint(['norma_id'], ['norma_municipal.id'], name=op.f('fk_notificacion_norma_id_norma_municipal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notificacion'))
    )
    with op.batch_alter_table('notificacion', schema=None) as batch_op:
        batch_op.create_index('ix_notificacion_documento', ['documento_id', 'fecha_hora'], unique=False)
        batch_op.create_index('ix_notificacion_norma', ['norma_id'], unique=False)

    with op.batch_alter_table('documento_emitido', schema=None) as batch_op:
        batch_op.add_column(sa.Column('codigo_verificacion', sa.String(length=32), nullable=True))
    # los documentos ya emitidos también se verifican: un código al azar para cada uno
    documento = sa.table('documento_emitido', sa.column('id', sa.Integer), sa.column('codigo_verificacion', sa.String))
    conexion = op.get_bind()
    for (id_,) in conexion.execute(sa.select(documento.c.id)).all():
        conexion.execute(documento.update().where(documento.c.id == id_)
                         .values(codigo_verificacion=secrets.token_urlsafe(12)))
    with op.batch_alter_table('documento_emitido', schema=None) as batch_op:
        batch_op.alter_column('codigo_verificacion', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_documento_emitido_codigo_verificacion'), ['codigo_verificacion'])
    with op.batch_alter_table('adjunto', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firma_estado', sa.String(length=12), nullable=True))
        batch_op.create_check_constraint(op.f('ck_adjunto_estado_firma'),
                                         "firma_estado IN ('intacta', 'alterada', 'ilegible')")
        batch_op.add_column(sa.Column('firma_firmante', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('firma_fecha', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('firma_confiable', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('firma_detalle', sa.Text(), nullable=True))
    conceder(PERMISOS)



def downgrade():
    retirar(*PERMISOS)
    with op.batch_alter_table('adjunto', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_adjunto_estado_firma'), type_='check')
        for columna in ('firma_detalle', 'firma_confiable', 'firma_fecha', 'firma_firmante', 'firma_estado'):
            batch_op.drop_column(columna)
    with op.batch_alter_table('documento_emitido', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_documento_emitido_codigo_verificacion'), type_='unique')
        batch_op.drop_column('codigo_verificacion')

    with op.batch_alter_table('notificacion', schema=None) as batch_op:
        batch_op.drop_index('ix_notificacion_norma')
        batch_op.drop_index('ix_notificacion_documento')

    op.drop_table('notificacion')
    with op.batch_alter_table('certificacion', schema=None) as batch_op:
        batch_op.drop_index('ix_certificacion_retenidos')
        batch_op.drop_index('ix_certificacion_fecha')

    op.drop_table('certificacion')
