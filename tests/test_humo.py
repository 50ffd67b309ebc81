"""Arranque: el panel responde en castellano y cada nombre de columna declarado existe."""

import pytest
import sqlalchemy as sa

from admin_views.base import VistaSegura
from models import db


def test_login_y_tablero(como):
    n = como("secretaria_general")
    r = n.get("/admin/")
    assert r.status_code == 200
    assert "Toda la municipalidad" in r.text and "Vencidos" in r.text


def test_columnas_declaradas_existen(app):
    """Un error de tipeo en column_list deja una columna vacía sin avisar: se verifica aquí."""
    admin = app.extensions["admin"][0]
    for vista in admin._views:
        if not isinstance(vista, VistaSegura):
            continue
        for nombre in (*(vista.column_list or ()), *(vista.column_export_list or ())):
            if nombre in (vista.column_formatters or {}) and nombre not in (vista.column_export_list or ()):
                continue  # columna calculada en pantalla (p. ej. «avisos»)
            if nombre in (getattr(vista, "sql_exportacion", None) or {}):
                continue  # columna calculada en SQL para la lista y el Excel (p. ej. «autorizada_desde»)
            modelo = vista.model
            for paso in nombre.split("."):
                assert hasattr(modelo, paso), f"{vista.endpoint}: {nombre}"
                attr = getattr(modelo, paso)
                prop = getattr(attr, "property", None)
                if isinstance(prop, sa.orm.RelationshipProperty):
                    modelo = prop.mapper.class_


@pytest.mark.parametrize("url", ["/admin/", "/admin/expediente/", "/admin/feriado/"])
def test_anonimo_va_al_login(client, url):
    r = client.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_mensajes_de_flask_admin_en_castellano(como):
    """El .mo de Flask-Admin está desactualizado; translations/ completa lo que falta."""
    from models import Usuario

    u = db.session.scalar(sa.select(Usuario).where(Usuario.username == "unidad"))
    r = como("admin").post(f"/admin/usuario/edit/?id={u.id}", {
        "username": "unidad", "nombre": u.nombre, "rol": str(u.rol_id), "unidad": "no-existe", "activo": "y"})
    assert r.status_code == 200
    assert "No es una opción válida" in r.text and "Not a valid choice" not in r.text


def test_tablero_de_la_unidad_enlaza_su_bandeja(como, crear_expediente):
    import re

    from services.tramite import derivar
    from tests.conftest import unidad

    exp = crear_expediente("UTD")
    derivar(exp, unidad("GDU"))
    db.session.commit()
    nav = como("unidad")
    r = nav.get("/admin/")
    assert "Por recibir" in r.text and "Toda la municipalidad" not in r.text
    enlace = re.search(r'href="([^"]*derivacion[^"]*)"', r.text).group(1).replace("&amp;", "&")
    r = nav.get(enlace)
    assert r.status_code == 200 and exp.codigo in r.text


def test_enlaces_de_cada_fila_con_su_id(como, crear_expediente):
    """Los enlaces de fila se arman una vez por forma y se les pone el id: cada fila apunta a lo suyo."""
    import html
    import re

    a, b = crear_expediente("GDU"), crear_expediente("GAT")
    texto = html.unescape(como("secretaria_general").get("/admin/expediente/").text)
    for exp in (a, b):
        for ruta in ("details", "edit", "cargo", "tramitar"):
            assert re.search(rf'href="/admin/expediente/{ruta}/\?id={exp.id}(&|")', texto), (ruta, exp.id)
    assert "__ID__" not in texto
