"""Normas firmadas y transcripciones (issue 26, punto 7): en la redacción de una norma, quien da fe (el Secretario
General, después de la firma del alcalde) y el momento de la firma del alcalde; la norma que transcribe una
transcripción; el permiso «firmar» en Normas municipales (iniciar el PDF firmado y transcribir un acuerdo).

Revision ID: 95cf7c1797ab
Revises: 740a88beb4d1
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa

from services.permisos import conceder

# revision identifiers, used by Alembic.
revision = '95cf7c1797ab'
down_revision = '740a88beb4d1'
branch_labels = None
depends_on = None

CLAVES = (('da_fe_id', 'usuario'), ('norma_transcrita_id', 'norma_municipal'))
CHECK = ("firma_titular_en IS NULL OR (da_fe_id IS NOT NULL AND estado IN ('por_firmar', 'firmado'))")


def upgrade():
    # columnas nuevas sin batch: en SQLite, recrear `redaccion` (que otras tablas apuntan) fallaría con datos
    sqlite = op.get_bind().dialect.name == "sqlite"
    for columna, tabla in CLAVES:
        if sqlite:
            op.execute(sa.text(f"ALTER TABLE redaccion ADD COLUMN {columna} INTEGER REFERENCES {tabla} (id)"))
        else:
            op.add_column('redaccion', sa.Column(columna, sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f'fk_redaccion_{columna}_{tabla}'), 'redaccion', tabla, [columna], ['id'])
    op.add_column('redaccion', sa.Column('firma_titular_en', sa.DateTime(timezone=True), nullable=True))
    if not sqlite:  # SQLite no agrega restricciones a una tabla existente; el modelo la revisa igual al guardar
        op.create_check_constraint(op.f('ck_redaccion_fe_despues_de_la_firma'), 'redaccion', CHECK)
    conceder({'norma_municipal': {'secretaria_general': 'f'}})


def downgrade():
    op.execute(sa.text("DELETE FROM permiso WHERE vista = 'norma_municipal' AND accion = 'firmar'"))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite no borra una columna con clave foránea y recrear `redaccion` con datos arrastraría (ON DELETE
        # CASCADE) sus revisores: las columnas quedan, vacías e ignoradas por la versión anterior
        return
    op.drop_constraint(op.f('ck_redaccion_fe_despues_de_la_firma'), 'redaccion', type_='check')
    for columna, tabla in CLAVES:
        op.drop_constraint(op.f(f'fk_redaccion_{columna}_{tabla}'), 'redaccion', type_='foreignkey')
    for columna in ('firma_titular_en', 'norma_transcrita_id', 'da_fe_id'):
        op.drop_column('redaccion', columna)
