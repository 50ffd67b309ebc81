"""Calendario del trámite: fecha de presentación (cierre del día, Semana Santa, Fiestas Patrias, fin de semana)
y feriados nuevos que recalculan los plazos abiertos."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask

import services.tramite as tramite
from app import POR_DEFECTO
from models import (
    ZONA_LIMA,
    Derivacion,
    EstadoDerivacion,
    Expediente,
    db,
)
from tests.conftest import (
    FERIADOS,
    calendario_np,
    crear_persona,
    derivaciones_de,
    habil,
    ingresar_expediente,
    leer,
    lima,
    presentacion_oraculo,
    texto_de,
    tramitar,
    ultimo_expediente,
    unidad,
)


@pytest.fixture
def config_app():
    """fecha_presentacion es pura salvo HORA_CIERRE: basta un contexto con la configuración por defecto."""
    a = Flask("prueba")
    a.config.update(POR_DEFECTO)
    with a.app_context():
        yield a


@pytest.mark.parametrize(("momento", "cierre", "esperado"), [
    (lima(2026, 11, 27, 18, 0), "17:00", date(2026, 11, 30)),  # viernes después del cierre → lunes
    (lima(2026, 11, 27, 18, 0), "23:59", date(2026, 11, 27)),
    (lima(2026, 11, 27, 17, 0, 59), "17:00", date(2026, 11, 27)),  # se compara al minuto
    (lima(2026, 11, 27, 17, 1), "17:00", date(2026, 11, 30)),
    (lima(2026, 4, 1, 23, 59, 30), "23:59", date(2026, 4, 1)),  # víspera de Jueves Santo
    (lima(2026, 4, 1, 18, 0), "17:00", date(2026, 4, 6)),  # Jueves y Viernes Santo, fin de semana
    (lima(2026, 4, 2, 9, 0), "23:59", date(2026, 4, 6)),  # en feriado
    (lima(2026, 11, 29, 8, 0), "23:59", date(2026, 11, 30)),  # domingo → lunes
    (lima(2026, 11, 28, 10, 0), "23:59", date(2026, 11, 30)),  # sábado → lunes
    (lima(2026, 7, 27, 19, 30), "17:00", date(2026, 7, 30)),  # 28 y 29 de julio, Fiestas Patrias
    (lima(2026, 7, 27, 19, 30), "23:59", date(2026, 7, 27)),
    (datetime(2026, 11, 28, 4, 30, tzinfo=UTC), "23:59", date(2026, 11, 27)),  # viernes 23:30 en Lima
    (datetime(2026, 11, 28, 5, 0, 30, tzinfo=UTC), "23:59", date(2026, 11, 30)),  # sábado 00:00 en Lima
    (datetime(2026, 11, 27, 22, 30, tzinfo=UTC), "17:00", date(2026, 11, 30)),  # 17:30 en Lima
], ids=str)
def test_fecha_de_presentacion(config_app, momento, cierre, esperado):
    assert POR_DEFECTO["HORA_CIERRE"] == "23:59"
    config_app.config["HORA_CIERRE"] = cierre
    assert presentacion_oraculo(momento, cierre) == esperado
    assert tramite.fecha_presentacion(momento, FERIADOS) == esperado


def test_feriado_nuevo_recalcula_las_derivaciones_abiertas(base, como, crear_expediente):
    persona_id = crear_persona()
    assert ingresar_expediente(como("mesa_partes"), persona_id).status_code == 302
    exp = ultimo_expediente()
    [abierta] = derivaciones_de(exp.id)
    envio = abierta.fecha_envio.astimezone(ZONA_LIMA).date()
    limite = abierta.fecha_limite
    assert limite == habil(habil(envio, 0), 5)  # derivada en día no hábil: corre desde el siguiente hábil
    # una derivación ya atendida no se recalcula
    otro = crear_expediente("GDU")
    cerrada = Derivacion(expediente=otro, unidad_origen=unidad("UTD"), unidad_destino=unidad("GDU"),
                         plazo_dias_habiles=5, fecha_limite=limite, estado=EstadoDerivacion.atendido)
    db.session.add(cerrada)
    db.session.commit()

    nuevo = habil(envio, 2)
    assert envio < nuevo < limite
    r = como("secretaria_general").post("/admin/feriado/new/", {
        "fecha": nuevo.strftime("%d/%m/%Y"), "nombre": "Aniversario del distrito", "tipo": "local"})
    assert r.status_code == 302, texto_de(r.text)[:2000]
    con_feriado = calendario_np(FERIADOS | {nuevo})
    assert leer(Derivacion, abierta.id).fecha_limite == habil(habil(envio, 0), 5, con_feriado) == habil(limite, 1)
    assert leer(Derivacion, cerrada.id).fecha_limite == limite
    assert leer(Expediente, exp.id).fecha_vencimiento == habil(exp.fecha_presentacion, 5, con_feriado)


def test_feriado_nuevo_recalcula_desde_la_subsanacion(base, como, reloj):
    """Ingreso el 31/03/2026 con 5 días, observado el 1/04 y subsanado el 7/04 (Semana Santa de por medio): el
    plazo corre desde la subsanación (art. 136.3) y la derivación sale entonces, con él. Un feriado nuevo el
    miércoles 8/04 recalcula desde la subsanación, no desde la presentación."""
    persona_id = crear_persona()
    mp = como("mesa_partes")
    reloj(lima(2026, 3, 31, 10, 15))
    assert ingresar_expediente(mp, persona_id).status_code == 302
    exp = ultimo_expediente()
    reloj(lima(2026, 4, 1, 11, 0))
    assert tramitar(mp, exp.id, "observar", observacion="Falta el plano.").status_code == 302
    reloj(lima(2026, 4, 7, 16, 30))
    assert tramitar(mp, exp.id, "subsanar").status_code == 302
    retirada, abierta = derivaciones_de(exp.id)
    assert retirada.estado.value == "retirado"
    assert abierta.fecha_limite == habil(date(2026, 4, 7), 5) == date(2026, 4, 14)

    r = como("secretaria_general").post("/admin/feriado/new/", {
        "fecha": "08/04/2026", "nombre": "Día no laborable (prueba)", "tipo": "no_laborable"})
    assert r.status_code == 302
    con_feriado = calendario_np(FERIADOS | {date(2026, 4, 8)})
    esperado = habil(date(2026, 4, 7), 5, con_feriado)
    assert esperado == date(2026, 4, 15)
    assert leer(Derivacion, abierta.id).fecha_limite == esperado
    assert leer(Expediente, exp.id).fecha_vencimiento == esperado
