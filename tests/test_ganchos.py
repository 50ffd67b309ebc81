"""Los ganchos del proyecto (README, «Ganchos de VistaSegura y del modelo»): un nombre en castellano para cada
uno, los nombres antiguos que parecían de Flask-Admin se rechazan, y `acciones_permiso` suma, no reemplaza."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from admin_views.base import VistaSegura
from admin_views.seguridad import UsuarioView
from admin_views.tramite import DocumentoEmitidoView

RAIZ = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("viejo,nuevo", [("form_edit_columns", "campos_edicion"),
                                         ("column_export_sql", "sql_exportacion")])
def test_nombre_antiguo_se_rechaza(viejo, nuevo):
    with pytest.raises(TypeError, match=nuevo):
        type("VistaVieja", (VistaSegura,), {viejo: ("asunto",)})


def test_acciones_permiso_se_suman_a_las_de_la_base():
    assert DocumentoEmitidoView.acciones_permiso == {"delete": "eliminar", "emitir": "editar"}
    assert UsuarioView.acciones_permiso == {"delete": "eliminar", "desbloquear": "editar"}
    hija = type("Hija", (DocumentoEmitidoView,), {"acciones_permiso": {"revisar": "ver"}})
    assert hija.acciones_permiso == {"delete": "eliminar", "emitir": "editar", "revisar": "ver"}
    assert VistaSegura.acciones_permiso == {"delete": "eliminar"}  # la base no cambia


def test_la_tabla_del_readme_nombra_ganchos_que_existen():
    texto = (RAIZ / "README.md").read_text()
    seccion = texto.split("### Ganchos de VistaSegura y del modelo", 1)[1].split("\n### ", 1)[0]
    nombres = re.findall(r"^\| `(\w+)", seccion, flags=re.M)
    assert len(nombres) >= 15
    import admin_views.base as base
    import models

    auditoria = (RAIZ / "services" / "auditoria.py").read_text()
    for nombre in nombres:
        if nombre == "_accion_auditoria":  # lo lee services/auditoria.py de la fila que se guarda
            assert nombre in auditoria
            continue
        assert any(hasattr(x, nombre) for x in (VistaSegura, base, models, models.DocumentoEmitido)), nombre
    # ningún gancho del proyecto con nombre de Flask-Admin en las vistas
    for archivo in (RAIZ / "admin_views").glob("*.py"):
        assert not re.search(r"\b(form_edit_columns|column_export_sql)\b", archivo.read_text()) or \
            archivo.name == "base.py", archivo.name


def test_pagina_segura_exige_la_accion_de_su_endpoint(app, como):
    """Una página que no es un modelo (reportes) usa la misma tabla endpoint → acción: sin «exportar», el
    Excel da 403 aunque vea la página; con él, el archivo."""
    import sqlalchemy as sa

    from models import Permiso, Rol, db

    regidor = como("concejo")
    r = regidor.get("/admin/reporte_concejo/xlsx/normas/?anio=2026")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    r.close()
    rol_id = db.session.scalar(sa.select(Rol.id).filter_by(codigo="concejo"))
    db.session.execute(sa.delete(Permiso).where(Permiso.rol_id == rol_id, Permiso.vista == "reporte_concejo",
                                                Permiso.accion == "exportar"))
    db.session.commit()
    assert regidor.get("/admin/reporte_concejo/").status_code == 200
    assert regidor.get("/admin/reporte_concejo/xlsx/normas/?anio=2026").status_code == 403
    assert regidor.get("/admin/reporte_concejo/xlsx/otro/?anio=2026").status_code == 403  # permiso antes que 404
