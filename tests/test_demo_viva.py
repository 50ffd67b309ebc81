"""`make run` en una base vacía: la demo trae trabajo en cada módulo, hecho con los servicios (services/demo.py), sin
estados que las reglas prohíben ni momentos en el futuro."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import _config


@pytest.mark.parametrize("backend", ["sqlite"])  # la carga es la misma; se prueba el comando
def test_servir_en_base_vacia_carga_una_demo_viva_y_coherente(tmp_path, monkeypatch, backend):
    import waitress
    from flask_migrate import upgrade

    import models
    from app import create_app
    from models import (
        Acta,
        Certificacion,
        DepositoCasilla,
        Derivacion,
        Dictamen,
        DocumentoEmitido,
        Expediente,
        NormaMunicipal,
        Notificacion,
        Persona,
        Prestamo,
        SesionConcejo,
        SolicitudAcceso,
        Transferencia,
        UnidadConservacion,
        db,
        hoy_lima,
    )
    from services import semilla

    servido = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: servido.append(kw))
    monkeypatch.setenv("EXPEDIENTES_DEMO", "120")
    app = create_app({**_config(f"sqlite:///{tmp_path / 'vacia.db'}", tmp_path), "TESTING": False})
    app.instance_path = str(tmp_path)
    with app.app_context():
        upgrade()
        r = app.test_cli_runner().invoke(args=["servir"])
        assert r.exit_code == 0, r.output
        assert servido and "Usuarios demo" in r.output and "Municipalidad demo cargada" in r.output
        assert models.reloj is not None and abs(models.reloj() - datetime.now(UTC)) < timedelta(minutes=1)

        def contar(modelo, *cond):
            return db.session.scalar(sa.select(sa.func.count()).select_from(modelo).where(*cond))

        # trabajo en cada módulo
        assert contar(Expediente) >= 120
        assert contar(Expediente, Expediente.vencido) > 0 and contar(Expediente, Expediente.estado == "observado") > 0
        assert contar(Expediente, Expediente.canal == "digital") > 0
        assert contar(Expediente, Expediente.estado == "atendido", Expediente.respuesta.is_not(None)) > 0
        assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Expediente.unidad_actual_id)))) >= 5
        assert contar(Derivacion, Derivacion.estado == "pendiente") > 0
        assert contar(DocumentoEmitido, DocumentoEmitido.estado == "notificado") > 0 and contar(Notificacion) > 0
        assert contar(SolicitudAcceso) > 0 and contar(Certificacion) > 0 and contar(Dictamen) == 2
        assert contar(Transferencia, Transferencia.estado == "recibida") == 1 and contar(UnidadConservacion) >= 5
        assert contar(Expediente, Expediente.unidad_conservacion_id.is_not(None)) > 0
        assert contar(Prestamo, Prestamo.fecha_devolucion.is_(None)) == 2 and contar(Prestamo) == 3
        assert contar(NormaMunicipal, NormaMunicipal.en_vigor) == 3 and contar(Acta, Acta.estado == "aprobada") == 1
        assert contar(SesionConcejo, SesionConcejo.estado == "convocada") == 1

        # nada en el futuro: ningún momento (recepción, envíos, acuses, auditoría…) pasa de ahora; solo la fecha de
        # la próxima sesión, que se programa para después (su convocatoria y sus citaciones son de hoy)
        ahora = datetime.now(UTC) + timedelta(seconds=5)
        programados = {"sesion_concejo.fecha_hora", "enlace_casilla.vence_en"}  # lo que se fija para después
        for tabla in models.db.metadata.sorted_tables:
            for col in tabla.columns:
                if isinstance(col.type, models.MomentoUTC) and f"{tabla.name}.{col.name}" not in programados:
                    maximo = db.session.scalar(sa.select(sa.func.max(col)))
                    assert maximo is None or maximo <= ahora, f"{tabla.name}.{col.name} en el futuro: {maximo}"
        assert db.session.scalar(sa.select(sa.func.max(Expediente.fecha_presentacion))) <= hoy_lima() + timedelta(5)

        # ningún estado que las reglas prohíben
        observados = db.session.scalars(sa.select(Expediente).where(Expediente.estado == "observado")).all()
        assert all(e.fecha_observacion is not None and not e.derivaciones for e in observados)
        assert not contar(Expediente, Expediente.estado == "en_tramite", ~Expediente.derivaciones.any())
        assert not contar(DocumentoEmitido, DocumentoEmitido.estado == "notificado",
                          ~DocumentoEmitido.notificaciones.any())
        assert not contar(Derivacion, Derivacion.estado == "atendido", Derivacion.fecha_atencion.is_(None))
        for e in db.session.scalars(sa.select(Expediente).where(Expediente.estado.in_(("atendido", "archivado")))):
            assert e.fecha_atencion is None or e.fecha_atencion >= e.fecha_recepcion.date() - timedelta(days=1)

        # los dos ciudadanos con casilla electrónica: sus trámites y un depósito en cada casilla
        dnis = [c[0] for c in semilla.CASILLA_DEMO]
        assert contar(Expediente, Expediente.persona.has(Persona.numero_documento.in_(dnis))) > 0
        assert contar(DepositoCasilla) == len(dnis)
        assert "Casilla electrónica" in r.output and dnis[0] in r.output

        # Expedir: la PKI demo en instance/, un memorando firmado (íntegro, cadena de la CA demo) y lo que espera a
        # los usuarios demo: el V° B° de «unidad» y la firma de «secretaria_general», que firma con su .p12 demo
        from pathlib import Path

        from models import Redaccion, Usuario
        from services import redaccion
        from services.firma_digital import verificar_firmas

        assert "Firma digital: certificados demo" in r.output
        assert (Path(app.instance_path) / "firma_demo" / "secretaria_general.p12").is_file()
        doc = db.session.scalar(sa.select(DocumentoEmitido).where(DocumentoEmitido.pdf_ruta.is_not(None)))
        firmas = verificar_firmas((Path(app.config["ADJUNTOS_DIR"]) / doc.pdf_ruta).read_bytes())
        assert [f.campo for f in firmas] == ["VoBo1", "Firma"] and all(f.integra and f.confiable for f in firmas)
        assert contar(Redaccion, Redaccion.estado == "firmado") == 1
        quien = {u.username: u for u in db.session.scalars(sa.select(Usuario))}
        assert len(redaccion.pendientes(quien["secretaria_general"])) == 1
        assert len(redaccion.pendientes(quien["unidad"])) == 1
        db.session.remove()
        db.engine.dispose()
