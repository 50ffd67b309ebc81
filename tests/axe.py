"""Recorrido de accesibilidad: cada pantalla que un usuario alcanza siguiendo enlaces, revisada con axe-core
(static/vendor/axe-core, las reglas WCAG 2.0/2.1 A y AA).

El recorrido sigue los enlaces del mismo sitio desde una página de inicio y visita una página por «forma»
(la ruta con los números cambiados por N y los nombres de los parámetros, sin sus valores): un listado, un
detalle, un formulario de cada pantalla, no las 300 filas de un listado. No sigue lo que descarga un archivo ni
lo que cierra la sesión.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

AXE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "axe-core" / "axe.min.js"
ETIQUETAS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# parámetros que solo cambian qué filas o en qué orden se ven (la misma pantalla)
PARAMETROS_DE_LISTA = re.compile(r"^(flt\d*_.*|search|sort|desc|page|page_size|url|next|anio|desde|hasta|unidad|"
                                 r"procedimiento|tab|q|_)$")
# lo que no es una página: descargas, archivos, salir
NO_SEGUIR = re.compile(r"/logout|/salir|/export/|\.xlsx|\.docx|\.pdf|/pdf\b|/xlsx/|/word/|/informe/|/descargar|"
                       r"/adjunto|/archivo/\d|/static/|/firmado|/documento/\d+/pdf|/sello\.|/etiqueta\.svg",
                       re.IGNORECASE)


def forma(url: str) -> str:
    partes = urlsplit(url)
    ruta = re.sub(r"/\d+(?=/|$)", "/N", partes.path)
    ruta = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|$)", "/C", ruta)  # códigos de verificación
    claves = sorted({k for k, _ in parse_qsl(partes.query, keep_blank_values=True)
                     if not PARAMETROS_DE_LISTA.match(k)})
    return ruta + ("?" + "&".join(claves) if claves else "")


def _fuente_axe() -> str:
    global _FUENTE
    if _FUENTE is None:
        _FUENTE = AXE.read_text(encoding="utf-8") + "\n;true"
    return _FUENTE


_FUENTE: str | None = None


def revisar(page) -> list[dict]:
    """Las violaciones de axe-core en la página abierta: [{id, impacto, nodos: [selector…], ayuda}]."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # por el protocolo de depuración, no como <script> en línea: la CSP de la aplicación (con nonce) lo bloquearía
        page.evaluate(_fuente_axe())
    resultado = page.evaluate(
        "(etiquetas) => axe.run(document, {runOnly: {type: 'tag', values: etiquetas}, resultTypes: ['violations']})",
        ETIQUETAS)
    return [{"id": v["id"], "impacto": v["impact"], "ayuda": v["help"],
             "nodos": [n["target"][0] if n["target"] else "?" for n in v["nodes"]],
             "detalle": [(n.get("any") or [{}])[0].get("message", "")[:160] for n in v["nodes"][:3]]}
            for v in resultado["violations"]]


def recorrer(page, origen: str, inicios: list[str], limite: int = 400, omitir: set | None = None,
             visitadas: list | None = None) -> dict[str, list[dict]]:
    """{url: violaciones} de cada forma de página alcanzable desde `inicios` (rutas) sin salir de `origen`.
    `omitir`: formas ya revisadas (por otro rol): se visitan para seguir sus enlaces, sin volver a revisarlas; las
    que se revisan aquí se agregan."""
    cola = [origen + r for r in inicios]
    formas: set[str] = set()
    resultados: dict[str, list[dict]] = {}
    while cola and len(resultados) < limite:
        url = cola.pop(0)
        f = forma(url)
        if f in formas or NO_SEGUIR.search(urlsplit(url).path):
            continue
        formas.add(f)
        try:
            respuesta = page.goto(url)
        except Exception:  # una descarga que el patrón no previó: no es una página
            continue
        if respuesta is None or respuesta.status != 200 or "text/html" not in respuesta.headers.get("content-type", ""):
            continue
        if not page.url.startswith(origen) or forma(page.url) != f and forma(page.url) in formas:
            continue
        if visitadas is not None:
            visitadas.append(url)
        if omitir is None or f not in omitir:
            resultados[url] = revisar(page)
            if omitir is not None:
                omitir.add(f)
        for enlace in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href.split('#')[0])"):
            if enlace.startswith(origen) and forma(enlace) not in formas:
                cola.append(enlace)
    return resultados


def total(resultados: dict[str, list[dict]]) -> int:
    """Nodos que violan alguna regla (cada elemento por cada regla, como cuenta axe)."""
    return sum(len(v["nodos"]) for vs in resultados.values() for v in vs)


def resumen(resultados: dict[str, list[dict]]) -> str:
    lineas = []
    for url, vs in resultados.items():
        if vs:
            lineas.append(f"{urlsplit(url).path}?{urlsplit(url).query}: " + "; ".join(
                f"{v['id']} ×{len(v['nodos'])} ({', '.join(v['nodos'][:3])})" for v in vs))
    return "\n".join(lineas)
