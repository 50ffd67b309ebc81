"""Lo que comparten los benchmarks de reportes a escala (transparencia, control, archivo): un PostgreSQL
desechable con las migraciones y la demo, la app con el pool de producción, VACUUM ANALYZE y el percentil."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))


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
