"""El repositorio se basta solo: nada apunta a documentos que no están en él, y docs/ nombra código que existe."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
DOCS = ("reglas.md", "esquema.md", "arquitectura.md", "flask-admin.md")
EXCLUIDAS = {".venv", ".git", "node_modules", "instance", ".pytest_cache", ".ruff_cache", "__pycache__"}
SUFIJOS = {".py", ".md", ".html", ".ini", ".toml", ".txt", ".cfg", ".mako"}


def _archivos():
    for p in sorted(RAIZ.rglob("*")):
        if p.is_file() and not EXCLUIDAS & set(p.relative_to(RAIZ).parts) and \
                (p.suffix in SUFIJOS or p.name == "Makefile") and p != Path(__file__).resolve():
            yield p


def test_existen_los_documentos():
    for nombre in DOCS:
        texto = (RAIZ / "docs" / nombre).read_text()
        assert texto.startswith("# ") and len(texto) > 2000, nombre


def test_ninguna_referencia_a_documentos_ausentes():
    """Ni `shared/…` ni un `algo.md` que no esté en el repositorio (o en docs/)."""
    malas = []
    for p in _archivos():
        texto = p.read_text(errors="ignore")
        for n, linea in enumerate(texto.splitlines(), 1):
            if re.search(r"(?<![\w-])shared/|\.\./shared", linea):
                malas.append(f"{p.relative_to(RAIZ)}:{n} shared/")
            for ref in re.findall(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.md)\b", linea):
                if not ((RAIZ / ref).exists() or (RAIZ / "docs" / ref).exists() or (p.parent / ref).exists()):
                    malas.append(f"{p.relative_to(RAIZ)}:{n} {ref}")
    assert malas == [], "apunte a docs/ (reglas.md, esquema.md, arquitectura.md, flask-admin.md)"


def test_docs_nombran_codigo_que_existe():
    """`services/x.funcion`, `services/x.py`, `admin_views/x.py` y `tests/x.py` citados en docs/ existen."""
    faltan = []
    for nombre in DOCS:
        texto = (RAIZ / "docs" / nombre).read_text()
        for ruta in re.findall(r"`((?:services|admin_views|tests)/\w+\.py)`", texto):
            if not (RAIZ / ruta).exists():
                faltan.append(f"{nombre}: {ruta}")
        for modulo, nombres in re.findall(r"`services/(\w+)\.(\w+(?:`, `\w+)*)`", texto):
            if modulo == "py":
                continue
            mod = importlib.import_module(f"services.{modulo}")
            for funcion in nombres.split("`, `"):
                if funcion != "py" and not hasattr(mod, funcion):
                    faltan.append(f"{nombre}: services/{modulo}.{funcion}")
    assert faltan == []
