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

import argparse
import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from bench.comun import app_postgres, percentil, vacuum_analyze  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expedientes", type=int, default=1_000_000)
    parser.add_argument("--repeticiones", type=int, default=10)
    parser.add_argument("--explicar", action="store_true", help="EXPLAIN ANALYZE de cada sentencia capturada.")
    args = parser.parse_args()

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
            for titulo, pagina, libro in reportes:
                for _ in range(2):
                    assert nav.get(pagina).status_code == 200
                    r = nav.get(libro)
                    assert r.status_code == 200
                    r.close()
                capturadas: list[tuple[str, object]] = []

                def capturar(conn, cursor, sentencia, parametros, context, executemany, capturadas=capturadas):
                    if sentencia.lstrip().upper().startswith("SET LOCAL") or (
                            sentencia.lstrip().upper().startswith(("SELECT", "WITH")) and (
                                "expediente" in sentencia or "derivacion" in sentencia
                                or "documento_emitido" in sentencia or "solicitud_acceso" in sentencia
                                or "resumen" in sentencia)):
                        capturadas.append((sentencia, parametros))

                sa.event.listen(db.engine, "before_cursor_execute", capturar)
                nav.get(pagina)
                sa.event.remove(db.engine, "before_cursor_execute", capturar)
                t_pag, t_sql, t_libro = [], [], []
                crudo = db.engine.raw_connection()
                try:
                    if args.explicar:
                        cur = crudo.cursor()
                        for sentencia, parametros in capturadas:
                            if sentencia.lstrip().upper().startswith("SET"):
                                cur.execute(sentencia, parametros)
                                continue
                            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sentencia, parametros)
                            print("\n".join(f[0] for f in cur.fetchall()), "\n", flush=True)
                        cur.close()
                    for _ in range(args.repeticiones):
                        t = time.perf_counter()
                        assert nav.get(pagina).status_code == 200
                        t_pag.append(time.perf_counter() - t)
                        cur = crudo.cursor()
                        t = time.perf_counter()
                        for sentencia, parametros in capturadas:
                            cur.execute(sentencia, parametros)
                            if cur.description is not None:  # SET LOCAL no devuelve filas
                                cur.fetchall()
                        t_sql.append(time.perf_counter() - t)
                        cur.close()
                    for _ in range(args.repeticiones):
                        t = time.perf_counter()
                        r = nav.get(libro)
                        datos = r.data
                        r.close()
                        t_libro.append(time.perf_counter() - t)
                        assert r.status_code == 200 and datos[:2] == b"PK"
                finally:
                    crudo.close()
                print(f"{titulo} ({len(capturadas)} sentencias SQL)")
                for nombre, tiempos, meta in (("  página", t_pag, 1.0), ("  libro Excel", t_libro, 3.0),
                                              ("  SQL crudo (ancla)", t_sql, None)):
                    p50, p95 = percentil(tiempos, .5) * 1000, percentil(tiempos, .95) * 1000
                    linea = f"{nombre:32}{p50:>7.0f}ms{p95:>7.0f}ms"
                    if meta is not None:
                        estado = "PASS" if percentil(tiempos, .95) <= meta else "MISS"
                        linea += f"{meta:>6.0f}s  {estado}"
                    print(linea)
                base = max(percentil(t_sql, .5), 1e-6)
                print(f"  razón p50: página {percentil(t_pag, .5) / base:.2f}× el SQL crudo; libro "
                      f"{percentil(t_libro, .5) / base:.2f}×", flush=True)


if __name__ == "__main__":
    main()
