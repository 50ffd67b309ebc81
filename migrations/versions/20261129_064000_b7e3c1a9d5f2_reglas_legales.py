"""Reglas legales (issue 11): materia «suspensión» en la agenda del concejo; aprobación automática sin plazo;
efecto de las normas por tipo (acuerdos sobre remuneración, notificación de resoluciones, edictos sin vigencia);
normas proyectadas (sin número hasta su aprobación) y números anulados;
calendario: los días no laborables del D.S. 042-2025-PCM y los feriados nacionales del año y del siguiente.

Revision ID: b7e3c1a9d5f2
Revises: b7e4d1a9c3f2
Create Date: 2026-11-29 06:40:00

"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from alembic import op
import holidays
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c1a9d5f2'
down_revision = 'b7e4d1a9c3f2'
branch_labels = None
depends_on = None

MATERIAS = ("general", "ordenanza", "acuerdo", "vacancia", "bienes_municipales", "postergacion")


def _check_en(lista):
    return "materia IN (" + ", ".join(f"'{m}'" for m in lista) + ")"


def _claves_foraneas(activas: bool):
    """SQLite: recrear una tabla (batch) con las claves foráneas activas borraría en cascada sus filas hijas (votos
    de un punto) o fallaría (relaciones de una norma); se desactivan mientras dura la migración."""
    conexion = op.get_bind()
    if conexion.dialect.name != "sqlite":
        return
    op.execute(sa.text(f"PRAGMA foreign_keys={'ON' if activas else 'OFF'}"))
    if not activas and conexion.execute(sa.text("PRAGMA foreign_keys")).scalar() and any(
            conexion.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in ("voto", "relacion_norma")):
        # dentro de una transacción el PRAGMA no surte efecto: mejor detenerse que perder votos
        raise RuntimeError("Actualice en una invocación aparte (flask db upgrade): SQLite no pudo desactivar "
                           "las claves foráneas y la migración borraría votos.")


# comisiones de regidores: sus sesiones (la misma tabla, con la comisión) y sus dictámenes
VISTAS_COMISION = {"secretaria_general": {"sesion_comision": "vce", "dictamen": "ve"},
                   "concejo": {"sesion_comision": "v", "dictamen": "v"},
                   "auditor": {"sesion_comision": "v", "dictamen": "v"}}
LETRAS = {"v": ("ver", "exportar"), "c": ("crear",), "e": ("editar",), "d": ("eliminar",)}


def _comisiones():
    with op.batch_alter_table('sesion_concejo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comision_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_sesion_concejo_comision_id_comision'), 'comision', ['comision_id'],
                                    ['id'])
        batch_op.drop_constraint(op.f('uq_sesion_concejo_tipo_anio_numero'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_sesion_concejo_comision_id_tipo_anio_numero'),
                                          ['comision_id', 'tipo', 'anio', 'numero'])
        batch_op.create_index('uq_sesion_concejo_numero_del_concejo', ['tipo', 'anio', 'numero'], unique=True,
                              sqlite_where=sa.text('comision_id IS NULL'),
                              postgresql_where=sa.text('comision_id IS NULL'))
    op.create_table(
        'dictamen',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('comision_id', sa.Integer(), nullable=False),
        sa.Column('anio', sa.Integer(), nullable=False),
        sa.Column('numero', sa.Integer(), nullable=False),
        sa.Column('punto_id', sa.Integer(), nullable=False),
        sa.Column('expediente_id', sa.Integer(), nullable=True),
        sa.Column('norma_id', sa.Integer(), nullable=True),
        sa.Column('sentido', sa.Enum('favorable', 'desfavorable', name='sentido_dictamen', native_enum=False,
                                     create_constraint=True, length=12), nullable=False),
        sa.Column('sumilla', sa.String(length=500), nullable=False),
        sa.Column('creado_en', sa.DateTime(timezone=True), nullable=False),
        sa.Column('creado_por_id', sa.Integer(), nullable=True),
        sa.Column('actualizado_en', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('numero >= 1', name=op.f('ck_dictamen_numero_positivo')),
        sa.ForeignKeyConstraint(['comision_id'], ['comision.id'], name=op.f('fk_dictamen_comision_id_comision')),
        sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name=op.f('fk_dictamen_creado_por_id_usuario')),
        sa.ForeignKeyConstraint(['expediente_id'], ['expediente.id'],
                                name=op.f('fk_dictamen_expediente_id_expediente')),
        sa.ForeignKeyConstraint(['norma_id'], ['norma_municipal.id'],
                                name=op.f('fk_dictamen_norma_id_norma_municipal')),
        sa.ForeignKeyConstraint(['punto_id'], ['punto_agenda.id'], name=op.f('fk_dictamen_punto_id_punto_agenda')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dictamen')),
        sa.UniqueConstraint('comision_id', 'anio', 'numero', name=op.f('uq_dictamen_comision_id_anio_numero')),
        sa.UniqueConstraint('punto_id', name=op.f('uq_dictamen_punto_id')),
    )
    conexion = op.get_bind()
    rol = sa.table("rol", sa.column("id", sa.Integer), sa.column("codigo", sa.String))
    permiso = sa.table("permiso", sa.column("rol_id", sa.Integer), sa.column("vista", sa.String),
                       sa.column("accion", sa.String))
    ids = dict(conexion.execute(sa.select(rol.c.codigo, rol.c.id)).all())
    existentes = set(conexion.execute(sa.select(permiso.c.rol_id, permiso.c.vista, permiso.c.accion)).all())
    filas = [{"rol_id": ids[codigo], "vista": vista, "accion": accion}
             for codigo, vistas in VISTAS_COMISION.items() if codigo in ids
             for vista, letras in vistas.items() for letra in letras for accion in LETRAS[letra]]
    filas = [f for f in filas if (f["rol_id"], f["vista"], f["accion"]) not in existentes]
    if filas:
        op.bulk_insert(permiso, filas)


def _sin_comisiones():
    op.execute(sa.text("DELETE FROM permiso WHERE vista IN ('sesion_comision', 'dictamen')"))
    with op.batch_alter_table('punto_agenda', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_punto_agenda_dictamen_id_dictamen'), type_='foreignkey')
        batch_op.drop_column('dictamen_id')
    op.drop_table('dictamen')
    op.execute(sa.text("DELETE FROM voto WHERE punto_id IN (SELECT p.id FROM punto_agenda p JOIN sesion_concejo s "
                       "ON s.id = p.sesion_id WHERE s.comision_id IS NOT NULL)"))
    for tabla in ("punto_agenda", "citacion", "asistencia"):
        op.execute(sa.text(f"DELETE FROM {tabla} WHERE sesion_id IN (SELECT id FROM sesion_concejo "
                           "WHERE comision_id IS NOT NULL)"))
    op.execute(sa.text("DELETE FROM sesion_concejo WHERE comision_id IS NOT NULL"))
    with op.batch_alter_table('sesion_concejo', schema=None) as batch_op:
        batch_op.drop_index('uq_sesion_concejo_numero_del_concejo')
        batch_op.drop_constraint(op.f('uq_sesion_concejo_comision_id_tipo_anio_numero'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_sesion_concejo_tipo_anio_numero'), ['tipo', 'anio', 'numero'])
        batch_op.drop_constraint(op.f('fk_sesion_concejo_comision_id_comision'), type_='foreignkey')
        batch_op.drop_column('comision_id')


def upgrade():
    _claves_foraneas(False)
    _comisiones()
    with op.batch_alter_table('punto_agenda', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_punto_agenda_materia'), type_='check')
        batch_op.create_check_constraint(op.f('ck_punto_agenda_materia'),
                                         _check_en((*MATERIAS, "suspension", "dispensa_acta")))
        batch_op.add_column(sa.Column('dictamen_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_punto_agenda_dictamen_id_dictamen'), 'dictamen', ['dictamen_id'],
                                    ['id'])
    _dispensa()
    # aprobación automática (LPAG art. 33): se aprueba al presentarse, sin plazo
    op.execute(sa.text("UPDATE procedimiento_tupa SET plazo_dias_habiles = 0 "
                       "WHERE silencio = 'aprobacion_automatica'"))
    with op.batch_alter_table('procedimiento_tupa', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_procedimiento_tupa_automatica_sin_plazo'),
                                         "silencio <> 'aprobacion_automatica' OR plazo_dias_habiles = 0")
    _normas()
    _proyectos()
    _calendario()
    _claves_foraneas(True)


PUBLICACION = "tipo IN ('ordenanza', 'decreto_alcaldia') OR (tipo = 'acuerdo_concejo' AND sobre_remuneracion)"
NUEVAS = {
    "publicada_con_datos": "estado <> 'publicada' OR (fecha_publicacion IS NOT NULL AND medio_publicacion IS NOT NULL)",
    "vigente_con_fecha": "estado <> 'vigente' OR fecha_vigencia IS NOT NULL",
    "vigencia_despues_de_publicar": f"NOT ({PUBLICACION}) OR ((estado NOT IN ('publicada', 'vigente') OR "
                                    "fecha_publicacion IS NOT NULL) AND (fecha_vigencia IS NULL OR "
                                    "fecha_vigencia > fecha_publicacion))",
    "edicto_no_rige": "tipo <> 'edicto' OR (estado <> 'vigente' AND fecha_vigencia IS NULL)",
    "resolucion_desde_notificacion": "tipo NOT IN ('resolucion_alcaldia', 'resolucion_concejo') OR "
                                     "estado <> 'vigente' OR fecha_notificacion IS NOT NULL",
}
ANTES = {
    "publicada_con_datos": "estado NOT IN ('publicada', 'vigente') OR (fecha_publicacion IS NOT NULL AND "
                           "medio_publicacion IS NOT NULL AND fecha_vigencia IS NOT NULL)",
    "vigencia_despues_de_publicar": "fecha_vigencia IS NULL OR fecha_vigencia > fecha_publicacion",
}


def _normas():
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sobre_remuneracion', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('fecha_notificacion', sa.Date(), nullable=True))
        for nombre in ANTES:
            batch_op.drop_constraint(op.f(f'ck_norma_municipal_{nombre}'), type_='check')
    # datos existentes según el efecto de cada tipo: el acuerdo rige desde su adopción; la resolución vigente
    # se tuvo por notificada al publicarse (o al emitirse); el edicto publicado es un aviso sin vigencia
    op.execute(sa.text("UPDATE norma_municipal SET fecha_vigencia = fecha_emision, estado = 'vigente' "
                       "WHERE tipo = 'acuerdo_concejo' AND estado = 'aprobada' AND fecha_emision <= CURRENT_DATE"))
    op.execute(sa.text("UPDATE norma_municipal SET fecha_notificacion = COALESCE(fecha_publicacion, fecha_emision) "
                       "WHERE tipo IN ('resolucion_alcaldia', 'resolucion_concejo') AND estado = 'vigente'"))
    op.execute(sa.text("UPDATE norma_municipal SET estado = 'publicada', fecha_vigencia = NULL "
                       "WHERE tipo = 'edicto' AND estado IN ('publicada', 'vigente')"))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        for nombre, condicion in NUEVAS.items():
            batch_op.create_check_constraint(op.f(f'ck_norma_municipal_{nombre}'), condicion)


# días no laborables para el sector público decretados por el D.S. 042-2025-PCM (docs/reglas.md §1)
DS_042_2025_PCM = {date(2025, 5, 2): "Día no laborable (D.S. 042-2025-PCM)",
                   date(2025, 12, 26): "Día no laborable (D.S. 042-2025-PCM)",
                   date(2026, 1, 2): "Día no laborable (D.S. 042-2025-PCM)"}
FERIADO = sa.table("feriado", sa.column("fecha", sa.Date), sa.column("nombre", sa.String),
                   sa.column("tipo", sa.String), sa.column("creado_en", sa.DateTime(timezone=True)))


def _calendario():
    """Una instalación nueva no se queda sin calendario: los no laborables decretados conocidos y los feriados
    nacionales del año en curso y del siguiente (luego los mantienen `servir` y la tarea diaria)."""
    conexion = op.get_bind()
    ahora = datetime.now(UTC)
    if conexion.dialect.name == "sqlite":
        ahora = ahora.replace(tzinfo=None)
    anio = datetime.now(ZoneInfo("America/Lima")).year
    nuevos = [(f, n, "no_laborable") for f, n in DS_042_2025_PCM.items()]
    nuevos += [(f, n[:150], "nacional") for f, n in
               sorted(holidays.country_holidays("PE", years=(anio, anio + 1), language="es").items())]
    existentes = set(conexion.execute(sa.select(FERIADO.c.fecha)).scalars())
    filas = [{"fecha": f, "nombre": n, "tipo": t, "creado_en": ahora} for f, n, t in nuevos if f not in existentes]
    if filas:
        op.bulk_insert(FERIADO, filas)
        # los procesos que tengan el calendario en caché lo releen (services/calendario.py)
        op.execute(sa.text("UPDATE correlativo SET ultimo = ultimo + 1 WHERE clave = 'calendario:version'"))


ESTADOS_NORMA = ("proyecto", "aprobada", "publicada", "vigente", "derogada")


def _estados(lista):
    return "estado IN (" + ", ".join(f"'{e}'" for e in lista) + ")"


def _proyectos():
    op.execute(sa.text("UPDATE norma_municipal SET estado = 'aprobada' WHERE estado = 'proyecto' "
                       "AND numero IS NOT NULL"))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.alter_column('numero', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('codigo', existing_type=sa.String(length=80), nullable=True)
        batch_op.add_column(sa.Column('considerandos', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('articulos', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('motivo_anulacion', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_norma_municipal_estado_norma'), type_='check')
        batch_op.create_check_constraint(op.f('ck_norma_municipal_estado_norma'),
                                         _estados((*ESTADOS_NORMA, "anulada")))
        batch_op.create_check_constraint(op.f('ck_norma_municipal_numero_al_aprobar'),
                                         "(estado = 'proyecto') = (numero IS NULL)")
        batch_op.create_check_constraint(op.f('ck_norma_municipal_codigo_con_numero'),
                                         "(numero IS NULL) = (codigo IS NULL)")
        batch_op.create_check_constraint(op.f('ck_norma_municipal_anulada_con_motivo'),
                                         "estado <> 'anulada' OR motivo_anulacion IS NOT NULL")


def _sin_proyectos():
    op.execute(sa.text("DELETE FROM norma_municipal WHERE numero IS NULL"))
    op.execute(sa.text("UPDATE norma_municipal SET estado = 'derogada' WHERE estado = 'anulada'"))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        for nombre in ("numero_al_aprobar", "codigo_con_numero", "anulada_con_motivo", "estado_norma"):
            batch_op.drop_constraint(op.f(f'ck_norma_municipal_{nombre}'), type_='check')
        batch_op.create_check_constraint(op.f('ck_norma_municipal_estado_norma'), _estados(ESTADOS_NORMA))
        batch_op.drop_column('motivo_anulacion')
        batch_op.drop_column('articulos')
        batch_op.drop_column('considerandos')
        batch_op.alter_column('codigo', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('numero', existing_type=sa.Integer(), nullable=False)


def _triggers_sqlite_de(tabla):
    """En SQLite, recrear la tabla (batch) borra sus triggers: se guardan para volver a crearlos tal como estén."""
    conexion = op.get_bind()
    if conexion.dialect.name != "sqlite":
        return []
    return list(conexion.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                                 {"t": tabla}).scalars())


def _acta_check(condicion, columna=None):
    triggers = _triggers_sqlite_de("acta")
    with op.batch_alter_table('acta', schema=None) as batch_op:
        if columna is not None:
            batch_op.add_column(columna)
        batch_op.drop_constraint(op.f('ck_acta_aprobada_en_otra'), type_='check')
        batch_op.create_check_constraint(op.f('ck_acta_aprobada_en_otra'), condicion)
    for sql in triggers:
        op.execute(sa.text(sql))


def _dispensa():
    """Dispensa de la aprobación del acta: votada en la sesión, el acta se aprueba en la misma."""
    _acta_check("aprobada_en_id IS NULL OR aprobada_en_id <> sesion_id OR con_dispensa",
                sa.Column('con_dispensa', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    _claves_foraneas(False)
    _sin_comisiones()
    op.execute(sa.text("UPDATE punto_agenda SET materia = 'general' WHERE materia = 'dispensa_acta'"))
    triggers = _triggers_sqlite_de("acta")
    with op.batch_alter_table('acta', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_acta_aprobada_en_otra'), type_='check')
        batch_op.create_check_constraint(op.f('ck_acta_aprobada_en_otra'),
                                         "aprobada_en_id IS NULL OR aprobada_en_id <> sesion_id")
        batch_op.drop_column('con_dispensa')
    for sql in triggers:
        op.execute(sa.text(sql))
    _sin_proyectos()
    op.execute(FERIADO.delete().where(FERIADO.c.fecha.in_(list(DS_042_2025_PCM)),
                                      FERIADO.c.tipo == "no_laborable",
                                      FERIADO.c.nombre == "Día no laborable (D.S. 042-2025-PCM)"))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        for nombre in NUEVAS:
            batch_op.drop_constraint(op.f(f'ck_norma_municipal_{nombre}'), type_='check')
    op.execute(sa.text("UPDATE norma_municipal SET estado = 'aprobada', fecha_vigencia = NULL "
                       "WHERE estado IN ('publicada', 'vigente') AND fecha_publicacion IS NULL"))
    op.execute(sa.text("UPDATE norma_municipal SET fecha_vigencia = NULL "
                       "WHERE fecha_vigencia IS NOT NULL AND fecha_publicacion IS NULL"))
    op.execute(sa.text("UPDATE norma_municipal SET estado = 'aprobada' WHERE estado IN ('publicada', 'vigente') "
                       "AND fecha_vigencia IS NULL"))
    op.execute(sa.text("UPDATE norma_municipal SET fecha_vigencia = NULL, estado = 'aprobada' "
                       "WHERE fecha_vigencia IS NOT NULL AND fecha_vigencia <= fecha_publicacion"))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        for nombre, condicion in ANTES.items():
            batch_op.create_check_constraint(op.f(f'ck_norma_municipal_{nombre}'), condicion)
        batch_op.drop_column('fecha_notificacion')
        batch_op.drop_column('sobre_remuneracion')
    with op.batch_alter_table('procedimiento_tupa', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_procedimiento_tupa_automatica_sin_plazo'), type_='check')
    op.execute(sa.text("UPDATE punto_agenda SET materia = 'vacancia' WHERE materia = 'suspension'"))
    with op.batch_alter_table('punto_agenda', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_punto_agenda_materia'), type_='check')
        batch_op.create_check_constraint(op.f('ck_punto_agenda_materia'), _check_en(MATERIAS))
    _claves_foraneas(True)
