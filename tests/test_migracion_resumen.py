"""Las migraciones del resumen diario (b8c9d0e1f2a3) y de los tipos que se notifican (c9d0e1f2a3b4) sobre una base
con datos: completan `fecha_primera_derivacion` de cada expediente con su primera derivación, dejan el resumen
sin validar (el reporte calcula en vivo hasta la primera tarea diaria), marcan los tipos que se notifican por su
nombre y se revierten limpias, también en SQLite con claves foráneas."""

from __future__ import annotations

import sqlalchemy as sa

from models import db
from tests.conftest import CLAVE

ANTERIOR = "a7b8c9d0e1f2"


def test_completa_la_primera_derivacion_de_lo_que_ya_existia(app_vacia):
    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    r = runner.invoke(args=["demo", "--password", CLAVE, "--expedientes", "40"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["db", "downgrade", ANTERIOR])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        tablas = sa.inspect(db.engine).get_table_names()
        assert "resumen_derivacion" not in tablas and "estado_resumen" not in tablas
        assert "fecha_primera_derivacion" not in {c["name"] for c in sa.inspect(db.engine).get_columns("expediente")}
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        filas = db.session.execute(sa.text(
            "SELECT e.id, e.fecha_primera_derivacion, (SELECT MIN(d.fecha_envio) FROM derivacion d "
            "WHERE d.expediente_id = e.id) FROM expediente e")).all()
        derivados = [f for f in filas if f[2] is not None]
        assert len(derivados) >= 40  # los sintéticos (dos derivaciones cada uno)
        assert all(f[1] == f[2] for f in filas)
        assert db.session.execute(sa.text("SELECT count(*) FROM estado_resumen")).scalar() == 0
        # c9d0e1f2a3b4: los tipos que ya existían se notifican según su nombre (oficios, cartas, resoluciones)
        notifican = set(db.session.scalars(sa.text("SELECT nombre FROM tipo_documento WHERE se_notifica")))
        assert notifican == {"Oficio", "Carta", "Resolución"}
