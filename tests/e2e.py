"""Infraestructura de las pruebas de extremo a extremo (marca `e2e`).

La aplicación se sirve con waitress en un hilo, en un puerto libre de 127.0.0.1, sobre una
copia fresca de la base demo (migraciones reales + municipalidad demo + sesiones del concejo).
Playwright para Python maneja el Chromium de Debian (`/usr/bin/chromium`, sin descargar
navegadores: `executable_path`), sin cabeza.

Sin Chromium o sin Playwright las pruebas se omiten con el motivo, salvo con `REQUIRE_E2E=1`
(lo pone `.ci/run`), donde fallan.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CLAVE, _config

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Las capturas van a una carpeta temporal; solo `make capturas` (CAPTURAS_DIR=docs/capturas) rehace las del
# repositorio, así una corrida de `make test` deja el árbol de git limpio.
CAPTURAS = Path(os.environ.get("CAPTURAS_DIR") or Path(tempfile.gettempdir()) / "secretaria-capturas").resolve()


def motivo_para_omitir() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright no está instalado (pip install -r requirements-dev.txt)"
    if not Path(CHROMIUM).exists():
        return f"no hay Chromium en {CHROMIUM} (apt-get install -y chromium)"
    return None


def exigir_navegador() -> None:
    motivo = motivo_para_omitir()
    if motivo is None:
        return
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 pero {motivo}")
    pytest.skip(motivo)


@dataclass
class Servidor:
    url: str
    app: object

    def __call__(self, ruta: str) -> str:
        return self.url + ruta


def servir(plantilla: Path, tmp: Path, preparar=None, **config):
    """Arranca waitress en un hilo con una copia de `plantilla` (y opciones de configuración propias, p. ej. los
    límites de peticiones); devuelve (Servidor, detener)."""
    from waitress.server import create_server

    from app import create_app
    from models import db

    ruta = tmp / "e2e.db"
    shutil.copy(plantilla, ruta)
    app = create_app({**_config(f"sqlite:///{ruta}", tmp), **config})
    if preparar is not None:
        with app.app_context():
            preparar()
            db.session.commit()
            db.session.remove()
    servidor = create_server(app, host="127.0.0.1", port=0, threads=8, clear_untrusted_proxy_headers=True)
    hilo = threading.Thread(target=servidor.run, name="waitress-e2e", daemon=True)
    hilo.start()

    def detener():
        # cerrar desde el hilo del servidor: cerrado desde aquí, su select() podía ver un descriptor ya cerrado
        # (EBADF en el hilo, que pytest atribuía a la prueba siguiente)
        servidor.trigger.pull_trigger(servidor.close)
        hilo.join(timeout=10)
        servidor.task_dispatcher.shutdown()
        with app.app_context():
            db.engine.dispose()

    return Servidor(f"http://127.0.0.1:{servidor.effective_port}", app), detener


def lanzar_navegador():
    """(playwright, browser) con el Chromium del sistema."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    navegador = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS_CHROMIUM)
    return pw, navegador


class Contador:
    """Cuenta las acciones del usuario en un recorrido (clic, tecla, escribir en un campo, elegir, subir)."""

    def __init__(self, page):
        self.page = page
        self.n = 0

    def clic(self, locator):
        self.n += 1
        locator.click()

    def clic_y_esperar(self, locator):
        """Clic que lleva a otra página (envía un formulario o sigue un enlace): espera a que cargue."""
        self.n += 1
        with self.page.expect_navigation():
            locator.click()

    def escribir(self, locator, texto: str):
        self.n += 1
        locator.fill(texto)

    def tecla(self, tecla: str, veces: int = 1):
        self.n += veces
        for _ in range(veces):
            self.page.keyboard.press(tecla)

    def teclear(self, texto: str):
        self.n += 1
        self.page.keyboard.type(texto)

    def elegir(self, locator, valor):
        self.n += 1
        locator.select_option(valor)

    def subir(self, locator, archivo):
        self.n += 1
        locator.set_input_files(archivo)


DIALOGOS: list[str] = []  # textos de los diálogos de confirmación que vio el usuario (se aceptan)


def ingresar(page, servidor: Servidor, usuario: str, clave: str = CLAVE) -> None:
    page.goto(servidor("/login"))
    page.fill("#username", usuario)
    page.fill("#password", clave)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/admin/.*"))


def capturar(page, nombre: str, pagina_completa: bool = False) -> Path:
    CAPTURAS.mkdir(parents=True, exist_ok=True)
    ruta = CAPTURAS / f"{nombre}.png"
    page.screenshot(path=str(ruta), full_page=pagina_completa)
    return ruta
