"""La migración de las reglas legales (b7e3c1a9d5f2) sobre una base en uso: no pierde votos ni relaciones de
normas (SQLite recrea tablas), conserva los triggers del acta aprobada y ajusta los datos al nuevo efecto por tipo."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import db


def test_base_en_uso_conserva_sus_datos(app_vacia):  # noqa: F811
    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "f14a7f0c2d1c"]).exit_code == 0
    with app_vacia.app_context():
        def x(q):
            return db.session.execute(sa.text(q))

        x("INSERT INTO periodo_municipal (id, nombre, inicio, fin, creado_en) VALUES "
          "(1, '2023-2026', '2023-01-01', '2026-12-31', CURRENT_TIMESTAMP)")
        x("INSERT INTO miembro_concejo (id, periodo_id, nombre, cargo, orden, habil, creado_en) VALUES "
          "(1, 1, 'Alcalde', 'alcalde', 0, true, CURRENT_TIMESTAMP)")
        for i, fecha in ((1, "2026-03-05 15:00:00"), (2, "2026-03-19 15:00:00")):
            x(f"INSERT INTO sesion_concejo (id, periodo_id, tipo, anio, numero, fecha_hora, modalidad, estado, "
              f"creado_en) VALUES ({i}, 1, 'ordinaria', 2026, {i}, '{fecha}', 'presencial', 'levantada', "
              "CURRENT_TIMESTAMP)")
        x("INSERT INTO punto_agenda (id, sesion_id, orden, seccion, titulo, materia, mayoria_requerida, resultado, "
          "creado_en) VALUES (1, 1, 1, 'orden_del_dia', 'Acuerdo', 'acuerdo', 'simple', 'aprobado', CURRENT_TIMESTAMP)")
        x("INSERT INTO voto (id, punto_id, miembro_id, sentido) VALUES (1, 1, 1, 'favor')")
        x("INSERT INTO acta (id, sesion_id, contenido, estado, aprobada_en_id, creado_en) VALUES "
          "(1, 1, 'Acta', 'aprobada', 2, CURRENT_TIMESTAMP)")
        normas = [(1, "ordenanza", "aprobada"), (2, "ordenanza", "aprobada"), (3, "acuerdo_concejo", "aprobada")]
        for i, tipo, estado in normas:
            x(f"INSERT INTO norma_municipal (id, tipo, anio, numero, codigo, sumilla, fecha_emision, estado, "
              f"requiere_ratificacion, creado_en) VALUES ({i}, '{tipo}', 2026, {i}, 'N{i}', 's', '2026-03-05', "
              f"'{estado}', false, CURRENT_TIMESTAMP)")
        x("INSERT INTO relacion_norma (id, origen_id, destino_id, tipo, creado_en) VALUES "
          "(1, 2, 1, 'modifica', CURRENT_TIMESTAMP)")
        db.session.commit()
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        def uno(q):
            return db.session.execute(sa.text(q)).scalar()

        assert uno("SELECT count(*) FROM voto") == 1 and uno("SELECT count(*) FROM relacion_norma") == 1
        # el acuerdo rige desde su adopción
        assert uno("SELECT estado FROM norma_municipal WHERE id = 3") == "vigente"
        # el acta aprobada sigue inmutable (el trigger sobrevivió a la recreación de la tabla en SQLite)
        with pytest.raises(sa.exc.DatabaseError, match="el acta aprobada no se modifica"):
            db.session.execute(sa.text("UPDATE acta SET contenido = 'otro' WHERE id = 1"))
        db.session.rollback()
        if db.engine.dialect.name == "sqlite":
            assert uno("PRAGMA foreign_keys") == 1
            assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
