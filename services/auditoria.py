"""Auditoría: cada alta, cambio y baja hecha por el ORM deja un `RegistroAuditoria`.

Un único mecanismo en la sesión (no un decorador por vista): cubre vistas,
acciones masivas, ajax_update, servicios y CLI. Los cambios se guardan como
`{campo: [antes, después]}`. Acciones sin fila (login, exportar, imprimir) se
registran con `registrar()`.
"""

from __future__ import annotations

import decimal
import enum
import hashlib
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from models import Correlativo, EnlaceCasilla, RegistroAuditoria, ahora, db

# los enlaces de la casilla no: su pedido ya se registra (services/casilla.py) y así un pedido para una cuenta que
# no existe deja el mismo rastro que uno para una que sí
NO_AUDITAR = {RegistroAuditoria, Correlativo, EnlaceCasilla}
# la clave de consulta del ciudadano y el secreto de su segundo factor tampoco quedan en la bitácora
OCULTOS = {"password_hash", "clave", "totp_secreto"}


def _valor(v):
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bytes):  # un archivo guardado en la base (el Word del acta aprobada): su huella
        return f"{len(v)} bytes, SHA-256 {hashlib.sha256(v).hexdigest()}"
    return v


def _contexto() -> tuple[int | None, str | None]:
    """(usuario, ip) de la petición en curso; fuera de una petición, el de la CLI si lo hay."""
    if not has_request_context():
        return (getattr(g, "usuario_cli_id", None) if has_app_context() else None), None
    from flask_login import current_user

    uid = current_user.id if current_user and current_user.is_authenticated else None
    return uid, request.remote_addr


def _cambios(obj, creado: bool, borrado: bool) -> dict:
    estado = inspect(obj)
    cambios = {}
    for attr in estado.mapper.column_attrs:
        clave = attr.key
        if clave in ("creado_en", "actualizado_en", "creado_por_id"):
            continue
        hist = estado.attrs[clave].history
        if creado:
            nuevo = getattr(obj, clave)
            if nuevo is not None:
                cambios[clave] = [None, _valor(nuevo)]
        elif borrado:
            viejo = hist.unchanged[0] if hist.unchanged else (hist.deleted[0] if hist.deleted else None)
            if viejo is not None:
                cambios[clave] = [_valor(viejo), None]
        elif hist.has_changes():
            antes = hist.deleted[0] if hist.deleted else None
            despues = hist.added[0] if hist.added else None
            if _valor(antes) != _valor(despues):
                cambios[clave] = [_valor(antes), _valor(despues)]
    for clave in OCULTOS & cambios.keys():
        cambios[clave] = ["***", "***"] if not borrado else ["***", None]
    return cambios


def registrar(accion: str, entidad: str, entidad_id: int | None = None, detalle: str | None = None,
              cambios: dict | None = None, usuario_id: int | None = None, session: Session | None = None):
    """Registra una acción que no es un cambio de fila (login, exportar, imprimir…)."""
    uid, ip = _contexto()
    (session or db.session).execute(
        sa.insert(RegistroAuditoria.__table__).values(
            momento=ahora(),
            usuario_id=usuario_id if usuario_id is not None else uid, ip=ip, accion=accion,
            entidad=entidad, entidad_id=entidad_id, cambios=cambios, detalle=detalle,
        )
    )


@event.listens_for(Session, "before_flush")
def _antes_de_guardar(session, flush_context, instances):
    # Trazabilidad: quién creó la fila
    uid, _ = _contexto()
    for obj in session.new:
        if hasattr(obj, "creado_por_id") and obj.creado_por_id is None and uid:
            obj.creado_por_id = uid


@event.listens_for(Session, "after_flush")
def _despues_de_guardar(session, flush_context):
    if session.info.get("sin_auditoria"):
        return
    filas = []
    uid, ip = _contexto()
    momento = ahora()
    for coleccion, accion in ((session.new, "crear"), (session.dirty, "editar"), (session.deleted, "eliminar")):
        for obj in coleccion:
            if type(obj) in NO_AUDITAR or not hasattr(obj, "__tablename__"):
                continue
            if accion == "editar" and not session.is_modified(obj, include_collections=False):
                continue
            cambios = _cambios(obj, accion == "crear", accion == "eliminar")
            if accion == "editar" and not cambios:
                continue
            if accion == "editar" and getattr(obj, "_accion_auditoria", None):
                accion_fila = obj._accion_auditoria
            else:
                accion_fila = accion
            filas.append(dict(momento=momento, usuario_id=uid, ip=ip, accion=accion_fila,
                              entidad=obj.__tablename__, entidad_id=inspect(obj).dict.get("id"),
                              cambios=cambios, detalle=None))
    if filas:
        session.connection().execute(sa.insert(RegistroAuditoria.__table__), filas)
