"""Una sola fuente de configuración (configuracion.py): README, código y carga en create_app concuerdan."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

import configuracion
from app import create_app
from models import Derivacion, db
from tests.conftest import ClienteAislado, _config, unidad

RAIZ = Path(__file__).resolve().parent.parent
CARPETAS = ("admin_views", "services")
# claves que leen Flask o sus extensiones, no la aplicación
AJENAS = {"SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "MAX_CONTENT_LENGTH", "PROPAGATE_EXCEPTIONS",
          "TESTING"}
# opciones de la tabla que solo leen Flask o sus extensiones (no aparecen como config["X"] en el código)
LEIDAS_POR_EXTENSIONES = {"SESSION_COOKIE_SECURE", "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED"}


def archivos_del_proyecto() -> list[Path]:
    archivos = sorted(RAIZ.glob("*.py"))
    for carpeta in CARPETAS:
        archivos += sorted((RAIZ / carpeta).rglob("*.py"))
    return archivos


def _es_config(nodo) -> bool:
    return (isinstance(nodo, ast.Attribute) and nodo.attr == "config") or \
        (isinstance(nodo, ast.Name) and nodo.id in ("cfg", "config"))


def lecturas() -> tuple[dict[str, list[str]], list[str]]:
    """({clave: [archivo:línea]} leídas como config["X"] o _cfg("X"), [config.get("X", defecto)…])."""
    leidas: dict[str, list[str]] = {}
    con_defecto: list[str] = []
    for archivo in archivos_del_proyecto():
        for nodo in ast.walk(ast.parse(archivo.read_text(), str(archivo))):
            donde = f"{archivo.relative_to(RAIZ)}:{getattr(nodo, 'lineno', 0)}"
            clave = None
            if isinstance(nodo, ast.Subscript) and _es_config(nodo.value) and isinstance(nodo.slice, ast.Constant):
                clave = nodo.slice.value
            elif isinstance(nodo, ast.Call) and isinstance(nodo.func, ast.Attribute) and nodo.func.attr == "get" \
                    and _es_config(nodo.func.value) and nodo.args and isinstance(nodo.args[0], ast.Constant):
                clave = nodo.args[0].value
                if len(nodo.args) > 1:
                    con_defecto.append(f"{donde} {clave}")
            elif isinstance(nodo, ast.Call) and isinstance(nodo.func, ast.Name) and nodo.func.id == "_cfg" \
                    and nodo.args and isinstance(nodo.args[0], ast.Constant):
                clave = nodo.args[0].value
            if isinstance(clave, str):
                leidas.setdefault(clave, []).append(donde)
    return leidas, con_defecto


def test_ningun_valor_por_defecto_fuera_de_la_tabla():
    leidas, con_defecto = lecturas()
    assert con_defecto == [], "lea config[\"X\"]; el valor por defecto va en configuracion.py"
    nombres = {o.nombre for o in configuracion.OPCIONES}
    desconocidas = {c: d for c, d in leidas.items() if c not in nombres | AJENAS}
    assert desconocidas == {}, "agregue estas opciones a configuracion.OPCIONES"
    textos = {n.value for a in archivos_del_proyecto() if a.name != "configuracion.py"
              for n in ast.walk(ast.parse(a.read_text())) if isinstance(n, ast.Constant)}
    sin_uso = nombres - set(leidas) - textos - LEIDAS_POR_EXTENSIONES
    assert sin_uso == set(), "opciones de la tabla que nadie lee"


def test_readme_y_tabla_coinciden():
    """En ambos sentidos: mismas opciones, mismos valores, mismo texto (regenerar: python configuracion.py)."""
    readme = (RAIZ / "README.md").read_text()
    seccion = readme.split("## Configuración\n", 1)[1].split("\n## ", 1)[0]
    filas = [linea for linea in seccion.splitlines() if linea.startswith("|")]
    en_readme = [re.match(r"\| `(\w+)` \|", f).group(1) for f in filas[2:]]
    assert en_readme == [o.nombre for o in configuracion.OPCIONES]
    assert "\n".join(filas) == configuracion.tabla_markdown()


def test_todas_las_opciones_tienen_descripcion_y_defecto_en_la_app(app):
    for o in configuracion.OPCIONES:
        assert o.descripcion.strip() and o.nombre.isupper()
        assert o.nombre in app.config
    assert app.config["DATABASE_URL"] and app.config["ADJUNTOS_DIR"] and app.config["SECRET_KEY"]


def test_archivo_de_instancia_y_entorno(db_url, tmp_path, monkeypatch):
    """El contrato de siempre: tabla < instance/config.py < entorno < create_app(config); los diccionarios
    del operador completan los de por defecto."""
    instancia = tmp_path / "instance"
    instancia.mkdir()
    (instancia / "config.py").write_text(
        'HORA_CIERRE = "17:00"\nMUNICIPALIDAD = "Municipalidad Provincial de Huaral"\n'
        'PLAZOS_ACCION = {"opinar": 5}\nLAPSO_CONVOCATORIA = {"ordinaria": 3}\nDIAS_SUBSANACION = 3\n')
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(instancia))
    monkeypatch.setenv("MUNICIPALIDAD", "Municipalidad Distrital de Chancay")
    monkeypatch.setenv("SIGLA_ENTIDAD", "MDCH")
    monkeypatch.setenv("DIAS_SUBSANACION", "9")  # no es de entorno: no cuenta
    conf = _config(db_url, tmp_path)
    del conf["ADJUNTOS_DIR"]
    app = create_app({**conf, "SIGLA_ENTIDAD": "MDCX"})
    c = app.config
    assert c["HORA_CIERRE"] == "17:00" and c["DIAS_SUBSANACION"] == 3
    assert c["MUNICIPALIDAD"] == "Municipalidad Distrital de Chancay"
    assert c["SIGLA_ENTIDAD"] == "MDCX"
    assert c["PLAZOS_ACCION"] == {**configuracion.POR_DEFECTO["PLAZOS_ACCION"], "opinar": 5}
    assert c["LAPSO_CONVOCATORIA"] == {"ordinaria": 3, "extraordinaria": 5, "solemne": 2}
    assert c["ADJUNTOS_DIR"] == str(instancia / "adjuntos")
    assert configuracion.POR_DEFECTO["PLAZOS_ACCION"]["opinar"] == 7  # la tabla no cambió
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app_opinar5(db_url, tmp_path):
    app = create_app({**_config(db_url, tmp_path), "PLAZOS_ACCION": {"opinar": 5}})
    app.test_client_class = ClienteAislado
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_plazo_de_una_accion_cambiado_por_configuracion(app_opinar5, crear_expediente_en):
    """Por HTTP: opinar toma el plazo configurado (5) y firmar conserva el de la tabla (3)."""
    from tests.conftest import Navegador

    mp = Navegador(app_opinar5.test_client())
    assert mp.login("mesa_partes").status_code == 302
    plazos = {}
    for accion, destino in (("opinar", "GDU"), ("firmar", "GAT")):
        exp = crear_expediente_en("UTD")
        r = mp.post(f"/admin/expediente/tramitar/?id={exp.id}",
                    {"operacion": "derivar", "destino": str(unidad(destino).id), "accion": accion, "plazo": ""})
        assert r.status_code == 302, r.text[:300]
        db.session.expire_all()
        d = db.session.scalars(sa.select(Derivacion).where(Derivacion.expediente_id == exp.id)
                               .order_by(Derivacion.id.desc())).first()
        plazos[accion] = d.plazo_dias_habiles
    assert plazos == {"opinar": 5, "firmar": 3}


@pytest.fixture
def crear_expediente_en(app_opinar5):
    from models import Expediente, Persona, TipoDocumento
    from services.tramite import registrar_ingreso

    def _crear(sigla: str):
        persona = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == "10117410")) or \
            Persona(tipo_documento="DNI", numero_documento="10117410", nombres="Rosa", apellidos="Quispe Mamani")
        exp = Expediente(persona=persona, unidad_actual=unidad(sigla), asunto="Solicita constancia",
                         tipo_documento=db.session.scalar(sa.select(TipoDocumento).limit(1)))
        registrar_ingreso(exp)
        db.session.add(exp)
        db.session.commit()
        return exp

    return _crear
