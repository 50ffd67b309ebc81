"""Entradas hostiles generadas para CADA listado y CADA formulario: valores de filtro inventados, fechas
del año 1 o 9999, números que no caben en la base, Inf/NaN, caracteres NUL, ids y páginas enormes.

Nada de eso puede dar 500 ni escribir una fila: la respuesta es un aviso, un error junto al campo, 400
o 404. Las cifras (peticiones, respuestas 500) se imprimen en la salida de pytest.

Por defecto cada filtro y cada campo prueba una ventana de 4 valores que rota de uno a otro (todo valor se
prueba en muchos filtros y campos; la suite cabe en sus minutos); `HOSTIL_COMPLETO=1` (`make test-completo`)
prueba cada valor en cada filtro y campo.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from wtforms import StringField

from admin_views.base import VistaSegura
from models import Permiso, Rol, db
from tests.conftest import PDF, csrf_de, respuesta_del_reto, token_csrf

ENORME = "99999999999999999999"  # > 2⁶³
ENTERO_31 = "2147483648"  # 2³¹: no cabe en un INTEGER de PostgreSQL (los id y los años lo son)
ENTERO_63 = "9223372036854775807"  # 2⁶³ − 1: cabe en BIGINT, no en INTEGER
LARGO = "9" * 5000  # más de 4 300 dígitos: int() de Python lo rechaza
VALORES_FILTRO = ["xxx", "pendiente,xxx", ENORME, f"-{ENORME}", "1e400", "NaN", "Inf", "\x00", "9999-12-31",
                  "0001-01-01", "9999-12-31 to 9999-12-31", "0001-01-01 to 0001-01-02",
                  "9999-12-31 23:59:59", "0001-01-01 00:00:00 to 0001-01-01 00:00:01", "2026-13-45", "'; --",
                  "", ENTERO_31, ENTERO_63, "²", "２０２６", LARGO]
# la exportación filtra con el mismo código que el listado: basta una muestra por clase de valor (cada libro Excel
# cuesta ~20 veces una página; la prueba completa debe caber en los minutos de la suite)
VALORES_EXPORTAR = ["pendiente,xxx", ENORME, "NaN", "9999-12-31 to 9999-12-31"]
ARGS_LISTA = [f"page={ENORME}", "page=-1", f"page_size={ENORME}", f"sort={ENORME}", "sort=-1", f"desc={ENORME}",
              "search=%00", f"search={quote('%_%')}", "search=" + "a" * 3000]
# inválidos para un campo que no es texto (fecha, número, importe, opción, relación)
VALORES_CAMPO = ["   ", "31/12/9999", "01/01/0001", "31/12/9999 23:59", "29/02/2026", ENORME, f"-{ENORME}",
                 "Inf", "NaN", "1e400", "xxx", "\x00", ENTERO_31, ENTERO_63, "²", LARGO]
VALORES_TEXTO = ["   ", "\x00", "a\x01b", "\t \n", "x" * 20_000]  # inválidos para un texto (obligatorio o no)
IDS = (ENORME, f"-{ENORME}", "0", "1e3", "%00", "１", ENTERO_31, ENTERO_63, "²")


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
            for id_ in IDS:
                url = f"{base}/{fn}/?id={quote(id_)}"
                _revisar(nav.get(url), f"{rol} GET {url}", errores, cifras)
        for ruta, datos in [("delete/", {"id": ENORME}), ("delete/", {"id": ENTERO_31}),
                            ("action/", {"action": "delete", "rowid": ENORME}),
                            ("action/", {"action": "delete", "rowid": ENTERO_31}),
                            ("ajax/update/", {"list_form_pk": ENORME, "prioridad": "xxx"}),
                            ("ajax/update/", {"list_form_pk": ENTERO_31, "prioridad": "xxx"}),
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
    assert not errores, f"{cifras['500']} de {cifras['peticiones']} peticiones con 500:\n" + "\n".join(errores[:50])
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
    assert not errores, f"{cifras['500']} de {cifras['peticiones']} peticiones con 500:\n" + "\n".join(errores[:50])
    assert _filas() == antes


# ================================================================ procesos (páginas propias de cada pantalla)
# Las páginas `@expose` de cada pantalla (tramitar, conducir, atender, aprobar, recibir, operar…): con ids y
# argumentos inválidos en la URL, y cada campo de cada formulario que muestran, uno a uno, con valores inválidos.
ESTANDAR = {"index_view", "create_view", "edit_view", "details_view", "delete_view", "action_view", "ajax_update",
            "ajax_lookup", "export", "static"}
ARGS_PROCESO = {"anio": (ENTERO_31, "²", LARGO, "-1"), "sesion_id": IDS[:3] + (ENTERO_31,),
                "formato": ("\x00",), "q": ("\x00", "a" * 3000)}
# rol que tramita cada pantalla (el primero de la lista que puede «editar» en ella)
ROLES_PROCESO = ("secretaria_general", "archivo", "fedatario", "transparencia", "mesa_partes", "admin")


class _Formularios(HTMLParser):
    """Los formularios POST de una página: [(action, {campo: valor por defecto})]."""

    def __init__(self):
        super().__init__()
        self.formularios: list[tuple[str, dict]] = []
        self._actual: dict | None = None
        self._select: str | None = None
        self._area: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._actual = {}
            self.formularios.append((a.get("action") or "", self._actual))
        elif self._actual is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file", "image", "reset"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._actual.setdefault(a["name"], "")
            else:
                self._actual[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self._actual.setdefault(a["name"], "")
        elif tag == "option" and self._select and not self._actual.get(self._select):
            self._actual[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._area = a["name"]
            self._actual[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._actual = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._area = None

    def handle_data(self, data):
        if self._area and self._actual is not None:
            self._actual[self._area] += data


def _mundo(crear_expediente) -> None:
    """Una fila de cada proceso: sesión celebrada con acta y ordenanza (la demo), expediente, proyecto de norma,
    documento emitido, certificación, transferencia con su caja, eliminación y solicitud de acceso."""
    from models import Eliminacion, NormaMunicipal, SolicitudAcceso, Transferencia
    from services import archivo, normas, semilla, transparencia
    from tests.archivo_comun import caja, serie
    from tests.ayudas_fedatario import certificar, documento, persona
    from tests.conftest import hoy, unidad

    semilla.cargar_sesiones_demo()
    crear_expediente("GDU")
    proyecto = NormaMunicipal(tipo="ordenanza", sumilla="Ordenanza que regula los mercados")
    normas.proyectar_norma(proyecto)
    db.session.add(proyecto)
    documento(hoy())
    certificar()
    t = Transferencia(unidad_origen=unidad("GDU"), fecha=hoy())
    archivo.programar_transferencia(t)
    db.session.add(t)
    c = caja(serie())
    c.transferencia = t
    e = Eliminacion()
    archivo.numerar_eliminacion(e)
    db.session.add(e)
    sol = SolicitudAcceso(persona=persona(), informacion_solicitada="Presupuesto 2026",
                          forma_entrega="copia_simple")
    transparencia.registrar_solicitud(sol)
    db.session.add(sol)
    db.session.commit()


def _rol_de(vista, permisos: dict[str, set]) -> str | None:
    return next((r for r in ROLES_PROCESO if (vista.endpoint, "editar") in permisos[r]), None) or \
        next((r for r in ROLES_PROCESO if (vista.endpoint, "ver") in permisos[r]), None)


def test_procesos_hostiles(sin_propagar, como, crear_expediente, backend, capsys):
    """Cada página propia (GET y POST) con ids y argumentos inválidos, y cada campo de sus formularios con cada
    valor inválido: nunca 500."""
    app = sin_propagar
    _mundo(crear_expediente)
    permisos = {r: _permisos_de(r) for r in ROLES_PROCESO}
    navegadores: dict[str, object] = {}
    errores, cifras, turno = [], {"peticiones": 0, "500": 0}, itertools.count()
    vistas = {v.endpoint: v for v in app.extensions["admin"][0]._views}
    for regla in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        vista_ep, _, metodo = regla.endpoint.partition(".")
        vista = vistas.get(vista_ep)
        if vista is None or metodo in ESTANDAR or regla.arguments:
            continue
        rol = _rol_de(vista, permisos)
        if rol is None:
            continue
        nav = navegadores.setdefault(rol, como(rol))
        modelo = getattr(vista, "model", None)
        fila = db.session.scalar(sa.select(modelo.id).order_by(modelo.id.desc()).limit(1)) if modelo else None
        for id_ in IDS:
            url = f"{regla.rule}?id={quote(id_)}"
            _revisar(nav.get(url), f"{rol} GET {url}", errores, cifras)
        for arg, valores in ARGS_PROCESO.items():
            for valor in valores:
                url = f"{regla.rule}?{arg}={quote(valor)}" + (f"&id={fila}" if fila else "")
                _revisar(nav.get(url[:200] if len(url) > 6000 else url), f"{rol} GET {url[:120]}", errores, cifras)
        if "POST" not in regla.methods:
            continue
        for id_ in IDS:
            url = f"{regla.rule}?id={quote(id_)}"
            _revisar(nav.post(url, {"operacion": "x"}), f"{rol} POST {url}", errores, cifras)
        if fila is None:
            continue
        url = f"{regla.rule}?id={fila}"
        pagina = nav.get(url)
        lector = _Formularios()
        lector.feed(pagina.text)
        pagina.close()
        for _accion, campos in lector.formularios:
            for campo in [c for c in campos if c != "csrf_token"]:
                for valor in _muestra(VALORES_CAMPO + VALORES_TEXTO[1:], turno):
                    datos = {**campos, campo: valor}
                    datos.pop("csrf_token", None)
                    _revisar(nav.post(url, datos), f"{rol} POST {url} {campo}={valor[:30]!r} "
                             f"(operacion={campos.get('operacion')})", errores, cifras)
    with capsys.disabled():
        print(f"\n[hostil] procesos ({backend}): {cifras['peticiones']} peticiones con entradas inválidas, "
              f"{cifras['500']} respuestas 500")
    assert not errores, f"{cifras['500']} de {cifras['peticiones']} peticiones con 500:\n" + "\n".join(errores[:50])


# =========================================================================== páginas públicas y argumentos de la URL
def _cuerpo(datos: dict) -> tuple[bytes, str]:
    limite, cuerpo = encode_multipart(datos)
    return cuerpo, f"multipart/form-data; boundary={limite}"


def test_publico_hostil(sin_propagar, como, backend, capsys):
    """Formularios públicos (mesa de partes digital, transparencia, consulta, ingreso) campo a campo con valores
    inválidos (NUL, dígitos de ancho completo, números enormes), un nombre de archivo con NUL, y cada argumento
    entero de una ruta con números que no caben en la base: nunca 500."""
    app = sin_propagar
    errores, cifras, turno = [], {"peticiones": 0, "500": 0}, itertools.count()
    anonimo = app.test_client()
    for ruta in ("/normas", "/consulta"):
        for arg in ("q", "tipo", "pagina", "codigo", "clave"):
            for valor in _muestra(VALORES_FILTRO, turno):
                url = f"{ruta}?{arg}={quote(valor)}&clave=X"
                _revisar(anonimo.get(url), f"GET {url[:120]}", errores, cifras)
    for valor in ("\x00", "%00", "a" * 3000, "²", ENTERO_31):
        url = f"/verificar/{quote(valor, safe='')}"
        _revisar(anonimo.get(url), f"GET {url[:120]}", errores, cifras)
    # argumentos enteros de cualquier ruta (p. ej. /normas/<int>/texto): anónimo y con sesión
    sg = como("secretaria_general")
    for regla in app.url_map.iter_rules():
        enteros = [a for a, c in regla._converters.items() if type(c).__name__ in ("IntegerConverter", "EnteroSQL")]
        if not enteros or "GET" not in regla.methods:
            continue
        for valor in (ENTERO_31, ENTERO_63, ENORME):
            valores = {a: (valor if a in enteros else "x") for a in regla.arguments}
            try:
                url = regla.build(valores, append_unknown=False)[1]
            except Exception:  # noqa: BLE001  (un conversor que no acepta el valor: la ruta no existe para él)
                url = regla.rule.replace("<int:", "<").split("<")[0]
            for cliente in (anonimo, sg):
                _revisar(cliente.get(url), f"GET {url}", errores, cifras)
    # formularios públicos campo a campo
    for ruta, extra in (("/mesa-de-partes", {"email": "juana@example.pe", "asunto": "Solicita copia", "folios": "2"}),
                        ("/transparencia", {"direccion": "Jr. Lima 123", "informacion_solicitada": "Presupuesto",
                                            "forma_entrega": "copia_simple", "sexo": ""})):
        campos = {"tipo_documento": "DNI", "numero_documento": "45678912", "nombres": "Juana",
                  "apellidos": "Pérez", "razon_social": "", "telefono": "987654321", **extra}
        for campo in [*campos, "reto", "respuesta"]:
            for valor in _muestra(VALORES_CAMPO + VALORES_TEXTO[1:] + ["４５６７８９１２"], turno):
                cliente = app.test_client()
                html = cliente.get(ruta).text
                datos = {**campos, "csrf_token": csrf_de(html), "sitio_web": "",
                         "reto": re.search(r'name="reto"[^>]*value="([^"]*)"', html).group(1),
                         "respuesta": str(respuesta_del_reto(html))}
                datos[campo] = valor
                if ruta == "/mesa-de-partes":
                    datos["archivo"] = FileStorage(io.BytesIO(PDF), filename="solicitud.pdf",
                                                   content_type="application/pdf")
                cuerpo, tipo = _cuerpo(datos)
                _revisar(cliente.post(ruta, data=cuerpo, content_type=tipo),
                         f"POST {ruta} {campo}={valor[:30]!r}", errores, cifras)
    for nombre in ("a\x00.pdf", "\x00", "x" * 5000 + ".pdf", "../../etc/passwd"):
        cliente = app.test_client()
        html = cliente.get("/mesa-de-partes").text
        datos = {"tipo_documento": "DNI", "numero_documento": "45678912", "nombres": "Juana", "apellidos": "Pérez",
                 "email": "juana@example.pe", "asunto": "Solicita copia", "folios": "2", "sitio_web": "",
                 "csrf_token": csrf_de(html), "reto": re.search(r'name="reto"[^>]*value="([^"]*)"', html).group(1),
                 "respuesta": str(respuesta_del_reto(html)),
                 "archivo": FileStorage(io.BytesIO(PDF), filename=nombre, content_type="application/pdf")}
        cuerpo, tipo = _cuerpo(datos)
        _revisar(cliente.post("/mesa-de-partes", data=cuerpo, content_type=tipo),
                 f"POST /mesa-de-partes archivo={nombre[:20]!r}", errores, cifras)
    for usuario in ("\x00", "adm\x00in", "ａｄｍｉｎ", "a" * 5000):
        cliente = app.test_client()
        r = cliente.post("/login", data={"username": usuario, "password": "x", "csrf_token": token_csrf(cliente)})
        _revisar(r, f"POST /login username={usuario[:20]!r}", errores, cifras)
    with capsys.disabled():
        print(f"\n[hostil] público ({backend}): {cifras['peticiones']} peticiones con entradas inválidas, "
              f"{cifras['500']} respuestas 500")
    assert not errores, f"{cifras['500']} de {cifras['peticiones']} peticiones con 500:\n" + "\n".join(errores[:50])
