"""Mesa de partes y adjuntos endurecidos (issue 9, ítems 12, 14 y 15): verificación de un solo uso, el DNI
de otro no cambia sus datos, PDFs que se leen y sin JavaScript, y ningún archivo suelto si el alta falla."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import Adjunto, Expediente, Persona, RetoVerificacion, TipoDocumento, db
from services import ErrorDeRegla
from tests.conftest import unidad
from tests.pdf_prueba import pdf_con_javascript, pdf_con_javascript_al_abrir, pdf_que_lanza_programa, pdf_valido

PDF = pdf_valido()


def _contar(modelo, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(modelo).where(*where))


def _archivos(app) -> list[Path]:
    raiz = Path(app.config["ADJUNTOS_DIR"])
    return [p for p in raiz.rglob("*") if p.is_file()] if raiz.exists() else []


def _multipart(datos: dict, archivo: bytes, nombre="solicitud.pdf"):
    datos = dict(datos, archivo=FileStorage(io.BytesIO(archivo), filename=nombre, content_type="application/pdf"))
    limite, cuerpo = encode_multipart(datos)
    return {"data": cuerpo, "content_type": f"multipart/form-data; boundary={limite}"}


class Ciudadano:
    def __init__(self, app):
        self.c = app.test_client()
        self.html = self.c.get("/mesa-de-partes").text

    def datos(self, **campos) -> dict:
        a, b = map(int, re.search(r"¿Cuánto es (\d+) \+ (\d+)\?", self.html).groups())
        datos = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.html).group(1),
                 "reto": re.search(r'name="reto"[^>]*value="([^"]*)"', self.html).group(1),
                 "tipo_documento": "DNI", "numero_documento": "45678912", "nombres": "Juana",
                 "apellidos": "Pérez Ccori", "razon_social": "", "email": "juana.perez@example.pe",
                 "telefono": "987654321", "asunto": "Solicita copia certificada", "folios": "3",
                 "respuesta": str(a + b), "sitio_web": ""}
        datos.update(campos)
        return datos

    def enviar(self, datos: dict, archivo: bytes = PDF):
        r = self.c.post("/mesa-de-partes", **_multipart(datos, archivo))
        if r.status_code == 200:
            self.html = r.text
        return r


# ------------------------------------------------------------------ 14. verificación de un solo uso
def test_verificacion_resuelta_no_sirve_dos_veces(app):
    ciudadano = Ciudadano(app)
    datos = ciudadano.datos()
    antes = _contar(Expediente)
    assert ciudadano.enviar(datos).status_code == 302
    # el mismo envío (misma cookie, mismo token, misma respuesta) repetido dos veces más
    for _ in range(2):
        r = ciudadano.c.post("/mesa-de-partes", **_multipart(datos, PDF))
        assert r.status_code == 200 and "La verificación no es correcta." in r.text
    assert _contar(Expediente) == antes + 1
    # también desde otro navegador con la cookie copiada
    otro = app.test_client()
    otro.set_cookie("session", ciudadano.c.get_cookie("session").value)
    assert otro.post("/mesa-de-partes", **_multipart(datos, PDF)).status_code == 200
    assert _contar(Expediente) == antes + 1


def test_verificacion_fallida_tambien_se_consume(app):
    ciudadano = Ciudadano(app)
    datos = ciudadano.datos()
    correcta = datos["respuesta"]
    r = ciudadano.enviar({**datos, "respuesta": "-1"})
    assert "La verificación no es correcta." in r.text
    r = ciudadano.enviar({**datos, "respuesta": correcta})  # probar otra respuesta con el mismo reto
    assert r.status_code == 200 and "La verificación no es correcta." in r.text
    assert ciudadano.enviar(ciudadano.datos()).status_code == 302  # con la pregunta nueva, sí


def test_verificacion_ligada_al_formulario(app):
    """Un reto de otro formulario (o inventado) no vale para la mesa de partes."""
    db.session.add(RetoVerificacion(token="t" * 43, formulario="transparencia", respuesta="7"))
    db.session.commit()
    ciudadano = Ciudadano(app)
    r = ciudadano.enviar(ciudadano.datos(reto="t" * 43, respuesta="7"))
    assert r.status_code == 200 and "La verificación no es correcta." in r.text
    r = ciudadano.enviar(ciudadano.datos(reto="inventado"))
    assert r.status_code == 200 and "La verificación no es correcta." in r.text


# ------------------------------------------------------------------ 15. el DNI de otro
def test_ingreso_digital_no_cambia_los_datos_de_la_persona(app):
    p = Persona(tipo_documento="DNI", numero_documento="45678912", nombres="Juana", apellidos="Pérez Ccori",
                email="juana@municipio.example", telefono="014445555")
    db.session.add(p)
    db.session.commit()
    ciudadano = Ciudadano(app)
    r = ciudadano.enviar(ciudadano.datos(nombres="Impostor", apellidos="X", email="atacante@example.com",
                                         telefono="999000111"))
    assert r.status_code == 302
    db.session.expire_all()
    persona = db.session.get(Persona, p.id)
    assert (persona.nombres, persona.apellidos, persona.email, persona.telefono) == (
        "Juana", "Pérez Ccori", "juana@municipio.example", "014445555")
    exp = db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))
    assert exp.persona_id == p.id
    assert (exp.email_contacto, exp.telefono_contacto) == ("atacante@example.com", "999000111")


def test_ingreso_digital_persona_nueva_con_sus_datos(app):
    ciudadano = Ciudadano(app)
    assert ciudadano.enviar(ciudadano.datos(numero_documento="40123456")).status_code == 302
    persona = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == "40123456"))
    assert (persona.nombres, persona.email) == ("Juana", "juana.perez@example.pe")


def test_ventanilla_usa_el_mismo_remitente(como):
    """Mesa de Partes escribe el DNI de alguien registrado con otro nombre: se usa la persona tal cual."""
    p = Persona(tipo_documento="DNI", numero_documento="45678912", nombres="Juana", apellidos="Pérez Ccori")
    db.session.add(p)
    db.session.commit()
    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Solicitud"))
    r = como("mesa_partes").post("/admin/expediente/new/", {
        "origen": "externo", "canal": "presencial", "tipo_documento": str(tipo), "asunto": "Solicita poda",
        "folios": "3", "prioridad": "normal", "unidad_actual": str(unidad("GSC").id),
        "nuevo_documento": "45678912", "nuevo_nombre": "Otro Nombre"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Persona, p.id).nombres == "Juana"
    assert _contar(Persona, Persona.numero_documento == "45678912") == 1


# ------------------------------------------------------------------ 12. adjuntos
@pytest.mark.parametrize("archivo,mensaje", [
    (pdf_con_javascript(), "contiene JavaScript"),
    (pdf_con_javascript_al_abrir(), "contiene JavaScript"),
    (pdf_que_lanza_programa(), "contiene JavaScript"),
    (b"%PDF-1.7\n" + b"basura " * 200, "no es un PDF válido"),
    (PDF[: len(PDF) // 2], "no es un PDF válido"),
])
def test_mesa_digital_rechaza_pdf_activo_o_danado(app, archivo, mensaje):
    antes = (_contar(Expediente), _contar(Persona), _contar(Adjunto))
    ciudadano = Ciudadano(app)
    r = ciudadano.enviar(ciudadano.datos(), archivo)
    assert r.status_code == 200 and mensaje in r.text
    assert 'value="45678912"' in r.text
    assert (_contar(Expediente), _contar(Persona), _contar(Adjunto)) == antes
    assert _archivos(app) == []


def _ingreso_con_archivo(nav, archivo: bytes):
    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Solicitud"))
    datos = {"origen": "externo", "canal": "presencial", "tipo_documento": str(tipo), "asunto": "Solicita poda",
             "folios": "3", "prioridad": "normal", "unidad_actual": str(unidad("GSC").id),
             "nuevo_documento": "45678912", "nuevo_nombre": "Juana Pérez", "csrf_token": nav.token}
    return nav.c.post("/admin/expediente/new/", **_multipart(datos, archivo))


def test_ventanilla_rechaza_pdf_con_javascript(como, app):
    nav = como("mesa_partes")
    antes = _contar(Expediente)
    r = _ingreso_con_archivo(nav, pdf_con_javascript())
    assert r.status_code == 200 and "contiene JavaScript" in r.text
    assert _contar(Expediente) == antes and _archivos(app) == []
    assert _ingreso_con_archivo(nav, PDF).status_code == 302  # el mismo ingreso con un PDF limpio
    [guardado] = _archivos(app)
    assert guardado.read_bytes() == PDF


def test_alta_fallida_no_deja_archivo(como, app, monkeypatch):
    """El PDF es válido, pero el alta falla después (una regla del trámite): ni fila ni archivo en disco."""
    import admin_views.tramite as vistas

    def derivar_falla(*a, **kw):
        raise ErrorDeRegla("La unidad de destino no recibe expedientes hoy.")

    monkeypatch.setattr(vistas, "derivar", derivar_falla)
    nav = como("mesa_partes")
    antes = (_contar(Expediente), _contar(Adjunto))
    r = _ingreso_con_archivo(nav, PDF)
    assert r.status_code == 200 and "no recibe expedientes hoy" in r.text
    assert (_contar(Expediente), _contar(Adjunto)) == antes
    assert _archivos(app) == []


def test_mesa_digital_fallida_no_deja_archivo(app, monkeypatch):
    import publico

    def registrar_falla(exp):
        raise RuntimeError("la base se cayó a mitad del registro")

    monkeypatch.setattr(publico, "registrar_ingreso", registrar_falla)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    ciudadano = Ciudadano(app)
    r = ciudadano.enviar(ciudadano.datos())
    assert r.status_code == 500 and "Error interno" in r.text
    assert _archivos(app) == []


def test_abrir_formularios_publicos_tiene_limite_por_ip_y_total(otra_app):
    """Cada apertura de /mesa-de-partes o /transparencia guarda un reto: se limita por IP (429) y en total (503)."""
    otra = otra_app(RATELIMIT_ENABLED=True, LIMITE_FORMULARIO_PUBLICO="3/hour", RETOS_MAXIMOS=5)
    c = otra.test_client()
    codigos = [c.get("/mesa-de-partes").status_code for _ in range(4)]
    assert codigos == [200, 200, 200, 429]
    r = c.get("/transparencia")
    assert r.status_code == 200  # otro formulario, su propio contador
    with otra.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RetoVerificacion)) == 4
    otro = otra.test_client()
    ip = {"environ_base": {"REMOTE_ADDR": "10.0.0.9"}}
    assert otro.get("/transparencia", **ip).status_code == 200  # 5.º reto: llega al tope total
    r = otro.get("/mesa-de-partes", **ip)
    assert r.status_code == 503 and "Vuelva a intentarlo en unos minutos" in r.text
    with otra.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RetoVerificacion)) == 5
