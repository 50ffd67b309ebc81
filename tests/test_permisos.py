"""Matriz de permisos: cada rol por defecto × cada vista × cada acción, generada desde la semilla."""

import pytest
import sqlalchemy as sa

from admin_views.base import ACCIONES, VistaSegura
from models import Permiso, Rol, db
from services.semilla import ROLES, acciones_por_defecto

NO_EXISTE = 999_999


def _vistas(app):
    return [v for v in app.extensions["admin"][0]._views if isinstance(v, VistaSegura)]


def _esperado(vista, rol, accion) -> bool:
    if accion in vista.bloqueadas:
        return False
    permitidas = acciones_por_defecto(rol)
    return (vista.endpoint, "ver") in permitidas and (vista.endpoint, accion) in permitidas


def _pedir(nav, endpoint, accion):
    base = f"/admin/{endpoint}"
    if accion == "ver":
        return nav.get(f"{base}/")
    if accion == "crear":
        return nav.get(f"{base}/new/")
    if accion == "editar":
        return nav.get(f"{base}/edit/?id={NO_EXISTE}")
    if accion == "eliminar":
        return nav.post(f"{base}/delete/", {"id": str(NO_EXISTE)})
    r = nav.get(f"{base}/export/xlsx/")
    r.close()
    return r


@pytest.mark.parametrize("rol", sorted(ROLES))
def test_matriz_por_defecto(como, app, rol):
    """Permitido → 200 (o 404 para un id que no existe); negado → 403, en GET y en POST."""
    nav = como(rol)
    errores = []
    for vista in _vistas(app):
        for accion in ACCIONES:
            r = _pedir(nav, vista.endpoint, accion)
            if _esperado(vista, rol, accion):
                ok = r.status_code in ((404,) if accion in ("editar", "eliminar") else (200,))
            else:
                ok = r.status_code == 403
            if not ok:
                errores.append(f"{rol} {vista.endpoint} {accion}: {r.status_code}")
    assert not errores, "\n".join(errores)


def test_la_matriz_es_dato(como, app):
    """Quitar 'ver' de expedientes a mesa_partes en la pantalla de la matriz → 403 al instante."""
    nav = como("admin")
    rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == "mesa_partes"))
    r = nav.get(f"/admin/rol/matriz/?id={rol.id}")
    assert r.status_code == 200 and "Guardar permisos" in r.text
    marcados = [f"{v}|{a}" for v, a in sorted(acciones_por_defecto("mesa_partes")) if v != "expediente"]
    r = nav.post(f"/admin/rol/matriz/?id={rol.id}", {"permiso": marcados})
    assert r.status_code == 302
    vistas = set(db.session.scalars(sa.select(Permiso.vista).where(Permiso.rol_id == rol.id)))
    assert "expediente" not in vistas and "persona" in vistas
    assert como("mesa_partes").get("/admin/expediente/").status_code == 403


def test_auditor_lee_la_matriz_pero_no_la_cambia(como):
    nav = como("auditor")
    rol_id = db.session.scalar(sa.select(Rol.id).where(Rol.codigo == "unidad"))
    r = nav.get(f"/admin/rol/matriz/?id={rol_id}")
    assert r.status_code == 200 and "Guardar permisos" not in r.text
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(Permiso))
    assert nav.post(f"/admin/rol/matriz/?id={rol_id}", {"permiso": []}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Permiso)) == antes


def test_menu_solo_muestra_lo_permitido(como):
    r = como("concejo").get("/admin/")
    assert "Procedimientos TUPA" in r.text and "Usuarios" not in r.text and "Expedientes" not in r.text
