"""Cada QR y enlace impreso lleva la dirección pública configurada (`URL_PUBLICA`), nunca el host que usó el navegador
del personal; los QR son estándar (no Micro QR) y los lee zxing; la etiqueta de la caja lleva la dirección de la caja,
el Código 128 separado del texto y marcas de corte (issue 23, puntos 11 y 12)."""

from __future__ import annotations

import re

import numpy as np
import sqlalchemy as sa
import zxingcpp

from models import SolicitudAcceso, db
from tests.archivo_comun import caja, lugar, serie
from tests.conftest import crear_persona, unidad

PUBLICA = "https://tramite.muni.gob.pe"


def leer_qrs(html: str) -> list[zxingcpp.Barcode]:
    """Cada QR (SVG de segno) de la página, rasterizado a 8 px por módulo y leído por zxing-cpp."""
    leidos = []
    for ancho, escala, trazo in re.findall(
            r'<svg width="(\d+)" height="\d+"[^>]*><path transform="scale\((\d+)\)"[^>]* d="([^"]+)"', html):
        lado = int(ancho) // int(escala)
        img = np.full((lado, lado), 255, dtype=np.uint8)
        x = y = 0.0
        for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", trazo):
            if cmd == "M":
                x, y = float(a), float(b)
            elif cmd == "m":
                x, y = x + float(a), y + float(b)
            else:
                img[int(y), int(x):int(x + float(a))] = 0
                x += float(a)
        res = zxingcpp.read_barcodes(np.kron(img, np.ones((8, 8), dtype=np.uint8)))
        assert len(res) == 1, "zxing-cpp no pudo leer el QR"
        leidos.append(res[0])
    return leidos


def test_cargos_con_la_direccion_publica(app, como, crear_expediente):
    app.config["URL_PUBLICA"] = PUBLICA + "/"  # con o sin barra final
    mesa = como("mesa_partes")
    exp = crear_expediente("UTD")
    r = mesa.get(f"/admin/expediente/cargo/?id={exp.id}")  # el navegador del personal entra por http://localhost
    assert r.status_code == 200
    (qr,) = leer_qrs(r.text)
    assert qr.format == zxingcpp.BarcodeFormat.QRCode
    assert qr.text == f"{PUBLICA}/consulta?codigo={exp.codigo}&clave={exp.clave}"
    assert "localhost" not in r.text and f"{PUBLICA}/consulta?codigo={exp.codigo}" in r.text
    # el cargo de la solicitud de acceso a la información lleva su QR, como el del expediente
    sg = como("secretaria_general")
    r = sg.post("/admin/solicitud_acceso/new/", {
        "persona": str(crear_persona("41234567", "Elena", "Mamani Condori")), "forma_entrega": "copia_simple",
        "informacion_solicitada": "Copia del contrato de limpieza pública 2025", "sexo": "F",
        "unidad_poseedora": str(unidad("GDU").id)})
    assert r.status_code == 302, r.text[:1500]
    sol = db.session.scalar(sa.select(SolicitudAcceso).order_by(SolicitudAcceso.id.desc()).limit(1))
    r = sg.get(f"/admin/solicitud_acceso/cargo/?id={sol.id}")
    (qr,) = leer_qrs(r.text)
    assert qr.text == f"{PUBLICA}/consulta?codigo={sol.codigo}&clave={sol.clave}"
    assert "localhost" not in r.text
    # el QR lleva a la consulta que muestra la solicitud (la clave va en la dirección)
    publico = app.test_client()
    consulta = publico.get(qr.text.removeprefix(PUBLICA))
    assert consulta.status_code == 200 and f"{sol.fecha_vencimiento:%d/%m/%Y}" in consulta.text


def test_sin_url_publica_en_desarrollo_la_de_la_peticion(app, como, crear_expediente):
    app.config["URL_PUBLICA"] = None
    exp = crear_expediente("UTD")
    r = como("mesa_partes").get(f"/admin/expediente/cargo/?id={exp.id}")
    (qr,) = leer_qrs(r.text)
    assert qr.text == f"http://localhost/consulta?codigo={exp.codigo}&clave={exp.clave}"


def test_etiqueta_de_caja_qr_estandar_con_su_direccion_y_marcas_de_corte(app, base, como):
    app.config["URL_PUBLICA"] = PUBLICA
    s = serie()
    cajas = [caja(s, lugar()), caja(s)]
    arch = como("archivo")
    r = arch.get("/admin/unidad_conservacion/etiquetas/?" + "&".join(f"id={c.id}" for c in cajas))
    assert r.status_code == 200
    qrs = leer_qrs(r.text)
    assert [q.format for q in qrs] == [zxingcpp.BarcodeFormat.QRCode] * 2  # estándar, no Micro QR
    assert [q.text for q in qrs] == [f"{PUBLICA}/admin/unidad_conservacion/details/?id={c.id}" for c in cajas]
    # el QR abre la ficha de la caja (para quien tiene la pantalla)
    assert arch.get(qrs[0].text.removeprefix(PUBLICA)).status_code == 200
    # Código 128 a su tamaño natural (sin estirar sobre el texto), con margen debajo; marcas de corte en la hoja
    assert re.search(r'\.barras \{ margin: [^}]*1\.5mm', r.text)
    svg = re.search(r'<div class="barras">(<svg[^>]*>)', r.text).group(1)
    alto = float(re.search(r'height="([\d.]+)mm"', svg).group(1))
    assert 9 <= alto <= 12, alto
    assert r.text.count('class="corte ') == 4 * len(cajas)
