"""Acceso generado desde `app.url_map`: CADA endpoint de la aplicación (los de Flask-Admin, cada `@expose`
propio y cada página) × cada uno de los 9 roles por defecto, y sin sesión.

Sin sesión → redirección al ingreso; sin el permiso que exige el endpoint → 403; con permiso → nunca 500.
La lista no se escribe a mano: una pantalla o un `@expose` nuevo entra solo en la prueba.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_admin import AdminIndexView

from admin_views.base import PaginaSegura
from models import Permiso, Rol, db
from services.semilla import ROLES
from tests.conftest import Navegador, token_csrf

NO_EXISTE = "999999"
ARGUMENTOS = {"export_type": "xlsx", "reporte": "asistencia"}  # argumentos de ruta: un valor válido


def _vistas(app) -> dict:
    return {v.endpoint: v for v in app.extensions["admin"][0]._views}


def _datos(vista, funcion: str, metodo: str) -> tuple[str, dict]:
    """(cadena de consulta, formulario) de una petición inofensiva: ids que no existen, formularios vacíos."""
    if metodo == "GET":
        if funcion == "ajax_lookup":
            nombre = next(iter(getattr(vista, "_form_ajax_refs", None) or {"x": None}))
            return f"?name={nombre}&query=a", {}
        return "", {}
    return "", {"delete_view": {"id": NO_EXISTE}, "action_view": {"action": "delete", "rowid": NO_EXISTE},
                "ajax_update": {"list_form_pk": NO_EXISTE}}.get(funcion, {})


def peticiones(app) -> list[tuple[str, str, str, dict, object, str]]:
    """(endpoint, método, url, formulario, vista, función) de cada regla de las pantallas de administración."""
    vistas, enlazador = _vistas(app), app.url_map.bind("localhost")
    filas = []
    for regla in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        bp, _, funcion = regla.endpoint.rpartition(".")
        if bp not in vistas or funcion == "static":
            continue
        ruta = enlazador.build(regla.endpoint, {a: ARGUMENTOS.get(a, "x") for a in regla.arguments})
        for metodo in sorted(regla.methods & {"GET", "POST"}):
            consulta, datos = _datos(vistas[bp], funcion, metodo)
            filas.append((regla.endpoint, metodo, ruta + consulta, datos, vistas[bp], funcion))
    return filas


def _permisos(codigo: str) -> set[tuple[str, str]]:
    filas = db.session.execute(sa.select(Permiso.vista, Permiso.accion).join(Rol).where(Rol.codigo == codigo))
    return {(v, a.value) for v, a in filas}


def _permitido(app, vista, funcion, metodo, datos, permisos) -> bool:
    if isinstance(vista, AdminIndexView):
        return True
    with app.test_request_context(method=metodo, data=datos):
        accion = vista.accion_requerida(funcion)
    if isinstance(vista, PaginaSegura) and accion not in ("ver", "exportar"):
        return False
    if accion in getattr(vista, "bloqueadas", ()):
        return False
    permitido = (vista.endpoint, "ver") in permisos and (vista.endpoint, accion) in permisos
    if permitido and funcion == "ajax_lookup" and vista._form_ajax_refs:
        # además: sirve a un formulario (crear o editar aquí) y exige ver la pantalla de lo buscado
        cargador = next(iter(vista._form_ajax_refs.values()))
        return ((vista.endpoint, "crear") in permisos or (vista.endpoint, "editar") in permisos) \
            and (cargador.vista, "ver") in permisos
    return permitido


def _pedir(nav: Navegador, metodo: str, url: str, datos: dict):
    r = nav.get(url) if metodo == "GET" else nav.post(url, datos)
    r.close()
    return r


# los permisos y el alcance no dependen de la base (las entradas que sí: test_entradas_hostiles.py, en ambas)
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def sin_propagar(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # un error del servidor es una respuesta 500 que se cuenta
    return app


def test_cada_endpoint_sin_sesion_va_al_ingreso(sin_propagar, capsys):
    app = sin_propagar
    cliente = app.test_client()
    token = token_csrf(cliente, "/login")
    errores, n = [], 0
    for _endpoint, metodo, url, datos, _vista, _f in peticiones(app):
        r = cliente.get(url) if metodo == "GET" else cliente.post(url, data={**datos, "csrf_token": token})
        n += 1
        if r.status_code != 302 or "/login" not in r.headers.get("Location", ""):
            errores.append(f"{metodo} {url}: {r.status_code}")
    # páginas públicas y de ingreso: sin sesión responden, nunca 500
    for regla in app.url_map.iter_rules():
        bp = regla.endpoint.rpartition(".")[0]
        if bp in _vistas(app) or "static" in regla.endpoint or "GET" not in regla.methods or regla.arguments:
            continue
        n += 1
        if cliente.get(regla.rule).status_code >= 500:
            errores.append(f"GET {regla.rule}: 500")
    with capsys.disabled():
        print(f"\n[acceso] sin sesión: {n} peticiones, {len(errores)} fallas")
    assert n > 200 and not errores, "\n".join(errores)


@pytest.mark.parametrize("rol", sorted(ROLES))
def test_cada_endpoint_por_rol(sin_propagar, como, rol, capsys):
    """Para cada endpoint: permitido → nunca 500 ni 403 (salvo reglas extra de la búsqueda ajax, ya
    calculadas); negado → 403, en GET y en POST (con token CSRF válido)."""
    app = sin_propagar
    nav, permisos = como(rol), _permisos(rol)
    errores, n, quinientos = [], 0, 0
    for _endpoint, metodo, url, datos, vista, funcion in peticiones(app):
        r = _pedir(nav, metodo, url, datos)
        n += 1
        quinientos += r.status_code >= 500
        if _permitido(app, vista, funcion, metodo, datos, permisos):
            if r.status_code >= 500 or r.status_code == 403:
                errores.append(f"{rol} {metodo} {url} (permitido): {r.status_code}")
        elif r.status_code != 403:
            errores.append(f"{rol} {metodo} {url} (negado): {r.status_code}")
    with capsys.disabled():
        print(f"\n[acceso] {rol}: {n} endpoints×métodos, {quinientos} respuestas 500, {len(errores)} fallas")
    assert not errores, "\n".join(errores)
