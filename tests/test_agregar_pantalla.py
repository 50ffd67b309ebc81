"""El camino de «Agregar una pantalla» (README) se comprueba solo: la migración generada no necesita retoques por
`use_alter`, la tabla de roles del README se reescribe con el comando que la guía nombra, una categoría nueva del
menú no necesita un ícono declarado y las secciones de models.py siguen el orden que dice docs/arquitectura.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.operations import ops

import admin_views
from tests.conftest import _config

RAIZ = Path(__file__).resolve().parent.parent


def _render_item():
    """`render_item` de migrations/env.py (el archivo no se importa: corre las migraciones al cargarse)."""
    arbol = ast.parse((RAIZ / "migrations" / "env.py").read_text())
    funcion = next(n for n in arbol.body if isinstance(n, ast.FunctionDef) and n.name == "render_item")
    espacio: dict = {}
    exec(compile(ast.Module(body=[funcion], type_ignores=[]), "env.py", "exec"), espacio)  # noqa: S102
    return espacio["render_item"]


def test_la_migracion_generada_crea_la_fk_de_creado_por():
    """La FK `creado_por_id` de ConTrazabilidad lleva `use_alter=True` (para create_all); la migración generada la
    escribe sin él, o PostgreSQL no la crearía dentro de `op.create_table`."""
    meta = sa.MetaData()
    sa.Table("usuario", meta, sa.Column("id", sa.Integer, primary_key=True))
    tabla = sa.Table("convenio", meta, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("creado_por_id", sa.Integer, sa.ForeignKey("usuario.id", use_alter=True)),
                     sa.Column("creado_en", sa.DateTime(timezone=True)))
    operaciones = ops.UpgradeOps(ops=[ops.CreateTableOp.from_table(tabla)])
    assert "use_alter=True" in render_python_code(operaciones)  # sin el gancho, así saldría
    codigo = render_python_code(operaciones, render_item=_render_item())
    assert "use_alter" not in codigo and "sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], )" in codigo
    assert tabla.c.creado_por_id.foreign_keys.pop().constraint.use_alter  # el modelo no cambia


def test_tabla_de_roles_se_reescribe_con_el_comando(app, runner, monkeypatch, tmp_path):
    """`make readme` (`flask tabla-roles --readme`) deja en el README la tabla que la prueba de permisos exige."""
    readme = (RAIZ / "README.md").read_text()
    inicio = readme.index("| Rol | Alcance | Puede (por defecto) |")
    fin = readme.index("\n\n", inicio)
    viejo = readme[:inicio] + "| Rol | Alcance | Puede (por defecto) |\n|---|---|---|\n| `admin` | todas | nada |" + \
        readme[fin:]
    (tmp_path / "README.md").write_text(viejo)
    monkeypatch.setattr(app, "root_path", str(tmp_path))
    r = runner.invoke(args=["tabla-roles", "--readme"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "README.md").read_text() == readme
    assert "make readme" in (RAIZ / "tests" / "test_permisos_declarados.py").read_text()  # la prueba lo nombra
    assert "tabla-roles --readme" in (RAIZ / "Makefile").read_text()


def test_categoria_nueva_sin_icono_declarado(monkeypatch, tmp_path):
    monkeypatch.setattr(admin_views, "ICONOS_CATEGORIA",
                        {c: i for c, i in admin_views.ICONOS_CATEGORIA.items() if c != admin_views.CONTROL})
    from app import create_app

    app = create_app(_config(f"sqlite:///{tmp_path / 'x.db'}", tmp_path))
    iconos = app.extensions["admin"][0].category_icon_classes
    assert iconos[admin_views.CONTROL] == f"fa {admin_views.ICONO_CATEGORIA}"
    assert iconos[admin_views.TRAMITE] == "fa fa-folder"
    assert set(iconos) == {v[3] for v in admin_views.VISTAS}


def test_secciones_de_models_en_el_orden_documentado():
    """docs/arquitectura.md dice el orden de las secciones de models.py (donde va un modelo nuevo)."""
    secciones = re.findall(r"^# -{20,} (.+)$", (RAIZ / "models.py").read_text(), re.M)
    doc = (RAIZ / "docs" / "arquitectura.md").read_text()
    lista = doc.split("Secciones de `models.py`", 1)[1].split("\n\n", 1)[0]
    documentadas = [" ".join(s.split()) for s in re.findall(r"«([^»]+)»", lista)]
    assert secciones == documentadas, "actualice la lista «Secciones de `models.py`» de docs/arquitectura.md"
