"""Dos nodos reales: dos procesos `flask servir` (waitress) sobre un PostgreSQL, un bucket S3 (moto.server) y un Redis.
Se presentan 200 ingresos con PDF alternando entre los nodos, en paralelo, con la sesión iniciada en uno solo, y se
comprueba: números correlativos sin huecos, cada adjunto legible desde el otro nodo, nada en el disco de los nodos, y
el límite de peticiones contado entre los dos."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import Adjunto, Expediente, TipoDocumento, db
from tests.conftest import CLAVE, alertas_de, unidad
from tests.pdf_prueba import pdf_unico
from tests.servicios import CREDENCIALES_S3, puerto_libre

RAIZ = Path(__file__).resolve().parent.parent
INGRESOS = 200

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.redis]


class Nodo:
    def __init__(self, nombre: str, entorno: dict, carpeta: Path):
        self.nombre, self.puerto = nombre, puerto_libre()
        carpeta.mkdir(parents=True, exist_ok=True)
        self.adjuntos = carpeta / "adjuntos"
        self.log = (carpeta / "stderr.log").open("w+")
        self.proceso = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "servir", "--sin-demo"], cwd=RAIZ,
            stdout=subprocess.DEVNULL, stderr=self.log, env={**entorno, "HOST": "127.0.0.1", "PORT": str(self.puerto),
                                  "ADJUNTOS_DIR": str(self.adjuntos)})

    def esperar(self, segundos: float = 90) -> None:
        limite = time.monotonic() + segundos
        while time.monotonic() < limite:
            assert self.proceso.poll() is None, f"{self.nombre} terminó: {self.registro()[-3000:]}"
            try:
                if self.pedir("GET", "/salud/lista")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{self.nombre} no quedó listo: {self.registro()[-3000:]}")

    def pedir(self, metodo: str, ruta: str, cuerpo: bytes | None = None, cabeceras: dict | None = None):
        c = http.client.HTTPConnection("127.0.0.1", self.puerto, timeout=120)
        try:
            c.request(metodo, ruta, body=cuerpo, headers=cabeceras or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def registro(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def detener(self) -> None:
        if self.proceso.poll() is None:
            self.proceso.terminate()
            try:
                self.proceso.wait(15)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait()
        self.log.close()


@pytest.fixture
def nodos(app, s3, servidor_redis, tmp_path, backend):
    assert backend == "postgres"
    bucket = s3.nuevo_bucket(f"nodos-{uuid.uuid4().hex[:10]}")
    entorno = {**os.environ, **CREDENCIALES_S3, "DATABASE_URL": app.config["DATABASE_URL"],
               "SECRET_KEY": "clave-comun-de-los-nodos", "ARCHIVOS_URL": s3.url(bucket),
               "RATELIMIT_STORAGE_URI": servidor_redis.url(base=3)}
    creados = [Nodo("nodo A", entorno, tmp_path / "a"), Nodo("nodo B", entorno, tmp_path / "b")]
    try:
        for n in creados:
            n.esperar()
        yield creados, bucket
    finally:
        for n in creados:
            n.detener()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_dos_nodos_un_postgres_un_bucket_un_redis(app, s3, nodos):
    (a, b), bucket = nodos
    # la sesión se inicia en el nodo A…
    estado, cab, html = a.pedir("GET", "/login")
    galleta = cab["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html).group(1).decode()
    cuerpo = f"username=mesa_partes&password={CLAVE}&csrf_token={token}".encode()
    estado, cab, _ = a.pedir("POST", "/login", cuerpo, {"Content-Type": "application/x-www-form-urlencoded",
                                                        "Cookie": galleta})
    assert estado == 302, cab
    sesion = {"Cookie": cab["Set-Cookie"].split(";")[0]}
    # …y vale en el nodo B (la cookie firmada con la SECRET_KEY común; el token CSRF va en ella)
    estado, _, html = b.pedir("GET", "/cambiar-clave", cabeceras=sesion)
    assert estado == 200 and b"Contrase" in html
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html).group(1).decode()

    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Solicitud"))
    destino = unidad("GSC").id
    ultimo_antes = db.session.scalar(sa.select(sa.func.max(Expediente.id))) or 0
    pdfs = [pdf_unico(f"ingreso {i} en dos nodos") for i in range(INGRESOS)]

    def ingresar(i: int):
        nodo = (a, b)[i % 2]
        datos = {"origen": "externo", "canal": "presencial", "tipo_documento": str(tipo), "folios": "2",
                 "asunto": f"Solicitud {i} presentada en el {nodo.nombre}", "prioridad": "normal",
                 "unidad_actual": str(destino), "nuevo_documento": "45678912", "nuevo_nombre": "Juana Pérez",
                 "csrf_token": token,
                 "archivo": FileStorage(stream=io.BytesIO(pdfs[i]), filename=f"escrito-{i}.pdf",
                                        content_type="application/pdf")}
        limite, cuerpo = encode_multipart(datos)
        estado, cab, html = nodo.pedir("POST", "/admin/expediente/new/", cuerpo, {
            **sesion, "Content-Type": f"multipart/form-data; boundary={limite}"})
        assert estado == 302, (nodo.nombre, estado, alertas_de(html.decode()))
        return i, int(re.search(r"[?&]id=(\d+)", cab["Location"]).group(1))

    inicio = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as hilos:
        hechos = dict(hilos.map(ingresar, range(INGRESOS)))
    duracion = time.perf_counter() - inicio

    # números correlativos, sin huecos ni repetidos, justo después de los que ya había
    db.session.expire_all()
    nuevos = db.session.scalars(sa.select(Expediente).where(Expediente.id > ultimo_antes)).all()
    assert len(nuevos) == INGRESOS and {e.id for e in nuevos} == set(hechos.values())
    por_anio: dict[int, list[int]] = {}
    for e in nuevos:
        por_anio.setdefault(e.anio, []).append(e.numero)
    for anio, numeros in por_anio.items():
        previo = db.session.scalar(sa.select(sa.func.max(Expediente.numero)).where(
            Expediente.anio == anio, Expediente.id <= ultimo_antes)) or 0
        assert sorted(numeros) == list(range(previo + 1, previo + 1 + len(numeros))), anio
    assert {e.asunto.rsplit(" ", 2)[-1] for e in nuevos} == {"A", "B"}  # los dos nodos recibieron

    # cada adjunto, leído desde el OTRO nodo, es el PDF que se presentó
    adjuntos = {adj.expediente_id: adj for adj in db.session.scalars(
        sa.select(Adjunto).where(Adjunto.expediente_id > ultimo_antes))}
    assert len(adjuntos) == INGRESOS

    def leer_del_otro(i: int):
        otro = (b, a)[i % 2]
        adj = adjuntos[hechos[i]]
        estado, _, datos = otro.pedir("GET", f"/admin/expediente/adjunto/?id={adj.id}", cabeceras=sesion)
        return i, estado, hashlib.sha256(datos).hexdigest(), adj.sha256

    with ThreadPoolExecutor(max_workers=8) as hilos:
        for i, estado, leido, guardado in hilos.map(leer_del_otro, range(INGRESOS)):
            assert estado == 200 and leido == guardado == hashlib.sha256(pdfs[i]).hexdigest(), i
    # todo en el bucket, nada en el disco de los nodos
    assert len(s3.objetos(bucket)) == INGRESOS
    assert not any(a.adjuntos.rglob("*.pdf")) and not any(b.adjuntos.rglob("*.pdf"))

    # el límite de peticiones (LIMITE_VERIFICAR, 30 por minuto por IP) se cuenta entre los dos nodos (Redis)
    codigos = [(a, b)[i % 2].pedir("GET", "/verificar/NOEXISTE0000")[0] for i in range(32)]
    assert codigos == [404] * 30 + [429, 429]

    # cada nodo dejó su línea JSON por petición
    for n in (a, b):
        assert n.registro().count('"endpoint": "expediente.create_view"') == INGRESOS // 2
    print(f"\n{INGRESOS} ingresos con PDF en 2 nodos: {duracion:.1f} s ({INGRESOS / duracion:.1f}/s)")
