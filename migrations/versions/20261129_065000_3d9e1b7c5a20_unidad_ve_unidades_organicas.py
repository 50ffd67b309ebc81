"""El rol «unidad» ve las unidades orgánicas: la búsqueda ajax de la unidad de destino exige «ver» del
modelo buscado (endurecimiento de las búsquedas ajax).

Revision ID: 3d9e1b7c5a20
Revises: b7e3c1a9d5f2
Create Date: 2026-11-29 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d9e1b7c5a20'
down_revision = 'b7e3c1a9d5f2'
branch_labels = None
depends_on = None

# permisos que recibe el rol por defecto ya creado (un rol nuevo los toma de services/semilla.py)
PERMISOS = {"unidad": {"unidad_organica": ("ver", "exportar")}}


def _tablas():
    rol = sa.table("rol", sa.column("id", sa.Integer), sa.column("codigo", sa.String))
    permiso = sa.table("permiso", sa.column("rol_id", sa.Integer), sa.column("vista", sa.String),
                       sa.column("accion", sa.String))
    return rol, permiso


def upgrade():
    conexion = op.get_bind()
    rol, permiso = _tablas()
    ids = dict(conexion.execute(sa.select(rol.c.codigo, rol.c.id)).all())
    filas = [{"rol_id": ids[codigo], "vista": vista, "accion": accion}
             for codigo, vistas in PERMISOS.items() if codigo in ids
             for vista, acciones in vistas.items() for accion in acciones]
    existentes = set(conexion.execute(sa.select(permiso.c.rol_id, permiso.c.vista, permiso.c.accion)).all())
    filas = [f for f in filas if (f["rol_id"], f["vista"], f["accion"]) not in existentes]
    if filas:
        op.bulk_insert(permiso, filas)


def downgrade():
    conexion = op.get_bind()
    rol, permiso = _tablas()
    ids = dict(conexion.execute(sa.select(rol.c.codigo, rol.c.id)).all())
    for codigo, vistas in PERMISOS.items():
        if codigo not in ids:
            continue
        for vista, acciones in vistas.items():
            conexion.execute(sa.delete(permiso).where(permiso.c.rol_id == ids[codigo], permiso.c.vista == vista,
                                                      permiso.c.accion.in_(acciones)))
