"""Días hábiles (docs/reglas.md §1) contra un oráculo independiente: numpy.busday_* con los feriados del
paquete `holidays` (PE, es) más los días no laborables decretados (D.S. 042-2025-PCM).

Contrato: sumar_dias_habiles(d, n) = el n-ésimo día hábil estrictamente después de d (n=0: d si es
hábil, si no el siguiente); dias_habiles_entre(a, b) = días hábiles después de a hasta b inclusive.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from models import ZONA_LIMA, EstadoExpediente, Expediente, Feriado, RegistroAuditoria, TipoFeriado, db
from services import calendario
from services.calendario import habiles_entre, sumar_habiles
from tests.conftest import CAL, DECRETADOS, _config, calendario_np, feriados_pe, oraculo_entre, oraculo_sumar


# ------------------------------------------------------------------------------------------- datos del oráculo
def test_datos_del_paquete_holidays_segun_dominio():
    """El oráculo trae los 16 feriados nacionales de docs/reglas.md §1 (2026) y nada el 7 de diciembre."""
    h2026 = feriados_pe(2026)
    esperados = {date(2026, m, d) for m, d in [(1, 1), (4, 2), (4, 3), (5, 1), (6, 7), (6, 29), (7, 23), (7, 28),
                                               (7, 29), (8, 6), (8, 30), (10, 8), (11, 1), (12, 8), (12, 9),
                                               (12, 25)]}
    assert len(esperados) == 16
    assert esperados <= h2026
    # lo único adicional es el Domingo de Resurrección (domingo: no cambia ningún cómputo)
    assert {d for d in h2026 - esperados} == {date(2026, 4, 5)}
    assert date(2026, 12, 7) not in h2026
    assert {date(2026, 12, 8), date(2026, 12, 9)} <= h2026
    assert {date(2027, 3, 25), date(2027, 3, 26)} <= feriados_pe(2027)
    assert not DECRETADOS & feriados_pe(2025, 2026)


# ------------------------------------------------------------------------------------------- puras, a mano
@pytest.mark.parametrize(("inicio", "n", "esperado"), [
    # Semana Santa 2026: jueves 2 y viernes 3 de abril
    (date(2026, 4, 1), 1, date(2026, 4, 6)),
    (date(2026, 3, 31), 2, date(2026, 4, 6)),
    (date(2026, 4, 1), 0, date(2026, 4, 1)),
    (date(2026, 4, 2), 0, date(2026, 4, 6)),
    (date(2026, 4, 4), 0, date(2026, 4, 6)),  # sábado
    (date(2026, 4, 4), 1, date(2026, 4, 6)),
    (date(2026, 4, 2), 1, date(2026, 4, 6)),
    # Fiestas Patrias 2026: jueves 23, martes 28 y miércoles 29 de julio
    (date(2026, 7, 22), 1, date(2026, 7, 24)),
    (date(2026, 7, 22), 2, date(2026, 7, 27)),
    (date(2026, 7, 22), 3, date(2026, 7, 30)),
    (date(2026, 7, 27), 1, date(2026, 7, 30)),
    # Fin de año: 25/12 feriado, 26/12/2025 y 02/01/2026 no laborables, 01/01 feriado
    (date(2025, 12, 23), 1, date(2025, 12, 24)),
    (date(2025, 12, 23), 2, date(2025, 12, 29)),
    (date(2025, 12, 23), 5, date(2026, 1, 5)),
    (date(2025, 12, 31), 1, date(2026, 1, 5)),
    # 7 de diciembre NO es feriado; 8 y 9 sí
    (date(2026, 12, 4), 1, date(2026, 12, 7)),
    (date(2026, 12, 7), 1, date(2026, 12, 10)),
    # Semana Santa 2027: jueves 25 y viernes 26 de marzo
    (date(2027, 3, 24), 1, date(2027, 3, 29)),
    (date(2027, 3, 22), 5, date(2027, 3, 31)),
])
def test_sumar_habiles_a_mano(inicio, n, esperado):
    assert sumar_habiles(inicio, n, CAL) == esperado
    assert oraculo_sumar(inicio, n) == esperado  # el oráculo coincide con la cuenta a mano


def test_habiles_entre_a_mano():
    assert habiles_entre(date(2025, 12, 24), date(2026, 1, 5), CAL) == 4  # 29, 30, 31 y 5
    assert habiles_entre(date(2026, 4, 1), date(2026, 4, 6), CAL) == 1
    assert habiles_entre(date(2026, 4, 1), date(2026, 4, 1), CAL) == 0
    assert habiles_entre(date(2026, 4, 6), date(2026, 4, 1), CAL) == -1
    assert habiles_entre(date(2026, 7, 22), date(2026, 7, 31), CAL) == 4  # 24, 27, 30, 31


@pytest.mark.parametrize("inicio", [date(2025, 12, 23), date(2026, 4, 1), date(2026, 7, 22), date(2026, 12, 30)],
                         ids=str)
@pytest.mark.parametrize("n", [250, 399, 400, 600])
def test_plazos_largos_contra_oraculo(inicio, n):
    """Plazos de más de un año (cruzan varios calendarios) y el límite de la tabla precalculada."""
    assert sumar_habiles(inicio, n, CAL) == oraculo_sumar(inicio, n) == sumar_habiles(inicio, n, set(CAL))
    assert habiles_entre(inicio, sumar_habiles(inicio, n, CAL), CAL) == n


def test_n_negativo_es_error():
    with pytest.raises(ValueError):
        sumar_habiles(date(2026, 4, 1), -1, CAL)


# ------------------------------------------------------------------------------------------- puras vs. oráculo
SEMANA_SANTA_2026 = [date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 4),
                     date(2026, 4, 5)]
FIESTAS_PATRIAS_2026 = [date(2026, 7, 22), date(2026, 7, 23), date(2026, 7, 24), date(2026, 7, 27),
                        date(2026, 7, 28), date(2026, 7, 29)]
FIN_DE_ANIO = [date(2025, 12, 23) + timedelta(days=i) for i in range(14)]  # 23/12/2025 … 05/01/2026
SEMANA_SANTA_2027 = [date(2027, 3, 23), date(2027, 3, 24), date(2027, 3, 25), date(2027, 3, 26),
                     date(2027, 3, 27)]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10])
@pytest.mark.parametrize("inicio", SEMANA_SANTA_2026 + FIESTAS_PATRIAS_2026 + FIN_DE_ANIO + SEMANA_SANTA_2027,
                         ids=str)
def test_sumar_habiles_contra_oraculo(inicio, n):
    assert sumar_habiles(inicio, n, CAL) == oraculo_sumar(inicio, n)


@pytest.mark.parametrize("inicio", SEMANA_SANTA_2026 + FIESTAS_PATRIAS_2026 + FIN_DE_ANIO + SEMANA_SANTA_2027,
                         ids=str)
def test_habiles_entre_contra_oraculo(inicio):
    for k in range(40):
        fin = inicio + timedelta(days=k)
        assert habiles_entre(inicio, fin, CAL) == oraculo_entre(inicio, fin), (inicio, fin)
        # al revés, el mismo número con signo negativo (docstring de habiles_entre)
        assert habiles_entre(fin, inicio, CAL) == -habiles_entre(inicio, fin, CAL), (fin, inicio)


def test_todo_2026_contra_oraculo():
    como_set = set(CAL)  # sumar_habiles tiene otro camino (recorrido día a día) si no recibe un frozenset
    d = date(2026, 1, 1)
    while d.year == 2026:
        for n in (1, 10, 30):
            vence = sumar_habiles(d, n, CAL)
            assert vence == oraculo_sumar(d, n), (d, n)
            assert sumar_habiles(d, n, como_set) == vence, (d, n)
            # ida y vuelta: entre d y su vencimiento hay exactamente n días hábiles
            assert habiles_entre(d, vence, CAL) == n, (d, n)
        assert sumar_habiles(d, 0, CAL) == oraculo_sumar(d, 0), d
        assert habiles_entre(d, d + timedelta(days=45), CAL) == oraculo_entre(d, d + timedelta(days=45)), d
        d += timedelta(days=1)


# ------------------------------------------------------------------------------------------- con base de datos
def _feriados_demo() -> frozenset[date]:
    """Lo que la demo carga: los feriados nacionales del año anterior, el actual y el siguiente."""
    y = date.today().year
    return feriados_pe(y - 1, y, y + 1)


def _leer_expediente(id_: int) -> Expediente:
    db.session.expire_all()
    return db.session.get(Expediente, id_)


def test_la_demo_carga_los_feriados_del_paquete(app):
    # más los días no laborables del D.S. 042-2025-PCM, que carga la migración b7e3c1a9d5f2
    assert frozenset(db.session.scalars(sa.select(Feriado.fecha))) == _feriados_demo() | DECRETADOS


def test_feriado_por_formulario_recalcula_vencimientos(app, como, crear_expediente):
    base = _feriados_demo()
    cal = calendario_np(base)
    abierto = crear_expediente()
    cerrado = crear_expediente(asunto="Solicita constancia de posesión")
    cerrado.estado = EstadoExpediente.atendido
    db.session.commit()
    pres, plazo, venc = abierto.fecha_presentacion, abierto.plazo_dias_habiles, abierto.fecha_vencimiento
    assert plazo == 30
    assert venc == oraculo_sumar(pres, plazo, cal)
    venc_cerrado = cerrado.fecha_vencimiento

    # un feriado local en la mitad del plazo: el 5.º día hábil después de la presentación
    nuevo = oraculo_sumar(pres, 5, cal)
    assert pres < nuevo < venc and nuevo not in base
    assert calendario.sumar_dias_habiles(pres, 5) == nuevo
    cal_con = calendario_np(base | {nuevo})

    n = como("secretaria_general")
    r = n.post("/admin/feriado/new/", data={"fecha": nuevo.strftime("%d/%m/%Y"),
                                            "nombre": "Aniversario de creación política del distrito",
                                            "tipo": "local"})
    assert r.status_code == 302, r.text[:2000]
    feriado = db.session.scalar(sa.select(Feriado).where(Feriado.fecha == nuevo))
    assert feriado is not None and feriado.tipo == TipoFeriado.local

    # el calendario lo ve al instante…
    assert calendario.sumar_dias_habiles(pres, 5) == oraculo_sumar(pres, 5, cal_con) == oraculo_sumar(nuevo, 1, cal)
    assert calendario.dias_habiles_entre(pres, venc) == oraculo_entre(pres, venc, cal_con) == plazo - 1
    # …y el vencimiento del expediente abierto pasa al día hábil siguiente; el del atendido no cambia
    nuevo_venc = _leer_expediente(abierto.id).fecha_vencimiento
    assert nuevo_venc == oraculo_sumar(pres, plazo, cal_con) == oraculo_sumar(venc, 1, cal)
    assert _leer_expediente(cerrado.id).fecha_vencimiento == venc_cerrado
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria)
                             .where(RegistroAuditoria.detalle.like("Recálculo de 1 vencimiento%")))

    # eliminarlo devuelve el vencimiento a su fecha original
    r = n.post("/admin/feriado/delete/", data={"id": str(feriado.id), "url": "/admin/feriado/"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Feriado.id).where(Feriado.fecha == nuevo)) is None
    assert calendario.sumar_dias_habiles(pres, 5) == nuevo
    assert _leer_expediente(abierto.id).fecha_vencimiento == venc
    assert _leer_expediente(cerrado.id).fecha_vencimiento == venc_cerrado


def test_mover_un_feriado_recalcula_con_ambas_fechas(app, como, crear_expediente):
    base = _feriados_demo()
    cal = calendario_np(base)
    exp = crear_expediente()
    pres, plazo, venc = exp.fecha_presentacion, exp.plazo_dias_habiles, exp.fecha_vencimiento
    dentro = oraculo_sumar(pres, 3, cal)
    fuera = oraculo_sumar(venc, 10, cal)  # después del vencimiento: no lo afecta

    n = como("secretaria_general")
    r = n.post("/admin/feriado/new/", data={"fecha": dentro.strftime("%d/%m/%Y"), "nombre": "Día no laborable",
                                            "tipo": "no_laborable"})
    assert r.status_code == 302, r.text[:2000]
    assert _leer_expediente(exp.id).fecha_vencimiento == oraculo_sumar(pres, plazo, calendario_np(base | {dentro}))
    fid = db.session.scalar(sa.select(Feriado.id).where(Feriado.fecha == dentro))

    r = n.post(f"/admin/feriado/edit/?id={fid}", data={"fecha": fuera.strftime("%d/%m/%Y"),
                                                       "nombre": "Día no laborable", "tipo": "no_laborable"})
    assert r.status_code == 302, r.text[:2000]
    assert _leer_expediente(exp.id).fecha_vencimiento == venc
    assert calendario.sumar_dias_habiles(venc, 10) == oraculo_sumar(venc, 10, calendario_np(base | {fuera}))


def test_borrado_masivo_de_feriados_recalcula(app, como, crear_expediente):
    base = _feriados_demo()
    cal = calendario_np(base)
    exp = crear_expediente()
    pres, venc = exp.fecha_presentacion, exp.fecha_vencimiento
    dias = [oraculo_sumar(pres, 2, cal), oraculo_sumar(pres, 4, cal)]
    n = como("secretaria_general")
    for d in dias:
        r = n.post("/admin/feriado/new/", data={"fecha": d.strftime("%d/%m/%Y"), "nombre": "Duelo", "tipo": "local"})
        assert r.status_code == 302, r.text[:2000]
    assert _leer_expediente(exp.id).fecha_vencimiento == oraculo_sumar(venc, 2, cal)

    ids = list(db.session.scalars(sa.select(Feriado.id).where(Feriado.fecha.in_(dias))))
    r = n.post("/admin/feriado/action/", data={"action": "delete", "rowid": [str(i) for i in ids],
                                               "url": "/admin/feriado/"})
    assert r.status_code == 302
    assert not db.session.scalars(sa.select(Feriado.id).where(Feriado.id.in_(ids))).all()
    assert _leer_expediente(exp.id).fecha_vencimiento == venc


def test_fecha_del_feriado_en_formato_peruano(app, como):
    """El formulario pide dd/mm/aaaa: otro formato vuelve al formulario sin guardar nada."""
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(Feriado))
    n = como("secretaria_general")
    r = n.post("/admin/feriado/new/", data={"fecha": "15 de junio", "nombre": "Mal escrito", "tipo": "local"})
    assert r.status_code == 200
    campo = re.search(r'<input[^>]*name="fecha"[^>]*>', r.text).group(0)
    assert "is-invalid" in campo and 'value="15 de junio"' in campo
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Feriado)) == antes


def test_cache_entre_dos_instancias(app, como, tmp_path):
    """Un feriado agregado desde la instancia A se ve al instante en la B (misma base, caché caliente)."""
    cal = calendario_np(_feriados_demo())
    inicio = oraculo_sumar(date.today(), 0, cal)
    nuevo = oraculo_sumar(inicio, 2, cal)

    app_b = create_app(_config(app.config["DATABASE_URL"], tmp_path / "b"))
    try:
        with app_b.app_context():
            assert calendario.sumar_dias_habiles(inicio, 2) == nuevo  # calienta su caché
            assert calendario.sumar_dias_habiles(inicio, 2) == nuevo

        r = como("secretaria_general").post("/admin/feriado/new/", data={
            "fecha": nuevo.strftime("%d/%m/%Y"), "nombre": "Día no laborable decretado", "tipo": "no_laborable"})
        assert r.status_code == 302, r.text[:2000]

        with app_b.app_context():
            assert calendario.sumar_dias_habiles(inicio, 2) == oraculo_sumar(nuevo, 1, cal)
            assert not calendario.es_dia_habil(nuevo)
    finally:
        with app_b.app_context():
            db.engine.dispose()


def test_cache_no_guarda_un_calendario_revertido(app):
    x, y = date(2027, 2, 10), date(2027, 2, 11)  # miércoles y jueves cualesquiera
    assert calendario.es_dia_habil(x) and calendario.es_dia_habil(y)
    db.session.add(Feriado(fecha=x, nombre="Propuesto y luego descartado", tipo=TipoFeriado.local))
    db.session.flush()
    assert not calendario.es_dia_habil(x)  # un cálculo dentro de la transacción (p. ej. un recálculo)
    db.session.rollback()
    db.session.add(Feriado(fecha=y, nombre="Aprobado", tipo=TipoFeriado.local))
    db.session.commit()
    assert calendario.es_dia_habil(x)
    assert not calendario.es_dia_habil(y)


_PROCESO_B = """
import sys
from datetime import date
from app import create_app
from services import calendario
app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[1], "SECRET_KEY": "pruebas"})
for linea in sys.stdin:
    inicio, n = linea.split()
    with app.app_context():
        print(calendario.sumar_dias_habiles(date.fromisoformat(inicio), int(n)).isoformat(), flush=True)
"""


def test_cache_entre_procesos(app, como):
    """Lo mismo con otro proceso de verdad (su caché en su propia memoria)."""
    cal = calendario_np(_feriados_demo())
    inicio = oraculo_sumar(date.today(), 0, cal)
    nuevo = oraculo_sumar(inicio, 2, cal)
    raiz = Path(__file__).resolve().parent.parent
    proceso = subprocess.Popen([sys.executable, "-c", _PROCESO_B, app.config["DATABASE_URL"]], cwd=raiz,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(raiz)})
    try:
        def preguntar() -> date:
            proceso.stdin.write(f"{inicio.isoformat()} 2\n")
            proceso.stdin.flush()
            return date.fromisoformat(proceso.stdout.readline().strip())

        assert preguntar() == nuevo
        r = como("secretaria_general").post("/admin/feriado/new/", data={
            "fecha": nuevo.strftime("%d/%m/%Y"), "nombre": "Día no laborable decretado", "tipo": "no_laborable"})
        assert r.status_code == 302, r.text[:2000]
        assert preguntar() == oraculo_sumar(nuevo, 1, cal)
    finally:
        proceso.stdin.close()
        assert proceso.wait(timeout=30) == 0
        proceso.stdout.close()


def test_cli_feriados_2027_idempotente(app, runner, crear_expediente):
    for f in db.session.scalars(sa.select(Feriado).where(Feriado.fecha.between(date(2027, 1, 1),
                                                                              date(2027, 12, 31)))):
        db.session.delete(f)
    db.session.commit()
    # un expediente que vence en Semana Santa 2027, calculado sin sus feriados
    exp = crear_expediente(fecha_recepcion=datetime(2027, 3, 22, 10, 30, tzinfo=ZONA_LIMA), plazo_dias_habiles=5)
    assert (exp.fecha_presentacion, exp.fecha_vencimiento) == (date(2027, 3, 22), date(2027, 3, 29))

    h2027 = feriados_pe(2027)
    r = runner.invoke(args=["feriados", "--anio", "2027"])
    assert r.exit_code == 0, r.output
    assert f"{len(h2027)} feriados nuevos para 2027" in r.output
    r = runner.invoke(args=["feriados", "--anio", "2027"])
    assert r.exit_code == 0, r.output
    assert "0 feriados nuevos para 2027" in r.output

    db.session.expire_all()
    filas = db.session.execute(sa.select(Feriado.fecha, Feriado.tipo)
                               .where(Feriado.fecha.between(date(2027, 1, 1), date(2027, 12, 31)))).all()
    assert {f for f, _ in filas} == h2027 and len(filas) == len(h2027)
    assert {date(2027, 3, 25), date(2027, 3, 26)} <= {f for f, _ in filas}
    assert all(t == TipoFeriado.nacional for _, t in filas)
    assert calendario.sumar_dias_habiles(date(2027, 3, 24), 1) == date(2027, 3, 29)
    # el comando recalculó el plazo abierto: 23, 24, 29, 30 y 31 de marzo
    assert _leer_expediente(exp.id).fecha_vencimiento == date(2027, 3, 31) == oraculo_sumar(date(2027, 3, 22), 5)
