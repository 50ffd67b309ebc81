"""Benchmark del archivo central a escala (issue 14), en PostgreSQL: N expedientes archivados en cajas.

Pasos, en una sola corrida:

  1. PostgreSQL desechable (tests/pg_server.py; si no hay initdb se termina con una nota): migraciones + demo
     (`conftest.preparar_base`), N expedientes sintéticos (`services.semilla.cargar_expedientes_sinteticos`, sin
     derivaciones), 50 series, 2 000 ubicaciones (depósito × ambiente × estante × cuerpo × nivel) y N/10 cajas
     repartidas entre ellas (INSERT por lotes); cada expediente queda archivado en una caja (un UPDATE), 1 % de las
     cajas prestadas (la mitad vencidas); `VACUUM ANALYZE`.
  2. Con el cliente de pruebas de Flask y sesión de `archivo` (pool de producción): calentamiento; luego R
     búsquedas «¿Dónde está?» por código de expediente, de caja y de ubicación (al azar), cada una seguida de sus
     mismas sentencias SQL repetidas en una conexión DBAPI (el «SQL crudo», capturado con `before_cursor_execute`);
     R páginas de ocupación y R del informe de retención.
  3. Tabla: p50 y p95 de cada página y del SQL crudo, y las metas del issue (no son asserts: siempre sale con 0):
     búsqueda p95 ≤ 150 ms y ≤ 3 × SQL crudo (+ plantilla), ocupación ≤ 300 ms, retención ≤ 1 s.

Uso: .venv/bin/python bench/archivo.py [--expedientes 1000000] [--repeticiones 30]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from bench.comun import app_postgres, argumentos, percentil, vacuum_analyze  # noqa: E402


def cargar(expedientes: int, semilla: int = 2026) -> tuple[int, int]:
    """Series, ubicaciones, cajas y préstamos que cumplen las restricciones; cada expediente en una caja."""
    import sqlalchemy as sa

    from models import Prestamo, SerieDocumental, Ubicacion, UnidadConservacion, UnidadOrganica, db
    from services.semilla import cargar_expedientes_sinteticos

    rnd = random.Random(semilla)
    cargar_expedientes_sinteticos(expedientes, derivaciones_por_exp=0)
    db.session.commit()
    ahora = datetime.now(UTC)
    unidades = list(db.session.execute(sa.select(UnidadOrganica.id, UnidadOrganica.sigla)))
    series = [{"codigo": f"S{i:03d}", "nombre": f"Serie sintética {i}", "unidad_id": unidades[i % len(unidades)][0],
               "retencion_gestion_anios": 2, "retencion_central_anios": rnd.choice((3, 5, 8, 10)),
               "destino_final": "conservacion_permanente" if i % 5 == 0 else "eliminacion", "acceso": "publico",
               "creado_en": ahora} for i in range(50)]
    db.session.execute(SerieDocumental.__table__.insert(), series)
    ids_serie = list(db.session.execute(sa.select(SerieDocumental.id, SerieDocumental.unidad_id)))
    lugares = [{"deposito": d, "ambiente": a, "estante": e, "cuerpo": c, "nivel": n,
                "codigo": Ubicacion.formato_codigo(d, a, e, c, n), "capacidad": 60, "creado_en": ahora}
               for d in (1, 2) for a in (1, 2) for e in range(1, 51) for c in (1, 2) for n in range(1, 6)]
    db.session.execute(Ubicacion.__table__.insert(), lugares)
    ids_lugar = list(db.session.scalars(sa.select(Ubicacion.id).order_by(Ubicacion.id)))
    n_cajas = max(1, expedientes // 10)
    siglas = dict(unidades)
    lote = []
    for i in range(n_cajas):
        serie_id, unidad_id = ids_serie[i % len(ids_serie)]
        anio = 2000 + i % 26
        lote.append({"codigo": f"{siglas[unidad_id]}-{anio}-{i:06d}", "tipo": "caja", "serie_id": serie_id,
                     "unidad_productora_id": unidad_id, "fecha_inicial": date(anio, 1, 2),
                     "fecha_final": date(anio, 12, 30), "folios": 100 + i % 300,
                     "ubicacion_id": ids_lugar[i % len(ids_lugar)],
                     "estado": "prestada" if i % 100 == 0 else "en_archivo", "creado_en": ahora})
        if len(lote) == 5000:
            db.session.execute(UnidadConservacion.__table__.insert(), lote)
            lote = []
    if lote:
        db.session.execute(UnidadConservacion.__table__.insert(), lote)
    prestadas = list(db.session.scalars(sa.select(UnidadConservacion.id)
                                        .where(UnidadConservacion.estado == "prestada")))
    db.session.execute(Prestamo.__table__.insert(), [
        {"unidad_conservacion_id": c, "unidad_solicitante_id": unidades[k % len(unidades)][0],
         "solicitante": "Sintético", "fecha_prestamo": date(2026, 10, 1),
         "fecha_devolucion_prevista": date(2026, 10, 15) if k % 2 else date(2027, 1, 15), "creado_en": ahora}
        for k, c in enumerate(prestadas)])
    primera = db.session.scalar(sa.select(sa.func.min(UnidadConservacion.id)))
    db.session.execute(sa.text("UPDATE expediente SET estado = 'archivado', "
                               f"unidad_conservacion_id = {primera} + (id % {n_cajas})"))
    db.session.commit()
    return n_cajas, len(ids_lugar)


def main() -> None:
    args = argumentos(__doc__, expedientes=1_000_000, repeticiones=30)

    import sqlalchemy as sa

    from models import Expediente, Ubicacion, UnidadConservacion, db
    from tests.conftest import CLAVE, Navegador

    t0 = time.perf_counter()
    with app_postgres("bench_archivo") as app:
        if app is None:
            return
        with app.app_context():
            n_cajas, n_lugares = cargar(args.expedientes)
            n = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente))
            codigos_exp = list(db.session.scalars(sa.select(Expediente.codigo).order_by(sa.func.random()).limit(200)))
            codigos_caja = list(db.session.scalars(
                sa.select(UnidadConservacion.codigo).order_by(sa.func.random()).limit(200)))
            codigos_lugar = list(db.session.scalars(sa.select(Ubicacion.codigo).order_by(sa.func.random()).limit(200)))
            vacuum_analyze()
            print(f"[postgres] {n:,} expedientes archivados en {n_cajas:,} cajas sobre {n_lugares:,} ubicaciones, "
                  f"cargados en {time.perf_counter() - t0:.1f} s (migraciones, demo, INSERT, VACUUM ANALYZE)",
                  flush=True)

            nav = Navegador(app.test_client())
            assert nav.login("archivo", CLAVE).status_code == 302
            rnd = random.Random(7)
            consultas = {"búsqueda: expediente": codigos_exp, "búsqueda: caja": codigos_caja,
                         "búsqueda: ubicación": codigos_lugar}
            for lista in consultas.values():
                for q in lista[:3]:
                    assert nav.get(f"/admin/buscar_archivo/?q={q}").status_code == 200
            crudo = db.engine.raw_connection()
            tiempos: dict[str, list[float]] = {}

            def medir(nombre: str, url_: str, tabla: str | None = None) -> None:
                capturadas: list[tuple[str, object]] = []

                def capturar(conn, cursor, sentencia, parametros, context, executemany):
                    if tabla and sentencia.lstrip().upper().startswith("SELECT") and tabla in sentencia:
                        capturadas.append((sentencia, parametros))

                sa.event.listen(db.engine, "before_cursor_execute", capturar)
                t = time.perf_counter()
                r = nav.get(url_)
                tiempos.setdefault(nombre, []).append(time.perf_counter() - t)
                sa.event.remove(db.engine, "before_cursor_execute", capturar)
                assert r.status_code == 200, url_
                if tabla:
                    cur = crudo.cursor()
                    t = time.perf_counter()
                    for sentencia, parametros in capturadas:
                        cur.execute(sentencia, parametros)
                        cur.fetchall()
                    tiempos.setdefault(f"{nombre} (SQL crudo)", []).append(time.perf_counter() - t)
                    cur.close()

            try:
                for _ in range(args.repeticiones):
                    for nombre, lista in consultas.items():
                        medir(nombre, f"/admin/buscar_archivo/?q={rnd.choice(lista)}", "unidad_conservacion")
                for _ in range(max(5, args.repeticiones // 3)):
                    medir("ocupación", "/admin/ocupacion_archivo/", "ubicacion")
                    medir("retención", "/admin/retencion_archivo/", "unidad_conservacion")
            finally:
                crudo.close()
        metas = {"búsqueda: expediente": 0.150, "búsqueda: caja": 0.150, "búsqueda: ubicación": 0.150,
                 "ocupación": 0.300, "retención": 1.0}
        print(f"\nArchivo central: {n:,} expedientes, {n_cajas:,} cajas, {n_lugares:,} ubicaciones "
              f"({args.repeticiones} repeticiones)")
        print(f"{'':32}{'p50':>9}{'p95':>9}{'meta':>9}  {'× SQL crudo (p95)':>18}")
        for nombre, valores in tiempos.items():
            if nombre.endswith("(SQL crudo)"):
                continue
            p95 = percentil(valores, .95)
            linea = f"{nombre:32}{percentil(valores, .5) * 1000:>7.0f}ms{p95 * 1000:>7.0f}ms"
            meta = metas[nombre]
            linea += f"{meta * 1000:>7.0f}ms  {'PASS' if p95 <= meta else 'MISS'}"
            crudos = tiempos.get(f"{nombre} (SQL crudo)")
            if crudos:
                razon = p95 / max(percentil(crudos, .95), 1e-6)
                linea += f"{razon:>10.1f}×"
                if nombre.startswith("búsqueda"):
                    linea += " (meta ≤ 3× más plantilla)"
            print(linea)
            if crudos:
                p50, p95 = percentil(crudos, .5) * 1000, percentil(crudos, .95) * 1000
                print(f"{'  SQL crudo':32}{p50:>7.0f}ms{p95:>7.0f}ms")


if __name__ == "__main__":
    main()
