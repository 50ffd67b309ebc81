"""Identificadores en su forma canónica (NFKC; issue 20, ítem 14): los números de documento de las personas y los
nombres de usuario ya guardados con dígitos o letras de ancho completo («２５９８８０００») pasan a los comunes, como los
guarda ahora el modelo. Uno que al normalizarse chocaría con otra fila ya existente (un duplicado parecido) se deja
como está y se informa en la salida de la migración: lo fusiona la oficina. Solo datos: ninguna tabla cambia.

Revision ID: 2212824320a9
Revises: ff132c7a2875
Create Date: 2026-12-06 15:00:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2212824320a9'
down_revision = 'ff132c7a2875'
branch_labels = None
depends_on = None


def _normalizar(tabla, clave: str, columnas: tuple[str, ...], forma) -> None:
    conexion = op.get_bind()
    t = sa.table(tabla, sa.column("id"), *(sa.column(c) for c in columnas))
    filas = conexion.execute(sa.select(t)).mappings().all()
    existentes = {tuple(f[c] for c in columnas) for f in filas}
    for f in filas:
        valor = f[clave]
        nuevo = forma(valor) if valor is not None else None
        if nuevo == valor:
            continue
        llave = tuple(nuevo if c == clave else f[c] for c in columnas)
        if llave in existentes:
            print(f"[identificadores] {tabla} {f['id']}: «{valor}» es un duplicado de «{nuevo}»; fusiónelo a mano")
            continue
        conexion.execute(sa.update(t).where(t.c.id == f["id"]).values({clave: nuevo}))
        existentes.add(llave)


def upgrade():
    _normalizar("persona", "numero_documento", ("tipo_documento", "numero_documento"),
                lambda v: unicodedata.normalize("NFKC", v).strip().upper())
    _normalizar("usuario", "username", ("username",), lambda v: unicodedata.normalize("NFKC", v).strip().lower())


def downgrade():
    pass  # la forma anterior no se guarda: los valores normalizados son los mismos para quien los lee
