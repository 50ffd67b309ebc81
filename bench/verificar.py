"""Benchmark de `/verificar/<codigo>` de un documento firmado digitalmente (issue 26: ≤ 300 ms p95).

Una base SQLite desechable con la demo y la PKI demo de Expedir (un memorando con dos firmas: V° B° y titular). Se
mide, con el cliente de pruebas de Flask y en la misma corrida:

  - la página con el archivo ya validado (lo normal: cada lectura del QR de un documento que alguien ya verificó;
    la validación se recuerda por SHA-256 y raíces, services/firma_digital.verificar_firmas);
  - la página la primera vez (sin lo recordado: lee el PDF del almacén y valida cada firma con pyHanko);
  - el ancla: validar el mismo archivo con pyHanko solo (`_validar_firmas`), sin página ni base.

Uso: .venv/bin/python bench/verificar.py [--repeticiones 50]
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from bench.comun import argumentos, percentil  # noqa: E402

META = 0.300
CLAVE = "bench-demo-2026"


def _medir(funcion, veces: int) -> list[float]:
    tiempos = []
    for _ in range(veces):
        inicio = time.perf_counter()
        funcion()
        tiempos.append(time.perf_counter() - inicio)
    return tiempos


def main() -> None:
    args = argumentos(__doc__, repeticiones=50)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from models import DocumentoEmitido, db
    from services import archivos
    from services import firma_digital as fd
    from services.demo import cargar_expedir_demo
    from services.semilla import cargar_demo

    with tempfile.TemporaryDirectory() as d:
        app = create_app({"DATABASE_URL": f"sqlite:///{d}/bench.db", "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "ADJUNTOS_DIR": f"{d}/adjuntos", "FIRMA_RAICES_DIR": f"{d}/raices"})
        app.instance_path = d
        logging.getLogger().setLevel(logging.WARNING)  # sin el registro JSON de cada petición en la salida
        with app.app_context():
            upgrade()
            cargar_demo(CLAVE)
            db.session.commit()
            cargar_expedir_demo(CLAVE)
            db.session.commit()
            # el documento firmado de la demo con más firmas (V° B° y titular)
            docs = db.session.scalars(sa.select(DocumentoEmitido).where(DocumentoEmitido.pdf_ruta.is_not(None)))
            doc, datos = max(((d, archivos.leer(d.pdf_ruta)) for d in docs),
                                       key=lambda par: len(fd.verificar_firmas(par[1])))
            n_firmas = len(fd.verificar_firmas(datos))
            codigo, raices = doc.codigo_verificacion, fd.raices_de_confianza()
            ancla = _medir(lambda: fd._validar_firmas(datos, raices), args.repeticiones)
        cliente = app.test_client()
        url = f"/verificar/{codigo}"

        def pagina():
            r = cliente.get(url)
            assert r.status_code == 200 and "Firmado digitalmente por" in r.get_data(as_text=True), r.status_code

        def primera_vez():
            fd._validadas.clear()
            pagina()

        for _ in range(3):
            pagina()  # calentamiento
        recordada = _medir(pagina, args.repeticiones)
        primera = _medir(primera_vez, args.repeticiones)

    def fila(nombre: str, t: list[float], meta: bool = False) -> str:
        p50, p95 = percentil(t, 0.5) * 1000, percentil(t, 0.95) * 1000
        marca = f"   {META * 1000:.0f} ms  {'PASS' if p95 <= META * 1000 else 'MISS'}" if meta else ""
        return f"{nombre:<46}{p50:7.0f} ms {p95:7.0f} ms{marca}"

    firmas = f"{n_firmas} firma" + ("s" if n_firmas != 1 else "")
    print(f"/verificar/<codigo> de un documento con {firmas} ({args.repeticiones} repeticiones)")
    print(f"{'':<46}{'p50':>10} {'p95':>10}   meta")
    print(fila("página (archivo ya validado)", recordada, meta=True))
    print(fila("página, primera vez (valida con pyHanko)", primera, meta=True))
    print(fila("  ancla: pyHanko solo, mismo archivo", ancla))
    print(f"primera vez / ancla (p50): {percentil(primera, 0.5) / percentil(ancla, 0.5):.2f}×")


if __name__ == "__main__":
    main()
