"""El día del personal en un navegador de verdad (Chromium + Playwright), de extremo a extremo.

Cada recorrido cuenta las acciones del usuario (clic, tecla, campo escrito, opción elegida,
archivo subido) y guarda capturas de las pantallas principales en docs/capturas/.
"""

from __future__ import annotations

import pytest

from tests.e2e import capturar, exigir_navegador, ingresar, lanzar_navegador, servir

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory):
    exigir_navegador()
    from services.semilla import cargar_sesiones_demo

    srv, detener = servir(plantilla_sqlite, tmp_path_factory.mktemp("e2e"), preparar=cargar_sesiones_demo)
    yield srv
    detener()


@pytest.fixture(scope="module")
def navegador():
    exigir_navegador()
    pw, browser = lanzar_navegador()
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def pagina(navegador):
    ctx = navegador.new_context(locale="es-PE", timezone_id="America/Lima", accept_downloads=True,
                                viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    yield page
    ctx.close()


def test_ingreso_y_panel(servidor, pagina):
    ingresar(pagina, servidor, "mesa_partes")
    assert pagina.locator("a.navbar-brand").inner_text().startswith("Secretaría General")
    capturar(pagina, "01-inicio")
