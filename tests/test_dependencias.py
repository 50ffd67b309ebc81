"""Los candados (requirements.txt, requirements-dev.txt) y sus entradas (.in) dicen lo mismo.

Si esta prueba falla después de tocar un `.in`: `make candado` (rehace los candados sin subir versiones).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

RAIZ = Path(__file__).resolve().parent.parent
AVISO = "los candados no coinciden con sus entradas: ejecute `make candado` y confirme los dos requirements*.txt"


def _entradas(nombre: str) -> dict[str, Requirement]:
    """Requisitos directos de un .in, siguiendo `-r` (no `-c`: una restricción no es una dependencia)."""
    reqs: dict[str, Requirement] = {}
    for linea in (RAIZ / nombre).read_text().splitlines():
        linea = linea.split("#", 1)[0].strip()
        if not linea or linea.startswith("-c"):
            continue
        if linea.startswith("-r"):
            reqs.update(_entradas(linea[2:].strip()))
            continue
        req = Requirement(linea)
        reqs[canonicalize_name(req.name)] = req
    return reqs


def _candado(nombre: str) -> dict[str, dict]:
    """{paquete: {"version", "hashes", "via"}} de un archivo generado por pip-compile --generate-hashes."""
    paquetes: dict[str, dict] = {}
    actual = None
    for linea in (RAIZ / nombre).read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", linea):
            actual = paquetes.setdefault(canonicalize_name(m[1]), {"version": m[2], "hashes": 0, "via": set()})
        elif actual is not None and "--hash=sha256:" in linea:
            actual["hashes"] += 1
        elif actual is not None and (m := re.search(r"(?:# via|#  ) +-r (\S+)", linea)):
            actual["via"].add(m[1])
    return paquetes


@pytest.mark.parametrize(("entrada", "candado"), [("requirements.in", "requirements.txt"),
                                                  ("requirements-dev.in", "requirements-dev.txt")])
def test_cada_dependencia_directa_esta_en_su_candado_con_una_version_admitida(entrada, candado):
    directas = _entradas(entrada)
    fijados = _candado(candado)
    faltan = sorted(set(directas) - set(fijados))
    assert not faltan, f"{AVISO} (faltan en {candado}: {faltan})"
    fuera = {n: (str(r.specifier), fijados[n]["version"]) for n, r in directas.items()
             if not r.specifier.contains(fijados[n]["version"], prereleases=True)}
    assert not fuera, f"{AVISO} (versión fuera del rango de {entrada}: {fuera})"


@pytest.mark.parametrize(("entrada", "candado"), [("requirements.in", "requirements.txt"),
                                                  ("requirements-dev.in", "requirements-dev.txt")])
def test_el_candado_no_guarda_dependencias_directas_que_ya_no_estan(entrada, candado):
    """pip-compile anota «via -r requirements.in» en cada dependencia directa: una anotación sin su línea
    en el .in es un paquete que se quitó de la entrada sin rehacer el candado."""
    directas = set(_entradas(entrada))
    anotadas = {n for n, p in _candado(candado).items() if p["via"]}
    sobran = sorted(anotadas - directas)
    assert not sobran, f"{AVISO} (en {candado} como directas pero no en {entrada}: {sobran})"


@pytest.mark.parametrize("candado", ["requirements.txt", "requirements-dev.txt"])
def test_todo_el_arbol_fijado_con_hashes(candado):
    texto = (RAIZ / candado).read_text()
    sin_fijar = [linea for linea in texto.splitlines()
                 if re.match(r"^[A-Za-z0-9]", linea) and "==" not in linea]
    assert not sin_fijar, f"{candado}: líneas sin versión fija {sin_fijar}"
    sin_hash = sorted(n for n, p in _candado(candado).items() if p["hashes"] == 0)
    assert not sin_hash, f"{candado}: paquetes sin hash {sin_hash}"
    assert "--index-url" not in texto and "--find-links" not in texto, "el candado no debe fijar un índice local"


def test_desarrollo_usa_las_mismas_versiones_que_produccion():
    produccion = _candado("requirements.txt")
    desarrollo = _candado("requirements-dev.txt")
    faltan = sorted(set(produccion) - set(desarrollo))
    assert not faltan, f"{AVISO} (requirements-dev.txt no instala {faltan})"
    distintas = {n: (p["version"], desarrollo[n]["version"]) for n, p in produccion.items()
                 if desarrollo[n]["version"] != p["version"]}
    assert not distintas, f"{AVISO} (versiones distintas entre producción y desarrollo: {distintas})"


def test_el_entorno_instalado_es_el_del_candado():
    """Lo que corre la suite es lo que fija el candado (nadie instaló otra versión a mano)."""
    from importlib.metadata import PackageNotFoundError, version

    distintas = {}
    for nombre, p in _candado("requirements-dev.txt").items():
        try:
            instalada = version(nombre)
        except PackageNotFoundError:
            distintas[nombre] = (p["version"], None)
            continue
        if instalada != p["version"]:
            distintas[nombre] = (p["version"], instalada)
    assert not distintas, f"el entorno no es el del candado (fijada, instalada): {distintas}; `make test` lo reinstala"
