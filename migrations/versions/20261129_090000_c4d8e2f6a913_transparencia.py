"""Transparencia (TUO Ley 27806; issue 13): solicitudes de acceso a la información, el catálogo de excepciones
de los arts. 15, 16 y 17 (la única base de una denegatoria) y los permisos de las pantallas para los roles que ya
existen (transparencia, Secretaría General, auditor).

Revision ID: c4d8e2f6a913
Revises: b7e3c1a9d052
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2f6a913'
down_revision = 'b7e3c1a9d052'
branch_labels = None
depends_on = None

VISTAS = {"transparencia": {"solicitud_acceso": "vce", "excepcion_transparencia": "v", "reporte_transparencia": "v"},
          "secretaria_general": {"solicitud_acceso": "vce", "excepcion_transparencia": "vce",
                                 "reporte_transparencia": "v"},
          "auditor": {"solicitud_acceso": "v", "excepcion_transparencia": "v", "reporte_transparencia": "v"}}
LETRAS = {"v": ("ver", "exportar"), "c": ("crear",), "e": ("editar",), "d": ("eliminar",)}

# TUO de la Ley 27806 (D.S. 021-2019-JUS), arts. 15, 16 y 17: las excepciones se interpretan restrictivamente
EXCEPCIONES = [
    ("15", "Información secreta", "Información clasificada en el ámbito militar, en el frente externo o interno, "
     "y la de inteligencia y contrainteligencia, cuya revelación originaría riesgo para la integridad territorial "
     "o la subsistencia del sistema democrático."),
    ("16", "Información reservada", "Información cuya revelación originaría un riesgo a la seguridad e integridad "
     "territorial del Estado y la defensa nacional en el ámbito externo, al curso de las negociaciones "
     "internacionales o a la subsistencia del sistema democrático; y la que, por razones de seguridad nacional "
     "en el ámbito del orden interno, tiene por finalidad prevenir y reprimir la criminalidad."),
    ("17.1", "Información confidencial: proceso deliberativo", "Información que contenga consejos, "
     "recomendaciones u opiniones producidas como parte del proceso deliberativo y consultivo previo a la toma de "
     "una decisión de gobierno (salvo que sea pública una vez tomada la decisión y se haga referencia a ellos)."),
    ("17.2", "Información confidencial: secretos protegidos", "Información protegida por el secreto bancario, "
     "tributario, comercial, industrial, tecnológico y bursátil."),
    ("17.3", "Información confidencial: potestad sancionadora", "Información vinculada a investigaciones en "
     "trámite referidas al ejercicio de la potestad sancionadora de la Administración Pública, hasta que se dicte "
     "resolución final o transcurran más de seis meses desde el inicio del procedimiento."),
    ("17.4", "Información confidencial: estrategia de defensa", "Información preparada u obtenida por asesores "
     "jurídicos o abogados de la entidad cuya publicidad pudiera revelar la estrategia a adoptarse en la "
     "tramitación o defensa en un proceso administrativo o judicial, hasta que concluya el proceso."),
    ("17.5", "Información confidencial: datos personales", "Información referida a los datos personales cuya "
     "publicidad constituya una invasión de la intimidad personal y familiar (incluida la referida a la salud)."),
    ("17.6", "Información confidencial: exceptuada por ley", "Materias cuyo acceso esté expresamente exceptuado "
     "por la Constitución o por una ley aprobada por el Congreso de la República."),
]


def upgrade():

    op.create_table('excepcion_transparencia',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=10), nullable=False),
    sa.Column('articulo', sa.String(length=100), nullable=False),
    sa.Column('texto', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excepcion_transparencia')),
    sa.UniqueConstraint('codigo', name=op.f('uq_excepcion_transparencia_codigo'))
    )
    op.create_table('solicitud_acceso',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anio', sa.Integer(), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('clave', sa.String(length=20), nullable=False),
    sa.Column('fecha_recepcion', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fecha_presentacion', sa.Date(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('informacion_solicitada', sa.Text(), nullable=False),
    sa.Column('forma_entrega', sa.Enum('copia_simple', 'copia_certificada', 'correo', 'medio_digital', 'consulta_directa', name='forma_entrega', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('unidad_poseedora_id', sa.Integer(), nullable=True),
    sa.Column('expediente_id', sa.Integer(), nullable=True),
    sa.Column('sexo', sa.String(length=1), nullable=True),
    sa.Column('fecha_vencimiento', sa.Date(), nullable=False),
    sa.Column('estado', sa.Enum('recibida', 'observada', 'en_atencion', 'prorrogada', 'atendida', 'parcialmente_denegada', 'denegada', 'derivada', 'desistida', 'no_presentada', name='estado_solicitud', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('observacion', sa.Text(), nullable=True),
    sa.Column('fecha_observacion', sa.Date(), nullable=True),
    sa.Column('fecha_subsanacion', sa.Date(), nullable=True),
    sa.Column('prorroga', sa.Boolean(), nullable=False),
    sa.Column('motivo_prorroga', sa.Text(), nullable=True),
    sa.Column('fecha_comunicacion_prorroga', sa.Date(), nullable=True),
    sa.Column('fecha_vencimiento_prorroga', sa.Date(), nullable=True),
    sa.Column('entidad_derivada', sa.String(length=300), nullable=True),
    sa.Column('fecha_encauzamiento', sa.Date(), nullable=True),
    sa.Column('fecha_respuesta', sa.Date(), nullable=True),
    sa.Column('excepcion_legal_id', sa.Integer(), nullable=True),
    sa.Column('informacion_denegada', sa.Text(), nullable=True),
    sa.Column('fundamento_denegatoria', sa.Text(), nullable=True),
    sa.Column('paginas', sa.Integer(), nullable=False),
    sa.Column('discos', sa.Integer(), nullable=False),
    sa.Column('costo_reproduccion', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('recibo_pago', sa.String(length=50), nullable=True),
    sa.Column('fecha_apelacion', sa.Date(), nullable=True),
    sa.Column('fecha_elevacion', sa.Date(), nullable=True),
    sa.Column('resultado_apelacion', sa.String(length=300), nullable=True),
    sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
    sa.Column('creado_por_id', sa.Integer(), nullable=True),
    sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("estado <> 'denegada' OR excepcion_legal_id IS NOT NULL", name=op.f('ck_solicitud_acceso_denegada_con_excepcion')),
    sa.CheckConstraint("estado <> 'derivada' OR (entidad_derivada IS NOT NULL AND fecha_encauzamiento IS NOT NULL)", name=op.f('ck_solicitud_acceso_derivada_con_entidad')),
    sa.CheckConstraint("estado <> 'parcialmente_denegada' OR (excepcion_legal_id IS NOT NULL AND informacion_denegada IS NOT NULL)", name=op.f('ck_solicitud_acceso_parcial_con_excepcion')),
    sa.CheckConstraint("estado NOT IN ('atendida', 'parcialmente_denegada') OR costo_reproduccion = 0 OR recibo_pago IS NOT NULL", name=op.f('ck_solicitud_acceso_entrega_pagada')),
    sa.CheckConstraint("estado NOT IN ('atendida', 'parcialmente_denegada', 'denegada', 'desistida') OR fecha_respuesta IS NOT NULL", name=op.f('ck_solicitud_acceso_respuesta_con_fecha')),
    sa.CheckConstraint("fecha_observacion IS NOT NULL OR estado NOT IN ('observada', 'no_presentada')", name=op.f('ck_solicitud_acceso_observada_con_fecha')),
    sa.CheckConstraint('NOT prorroga OR (motivo_prorroga IS NOT NULL AND fecha_comunicacion_prorroga IS NOT NULL AND fecha_vencimiento_prorroga IS NOT NULL)', name=op.f('ck_solicitud_acceso_prorroga_completa')),
    sa.CheckConstraint('numero >= 1', name=op.f('ck_solicitud_acceso_numero_positivo')),
    sa.CheckConstraint("sexo IS NULL OR sexo IN ('F', 'M')", name=op.f('ck_solicitud_acceso_sexo_valido')),
    sa.CheckConstraint('paginas >= 0 AND discos >= 0 AND costo_reproduccion >= 0', name=op.f('ck_solicitud_acceso_costos_no_negativos')),
    sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_solicitud_acceso_creado_por_id_usuario')),
    sa.ForeignKeyConstraint(['excepcion_legal_id'], ['excepcion_transparencia.id'], name=op.f('fk_solicitud_acceso_excepcion_legal_id_excepcion_transparencia')),
    sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'], name=op.f('fk_solicitud_acceso_expediente_id_expediente')),
    sa.ForeignKeyConstraint(['persona_id'], ['persona.id'], name=op.f('fk_solicitud_acceso_persona_id_persona')),
    sa.ForeignKeyConstraint(['unidad_poseedora_id'], ['unidad_organica.id'], name=op.f('fk_solicitud_acceso_unidad_poseedora_id_unidad_organica')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_solicitud_acceso')),
    sa.UniqueConstraint('anio', 'numero', name=op.f('uq_solicitud_acceso_anio_numero')),
    sa.UniqueConstraint('codigo', name=op.f('uq_solicitud_acceso_codigo')),
    sa.UniqueConstraint('expediente_id', name=op.f('uq_solicitud_acceso_expediente_id'))
    )
    with op.batch_alter_table('solicitud_acceso', schema=None) as batch_op:
        batch_op.create_index('ix_solicitud_acceso_estado_vencimiento', ['estado', 'fecha_vencimiento'], unique=False)
        batch_op.create_index('ix_solicitud_acceso_fecha_presentacion', ['fecha_presentacion'], unique=False)
    excepcion = sa.table("excepcion_transparencia", sa.column("codigo", sa.String), sa.column("articulo", sa.String),
                         sa.column("texto", sa.Text))
    op.bulk_insert(excepcion, [{"codigo": c, "articulo": a, "texto": t} for c, a, t in EXCEPCIONES])
    _permisos()


def _permisos():
    """Los permisos por defecto de services/semilla.py, para las instalaciones que ya tienen sus roles."""
    conexion = op.get_bind()
    rol = sa.table("rol", sa.column("id", sa.Integer), sa.column("codigo", sa.String))
    permiso = sa.table("permiso", sa.column("rol_id", sa.Integer), sa.column("vista", sa.String),
                       sa.column("accion", sa.String))
    ids = dict(conexion.execute(sa.select(rol.c.codigo, rol.c.id)).all())
    existentes = set(conexion.execute(sa.select(permiso.c.rol_id, permiso.c.vista, permiso.c.accion)).all())
    filas = [{"rol_id": ids[codigo], "vista": vista, "accion": accion}
             for codigo, vistas in VISTAS.items() if codigo in ids
             for vista, letras in vistas.items() for letra in letras for accion in LETRAS[letra]]
    filas = [f for f in filas if (f["rol_id"], f["vista"], f["accion"]) not in existentes]
    if filas:
        op.bulk_insert(permiso, filas)


def downgrade():
    op.execute(sa.text("DELETE FROM permiso WHERE vista IN ('solicitud_acceso', 'excepcion_transparencia', "
                       "'reporte_transparencia')"))

    with op.batch_alter_table('solicitud_acceso', schema=None) as batch_op:
        batch_op.drop_index('ix_solicitud_acceso_fecha_presentacion')
        batch_op.drop_index('ix_solicitud_acceso_estado_vencimiento')

    op.drop_table('solicitud_acceso')
    op.drop_table('excepcion_transparencia')

