"""`make run` en una base vacía: la demo trae trabajo (expedientes en las unidades, vencidos, observados,
digitales), no ceros."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import _config


@pytest.mark.parametrize("backend", ["sqlite"])  # la carga es la misma; se prueba el comando
def test_servir_en_base_vacia_carga_una_demo_con_trabajo(tmp_path, monkeypatch, backend):
    import waitress
    from flask_migrate import upgrade

    from app import create_app
    from models import DepositoCasilla, Derivacion, Expediente, Persona, db, hoy_lima
    from services import semilla

    servido = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: servido.append(kw))
    monkeypatch.setenv("EXPEDIENTES_DEMO", "200")
    app = create_app({**_config(f"sqlite:///{tmp_path / 'vacia.db'}", tmp_path), "TESTING": False})
    app.instance_path = str(tmp_path)
    with app.app_context():
        upgrade()
        r = app.test_cli_runner().invoke(args=["servir"])
        assert r.exit_code == 0, r.output
        assert servido and "Usuarios demo" in r.output
        def contar(*cond):
            return db.session.scalar(sa.select(sa.func.count()).select_from(Expediente).where(*cond))

        dnis = [c[0] for c in semilla.CASILLA_DEMO]  # los dos ciudadanos con casilla traen sus propios trámites
        assert contar(~Expediente.persona.has(Persona.numero_documento.in_(dnis))) == 200
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DepositoCasilla)) == len(dnis)
        assert "Casilla electrónica" in r.output and dnis[0] in r.output
        assert contar(Expediente.vencido) > 0
        assert contar(Expediente.estado == "observado") > 0
        assert contar(Expediente.canal == "digital") > 0
        unidades = db.session.scalar(sa.select(sa.func.count(sa.distinct(Expediente.unidad_actual_id))))
        assert unidades >= 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Derivacion).where(
            Derivacion.estado == "pendiente")) > 0
        ultima = db.session.scalar(sa.select(sa.func.max(Expediente.fecha_presentacion)))
        assert ultima <= hoy_lima() + timedelta(days=5)
        db.session.remove()
        db.engine.dispose()
