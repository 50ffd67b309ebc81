"""Benchmark de la casilla electrónica a escala (issue 27), en PostgreSQL: bandeja y «Mis trámites» de un ciudadano.

Pasos, en una sola corrida:

  1. PostgreSQL desechable (tests/pg_server.py; si no hay initdb se termina con una nota): migraciones + demo
     (`conftest.preparar_base`) y N expedientes sintéticos (`services.semilla.cargar_expedientes_sinteticos`, ~2
     derivaciones cada uno; COPY). Un ciudadano con casilla (identidad validada, consentimiento) remitente de
     `--tramites` expedientes (200) y 20 solicitudes de acceso, y `--notificaciones` depósitos (1 000) en su casilla,
     cada uno con su documento emitido y su diligencia; además `--otras` casillas (2 000) con 10 depósitos cada una,
     para que su bandeja conviva con muchas otras. Carga por INSERT en lote (las reglas del ORM no se ejecutan: es
     solo volumen). `VACUUM ANALYZE`.
  2. Con el cliente de pruebas de Flask y la sesión del ciudadano (cookie de la casilla, pool de producción):
     calentamiento; luego R peticiones de cada página, cada una seguida de sus mismas sentencias SQL repetidas en una
     conexión DBAPI (el «SQL crudo», capturado con `before_cursor_execute`; solo SELECT): el ancla de la misma corrida.
     Páginas: bandeja (primera y última página de 50), una notificación, «Mis trámites» (primera y última página) y
     el detalle de un expediente con su ruta y lo notificado.
  3. Tabla: p50 y p95 de cada página y de su SQL crudo, la razón p95 / SQL crudo p95 y la meta del issue (no son
     asserts: siempre sale con 0): bandeja y «Mis trámites» p95 ≤ 100 ms.

Uso: .venv/bin/python bench/casilla.py [--expedientes 1000000] [--repeticiones 50] [--congelar_gc]
"""

from __future__ import annotations

import gc
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from bench.comun import app_postgres, argumentos, percentil, vacuum_analyze  # noqa: E402

META = 0.100
DNI = "40000001"


def cargar(args) -> dict:
    """El volumen: expedientes sintéticos, el ciudadano con sus trámites y su bandeja, y las demás casillas."""
    import hashlib
    import secrets

    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from models import (
        ConsentimientoCasilla,
        CuentaCasilla,
        DepositoCasilla,
        DocumentoEmitido,
        Expediente,
        Notificacion,
        Persona,
        SolicitudAcceso,
        TipoDocumento,
        UnidadOrganica,
        db,
    )
    from services import transparencia
    from services.adjuntos import guardar_datos
    from services.semilla import cargar_expedientes_sinteticos, pdf_demo
    from tests.ayudas_casilla import CLAVE_CIUDADANO

    rnd = random.Random(27)
    cargar_expedientes_sinteticos(args.expedientes)
    db.session.commit()
    ahora = datetime.now(UTC)
    carta = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Carta"))
    gdu = db.session.scalar(sa.select(UnidadOrganica.id).where(UnidadOrganica.sigla == "GDU"))
    pdf = pdf_demo("CARTA", ["Documento de prueba del benchmark"])
    sha = hashlib.sha256(pdf).hexdigest()

    # el ciudadano: cuenta validada con consentimiento, remitente de `tramites` expedientes al azar de la base
    persona = db.session.scalar(sa.select(Persona).where(Persona.tipo_documento == "DNI",
                                                         Persona.numero_documento == DNI))  # un sintético, quizá
    previa = persona is not None
    if persona is None:
        persona = Persona(tipo_documento="DNI", numero_documento=DNI, nombres="Rosa Elena", apellidos="Quispe Huamán")
        db.session.add(persona)
        db.session.flush()
    cuenta = CuentaCasilla(persona=persona, email="rosa@example.pe", password_hash=generate_password_hash(
        CLAVE_CIUDADANO), email_verificado_en=ahora, identidad_validada_en=ahora, origen="mostrador")
    db.session.add(cuenta)
    db.session.flush()
    db.session.add(ConsentimientoCasilla(cuenta=cuenta, version_texto="2026-1", otorgado_en=ahora, ip="127.0.0.1"))
    maximo = db.session.scalar(sa.select(sa.func.max(Expediente.id)))
    suyos = rnd.sample(range(1, maximo + 1), args.tramites)
    db.session.execute(sa.update(Expediente).where(Expediente.id.in_(suyos))
                       .values(persona_id=persona.id, origen="externo", unidad_origen_id=None))
    for i in range(20):
        sol = SolicitudAcceso(persona=persona, informacion_solicitada=f"Información {i}", forma_entrega="correo")
        transparencia.registrar_solicitud(sol)
        db.session.add(sol)
    db.session.commit()
    ruta = guardar_datos(pdf, cuenta)  # el mismo PDF para todos los depósitos (se escribe con el commit)
    db.session.commit()

    # otras casillas: personas, cuentas y consentimientos
    base_p = db.session.scalar(sa.select(sa.func.max(Persona.id))) + 1
    # carné de extranjería: no choca con los DNI al azar de los expedientes sintéticos
    otras = [{"id": base_p + i, "tipo_documento": "CE", "numero_documento": f"BENCH{i:06d}", "nombres": "Otro",
              "apellidos": f"Ciudadano {i}", "creado_en": ahora} for i in range(args.otras)]
    db.session.execute(Persona.__table__.insert(), otras)
    db.session.execute(CuentaCasilla.__table__.insert(), [
        {"persona_id": p["id"], "email": f"otro{p['id']}@example.pe", "password_hash": "x",
         "email_verificado_en": ahora, "identidad_validada_en": ahora, "origen": "mostrador", "activa": True,
         "totp_activo": False, "version_sesion": 0, "creado_en": ahora} for p in otras])
    ids_cuentas = list(db.session.scalars(sa.select(CuentaCasilla.id).where(CuentaCasilla.id != cuenta.id)))

    # depósitos: documento emitido (notificado) + diligencia (casilla) + depósito, en lotes
    destinos = [(cuenta.id, suyos)] * args.notificaciones + \
        [(c, None) for c in ids_cuentas for _ in range(10)]
    rnd.shuffle(destinos)
    base_doc = (db.session.scalar(sa.select(sa.func.max(DocumentoEmitido.id))) or 0) + 1
    base_not = (db.session.scalar(sa.select(sa.func.max(Notificacion.id))) or 0) + 1
    anio = datetime.now(UTC).year
    docs, notifs, deps = [], [], []
    for i, (cid, expedientes) in enumerate(destinos):
        momento = ahora - timedelta(minutes=len(destinos) - i)
        fecha = momento.date()
        docs.append({"id": base_doc + i, "tipo_documento_id": carta, "unidad_id": gdu, "anio": fecha.year,
                     "numero": 100_000 + i, "codigo": f"CARTA N° {100_000 + i}-{fecha.year}-GDU/BENCH", "fecha": fecha,
                     "asunto": f"Respuesta {i}", "expediente_id": rnd.choice(expedientes) if expedientes else None,
                     "estado": "notificado", "fecha_notificacion": fecha,
                     "codigo_verificacion": secrets.token_urlsafe(12), "creado_en": momento})
        notifs.append({"id": base_not + i, "documento_id": base_doc + i, "modalidad": "casilla_electronica",
                       "resultado": "entregada", "fecha_hora": momento, "creado_en": momento})
        deps.append({"anio": anio, "numero": i + 1, "codigo": DepositoCasilla.formato_codigo(anio, i + 1),
                      "cuenta_id": cid, "notificacion_id": base_not + i, "acto_codigo": docs[-1]["codigo"],
                      "asunto": docs[-1]["asunto"], "fecha_hora": momento, "fecha_efecto": fecha,
                      "pdf_nombre": "carta.pdf", "pdf_ruta": ruta, "pdf_sha256": sha, "pdf_tamano": len(pdf),
                      "leida_en": momento if i % 3 else None})
        if len(docs) == 5000 or i == len(destinos) - 1:
            db.session.execute(DocumentoEmitido.__table__.insert(), docs)
            db.session.execute(Notificacion.__table__.insert(), notifs)
            db.session.execute(DepositoCasilla.__table__.insert(), deps)
            docs, notifs, deps = [], [], []
    for tabla in ("persona", "documento_emitido", "notificacion"):
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{tabla}', 'id'), (SELECT max(id) FROM {tabla}))"))
    db.session.commit()
    return {"expedientes": db.session.scalar(sa.select(sa.func.count()).select_from(Expediente)),
            "depositos": db.session.scalar(sa.select(sa.func.count()).select_from(DepositoCasilla)),
            "cuentas": len(ids_cuentas) + 1, "suyos": suyos, "cuenta": cuenta.id,
            "persona_previa": previa}


def main() -> None:
    args = argumentos(__doc__, expedientes=1_000_000, repeticiones=50, tramites=200, notificaciones=1000,
                      otras=2000, congelar_gc=False)

    import sqlalchemy as sa

    from models import DepositoCasilla, db
    from tests.ayudas_casilla import Ciudadano

    t0 = time.perf_counter()
    with app_postgres("bench_casilla") as app:
        if app is None:
            return
        with app.app_context():
            datos = cargar(args)
            vacuum_analyze()
            print(f"[postgres] {datos['expedientes']:,} expedientes, {datos['depositos']:,} depósitos en "
                  f"{datos['cuentas']:,} casillas; el ciudadano: {args.tramites} expedientes + 20 solicitudes y "
                  f"{args.notificaciones} notificaciones; cargado en {time.perf_counter() - t0:.1f} s", flush=True)
            from tests.conftest import ClienteAislado

            app.test_client_class = ClienteAislado  # cada petición con su contexto (su `g`), como en producción
            c = Ciudadano(app)
            assert c.ingresar(DNI).status_code == 302
            dep = db.session.scalar(sa.select(sa.func.max(DepositoCasilla.id))
                                    .where(DepositoCasilla.cuenta_id == datos["cuenta"]))
            ultima_bandeja = (args.notificaciones - 1) // 50 + 1
            ultima_tramites = (args.tramites - 1) // 50 + 1
            paginas = {"bandeja (página 1)": "/casilla/",
                       f"bandeja (página {ultima_bandeja})": f"/casilla/?pagina={ultima_bandeja}",
                       "una notificación": f"/casilla/notificacion/{dep}",
                       "Mis trámites (página 1)": "/casilla/tramites",
                       f"Mis trámites (página {ultima_tramites})": f"/casilla/tramites?pagina={ultima_tramites}",
                       "un expediente": f"/casilla/expediente/{datos['suyos'][0]}"}
            metas = {n: META for n in paginas if n.startswith(("bandeja", "Mis trámites"))}
            for url in paginas.values():
                for _ in range(3):
                    r = c.get(url)
                    assert r.status_code == 200, (url, r.status_code)
            assert f"Expedientes ({len(datos['suyos'])})" in c.get("/casilla/tramites").text or \
                datos["persona_previa"], "la página no lista los expedientes del ciudadano"
            if args.congelar_gc:
                gc.collect()
                gc.freeze()
            crudo = db.engine.raw_connection()
            tiempos: dict[str, list[float]] = {}
            try:
                for _ in range(args.repeticiones):
                    for nombre, url in paginas.items():
                        capturadas: list[tuple[str, object]] = []

                        def capturar(conn, cursor, sentencia, parametros, context, executemany, _c=capturadas):
                            if sentencia.lstrip().upper().startswith("SELECT"):
                                _c.append((sentencia, parametros))

                        sa.event.listen(db.engine, "before_cursor_execute", capturar)
                        t = time.perf_counter()
                        r = c.get(url)
                        tiempos.setdefault(nombre, []).append(time.perf_counter() - t)
                        sa.event.remove(db.engine, "before_cursor_execute", capturar)
                        assert r.status_code == 200
                        cur = crudo.cursor()
                        t = time.perf_counter()
                        for sentencia, parametros in capturadas:
                            cur.execute(sentencia, parametros)
                            cur.fetchall()
                        tiempos.setdefault(f"{nombre} (SQL crudo)", []).append(time.perf_counter() - t)
                        cur.close()
            finally:
                crudo.close()
            print(f"\nCasilla electrónica: {datos['expedientes']:,} expedientes, {datos['depositos']:,} depósitos "
                  f"({args.repeticiones} repeticiones{', gc.freeze()' if args.congelar_gc else ''})")
            print(f"{'':32}{'p50':>9}{'p95':>9}{'meta':>9}  {'× SQL crudo (p95)':>18}")
            for nombre in paginas:
                valores, crudos = tiempos[nombre], tiempos[f"{nombre} (SQL crudo)"]
                p95 = percentil(valores, .95)
                linea = f"{nombre:32}{percentil(valores, .5) * 1000:>7.0f}ms{p95 * 1000:>7.0f}ms"
                if nombre in metas:
                    linea += f"{metas[nombre] * 1000:>7.0f}ms  {'PASS' if p95 <= metas[nombre] else 'MISS'}"
                else:
                    linea += f"{'':>7}    {'':4}"
                linea += f"{p95 / max(percentil(crudos, .95), 1e-6):>10.1f}×"
                print(linea)
                p50c, p95c = percentil(crudos, .5) * 1000, percentil(crudos, .95) * 1000
                print(f"{'  SQL crudo':32}{p50c:>7.0f}ms{p95c:>7.0f}ms")


if __name__ == "__main__":
    main()
