"""Búsqueda por palabra: índices trigrama (GIN pg_trgm en PostgreSQL; índice común en SQLite)

Revision ID: a603a17c1470
Revises: c5d5d4f786ff
Create Date: 2026-11-25 18:43:18.323440

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a603a17c1470'
down_revision = 'c5d5d4f786ff'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm es extensión «trusted» desde PostgreSQL 13: basta ser dueño de la base
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.create_index('ix_expediente_asunto_trgm', ['asunto'], unique=False, postgresql_using='gin', postgresql_ops={'asunto': 'gin_trgm_ops'})
        batch_op.create_index('ix_expediente_codigo_trgm', ['codigo'], unique=False, postgresql_using='gin', postgresql_ops={'codigo': 'gin_trgm_ops'})

    with op.batch_alter_table('persona', schema=None) as batch_op:
        batch_op.create_index('ix_persona_apellidos_trgm', ['apellidos'], unique=False, postgresql_using='gin', postgresql_ops={'apellidos': 'gin_trgm_ops'})
        batch_op.create_index('ix_persona_nombres_trgm', ['nombres'], unique=False, postgresql_using='gin', postgresql_ops={'nombres': 'gin_trgm_ops'})
        batch_op.create_index('ix_persona_numero_documento_trgm', ['numero_documento'], unique=False, postgresql_using='gin', postgresql_ops={'numero_documento': 'gin_trgm_ops'})
        batch_op.create_index('ix_persona_razon_social_trgm', ['razon_social'], unique=False, postgresql_using='gin', postgresql_ops={'razon_social': 'gin_trgm_ops'})



def downgrade():
    with op.batch_alter_table('persona', schema=None) as batch_op:
        batch_op.drop_index('ix_persona_razon_social_trgm', postgresql_using='gin', postgresql_ops={'razon_social': 'gin_trgm_ops'})
        batch_op.drop_index('ix_persona_numero_documento_trgm', postgresql_using='gin', postgresql_ops={'numero_documento': 'gin_trgm_ops'})
        batch_op.drop_index('ix_persona_nombres_trgm', postgresql_using='gin', postgresql_ops={'nombres': 'gin_trgm_ops'})
        batch_op.drop_index('ix_persona_apellidos_trgm', postgresql_using='gin', postgresql_ops={'apellidos': 'gin_trgm_ops'})

    with op.batch_alter_table('expediente', schema=None) as batch_op:
        batch_op.drop_index('ix_expediente_codigo_trgm', postgresql_using='gin', postgresql_ops={'codigo': 'gin_trgm_ops'})
        batch_op.drop_index('ix_expediente_asunto_trgm', postgresql_using='gin', postgresql_ops={'asunto': 'gin_trgm_ops'})

