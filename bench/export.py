"""Benchmark de la exportación a Excel del listado de expedientes (12 columnas).

Mide, en una sola corrida y para SQLite y (si hay initdb) PostgreSQL desechable:

  (a) piso: xlsxwriter crudo (constant_memory, escrituras tipadas) desde una lista en memoria
      con las mismas filas que exporta la vista (leídas antes, fuera del tiempo);
  (b) la exportación propia de Flask-Admin (tablib → openpyxl) por HTTP, con una vista
      `ModelView` desechable sobre `Expediente` (mismas 12 columnas, sin permisos);
  (c) la nuestra (`exportar_xlsx`) por HTTP, con sesión de `secretaria_general`.

Cada caso corre en su propio subproceso (`--caso a|b|c`) para que el RSS pico sea del caso;
el proceso padre solo orquesta (la carga de datos también va en un subproceso, para que su
memoria no se herede en el `ru_maxrss` de los hijos). Se informa el pico absoluto del proceso
y el crecimiento sobre el RSS justo antes del trabajo medido (pico del tramo medido: se
reinicia VmHWM con /proc/self/clear_refs cuando se puede). Las bases se cargan en paralelo
(nada se mide aún) y el conteo de filas con openpyxl del xlsx de (c) va al final, en paralelo.

Uso: .venv/bin/python bench/export.py [--filas 100000] [--repeticiones 1] [--repeticiones-builtin 1]
                                      [--sin-postgres]
Con 1 corrida por caso tarda ~5½ min en una máquina de 2 CPU (el builtin solo, ~1 min por motor);
`--repeticiones 2` (mejor de 2 para a y c) suma ~1½ min. Los tiempos de pared son ruidosos si la
máquina tiene otra carga: la línea de loadavg al principio y al final lo dice.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

MARCA = "RESULTADO_BENCH "
USUARIO = "secretaria_general"
URL_BUILTIN = "/admin/exp_builtin/export/xlsx/"
URL_NUESTRA = "/admin/expediente/export/xlsx/"
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CASOS = {
    "a": "(a) floor: raw xlsxwriter",
    "b": "(b) builtin flask-admin/tablib",
    "c": "(c) ours exportar_xlsx",
}
META_OURS = 1.1  # ours ≤ 1.1 × piso (issue 25; antes 1.3)
META_BUILTIN = 2.5  # builtin / ours ≥ 2.5
TIEMPO_MAX_HIJO = 900


# =========================================================================== memoria
def _status_kb(campo: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for linea in f:
                if linea.startswith(campo + ":"):
                    return int(linea.split()[1])
    except OSError:
        pass
    return None


def _maxrss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB en Linux


def _cpu() -> float:
    uso = resource.getrusage(resource.RUSAGE_SELF)
    return uso.ru_utime + uso.ru_stime


def _reiniciar_pico() -> bool:
    """Pone VmHWM (= hiwater del mm, lo que lee ru_maxrss) al RSS actual. Solo Linux."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Medicion:
    """Tiempo de pared y memoria del bloque: pico absoluto del proceso y crecimiento sobre la base."""

    def __enter__(self):
        gc.collect()
        self.pico_previo_kb = _maxrss_kb()
        self.reiniciado = _reiniciar_pico()
        self.base_kb = _status_kb("VmRSS") or self.pico_previo_kb
        self.cpu0 = _cpu()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.segundos = time.perf_counter() - self.t0
        self.cpu = _cpu() - self.cpu0
        maxrss = _maxrss_kb()
        pico_tramo = (_status_kb("VmHWM") if self.reiniciado else None) or maxrss
        self.pico_kb = max(self.pico_previo_kb, maxrss, pico_tramo)
        self.crecimiento_kb = max(0, pico_tramo - self.base_kb)
        return False

    def dict(self) -> dict:
        return {"segundos": self.segundos, "cpu": self.cpu, "pico_mb": self.pico_kb / 1024,
                "base_mb": self.base_kb / 1024, "crecimiento_mb": self.crecimiento_kb / 1024,
                "pico_reiniciado": self.reiniciado}


# =========================================================================== ayudas de los hijos
def _app(url: str, tmp: Path, builtin: bool = False):
    from app import create_app
    from tests.conftest import _config

    app = create_app(_config(url, tmp))
    if builtin:
        _agregar_builtin(app)
    return app


def _agregar_builtin(app) -> None:
    """Vista desechable con la exportación propia de Flask-Admin (tablib), antes de la primera petición."""
    from flask_admin.contrib.sqla import ModelView

    from admin_views.tramite import ExpedienteView
    from models import Expediente, db

    class ExpedienteBuiltin(ModelView):
        column_list = ExpedienteView.column_list
        can_export = True
        export_types = ["xlsx"]
        export_max_rows = 0

        def is_accessible(self):
            return True

    app.extensions["admin"][0].add_view(
        ExpedienteBuiltin(Expediente, db.session, name="Expedientes (builtin)", endpoint="exp_builtin",
                          url="/admin/exp_builtin"))


def _descargar(cliente, url: str, destino: Path) -> tuple[int, str, int]:
    """GET consumiendo el cuerpo completo a un archivo (como un navegador); cierra la respuesta."""
    n = 0
    with cliente.get(url) as r, open(destino, "wb") as f:
        estado, tipo = r.status_code, r.mimetype
        for trozo in r.iter_encoded():
            f.write(trozo)
            n += len(trozo)
    return estado, tipo, n


def _filas_xml(ruta: Path) -> int:
    """Filas de la primera hoja contando `<row ` en su XML (rápido; cuenta de control en cada corrida)."""
    import zipfile

    with zipfile.ZipFile(ruta) as z:
        nombres = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        n, resto = 0, b""
        with z.open("xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in nombres else nombres[0]) as f:
            while trozo := f.read(1 << 20):
                bloque = resto + trozo
                n += bloque.count(b"<row ") - resto.count(b"<row ")
                resto = bloque[-4:]
    return n


def _filas_openpyxl(ruta: Path) -> tuple[int, str]:
    """Filas de la primera hoja con openpyxl read_only, recorriéndolas de verdad (lento: ~25 s/100k)."""
    import openpyxl

    wb = openpyxl.load_workbook(ruta, read_only=True)
    try:
        ws = wb.worksheets[0]
        return sum(1 for _ in ws.iter_rows(values_only=True)), ws.title
    finally:
        wb.close()


def _verificar(ruta: Path, esperadas: int, estado: int, tipo: str, nbytes: int) -> dict:
    if estado != 200:
        return {"ok": False, "nota": f"HTTP {estado} ({tipo})"}
    with open(ruta, "rb") as f:
        if f.read(2) != b"PK":
            return {"ok": False, "nota": f"no es un xlsx ({tipo}, {nbytes} bytes)"}
    filas = _filas_xml(ruta)
    ok = filas == esperadas
    return {"ok": ok, "filas_xlsx": filas, "bytes": nbytes, "mimetype": tipo,
            "nota": "" if ok else f"primera hoja: {filas} filas, se esperaban {esperadas}"}


def _filas_en_memoria(app) -> tuple[list[str], list[str], list[tuple]]:
    """Las filas que exporta la vista (mismo select, filtros y orden), ya en tipos de Python simples.

    Devuelve (etiquetas, clases, filas); clase por columna: s=texto, n=número, d=fecha, m=momento.
    """
    import sqlalchemy as sa
    from flask_login import login_user

    from models import ZONA_LIMA, EnumEs, MomentoUTC, Usuario, db

    vista = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "expediente")
    with app.test_request_context(URL_NUESTRA):
        login_user(db.session.scalar(sa.select(Usuario).where(Usuario.username == USUARIO)))
        query, _va = vista.consulta_exportacion()
        etiquetas = [str(e) for _n, e in vista._export_columns]
        tipos = [d["type"] for d in query.column_descriptions]
        crudas = query.all()

    def a_lima(v):
        return v.astimezone(ZONA_LIMA).replace(tzinfo=None)

    def etiqueta_enum(v):
        return v.etiqueta if isinstance(v, EnumEs) else v.name

    def igual(v):
        return v

    conversiones = []
    for t in tipos:
        if isinstance(t, MomentoUTC):
            conversiones.append(("m", a_lima))
        elif isinstance(t, sa.DateTime):
            conversiones.append(("m", igual))
        elif isinstance(t, sa.Date):
            conversiones.append(("d", igual))
        elif isinstance(t, sa.Enum) and t.enum_class is not None:
            conversiones.append(("s", etiqueta_enum))
        elif isinstance(t, sa.Boolean):
            conversiones.append(("s", lambda v: "Sí" if v else "No"))
        elif isinstance(t, sa.Numeric | sa.Integer | sa.Float):
            conversiones.append(("n", float))
        else:
            conversiones.append(("s", str))
    funciones = [f for _k, f in conversiones]
    filas = [tuple(None if v is None else f(v) for v, f in zip(fila, funciones, strict=True)) for fila in crudas]
    del crudas
    return etiquetas, [k for k, _f in conversiones], filas


def _escribir_piso(ruta: Path, etiquetas: list[str], clases: list[str], filas: list[tuple]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(ruta), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    formatos = {"d": wb.add_format({"num_format": "dd/mm/yyyy"}),
                "m": wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})}
    negrita = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Expedientes")
    metodos = {"s": ws.write_string, "n": ws.write_number, "d": ws.write_datetime, "m": ws.write_datetime}
    for c, etiqueta in enumerate(etiquetas):
        ws.write_string(0, c, etiqueta, negrita)
    columnas = [(c, metodos[k], formatos.get(k)) for c, k in enumerate(clases)]
    for r, fila in enumerate(filas, start=1):
        for c, escribir, formato in columnas:
            v = fila[c]
            if v is not None:
                escribir(r, c, v, formato)
    wb.close()


# =========================================================================== casos (en el hijo)
def caso_a(url: str, tmp: Path, filas: int) -> dict:
    app = _app(url, tmp)
    with app.app_context():
        etiquetas, clases, datos = _filas_en_memoria(app)
    destino = tmp / "piso.xlsx"
    with Medicion() as m:
        _escribir_piso(destino, etiquetas, clases, datos)
    res = m.dict()
    res.update(_verificar(destino, filas + 1, 200, MIME_XLSX, destino.stat().st_size))
    if len(datos) != filas:
        res.update(ok=False, nota=f"la consulta devolvió {len(datos)} filas, se esperaban {filas}")
    return res


def caso_b(url: str, tmp: Path, filas: int) -> dict:
    app = _app(url, tmp, builtin=True)
    cliente = app.test_client()
    with cliente.get("/login") as r:  # calentamiento: primera petición fuera del tiempo, como en (c)
        r.get_data()
    destino = tmp / "builtin.xlsx"
    with Medicion() as m:
        estado, tipo, nbytes = _descargar(cliente, URL_BUILTIN, destino)
    res = m.dict()
    res.update(_verificar(destino, filas + 1, estado, tipo, nbytes))
    return res


def caso_c(url: str, tmp: Path, filas: int, salida: str | None = None) -> dict:
    from tests.conftest import CLAVE, Navegador

    app = _app(url, tmp)
    nav = Navegador(app.test_client())
    with nav.login(USUARIO, CLAVE) as r:
        if r.status_code != 302:
            return {"ok": False, "nota": f"login de {USUARIO} falló: HTTP {r.status_code}"}
    destino = tmp / "nuestra.xlsx"
    with Medicion() as m:
        estado, tipo, nbytes = _descargar(nav.c, URL_NUESTRA, destino)
    res = m.dict()
    res.update(_verificar(destino, filas + 1, estado, tipo, nbytes))
    if res["ok"] and tipo != MIME_XLSX:
        res.update(ok=False, nota=f"mimetype {tipo!r}")
    if salida:  # el padre lo verifica con openpyxl al final, cuando ya no se mide nada
        shutil.move(destino, salida)
    return res


def verificar_openpyxl(ruta: Path, filas: int) -> dict:
    t0 = time.perf_counter()
    n, hoja = _filas_openpyxl(ruta)
    return {"filas_openpyxl": n, "hoja": hoja, "ok": n == filas + 1, "segundos": time.perf_counter() - t0}


def preparar(url: str, tmp: Path, filas: int) -> dict:
    """Migraciones + demo (conftest.preparar_base) y N expedientes sintéticos."""
    import sqlalchemy as sa

    from models import Expediente, db
    from services.semilla import cargar_expedientes_sinteticos
    from tests.conftest import preparar_base

    t0 = time.perf_counter()
    preparar_base(url, tmp)
    app = _app(url, tmp)
    with app.app_context():
        cargar_expedientes_sinteticos(filas)
        db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente))
        db.session.remove()
        if db.engine.dialect.name == "postgresql":  # estadísticas tras el COPY, como las dejaría autovacuum
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
                con.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
    return {"segundos": time.perf_counter() - t0, "expedientes": total}


# =========================================================================== padre
class Hijo:
    """Un subproceso `bench/export.py --…` con su salida a archivos (se pueden lanzar varios a la vez)."""

    def __init__(self, args: list[str], registro: Path):
        registro.parent.mkdir(parents=True, exist_ok=True)
        self.out = open(registro.with_suffix(".out"), "w+")
        self.err = open(registro.with_suffix(".err"), "w+")
        self.p = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], cwd=RAIZ,
                                  stdout=self.out, stderr=self.err, text=True)

    def resultado(self) -> dict:
        try:
            self.p.wait(timeout=TIEMPO_MAX_HIJO)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return {"ok": False, "nota": f"más de {TIEMPO_MAX_HIJO} s"}
        finally:
            self.out.seek(0)
            self.err.seek(0)
            salida, errores = self.out.read(), self.err.read()
            self.out.close()
            self.err.close()
        for linea in reversed(salida.splitlines()):
            if linea.startswith(MARCA):
                return json.loads(linea[len(MARCA):])
        cola = "\n".join((errores or salida).strip().splitlines()[-15:])
        return {"ok": False, "nota": f"el subproceso terminó con {self.p.returncode}", "error": cola}


def _medir_backend(backend: str, url: str, tmp: Path, filas: int, repeticiones: dict[str, int]):
    """Corre los casos (intercalados: a, b, c, a, c…) y se queda con la mejor corrida de cada uno."""
    corridas: dict[str, list[dict]] = {caso: [] for caso in CASOS}
    salida_c = tmp / "nuestra_verificar.xlsx"
    for i in range(max(repeticiones.values())):
        for caso in CASOS:
            if i >= repeticiones[caso]:
                continue
            args = ["--caso", caso, "--url", url, "--tmp", str(tmp / f"{caso}{i}"), "--filas", str(filas)]
            if caso == "c" and i == 0:
                args += ["--salida", str(salida_c)]
            res = Hijo(args, tmp / f"{caso}{i}").resultado()
            shutil.rmtree(tmp / f"{caso}{i}", ignore_errors=True)
            estado = (f"{res['segundos']:.2f} s (cpu {res['cpu']:.2f} s), pico {res['pico_mb']:.0f} MB, "
                      f"+{res['crecimiento_mb']:.0f} MB" if "segundos" in res else "ERROR")
            print(f"[{backend}] {CASOS[caso]} corrida {i + 1}: {estado}"
                  f"{'' if res.get('ok') else '  ← ' + res.get('nota', '')}", flush=True)
            if res.get("error"):
                print(res["error"], flush=True)
            corridas[caso].append(res)
    resultados: dict[str, dict] = {}
    for caso, lista in corridas.items():
        validas = [r for r in lista if "segundos" in r]
        if not validas:
            resultados[caso] = lista[-1] if lista else {"ok": False, "nota": "sin corridas"}
            continue
        mejor = dict(min(validas, key=lambda r: r["segundos"]))
        mejor["pico_mb"] = max(r["pico_mb"] for r in validas)
        mejor["crecimiento_mb"] = max(r["crecimiento_mb"] for r in validas)
        mejor["ok"] = all(r.get("ok") for r in lista)
        mejor["nota"] = "; ".join(sorted({r["nota"] for r in lista if r.get("nota")}))
        mejor["corridas"] = len(lista)
        resultados[caso] = mejor
    return resultados, (salida_c if salida_c.exists() else None)


def _chequeo(r: dict) -> str:
    if "openpyxl" in r:
        v = r["openpyxl"]
        if "filas_openpyxl" in v:
            marca = "OK" if v["ok"] else "MAL"
            return f"openpyxl: {v['filas_openpyxl']:,} filas {marca}" + ("" if r.get("ok") else f"; {r.get('nota')}")
        return f"openpyxl: ERROR {v.get('nota', '')}"
    if r.get("ok"):
        return f"xml: {r['filas_xlsx']:,} filas OK"
    return f"MAL: {r.get('nota', '')}"


def _tabla(todos: dict[str, dict[str, dict]], repeticiones: dict[str, int], filas: int) -> None:
    print()
    print(f"Exportación xlsx de {filas:,} filas × 12 columnas. seconds = mejor de "
          f"{'/'.join(f'{k}:{n}' for k, n in repeticiones.items())} corridas; MB = máximo de las corridas")
    cab = (f"{'backend':<9}{'case':<34}{'seconds':>9}{'peak_MB':>9}{'growth_MB':>11}{'ratio_vs_floor':>16}"
           f"{'cpu_s':>8}{'cpu_ratio':>10}{'peak_vs_floor':>15}  check")
    print(cab)
    print("-" * (len(cab) + 26))
    for backend, res in todos.items():
        piso = res.get("a", {})
        for caso, etiqueta in CASOS.items():
            r = res.get(caso, {})
            if "segundos" not in r:
                print(f"{backend:<9}{etiqueta:<34}{'—':>9}{'—':>9}{'—':>11}{'—':>16}{'—':>8}{'—':>10}{'—':>15}  "
                      f"ERROR {r.get('nota', '')}")
                continue
            ratio = f"{r['segundos'] / piso['segundos']:.2f}x" if "segundos" in piso else "—"
            ratio_pico = f"{r['pico_mb'] / piso['pico_mb']:.2f}x" if "pico_mb" in piso else "—"
            ratio_cpu = f"{r['cpu'] / piso['cpu']:.2f}x" if piso.get("cpu") else "—"
            print(f"{backend:<9}{etiqueta:<34}{r['segundos']:>9.2f}{r['pico_mb']:>9.0f}{r['crecimiento_mb']:>11.0f}"
                  f"{ratio:>16}{r['cpu']:>8.2f}{ratio_cpu:>10}{ratio_pico:>15}  {_chequeo(r)}")
    print("peak_MB = pico absoluto del subproceso (ru_maxrss); growth_MB = pico del tramo medido − RSS justo antes.")
    print("El pico del piso (a) incluye la lista de filas en memoria, leída antes del tramo medido.")
    print("cpu_s = CPU (user+sys) del subproceso en el tramo medido: no incluye el servidor PostgreSQL, pero sufre")
    print("      menos que seconds si hay otra carga en la máquina. Las metas se juzgan con seconds (pared).")
    print()
    for backend, res in todos.items():
        a, b, c = (res.get(k, {}) for k in "abc")
        if "segundos" in a and "segundos" in c:
            x = c["segundos"] / a["segundos"]
            print(f"[{backend}] ours ≤ {META_OURS}× floor:  {x:.2f}×  {'PASS' if x <= META_OURS else 'MISS'}")
        else:
            print(f"[{backend}] ours ≤ {META_OURS}× floor:  sin datos  MISS")
        if "segundos" in b and "segundos" in c:
            x = b["segundos"] / c["segundos"]
            print(f"[{backend}] builtin/ours ≥ {META_BUILTIN}:   {x:.2f}×  {'PASS' if x >= META_BUILTIN else 'MISS'}")
        else:
            print(f"[{backend}] builtin/ours ≥ {META_BUILTIN}:   sin datos  MISS")


def _carga() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def orquestar(args) -> None:
    from tests.pg_server import para_benchmark

    inicio = time.perf_counter()
    print(f"Carga de la máquina (loadavg 1/5/15 min) al empezar: {_carga()} en {os.cpu_count()} CPU", flush=True)
    repeticiones = {"a": args.repeticiones, "b": args.repeticiones_builtin, "c": args.repeticiones}
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    (tmp / "sqlite").mkdir()
    backends = {"sqlite": f"sqlite:///{tmp / 'sqlite' / 'bench.db'}"}
    todos: dict[str, dict[str, dict]] = {}
    servidor, url_pg = para_benchmark(args.sin_postgres)
    if url_pg:
        backends["postgres"] = url_pg
    try:

        # carga de datos: en paralelo (aún no se mide nada) y fuera del proceso padre
        print(f"Cargando {args.filas:,} expedientes en: {', '.join(backends)}…", flush=True)
        cargas = {b: Hijo(["--preparar", "--url", url, "--tmp", str(tmp / b / "preparar"), "--filas",
                           str(args.filas)], tmp / b / "preparar") for b, url in backends.items()}
        listos = {}
        for b, hijo in cargas.items():
            prep = hijo.resultado()
            if prep.get("expedientes") is None:
                print(f"[{b}] no se pudo preparar la base: {prep.get('nota')}\n{prep.get('error', '')}")
                continue
            print(f"[{b}] base lista en {prep['segundos']:.1f} s ({prep['expedientes']:,} expedientes)", flush=True)
            if prep["expedientes"] != args.filas:
                print(f"[{b}] AVISO: hay {prep['expedientes']:,} expedientes, no {args.filas:,}")
            listos[b] = backends[b]

        # medición: un caso a la vez, cada uno en su subproceso
        salidas = {}
        for b, url in listos.items():
            todos[b], salidas[b] = _medir_backend(b, url, tmp / b, args.filas, repeticiones)

        # verificación con openpyxl del xlsx de (c): al final y en paralelo, fuera de toda medición
        verificaciones = {b: Hijo(["--verificar", str(ruta), "--filas", str(args.filas)], tmp / b / "verificar")
                          for b, ruta in salidas.items() if ruta is not None}
        if verificaciones:
            print("Verificando con openpyxl (read_only) las filas del xlsx de (c)…", flush=True)
        for b, hijo in verificaciones.items():
            todos[b]["c"]["openpyxl"] = hijo.resultado()
            todos[b]["c"]["ok"] = todos[b]["c"].get("ok") and todos[b]["c"]["openpyxl"].get("ok")
    finally:
        if servidor is not None:
            servidor.detener()
        shutil.rmtree(tmp, ignore_errors=True)
    _tabla(todos, repeticiones, args.filas)
    print(f"\nCarga de la máquina al terminar: {_carga()} (si pasa de ~0.3 sin el benchmark, los tiempos son ruidosos)")
    print(f"Tiempo total: {time.perf_counter() - inicio:.0f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--filas", type=int, default=100_000, help="expedientes a exportar (100000)")
    ap.add_argument("--repeticiones", type=int, default=1,
                    help="corridas de (a) y (c); se toma la más rápida (1: con 2 pasa de 5 min)")
    ap.add_argument("--repeticiones-builtin", type=int, default=1, help="corridas de (b), la más lenta (1)")
    ap.add_argument("--sin-postgres", action="store_true", help="solo SQLite")
    ap.add_argument("--caso", choices=sorted(CASOS), help=argparse.SUPPRESS)
    ap.add_argument("--preparar", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--verificar", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    ap.add_argument("--salida", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if not (args.caso or args.preparar or args.verificar):
        orquestar(args)
        return 0
    # subproceso: imprime su resultado en una línea JSON
    if args.verificar:
        res = verificar_openpyxl(Path(args.verificar), args.filas)
    else:
        tmp = Path(args.tmp)
        tmp.mkdir(parents=True, exist_ok=True)
        if args.preparar:
            res = preparar(args.url, tmp, args.filas)
        elif args.caso == "c":
            res = caso_c(args.url, tmp, args.filas, args.salida)
        else:
            res = {"a": caso_a, "b": caso_b}[args.caso](args.url, tmp, args.filas)
    print(MARCA + json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
