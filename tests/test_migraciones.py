"""Migraciones reales (Alembic) sobre una base VACÍA: idempotentes y al día con los modelos."""

from __future__ import annotations

import sys

import flask_migrate
import pytest
import sqlalchemy as sa

from models import RegistroAuditoria, ahora, db


class _ConfigConSalida(flask_migrate.Config):
    """alembic.Config toma como salida el sys.stdout de cuando se importó: aquí, el de la invocación."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("stdout", sys.stdout)
        super().__init__(*args, **kwargs)


def test_upgrade_idempotente_y_check(app_vacia, monkeypatch):
    monkeypatch.setattr(flask_migrate, "Config", _ConfigConSalida)
    runner = app_vacia.test_cli_runner()
    for _ in range(2):
        r = runner.invoke(args=["db", "upgrade"])
        assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        tablas = set(sa.inspect(db.engine).get_table_names())
    assert {"alembic_version", "expediente", "derivacion", "feriado", "persona", "registro_auditoria",
            "usuario", "rol", "permiso", "correlativo"} <= tablas

    r = runner.invoke(args=["db", "check"])
    assert r.exit_code == 0, r.output
    assert "No new upgrade operations detected" in r.output


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_bitacora_inmutable_en_postgres(app_vacia):
    r = app_vacia.test_cli_runner().invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        db.session.execute(sa.insert(RegistroAuditoria.__table__).values(
            momento=ahora(), accion="login", entidad="usuario", entidad_id=1, detalle="prueba"))
        db.session.commit()
        for sentencia in ("UPDATE registro_auditoria SET detalle = 'alterado'", "DELETE FROM registro_auditoria"):
            with pytest.raises(sa.exc.DBAPIError, match="registro_auditoria es de solo agregado"):
                db.session.execute(sa.text(sentencia))
            db.session.rollback()
        assert db.session.execute(sa.select(RegistroAuditoria.detalle)).scalars().all() == ["prueba"]


def test_downgrade_y_vuelta(app_vacia):
    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    r = runner.invoke(args=["db", "downgrade", "base"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        assert "registro_auditoria" in sa.inspect(db.engine).get_table_names()


def test_una_instalacion_existente_recibe_los_permisos_del_concejo(app_vacia):
    """Una base ya en uso (roles creados antes del Concejo) recibe, al actualizar, los permisos por defecto de
    las pantallas nuevas; sin tocar los que el administrador ya había cambiado."""
    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "5c1e0b7d9a42"]).exit_code == 0  # la anterior al Concejo
    with app_vacia.app_context():
        for codigo in ("secretaria_general", "concejo", "unidad"):
            db.session.execute(sa.text("INSERT INTO rol (codigo, nombre, alcance, creado_en) "
                                       "VALUES (:c, :c, 'todas', CURRENT_TIMESTAMP)"), {"c": codigo})
        db.session.commit()
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        filas = set(db.session.execute(sa.text(
            "SELECT r.codigo, p.vista, p.accion FROM permiso p JOIN rol r ON r.id = p.rol_id")).all())
    assert ("concejo", "sesion_concejo", "ver") in filas and ("concejo", "reporte_concejo", "exportar") in filas
    assert ("concejo", "sesion_concejo", "editar") not in filas
    assert ("secretaria_general", "sesion_concejo", "crear") in filas
    assert ("secretaria_general", "acta", "editar") in filas and ("secretaria_general", "acta", "crear") not in filas
    assert ("unidad", "norma_municipal", "ver") in filas and ("unidad", "sesion_concejo", "ver") not in filas
