"""La estructura del proyecto, vigilada (docs/arquitectura.md): capas de importación sin ciclos y
migraciones cuyo nombre de archivo ordena la cadena."""

from __future__ import annotations

import ast
import re
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent

# capa de cada módulo: solo se importa lo de una capa menor (o, en la misma capa, lo del mismo paquete)
CAPAS = {"configuracion": 0, "models": 1, "services": 2, "admin_views": 3, "auth": 3, "publico": 3, "casilla": 3,
         "commands": 3, "operacion": 3, "app": 4}
# Importaciones contra las capas toleradas: ninguna. No agregue excepciones: corrija la importación.
EXCEPCIONES: set[tuple[str, str]] = set()


def modulos() -> dict[str, Path]:
    archivos = sorted(RAIZ.glob("*.py")) + sorted(RAIZ.glob("services/**/*.py")) + \
        sorted(RAIZ.glob("admin_views/**/*.py"))
    resultado = {}
    for archivo in archivos:
        nombre = ".".join(archivo.relative_to(RAIZ).with_suffix("").parts)
        resultado[nombre.removesuffix(".__init__")] = archivo
    return resultado


def importaciones(mods: dict[str, Path]) -> dict[str, dict[str, int]]:
    """{módulo: {módulo del proyecto que importa: línea}}, también las importaciones dentro de funciones."""
    grafo: dict[str, dict[str, int]] = {}
    for nombre, archivo in mods.items():
        paquete = nombre if archivo.name == "__init__.py" else nombre.rpartition(".")[0]
        destinos: dict[str, int] = {}
        for nodo in ast.walk(ast.parse(archivo.read_text(), str(archivo))):
            candidatos = []
            if isinstance(nodo, ast.Import):
                candidatos = [a.name for a in nodo.names]
            elif isinstance(nodo, ast.ImportFrom):
                base = nodo.module or ""
                if nodo.level:
                    partes = paquete.split(".")[: len(paquete.split(".")) - nodo.level + 1]
                    base = ".".join([*partes, base] if base else partes)
                candidatos = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in nodo.names]
            for c in candidatos:
                while c and c not in mods:  # import services.tramite.algo → services.tramite
                    c = c.rpartition(".")[0]
                if c and c != nombre:
                    destinos.setdefault(c, nodo.lineno)
        grafo[nombre] = destinos
    return grafo


def _capa(modulo: str) -> int:
    return CAPAS[modulo.split(".")[0]]


def test_cada_modulo_tiene_capa():
    sin_capa = sorted(m for m in modulos() if m.split(".")[0] not in CAPAS)
    assert sin_capa == [], "agregue el módulo nuevo a CAPAS (y a docs/arquitectura.md)"


def test_importaciones_respetan_las_capas():
    mods = modulos()
    contra = []
    for origen, destinos in importaciones(mods).items():
        for destino, linea in destinos.items():
            mismo_paquete = origen.split(".")[0] == destino.split(".")[0] and "." in origen + destino
            permitida = _capa(destino) < _capa(origen) or (_capa(destino) == _capa(origen) and mismo_paquete)
            if not permitida and (origen, destino) not in EXCEPCIONES:
                contra.append(f"{origen} (línea {linea}) importa {destino}")
    assert contra == [], "models ← services ← admin_views/auth/publico/commands ← app (docs/arquitectura.md)"


def test_sin_excepciones():
    """La regla de la votación quedó en el modelo (issue 10, punto 6): no queda importación tolerada."""
    assert not EXCEPCIONES


def test_sin_ciclos_de_importacion():
    grafo = {o: {d for d in ds if (o, d) not in EXCEPCIONES} for o, ds in importaciones(modulos()).items()}
    ciclos, estado = [], {}

    def visitar(m: str, camino: list[str]) -> None:
        estado[m] = "en_curso"
        for d in sorted(grafo.get(m, ())):
            if estado.get(d) == "en_curso":
                ciclos.append(" → ".join([*camino[camino.index(d):], d]))
            elif d not in estado:
                visitar(d, [*camino, d])
        estado[m] = "listo"

    for m in sorted(grafo):
        if m not in estado:
            visitar(m, [m])
    assert ciclos == []


def test_guardia_detecta_una_importacion_prohibida(tmp_path, monkeypatch):
    """La guardia no es decorativa: un models.py que importa admin_views, o un ciclo, la hacen fallar."""
    import pytest

    falso = {"models": tmp_path / "models.py", "admin_views.base": tmp_path / "base.py",
             "services.a": tmp_path / "a.py", "services.b": tmp_path / "b.py"}
    falso["models"].write_text("def f():\n    from admin_views.base import X\n")
    falso["admin_views.base"].write_text("import models\n")
    falso["services.a"].write_text("from services import b\n")
    falso["services.b"].write_text("from services.a import algo\n")
    monkeypatch.setitem(globals(), "modulos", lambda: falso)
    assert importaciones(falso)["models"] == {"admin_views.base": 2}
    with pytest.raises(AssertionError):
        test_importaciones_respetan_las_capas()
    with pytest.raises(AssertionError):
        test_sin_ciclos_de_importacion()


# --------------------------------------------------------------------------- migraciones
def _cadena() -> list[tuple[str, str, str | None]]:
    """[(archivo, revision, down_revision)] en el orden de los nombres de archivo."""
    filas = []
    for archivo in sorted((RAIZ / "migrations" / "versions").glob("*.py")):
        texto = archivo.read_text()
        rev = re.search(r"^revision\s*=\s*['\"](\w+)['\"]", texto, re.M).group(1)
        baja = re.search(r"^down_revision\s*=\s*(?:['\"](\w+)['\"]|None)", texto, re.M).group(1)
        filas.append((archivo.name, rev, baja))
    return filas


def test_migraciones_ordenadas_como_la_cadena():
    """Cada archivo baja al anterior en orden alfabético: el nombre (fecha y hora primero) ordena la cadena.
    Si dos ramas agregaron migraciones, encadénelas y renombre los archivos con la hora en que quedan."""
    filas = _cadena()
    assert filas[0][2] is None
    for (anterior, rev_anterior, _), (archivo, _rev, baja) in zip(filas, filas[1:], strict=False):
        assert baja == rev_anterior, f"{archivo} baja a {baja}, pero el archivo anterior es {anterior}"
    for archivo, rev, _ in filas:
        assert re.fullmatch(rf"\d{{8}}_\d{{6}}_{rev}_\w+\.py", archivo), archivo


def test_plantilla_de_nombres_con_fecha_y_hora():
    ini = (RAIZ / "migrations" / "alembic.ini").read_text()
    plantilla = re.search(r"^file_template\s*=\s*(.+)$", ini, re.M).group(1)
    assert plantilla.startswith("%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d%%(second).2d_%%(rev)s")
    assert re.search(r"^timezone\s*=\s*UTC$", ini, re.M)
    assert re.search(r"^migrate:.*\n(?:\t.*\n)*\t\$\(FLASK\) db migrate -m \"\$\(MSG\)\"",
                     (RAIZ / "Makefile").read_text(), re.M)
