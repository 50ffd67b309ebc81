"""El almacén de archivos (services/archivos.py): carpeta local o S3 real (moto en modo servidor, otro proceso).
Escritos una vez y nombrados por su SHA-256, guardado en la fila; entregados por la aplicación después del alcance;
mudanza de la carpeta al bucket comprobando cada hash; verificación y huérfanos."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import Adjunto, Expediente, NormaMunicipal, TipoDocumento, db
from services import ErrorDeRegla, archivos
from services.archivos import AlmacenLocal, ErrorAlmacen, clave_de, crear_almacen, guardar
from tests.conftest import Navegador, contar, ultimo_expediente, unidad
from tests.pdf_prueba import pdf_unico


def sha(datos: bytes) -> str:
    return hashlib.sha256(datos).hexdigest()


def bucket_nuevo(s3) -> str:
    return s3.nuevo_bucket(f"prueba-{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def almacen_prueba(request, tmp_path):
    if request.param == "local":
        return AlmacenLocal(tmp_path / "almacen")
    s3 = request.getfixturevalue("s3")
    bucket = bucket_nuevo(s3)
    alm = crear_almacen(s3.url(bucket, "pre/fijo"))
    alm.s3_prueba, alm.bucket_prueba = s3, bucket
    return alm


def test_se_escribe_una_vez_y_se_nombra_por_su_contenido(almacen_prueba):
    alm = almacen_prueba
    alm.comprobar()
    datos = os.urandom(300_000) + b"fin"
    a = guardar(datos, "pdf", destino=alm)
    assert (a.clave, a.sha256, a.tamano) == (clave_de(sha(datos)), sha(datos), len(datos))
    assert a.clave == f"{a.sha256[:2]}/{a.sha256[2:4]}/{a.sha256}.pdf"
    assert alm.existe(a.clave) and alm.tamano(a.clave) == len(datos)
    with alm.abrir(a.clave) as f:
        assert f.read() == datos
    # el mismo contenido desde un flujo: la misma clave, y no se vuelve a escribir
    assert guardar(io.BytesIO(datos), "pdf", destino=alm) == a
    assert alm.escribir(a.clave, io.BytesIO(datos), len(datos), a.sha256) is False
    # un flujo de más de 8 MB (se vuelca a un temporal mientras se calcula el hash)
    grande = os.urandom(9 * 1024 * 1024)
    b = guardar(io.BytesIO(grande), "bin", destino=alm)
    assert b.sha256 == sha(grande) and archivos.hash_de(b.clave, alm) == sha(grande)
    assert sorted(c for c, _, _ in alm.listar()) == sorted([a.clave, b.clave])
    # el contenido debe ser el que promete el hash pedido: si no, nada se escribe
    with pytest.raises(ErrorAlmacen, match="no coincide"):
        guardar(b"otro contenido", "pdf", destino=alm, sha256=a.sha256)
    assert len(list(alm.listar())) == 2
    # claves que no son «ab/cd/<sha256>.<ext>» no se aceptan (ni ../, ni rutas absolutas)
    for mala in ("../../etc/passwd", "/etc/passwd", f"{a.sha256[:2]}/{a.sha256[2:4]}/../{a.sha256}.pdf",
                 f"00/00/{a.sha256}.pdf", a.sha256):
        with pytest.raises(ValueError):
            alm.abrir(mala)
    with pytest.raises(FileNotFoundError):
        alm.abrir(clave_de(sha(b"no existe")))
    if isinstance(alm, AlmacenLocal):
        assert (alm.raiz / a.clave).read_bytes() == datos
    else:  # en el bucket, bajo el prefijo, con su SHA-256 guardado junto al objeto
        cliente = alm.s3_prueba.cliente()
        objeto = cliente.head_object(Bucket=alm.bucket_prueba, Key=f"pre/fijo/{a.clave}", ChecksumMode="ENABLED")
        assert objeto["ContentLength"] == len(datos)
        assert objeto["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(a.sha256)).decode()
        alm.borrar(b.clave)
        assert not alm.existe(b.clave)


def _ingreso(nav, pdf: bytes, nombre="escrito.pdf", **extra):
    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Solicitud"))
    datos = {"origen": "externo", "canal": "presencial", "tipo_documento": str(tipo), "asunto": "Solicita poda",
             "folios": "3", "prioridad": "normal", "unidad_actual": str(unidad("GSC").id),
             "nuevo_documento": "45678912", "nuevo_nombre": "Juana Pérez", "csrf_token": nav.token, **extra}
    datos["archivo"] = FileStorage(io.BytesIO(pdf), filename=nombre, content_type="application/pdf")
    limite, cuerpo = encode_multipart(datos)
    return nav.c.post("/admin/expediente/new/", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")


def _navegador(una_app, usuario: str) -> Navegador:
    n = Navegador(una_app.test_client())
    assert n.login(usuario).status_code == 302
    return n


@pytest.mark.s3
def test_ingreso_y_descarga_por_s3(app, s3, otra_app):
    """Con ARCHIVOS_URL=s3://…: el PDF del ingreso va al bucket (nombrado por su SHA-256, que queda en la fila), nada
    al disco del nodo; se descarga por la aplicación con el alcance del usuario; un alta rechazada no deja objeto y un
    almacén que no responde deja la pantalla con el mensaje y sin expediente."""
    bucket = bucket_nuevo(s3)
    nodo = otra_app(ARCHIVOS_URL=s3.url(bucket))
    mesa = _navegador(nodo, "mesa_partes")
    pdf = pdf_unico("ingreso por s3")
    r = _ingreso(mesa, pdf, nombre="Solicitud de poda – árbol.pdf")
    assert r.status_code == 302, r.text[:2000]
    exp = ultimo_expediente()
    [adj] = exp.adjuntos
    assert (adj.sha256, adj.ruta, adj.tamano) == (sha(pdf), clave_de(sha(pdf)), len(pdf))
    assert s3.objetos(bucket) == {f"archivos/{adj.ruta}": pdf}
    assert not any(Path(nodo.config["ADJUNTOS_DIR"]).rglob("*.pdf"))

    r = mesa.get(f"/admin/expediente/adjunto/?id={adj.id}")
    assert r.status_code == 200 and r.data == pdf and r.mimetype == "application/pdf"
    assert r.headers["Content-Length"] == str(len(pdf)) and adj.sha256 in r.headers["ETag"]
    assert "rbol.pdf" in r.headers["Content-Disposition"]
    r.close()
    # fuera de su alcance (el expediente fue a GSC; «unidad» es de GDU): 404, como cualquier fila ajena
    assert _navegador(nodo, "unidad").get(f"/admin/expediente/adjunto/?id={adj.id}").status_code == 404
    assert nodo.test_client().get(f"/admin/expediente/adjunto/?id={adj.id}").status_code == 302  # sin sesión

    # el mismo PDF otra vez: otra fila, el mismo objeto
    assert _ingreso(mesa, pdf).status_code == 302
    assert contar(Adjunto, Adjunto.sha256 == sha(pdf)) == 2 and len(s3.objetos(bucket)) == 1
    # un formulario rechazado (sin asunto) no escribe nada
    otro = pdf_unico("rechazado")
    r = _ingreso(mesa, otro, asunto="")
    assert r.status_code == 200 and len(s3.objetos(bucket)) == 1

    # el almacén no responde (el bucket no existe): mensaje en la pantalla, ni expediente ni adjunto
    caido = otra_app(ARCHIVOS_URL=s3.url(f"no-existe-{uuid.uuid4().hex[:8]}"))
    antes = (contar(Expediente), contar(Adjunto))
    r = _ingreso(_navegador(caido, "mesa_partes"), otro)
    assert r.status_code == 200 and "No se pudo guardar el archivo en el almacenamiento" in r.text
    assert (contar(Expediente), contar(Adjunto)) == antes
    # y en la salud del nodo
    assert caido.test_client().get("/salud/lista").status_code == 503


@pytest.mark.s3
def test_texto_oficial_de_norma_en_s3(app, s3, otra_app):
    from services.semilla import cargar_sesiones_demo

    cargar_sesiones_demo()
    db.session.commit()
    norma = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.en_vigor))
    bucket = bucket_nuevo(s3)
    nodo = otra_app(ARCHIVOS_URL=s3.url(bucket, ""))
    pdf = pdf_unico("ordenanza oficial")
    sg = _navegador(nodo, "secretaria_general")
    r = sg.post(f"/admin/norma_municipal/edit/?id={norma.id}",
                data={"sumilla": norma.sumilla, "texto_oficial": (io.BytesIO(pdf), "ordenanza.pdf")},
                content_type="multipart/form-data")
    assert r.status_code == 302, r.text[:2000]
    norma = db.session.get(NormaMunicipal, norma.id)
    assert (norma.texto_oficial_sha256, norma.texto_oficial_ruta) == (sha(pdf), clave_de(sha(pdf)))
    assert s3.objetos(bucket) == {norma.texto_oficial_ruta: pdf}
    r = nodo.test_client().get(f"/normas/{norma.id}/texto")  # público
    assert r.status_code == 200 and r.data == pdf
    r.close()


def _ingresos_locales(como, n: int) -> list[bytes]:
    mesa = como("mesa_partes")
    pdfs = [pdf_unico(f"expediente {i}") for i in range(n)]
    for pdf in pdfs:
        assert _ingreso(mesa, pdf).status_code == 302
    return pdfs


@pytest.mark.s3
def test_migrar_de_la_carpeta_al_bucket(app, s3, como, runner, otra_app):
    pdfs = _ingresos_locales(como, 3)
    raiz = Path(app.config["ADJUNTOS_DIR"])
    # un archivo alterado en la carpeta: su nombre promete un hash que su contenido no tiene
    alterado = raiz / clave_de(sha(b"el original"))
    alterado.parent.mkdir(parents=True, exist_ok=True)
    alterado.write_bytes(b"otra cosa")
    bucket = bucket_nuevo(s3)
    url = s3.url(bucket)
    r = runner.invoke(args=["archivos", "migrar", url])
    assert r.exit_code == 1 and f"ERROR {clave_de(sha(b'el original'))}" in r.output, r.output
    assert "no cambie ARCHIVOS_URL" in r.output
    assert sorted(s3.objetos(bucket).values()) == sorted(pdfs)  # lo alterado no se copió

    alterado.unlink()
    r = runner.invoke(args=["archivos", "migrar", url])
    assert r.exit_code == 0 and "0 copiados y 3 que ya estaban" in r.output, r.output
    # el nodo que usa el bucket entrega los archivos aunque la carpeta ya no esté
    raiz.rename(raiz.with_name("adjuntos-viejos"))
    nodo = otra_app(ARCHIVOS_URL=url)
    mesa = _navegador(nodo, "mesa_partes")
    for adj in db.session.scalars(sa.select(Adjunto)):
        r = mesa.get(f"/admin/expediente/adjunto/?id={adj.id}")
        assert r.status_code == 200 and sha(r.data) == adj.sha256
        r.close()


def test_verificar_faltantes_alterados_y_huerfanos(app, como, runner):
    _ingresos_locales(como, 2)
    raiz = Path(app.config["ADJUNTOS_DIR"])
    huerfano = guardar(pdf_unico("huérfano"))  # p. ej. de un alta que falló al confirmar
    r = runner.invoke(args=["archivos", "verificar"])
    assert r.exit_code == 0 and "3 archivos" in r.output and "0 faltan, 0 alterados, 1 sin fila" in r.output, r.output

    # lo reciente no se borra (puede ser de una transacción en curso); con más de un día, sí
    r = runner.invoke(args=["archivos", "verificar", "--borrar-huerfanos"])
    assert "es reciente" in r.output and (raiz / huerfano.clave).exists()
    viejo = time.time() - 2 * 86400
    os.utime(raiz / huerfano.clave, (viejo, viejo))
    r = runner.invoke(args=["archivos", "verificar", "--borrar-huerfanos"])
    assert "1 huérfanos borrados" in r.output and not (raiz / huerfano.clave).exists()
    # lo que una fila usa no se borra nunca
    usado = db.session.scalar(sa.select(Adjunto.ruta).limit(1))
    os.utime(raiz / usado, (viejo, viejo))
    with pytest.raises(ErrorDeRegla, match="pertenece a un registro"):
        archivos.borrar_huerfano(usado)
    assert (raiz / usado).exists()

    (raiz / usado).write_bytes(b"alterado")
    r = runner.invoke(args=["archivos", "verificar"])
    assert r.exit_code == 1 and f"ALTERADO {usado}" in r.output
    (raiz / usado).unlink()
    r = runner.invoke(args=["archivos", "verificar"])
    assert r.exit_code == 1 and f"FALTA {usado}" in r.output


def test_commit_que_falla_no_deja_fila_sin_archivo(app, como, monkeypatch):
    """El archivo se escribe antes de confirmar la fila: si el almacén falla, la fila no se guarda (nunca una fila
    que apunte a un archivo inexistente); lo que no llegó a la base no queda en la carpeta."""
    def falla(*a, **kw):
        raise OSError("disco lleno")

    monkeypatch.setattr(AlmacenLocal, "escribir", falla)
    antes = (contar(Expediente), contar(Adjunto))
    r = _ingreso(como("mesa_partes"), pdf_unico("disco lleno"))
    assert r.status_code == 200 and "No se pudo guardar el archivo en el almacenamiento" in r.text
    assert (contar(Expediente), contar(Adjunto)) == antes
    assert not any(Path(app.config["ADJUNTOS_DIR"]).rglob("*.pdf"))


def test_mesa_digital_con_el_almacen_caido(app, monkeypatch):
    """En la mesa digital pública, si el almacén no responde al confirmar: el mensaje junto al archivo, lo escrito se
    conserva y no queda expediente (tampoco un 500)."""
    from tests.conftest import Ciudadano

    def falla(*a, **kw):
        raise OSError("disco lleno")

    monkeypatch.setattr(AlmacenLocal, "escribir", falla)
    antes = contar(Expediente)
    ciudadano = Ciudadano(app)
    r = ciudadano.presentar(archivo=pdf_unico("mesa digital sin almacén"))
    assert r.status_code == 200 and "No se pudo guardar el archivo en el almacenamiento" in r.text
    assert "Solicita copia certificada de la licencia de edificación" in r.text
    assert contar(Expediente) == antes
