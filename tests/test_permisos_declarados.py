"""Permisos por defecto declarados junto a cada vista (issue 10, punto 2): la semilla se calcula de las vistas,
las migraciones dan los mismos permisos a una instalación existente, «anular» es una acción de la matriz y la
matriz muestra en gris lo que una pantalla no ofrece."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from admin_views.base import PaginaSegura, VistaSegura
from models import Expediente, Permiso, Rol, db
from services import permisos
from services.semilla import ROLES, matriz_por_defecto


def _vistas(app):
    return [v for v in app.extensions["admin"][0]._views if isinstance(v, VistaSegura | PaginaSegura)]


def _matriz_en_base() -> dict[str, set[tuple[str, str]]]:
    filas = db.session.execute(sa.select(Rol.codigo, Permiso.vista, Permiso.accion).join(Permiso.rol)).all()
    return {codigo: {(v, a.value) for c, v, a in filas if c == codigo} for codigo in ROLES}


def test_la_semilla_sale_de_las_vistas(app):
    """Cada pantalla declara sus permisos; la base nueva tiene exactamente esos (y el auditor lee todo)."""
    vistas = _vistas(app)
    assert all(v.permisos_por_defecto for v in vistas), [v.endpoint for v in vistas if not v.permisos_por_defecto]
    assert _matriz_en_base() == matriz_por_defecto()
    auditor = matriz_por_defecto()["auditor"]
    assert auditor == {(v.endpoint, a) for v in vistas for a in ("ver", "exportar")}
    assert ("expediente", "anular") in matriz_por_defecto()["mesa_partes"]
    assert ("expediente", "anular") not in matriz_por_defecto()["unidad"]


def test_letra_o_rol_desconocidos_fallan_al_calcular(app, monkeypatch):
    with pytest.raises(ValueError, match="letra de permiso desconocida 'x'"):
        permisos.acciones("vx")
    vista = next(v for v in _vistas(app) if v.endpoint == "feriado")
    monkeypatch.setattr(vista, "permisos_por_defecto", {"alcalde": "v"})
    with pytest.raises(ValueError, match="rol que no existe: 'alcalde'"):
        matriz_por_defecto()


def test_matriz_tiene_anular_y_gris_lo_que_la_pantalla_no_ofrece(app, como):
    nav = como("admin")
    rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad"))
    r = nav.get(f"/admin/rol/matriz/?id={rol.id}")
    assert r.status_code == 200 and "<th class=\"text-center\">Anular</th>" in r.text
    assert 'value="expediente|anular"' in r.text and 'value="documento_emitido|anular"' in r.text
    assert 'value="feriado|anular"' not in r.text  # un catálogo no anula: casilla en gris, sin valor
    assert 'value="derivacion|crear"' not in r.text  # la derivación nace del flujo (bloqueada)
    assert 'value="reporte_concejo|crear"' not in r.text  # un reporte solo se ve y se exporta
    assert r.text.count('class="text-center bg-light no-ofrece"') > 10
    # enviar a mano un par en gris no crea el permiso
    marcados = [f"{v}|{a}" for v, a in sorted(matriz_por_defecto()["unidad"])] + ["feriado|anular",
                                                                                  "derivacion|crear"]
    assert nav.post(f"/admin/rol/matriz/?id={rol.id}", {"permiso": marcados}).status_code == 302
    pares = {(p.vista, p.accion.value) for p in db.session.scalars(sa.select(Permiso).where(Permiso.rol_id == rol.id))}
    assert ("feriado", "anular") not in pares and ("derivacion", "crear") not in pares
    assert ("expediente", "crear") in pares


def test_anular_es_un_permiso_de_la_matriz(app, como, crear_expediente):
    """La unidad no anula; el administrador le da «anular» en la matriz y entonces sí; sin él, Mesa de Partes no."""
    exp = crear_expediente("GDU")
    unidad = como("unidad")
    r = unidad.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "anular", "motivo": "Duplicado"})
    assert "Su rol no tiene el permiso «anular» de expedientes" in r.text
    assert "Anular expediente" not in unidad.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    admin = como("admin")
    rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad"))
    marcados = [f"{v}|{a}" for v, a in sorted(matriz_por_defecto()["unidad"])] + ["expediente|anular"]
    assert admin.post(f"/admin/rol/matriz/?id={rol.id}", {"permiso": marcados}).status_code == 302
    assert "Anular expediente" in unidad.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    r = unidad.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "anular", "motivo": "Duplicado"})
    db.session.expire_all()
    assert db.session.get(Expediente, exp.id).estado.value == "anulado", r.text[-2000:]
    # quitarle «anular» a Mesa de Partes: ya no anula
    mp = db.session.scalar(sa.select(Rol).where(Rol.codigo == "mesa_partes"))
    db.session.execute(sa.delete(Permiso).where(Permiso.rol_id == mp.id, Permiso.vista == "expediente",
                                                Permiso.accion == "anular"))
    db.session.commit()
    otro = crear_expediente("GDU")
    r = como("mesa_partes").post(f"/admin/expediente/tramitar/?id={otro.id}",
                                 {"operacion": "anular", "motivo": "Duplicado"})
    assert "Su rol no tiene el permiso «anular» de expedientes" in r.text


def test_anular_un_documento_emitido_exige_anular(app, como):
    """El endpoint /anular/ de documentos emitidos exige «anular» (403 sin él, también en GET)."""
    nav = como("mesa_partes")  # ve los documentos, no los anula
    assert nav.get("/admin/documento_emitido/anular/?id=1").status_code == 403
    assert como("auditor").post("/admin/documento_emitido/anular/?id=1", {"motivo": "x"}).status_code == 403
    assert como("mesa_partes").get("/admin/norma_municipal/anular/?id=1").status_code == 403


# Pantallas que existían en la primera migración con documentos (c5d5d4f786ff): la instalación "antigua" las tiene
ANTIGUAS = ("expediente", "derivacion", "documento_emitido", "persona", "tipo_documento", "procedimiento_tupa",
            "feriado", "unidad_organica", "usuario", "rol", "permiso", "registro_auditoria")


def test_una_instalacion_antigua_termina_con_la_matriz_de_las_vistas(app_vacia):  # noqa: F811
    """Roles creados en c5d5d4f786ff con la matriz de entonces; tras `db upgrade` cada rol tiene exactamente los
    permisos que declaran las vistas hoy: las migraciones (con `services.permisos.conceder`) no se desvían."""
    runner = app_vacia.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "c5d5d4f786ff"]).exit_code == 0
    with app_vacia.app_context():
        esperada = matriz_por_defecto()
        for i, (codigo, (nombre, alcance)) in enumerate(ROLES.items(), start=1):
            db.session.execute(sa.text("INSERT INTO rol (id, codigo, nombre, alcance, creado_en) VALUES "
                                       "(:i, :c, :n, :a, CURRENT_TIMESTAMP)"), {"i": i, "c": codigo, "n": nombre,
                                                                                 "a": alcance})
            viejos = {(v, a) for v, a in esperada[codigo] if v in ANTIGUAS and a != "anular"}
            if codigo == "unidad":  # la unidad vio las unidades orgánicas desde 3d9e1b7c5a20
                viejos.discard(("unidad_organica", "ver"))
                viejos.discard(("unidad_organica", "exportar"))
            for vista, accion in sorted(viejos):
                db.session.execute(sa.text("INSERT INTO permiso (rol_id, vista, accion) VALUES (:r, :v, :a)"),
                                   {"r": i, "v": vista, "a": accion})
        db.session.commit()
    r = runner.invoke(args=["db", "upgrade"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        db.session.remove()
        filas = db.session.execute(sa.text(
            "SELECT r.codigo, p.vista, p.accion FROM permiso p JOIN rol r ON r.id = p.rol_id")).all()
        for codigo in ROLES:
            tiene = {(v, a) for c, v, a in filas if c == codigo}
            assert tiene == esperada[codigo], (codigo, sorted(tiene ^ esperada[codigo]))
    r = runner.invoke(args=["db", "downgrade", "c4d8e2f6a913"])
    assert r.exit_code == 0, r.output
    with app_vacia.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM permiso WHERE accion = 'anular'")).scalar() == 0


def test_la_tabla_de_roles_del_readme_sale_de_las_vistas(app, runner):
    """La tabla «Rol | Alcance | Puede» del README es la que imprime `flask tabla-roles` (de las declaraciones)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    r = runner.invoke(args=["tabla-roles"])
    assert r.exit_code == 0, r.output
    tabla = r.output.strip()
    assert tabla in readme, "regenere la tabla del README con: make readme (flask --app app tabla-roles --readme)"
    assert "| `auditor` | todas | todas las pantallas: v |" in tabla
    assert "Expedientes, Documentos emitidos, Normas municipales: vcea" in tabla  # la Secretaría General anula


def test_iconos_de_fila_solo_con_su_permiso(app, como):
    """El ícono «Anular» de un documento emitido lo ve quien tiene «anular» (la unidad), no Mesa de Partes ni el
    auditor, que solo lo leen: la fila no ofrece lo que respondería 403."""
    from models import DocumentoEmitido, TipoDocumento
    from services import tramite
    from tests.conftest import hoy, unidad

    doc = DocumentoEmitido(tipo_documento=db.session.scalar(sa.select(TipoDocumento).where(
        TipoDocumento.nombre == "Informe")), unidad=unidad("GDU"), fecha=hoy(),
        asunto="Informe del lote 12", destinatario="Gerencia Municipal")
    tramite.numerar_documento(doc)
    db.session.add(doc)
    db.session.commit()
    enlace = f"/admin/documento_emitido/anular/?id={doc.id}"
    assert enlace in como("unidad").get("/admin/documento_emitido/").text
    for rol in ("mesa_partes", "auditor"):
        r = como(rol).get("/admin/documento_emitido/")
        assert r.status_code == 200 and doc.codigo in r.text and enlace not in r.text, rol
        assert como(rol).get(enlace).status_code == 403
