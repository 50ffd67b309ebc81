"""Ninguna pantalla pide recursos a servidores de terceros (Google Fonts, CDN): la aplicación funciona en una
intranet sin salida a Internet y no le cuenta a nadie quién la usa."""

from __future__ import annotations

import re

PAGINAS_PUBLICAS = ("/login", "/consulta", "/mesa-de-partes", "/transparencia")
PAGINAS_ADMIN = ("/admin/", "/admin/expediente/", "/admin/expediente/new/", "/admin/sesion_concejo/")


def _recursos(html: str) -> set[str]:
    return set(re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html))


def test_solo_recursos_propios(app, client, como):
    sg = como("secretaria_general")
    recursos: set[str] = set()
    for nav, rutas in ((client, PAGINAS_PUBLICAS), (sg, PAGINAS_ADMIN)):
        for ruta in rutas:
            r = nav.get(ruta)
            assert r.status_code == 200, ruta
            assert "googleapis" not in r.text and "cdn" not in r.text.lower(), ruta
            recursos |= _recursos(r.text)
    ajenos = [u for u in recursos if not u.startswith("/") or u.startswith("//")]
    assert not ajenos, ajenos
    hojas = [u for u in recursos if u.split("?")[0].endswith(".css")]
    assert any("vendor/flatly/bootstrap.min.css" in u for u in hojas)
    for hoja in hojas:
        r = sg.get(hoja)
        assert r.status_code == 200, hoja
        css = r.get_data(as_text=True)
        r.close()
        assert not re.search(r"@import\s+url\(\s*['\"]?https?:", css), hoja
        for fuente in re.findall(r"url\(([^)]+\.woff2)\)", css):  # las letras de lato.css se sirven
            base = hoja.rsplit("/", 1)[0]
            f = sg.get(f"{base}/{fuente}")
            assert f.status_code == 200 and f.data[:4] == b"wOF2", fuente
            f.close()
