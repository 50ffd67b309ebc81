"""Reglas legales (issue 11): materia «suspensión» en la agenda del concejo; aprobación automática sin plazo;
efecto de las normas por tipo (acuerdos sobre remuneración, notificación de resoluciones, edictos sin vigencia).

Revision ID: b7e3c1a9d5f2
Revises: f14a7f0c2d1c
Create Date: 2026-11-29 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c1a9d5f2'
down_revision = 'f14a7f0c2d1c'
branch_labels = None
depends_on = None

MATERIAS = ("general", "ordenanza", "acuerdo", "vacancia", "bienes_municipales", "postergacion")


def _check_en(lista):
    return "materia IN (" + ", ".join(f"'{m}'" for m in lista) + ")"


def upgrade():
    with op.batch_alter_table('punto_agenda', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_punto_agenda_materia'), type_='check')
        batch_op.create_check_constraint(op.f('ck_punto_agenda_materia'), _check_en((*MATERIAS, "suspension")))
    # aprobación automática (LPAG art. 33): se aprueba al presentarse, sin plazo
    op.execute(sa.text("UPDATE procedimiento_tupa SET plazo_dias_habiles = 0 "
                       "WHERE silencio = 'aprobacion_automatica'"))
    with op.batch_alter_table('procedimiento_tupa', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_procedimiento_tupa_automatica_sin_plazo'),
                                         "silencio <> 'aprobacion_automatica' OR plazo_dias_habiles = 0")
    _normas()


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
    # datos existentes según el efecto de cada tipo: el acuerdo rige desde su adopción; la resolución vigente
    # se tuvo por notificada al publicarse (o al emitirse); el edicto publicado es un aviso sin vigencia
    op.execute(sa.text("UPDATE norma_municipal SET fecha_vigencia = fecha_emision, estado = 'vigente' "
                       "WHERE tipo = 'acuerdo_concejo' AND estado = 'aprobada' AND fecha_emision <= CURRENT_DATE"))
    op.execute(sa.text("UPDATE norma_municipal SET fecha_notificacion = COALESCE(fecha_publicacion, fecha_emision) "
                       "WHERE tipo IN ('resolucion_alcaldia', 'resolucion_concejo') AND estado = 'vigente'"))
    op.execute(sa.text("UPDATE norma_municipal SET estado = 'publicada', fecha_vigencia = NULL "
                       "WHERE tipo = 'edicto' AND estado IN ('publicada', 'vigente')"))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        for nombre in ANTES:
            batch_op.drop_constraint(op.f(f'ck_norma_municipal_{nombre}'), type_='check')
        for nombre, condicion in NUEVAS.items():
            batch_op.create_check_constraint(op.f(f'ck_norma_municipal_{nombre}'), condicion)


def downgrade():
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
