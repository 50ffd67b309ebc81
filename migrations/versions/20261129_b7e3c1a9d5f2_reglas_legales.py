"""Reglas legales (issue 11): materia «suspensión» en la agenda del concejo; aprobación automática sin plazo.

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


def downgrade():
    with op.batch_alter_table('procedimiento_tupa', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_procedimiento_tupa_automatica_sin_plazo'), type_='check')
    op.execute(sa.text("UPDATE punto_agenda SET materia = 'vacancia' WHERE materia = 'suspension'"))
    with op.batch_alter_table('punto_agenda', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_punto_agenda_materia'), type_='check')
        batch_op.create_check_constraint(op.f('ck_punto_agenda_materia'), _check_en(MATERIAS))
