"""Lo que el ingreso propone: lo que trae un ciudadano es una solicitud, la unidad de destino se llama así y se llena
con la del procedimiento, y el cargo digital dice procedimiento, plazo y QR como el del mostrador."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import ProcedimientoTupa, db
from tests.conftest import Ciudadano, texto_de, ultimo_expediente


def test_el_formulario_de_ingreso_propone_solicitud_y_unidad_de_destino(app, como):
    mp = como("mesa_partes")
    forma = mp.get("/admin/expediente/new/").text
    tipo = re.search(r'<select[^>]*id="tipo_documento".*?</select>', forma, re.S).group(0)
    assert re.search(r'<option selected value="\d+">Solicitud</option>|<option value="\d+" selected>Solicitud', tipo)
    assert re.search(r'<label for="unidad_actual"[^>]*>\s*Unidad de destino', forma)
    assert "Unidad actual" not in re.search(r'<form.*</form>', forma, re.S).group(0)
    gde = db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == "GDE-01"))
    r = mp.get(f"/admin/expediente/procedimiento/?id={gde.id}")
    assert r.json == {"unidad": [gde.unidad_resolutora_id, "GDE – Gerencia de Desarrollo Económico"],
                      "plazo": gde.plazo_dias_habiles, "silencio": "Positivo"}
    assert mp.get("/admin/expediente/procedimiento/?id=999999").status_code == 404
    assert como("concejo").get(f"/admin/expediente/procedimiento/?id={gde.id}").status_code == 403


def test_cargo_digital_con_procedimiento_plazo_y_qr(base):
    gdu = db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == "GDU-02"))
    ciudadano = Ciudadano(base)
    r = ciudadano.presentar(procedimiento="GDU-02")  # elegido de la lista por su código
    assert r.status_code == 302
    exp = ultimo_expediente()
    assert exp.procedimiento_id == gdu.id and exp.fecha_vencimiento is not None
    html = ciudadano.c.get("/mesa-de-partes/cargo").text
    texto = texto_de(html)
    assert "GDU-02" in texto and f"vence el {exp.fecha_vencimiento:%d/%m/%Y}" in texto
    assert f"{exp.plazo_dias_habiles} días hábiles" in texto
    assert re.search(r'id="qr-consulta">\s*<svg', html)  # el QR de la consulta, como el cargo del mostrador
