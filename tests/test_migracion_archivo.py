"""La migración del archivo central (e1a2c3b4d5f6) sobre una instalación que ya tiene sus roles: les da los permisos
que declaran las pantallas del archivo (los mismos de la semilla) y se revierte limpia, en SQLite y PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from models import db
from services.semilla import acciones_por_defecto

ANTERIOR = "d5e6f7a8b9c0"
NUEVAS = ("serie_documental", "ubicacion", "unidad_conservacion", "transferencia", "prestamo", "eliminacion",
          "buscar_archivo", "ocupacion_archivo", "retencion_archivo")
ROLES = ("archivo", "secretaria_general", "unidad", "auditor", "mesa_partes")


def test_instalacion_existente_recibe_los_permisos_del_archivo(app_vacia):
    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", ANTERIOR]).exit_code == 0
    with app_vacia.app_context():
        for i, codigo in enumerate(ROLES, start=1):
            db.session.execute(sa.text(
                "INSERT INTO rol (id, codigo, nombre, alcance, creado_en) VALUES "
                f"({i}, '{codigo}', '{codigo}', 'todas', CURRENT_TIMESTAMP)"))
        db.session.commit()
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        filas = db.session.execute(sa.text(
            "SELECT r.codigo, p.vista, p.accion FROM permiso p JOIN rol r ON r.id = p.rol_id")).all()
        for codigo in ROLES:
            dados = {(v, a) for c, v, a in filas if c == codigo and v in NUEVAS}
            esperados = {(v, a) for v, a in acciones_por_defecto(codigo) if v in NUEVAS}
            assert dados == esperados, codigo
        assert ("eliminacion", "editar") in {(v, a) for c, v, a in filas if c == "archivo"}
        assert not any(c == "mesa_partes" and v in NUEVAS for c, v, _ in filas)
        assert "unidad_conservacion_id" in {c["name"] for c in sa.inspect(db.engine).get_columns("expediente")}
    r = runner.invoke(args=["db", "downgrade", ANTERIOR])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        vistas = ", ".join(f"'{v}'" for v in NUEVAS)
        assert db.session.execute(sa.text(f"SELECT count(*) FROM permiso WHERE vista IN ({vistas})")).scalar() == 0
        inspector = sa.inspect(db.engine)
        assert "unidad_conservacion" not in inspector.get_table_names()
        assert "unidad_conservacion_id" not in {c["name"] for c in inspector.get_columns("expediente")}
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
