"""Respaldos que se restauran (`flask respaldo` / `flask restaurar`, services/respaldo.py): la demo con archivos se
respalda, se restaura en otra base vacía y otro almacén, y la prueba compara por su cuenta las filas de cada tabla, el
contenido de algunas y el SHA-256 de cada archivo; un respaldo dañado no se restaura."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from models import Adjunto, db
from tests.conftest import Ciudadano, Navegador, _config
from tests.pdf_prueba import pdf_unico
from tests.test_archivos import _ingreso

_n = count()


def _filas(url: str) -> dict[str, int]:
    motor = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with motor.connect() as c:
        tablas = sa.inspect(c).get_table_names()
        resultado = {t: c.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) for t in tablas}
    motor.dispose()
    return resultado


def _codigos(url: str) -> list[str]:
    motor = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with motor.connect() as c:
        codigos = list(c.scalars(sa.text("SELECT codigo || '|' || asunto FROM expediente ORDER BY id")))
    motor.dispose()
    return codigos


def _hashes(carpeta: Path) -> dict[str, str]:
    return {p.relative_to(carpeta).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(carpeta.rglob("*")) if p.is_file()}


@pytest.fixture
def base_vacia(backend, request, tmp_path):
    """Fábrica de URLs de bases vacías del mismo motor que la prueba."""
    creadas = []

    def crear() -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'restaurada{next(_n)}.db'}"
        servidor = request.getfixturevalue("servidor_pg")
        nombre = f"restaurada_{os.getpid()}_{next(_n)}"
        servidor.sql(f"CREATE DATABASE {nombre}")
        creadas.append((servidor, nombre))
        return servidor.url(nombre)

    yield crear
    for servidor, nombre in creadas:
        servidor.sql(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)")


def _app_en(url: str, carpeta: Path):
    return create_app(_config(url, carpeta))


def _restaurar(otra, origen: Path):
    """`flask restaurar ORIGEN` en la otra aplicación (su contexto: la prueba tiene abierto el de la de origen)."""
    with otra.app_context():
        return otra.test_cli_runner().invoke(args=["restaurar", str(origen)])


def test_respaldo_restaurado_coincide_tabla_por_tabla_y_archivo_por_archivo(app, como, runner, base_vacia,
                                                                             tmp_path):
    # la demo con trabajo: ingresos con PDF en Mesa de Partes y uno por la mesa digital
    mesa = como("mesa_partes")
    for i in range(3):
        assert _ingreso(mesa, pdf_unico(f"respaldo {i}")).status_code == 302
    assert Ciudadano(app).presentar(archivo=pdf_unico("digital")).status_code == 302
    origen_archivos = Path(app.config["ADJUNTOS_DIR"])
    assert len(_hashes(origen_archivos)) == 4

    destino = tmp_path / "respaldos" / "2026-12-06"
    r = runner.invoke(args=["respaldo", str(destino)])
    assert r.exit_code == 0, r.output
    manifiesto = json.loads((destino / "manifiesto.json").read_text())
    assert len(manifiesto["archivos"]) == 4 and manifiesto["faltan"] == []
    assert manifiesto["tablas"]["expediente"] == _filas(app.config["DATABASE_URL"])["expediente"]
    assert oct(destino.stat().st_mode & 0o777) == "0o700"
    # un segundo respaldo no pisa el primero
    assert runner.invoke(args=["respaldo", str(destino)]).exit_code == 1

    # restaurar en otra base vacía y otro almacén
    url = base_vacia()
    restaurada = _app_en(url, tmp_path / "otro-nodo")
    r = _restaurar(restaurada, destino)
    assert r.exit_code == 0 and "Todo coincide" in r.output, r.output

    # la prueba compara por su cuenta: filas de cada tabla, contenido, y el SHA-256 de cada archivo
    antes, despues = _filas(app.config["DATABASE_URL"]), _filas(url)
    assert antes == despues and len(antes) > 40 and antes["adjunto"] == 4
    assert _codigos(app.config["DATABASE_URL"]) == _codigos(url)
    copia = _hashes(Path(restaurada.config["ADJUNTOS_DIR"]))
    assert copia == _hashes(origen_archivos)
    assert all(clave.endswith(f"{sha}.pdf") for clave, sha in copia.items())
    # y funciona: un usuario entra al nodo restaurado y descarga un adjunto idéntico
    nav = Navegador(restaurada.test_client())
    assert nav.login("mesa_partes").status_code == 302
    adj = db.session.scalar(sa.select(Adjunto).order_by(Adjunto.id).limit(1))
    r = nav.get(f"/admin/expediente/adjunto/?id={adj.id}")
    assert r.status_code == 200 and hashlib.sha256(r.data).hexdigest() == adj.sha256
    r.close()

    # restaurar sobre una base que ya tiene datos: no
    r = _restaurar(restaurada, destino)
    assert r.exit_code == 1 and "no está vacía" in r.output
    with restaurada.app_context():
        db.engine.dispose()


def test_respaldo_danado_no_se_restaura(app, como, runner, base_vacia, tmp_path):
    assert _ingreso(como("mesa_partes"), pdf_unico("original")).status_code == 302
    destino = tmp_path / "respaldo"
    assert runner.invoke(args=["respaldo", str(destino)]).exit_code == 0

    # un archivo alterado dentro del respaldo: no se restaura nada (ni la base)
    danado = tmp_path / "danado"
    shutil.copytree(destino, danado)
    [pdf] = list((danado / "archivos").rglob("*.pdf"))
    pdf.write_bytes(pdf_unico("alterado"))
    url = base_vacia()
    restaurada = _app_en(url, tmp_path / "nodo-a")
    r = _restaurar(restaurada, danado)
    assert r.exit_code == 1 and "no coincide con su SHA-256" in r.output, r.output
    assert _filas(url) == {}

    # el volcado alterado
    volcado = next(p for p in danado.iterdir() if p.name.startswith("base."))
    shutil.copy(next(p for p in destino.iterdir() if p.name.startswith("base.")), volcado)
    with volcado.open("ab") as f:
        f.write(b"\0")
    r = _restaurar(restaurada, danado)
    assert r.exit_code == 1 and "dañado" in r.output
    # sin manifiesto (el respaldo no terminó)
    (danado / "manifiesto.json").unlink()
    r = _restaurar(restaurada, danado)
    assert r.exit_code == 1 and "no es un respaldo o no terminó" in r.output
    with restaurada.app_context():
        db.engine.dispose()
