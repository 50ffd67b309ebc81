"""Las filas de cada listado pintadas en Python (admin_views/listas.py, `templates/admin/lista.html`) son las mismas
que las de la plantilla de Flask-Admin: pantalla por pantalla, fila por fila, con casillas, íconos de acciones,
edición en la lista y formatos de celda."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from admin_views.base import VistaSegura
from admin_views.listas import FilasRapidas
from models import db
from services.semilla import cargar_expedientes_sinteticos, cargar_sesiones_demo

# usuario con más permisos en cada pantalla (acciones de fila y edición en la lista a la vista)
USUARIOS = ("secretaria_general", "mesa_partes", "admin", "archivo", "unidad")


def filas(html: str) -> list[str]:
    """Las filas del cuerpo de la tabla del listado, con los espacios entre etiquetas normalizados."""
    m = re.search(r'<table class="table table-striped table-bordered table-hover model-list">(.*?)</table>', html,
                  re.S)
    assert m, "sin tabla de listado"
    cuerpo = m.group(1).split("</thead>", 1)[1]
    resultado = []
    for fila in re.findall(r"<tr>(.*?)</tr>", cuerpo, re.S):
        fila = re.sub(r">\s+", ">", re.sub(r"\s+<", "<", fila))
        # el token CSRF firmado cambia en cada petición (lleva la hora): se compara su lugar, no su valor
        fila = re.sub(r'(name="csrf_token" (?:type="hidden" )?value=|data-csrf=)"[^"]*"', r'\1"CSRF"', fila)
        resultado.append(re.sub(r"\s+", " ", fila).strip())
    return resultado


def _diferencia(a: str, b: str) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"rápida: …{a[max(0, i - 80):i + 120]}… / Flask-Admin: …{b[max(0, i - 80):i + 120]}…"


@pytest.fixture
def con_datos(app):
    cargar_sesiones_demo()
    db.session.commit()
    cargar_expedientes_sinteticos(60)
    db.session.commit()
    return app


def test_cada_listado_pinta_las_mismas_filas_que_flask_admin(con_datos, como, monkeypatch):
    app = con_datos
    admin = app.extensions["admin"][0]
    vistas = [v for v in admin._views if isinstance(v, VistaSegura)]
    assert len(vistas) > 30
    navegadores = {u: como(u) for u in USUARIOS}
    comparadas, con_editable, con_acciones = 0, 0, 0
    for vista in vistas:
        url = f"/admin/{vista.endpoint}/"
        for usuario, nav in navegadores.items():
            r = nav.get(url)
            if r.status_code != 200:
                continue
            rapidas = filas(r.text)
            propia = vista.list_template
            monkeypatch.setattr(vista, "list_template", "admin/model/list.html" if propia == "admin/lista.html"
                                else propia.replace("lista.html", "model/list.html"))
            if vista.list_template == propia:  # una plantilla propia que extiende admin/lista.html
                monkeypatch.setattr(vista, "list_template", "admin/model/list.html")
            originales = filas(nav.get(url).text)
            monkeypatch.setattr(vista, "list_template", propia)
            for a, b in zip(rapidas, originales, strict=True):
                assert a == b, (vista.endpoint, usuario, _diferencia(a, b))
            comparadas += bool(rapidas) and 'colspan="999"' not in rapidas[0]  # con filas de verdad
            con_editable += any('data-role="x-editable' in f for f in rapidas)
            con_acciones += any('class="action-checkbox"' in f and 'class="icon"' in f for f in rapidas)
            break
    assert comparadas >= 20 and con_editable and con_acciones


def test_formato_por_tipo_igual_que_flask_admin(app):
    """La caché por tipo da lo mismo que recorrer la tabla de formateadores en cada celda (FORMATOS de
    admin_views/formatos.py: datetime antes que date, enums por etiqueta, None vacío, bool Sí/No)."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from flask_admin.contrib.sqla import ModelView

    from admin_views.formatos import FORMATOS
    from models import EstadoExpediente

    admin = app.extensions["admin"][0]
    vista = next(v for v in admin._views if v.endpoint == "expediente")
    valores = [None, True, False, date(2026, 7, 28), datetime(2026, 7, 28, 15, 30, tzinfo=UTC),
               EstadoExpediente.en_tramite, Decimal("12.50"), "texto", Markup("<b>x</b>"), 7, [1, 2]]
    with app.test_request_context():
        for valor in valores * 2:  # la segunda vuelta, desde la caché
            rapido = FilasRapidas._get_list_value(vista, None, object(), "x", {"x": lambda *a, v=valor: v},
                                                  FORMATOS)
            original = ModelView._get_list_value(vista, None, object(), "x", {"x": lambda *a, v=valor: v},
                                                 FORMATOS)
            assert rapido == original, valor
