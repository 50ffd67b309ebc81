"""Producción con dos roles de PostgreSQL (docs/despliegue.md; issue 20, ítem 11): el bloque SQL de la
documentación, ejecutado tal cual sobre una base migrada por el rol dueño, deja al rol de la aplicación sin poder
vaciar, cambiar ni borrar la bitácora ni tocar sus disparadores; y la aplicación funciona con ese rol."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import psycopg
import pytest

from app import create_app
from models import RegistroAuditoria, db
from tests.conftest import CLAVE, Navegador, _config, preparar_base

DOC = Path(__file__).resolve().parent.parent / "docs" / "despliegue.md"


def _bloque_de_permisos() -> str:
    texto = DOC.read_text()
    return re.search(r"<!-- permisos-app:[^>]*-->\s*```sql\n(.*?)```", texto, re.S).group(1)


@pytest.fixture
def roles(servidor_pg, tmp_path):
    """Base `dos_roles` de la dueña, migrada por ella (con la demo), y el bloque de permisos de la documentación."""
    nombre = f"dos_roles_{os.getpid()}"
    for sql in ("CREATE ROLE secretaria_duena LOGIN", "CREATE ROLE secretaria_app LOGIN"):
        with contextlib.suppress(psycopg.errors.DuplicateObject):  # otra prueba del mismo servidor ya los creó
            servidor_pg.sql(sql)
    servidor_pg.sql(f"CREATE DATABASE {nombre} OWNER secretaria_duena")
    servidor_pg.sql("CREATE EXTENSION IF NOT EXISTS pg_trgm", base=nombre)  # la instala el superusuario
    base = f"127.0.0.1:{servidor_pg.puerto}/{nombre}"
    preparar_base(f"postgresql+psycopg://secretaria_duena@{base}", tmp_path)
    with psycopg.connect(f"host=127.0.0.1 port={servidor_pg.puerto} user=secretaria_duena dbname={nombre}",
                         autocommit=True) as c:
        c.execute(_bloque_de_permisos())
    yield {"app": f"postgresql+psycopg://secretaria_app@{base}", "puerto": servidor_pg.puerto, "base": nombre}
    servidor_pg.sql(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)")


@pytest.mark.postgres
def test_el_rol_de_la_aplicacion_no_altera_la_bitacora(roles):
    conexion = f"host=127.0.0.1 port={roles['puerto']} user=secretaria_app dbname={roles['base']}"
    prohibidas = ["TRUNCATE registro_auditoria", "ALTER TABLE registro_auditoria DISABLE TRIGGER ALL",
                  "ALTER TABLE registro_auditoria DISABLE TRIGGER tg_registro_auditoria_inmutable",
                  "DROP TRIGGER tg_registro_auditoria_inmutable ON registro_auditoria",
                  "ALTER TABLE acta DISABLE TRIGGER ALL", "DROP TRIGGER tg_acta_aprobada_inmutable ON acta",
                  "UPDATE registro_auditoria SET detalle = 'borrado'", "DELETE FROM registro_auditoria",
                  "DROP TABLE registro_auditoria", "UPDATE alembic_version SET version_num = 'x'"]
    rechazadas = []
    with psycopg.connect(conexion, autocommit=True) as c:
        antes = c.execute("SELECT count(*) FROM registro_auditoria").fetchone()[0]
        assert antes > 0
        for sql in prohibidas:
            try:
                c.execute(sql)
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException) as e:
                rechazadas.append((sql, type(e).__name__))
        # agregar y leer, sí
        c.execute("INSERT INTO registro_auditoria (momento, accion, entidad) VALUES (now(), 'login', 'prueba')")
        assert c.execute("SELECT count(*) FROM registro_auditoria").fetchone()[0] == antes + 1
        triggers = {f[0] for f in c.execute("SELECT tgname FROM pg_trigger WHERE tgenabled <> 'D'")}
    assert [s for s, _ in rechazadas] == prohibidas, rechazadas
    assert {"tg_registro_auditoria_inmutable", "tg_acta_aprobada_inmutable"} <= triggers  # siguen activos


@pytest.mark.postgres
def test_la_aplicacion_funciona_con_el_rol_de_la_aplicacion(roles, tmp_path):
    app = create_app(_config(roles["app"], tmp_path))
    with app.app_context():
        nav = Navegador(app.test_client())
        antes = db.session.query(RegistroAuditoria).filter_by(entidad="tipo_documento", accion="crear").count()
        assert nav.login("secretaria_general", CLAVE).status_code == 302
        r = nav.post("/admin/tipo_documento/new/", {"nombre": "Constancia", "abreviatura": "CONS",
                                                    "numeracion": "unidad"})
        assert r.status_code == 302
        assert db.session.query(RegistroAuditoria).filter_by(entidad="tipo_documento", accion="crear").count() == \
            antes + 1
        db.session.remove()
        db.engine.dispose()
