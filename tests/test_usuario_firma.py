"""Quien firma documentos (Expedir) tiene su cargo y su DNI en Seguridad → Usuarios: el sello dice el cargo y el DNI
se compara con el del certificado al firmar."""

from __future__ import annotations

import sqlalchemy as sa

from models import Usuario, db


def _usuario(nombre: str) -> Usuario:
    db.session.expire_all()
    return db.session.scalar(sa.select(Usuario).where(Usuario.username == nombre))


def test_cargo_y_dni_del_que_firma_en_la_pantalla_de_usuarios(como):
    nav = como("admin")
    u = _usuario("unidad")
    datos = {"username": "unidad", "nombre": u.nombre, "rol": str(u.rol_id), "unidad": str(u.unidad_id),
             "activo": "y", "cargo": "Gerente de Desarrollo Urbano", "dni": "4000002"}
    r = nav.post(f"/admin/usuario/edit/?id={u.id}", datos)
    assert r.status_code == 200 and "El DNI tiene 8 dígitos." in r.text
    assert 'value="Gerente de Desarrollo Urbano"' in r.text  # lo escrito se conserva
    assert _usuario("unidad").dni is None
    r = nav.post(f"/admin/usuario/edit/?id={u.id}", {**datos, "dni": "40000021"})
    assert r.status_code == 302
    guardado = _usuario("unidad")
    assert (guardado.cargo, guardado.dni) == ("Gerente de Desarrollo Urbano", "40000021")
