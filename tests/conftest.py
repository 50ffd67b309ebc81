"""Fixtures: cada prueba corre en SQLite y, marcada `postgres`, en un PostgreSQL real desechable.

La base de cada prueba es una copia de una plantilla creada UNA vez por sesión con
`flask db upgrade` (las migraciones reales, no create_all) y la municipalidad demo.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from app import create_app
from models import db
from tests.pg_server import ServidorPG, binarios

CLAVE = "clave-de-prueba"
_contador = itertools.count()


def _config(url: str, tmp_path) -> dict:
    return {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "pruebas", "RATELIMIT_ENABLED": False,
            "ADJUNTOS_DIR": str(tmp_path / "adjuntos"), "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool}}


def preparar_base(url: str, tmp_path) -> None:
    """Migraciones reales + demo, en una base vacía."""
    from flask_migrate import upgrade

    from services.semilla import cargar_demo

    app = create_app(_config(url, tmp_path))
    with app.app_context():
        upgrade()
        cargar_demo(CLAVE)
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def plantilla_sqlite(tmp_path_factory):
    d = tmp_path_factory.mktemp("plantilla")
    ruta = d / "plantilla.db"
    preparar_base(f"sqlite:///{ruta}", d)
    return ruta


@pytest.fixture(scope="session")
def servidor_pg():
    if binarios() is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 pero no hay initdb/pg_ctl en esta máquina")
        pytest.skip("PostgreSQL no está instalado (initdb/pg_ctl): se omiten las pruebas 'postgres'")
    servidor = ServidorPG().iniciar()
    yield servidor
    servidor.detener()


@pytest.fixture(scope="session")
def plantilla_pg(servidor_pg, tmp_path_factory):
    servidor_pg.sql("CREATE DATABASE plantilla")
    preparar_base(servidor_pg.url("plantilla"), tmp_path_factory.mktemp("pg"))
    return "plantilla"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path):
    if backend == "sqlite":
        ruta = tmp_path / "prueba.db"
        shutil.copy(request.getfixturevalue("plantilla_sqlite"), ruta)
        yield f"sqlite:///{ruta}"
        return
    servidor = request.getfixturevalue("servidor_pg")
    plantilla = request.getfixturevalue("plantilla_pg")
    nombre = f"prueba_{os.getpid()}_{next(_contador)}"
    servidor.sql(f"CREATE DATABASE {nombre} TEMPLATE {plantilla}")
    yield servidor.url(nombre)
    servidor.sql(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)")


class ClienteAislado(FlaskClient):
    """Cada petición con su propio contexto de aplicación (g y sesión nuevos), como en producción.

    La prueba mantiene un contexto abierto para consultar la base; Flask lo
    reutilizaría en cada petición (mismo `g`, misma sesión SQLAlchemy) y eso
    ocultaría errores como un commit olvidado. Tras la petición se expira la
    sesión de la prueba para que relea lo que la petición escribió.
    """

    def open(self, *args, **kwargs):
        ctx = self.application.app_context()
        ctx.push()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.pop()
            if _cv_app.get(None) is not None:
                db.session.expire_all()


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(_config(db_url, tmp_path))
    app.test_client_class = ClienteAislado
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def token_csrf(client, url: str = "/login") -> str:
    r = client.get(url)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', r.text) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', r.text)
    assert m, f"sin token CSRF en {url}"
    return m.group(1)


class Navegador:
    """El cliente de pruebas con lo que hace un navegador: token CSRF en cada POST."""

    def __init__(self, client):
        self.c = client
        self._token = None

    def login(self, usuario: str, clave: str = CLAVE):
        r = self.c.post("/login", data={"username": usuario, "password": clave,
                                        "csrf_token": token_csrf(self.c)})
        self._token = None
        return r

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = token_csrf(self.c, "/cambiar-clave")
        return self._token

    def get(self, url, **kw):
        return self.c.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.c.post(url, data=data, **kw)


@pytest.fixture
def nav(client):
    return Navegador(client)


@pytest.fixture
def como(app):
    """como("mesa_partes") → un Navegador con sesión iniciada con ese usuario demo."""

    def _como(usuario: str) -> Navegador:
        n = Navegador(app.test_client())
        r = n.login(usuario)
        assert r.status_code == 302, r.text[:500]
        return n

    return _como


def unidad(sigla: str):
    from models import UnidadOrganica

    return db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == sigla))


@pytest.fixture
def crear_expediente(app):
    """crear_expediente(unidad="GAT", **campos) → Expediente registrado por el servicio de ingreso."""
    from models import Derivacion, Persona, TipoDocumento
    from services.tramite import registrar_ingreso

    def _crear(unidad_sigla: str = "GDU", pasa_por: tuple[str, ...] = (), **campos):
        persona = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == "10117410"))
        if persona is None:
            persona = Persona(tipo_documento="DNI", numero_documento="10117410", nombres="Rosa",
                              apellidos="Quispe Mamani")
            db.session.add(persona)
        campos.setdefault("asunto", "Solicita licencia de funcionamiento")
        campos.setdefault("tipo_documento", db.session.scalar(sa.select(TipoDocumento).limit(1)))
        exp = Expediente(persona=persona, unidad_actual=unidad(unidad_sigla), **campos)
        registrar_ingreso(exp)
        db.session.add(exp)
        for sigla in pasa_por:
            db.session.add(Derivacion(expediente=exp, unidad_origen=unidad(sigla),
                                      unidad_destino=unidad(unidad_sigla)))
        db.session.commit()
        return exp

    from models import Expediente

    return _crear


@pytest.fixture
def correos(monkeypatch) -> list[dict]:
    """SMTP falso: cada conexión agrega {servidor, tls, login, msg} a la lista que devuelve."""
    import services.correo

    enviados: list[dict] = []

    class SMTPFalso:
        def __init__(self, servidor, puerto, timeout):
            enviados.append({"servidor": (servidor, puerto)})

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            enviados[-1]["tls"] = True

        def login(self, usuario, clave):
            enviados[-1]["login"] = usuario

        def send_message(self, msg):
            enviados[-1]["msg"] = msg

    monkeypatch.setattr(services.correo.smtplib, "SMTP", SMTPFalso)
    return enviados
