"""Correlativos: `INSERT … ON CONFLICT DO UPDATE … RETURNING` sobre `Correlativo`.

La fila queda bloqueada hasta el fin de la transacción (PostgreSQL: bloqueo de
fila; SQLite: la escritura serializa la base), así que dos empleados nunca
obtienen el mismo número y una transacción revertida no deja huecos.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models import Correlativo, db


def siguiente(clave: str, session=None) -> int:
    session = session or db.session
    dialecto = session.get_bind().dialect.name
    insert = postgresql.insert if dialecto == "postgresql" else sqlite.insert
    tabla = Correlativo.__table__
    stmt = (
        insert(tabla)
        .values(clave=clave, ultimo=1)
        .on_conflict_do_update(index_elements=[tabla.c.clave], set_={"ultimo": tabla.c.ultimo + 1})
        .returning(tabla.c.ultimo)
    )
    return session.execute(stmt).scalar_one()


def fijar_minimo(clave: str, valor: int, session=None) -> None:
    """Asegura que el correlativo no sea menor que `valor` (cargas masivas)."""
    session = session or db.session
    dialecto = session.get_bind().dialect.name
    insert = postgresql.insert if dialecto == "postgresql" else sqlite.insert
    tabla = Correlativo.__table__
    from sqlalchemy import case

    stmt = (
        insert(tabla)
        .values(clave=clave, ultimo=valor)
        .on_conflict_do_update(
            index_elements=[tabla.c.clave],
            set_={"ultimo": case((tabla.c.ultimo < valor, valor), else_=tabla.c.ultimo)},
        )
    )
    session.execute(stmt)


def siguiente_libre(clave: str, columna, *donde, session=None) -> int:
    """max(columna) + 1 entre las filas que cumplen `donde`, para números que también se escriben a mano y
    se reutilizan al borrar (el orden de un punto de agenda). La fila `clave` de Correlativo queda bloqueada
    hasta el fin de la transacción: dos peticiones a la vez no obtienen el mismo número."""
    session = session or db.session
    fijar_minimo(clave, 0, session)  # solo bloquea: el valor de la fila no cambia
    return (session.scalar(sa.select(sa.func.max(columna)).where(*donde)) or 0) + 1
