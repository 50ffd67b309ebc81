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


def test_reglas_ronda_3_sobre_una_base_con_datos(app_vacia):
    """50ddc107111c sobre una instalación en uso (issue 21): el expediente observado con su derivación pendiente
    queda sin vencimiento, con la derivación retirada y de vuelta en la unidad que lo envió; uno en trámite con
    silencio positivo recibe su día (vence el 30/07/2026 → aprobado desde el 08/08/2026: 31/07, 3, 4, 5 y 7 de
    agosto); la tabla de normas se recrea sin perder la diligencia que la apunta. Y vuelve atrás con los datos."""
    from datetime import date

    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "c9d0e1f2a3b4"]).exit_code == 0
    with app_vacia.app_context():
        t = {n: sa.Table(n, sa.MetaData(), autoload_with=db.engine)
             for n in ("unidad_organica", "tipo_documento", "persona", "procedimiento_tupa", "expediente", "derivacion",
                       "norma_municipal", "notificacion")}
        ahora_ = ahora()
        with db.engine.begin() as c:
            def fila(tabla, **v):
                return c.execute(t[tabla].insert().values(creado_en=ahora_, **v)).inserted_primary_key[0]

            utd = fila("unidad_organica", nombre="Trámite Documentario", sigla="UTD", tipo="organo_apoyo", activa=True)
            gdu = fila("unidad_organica", nombre="Desarrollo Urbano", sigla="GDU", tipo="organo_linea", activa=True)
            tipo = fila("tipo_documento", nombre="Solicitud", abreviatura="SOL", numeracion="unidad",
                        se_notifica=False)
            persona = fila("persona", tipo_documento="DNI", numero_documento="10117410", nombres="Rosa")
            proc = fila("procedimiento_tupa", codigo="GDU-02", nombre="Certificado", plazo_dias_habiles=5,
                        silencio="positivo", derecho_tramite=0, unidad_resolutora_id=gdu, activo=True)
            comun = dict(anio=2026, clave="X", fecha_recepcion=ahora_, origen="externo", canal="presencial",
                         persona_id=persona, tipo_documento_id=tipo, asunto="Certificado", folios=1,
                         procedimiento_id=proc, prioridad="normal", unidad_actual_id=gdu, plazo_dias_habiles=5,
                         version=1)
            observado = fila("expediente", numero=1, codigo="EXP-2026-000001", estado="observado",
                             fecha_presentacion=date(2026, 7, 20), fecha_vencimiento=date(2026, 7, 30),
                             observacion="Falta el plano", fecha_observacion=date(2026, 7, 20), **comun)
            derivacion = fila("derivacion", expediente_id=observado, unidad_origen_id=utd, unidad_destino_id=gdu,
                              fecha_envio=ahora_, accion="atender", estado="pendiente")
            en_tramite = fila("expediente", numero=2, codigo="EXP-2026-000002", estado="en_tramite",
                              fecha_presentacion=date(2026, 7, 20), fecha_vencimiento=date(2026, 7, 30), **comun)
            norma = fila("norma_municipal", tipo="resolucion_alcaldia", anio=2026, numero=1, codigo="RA-001",
                         sumilla="Sanciona", fecha_emision=date(2026, 8, 3), estado="vigente",
                         fecha_vigencia=date(2026, 8, 5), fecha_notificacion=date(2026, 8, 5),
                         requiere_ratificacion=False, sobre_remuneracion=False)
            fila("notificacion", norma_id=norma, modalidad="personal", resultado="entregada", fecha_hora=ahora_,
                 receptor_nombre="Rosa", receptor_documento="10117410")
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        def uno(sql, **p):
            return db.session.execute(sa.text(sql), p).one()

        assert uno("SELECT fecha_vencimiento, silencio_positivo_desde, unidad_actual_id FROM expediente "
                   "WHERE id = :i", i=observado) == (None, None, utd)
        estado, atendida = uno("SELECT estado, fecha_atencion FROM derivacion WHERE id = :i", i=derivacion)
        assert estado == "retirado" and atendida is not None
        silencio = uno("SELECT silencio_positivo_desde FROM expediente WHERE id = :i", i=en_tramite)[0]
        assert str(silencio) == "2026-08-08"
        assert uno("SELECT count(*) FROM notificacion WHERE norma_id = :n", n=norma)[0] == 1
        assert not uno("SELECT otorga_beneficio FROM norma_municipal WHERE id = :n", n=norma)[0]
        db.session.remove()
    r = runner.invoke(args=["db", "downgrade", "c9d0e1f2a3b4"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        assert db.session.execute(sa.text("SELECT estado FROM derivacion WHERE id = :i"),
                                  {"i": derivacion}).scalar() == "devuelto"
        assert db.session.execute(sa.text("SELECT count(*) FROM notificacion")).scalar() == 1
