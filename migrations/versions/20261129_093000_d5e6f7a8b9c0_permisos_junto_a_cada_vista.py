"""Permisos junto a cada vista: «anular» es una acción de la matriz de permisos (antes, la lista ROLES_ANULAN de la
configuración para expedientes, y «editar» para documentos emitidos y normas).

Revision ID: d5e6f7a8b9c0
Revises: c4d8e2f6a913
Create Date: 2026-11-29 09:30:00

"""
from alembic import op
import sqlalchemy as sa

from services.permisos import conceder, retirar

# revision identifiers, used by Alembic.
revision = 'd5e6f7a8b9c0'
down_revision = 'c4d8e2f6a913'
branch_labels = None
depends_on = None

ANTES = ('ver', 'crear', 'editar', 'eliminar', 'exportar')
# pantallas donde anular era parte de «editar»: quien hoy edita, conserva la anulación
ANULABAN_CON_EDITAR = ('documento_emitido', 'norma_municipal')


def _check(valores):
    with op.batch_alter_table('permiso', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_permiso_accion_permiso'), type_='check')
        batch_op.create_check_constraint(op.f('ck_permiso_accion_permiso'),
                                         "accion IN (" + ", ".join(f"'{v}'" for v in valores) + ")")


def upgrade():
    _check((*ANTES, 'anular'))
    # expedientes: los roles de ROLES_ANULAN por defecto (la opción de configuración desaparece)
    conceder({'expediente': {'secretaria_general': 'a', 'mesa_partes': 'a'}})
    conexion = op.get_bind()
    rol = sa.table('rol', sa.column('id', sa.Integer), sa.column('codigo', sa.String))
    permiso = sa.table('permiso', sa.column('rol_id', sa.Integer), sa.column('vista', sa.String),
                       sa.column('accion', sa.String))
    editan = conexion.execute(sa.select(rol.c.codigo, permiso.c.vista).join(rol, rol.c.id == permiso.c.rol_id)
                              .where(permiso.c.vista.in_(ANULABAN_CON_EDITAR), permiso.c.accion == 'editar')).all()
    por_vista = {}
    for codigo, vista in editan:
        por_vista.setdefault(vista, {})[codigo] = 'a'
    conceder(por_vista)


def downgrade():
    retirar('expediente', *ANULABAN_CON_EDITAR, solo=('anular',))
    op.execute(sa.text("DELETE FROM permiso WHERE accion = 'anular'"))
    _check(ANTES)
