"""El calendario nunca se queda sin un año (docs/reglas.md §1; issue 11, punto 17): feriados nacionales del año y del
siguiente cargados al actualizar la base, al arrancar y por la tarea diaria; los no laborables del D.S.
042-2025-PCM precargados; desde el 1 de diciembre, aviso a la SG si faltan los no laborables del año siguiente.
"""

from __future__ import annotations

from datetime import date

import holidays
import sqlalchemy as sa

import admin_views.inicio
from app import create_app
from models import Expediente, Feriado, db, hoy_lima
from tests.conftest import _config

DECRETADOS = {date(2025, 5, 2), date(2025, 12, 26), date(2026, 1, 2)}


def _nacionales(*anios) -> set[date]:
    return set(holidays.country_holidays("PE", years=anios, language="es"))


def test_db_upgrade_carga_el_calendario_sin_demo(backend, tmp_path, request):
    """Una instalación de producción que nunca corrió `demo` ni `feriados` ya conoce los días no hábiles."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'produccion.db'}"
    else:
        servidor = request.getfixturevalue("servidor_pg")
        servidor.sql("CREATE DATABASE produccion_calendario")
        request.addfinalizer(lambda: servidor.sql("DROP DATABASE IF EXISTS produccion_calendario WITH (FORCE)"))
        url = servidor.url("produccion_calendario")
    app = create_app(_config(url, tmp_path))
    r = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        filas = {f.fecha: f for f in db.session.scalars(sa.select(Feriado))}
        anio = hoy_lima().year
        assert _nacionales(anio, anio + 1) <= set(filas)
        assert set(filas) >= DECRETADOS
        assert {filas[d].tipo.value for d in DECRETADOS} == {"no_laborable"}
        assert "D.S. 042-2025-PCM" in filas[date(2025, 12, 26)].nombre
        assert filas[date(2026, 4, 2)].tipo.value == "nacional"  # Jueves Santo 2026
        db.session.remove()
        db.engine.dispose()


def test_tarea_diaria_repone_los_feriados_y_recalcula(app, runner, crear_expediente):
    """Si faltan los feriados del año siguiente (p. ej. se borraron), la tarea diaria los vuelve a cargar y los
    vencimientos que los cruzan se recalculan."""
    siguiente = hoy_lima().year + 1
    for f in db.session.scalars(sa.select(Feriado).where(Feriado.fecha.between(date(siguiente, 1, 1),
                                                                                date(siguiente, 12, 31)))):
        db.session.delete(f)  # por el ORM: el calendario en caché se entera
    db.session.commit()
    exp = crear_expediente()  # 30 días hábiles desde hoy: cruza el 1 de enero del año siguiente
    antes = exp.fecha_vencimiento
    assert antes.year == siguiente
    r = runner.invoke(args=["tramite-diario"])
    assert r.exit_code == 0, r.output
    assert f"{len(_nacionales(siguiente))} feriados nacionales cargados" in r.output
    assert _nacionales(siguiente) <= set(db.session.scalars(sa.select(Feriado.fecha)))
    db.session.expire_all()
    assert db.session.get(Expediente, exp.id).fecha_vencimiento > antes  # el 1 de enero ya no es hábil
    r = runner.invoke(args=["tramite-diario"])
    assert "0 feriados nacionales cargados" in r.output  # idempotente


def test_aviso_de_no_laborables_del_anio_siguiente(app, como, monkeypatch):
    sg = como("secretaria_general")
    aviso = "Aún no se registran los días no laborables de 2027"
    monkeypatch.setattr(admin_views.inicio, "hoy_lima", lambda: date(2026, 11, 30))
    assert aviso not in sg.get("/admin/").text  # antes del 1 de diciembre, no
    monkeypatch.setattr(admin_views.inicio, "hoy_lima", lambda: date(2026, 12, 1))
    assert aviso in sg.get("/admin/").text
    assert aviso not in como("unidad").get("/admin/").text  # solo quien registra el calendario
    # registrado el decreto (un día no laborable de 2027), el aviso desaparece
    r = sg.post("/admin/feriado/new/", data={"fecha": "24/12/2027", "nombre": "Día no laborable (D.S. PCM)",
                                             "tipo": "no_laborable"})
    assert r.status_code == 302, r.text[:2000]
    assert aviso not in sg.get("/admin/").text
    # configurable: una oficina que quiere el aviso desde noviembre
    app.config["AVISO_NO_LABORABLES_DESDE"] = (11, 15)
    monkeypatch.setattr(admin_views.inicio, "hoy_lima", lambda: date(2027, 11, 20))
    assert "Aún no se registran los días no laborables de 2028" in sg.get("/admin/").text
