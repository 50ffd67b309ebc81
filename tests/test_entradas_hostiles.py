"""Entradas hostiles generadas para CADA listado y CADA formulario: valores de filtro inventados, fechas
del año 1 o 9999, números que no caben en la base, Inf/NaN, caracteres NUL, ids y páginas enormes.

Nada de eso puede dar 500 ni escribir una fila: la respuesta es un aviso, un error junto al campo, 400
o 404. Las cifras (peticiones, respuestas 500) se imprimen en la salida de pytest.

Por defecto cada filtro y cada campo prueba una ventana de 4 valores que rota de uno a otro (todo valor se
prueba en muchos filtros y campos; la suite cabe en sus minutos); `HOSTIL_COMPLETO=1` (`make test-completo`)
prueba cada valor en cada filtro y campo.
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from wtforms import StringField

from admin_views.base import VistaSegura
from models import Permiso, Rol, db

ENORME = "99999999999999999999"  # > 2⁶³
VALORES_FILTRO = ["xxx", "pendiente,xxx", ENORME, f"-{ENORME}", "1e400", "NaN", "Inf", "\x00", "9999-12-31",
                  "0001-01-01", "9999-12-31 to 9999-12-31", "0001-01-01 to 0001-01-02",
                  "9999-12-31 23:59:59", "0001-01-01 00:00:00 to 0001-01-01 00:00:01", "2026-13-45", "'; --"]
# la exportación filtra con el mismo código que el listado: basta una muestra por clase de valor (cada libro Excel
# cuesta ~20 veces una página; la prueba completa debe caber en los minutos de la suite)
VALORES_EXPORTAR = ["pendiente,xxx", ENORME, "NaN", "9999-12-31 to 9999-12-31"]
ARGS_LISTA = [f"page={ENORME}", "page=-1", f"page_size={ENORME}", f"sort={ENORME}", "sort=-1", f"desc={ENORME}",
              "search=%00", f"search={quote('%_%')}", "search=" + "a" * 3000]
# inválidos para un campo que no es texto (fecha, número, importe, opción, relación)
VALORES_CAMPO = ["   ", "31/12/9999", "01/01/0001", "31/12/9999 23:59", "29/02/2026", ENORME, f"-{ENORME}",
                 "Inf", "NaN", "1e400", "xxx", "\x00"]
VALORES_TEXTO = ["   ", "\x00", "a\x01b", "\t \n"]  # inválidos para un texto (obligatorio o no)


COMPLETO = os.environ.get("HOSTIL_COMPLETO") == "1"
VENTANA = 4


def _muestra(valores: list[str], turno: itertools.count) -> list[str]:
    """Todos con HOSTIL_COMPLETO=1; si no, la ventana siguiente (rota, así cada valor sale en muchos filtros)."""
    if COMPLETO or len(valores) <= VENTANA:
        return valores
    inicio = next(turno) * VENTANA
    return [valores[(inicio + k) % len(valores)] for k in range(VENTANA)]


def _vistas(app) -> list[VistaSegura]:
    return [v for v in app.extensions["admin"][0]._views if isinstance(v, VistaSegura)]


def _filas() -> dict[str, int]:
    """Filas por tabla (sin la auditoría, que registra cada exportación e ingreso)."""
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables if t.name != "registro_auditoria"}


@pytest.fixture
def sin_propagar(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _revisar(r, desc: str, errores: list, cifras: dict) -> None:
    r.close()
    cifras["peticiones"] += 1
    if r.status_code >= 500:
        cifras["500"] += 1
        errores.append(f"{desc}: {r.status_code}")


@pytest.mark.parametrize("rol", ["auditor", "unidad"])
def test_listados_filtros_e_ids_hostiles(sin_propagar, como, crear_expediente, rol, capsys):
    crear_expediente("GDU")
    app, nav, permisos = sin_propagar, como(rol), _permisos_de(rol)
    antes = _filas()
    errores, cifras, turno = [], {"peticiones": 0, "500": 0}, itertools.count()
    for vista in _vistas(app):
        if (vista.endpoint, "ver") not in permisos:
            continue
        base = f"/admin/{vista.endpoint}"
        for i, flt in enumerate(vista._filters or []):
            arg = f"flt0_{vista.get_filter_arg(i, flt)}"
            for valor in _muestra(VALORES_FILTRO, turno):
                url = f"{base}/?{arg}={quote(valor)}"
                _revisar(nav.get(url), f"{rol} GET {url}", errores, cifras)
                # el Excel filtra con el mismo código que el listado: por defecto, los dos primeros filtros
                if (vista.endpoint, "exportar") in permisos and valor in VALORES_EXPORTAR and (COMPLETO or i < 2):
                    url = f"{base}/export/xlsx/?{arg}={quote(valor)}"
                    _revisar(nav.get(url), f"{rol} GET {url}", errores, cifras)
        for extra in ARGS_LISTA:
            _revisar(nav.get(f"{base}/?{extra}"), f"{rol} GET {base}/?{extra[:40]}", errores, cifras)
        for fn in ("details", "edit"):
            for id_ in (ENORME, f"-{ENORME}", "0", "1e3", "%00", "１"):
                url = f"{base}/{fn}/?id={quote(id_)}"
                _revisar(nav.get(url), f"{rol} GET {url}", errores, cifras)
        for ruta, datos in [("delete/", {"id": ENORME}), ("action/", {"action": "delete", "rowid": ENORME}),
                            ("ajax/update/", {"list_form_pk": ENORME, "prioridad": "xxx"}),
                            ("ajax/update/", {"list_form_pk": f"-{ENORME}"})]:
            _revisar(nav.post(f"{base}/{ruta}", datos), f"{rol} POST {base}/{ruta} {datos}", errores, cifras)
        if vista._form_ajax_refs:
            nombre = next(iter(vista._form_ajax_refs))
            for q in ("%", "_", "\x00", "a" * 5000):
                url = f"{base}/ajax/lookup/?name={nombre}&query={quote(q)}&limit={ENORME}&offset={ENORME}"
                _revisar(nav.get(url), f"{rol} GET {url[:120]}", errores, cifras)
    db.session.expire_all()
    with capsys.disabled():
        print(f"\n[hostil] {rol}: {cifras['peticiones']} peticiones con entradas inválidas, "
              f"{cifras['500']} respuestas 500")
    assert not errores, "\n".join(errores[:50])
    assert _filas() == antes


def _permisos_de(rol: str) -> set[tuple[str, str]]:
    filas = db.session.execute(sa.select(Permiso.vista, Permiso.accion).join(Rol).where(Rol.codigo == rol))
    return {(v, a.value) for v, a in filas}


@pytest.mark.parametrize("rol", ["secretaria_general", "admin"])
def test_formularios_hostiles(sin_propagar, como, rol, capsys):
    """Cada campo de cada formulario de alta que el rol puede usar, con cada valor hostil: nunca 500."""
    app, nav, permisos = sin_propagar, como(rol), _permisos_de(rol)
    antes = _filas()
    errores, cifras, turno = [], {"peticiones": 0, "500": 0}, itertools.count()
    for vista in _vistas(app):
        if not {(vista.endpoint, "ver"), (vista.endpoint, "crear")} <= permisos or \
                "crear" in vista.bloqueadas:
            continue
        with app.test_request_context(f"/admin/{vista.endpoint}/new/"):
            campos = [(c.name, isinstance(c, StringField)) for c in vista.create_form() if c.name != "csrf_token"]
        for campo, es_texto in campos:
            for valor in _muestra(VALORES_TEXTO if es_texto else VALORES_CAMPO, turno):
                r = nav.post(f"/admin/{vista.endpoint}/new/", {campo: valor})
                _revisar(r, f"{rol} POST {vista.endpoint}/new/ {campo}={valor!r}", errores, cifras)
    db.session.expire_all()
    with capsys.disabled():
        print(f"\n[hostil] formularios {rol}: {cifras['peticiones']} envíos con valores inválidos, "
              f"{cifras['500']} respuestas 500")
    assert not errores, "\n".join(errores[:50])
    assert _filas() == antes
