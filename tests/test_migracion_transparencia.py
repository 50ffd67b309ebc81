"""La migración de transparencia (c4d8e2f6a913) sobre una instalación que ya tiene sus roles: les da los permisos
por defecto de las pantallas nuevas (los de services/semilla.py), siembra el catálogo de excepciones y se revierte
limpia."""

from __future__ import annotations

import sqlalchemy as sa

from models import db
from services.semilla import acciones_por_defecto

NUEVAS = ("solicitud_acceso", "excepcion_transparencia", "reporte_transparencia")


def test_instalacion_existente_recibe_los_permisos(app_vacia):  # noqa: F811
    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b7e3c1a9d052"]).exit_code == 0
    with app_vacia.app_context():
        for i, codigo in enumerate(("transparencia", "secretaria_general", "auditor", "unidad"), start=1):
            db.session.execute(sa.text(
                "INSERT INTO rol (id, codigo, nombre, alcance, creado_en) VALUES "
                f"({i}, '{codigo}', '{codigo}', 'todas', CURRENT_TIMESTAMP)"))
        db.session.commit()
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        filas = db.session.execute(sa.text(
            "SELECT r.codigo, p.vista, p.accion FROM permiso p JOIN rol r ON r.id = p.rol_id")).all()
        for codigo in ("transparencia", "secretaria_general", "auditor", "unidad"):
            dados = {(v, a) for c, v, a in filas if c == codigo and v in NUEVAS}
            esperados = {(v, a) for v, a in acciones_por_defecto(codigo) if v in NUEVAS}
            assert dados == esperados, codigo
        assert ("solicitud_acceso", "crear") in {(v, a) for c, v, a in filas if c == "transparencia"}
        assert not any(c == "unidad" and v in NUEVAS for c, v, _ in filas)
        codigos = db.session.scalars(sa.text("SELECT codigo FROM excepcion_transparencia ORDER BY id")).all()
        assert codigos == ["15", "16", "17.1", "17.2", "17.3", "17.4", "17.5", "17.6"]
    r = runner.invoke(args=["db", "downgrade", "b7e3c1a9d052"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        assert db.session.execute(sa.text(
            "SELECT count(*) FROM permiso WHERE vista IN ('solicitud_acceso', 'excepcion_transparencia', "
            "'reporte_transparencia')")).scalar() == 0
        assert "solicitud_acceso" not in sa.inspect(db.engine).get_table_names()
