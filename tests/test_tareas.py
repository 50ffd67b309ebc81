"""Tareas diarias una sola vez (services/tareas.py): bloqueo consultivo de PostgreSQL contra dos corridas a la vez
(hilos y procesos reales) y registro del día para `--diaria` (varios nodos con su temporizador)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from models import EjecucionTarea, db
from services import tareas
from tests.conftest import contar

RAIZ = Path(__file__).resolve().parent.parent


def _conninfo(app) -> str:
    url = sa.make_url(app.config["DATABASE_URL"])
    return f"host={url.host} port={url.port} user={url.username} dbname={url.database}"


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_otra_corrida_en_curso_no_hace_nada(app, runner):
    """Otro nodo tiene el bloqueo de «tramite-diario» (aquí, una conexión de la prueba): la corrida lo dice, termina
    con código 0 y no toca nada; soltado el bloqueo, corre."""
    with psycopg.connect(_conninfo(app), autocommit=True) as otro_nodo:
        otro_nodo.execute("SELECT pg_advisory_lock(%s)", (tareas.clave_bloqueo("tramite-diario"),))
        r = runner.invoke(args=["tramite-diario", "--diaria"])
        assert r.exit_code == 0 and "ya se está ejecutando en otro proceso" in r.output, r.output
        assert "Resumen de cumplimiento" not in r.output and contar(EjecucionTarea) == 0
        # otra tarea tiene su propia clave: no la detiene
        assert "ya se está ejecutando" not in runner.invoke(args=["alertas"]).output
        otro_nodo.execute("SELECT pg_advisory_unlock(%s)", (tareas.clave_bloqueo("tramite-diario"),))
    r = runner.invoke(args=["tramite-diario", "--diaria"])
    assert r.exit_code == 0 and "Resumen de cumplimiento rehecho" in r.output
    [corrida] = db.session.scalars(sa.select(EjecucionTarea)).all()
    assert (corrida.tarea, corrida.resultado) == ("tramite-diario", "ok") and corrida.fin >= corrida.inicio


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_dos_hilos_a_la_vez_uno_solo_trabaja(app):
    """Dos hilos reales entran a la vez: el primero trabaja (y espera a que el segundo haya intentado), el segundo
    recibe TareaOmitida. Luego el bloqueo queda libre."""
    trabajaron, omitidas, errores = [], [], []
    dentro, intento_hecho = threading.Event(), threading.Event()

    def corrida(nombre):
        with app.app_context():
            try:
                with tareas.exclusiva("prueba-hilos"):
                    trabajaron.append(nombre)
                    dentro.set()
                    assert intento_hecho.wait(20), "el otro hilo no llegó"
            except tareas.TareaOmitida as e:
                omitidas.append((nombre, str(e)))
                intento_hecho.set()
            except Exception as e:  # noqa: BLE001
                errores.append(e)
                intento_hecho.set()
            finally:
                db.session.remove()

    primero = threading.Thread(target=corrida, args=("A",))
    primero.start()
    assert dentro.wait(20)
    segundo = threading.Thread(target=corrida, args=("B",))
    segundo.start()
    primero.join(30)
    segundo.join(30)
    assert not errores and trabajaron == ["A"]
    assert [n for n, _ in omitidas] == ["B"] and "ya se está ejecutando" in omitidas[0][1]
    with tareas.exclusiva("prueba-hilos"):  # liberado
        pass


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_tres_nodos_con_su_temporizador_una_sola_corrida(app, tmp_path):
    """Tres procesos `flask tramite-diario --diaria` lanzados a la vez sobre la misma base (tres nodos con su
    temporizador): uno hace el trabajo; los otros dicen que ya corre o que ya se hizo hoy."""
    entorno = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "pruebas",
               "ADJUNTOS_DIR": str(tmp_path / "adjuntos")}
    procesos = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "tramite-diario", "--diaria"],
                                 cwd=RAIZ, env=entorno, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
    salidas = []
    for p in procesos:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-3000:]
        salidas.append(out)
    hicieron = [s for s in salidas if "Resumen de cumplimiento rehecho" in s]
    assert len(hicieron) == 1, salidas
    assert all("ya se está ejecutando" in s or "ya se ejecutó hoy" in s for s in salidas if s not in hicieron)
    db.session.expire_all()
    [corrida] = db.session.scalars(sa.select(EjecucionTarea)).all()
    assert corrida.resultado == "ok"


def test_diaria_una_vez_por_dia_y_a_mano_siempre(app, runner, reloj):
    from datetime import datetime

    from models import ZONA_LIMA

    reloj(datetime(2027, 3, 10, 6, 0, tzinfo=ZONA_LIMA))
    assert "Resumen de cumplimiento rehecho" in runner.invoke(args=["tramite-diario", "--diaria"]).output
    r = runner.invoke(args=["tramite-diario", "--diaria"])
    assert r.exit_code == 0 and "ya se ejecutó hoy (10/03/2027)" in r.output and "terminó a las 06:00" in r.output
    assert "Resumen de cumplimiento rehecho" not in r.output
    assert "Resumen de cumplimiento rehecho" in runner.invoke(args=["tramite-diario"]).output  # a mano: corre
    reloj(datetime(2027, 3, 11, 6, 0, tzinfo=ZONA_LIMA))  # al día siguiente, otra vez
    assert "Resumen de cumplimiento rehecho" in runner.invoke(args=["tramite-diario", "--diaria"]).output
    assert contar(EjecucionTarea) == 2


def test_corrida_que_falla_no_cuenta_como_hecha(app, runner, monkeypatch):
    import services.control

    def falla():
        raise RuntimeError("sin espacio en disco")

    monkeypatch.setattr(services.control, "actualizar_resumen", falla)
    r = runner.invoke(args=["alertas", "--diaria"])
    assert r.exit_code == 0
    r = runner.invoke(args=["tramite-diario", "--diaria"])
    assert r.exit_code != 0
    corrida = db.session.scalar(sa.select(EjecucionTarea).where(EjecucionTarea.tarea == "tramite-diario"))
    assert corrida.resultado == "error" and "sin espacio en disco" in corrida.detalle
    monkeypatch.undo()
    r = runner.invoke(args=["tramite-diario", "--diaria"])  # se reintenta el mismo día
    assert r.exit_code == 0 and "Resumen de cumplimiento rehecho" in r.output
    db.session.expire_all()
    assert db.session.get(EjecucionTarea, corrida.id).resultado == "ok"
