"""Benchmark de los reportes de control y estadísticas (issue 16) a escala, en PostgreSQL.

Pasos, en una sola corrida:

  1. PostgreSQL desechable (tests/pg_server.py; sin initdb se termina con una nota): migraciones + demo
     (`conftest.preparar_base`), N expedientes sintéticos con ~2 derivaciones cada uno repartidos en los últimos
     años (`semilla.cargar_expedientes_sinteticos`, el mismo generador del benchmark de trámite), `VACUUM ANALYZE`
     y la tarea diaria del resumen de derivaciones atendidas (`control.actualizar_resumen`, con su tiempo).
  2. Con el cliente de pruebas y sesión de `secretaria_general` (pool de producción): por cada reporte de un año
     completo (cumplimiento por unidad, flujo documentario, supervisión de Mesa de Partes), 2 peticiones de
     calentamiento, una con captura de su SQL, y R peticiones medidas de la página intercaladas con R repeticiones
     de esas mismas sentencias en una conexión DBAPI (el «SQL crudo», el ancla), y R descargas del libro Excel.
  3. Tabla: p50 y p95 de página, libro y SQL crudo, la razón página ÷ SQL crudo, y las metas del issue (no son
     asserts: siempre sale con 0): página ≤ 1 s p95, libro ≤ 3 s p95.

Uso: .venv/bin/python bench/control.py [--expedientes 1000000] [--repeticiones 10]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from bench.comun import app_postgres, argumentos, imprimir_tiempos, medir_reporte, vacuum_analyze  # noqa: E402


def main() -> None:
    args = argumentos(__doc__, expedientes=1_000_000, repeticiones=10, explicar=False)

    import sqlalchemy as sa

    from models import Derivacion, Expediente, db, hoy_lima
    from services.control import actualizar_resumen
    from services.semilla import cargar_expedientes_sinteticos
    from tests.conftest import CLAVE, Navegador

    t0 = time.perf_counter()
    with app_postgres("bench_control") as app:
        if app is None:
            return
        with app.app_context():
            cargar_expedientes_sinteticos(args.expedientes)
            db.session.commit()
            n = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente))
            d = db.session.scalar(sa.select(sa.func.count()).select_from(Derivacion))
            vacuum_analyze()
            print(f"[postgres] {n:,} expedientes y {d:,} derivaciones cargados en {time.perf_counter() - t0:.1f} s "
                  "(migraciones, demo, INSERT, VACUUM ANALYZE)", flush=True)
            t = time.perf_counter()
            grupos = actualizar_resumen()
            db.session.commit()
            print(f"[tarea diaria] resumen de derivaciones atendidas rehecho en {time.perf_counter() - t:.1f} s "
                  f"({grupos:,} grupos)", flush=True)
            vacuum_analyze()
            anio = hoy_lima().year - 1  # un año completo
            periodo = f"desde={anio}-01-01&hasta={anio}-12-31"
            reportes = (("Cumplimiento por unidad", f"/admin/reporte_cumplimiento/?{periodo}",
                         f"/admin/reporte_cumplimiento/xlsx/?{periodo}"),
                        ("Flujo documentario", f"/admin/reporte_flujo/?anio={anio}",
                         f"/admin/reporte_flujo/xlsx/?anio={anio}"),
                        ("Supervisión de Mesa de Partes", f"/admin/reporte_mesa/?{periodo}",
                         f"/admin/reporte_mesa/xlsx/?{periodo}"))
            nav = Navegador(app.test_client())
            assert nav.login("secretaria_general", CLAVE).status_code == 302
            print(f"\nReportes del año {anio} ({args.repeticiones} repeticiones; ancla: el SQL de la página "
                  "repetido en una conexión DBAPI)")
            print(f"{'':32}{'p50':>9}{'p95':>9}{'meta':>7}")
            tablas = ("expediente", "derivacion", "documento_emitido", "solicitud_acceso", "resumen")
            for titulo, pagina, libro in reportes:
                tiempos, sentencias = medir_reporte(nav, pagina, libro, args.repeticiones,
                                                    lambda sql: any(t in sql for t in tablas), args.explicar)
                print(f"{titulo} ({sentencias} sentencias SQL)")
                imprimir_tiempos(tiempos)


if __name__ == "__main__":
    main()
