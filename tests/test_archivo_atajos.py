"""El camino corto del archivo (de la serie al préstamo devuelto): la ubicación siguiente trae el estante ya escrito,
la caja nace al archivar el expediente, las cajas elegidas se transfieren con su inventario, la recepción propone
dónde va cada caja y «Prestar» llega con la caja y su unidad ya elegidas."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from models import Expediente, Transferencia, Ubicacion, UnidadConservacion, db
from services.tramite import derivar, recibir
from tests.archivo_comun import caja, dia, lugar, serie
from tests.conftest import unidad, usuario_de


def _valor(html: str, campo: str) -> str:
    return re.search(rf'<input[^>]*id="{campo}"[^>]*value="([^"]*)"', html).group(1)


def test_ubicacion_siguiente_repite_el_estante(base, como):
    arch = como("archivo")
    datos = {"deposito": "2", "ambiente": "1", "estante": "7", "cuerpo": "1", "nivel": "1", "capacidad": "12",
             "_add_another": "1"}
    r = arch.post("/admin/ubicacion/new/", datos)
    assert r.status_code == 302 and parse_qs(urlsplit(r.headers["Location"]).query)["anterior_estante"] == ["7"]
    forma = arch.get(r.headers["Location"]).text
    assert [_valor(forma, c) for c in ("deposito", "ambiente", "estante", "cuerpo", "capacidad")] == \
        ["2", "1", "7", "1", "12"]
    assert _valor(forma, "nivel") == ""  # lo único que cambia de un nivel al siguiente
    assert arch.post(r.headers["Location"], {**datos, "nivel": "2", "_add_another": ""}).status_code == 302
    assert {u.codigo for u in db.session.scalars(sa.select(Ubicacion).where(Ubicacion.estante == 7))} == \
        {"D2-A1-E07-C1-N1", "D2-A1-E07-C1-N2"}


def test_la_caja_nace_al_archivar_y_se_transfiere_presta_y_devuelve(base, reloj, como, crear_expediente):
    reloj(dia(date(2026, 4, 1)))
    s = serie("GDU-CN")
    exp = crear_expediente("UTD", asunto="Solicita certificado de numeración", folios=6)
    recibir(derivar(exp, unidad("GDU"), "atender", "Para su atención."), usuario_de("unidad"))
    db.session.commit()
    gdu = como("unidad")
    assert f'value="serie-{s.id}"' in gdu.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "archivar", "caja": f"serie-{s.id}"})
    assert r.status_code == 302
    exp = db.session.get(Expediente, exp.id)
    c = exp.unidad_conservacion
    assert exp.estado.value == "archivado" and c.codigo == "GDU-2026-0001" and c.serie_id == s.id
    assert (c.unidad_productora.sigla, c.folios, c.fecha_inicial, c.estado.value) == (
        "GDU", 6, exp.fecha_presentacion, "en_gestion")
    # una serie de otra unidad no sirve
    otra = serie("GAT-X", sigla="GAT")
    exp2 = crear_expediente("GDU", asunto="Otro para archivar")
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp2.id}", {"operacion": "archivar", "caja": f"serie-{otra.id}"},
                 follow_redirects=True)
    assert "es de otra unidad" in r.text and db.session.get(Expediente, exp2.id).estado.value != "archivado"

    # la unidad elige sus cajas y las transfiere: la transferencia nace con su inventario
    r = gdu.post("/admin/unidad_conservacion/action/", {"action": "transferir", "rowid": [str(c.id)]},
                 follow_redirects=True)
    t = db.session.scalar(sa.select(Transferencia))
    assert f"{t.codigo}: programada con 1 caja" in r.text
    assert (t.estado.value, t.fecha, t.unidad_origen.sigla, t.entregado_por) == (
        "programada", date(2026, 4, 1), "GDU", usuario_de("unidad").nombre)
    assert [x.id for x in t.unidades] == [c.id]
    r = gdu.post("/admin/unidad_conservacion/action/", {"action": "transferir", "rowid": [str(c.id)]},
                 follow_redirects=True)
    assert "que no estén en otra transferencia" in r.text

    # el archivo recibe: la ubicación viene propuesta (la primera con lugar)
    lleno, libre = lugar(nivel=1, capacidad=1), lugar(nivel=2, capacidad=5)
    caja(s, lleno)  # ocupa el único lugar del nivel 1
    arch = como("archivo")
    forma = arch.get(f"/admin/transferencia/recibir/?id={t.id}").text
    assert re.search(rf'<option value="{libre.id}" selected>', forma)
    r = arch.post(f"/admin/transferencia/recibir/?id={t.id}", {"operacion": "recibir", f"ubicacion_{c.id}": libre.id})
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/admin/transferencia/recibir/?id={t.id}")
    recibida = arch.get(r.headers["Location"]).text
    prestar = re.search(r'href="(/admin/prestamo/new/\?caja_id=\d+)"', recibida).group(1)
    forma = arch.get(prestar).text
    assert re.search(rf'data-json="\[{c.id}, &#34;GDU-2026-0001', forma)  # la caja, ya elegida
    assert re.search(rf'data-json="\[{unidad("GDU").id}, ', forma)  # y su unidad, que es quien suele pedirla
    r = arch.post(prestar, {"unidad_conservacion": c.id, "unidad_solicitante": unidad("GDU").id,
                            "solicitante": "Carlos Díaz Ramos"})
    assert r.status_code == 302
    c = db.session.get(UnidadConservacion, c.id)
    assert c.estado.value == "prestada"
