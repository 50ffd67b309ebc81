"""Casilla electrónica, pantallas del personal (issue 27, parte B): permisos de *Casillas electrónicas* (crear en
el mostrador, validar, bloquear) y *Depósitos en casillas* (con su lectura) para los roles que ya existen. Solo
datos: ninguna tabla cambia.

Revision ID: 01d318368fa1
Revises: d82fa2129588
Create Date: 2026-12-07 10:00:00

"""
from services.permisos import conceder, retirar


# revision identifiers, used by Alembic.
revision = '01d318368fa1'
down_revision = 'd82fa2129588'
branch_labels = None
depends_on = None

# lo mismo que declara cada vista (admin_views/casilla.py, permisos_por_defecto); el auditor lo agrega conceder
PERMISOS = {"cuenta_casilla": {"mesa_partes": "vce", "secretaria_general": "vce"},
            "deposito_casilla": {"mesa_partes": "v", "secretaria_general": "v"}}


def upgrade():
    conceder(PERMISOS)


def downgrade():
    retirar(*PERMISOS)
