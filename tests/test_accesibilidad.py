"""Accesibilidad (WCAG 2.1 AA; issue 23, punto 14), en un Chromium de verdad: cada pantalla que alcanza cada rol de la
demo (y las páginas públicas) se revisa con axe-core (static/vendor/axe-core, reglas WCAG 2.0/2.1 A y AA) y no
tiene ninguna violación; los formularios se recorren con el teclado (Tab) y el foco se ve.

Antes de este cambio: 6 831 nodos en violación en 348 páginas (contraste del tema Flatly, `<html>` sin `lang`,
enlaces y listas sin nombre). La cifra por rol se imprime al final (`-s`)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.semilla import ROLES
from tests import axe
from tests.e2e import exigir_navegador, ingresar, servir

pytestmark = pytest.mark.e2e

PUBLICAS = ["/login", "/consulta", "/mesa-de-partes", "/transparencia", "/normas"]
CIFRAS: dict[str, tuple[int, int]] = {}


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory):
    exigir_navegador()
    from services.semilla import cargar_sesiones_demo

    srv, detener = servir(plantilla_sqlite, tmp_path_factory.mktemp("axe"), preparar=cargar_sesiones_demo)
    yield srv
    detener()
    print("\naxe-core por rol (páginas visitadas, revisadas por primera vez, violaciones):", CIFRAS)


@pytest.fixture(scope="module")
def revisadas():
    """Formas de página ya revisadas por otro rol: la misma pantalla no se revisa dos veces."""
    return set()


def _verificacion(servidor) -> str:
    from models import DocumentoEmitido, db

    with servidor.app.app_context():
        codigo = db.session.scalar(sa.select(DocumentoEmitido.codigo_verificacion)
                                   .where(DocumentoEmitido.codigo_verificacion.is_not(None)).limit(1))
        db.session.remove()
    return f"/verificar/{codigo}" if codigo else "/normas"


@pytest.mark.parametrize("rol", ["publico", *ROLES])
def test_cada_pagina_sin_violaciones_wcag(servidor, navegador, revisadas, rol):
    contexto = navegador.new_context(locale="es-PE", viewport={"width": 1366, "height": 900})
    page = contexto.new_page()
    visitadas: list[str] = []
    try:
        if rol == "publico":
            resultados = axe.recorrer(page, servidor.url, [*PUBLICAS, _verificacion(servidor)], omitir=revisadas,
                                      visitadas=visitadas)
        else:
            ingresar(page, servidor, rol)
            resultados = axe.recorrer(page, servidor.url, ["/admin/"], omitir=revisadas, visitadas=visitadas)
    finally:
        contexto.close()
    CIFRAS[rol] = (len(visitadas), len(resultados), axe.total(resultados))
    assert len(visitadas) >= (5 if rol == "publico" else 8), f"el recorrido encontró pocas páginas: {visitadas}"
    assert axe.total(resultados) == 0, "\n" + axe.resumen(resultados)


@pytest.mark.parametrize(("rol", "ruta"), [(None, "/mesa-de-partes"), (None, "/login"),
                                           ("mesa_partes", "/admin/expediente/new/")])
def test_formulario_con_teclado_y_foco_visible(servidor, navegador, rol, ruta):
    """Con Tab se llega a cada campo y botón del formulario, en orden, y cada uno muestra dónde está el foco."""
    contexto = navegador.new_context(locale="es-PE", viewport={"width": 1366, "height": 900})
    page = contexto.new_page()
    try:
        if rol:
            ingresar(page, servidor, rol)
        page.goto(servidor(ruta))
        page.wait_for_load_state("load")
        objetivos = page.evaluate("""() => {
            const form = document.querySelector('main form') || document.querySelector('form');
            const els = [...form.querySelectorAll('input, select, textarea, button, a[href]')].filter(e =>
                e.type !== 'hidden' && !e.disabled && e.offsetParent !== null && e.tabIndex >= 0 &&
                !e.classList.contains('select2-offscreen'));
            els.forEach((e, i) => e.setAttribute('data-orden-tab', i));
            return els.length;
        }""")
        assert objetivos >= 2
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.evaluate("window.scrollTo(0, 0)")
        alcanzados, sin_foco_visible = set(), []
        for _ in range(objetivos + 40):
            page.keyboard.press("Tab")
            dato = page.evaluate("""() => {
                const e = document.activeElement;
                if (!e || !e.hasAttribute('data-orden-tab')) { return null; }
                const s = getComputedStyle(e);
                const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
                return [e.getAttribute('data-orden-tab'), visible, e.outerHTML.slice(0, 80)];
            }""")
            if dato:
                alcanzados.add(dato[0])
                if not dato[1]:
                    sin_foco_visible.append(dato[2])
        faltan = objetivos - len(alcanzados)
        assert faltan == 0, f"{faltan} campos no se alcanzan con Tab en {ruta}"
        assert not sin_foco_visible, sin_foco_visible
    finally:
        contexto.close()
