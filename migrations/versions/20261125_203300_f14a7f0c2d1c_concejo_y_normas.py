"""Concejo Municipal (período, miembros, comisiones, sesiones, agenda, citaciones, asistencia, votos, actas)
y normas municipales (numeradas, publicadas, relacionadas); permisos de los roles por defecto para las vistas nuevas.

Revision ID: f14a7f0c2d1c
Revises: 5c1e0b7d9a42
Create Date: 2026-11-25 20:04:50.035766

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f14a7f0c2d1c'
down_revision = '5c1e0b7d9a42'
branch_labels = None
depends_on = None


# permisos que reciben los roles por defecto ya creados (los roles nuevos los toman de services/semilla.py)
CONCEJO = ("sesion_concejo", "punto_agenda", "citacion", "asistencia", "voto", "acta", "reporte_concejo",
           "miembro_concejo", "comision", "periodo_municipal")
NORMAS = ("norma_municipal", "relacion_norma")
SG = {"sesion_concejo": "vce", "punto_agenda": "vced", "citacion": "ve", "asistencia": "v", "voto": "v",
      "acta": "ve", "reporte_concejo": "v", "miembro_concejo": "vced", "comision": "vced",
      "periodo_municipal": "vce", "norma_municipal": "vce", "relacion_norma": "vcd"}
LEEN = {v: "v" for v in NORMAS}
PERMISOS = {"secretaria_general": SG, "concejo": {v: "v" for v in (*CONCEJO, *NORMAS)},
            "auditor": {v: "v" for v in (*CONCEJO, *NORMAS)}, "mesa_partes": LEEN, "unidad": LEEN,
            "transparencia": LEEN}
LETRAS = {"v": ("ver", "exportar"), "c": ("crear",), "e": ("editar",), "d": ("eliminar",)}


def _dar_permisos():
    conexion = op.get_bind()
    rol = sa.table("rol", sa.column("id", sa.Integer), sa.column("codigo", sa.String))
    permiso = sa.table("permiso", sa.column("rol_id", sa.Integer), sa.column("vista", sa.String),
                       sa.column("accion", sa.String))
    ids = dict(conexion.execute(sa.select(rol.c.codigo, rol.c.id)).all())
    filas = [{"rol_id": ids[codigo], "vista": vista, "accion": accion}
             for codigo, vistas in PERMISOS.items() if codigo in ids
             for vista, letras in vistas.items() for letra in letras for accion in LETRAS[letra]]
    existentes = set(conexion.execute(sa.select(permiso.c.rol_id, permiso.c.vista, permiso.c.accion)).all())
    filas = [f for f in filas if (f["rol_id"], f["vista"], f["accion"]) not in existentes]
    if filas:
        op.bulk_insert(permiso, filas)


def upgrade():
    op.create_table('periodo_municipal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nombre', sa.String(length=20), nullable=False),
    sa.Column('inicio', sa.Date(), nullable=False),
    sa.Column('fin', sa.Date(), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('fin > inicio', name=op.f('ck_periodo_municipal_fin_despues_de_inicio')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_periodo_municipal_creado_por_id_usuario')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periodo_municipal')),
    sa.UniqueConstraint('nombre', name=op.f('uq_periodo_municipal_nombre'))
    )
    op.create_table('comision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('periodo_id', sa.Integer(), nullable=False),
    sa.Column('nombre', sa.String(length=200), nullable=False),
    sa.Column('tipo', sa.Enum('ordinaria', 'especial', name='tipo_comision', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_comision_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['periodo_id'], ['periodo_municipal.id'], name=op.f('fk_comision_periodo_id_periodo_municipal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comision')),
    sa.UniqueConstraint('periodo_id', 'nombre', name=op.f('uq_comision_periodo_id_nombre'))
    )
    op.create_table('miembro_concejo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('periodo_id', sa.Integer(), nullable=False),
    sa.Column('nombre', sa.String(length=200), nullable=False),
    sa.Column('cargo', sa.Enum('alcalde', 'regidor', name='cargo_miembro', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('orden', sa.Integer(), nullable=False),
    sa.Column('organizacion_politica', sa.String(length=200), nullable=True),
    sa.Column('habil', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('telefono', sa.String(length=20), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(cargo = 'alcalde') = (orden = 0)", name=op.f('ck_miembro_concejo_alcalde_orden_cero')),
    sa.CheckConstraint('orden >= 0', name=op.f('ck_miembro_concejo_orden_no_negativo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_miembro_concejo_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['periodo_id'], ['periodo_municipal.id'], name=op.f('fk_miembro_concejo_periodo_id_periodo_municipal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_miembro_concejo')),
    sa.UniqueConstraint('periodo_id', 'orden', name=op.f('uq_miembro_concejo_periodo_id_orden'))
    )
    op.create_table('sesion_concejo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('periodo_id', sa.Integer(), nullable=False),
    sa.Column('tipo', sa.Enum('ordinaria', 'extraordinaria', 'solemne', name='tipo_sesion', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('fecha_hora', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lugar', sa.String(length=200), nullable=True),
    sa.Column('modalidad', sa.Enum('presencial', 'virtual', 'mixta', name='modalidad', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('estado', sa.Enum('programada', 'convocada', 'instalada', 'sin_quorum', 'levantada', 'suspendida', name='estado_sesion', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('fecha_convocatoria', sa.Date(), nullable=True),
    sa.Column('postergada_desde', sa.DateTime(timezone=True), nullable=True),
    sa.Column('observaciones', sa.Text(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_sesion_concejo_numero_positivo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_sesion_concejo_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['periodo_id'], ['periodo_municipal.id'], name=op.f('fk_sesion_concejo_periodo_id_periodo_municipal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sesion_concejo')),
    sa.UniqueConstraint('tipo', 'anio', 'numero', name=op.f('uq_sesion_concejo_tipo_anio_numero'))
    )
    with op.batch_alter_table('sesion_concejo', schema=None) as batch_op:
        batch_op.create_index('ix_sesion_concejo_fecha_hora', ['fecha_hora'], unique=False)

    op.create_table('acta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sesion_id', sa.Integer(), nullable=False),
    sa.Column('contenido', sa.Text(), nullable=False),
    sa.Column('estado', sa.Enum('borrador', 'aprobada', name='estado_acta', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('aprobada_en_id', sa.Integer(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(estado = 'aprobada') = (aprobada_en_id IS NOT NULL)", name=op.f('ck_acta_aprobada_con_sesion')),
    sa.CheckConstraint('aprobada_en_id IS NULL OR aprobada_en_id <> sesion_id', name=op.f('ck_acta_aprobada_en_otra')),
    sa.ForeignKeyConstraint(['aprobada_en_id'], ['sesion_concejo.id'], name=op.f('fk_acta_aprobada_en_id_sesion_concejo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_acta_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['sesion_id'], ['sesion_concejo.id'], name=op.f('fk_acta_sesion_id_sesion_concejo')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acta')),
    sa.UniqueConstraint('sesion_id', name=op.f('uq_acta_sesion_id'))
    )
    op.create_table('asistencia',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sesion_id', sa.Integer(), nullable=False),
    sa.Column('miembro_id', sa.Integer(), nullable=False),
    sa.Column('estado', sa.Enum('presente', 'ausente', 'licencia', 'justificado', name='estado_asistencia', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('hora_llegada', sa.Time(), nullable=True),
    sa.CheckConstraint("estado = 'presente' OR hora_llegada IS NULL", name=op.f('ck_asistencia_hora_solo_presentes')),
    sa.ForeignKeyConstraint(['miembro_id'], ['miembro_concejo.id'], name=op.f('fk_asistencia_miembro_id_miembro_concejo')),
    sa.ForeignKeyConstraint(['sesion_id'], ['sesion_concejo.id'], name=op.f('fk_asistencia_sesion_id_sesion_concejo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asistencia')),
    sa.UniqueConstraint('sesion_id', 'miembro_id', name=op.f('uq_asistencia_sesion_id_miembro_id'))
    )
    op.create_table('citacion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sesion_id', sa.Integer(), nullable=False),
    sa.Column('miembro_id', sa.Integer(), nullable=True),
    sa.Column('destinatario', sa.String(length=200), nullable=True),
    sa.Column('medio', sa.Enum('fisico', 'correo', 'casilla_electronica', name='medio_citacion', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fecha_envio', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fecha_recepcion', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recibido_por', sa.String(length=200), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(miembro_id IS NULL) <> (destinatario IS NULL)', name=op.f('ck_citacion_miembro_o_destinatario')),
    sa.CheckConstraint('fecha_recepcion IS NULL OR recibido_por IS NOT NULL', name=op.f('ck_citacion_cargo_con_receptor')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_citacion_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['miembro_id'], ['miembro_concejo.id'], name=op.f('fk_citacion_miembro_id_miembro_concejo')),
    sa.ForeignKeyConstraint(['sesion_id'], ['sesion_concejo.id'], name=op.f('fk_citacion_sesion_id_sesion_concejo'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_citacion')),
    sa.UniqueConstraint('sesion_id', 'miembro_id', name=op.f('uq_citacion_sesion_id_miembro_id'))
    )
    op.create_table('miembro_comision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comision_id', sa.Integer(), nullable=False),
    sa.Column('miembro_id', sa.Integer(), nullable=False),
    sa.Column('cargo', sa.Enum('presidente', 'vicepresidente', 'secretario', 'miembro', name='cargo_comision', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['comision_id'], ['comision.id'], name=op.f('fk_miembro_comision_comision_id_comision'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['miembro_id'], ['miembro_concejo.id'], name=op.f('fk_miembro_comision_miembro_id_miembro_concejo')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_miembro_comision')),
    sa.UniqueConstraint('comision_id', 'miembro_id', name=op.f('uq_miembro_comision_comision_id_miembro_id'))
    )
    op.create_table('punto_agenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sesion_id', sa.Integer(), nullable=False),
    sa.Column('orden', sa.Integer(), nullable=False),
    sa.Column('seccion', sa.Enum('despacho', 'informes', 'pedidos', 'orden_del_dia', name='seccion_agenda', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('titulo', sa.String(length=500), nullable=False),
    sa.Column('materia', sa.Enum('general', 'ordenanza', 'acuerdo', 'vacancia', 'bienes_municipales', 'postergacion', name='materia', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('expediente_id', sa.Integer(), nullable=True),
    sa.Column('comision_id', sa.Integer(), nullable=True),
    sa.Column('mayoria_requerida', sa.Enum('simple', 'absoluta', 'dos_tercios', name='mayoria', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('resultado', sa.Enum('pendiente', 'aprobado', 'desaprobado', 'retirado', 'a_comision', name='resultado_punto', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('orden >= 1', name=op.f('ck_punto_agenda_orden_positivo')),
    sa.ForeignKeyConstraint(['comision_id'], ['comision.id'], name=op.f('fk_punto_agenda_comision_id_comision')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_punto_agenda_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'], name=op.f('fk_punto_agenda_expediente_id_expediente')),
    sa.ForeignKeyConstraint(['sesion_id'], ['sesion_concejo.id'], name=op.f('fk_punto_agenda_sesion_id_sesion_concejo')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punto_agenda')),
    sa.UniqueConstraint('sesion_id', 'orden', name=op.f('uq_punto_agenda_sesion_id_orden'))
    )
    op.create_table('norma_municipal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tipo', sa.Enum('ordenanza', 'acuerdo_concejo', 'decreto_alcaldia', 'resolucion_alcaldia', 'resolucion_concejo', 'edicto', name='tipo_norma', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=80), nullable=False),
    sa.Column('sumilla', sa.String(length=1000), nullable=False),
    sa.Column('fecha_emision', sa.Date(), nullable=False),
    sa.Column('punto_agenda_id', sa.Integer(), nullable=True),
    sa.Column('estado', sa.Enum('proyecto', 'aprobada', 'publicada', 'vigente', 'derogada', name='estado_norma', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('fecha_publicacion', sa.Date(), nullable=True),
    sa.Column('medio_publicacion', sa.Enum('el_peruano', 'diario_judicial', 'carteles', 'portal', name='medio_publicacion', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('fecha_vigencia', sa.Date(), nullable=True),
    sa.Column('requiere_ratificacion', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('fecha_ratificacion', sa.Date(), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("estado NOT IN ('publicada', 'vigente') OR (fecha_publicacion IS NOT NULL AND medio_publicacion IS NOT NULL AND fecha_vigencia IS NOT NULL)", name=op.f('ck_norma_municipal_publicada_con_datos')),
    sa.CheckConstraint('NOT requiere_ratificacion OR fecha_publicacion IS NULL OR fecha_ratificacion IS NOT NULL', name=op.f('ck_norma_municipal_ratificada_antes_de_publicar')),
    sa.CheckConstraint('fecha_vigencia IS NULL OR fecha_vigencia > fecha_publicacion', name=op.f('ck_norma_municipal_vigencia_despues_de_publicar')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_norma_municipal_numero_positivo')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_norma_municipal_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['punto_agenda_id'], ['punto_agenda.id'], name=op.f('fk_norma_municipal_punto_agenda_id_punto_agenda')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_norma_municipal')),
    sa.UniqueConstraint('codigo', name=op.f('uq_norma_municipal_codigo')),
    sa.UniqueConstraint('punto_agenda_id', name=op.f('uq_norma_municipal_punto_agenda_id')),
    sa.UniqueConstraint('tipo', 'anio', 'numero', name=op.f('uq_norma_municipal_tipo_anio_numero'))
    )
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.create_index('ix_norma_municipal_estado', ['estado', 'fecha_vigencia'], unique=False)

    op.create_table('voto',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('punto_id', sa.Integer(), nullable=False),
    sa.Column('miembro_id', sa.Integer(), nullable=False),
    sa.Column('sentido', sa.Enum('favor', 'contra', 'abstencion', name='sentido_voto', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('fundamento', sa.Text(), nullable=True),
    sa.CheckConstraint("sentido <> 'abstencion' OR length(trim(fundamento)) > 0", name=op.f('ck_voto_abstencion_fundamentada')),
    sa.ForeignKeyConstraint(['miembro_id'], ['miembro_concejo.id'], name=op.f('fk_voto_miembro_id_miembro_concejo')),
    sa.ForeignKeyConstraint(['punto_id'], ['punto_agenda.id'], name=op.f('fk_voto_punto_id_punto_agenda'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voto')),
    sa.UniqueConstraint('punto_id', 'miembro_id', name=op.f('uq_voto_punto_id_miembro_id'))
    )
    op.create_table('relacion_norma',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('origen_id', sa.Integer(), nullable=False),
    sa.Column('destino_id', sa.Integer(), nullable=False),
    sa.Column('tipo', sa.Enum('modifica', 'deroga', 'reglamenta', 'complementa', name='tipo_relacion_norma', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('origen_id <> destino_id', name=op.f('ck_relacion_norma_no_a_si_misma')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_relacion_norma_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['destino_id'], ['norma_municipal.id'], name=op.f('fk_relacion_norma_destino_id_norma_municipal')),
    sa.ForeignKeyConstraint(['origen_id'], ['norma_municipal.id'], name=op.f('fk_relacion_norma_origen_id_norma_municipal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relacion_norma')),
    sa.UniqueConstraint('origen_id', 'destino_id', 'tipo', name=op.f('uq_relacion_norma_origen_id_destino_id_tipo'))
    )


    _dar_permisos()
    _acta_aprobada_inmutable()


def _acta_aprobada_inmutable():
    """Aprobada, el acta no se modifica ni se borra, tampoco por SQL directo (la app lo impide antes)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION acta_aprobada_inmutable() RETURNS trigger AS $$
            BEGIN
                IF OLD.estado = 'aprobada' THEN
                    RAISE EXCEPTION 'el acta aprobada no se modifica';
                END IF;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER tg_acta_aprobada_inmutable BEFORE UPDATE OR DELETE ON acta
            FOR EACH ROW EXECUTE FUNCTION acta_aprobada_inmutable()
        """)
    else:
        for operacion in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER tg_acta_aprobada_inmutable_{operacion.lower()} BEFORE {operacion} ON acta
                WHEN OLD.estado = 'aprobada'
                BEGIN SELECT RAISE(ABORT, 'el acta aprobada no se modifica'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tg_acta_aprobada_inmutable ON acta")
        op.execute("DROP FUNCTION IF EXISTS acta_aprobada_inmutable()")
    op.execute(sa.text("DELETE FROM permiso WHERE vista IN ('" + "', '".join((*CONCEJO, *NORMAS)) + "')"))
    op.drop_table('relacion_norma')
    op.drop_table('voto')
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.drop_index('ix_norma_municipal_estado')

    op.drop_table('norma_municipal')
    op.drop_table('punto_agenda')
    op.drop_table('miembro_comision')
    op.drop_table('citacion')
    op.drop_table('asistencia')
    op.drop_table('acta')
    with op.batch_alter_table('sesion_concejo', schema=None) as batch_op:
        batch_op.drop_index('ix_sesion_concejo_fecha_hora')

    op.drop_table('sesion_concejo')
    op.drop_table('miembro_concejo')
    op.drop_table('comision')
    op.drop_table('periodo_municipal')
