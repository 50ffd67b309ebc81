"""«Esta fila tiene un PDF» como declaración: `models.ConPdf` en el modelo y `archivo_pdf = "documento"` en la vista
(issue 24, punto 3). Una pantalla registrada en la prueba, sobre un modelo de convenios como el de la guía «Agregar
una pantalla» del README (su tabla existe solo en la base de cada prueba): el PDF se sube con el formulario, se guarda
en el almacén por su SHA-256, se revisa como lo que entra por la mesa de partes (mensaje junto al campo, lo escrito se
conserva, nada guardado) y se descarga con el alcance de la fila."""

from __future__ import annotations

import hashlib
import html
import io
import re
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

import models
from admin_views.base import VistaSegura
from models import ConPdf, ConTrazabilidad, DeUnaUnidad, Permiso, Rol, db
from services import ErrorDeRegla, adjuntos, archivos
from services.archivos import clave_de
from tests.conftest import CLAVE, contar, unidad
from tests.pdf_prueba import pdf_con_javascript, pdf_unico


class ConvenioPdf(DeUnaUnidad, ConPdf, ConTrazabilidad, db.Model):
    """Un convenio de una unidad con su PDF firmado (opcional)."""

    __tablename__ = "convenio_pdf_prueba"
    id: Mapped[int] = mapped_column(primary_key=True)
    numero: Mapped[str] = mapped_column(String(30), unique=True)
    contraparte: Mapped[str] = mapped_column(String(200))

    def __str__(self) -> str:
        return self.numero


_ANOTADA = any(c is ConvenioPdf.documento_ruta for c in models.COLUMNAS_PDF)  # ConPdf la anotó sola
# fuera del esquema de la aplicación (`flask db check`, las demás pruebas): cada prueba la crea en su base
db.metadata.remove(ConvenioPdf.__table__)
models.COLUMNAS_PDF.remove(ConvenioPdf.documento_ruta)


class ConvenioView(VistaSegura):
    column_list = ("numero", "unidad", "contraparte")
    form_columns = ("numero", "unidad", "contraparte")
    archivo_pdf = "documento"


@pytest.fixture
def pantalla(app, runner):
    ConvenioPdf.__table__.create(db.engine)
    models.COLUMNAS_PDF.append(ConvenioPdf.documento_ruta)
    app.extensions["admin"][0].add_view(ConvenioView(ConvenioPdf, name="Convenios (prueba)"))
    for codigo in ("unidad", "secretaria_general"):
        rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == codigo))
        db.session.add_all(Permiso(rol=rol, vista="convenio_pdf_prueba", accion=a)
                           for a in ("ver", "crear", "editar", "exportar"))
    db.session.commit()
    r = runner.invoke(args=["crear-usuario", "gat", "--rol", "unidad", "--unidad", "GAT", "--nombre", "Elena Vargas"],
                      input=f"{CLAVE}\n{CLAVE}\n")  # un usuario de otra unidad (la demo de las pruebas no lo trae)
    assert r.exit_code == 0, r.output
    yield "/admin/convenio_pdf_prueba"
    models.COLUMNAS_PDF.remove(ConvenioPdf.documento_ruta)


def _almacenados(app) -> dict[str, bytes]:
    raiz = Path(app.config["ADJUNTOS_DIR"])
    return {p.relative_to(raiz).as_posix(): p.read_bytes() for p in raiz.rglob("*.pdf")} if raiz.is_dir() else {}


def _error_junto_a(pagina: str, campo: str) -> str | None:
    """El mensaje que el formulario muestra junto al campo (Flask-Admin: `invalid-feedback` tras el campo)."""
    m = re.search(rf'<(?:input|select)[^>]*\bname="{campo}"[^>]*>.*?<div class="invalid-feedback">(.*?)</div>', pagina,
                  re.S)
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", m.group(1))).strip() if m else None


def test_el_pdf_declarado_se_sube_se_revisa_y_se_descarga_con_su_alcance(app, pantalla, como):
    assert _ANOTADA
    assert {c.name for c in ConvenioPdf.__table__.c} >= {"documento_nombre", "documento_ruta", "documento_sha256"}
    gdu, gat = como("unidad"), como("gat")
    formulario = gdu.get(f"{pantalla}/new/").text
    assert 'type="file"' in formulario and 'name="documento"' in formulario and "Documento (PDF)" in formulario

    # un PDF con JavaScript: el mensaje junto al campo, lo escrito se conserva, ni fila ni archivo
    datos = {"numero": "CONV-001-2026", "contraparte": "Universidad Nacional"}
    r = gdu.post(f"{pantalla}/new/", {**datos, "documento": (io.BytesIO(pdf_con_javascript()), "convenio.pdf")})
    assert r.status_code == 200
    assert "JavaScript" in (_error_junto_a(r.text, "documento") or "")
    assert 'value="Universidad Nacional"' in r.text and 'value="CONV-001-2026"' in r.text
    assert contar(ConvenioPdf) == 0 and _almacenados(app) == {}
    # algo que no es un PDF (aunque se llame .pdf): igual
    r = gdu.post(f"{pantalla}/new/", {**datos, "documento": (io.BytesIO(b"MZ\x90\x00 ejecutable"), "convenio.pdf")})
    assert _error_junto_a(r.text, "documento") == "Solo se aceptan archivos PDF."
    assert contar(ConvenioPdf) == 0 and _almacenados(app) == {}
    # con el error de otro campo a la vez, los dos mensajes (y el PDF malo no se guarda)
    r = gdu.post(f"{pantalla}/new/", {"numero": "", "contraparte": "Universidad Nacional",
                                      "documento": (io.BytesIO(b"texto"), "convenio.pdf")})
    assert _error_junto_a(r.text, "numero") and _error_junto_a(r.text, "documento") == "Solo se aceptan archivos PDF."
    assert contar(ConvenioPdf) == 0

    # un PDF bueno: la fila guarda nombre, clave y SHA-256; el almacén tiene el archivo con esos bytes
    pdf = pdf_unico("convenio firmado")
    sha = hashlib.sha256(pdf).hexdigest()
    r = gdu.post(f"{pantalla}/new/", {**datos, "documento": (io.BytesIO(pdf), "Convenio – firmado.pdf")})
    assert r.status_code == 302, r.text[:2000]
    conv = db.session.scalar(sa.select(ConvenioPdf))
    assert conv.unidad.sigla == "GDU"
    assert (conv.documento_nombre, conv.documento_ruta, conv.documento_sha256) == \
        ("Convenio – firmado.pdf", clave_de(sha), sha)
    assert _almacenados(app) == {clave_de(sha): pdf}
    assert conv.documento_ruta in archivos.claves_en_uso()  # verificar, migrar y respaldar lo ven
    assert archivos.verificar().huerfanos == [] and archivos.verificar().faltan == []

    # la lista, la ficha y el Excel: el enlace de descarga (el nombre, no la clave)
    enlace = f"{pantalla}/pdf/?id={conv.id}"
    lista = gdu.get(f"{pantalla}/").text
    assert f'href="{enlace}"' in lista and "Convenio – firmado.pdf" in lista and conv.documento_ruta not in lista
    ficha = gdu.get(f"{pantalla}/details/?id={conv.id}").text
    assert f'href="{enlace}"' in ficha and sha not in ficha
    r = gdu.get(f"{pantalla}/export/xlsx/")
    hoja = openpyxl.load_workbook(io.BytesIO(r.data)).active
    r.close()
    assert [c.value for c in hoja[1]][-1] == "Documento (PDF)" and hoja[2][3].value == "Convenio – firmado.pdf"

    # la descarga: el dueño recibe los mismos bytes; otra unidad, 404 (como cualquier fila ajena); sin sesión, login
    r = gdu.get(enlace)
    assert r.status_code == 200 and r.data == pdf and r.mimetype == "application/pdf"
    r.close()
    assert gat.get(enlace).status_code == 404
    r = como("secretaria_general").get(enlace)
    assert r.data == pdf
    r.close()
    assert app.test_client().get(enlace).status_code == 302
    assert gdu.get(f"{pantalla}/pdf/?id=999999").status_code == 404
    lista_gat = gat.get(f"{pantalla}/").text
    assert "CONV-001-2026" not in lista_gat and enlace not in lista_gat  # ni la fila ni su enlace

    # editar sin elegir otro archivo conserva el PDF; uno malo al editar: el mensaje y nada cambia
    datos["unidad"] = str(conv.unidad_id)
    r = gdu.post(f"{pantalla}/edit/?id={conv.id}", {**datos, "contraparte": "UNI"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (conv.contraparte, conv.documento_ruta) == ("UNI", clave_de(sha))
    r = gdu.post(f"{pantalla}/edit/?id={conv.id}", {**datos, "documento": (io.BytesIO(pdf_con_javascript()), "x.pdf")})
    assert r.status_code == 200 and "JavaScript" in _error_junto_a(r.text, "documento")
    db.session.expire_all()
    assert (conv.contraparte, conv.documento_ruta) == ("UNI", clave_de(sha))


def test_una_fila_que_no_se_guarda_no_deja_archivo(app, pantalla, como):
    """El PDF bueno con una fila que la base rechaza (número repetido): el aviso, lo escrito, ni fila nueva ni archivo
    en el almacén."""
    gdu = como("unidad")
    assert gdu.post(f"{pantalla}/new/", {"numero": "CONV-9", "contraparte": "A"}).status_code == 302
    pdf = pdf_unico("otro convenio")
    r = gdu.post(f"{pantalla}/new/", {"numero": "CONV-9", "contraparte": "B",
                                      "documento": (io.BytesIO(pdf), "otro.pdf")})
    # (el mensaje es el general: la tabla de la prueba no está en el esquema donde se buscan los de cada restricción)
    assert r.status_code == 200 and "No se pudo guardar" in r.text and 'value="B"' in r.text
    assert contar(ConvenioPdf) == 1 and _almacenados(app) == {}
    assert db.session.scalar(sa.select(ConvenioPdf.documento_ruta)) is None
    assert "/pdf/" not in gdu.get(f"{pantalla}/").text  # sin PDF, sin enlace


def test_poner_pdf_fuera_de_una_pantalla_revisa_igual(app, pantalla):
    """El CLI o un script pasan por `services.adjuntos.poner_pdf`: la misma revisión, el mensaje junto al campo."""
    conv = ConvenioPdf(numero="CONV-CLI", contraparte="Gobierno Regional", unidad=unidad("GAT"))
    with pytest.raises(ErrorDeRegla, match="JavaScript") as error:
        adjuntos.poner_pdf(conv, pdf_con_javascript(), "malo.pdf")
    assert error.value.campo == "documento"
    pdf = pdf_unico("por consola")
    db.session.add(conv)
    adjuntos.poner_pdf(conv, pdf, "bueno.pdf")
    assert _almacenados(app) == {}  # se escribe al confirmar
    db.session.commit()
    assert _almacenados(app) == {conv.documento_ruta: pdf} and archivos.leer(conv.documento_ruta) == pdf


def test_archivo_pdf_sin_columnas_en_el_modelo_se_rechaza_al_declarar():
    from models import Feriado

    class Mala(VistaSegura):
        archivo_pdf = "documento"

    with pytest.raises(TypeError, match="ConPdf"):
        Mala(Feriado, endpoint="feriado_mala")
