"""Lo que comparten los benchmarks de reportes a escala (transparencia, control, archivo): las opciones de la
línea de órdenes, un PostgreSQL desechable con las migraciones y la demo, la app con el pool de producción,
VACUUM ANALYZE, la medición de un reporte contra su SQL crudo (el ancla) y la tabla de percentiles."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))


def argumentos(doc: str, **opciones) -> argparse.Namespace:
    """`--opcion` por cada `opcion=valor por defecto` (un booleano es un indicador); la ayuda, la 1.ª línea de doc."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for nombre, defecto in opciones.items():
        if isinstance(defecto, bool):
            parser.add_argument(f"--{nombre}", action="store_true")
        else:
            parser.add_argument(f"--{nombre}", type=type(defecto), default=defecto)
    return parser.parse_args()


def percentil(valores: list[float], q: float) -> float:
    v = sorted(valores)
    return v[min(len(v) - 1, round(q * (len(v) - 1)))]


@contextmanager
def app_postgres(nombre: str) -> Iterator[object | None]:
    """PostgreSQL desechable (tests/pg_server.py) con migraciones + demo y una app con el pool de producción
    (no el NullPool de las pruebas); None si no hay PostgreSQL en la máquina (ya se imprimió el motivo)."""
    from app import create_app
    from tests.conftest import _config, preparar_base
    from tests.pg_server import para_benchmark

    servidor, url = para_benchmark(False, nombre)
    if url is None:
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix=f"{nombre}-"))
    try:
        preparar_base(url, tmp)
        config = _config(url, tmp)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
        yield create_app(config)
    finally:
        servidor.detener()


def vacuum_analyze() -> None:
    """Estadísticas al día tras la carga masiva (fuera de una transacción)."""
    import sqlalchemy as sa

    from models import db

    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
        con.execute(sa.text("VACUUM ANALYZE"))


def medir_reporte(nav, pagina: str, libro: str, repeticiones: int, del_reporte: Callable[[str], bool],
                  explicar: bool = False) -> tuple[dict[str, list[float]], int]:
    """Mide un reporte como lo ve el usuario y lo compara con su SQL: 2 peticiones de calentamiento (página y
    libro); una con captura de las sentencias que `del_reporte(sql)` reconoce (y los SET LOCAL); R peticiones de
    la página intercaladas con R repeticiones de esas sentencias en una conexión DBAPI (el «SQL crudo», el ancla de
    la misma corrida) y R descargas del libro. Con `explicar`, imprime el EXPLAIN ANALYZE de cada sentencia.
    Devuelve los tiempos (s) de «página», «libro Excel» y «SQL crudo (ancla)», y cuántas sentencias capturó."""
    import sqlalchemy as sa

    from models import db

    for _ in range(2):
        assert nav.get(pagina).status_code == 200
        r = nav.get(libro)
        assert r.status_code == 200
        r.close()
    capturadas: list[tuple[str, object]] = []

    def capturar(conn, cursor, sentencia, parametros, context, executemany):
        inicio = sentencia.lstrip().upper()
        if inicio.startswith("SET LOCAL") or (inicio.startswith(("SELECT", "WITH")) and del_reporte(sentencia)):
            capturadas.append((sentencia, parametros))

    sa.event.listen(db.engine, "before_cursor_execute", capturar)
    nav.get(pagina)
    sa.event.remove(db.engine, "before_cursor_execute", capturar)
    tiempos: dict[str, list[float]] = {"página": [], "libro Excel": [], "SQL crudo (ancla)": []}
    crudo = db.engine.raw_connection()
    try:
        if explicar:
            cur = crudo.cursor()
            for sentencia, parametros in capturadas:
                es_set = sentencia.lstrip().upper().startswith("SET")
                cur.execute(sentencia if es_set else "EXPLAIN (ANALYZE, BUFFERS) " + sentencia, parametros)
                if not es_set:
                    print("\n".join(f[0] for f in cur.fetchall()), "\n", flush=True)
            cur.close()
        for _ in range(repeticiones):
            t = time.perf_counter()
            assert nav.get(pagina).status_code == 200
            tiempos["página"].append(time.perf_counter() - t)
            cur = crudo.cursor()
            t = time.perf_counter()
            for sentencia, parametros in capturadas:
                cur.execute(sentencia, parametros)
                if cur.description is not None:  # SET LOCAL no devuelve filas
                    cur.fetchall()
            tiempos["SQL crudo (ancla)"].append(time.perf_counter() - t)
            cur.close()
        for _ in range(repeticiones):
            t = time.perf_counter()
            r = nav.get(libro)
            datos = r.data
            r.close()
            tiempos["libro Excel"].append(time.perf_counter() - t)
            assert r.status_code == 200 and datos[:2] == b"PK"
    finally:
        crudo.close()
    return tiempos, sum(1 for s, _ in capturadas if not s.lstrip().upper().startswith("SET"))


METAS = {"página": 1.0, "libro Excel": 3.0}  # p95, en segundos (los issues de transparencia y de control)


def imprimir_tiempos(tiempos: dict[str, list[float]], metas: dict[str, float] = METAS) -> None:
    """Una línea por medida: p50 y p95 en ms, la meta y PASS/MISS; luego la razón de cada una con el ancla."""
    for nombre, valores in tiempos.items():
        linea = f"  {nombre:30}{percentil(valores, .5) * 1000:>7.0f}ms{percentil(valores, .95) * 1000:>7.0f}ms"
        if nombre in metas:
            linea += f"{metas[nombre]:>6.0f}s  {'PASS' if percentil(valores, .95) <= metas[nombre] else 'MISS'}"
        print(linea)
    base = max(percentil(tiempos["SQL crudo (ancla)"], .5), 1e-6)
    print(f"  razón p50: página {percentil(tiempos['página'], .5) / base:.2f}× el SQL crudo; libro "
          f"{percentil(tiempos['libro Excel'], .5) / base:.2f}×", flush=True)
