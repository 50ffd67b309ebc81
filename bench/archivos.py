"""Benchmark del almacén de archivos: adjuntar y leer un PDF de 5 MB por la aplicación, en S3 frente a la carpeta local.

En una sola corrida, sobre la misma base (SQLite con migraciones + demo; el SQL es el mismo en los dos casos):

  - local (el ancla): `ADJUNTOS_DIR`, la carpeta por defecto;
  - S3: un servidor S3 real en otro proceso (moto en modo servidor, `python -m moto.server`; el de las pruebas)
    y `ARCHIVOS_URL=s3://bucket/prefijo?endpoint=…`.

Cada repetición, intercalando local y S3 (la carga ajena de la máquina afecta a ambos): **adjuntar** = el ingreso de
Mesa de Partes con el PDF (POST del formulario con sesión y CSRF: validación del PDF, firma, número, derivación y la
escritura en el almacén antes del commit) y **leer** = la descarga del adjunto desde su expediente (GET, alcance y
entrega en bloques). Cada PDF es distinto (si no, el segundo no se escribiría: el almacén deduplica por SHA-256).
También se miden las operaciones del almacén solas (`guardar` y leer de vuelta 5 MB), sin la aplicación.

Meta del issue: adjuntar + leer por S3 ≤ 1,5 × por la carpeta local (p50 de la suma, misma corrida).

Uso: .venv/bin/python bench/archivos.py [--repeticiones 20] [--mb 5]
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from comun import RAIZ, argumentos, percentil  # noqa: F401  (RAIZ: sys.path con la raíz del repositorio)

META = 1.5


def _pdf(texto: str, mb: float) -> bytes:
    from tests.pdf_prueba import pdf_unico

    return pdf_unico(texto, relleno=int(mb * 1024 * 1024))


def _ingreso(nav, pdf: bytes, tipo: int, destino: int) -> tuple[int, str]:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    datos = {"origen": "externo", "canal": "presencial", "tipo_documento": str(tipo), "asunto": "Solicita licencia",
             "folios": "40", "prioridad": "normal", "unidad_actual": str(destino), "nuevo_documento": "45678912",
             "nuevo_nombre": "Juana Pérez", "csrf_token": nav.token,
             "archivo": FileStorage(io.BytesIO(pdf), filename="expediente.pdf", content_type="application/pdf")}
    limite, cuerpo = encode_multipart(datos)
    r = nav.c.post("/admin/expediente/new/", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")
    return r.status_code, r.headers.get("Location", "")


def main() -> int:
    args = argumentos(__doc__, repeticiones=20, mb=5.0)
    import logging

    import sqlalchemy as sa

    from app import create_app
    from models import Adjunto, TipoDocumento, UnidadOrganica, db
    from services import archivos
    from tests.conftest import CLAVE, Navegador, _config, preparar_base
    from tests.servicios import CREDENCIALES_S3, ServidorS3

    print(f"Carga de la máquina (loadavg) al empezar: {' '.join(Path('/proc/loadavg').read_text().split()[:3])} "
          f"en {os.cpu_count()} CPU")
    if not ServidorS3.disponible():
        print("S3 OMITIDO: moto[s3] y flask-cors no están instalados (requirements-dev.txt).")
        return 1
    os.environ.update(CREDENCIALES_S3)
    tmp = Path(tempfile.mkdtemp(prefix="bench-archivos-"))
    s3 = ServidorS3().iniciar()
    try:
        bucket = s3.nuevo_bucket(f"bench-{uuid.uuid4().hex[:8]}")
        url = f"sqlite:///{tmp / 'bench.db'}"
        preparar_base(url, tmp)
        apps = {}
        for nombre, extra in (("local", {}), ("S3", {"ARCHIVOS_URL": s3.url(bucket, "archivos")})):
            config = {**_config(url, tmp / nombre), "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
                      "MAX_ADJUNTO_MB": int(args.mb) + 2, **extra}
            apps[nombre] = create_app(config)
        logging.getLogger("secretaria").setLevel(logging.WARNING)  # sin la línea JSON de cada petición en la consola
        print(f"Almacenes: local = {archivos.almacen(apps['local']).descripcion}; "
              f"S3 = {archivos.almacen(apps['S3']).descripcion} (moto.server)")
        navs = {}
        with apps["local"].app_context():
            tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Solicitud"))
            destino = db.session.scalar(sa.select(UnidadOrganica.id).where(UnidadOrganica.sigla == "GSC"))
        for nombre, app in apps.items():
            nav = Navegador(app.test_client())
            assert nav.login("mesa_partes", CLAVE).status_code == 302
            navs[nombre] = nav

        tiempos = {(n, op): [] for n in apps for op in ("adjuntar", "leer", "adjuntar + leer", "guardar", "abrir")}
        print(f"Generando {2 * (args.repeticiones + 2)} PDF distintos de {args.mb:g} MB…", flush=True)
        pdfs = iter([_pdf(f"bench {i} {uuid.uuid4()}", args.mb) for i in range(2 * (args.repeticiones + 2))])
        for i in range(args.repeticiones + 2):  # las 2 primeras, de calentamiento
            for nombre, app in apps.items():
                pdf = next(pdfs)
                gc.collect()
                t0 = time.perf_counter()
                estado, ubicacion = _ingreso(navs[nombre], pdf, tipo, destino)
                t_adj = time.perf_counter() - t0
                assert estado == 302 and "cargo" in ubicacion, (nombre, estado)
                with app.app_context():
                    adj = db.session.scalar(sa.select(Adjunto).where(Adjunto.sha256 == hashlib.sha256(pdf).hexdigest()))
                    adj_id = adj.id
                t0 = time.perf_counter()
                r = navs[nombre].get(f"/admin/expediente/adjunto/?id={adj_id}")
                datos = r.get_data()
                r.close()
                t_leer = time.perf_counter() - t0
                assert r.status_code == 200 and datos == pdf, (nombre, r.status_code)
                # el almacén solo, sin la aplicación (un contenido nuevo cada vez)
                with app.app_context():
                    extra = pdf + uuid.uuid4().bytes
                    t0 = time.perf_counter()
                    a = archivos.guardar(extra)
                    t_g = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    assert archivos.leer(a.clave) == extra
                    t_a = time.perf_counter() - t0
                if i >= 2:
                    for op, t in (("adjuntar", t_adj), ("leer", t_leer), ("adjuntar + leer", t_adj + t_leer),
                                  ("guardar", t_g), ("abrir", t_a)):
                        tiempos[(nombre, op)].append(t)
        print(f"\nPDF de {args.mb:g} MB, {args.repeticiones} repeticiones por caso (intercaladas), ms:")
        print(f"{'operación':<32}{'local p50':>10}{'local p95':>10}{'S3 p50':>9}{'S3 p95':>9}{'S3/local p50':>14}")
        for op, titulo in (("adjuntar", "adjuntar (POST del ingreso)"), ("leer", "leer (GET del adjunto)"),
                           ("adjuntar + leer", "adjuntar + leer"), ("guardar", "almacén: guardar 5 MB"),
                           ("abrir", "almacén: leer 5 MB")):
            lo, s3t = tiempos[("local", op)], tiempos[("S3", op)]
            razon = statistics.median(s3t) / statistics.median(lo)
            print(f"{titulo:<32}{statistics.median(lo) * 1000:>10.1f}{percentil(lo, .95) * 1000:>10.1f}"
                  f"{statistics.median(s3t) * 1000:>9.1f}{percentil(s3t, .95) * 1000:>9.1f}{razon:>13.2f}×")
        razon = statistics.median(tiempos[("S3", "adjuntar + leer")]) / \
            statistics.median(tiempos[("local", "adjuntar + leer")])
        print(f"\nMeta: adjuntar + leer por S3 ≤ {META} × por la carpeta local (p50): {razon:.2f}×  "
              f"{'PASS' if razon <= META else 'MISS'}")
        print("(moto.server es un S3 escrito en Python, más lento que MinIO o AWS: la razón con un S3 de producción "
              "es, si algo, menor)")
        print(f"Carga de la máquina al terminar: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
        for app in apps.values():
            with app.app_context():
                db.engine.dispose()
    finally:
        s3.detener()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
