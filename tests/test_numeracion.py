"""Correlativos: 16 empleados a la vez nunca obtienen el mismo número ni dejan huecos (PostgreSQL real)."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Correlativo, Expediente, db
from services.numeracion import siguiente
from services.tramite import registrar_ingreso

HILOS = 16
POR_HILO = 10


def _en_hilos(app, trabajo):
    errores, barrera = [], threading.Barrier(HILOS)

    def correr():
        try:
            with app.app_context():
                barrera.wait()
                for _ in range(POR_HILO):
                    trabajo()
                db.session.remove()
        except Exception as e:  # noqa: BLE001 - se reporta abajo
            errores.append(e)

    hilos = [threading.Thread(target=correr) for _ in range(HILOS)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join(120)
    assert not errores, errores


def test_numeros_sin_repetir_ni_saltar(app, backend):
    if backend != "postgres":
        pytest.skip("el bloqueo de filas se prueba en PostgreSQL (SQLite serializa toda escritura)")
    obtenidos, candado = [], threading.Lock()

    def sacar():
        n = siguiente("prueba:2026")
        db.session.commit()
        with candado:
            obtenidos.append(n)

    _en_hilos(app, sacar)
    assert sorted(obtenidos) == list(range(1, HILOS * POR_HILO + 1))


def test_revertir_no_deja_hueco(app):
    assert siguiente("prueba:hueco") == 1
    db.session.commit()
    assert siguiente("prueba:hueco") == 2
    db.session.rollback()
    assert siguiente("prueba:hueco") == 2
    db.session.commit()


def test_expedientes_concurrentes(app, backend, crear_expediente):
    if backend != "postgres":
        pytest.skip("concurrencia real solo en PostgreSQL")
    base = crear_expediente("GDU")
    persona_id, tipo_id, unidad_id = base.persona_id, base.tipo_documento_id, base.unidad_actual_id

    def ingresar():
        exp = Expediente(persona_id=persona_id, tipo_documento_id=tipo_id, unidad_actual_id=unidad_id,
                         asunto="Concurrente", folios=1)
        registrar_ingreso(exp)
        db.session.add(exp)
        db.session.commit()

    _en_hilos(app, ingresar)
    numeros = db.session.scalars(sa.select(Expediente.numero).order_by(Expediente.numero)).all()
    assert numeros == list(range(1, HILOS * POR_HILO + 2))
    ultimo = db.session.scalar(sa.select(Correlativo.ultimo).where(Correlativo.clave.like("expediente:%")))
    assert ultimo == HILOS * POR_HILO + 1


def test_normas_y_sesiones_concurrentes(app, backend):
    """16 hilos numeran ordenanzas y sesiones a la vez: números por tipo y año, sin repetir ni saltar."""
    if backend != "postgres":
        pytest.skip("concurrencia real solo en PostgreSQL")
    from datetime import datetime, time

    from models import ZONA_LIMA, NormaMunicipal, SesionConcejo, hoy_lima
    from services.concejo import numerar_sesion
    from services.normas import numerar_norma

    hoy = hoy_lima()  # un acto numerado lleva la fecha de hoy (no se antedata)

    def numerar():
        norma = NormaMunicipal(tipo="ordenanza", sumilla="Concurrente", fecha_emision=hoy)
        numerar_norma(norma)
        sesion = SesionConcejo(tipo="extraordinaria", fecha_hora=datetime.combine(hoy, time(10), tzinfo=ZONA_LIMA))
        numerar_sesion(sesion)
        db.session.add_all([norma, sesion])
        db.session.commit()

    _en_hilos(app, numerar)
    total = HILOS * POR_HILO
    assert db.session.scalars(sa.select(NormaMunicipal.numero).order_by(NormaMunicipal.numero)).all() == \
        list(range(1, total + 1))
    assert db.session.scalars(sa.select(SesionConcejo.numero).order_by(SesionConcejo.numero)).all() == \
        list(range(1, total + 1))
    assert db.session.scalar(sa.select(NormaMunicipal.codigo).where(NormaMunicipal.numero == total)) == \
        f"ORDENANZA MUNICIPAL N° {total:03d}-{hoy.year}-MDD"


HIJO = """
import sys
sys.path.insert(0, {raiz!r})
from app import create_app
from models import db
from services.numeracion import siguiente
app = create_app({{"DATABASE_URL": {url!r}, "SECRET_KEY": "x", "TESTING": True}})
with app.app_context():
    for _ in range(40):
        print(siguiente("prueba:procesos"))
        db.session.commit()
"""


def test_dos_procesos_de_la_aplicacion(app, backend):
    if backend != "postgres":
        pytest.skip("varios procesos contra un PostgreSQL")
    raiz = str(Path(__file__).resolve().parent.parent)
    codigo = HIJO.format(raiz=raiz, url=app.config["DATABASE_URL"])
    procesos = [subprocess.Popen([sys.executable, "-c", codigo], stdout=subprocess.PIPE, text=True, cwd=raiz)
                for _ in range(2)]
    numeros = []
    for p in procesos:
        salida, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        numeros += [int(x) for x in salida.split()]
    assert sorted(numeros) == list(range(1, 81))
