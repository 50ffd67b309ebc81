"""Fixtures y ayudas compartidas: cada prueba corre en SQLite y, marcada `postgres`, en un PostgreSQL real desechable.

La base de cada prueba es una copia de una plantilla creada UNA vez por sesión con
`flask db upgrade` (las migraciones reales, no create_all) y la municipalidad demo.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import numpy as np
import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import models
from app import create_app
from models import (
    ZONA_LIMA,
    Asistencia,
    Citacion,
    Derivacion,
    Expediente,
    MiembroConcejo,
    Persona,
    ProcedimientoTupa,
    PuntoAgenda,
    SesionConcejo,
    TipoDocumento,
    Usuario,
    db,
)
from services import concejo, semilla
from tests.pdf_prueba import pdf_valido
from tests.pg_server import ServidorPG, binarios
from tests.servicios import CREDENCIALES_S3, ServidorRedis, ServidorS3, binario_redis, exigir_o_omitir

CLAVE = "clave-de-prueba"
_contador = itertools.count()


def _config(url: str, tmp_path) -> dict:
    return {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "pruebas", "RATELIMIT_ENABLED": False,
            "ADJUNTOS_DIR": str(tmp_path / "adjuntos"), "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool},
            # las raíces de confianza de cada prueba, nunca las de instance/ del repositorio (la demo copia allí su CA)
            "FIRMA_RAICES_DIR": str(tmp_path / "raices_firma")}


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
def servidor_s3():
    """Un servidor S3 real (moto en modo servidor, otro proceso) para toda la sesión de este proceso de pruebas."""
    if not ServidorS3.disponible():
        exigir_o_omitir("REQUIRE_S3", "moto[s3] y flask-cors no están instalados: se omiten las pruebas 's3'")
    servidor = ServidorS3().iniciar()
    yield servidor
    servidor.detener()


@pytest.fixture
def s3(servidor_s3, monkeypatch):
    """El servidor S3, con las credenciales en el entorno (como en producción: boto3 las lee de ahí)."""
    for clave, valor in CREDENCIALES_S3.items():
        monkeypatch.setenv(clave, valor)
    return servidor_s3


@pytest.fixture(scope="session")
def servidor_redis():
    if binario_redis() is None:
        exigir_o_omitir("REQUIRE_REDIS", "redis-server no está instalado (apt-get install redis-server): se omiten "
                                         "las pruebas 'redis'")
    servidor = ServidorRedis().iniciar()
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
def app_vacia(backend, request, tmp_path):
    """Una app sobre una base recién creada, sin tablas (SQLite: archivo nuevo; PostgreSQL: CREATE DATABASE)."""
    if backend == "sqlite":
        url, servidor, nombre = f"sqlite:///{tmp_path / 'vacia.db'}", None, None
    else:
        servidor = request.getfixturevalue("servidor_pg")
        nombre = f"vacia_{os.getpid()}_{next(_contador)}"
        servidor.sql(f"CREATE DATABASE {nombre}")
        url = servidor.url(nombre)
    app = create_app(_config(url, tmp_path))
    with app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if servidor is not None:
        servidor.sql(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)")


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
def otra_app(app, tmp_path):
    """Fábrica de otra instancia sobre la misma base, con opciones propias (límites de frecuencia activos, una
    segunda instancia con su caché…): `otra_app(RATELIMIT_ENABLED=True, LIMITE_VERIFICAR="3/minute")`."""
    creadas = []

    def crear(**opciones):
        otra = create_app({**_config(app.config["DATABASE_URL"], tmp_path / f"otra{len(creadas)}"), **opciones})
        otra.test_client_class = ClienteAislado
        creadas.append(otra)
        return otra

    yield crear
    for otra in creadas:
        with otra.app_context():
            db.engine.dispose()


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


# =========================================================================== ayudas del trámite (varias pruebas)
# Oráculo independiente de los días hábiles: numpy.busday_offset con los feriados del paquete `holidays` (PE, es),
# los mismos años que la fixture `base` asegura en la tabla `Feriado`.
ANIOS = range(2025, max(date.today().year, 2026) + 2)


FERIADOS = frozenset(holidays.country_holidays("PE", years=ANIOS, language="es"))


def calendario_np(feriados) -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(sorted(feriados), dtype="datetime64[D]"))


CALENDARIO_NP = calendario_np(FERIADOS)


def habil(d: date, n: int, cal: np.busdaycalendar = CALENDARIO_NP) -> date:
    """El n-ésimo día hábil después de d (n=0: d o el siguiente hábil)."""
    roll = "forward" if n == 0 else "backward"
    return np.busday_offset(np.datetime64(d, "D"), n, roll=roll, busdaycal=cal).astype(date)


def es_habil(d: date) -> bool:
    return bool(np.is_busday(np.datetime64(d, "D"), busdaycal=CALENDARIO_NP))


def presentacion_oraculo(momento: datetime, cierre: str = "23:59") -> date:
    local = momento.astimezone(ZONA_LIMA)
    h, m = (int(x) for x in cierre.split(":"))
    if es_habil(local.date()) and (local.hour, local.minute) <= (h, m):
        return local.date()
    return habil(local.date(), 1)


def lima(*args) -> datetime:
    return datetime(*args, tzinfo=ZONA_LIMA)


def hoy() -> date:
    return datetime.now(ZONA_LIMA).date()


def hoy_legal() -> date:
    """La fecha legal de un acto hecho hoy: hoy si es hábil, si no el siguiente hábil (calendario.fecha_legal)."""
    return habil(hoy(), 0)


# Oráculo del calendario completo: feriados del paquete `holidays` más los días no laborables decretados.
# Días no laborables para el sector público decretados (D.S. 042-2025-PCM): no están en `holidays`.
DECRETADOS = frozenset({date(2025, 5, 2), date(2025, 12, 26), date(2026, 1, 2)})


def feriados_pe(*anios: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PE", years=anios, language="es"))


CAL = feriados_pe(2024, 2025, 2026, 2027, 2028) | DECRETADOS


_NP_CAL = calendario_np(CAL)


def oraculo_sumar(d: date, n: int, cal: np.busdaycalendar = _NP_CAL) -> date:
    if n == 0:
        r = np.busday_offset(np.datetime64(d, "D"), 0, roll="forward", busdaycal=cal)
    else:
        r = np.busday_offset(np.datetime64(d, "D"), n, roll="backward", busdaycal=cal)
    return r.astype(date)


def oraculo_entre(a: date, b: date, cal: np.busdaycalendar = _NP_CAL) -> int:
    uno = timedelta(days=1)
    return int(np.busday_count(np.datetime64(a + uno, "D"), np.datetime64(b + uno, "D"), busdaycal=cal))


@pytest.fixture
def base(app):
    """La app con el calendario de los años que usa la prueba (idempotente: la demo ya trae casi todos)."""
    for anio in ANIOS:
        semilla.cargar_feriados(anio)
    db.session.commit()
    return app


@pytest.fixture
def reloj(monkeypatch):
    """reloj(momento) → el servidor cree que es ese momento (registrar_ingreso, derivar, observar…)."""

    original = models.reloj

    def fijar(momento: datetime | None):
        """Fija la hora de toda la aplicación (el único reloj, `models.reloj`); `None` vuelve al reloj real."""
        monkeypatch.setattr(models, "reloj", (lambda: momento) if momento else original)

    return fijar


def contar(modelo, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(modelo).where(*where))


def id_de(modelo, **filtro) -> int:
    return db.session.scalar(sa.select(modelo.id).filter_by(**filtro))


def usuario_de(username: str) -> Usuario:
    return db.session.scalar(sa.select(Usuario).where(Usuario.username == username))


def leer(modelo, id_):
    db.session.expire_all()
    return db.session.get(modelo, id_)


def crear_persona(numero="10117410", nombres="Rosa", apellidos="Quispe Mamani") -> int:
    p = Persona(tipo_documento="DNI", numero_documento=numero, nombres=nombres, apellidos=apellidos)
    db.session.add(p)
    db.session.commit()
    return p.id


def ingresar_expediente(nav, persona_id: int, **extra):
    """POST del formulario de ingreso de Mesa de Partes (nombres de campo = atributos del modelo)."""
    datos = {"origen": "externo", "canal": "presencial", "persona": str(persona_id),
             "tipo_documento": str(id_de(TipoDocumento, nombre="Solicitud")),
             "asunto": "Solicita certificado de parámetros urbanísticos del lote 12", "folios": "7",
             "procedimiento": str(id_de(ProcedimientoTupa, codigo="GDU-02")), "prioridad": "normal"}
    datos.update(extra)
    return nav.post("/admin/expediente/new/", {k: v for k, v in datos.items() if v is not None})


def ultimo_expediente() -> Expediente:
    db.session.expire_all()
    return db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))


def tramitar(nav, exp_id: int, operacion: str, **datos):
    return nav.post(f"/admin/expediente/tramitar/?id={exp_id}", {"operacion": operacion, **datos})


def derivaciones_de(exp_id: int) -> list[Derivacion]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Derivacion).where(Derivacion.expediente_id == exp_id)
                              .order_by(Derivacion.id)).all()


def cliente_publico(app) -> ClienteAislado:
    return app.test_client()


def consultar(cliente, codigo: str, clave: str):
    return cliente.post("/consulta", data={"codigo": codigo, "clave": clave,
                                           "csrf_token": token_csrf(cliente, "/consulta")})


def errores_de(html: str) -> list[str]:
    """Mensajes de error de un formulario devuelto (para explicar un fallo)."""
    return re.findall(r'class="(?:invalid-feedback|help-block|alert[^"]*)"[^>]*>(.*?)</', html, re.S)


def texto_de(html: str) -> str:
    """El texto visible (sin etiquetas ni espacios repetidos) para buscar frases."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


PDF = pdf_valido()  # un PDF que se lee de verdad (services/adjuntos.revisar_pdf)


def respuesta_del_reto(html: str) -> int:
    m = re.search(r"¿Cuánto es (\d+) \+ (\d+)\?", html)
    assert m, "sin pregunta de verificación"
    return int(m.group(1)) + int(m.group(2))


def csrf_de(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class Ciudadano:
    """Un navegador anónimo ante la mesa de partes digital."""

    def __init__(self, app):
        self.c = app.test_client()
        self.html = self.c.get("/mesa-de-partes").text

    def presentar(self, archivo: bytes = PDF, nombre="solicitud.pdf", respuesta=None, **campos):
        datos = {"csrf_token": csrf_de(self.html), "tipo_documento": "DNI", "numero_documento": "45678912",
                 "nombres": "Juana", "apellidos": "Pérez Ccori", "razon_social": "",
                 "email": "juana.perez@example.pe", "telefono": "987654321",
                 "asunto": "Solicita copia certificada de la licencia de edificación", "folios": "3",
                 "respuesta": str(respuesta_del_reto(self.html) if respuesta is None else respuesta), "sitio_web": "",
                 "reto": re.search(r'name="reto"[^>]*value="([^"]*)"', self.html).group(1)}
        datos.update(campos)
        datos["archivo"] = FileStorage(io.BytesIO(archivo), filename=nombre, content_type="application/pdf")
        # cuerpo armado en memoria: el cliente de pruebas lo pondría en un TemporaryFile que nunca cierra
        limite, cuerpo = encode_multipart(datos)
        r = self.c.post("/mesa-de-partes", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")
        if r.status_code == 200:
            self.html = r.text
        return r


def archivos_guardados(app) -> list[Path]:
    raiz = Path(app.config["ADJUNTOS_DIR"])
    return [p for p in raiz.rglob("*") if p.is_file()] if raiz.exists() else []


# =========================================================================== ayudas del concejo (varias pruebas)
def miembros() -> list[MiembroConcejo]:
    return list(db.session.scalars(sa.select(MiembroConcejo).order_by(MiembroConcejo.orden)))


def crear_sesion(n, tipo: str, cuando: str, convocatoria: str = "") -> SesionConcejo:
    r = n.post("/admin/sesion_concejo/new/", data={"tipo": tipo, "fecha_hora": cuando, "lugar": "Salón de actos",
                                                   "modalidad": "presencial", "fecha_convocatoria": convocatoria})
    assert r.status_code == 302, r.text[:3000]
    sesion = db.session.scalar(sa.select(SesionConcejo).order_by(SesionConcejo.id.desc()).limit(1))
    assert f"/admin/sesion_concejo/conducir/?id={sesion.id}" in r.headers["Location"]
    return sesion


def agregar_punto(n, sesion, titulo, materia="general", mayoria="simple", esperar=302):
    r = n.post(f"/admin/punto_agenda/new/?sesion_id={sesion.id}",
               data={"sesion": sesion.id, "seccion": "orden_del_dia", "titulo": titulo, "materia": materia,
                     "mayoria_requerida": mayoria, "orden": ""})
    assert r.status_code == esperar, r.text[:3000]
    return r


def operar(n, sesion, operacion, esperar_error: str | None = None, **datos):
    r = n.post(f"/admin/sesion_concejo/conducir/?id={sesion.id}", data={"operacion": operacion, **datos},
               follow_redirects=True)
    assert r.status_code == 200
    if esperar_error:
        assert esperar_error in r.text, r.text[-4000:]
    else:
        assert "alert-danger" not in r.text or "No hay quórum" in r.text, alertas_de(r.text)
    return r


def alertas_de(html: str) -> list[str]:
    return re.findall(r'class="alert alert-(?:danger|error)[^"]*"[^>]*>(.*?)</div>', html, re.S)


def asistencia(n, sesion, estados: dict[int, str]):
    """estados = {orden del miembro: estado}; los presentes llegan a las 10:05."""
    ms = miembros()
    datos = {}
    for orden, estado in estados.items():
        datos[f"estado_{ms[orden].id}"] = estado
        datos[f"hora_{ms[orden].id}"] = "10:05" if estado == "presente" else ""
    return operar(n, sesion, "asistencia", **datos)


def votar(n, sesion, punto, votos: dict[int, str], fundamentos: dict[int, str] = (), esperar_error=None):
    ms = miembros()
    datos = {"punto": punto.id}
    for orden, sentido in votos.items():
        datos[f"voto_{punto.id}_{ms[orden].id}"] = sentido
    for orden, texto in dict(fundamentos).items():
        datos[f"fund_{punto.id}_{ms[orden].id}"] = texto
    return operar(n, sesion, "votar", esperar_error=esperar_error, **datos)


def punto(sesion, orden) -> PuntoAgenda:
    return db.session.scalar(sa.select(PuntoAgenda).where(PuntoAgenda.sesion_id == sesion.id,
                                                          PuntoAgenda.orden == orden))


def descargar(n, url) -> bytes:
    r = n.get(url)
    assert r.status_code == 200, r.status_code
    datos = r.data
    r.close()  # cierra el archivo temporal del Excel
    return datos


def sesion_celebrada(tipo, cuando: datetime, estados: dict[int, str], citados=None) -> SesionConcejo:
    """Sesión ya celebrada; `citados` (órdenes; por defecto todos los de `estados`) recibieron su citación
    con cargo dos días antes (una inasistencia solo cuenta para la vacancia si el regidor fue citado)."""
    s = SesionConcejo(tipo=tipo, fecha_hora=cuando, estado="levantada")
    concejo.numerar_sesion(s)
    db.session.add(s)
    ms = miembros()
    for orden, estado in estados.items():
        db.session.add(Asistencia(sesion=s, miembro=ms[orden], estado=estado))
    for orden in estados if citados is None else citados:
        db.session.add(Citacion(sesion=s, miembro=ms[orden], fecha_envio=cuando - timedelta(days=3),
                                fecha_recepcion=cuando - timedelta(days=2), recibido_por=ms[orden].nombre))
    return s


# =========================================================================== carreras (varias pruebas)
def a_la_vez(peticiones) -> list:
    """Lanza cada petición en su hilo, todas juntas (barrera); devuelve las respuestas o las excepciones."""
    import threading

    barrera = threading.Barrier(len(peticiones))
    resultados = [None] * len(peticiones)

    def correr(i, peticion):
        try:
            barrera.wait()
            resultados[i] = peticion()
        except Exception as e:  # noqa: BLE001 - se revisa en la prueba
            resultados[i] = e

    hilos = [threading.Thread(target=correr, args=(i, p)) for i, p in enumerate(peticiones)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join(300)
    return resultados


class el_dia:
    """`with el_dia(date(2026, 8, 14)):` la aplicación cree que es ese día (a las `hora` de Lima) mientras dura el
    bloque: lo registrado en él (una norma, un documento) se numera el día de su fecha, como en la oficina."""

    def __init__(self, dia: date, hora: int = 12):
        self.momento = datetime(dia.year, dia.month, dia.day, hora, tzinfo=ZONA_LIMA)

    def __enter__(self):
        self.anterior = models.reloj
        models.reloj = lambda: self.momento
        return self

    def __exit__(self, *exc):
        models.reloj = self.anterior
        return False


# =========================================================================== pruebas e2e (tests/e2e.py)
# Cada módulo e2e define su `servidor` (la app servida con sus datos); estas fixtures son comunes.
@pytest.fixture(scope="module")
def navegador():
    from tests.e2e import exigir_navegador, lanzar_navegador

    exigir_navegador()
    pw, browser = lanzar_navegador()
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def pagina(navegador):
    from tests.e2e import DIALOGOS

    ctx = navegador.new_context(locale="es-PE", timezone_id="America/Lima", accept_downloads=True,
                                viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.on("dialog", lambda d: (DIALOGOS.append(d.message), d.accept()))
    # la Content-Security-Policy (issue 20) no debe bloquear nada de lo que la aplicación sirve: ni un script, ni un
    # manejador onclick, ni una hoja de estilos
    bloqueos: list[str] = []
    page.on("console", lambda m: bloqueos.append(m.text) if "Content Security Policy" in m.text else None)
    page.set_default_timeout(15_000)
    yield page
    ctx.close()
    assert not bloqueos, bloqueos[:5]


@pytest.fixture
def bd(servidor):
    """Contexto de la app servida, para mirar la base después de cada recorrido."""
    with servidor.app.app_context():
        yield db
        db.session.remove()
