"""Benchmark del informe anual de transparencia a escala: 100 000 solicitudes en 5 años, en PostgreSQL.

Pasos, en una sola corrida:

  1. PostgreSQL desechable (tests/pg_server.py; si no hay initdb se termina con una nota): migraciones + demo
     (`conftest.preparar_base`), N solicitudes sintéticas repartidas en 5 años (2022–2026) con estados, respuestas,
     excepciones, unidades, sexo y temas variados (INSERT por lotes), y `VACUUM ANALYZE`.
  2. Con el cliente de pruebas de Flask y sesión de `transparencia` (pool de producción, no el NullPool de las
     pruebas): 2 peticiones de calentamiento; una con captura de su SQL (evento `before_cursor_execute`); luego
     R peticiones medidas de la página `/admin/reporte_transparencia/?anio=2026` intercaladas con R repeticiones
     de esas mismas sentencias en una conexión DBAPI (el «SQL crudo» de los agregados), y R descargas del libro
     Excel (`/xlsx/`).
  3. Tabla: p50 y p95 de página, libro y SQL crudo, y las metas del issue (no son asserts: siempre sale con 0):
     página ≤ 1 s, libro ≤ 3 s.

Uso: .venv/bin/python bench/transparencia.py [--filas 100000] [--repeticiones 10]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from bench.comun import app_postgres, argumentos, imprimir_tiempos, medir_reporte, vacuum_analyze  # noqa: E402

ANIOS = (2022, 2023, 2024, 2025, 2026)
TEMAS = ("Copia del contrato de limpieza pública", "Presupuesto institucional de apertura",
         "Relación de licencias de edificación otorgadas", "Actas de sesiones de concejo",
         "Planilla de obreros municipales", "Expediente técnico de la obra de pistas y veredas",
         "Ordenanzas sobre arbitrios", "Gastos en publicidad institucional", "Informe de control de la OCI",
         "Relación de proveedores del programa de vaso de leche", "Padrón de comerciantes del mercado",
         "Resoluciones de alcaldía sobre designaciones")
ESTADOS = (("atendida", 55), ("parcialmente_denegada", 5), ("denegada", 7), ("derivada", 5), ("desistida", 3),
           ("no_presentada", 2), ("recibida", 10), ("en_atencion", 8), ("prorrogada", 3), ("observada", 2))



def cargar(filas: int, semilla: int = 2026) -> None:
    """Solicitudes sintéticas que cumplen las restricciones de la tabla."""
    import sqlalchemy as sa

    from models import ExcepcionTransparencia, Persona, SolicitudAcceso, UnidadOrganica, db

    rnd = random.Random(semilla)
    personas = [Persona(tipo_documento="DNI", numero_documento=f"7{i:07d}", nombres=f"Persona {i}",
                        apellidos="Sintética") for i in range(3000)]
    db.session.add_all(personas)
    db.session.flush()
    ids_persona = [p.id for p in personas]
    unidades = list(db.session.scalars(sa.select(UnidadOrganica.id)))
    excepciones = list(db.session.scalars(sa.select(ExcepcionTransparencia.id)))
    estados = [e for e, peso in ESTADOS for _ in range(peso)]
    formas = ("copia_simple", "copia_certificada", "correo", "medio_digital", "consulta_directa")
    tabla = SolicitudAcceso.__table__
    por_anio = filas // len(ANIOS)
    lote: list[dict] = []
    ahora = datetime.now(UTC)
    for anio in ANIOS:
        for numero in range(1, por_anio + 1):
            pres = date(anio, 1, 1) + timedelta(days=rnd.randrange(365))
            while pres.weekday() >= 5:
                pres += timedelta(days=1)
            if pres.year != anio:
                pres = date(anio, 12, 30)
            estado = rnd.choice(estados)
            fila = {"anio": anio, "numero": numero, "codigo": f"SAIP-{anio}-{numero:05d}", "clave": "BENCH234",
                    "fecha_recepcion": datetime(pres.year, pres.month, pres.day, 15, tzinfo=UTC),
                    "fecha_presentacion": pres, "persona_id": rnd.choice(ids_persona),
                    "sexo": rnd.choice(("F", "F", "F", "M", "M", "M", None)),
                    "informacion_solicitada": f"{rnd.choice(TEMAS)} del año {anio - rnd.randrange(3)}",
                    "forma_entrega": rnd.choice(formas), "unidad_poseedora_id": rnd.choice(unidades),
                    "expediente_id": None, "fecha_vencimiento": pres + timedelta(days=14), "estado": estado,
                    "observacion": None, "fecha_observacion": None, "fecha_subsanacion": None, "prorroga": False,
                    "motivo_prorroga": None, "fecha_comunicacion_prorroga": None, "fecha_vencimiento_prorroga": None,
                    "entidad_derivada": None, "fecha_encauzamiento": None, "fecha_respuesta": None,
                    "excepcion_legal_id": None, "informacion_denegada": None, "fundamento_denegatoria": None,
                    "paginas": 0, "discos": 0, "costo_reproduccion": 0, "recibo_pago": None,
                    "fecha_apelacion": None, "fecha_elevacion": None, "resultado_apelacion": None,
                    "creado_en": ahora, "creado_por_id": None, "actualizado_en": None}
            if estado in ("atendida", "parcialmente_denegada", "denegada", "desistida"):
                fila["fecha_respuesta"] = pres + timedelta(days=rnd.randrange(1, 20))
            if estado in ("parcialmente_denegada", "denegada"):
                fila["excepcion_legal_id"] = rnd.choice(excepciones)
                fila["fundamento_denegatoria"] = "Sintético"
                if estado == "parcialmente_denegada":
                    fila["informacion_denegada"] = "Datos personales"
            if estado == "derivada":
                fila["entidad_derivada"], fila["fecha_encauzamiento"] = "SUNARP", pres + timedelta(days=1)
            if estado in ("observada", "no_presentada"):
                fila["observacion"], fila["fecha_observacion"] = "Falta el domicilio", pres + timedelta(days=1)
            if estado == "prorrogada":
                fila.update(prorroga=True, motivo_prorroga="Archivo lejano",
                            fecha_comunicacion_prorroga=pres + timedelta(days=1),
                            fecha_vencimiento_prorroga=pres + timedelta(days=30))
            lote.append(fila)
            if len(lote) == 5000:
                db.session.execute(tabla.insert(), lote)
                lote = []
    if lote:
        db.session.execute(tabla.insert(), lote)
    db.session.commit()


def main() -> None:
    args = argumentos(__doc__, filas=100_000, repeticiones=10)

    import sqlalchemy as sa

    from models import SolicitudAcceso, db
    from tests.conftest import CLAVE, Navegador

    t0 = time.perf_counter()
    with app_postgres("bench_transparencia") as app:
        if app is None:
            return
        with app.app_context():
            cargar(args.filas)
            n = db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso))
            vacuum_analyze()
            print(f"[postgres] {n:,} solicitudes en {len(ANIOS)} años cargadas en {time.perf_counter() - t0:.1f} s "
                  "(migraciones, demo, INSERT, VACUUM ANALYZE)", flush=True)
            nav = Navegador(app.test_client())
            assert nav.login("transparencia", CLAVE).status_code == 302
            tiempos, sentencias = medir_reporte(nav, "/admin/reporte_transparencia/?anio=2026",
                                                "/admin/reporte_transparencia/xlsx/?anio=2026", args.repeticiones,
                                                lambda sql: "solicitud_acceso" in sql)
        print(f"\nInforme anual 2026 sobre {n:,} solicitudes ({args.repeticiones} repeticiones; "
              f"{sentencias} sentencias SQL sobre solicitud_acceso por página)")
        print(f"{'':32}{'p50':>9}{'p95':>9}{'meta':>7}")
        imprimir_tiempos(tiempos)
        ancla = statistics.median(tiempos["SQL crudo (ancla)"])
        print(f"Python y plantilla sobre el SQL crudo (p50): página "
              f"{(statistics.median(tiempos['página']) - ancla) * 1000:.0f} ms, libro "
              f"{(statistics.median(tiempos['libro Excel']) - ancla) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
