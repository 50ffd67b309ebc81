"""Trámite documentario por HTTP, como lo hace el personal (docs/reglas.md §1–2; docs/arquitectura.md).

Cada fecha legal se compara con un oráculo independiente: numpy.busday_offset con los feriados del
paquete `holidays` (PE, es), los mismos años que la prueba asegura en la tabla `Feriado`.
Los momentos que importan (cierre del día, Semana Santa, fin de semana) se fijan reemplazando
`services.tramite.ahora`, que es el reloj de registrar_ingreso, derivar, observar y subsanar.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import holidays
import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

import models
import services.tramite as tramite
from app import POR_DEFECTO, create_app
from models import (
    ZONA_LIMA,
    Adjunto,
    Derivacion,
    DocumentoEmitido,
    EstadoDerivacion,
    EstadoExpediente,
    Expediente,
    Persona,
    ProcedimientoTupa,
    RegistroAuditoria,
    TipoDocumento,
    UnidadOrganica,
    Usuario,
    db,
)
from services import semilla
from tests.conftest import CLAVE, ClienteAislado, _config, token_csrf, unidad
from tests.pdf_prueba import pdf_valido

# ------------------------------------------------------------------------------------------- oráculo
ANIOS = range(2025, max(date.today().year, 2026) + 2)
FERIADOS = frozenset(holidays.country_holidays("PE", years=ANIOS, language="es"))


def _np_cal(feriados) -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=np.array(sorted(feriados), dtype="datetime64[D]"))


_NP = _np_cal(FERIADOS)


def habil(d: date, n: int, cal: np.busdaycalendar = _NP) -> date:
    """El n-ésimo día hábil después de d (n=0: d o el siguiente hábil)."""
    roll = "forward" if n == 0 else "backward"
    return np.busday_offset(np.datetime64(d, "D"), n, roll=roll, busdaycal=cal).astype(date)


def es_habil(d: date) -> bool:
    return bool(np.is_busday(np.datetime64(d, "D"), busdaycal=_NP))


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


# ------------------------------------------------------------------------------------------- ayudas
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

    def fijar(momento: datetime):
        monkeypatch.setattr(models, "reloj", lambda: momento)  # el único reloj de la aplicación

    return fijar


def _contar(modelo, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(modelo).where(*where))


def _id(modelo, **filtro) -> int:
    return db.session.scalar(sa.select(modelo.id).filter_by(**filtro))


def _usuario(username: str) -> Usuario:
    return db.session.scalar(sa.select(Usuario).where(Usuario.username == username))


def _leer(modelo, id_):
    db.session.expire_all()
    return db.session.get(modelo, id_)


def _persona(numero="10117410", nombres="Rosa", apellidos="Quispe Mamani") -> int:
    p = Persona(tipo_documento="DNI", numero_documento=numero, nombres=nombres, apellidos=apellidos)
    db.session.add(p)
    db.session.commit()
    return p.id


def _ingreso(nav, persona_id: int, **extra):
    """POST del formulario de ingreso de Mesa de Partes (nombres de campo = atributos del modelo)."""
    datos = {"origen": "externo", "canal": "presencial", "persona": str(persona_id),
             "tipo_documento": str(_id(TipoDocumento, nombre="Solicitud")),
             "asunto": "Solicita certificado de parámetros urbanísticos del lote 12", "folios": "7",
             "procedimiento": str(_id(ProcedimientoTupa, codigo="GDU-02")), "prioridad": "normal"}
    datos.update(extra)
    return nav.post("/admin/expediente/new/", {k: v for k, v in datos.items() if v is not None})


def _ultimo_expediente() -> Expediente:
    db.session.expire_all()
    return db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))


def _tramitar(nav, exp_id: int, operacion: str, **datos):
    return nav.post(f"/admin/expediente/tramitar/?id={exp_id}", {"operacion": operacion, **datos})


def _derivaciones(exp_id: int) -> list[Derivacion]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Derivacion).where(Derivacion.expediente_id == exp_id)
                              .order_by(Derivacion.id)).all()


def _publico(app) -> ClienteAislado:
    return app.test_client()


def _consultar(cliente, codigo: str, clave: str):
    return cliente.post("/consulta", data={"codigo": codigo, "clave": clave,
                                           "csrf_token": token_csrf(cliente, "/consulta")})


def _errores(html: str) -> list[str]:
    """Mensajes de error de un formulario devuelto (para explicar un fallo)."""
    return re.findall(r'class="(?:invalid-feedback|help-block|alert[^"]*)"[^>]*>(.*?)</', html, re.S)


def _texto(html: str) -> str:
    """El texto visible (sin etiquetas ni espacios repetidos) para buscar frases."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------------------------------------- 1. la jornada
def test_jornada_de_un_expediente(base, como, runner):
    """Mesa de Partes recibe, GDU acusa y deriva a GAT para opinión, GAT atiende y archiva; el ciudadano consulta."""
    app = base
    persona_id = _persona()
    mp = como("mesa_partes")

    # ---- ingreso por el formulario → cargo
    r = _ingreso(mp, persona_id)
    assert r.status_code == 302, _errores(r.text)
    exp = _ultimo_expediente()
    destino = urlsplit(r.headers["Location"])
    assert (destino.path, destino.query) == ("/admin/expediente/cargo/", f"id={exp.id}")

    assert re.fullmatch(r"EXP-\d{4}-\d{6}", exp.codigo)
    recibido = exp.fecha_recepcion.astimezone(ZONA_LIMA)
    assert exp.codigo == f"EXP-{recibido.year}-{exp.numero:06d}" and exp.anio == recibido.year
    assert abs(datetime.now(UTC) - exp.fecha_recepcion) < timedelta(minutes=2)
    assert exp.fecha_presentacion == presentacion_oraculo(exp.fecha_recepcion)
    assert exp.plazo_dias_habiles == 5  # GDU-02, del TUPA
    assert exp.fecha_vencimiento == habil(exp.fecha_presentacion, 5)
    assert (exp.unidad_actual.sigla, exp.estado.value, exp.folios) == ("GDU", "en_tramite", 7)
    assert exp.creado_por_id == _usuario("mesa_partes").id
    assert re.fullmatch(r"[A-Z2-9]{8}", exp.clave)
    [d1] = _derivaciones(exp.id)  # nace en Mesa de Partes y se deriva en el acto a la unidad resolutora
    assert (d1.unidad_origen.sigla, d1.unidad_destino.sigla) == ("UTD", "GDU")
    assert (d1.estado.value, d1.accion.value) == ("pendiente", "atender")
    assert d1.plazo_dias_habiles == 5 and d1.fecha_limite == habil(hoy(), 5)
    assert d1.enviado_por_id == _usuario("mesa_partes").id

    exp_id, codigo, clave = exp.id, exp.codigo, exp.clave
    r = mp.get(destino.path + "?" + destino.query)
    assert r.status_code == 200
    texto = _texto(r.text)
    assert exp.codigo in texto and exp.clave in texto
    assert re.search(r"Folios\s*7\b", texto)
    assert "<svg" in r.text
    assert f"http://localhost/consulta?codigo={exp.codigo}" in texto
    assert "Luis Huamán Rojas" in texto  # quien recibió
    assert recibido.strftime("%d/%m/%Y %H:%M") in texto  # fecha y hora de recepción

    # ---- GDU: acuse de recibo masivo
    gdu = como("unidad")
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d1.id)]})
    assert r.status_code == 302
    d1 = _leer(Derivacion, d1.id)
    assert d1.estado.value == "recibido" and d1.recibido_por_id == _usuario("unidad").id
    assert abs(datetime.now(UTC) - d1.fecha_recepcion) < timedelta(minutes=2)

    # ---- GDU deriva a GAT para opinión: plazo por defecto 7 días hábiles (art. 143), recortado al vencimiento
    # del expediente (5 días) si lo pasa
    gat_id = unidad("GAT").id
    r = _tramitar(gdu, exp_id, "derivar", destino=str(gat_id), accion="opinar", plazo="",
                  proveido="Opine sobre la deuda tributaria del predio.")
    assert r.status_code == 302, _texto(r.text)[:2000]
    d1, d2 = _derivaciones(exp_id)
    assert d1.estado.value == "atendido" and d1.fecha_atencion is not None
    assert (d2.unidad_origen.sigla, d2.unidad_destino.sigla, d2.accion.value) == ("GDU", "GAT", "opinar")
    venc = _leer(Expediente, exp_id).fecha_vencimiento
    assert d2.fecha_limite == min(habil(hoy(), 7), venc)
    assert d2.plazo_dias_habiles == min(7, int(np.busday_count(hoy() + timedelta(days=1), venc + timedelta(days=1),
                                                               busdaycal=_NP)))
    assert d2.estado.value == "pendiente" and d2.enviado_por_id == _usuario("unidad").id
    exp = _leer(Expediente, exp_id)
    assert (exp.unidad_actual.sigla, exp.estado.value) == ("GAT", "en_tramite")

    # GDU lo sigue viendo (pasó por su unidad) pero ya no puede tramitarlo
    assert gdu.get(f"/admin/expediente/details/?id={exp_id}").status_code == 200
    r = gdu.get(f"/admin/expediente/tramitar/?id={exp_id}")
    assert r.status_code == 200 and "solo esa unidad puede tramitarlo" in r.text
    for operacion in ("atender", "archivar"):
        r = _tramitar(gdu, exp_id, operacion)
        assert r.status_code == 200
        assert "El expediente no está en su unidad: no puede tramitarlo." in r.text
    # …ni acusar recibo de lo que él mismo envió
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d2.id)]}, follow_redirects=True)
    assert f"{codigo} no fue derivado a su unidad." in r.text
    assert _leer(Expediente, exp_id).estado.value == "en_tramite"
    assert [d.estado.value for d in _derivaciones(exp_id)] == ["atendido", "pendiente"]

    # ---- GAT: no hay usuario demo; se crea con la CLI (pide la contraseña dos veces)
    r = runner.invoke(args=["crear-usuario", "gat", "--rol", "unidad", "--unidad", "GAT",
                            "--nombre", "Elena Vargas Chávez"], input=f"{CLAVE}\n{CLAVE}\n")
    assert r.exit_code == 0, r.output
    gat = como("gat")
    # atender sin acuse de recibo: actuar es recibir, el acuse (quién y cuándo) se registra primero
    r = _tramitar(gat, exp_id, "atender")
    assert r.status_code == 302
    exp = _leer(Expediente, exp_id)
    assert exp.estado.value == "atendido" and exp.fecha_atencion == hoy()
    d2 = _leer(Derivacion, d2.id)
    assert d2.estado.value == "atendido" and d2.recibido_por_id == _usuario("gat").id
    assert d2.fecha_recepcion is not None and d2.fecha_recepcion <= d2.fecha_atencion
    r = _tramitar(gat, exp_id, "archivar")
    assert r.status_code == 302
    assert _leer(Expediente, exp_id).estado.value == "archivado"

    # ---- el ciudadano consulta con código y clave: estado y movimientos, sin datos personales
    r = _consultar(_publico(app), codigo.lower(), clave)
    assert r.status_code == 200
    texto = _texto(r.text)
    assert codigo in texto and "Archivado" in texto
    for unidad_nombre in ("Unidad de Trámite Documentario", "Gerencia de Desarrollo Urbano",
                          "Gerencia de Administración Tributaria"):
        assert unidad_nombre in texto
    assert "No se encontró" not in texto
    for dato in ("Rosa", "Quispe", "Mamani", "10117410"):
        assert dato not in r.text


def test_ingreso_sin_procedimiento_va_a_la_unidad_elegida_con_el_plazo_maximo(base, como):
    """Sin TUPA: la unidad de destino elegida y el plazo máximo de 30 días hábiles (arts. 39, 153)."""
    mp = como("mesa_partes")
    r = _ingreso(mp, _persona(), procedimiento=None)
    assert r.status_code == 200 and "Indique la unidad de destino o el procedimiento TUPA." in r.text
    assert _contar(Expediente) == 0
    r = _ingreso(mp, _persona(numero="40123456"), procedimiento=None, unidad_actual=str(unidad("GAT").id))
    assert r.status_code == 302, _errores(r.text)
    exp = _ultimo_expediente()
    assert (exp.unidad_actual.sigla, exp.procedimiento, exp.plazo_dias_habiles) == ("GAT", None, 30)
    assert exp.fecha_vencimiento == habil(exp.fecha_presentacion, 30)
    [d] = _derivaciones(exp.id)
    assert (d.unidad_origen.sigla, d.unidad_destino.sigla, d.plazo_dias_habiles) == ("UTD", "GAT", 30)
    assert d.fecha_limite == habil(hoy(), 30)


def test_devolver_a_quien_lo_envio(base, como):
    assert _ingreso(como("mesa_partes"), _persona()).status_code == 302
    exp = _ultimo_expediente()
    [d1] = _derivaciones(exp.id)
    gdu = como("unidad")
    assert gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d1.id)]}).status_code == 302
    r = _tramitar(gdu, exp.id, "devolver", motivo="")
    assert r.status_code == 200 and "Indique el motivo de la devolución." in r.text
    assert len(_derivaciones(exp.id)) == 1
    r = _tramitar(gdu, exp.id, "devolver", motivo="No corresponde a esta gerencia")
    assert r.status_code == 302
    d1, d2 = _derivaciones(exp.id)
    assert d1.estado.value == "devuelto"
    assert (d2.unidad_origen.sigla, d2.unidad_destino.sigla, d2.estado.value) == ("GDU", "UTD", "pendiente")
    assert d2.proveido == "Devuelto: No corresponde a esta gerencia"
    assert _leer(Expediente, exp.id).unidad_actual.sigla == "UTD"


@pytest.mark.parametrize(("datos", "mensaje"), [
    ({"accion": "opinar", "plazo": "-3"}, "El plazo no puede ser negativo."),
    ({"accion": "inexistente", "plazo": ""}, "Elija una acción válida para la derivación."),
    ({"accion": "opinar", "destino": "abc"}, "Elija la unidad de destino."),
], ids=["plazo_negativo", "accion_desconocida", "sin_destino"])
def test_derivar_con_datos_invalidos_muestra_el_error(base, como, datos, mensaje):
    base.config["PROPAGATE_EXCEPTIONS"] = False  # lo que vería el usuario: una página, no una excepción
    assert _ingreso(como("mesa_partes"), _persona()).status_code == 302
    exp = _ultimo_expediente()
    r = _tramitar(como("mesa_partes"), exp.id, "derivar", **{"destino": str(unidad("GAT").id), **datos})
    assert r.status_code == 200 and mensaje in r.text
    assert _leer(Expediente, exp.id).unidad_actual.sigla == "GDU"
    assert len(_derivaciones(exp.id)) == 1


# ------------------------------------------------------------------------------------------- 2. documentos emitidos
def _nuevo_documento(nav, fecha: str, asunto: str, tipo: str = "Informe", unidad_sigla: str | None = "GDU"):
    datos = {"tipo_documento": str(_id(TipoDocumento, nombre=tipo)), "fecha": fecha, "asunto": asunto,
             "destinatario": "Gerencia Municipal"}
    if unidad_sigla:
        datos["unidad"] = str(unidad(unidad_sigla).id)
    return nav.post("/admin/documento_emitido/new/", datos)


def _documento(asunto: str) -> DocumentoEmitido:
    db.session.expire_all()
    return db.session.scalar(sa.select(DocumentoEmitido).where(DocumentoEmitido.asunto == asunto))


def _documento_por_servicio(asunto: str, fecha: date = date(2026, 11, 20), sigla: str = "GDU") -> DocumentoEmitido:
    """Un informe numerado por el servicio, para la unidad que se indique."""
    doc = DocumentoEmitido(tipo_documento=db.session.get(TipoDocumento, _id(TipoDocumento, nombre="Informe")),
                           unidad=unidad(sigla), fecha=fecha, asunto=asunto, destinatario="Gerencia Municipal")
    tramite.numerar_documento(doc)
    db.session.add(doc)
    db.session.commit()
    return doc


def test_documentos_emitidos_por_formulario(base, como):
    gdu = como("unidad")
    for asunto in ("Informe sobre el lote 12", "Informe sobre la habilitación urbana"):
        r = _nuevo_documento(gdu, "20/11/2026", asunto)
        assert r.status_code == 302, _texto(r.text)[:2000]
    uno, dos = _documento("Informe sobre el lote 12"), _documento("Informe sobre la habilitación urbana")
    assert uno.codigo == "INFORME N° 001-2026-GDU/MDD" and dos.codigo == "INFORME N° 002-2026-GDU/MDD"
    assert (uno.numero, dos.numero, uno.anio, uno.fecha) == (1, 2, 2026, date(2026, 11, 20))
    assert uno.unidad.sigla == "GDU" and uno.estado.value == "proyecto"
    assert uno.creado_por_id == _usuario("unidad").id
    # el año sale de la fecha del documento: otro correlativo
    assert _nuevo_documento(gdu, "04/01/2027", "Informe de enero").status_code == 302
    assert _documento("Informe de enero").codigo == "INFORME N° 001-2027-GDU/MDD"
    # una unidad numera solo lo suyo, aunque elija otra unidad en el formulario
    assert _nuevo_documento(gdu, "20/11/2026", "Informe con otra unidad", unidad_sigla="GAT").status_code == 302
    assert _documento("Informe con otra unidad").codigo == "INFORME N° 003-2026-GDU/MDD"
    # anulado el primero, el siguiente no reutiliza su número
    r = gdu.post(f"/admin/documento_emitido/anular/?id={uno.id}", {"motivo": "Se consignó mal el lote."})
    assert r.status_code == 302
    assert _nuevo_documento(gdu, "23/11/2026", "Informe que reemplaza al anulado").status_code == 302
    assert _documento("Informe que reemplaza al anulado").codigo == "INFORME N° 004-2026-GDU/MDD"


def test_documentos_emitidos_emitir_notificar_anular(base, como):
    gdu = como("unidad")
    for asunto in ("Informe sobre el lote 12", "Informe sobre la habilitación urbana"):
        assert _nuevo_documento(gdu, "20/11/2026", asunto).status_code == 302
    uno, dos = _documento("Informe sobre el lote 12"), _documento("Informe sobre la habilitación urbana")
    assert (uno.codigo, dos.codigo) == ("INFORME N° 001-2026-GDU/MDD", "INFORME N° 002-2026-GDU/MDD")

    # emitir y notificar con las acciones del listado
    ids = [str(uno.id), str(dos.id)]
    assert gdu.post("/admin/documento_emitido/action/", {"action": "emitir", "rowid": ids}).status_code == 302
    assert {_leer(DocumentoEmitido, int(i)).estado.value for i in ids} == {"emitido"}
    assert gdu.post("/admin/documento_emitido/action/", {"action": "notificar", "rowid": ids}).status_code == 302
    for i in ids:
        doc = _leer(DocumentoEmitido, int(i))
        assert (doc.estado.value, doc.fecha_notificacion) == ("notificado", hoy())
    # emitir otra vez: ya no es un proyecto; nada cambia
    r = gdu.post("/admin/documento_emitido/action/", {"action": "emitir", "rowid": ids}, follow_redirects=True)
    assert "ya no es un proyecto" in r.text
    assert _leer(DocumentoEmitido, uno.id).estado.value == "notificado"

    # anular: el número se conserva y no se reutiliza
    assert gdu.get(f"/admin/documento_emitido/anular/?id={uno.id}").status_code == 200
    r = gdu.post(f"/admin/documento_emitido/anular/?id={uno.id}", {"motivo": "Se consignó mal el lote."})
    assert r.status_code == 302
    uno = _leer(DocumentoEmitido, uno.id)
    assert (uno.estado.value, uno.motivo_anulacion) == ("anulado", "Se consignó mal el lote.")
    assert (uno.numero, uno.codigo) == (1, "INFORME N° 001-2026-GDU/MDD")
    assert _contar(RegistroAuditoria, RegistroAuditoria.accion == "anular",
                   RegistroAuditoria.entidad == "documento_emitido", RegistroAuditoria.entidad_id == uno.id) == 1
    assert _nuevo_documento(gdu, "23/11/2026", "Informe que reemplaza al anulado").status_code == 302
    assert _documento("Informe que reemplaza al anulado").codigo == "INFORME N° 003-2026-GDU/MDD"

    # anular sin motivo: mensaje y nada cambia
    r = gdu.post(f"/admin/documento_emitido/anular/?id={dos.id}", {"motivo": "  "})
    assert r.status_code == 200 and "Indique el motivo de la anulación." in r.text
    dos = _leer(DocumentoEmitido, dos.id)
    assert (dos.estado.value, dos.motivo_anulacion) == ("notificado", None)

    # el documento de otra unidad no se anula desde GDU
    ajeno = _documento_por_servicio("Informe de GAT", sigla="GAT")
    assert ajeno.codigo == "INFORME N° 001-2026-GAT/MDD"
    assert gdu.post(f"/admin/documento_emitido/anular/?id={ajeno.id}", {"motivo": "x"}).status_code == 404
    assert _leer(DocumentoEmitido, ajeno.id).estado.value == "proyecto"


def test_documento_sin_unidad_es_de_la_propia(base, como):
    r = _nuevo_documento(como("unidad"), "20/11/2026", "Informe sin unidad", unidad_sigla=None)
    assert r.status_code == 302, _errores(r.text)
    assert _documento("Informe sin unidad").codigo == "INFORME N° 001-2026-GDU/MDD"


# ------------------------------------------------------------------------------------------- 3. observación
def test_observacion_subsanada_en_plazo(base, como, reloj):
    """Martes 31/03/2026: ingreso con 5 días; observado el miércoles 1 (antes de Semana Santa); subsanado
    el martes 7, último día del plazo de 2 días hábiles; el vencimiento corre los días suspendidos."""
    persona_id = _persona()
    mp = como("mesa_partes")
    reloj(lima(2026, 3, 31, 10, 15))
    assert _ingreso(mp, persona_id).status_code == 302
    exp = _ultimo_expediente()
    assert exp.fecha_presentacion == date(2026, 3, 31) and exp.codigo.startswith("EXP-2026-")
    venc = exp.fecha_vencimiento
    assert venc == habil(date(2026, 3, 31), 5) == date(2026, 4, 9)

    reloj(lima(2026, 4, 1, 11, 0))
    r = _tramitar(mp, exp.id, "observar", observacion="Falta la copia del título de propiedad.")
    assert r.status_code == 302
    exp = _leer(Expediente, exp.id)
    assert (exp.estado.value, exp.fecha_observacion) == ("observado", date(2026, 4, 1))
    plazo = habil(date(2026, 4, 1), 2)
    assert plazo == date(2026, 4, 7)  # 2 y 3 de abril son Jueves y Viernes Santo
    texto = _texto(mp.get(f"/admin/expediente/cargo/?id={exp.id}").text)
    assert "Falta la copia del título de propiedad." in texto
    assert f"hasta el {plazo:%d/%m/%Y}" in texto

    # observado: no se deriva
    r = _tramitar(mp, exp.id, "derivar", destino=str(unidad("GAT").id), accion="atender")
    assert r.status_code == 200
    assert "No se puede derivar: el expediente está observado hasta que se subsane." in r.text
    exp = _leer(Expediente, exp.id)
    assert (exp.unidad_actual.sigla, exp.estado.value) == ("GDU", "observado")
    assert len(_derivaciones(exp.id)) == 1

    reloj(lima(2026, 4, 7, 16, 30))
    r = _tramitar(mp, exp.id, "subsanar")
    assert r.status_code == 302
    exp = _leer(Expediente, exp.id)
    assert (exp.estado.value, exp.fecha_subsanacion) == ("en_tramite", date(2026, 4, 7))
    suspendidos = int(np.busday_count(np.datetime64("2026-04-02"), np.datetime64("2026-04-08"), busdaycal=_NP))
    assert suspendidos == 2  # lunes 6 y martes 7
    assert exp.fecha_vencimiento == habil(venc, suspendidos) == habil(date(2026, 3, 31), 5 + 2) == date(2026, 4, 13)

    # la observación se hace una sola vez
    r = _tramitar(mp, exp.id, "observar", observacion="Otra cosa.")
    assert r.status_code == 200 and "una sola vez" in r.text
    assert _leer(Expediente, exp.id).observacion == "Falta la copia del título de propiedad."


def test_observacion_sin_subsanar_es_no_presentado(base, como, crear_expediente, reloj, monkeypatch):
    exp = crear_expediente("GDU", fecha_recepcion=lima(2026, 3, 31, 9, 0))
    exp.estado, exp.observacion = EstadoExpediente.observado, "Falta el plano de ubicación."
    exp.fecha_observacion = date(2026, 4, 1)
    db.session.commit()
    assert habil(date(2026, 4, 1), 2) == date(2026, 4, 7)

    # el martes 7 a las 22:00 de Lima (ya miércoles 8 en UTC) aún está en plazo
    reloj(datetime(2026, 4, 8, 3, 0, tzinfo=UTC))
    assert tramite.vencer_observaciones() == 0
    db.session.commit()
    assert _leer(Expediente, exp.id).estado.value == "observado"

    # hoy (después del 07/04/2026): no presentado
    monkeypatch.undo()
    assert tramite.vencer_observaciones() == 1
    db.session.commit()
    assert _leer(Expediente, exp.id).estado.value == "no_presentado"

    r = _tramitar(como("mesa_partes"), exp.id, "derivar", destino=str(unidad("GAT").id), accion="atender")
    assert r.status_code == 200 and "No se puede derivar un expediente no presentado." in r.text
    assert _leer(Expediente, exp.id).unidad_actual.sigla == "GDU"


def test_subsanar_fuera_de_plazo_se_rechaza(base, como, crear_expediente):
    exp = crear_expediente("GDU", fecha_recepcion=lima(2026, 3, 31, 9, 0))
    exp.estado, exp.observacion, exp.fecha_observacion = EstadoExpediente.observado, "Falta el plano.", date(2026, 4, 1)
    db.session.commit()
    r = _tramitar(como("unidad"), exp.id, "subsanar")
    assert r.status_code == 200 and "Venció el plazo para subsanar" in r.text
    exp = _leer(Expediente, exp.id)
    assert (exp.estado.value, exp.fecha_subsanacion) == ("observado", None)


# ------------------------------------------------------------------------------------------- 4. anulación
def test_anulacion(base, como, crear_expediente):
    exp = crear_expediente("GDU")
    numero = exp.numero

    r = _tramitar(como("unidad"), exp.id, "anular", motivo="Duplicado")
    assert r.status_code == 200
    assert "Su rol no tiene el permiso «anular» de expedientes" in r.text
    exp = _leer(Expediente, exp.id)
    assert (exp.estado.value, exp.motivo_anulacion) == ("registrado", None)

    mp = como("mesa_partes")
    r = _tramitar(mp, exp.id, "anular", motivo="   ")
    assert r.status_code == 200 and "Indique el motivo de la anulación." in r.text
    assert _leer(Expediente, exp.id).estado.value == "registrado"

    r = _tramitar(mp, exp.id, "anular", motivo="Ingresado por duplicado (ver EXP anterior).")
    assert r.status_code == 302
    exp = _leer(Expediente, exp.id)
    assert (exp.estado.value, exp.motivo_anulacion) == ("anulado", "Ingresado por duplicado (ver EXP anterior).")
    auditoria = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "expediente", RegistroAuditoria.entidad_id == exp.id,
        RegistroAuditoria.accion == "anular")).all()
    assert len(auditoria) == 1 and auditoria[0].usuario_id == _usuario("mesa_partes").id
    assert auditoria[0].cambios["estado"] == ["registrado", "anulado"]

    # anulado: nada más se tramita, y su número no se reutiliza
    r = _tramitar(mp, exp.id, "derivar", destino=str(unidad("GAT").id), accion="atender")
    assert r.status_code == 200 and "No se puede derivar un expediente anulado." in r.text
    siguiente = crear_expediente("GDU", asunto="Ingreso posterior")
    assert (siguiente.anio, siguiente.numero) == (exp.anio, numero + 1)
    assert _contar(Expediente, Expediente.anio == exp.anio, Expediente.numero == numero) == 1


# ------------------------------------------------------------------------------------------- 5. fecha de presentación
@pytest.fixture
def config_app():
    """fecha_presentacion es pura salvo HORA_CIERRE: basta un contexto con la configuración por defecto."""
    a = Flask("prueba")
    a.config.update(POR_DEFECTO)
    with a.app_context():
        yield a


@pytest.mark.parametrize(("momento", "cierre", "esperado"), [
    (lima(2026, 11, 27, 18, 0), "17:00", date(2026, 11, 30)),  # viernes después del cierre → lunes
    (lima(2026, 11, 27, 18, 0), "23:59", date(2026, 11, 27)),
    (lima(2026, 11, 27, 17, 0, 59), "17:00", date(2026, 11, 27)),  # se compara al minuto
    (lima(2026, 11, 27, 17, 1), "17:00", date(2026, 11, 30)),
    (lima(2026, 4, 1, 23, 59, 30), "23:59", date(2026, 4, 1)),  # víspera de Jueves Santo
    (lima(2026, 4, 1, 18, 0), "17:00", date(2026, 4, 6)),  # Jueves y Viernes Santo, fin de semana
    (lima(2026, 4, 2, 9, 0), "23:59", date(2026, 4, 6)),  # en feriado
    (lima(2026, 11, 29, 8, 0), "23:59", date(2026, 11, 30)),  # domingo → lunes
    (lima(2026, 11, 28, 10, 0), "23:59", date(2026, 11, 30)),  # sábado → lunes
    (lima(2026, 7, 27, 19, 30), "17:00", date(2026, 7, 30)),  # 28 y 29 de julio, Fiestas Patrias
    (lima(2026, 7, 27, 19, 30), "23:59", date(2026, 7, 27)),
    (datetime(2026, 11, 28, 4, 30, tzinfo=UTC), "23:59", date(2026, 11, 27)),  # viernes 23:30 en Lima
    (datetime(2026, 11, 28, 5, 0, 30, tzinfo=UTC), "23:59", date(2026, 11, 30)),  # sábado 00:00 en Lima
    (datetime(2026, 11, 27, 22, 30, tzinfo=UTC), "17:00", date(2026, 11, 30)),  # 17:30 en Lima
], ids=str)
def test_fecha_de_presentacion(config_app, momento, cierre, esperado):
    assert POR_DEFECTO["HORA_CIERRE"] == "23:59"
    config_app.config["HORA_CIERRE"] = cierre
    assert presentacion_oraculo(momento, cierre) == esperado
    assert tramite.fecha_presentacion(momento, FERIADOS) == esperado


# ------------------------------------------------------------------------------------------- 6. mesa digital
PDF = pdf_valido()  # un PDF que se lee de verdad (services/adjuntos.revisar_pdf)


def _pregunta(html: str) -> int:
    m = re.search(r"¿Cuánto es (\d+) \+ (\d+)\?", html)
    assert m, "sin pregunta de verificación"
    return int(m.group(1)) + int(m.group(2))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class Ciudadano:
    """Un navegador anónimo ante la mesa de partes digital."""

    def __init__(self, app):
        self.c = app.test_client()
        self.html = self.c.get("/mesa-de-partes").text

    def presentar(self, archivo: bytes = PDF, nombre="solicitud.pdf", respuesta=None, **campos):
        datos = {"csrf_token": _csrf(self.html), "tipo_documento": "DNI", "numero_documento": "45678912",
                 "nombres": "Juana", "apellidos": "Pérez Ccori", "razon_social": "",
                 "email": "juana.perez@example.pe", "telefono": "987654321",
                 "asunto": "Solicita copia certificada de la licencia de edificación", "folios": "3",
                 "respuesta": str(_pregunta(self.html) if respuesta is None else respuesta), "sitio_web": "",
                 "reto": re.search(r'name="reto"[^>]*value="([^"]*)"', self.html).group(1)}
        datos.update(campos)
        datos["archivo"] = FileStorage(io.BytesIO(archivo), filename=nombre, content_type="application/pdf")
        # cuerpo armado en memoria: el cliente de pruebas lo pondría en un TemporaryFile que nunca cierra
        limite, cuerpo = encode_multipart(datos)
        r = self.c.post("/mesa-de-partes", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")
        if r.status_code == 200:
            self.html = r.text
        return r


def _archivos(app) -> list[Path]:
    raiz = Path(app.config["ADJUNTOS_DIR"])
    return [p for p in raiz.rglob("*") if p.is_file()] if raiz.exists() else []


def test_mesa_de_partes_digital(base):
    app = base
    ciudadano = Ciudadano(app)
    assert "¿Cuánto es" in ciudadano.html
    r = ciudadano.presentar()
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/mesa-de-partes/cargo"
    exp = _ultimo_expediente()
    texto = _texto(ciudadano.c.get("/mesa-de-partes/cargo").text)
    assert exp.codigo in texto and exp.clave in texto

    assert (exp.canal.value, exp.origen.value, exp.unidad_actual.sigla) == ("digital", "externo", "UTD")
    assert (exp.estado.value, exp.folios, exp.creado_por_id) == ("registrado", 3, None)
    assert exp.persona.numero_documento == "45678912" and exp.persona.email == "juana.perez@example.pe"
    assert exp.fecha_presentacion == presentacion_oraculo(exp.fecha_recepcion)
    [adjunto] = exp.adjuntos
    sha = hashlib.sha256(PDF).hexdigest()
    assert (adjunto.sha256, adjunto.tamano, adjunto.nombre_archivo) == (sha, len(PDF), "solicitud.pdf")
    guardado = Path(app.config["ADJUNTOS_DIR"]) / adjunto.ruta
    assert guardado.read_bytes() == PDF and sha in guardado.name
    assert _archivos(app) == [guardado]

    # el cargo digital es solo de la sesión que presentó
    r = app.test_client().get("/mesa-de-partes/cargo")
    assert r.status_code == 302 and exp.clave not in r.text


def test_mesa_de_partes_digital_rechazos(base):
    app = base
    app.config["MAX_ADJUNTO_MB"] = 1
    antes = (_contar(Expediente), _contar(Persona), _contar(Adjunto))
    ciudadano = Ciudadano(app)

    casos = [
        ({"archivo": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00;", "nombre": "foto.pdf"},
         "archivo", "Solo se aceptan archivos PDF."),
        ({"archivo": b"%PDF-1.4\n" + b"0" * (3 * 512 * 1024)}, "archivo", "El archivo supera el máximo de 1 MB."),
        ({"respuesta": "-1"}, "respuesta", "La verificación no es correcta."),
        ({"numero_documento": "4567891"}, "numero_documento", "El DNI debe tener exactamente 8 dígitos."),
        ({"archivo": b""}, "archivo", "Adjunte el documento en PDF."),
    ]
    for campos, campo, mensaje in casos:
        r = ciudadano.presentar(**campos)
        assert r.status_code == 200, (campo, r.status_code)
        # el mensaje, junto al campo que lo causó
        m = re.search(rf'<input[^>]*name="{campo}"[^>]*>\s*<div class="invalid-feedback">([^<]*)</div>', r.text)
        assert m and m.group(1) == mensaje, (campo, mensaje)
        # lo escrito se conserva
        assert "Solicita copia certificada de la licencia de edificación" in r.text
        assert f'value="{campos.get("numero_documento", "45678912")}"' in r.text
        assert (_contar(Expediente), _contar(Persona), _contar(Adjunto)) == antes
        assert _archivos(app) == []

    # el robot que llena el campo trampa
    r = ciudadano.presentar(sitio_web="http://spam.example")
    assert r.status_code == 400
    assert (_contar(Expediente), _contar(Persona), _contar(Adjunto)) == antes


def test_mesa_digital_fuera_de_hora(base, reloj):
    """Viernes 27/11/2026 a las 23:59:30 → ese viernes; domingo 29 a las 08:00 → lunes 30 (HORA_CIERRE 23:59)."""
    app = base
    assert app.config["HORA_CIERRE"] == "23:59"
    for momento, esperado, dni in ((lima(2026, 11, 27, 23, 59, 30), date(2026, 11, 27), "45678912"),
                                   (lima(2026, 11, 29, 8, 0), date(2026, 11, 30), "40123456")):
        reloj(momento)
        ciudadano = Ciudadano(app)
        r = ciudadano.presentar(numero_documento=dni)
        assert r.status_code == 302
        exp = _ultimo_expediente()
        assert exp.fecha_recepcion == momento
        assert exp.fecha_presentacion == esperado == presentacion_oraculo(momento)
        assert exp.fecha_vencimiento == habil(esperado, exp.plazo_dias_habiles)
        texto = _texto(ciudadano.c.get("/mesa-de-partes/cargo").text)
        assert momento.strftime("%d/%m/%Y %H:%M") in texto and esperado.strftime("%d/%m/%Y") in texto


# ------------------------------------------------------------------------------------------- 7. consulta
def test_consulta_no_revela_nada_con_clave_equivocada(base, crear_expediente):
    exp = crear_expediente("GDU")
    cliente = _publico(base)
    ok = _consultar(cliente, exp.codigo, exp.clave)
    assert exp.codigo in ok.text and "Gerencia de Desarrollo Urbano" in ok.text
    otra = "".join(reversed(exp.clave)) if exp.clave != exp.clave[::-1] else "ZZZZZZZZ"
    equivocada = _consultar(cliente, exp.codigo, otra)
    inexistente = _consultar(cliente, "EXP-2026-999999", exp.clave)
    for r in (equivocada, inexistente):
        assert r.status_code == 200
        assert "No se encontró un expediente con ese código y clave." in r.text
        for dato in ("Gerencia de Desarrollo Urbano", exp.asunto, "Registrado", "Rosa", "10117410", "Movimientos"):
            assert dato not in r.text
    # las dos respuestas son la misma página (salvo el código que el usuario escribió)

    def limpiar(r):
        return re.sub(r'value="[^"]*"', "", r.text).replace(exp.codigo, "").replace("EXP-2026-999999", "")

    assert limpiar(equivocada) == limpiar(inexistente)


@pytest.fixture
def app_con_limite(app, tmp_path):
    otra = create_app({**_config(app.config["DATABASE_URL"], tmp_path / "b"), "RATELIMIT_ENABLED": True,
                       "LIMITE_CONSULTA": "3/minute"})
    otra.test_client_class = ClienteAislado
    yield otra
    with otra.app_context():
        db.engine.dispose()


def test_consulta_con_limite_de_frecuencia(app_con_limite):
    cliente = app_con_limite.test_client()
    token = token_csrf(cliente, "/consulta")
    estados = [cliente.post("/consulta", data={"codigo": "EXP-2026-000001", "clave": "AAAAAAAA",
                                               "csrf_token": token}).status_code for _ in range(5)]
    assert estados == [200, 200, 200, 429, 429]


def test_consulta_por_get_tambien_se_limita(app_con_limite, crear_expediente):
    exp = crear_expediente("GDU")
    cliente = app_con_limite.test_client()
    estados = [cliente.get(f"/consulta?codigo={exp.codigo}&clave=AAAAAAA{i}").status_code for i in range(5)]
    assert estados[:3] == [200, 200, 200]
    assert estados[3:] == [429, 429]


def test_sin_limite_la_otra_app_no_se_limita(app, app_con_limite):
    """Dos apps en un proceso (docs/arquitectura.md): la que tiene RATELIMIT_ENABLED=False no debe limitarse
    porque exista otra con límites."""
    cliente = app.test_client()
    token = token_csrf(cliente, "/consulta")
    estados = {cliente.post("/consulta", data={"codigo": "EXP-2026-000001", "clave": "AAAAAAAA",
                                               "csrf_token": token}).status_code for _ in range(22)}
    assert estados == {200}


# ------------------------------------------------------------------------------------------- 8. alcance
def test_alcance_de_la_unidad(base, como, crear_expediente):
    ajeno = crear_expediente("GAT", pasa_por=("UTD",), asunto="Prescripción de deuda del predio 44")
    [derivacion] = _derivaciones(ajeno.id)
    propio = crear_expediente("GDU", pasa_por=("UTD",), asunto="Licencia de edificación del lote 5")
    gdu = como("unidad")

    assert gdu.get(f"/admin/expediente/cargo/?id={ajeno.id}").status_code == 404
    assert gdu.get(f"/admin/expediente/tramitar/?id={ajeno.id}").status_code == 404
    for operacion, datos in (("atender", {}), ("derivar", {"destino": str(unidad("GDU").id), "accion": "atender"}),
                             ("observar", {"observacion": "Falta todo"}), ("anular", {"motivo": "x"})):
        assert _tramitar(gdu, ajeno.id, operacion, **datos).status_code == 404
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(derivacion.id)]})
    assert r.status_code == 404
    ajeno = _leer(Expediente, ajeno.id)
    assert (ajeno.estado.value, ajeno.unidad_actual.sigla, ajeno.observacion) == ("registrado", "GAT", None)
    assert (_leer(Derivacion, derivacion.id).estado.value, len(_derivaciones(ajeno.id))) == ("pendiente", 1)
    assert not _contar(RegistroAuditoria, RegistroAuditoria.accion == "imprimir",
                       RegistroAuditoria.entidad_id == ajeno.id)

    # lo suyo sí
    assert gdu.get(f"/admin/expediente/cargo/?id={propio.id}").status_code == 200
    r = gdu.get("/admin/derivacion/")
    assert propio.codigo in r.text and ajeno.codigo not in r.text
    r = gdu.get("/admin/derivacion/export/xlsx/")
    assert r.status_code == 200
    import openpyxl

    hoja = openpyxl.load_workbook(io.BytesIO(r.data)).worksheets[0]
    r.close()
    filas = list(hoja.iter_rows(min_row=2, values_only=True))
    assert [f[0] for f in filas] == [propio.codigo]


# ------------------------------------------------------------------------------------------- 9. numeración concurrente
def test_numeracion_de_documentos_concurrente(app, backend):
    if backend != "postgres":
        pytest.skip("el bloqueo de filas se prueba en PostgreSQL (SQLite serializa toda escritura)")
    hilos, por_hilo = 16, 3
    tipo_id, unidad_id = _id(TipoDocumento, nombre="Oficio"), unidad("GDU").id
    errores, barrera = [], threading.Barrier(hilos)

    def trabajar(k):
        try:
            with app.app_context():
                barrera.wait()
                for j in range(por_hilo):
                    doc = DocumentoEmitido(tipo_documento=db.session.get(TipoDocumento, tipo_id),
                                           unidad=db.session.get(UnidadOrganica, unidad_id),
                                           fecha=date(2026, 11, 20), asunto=f"Oficio {k}-{j}")
                    tramite.numerar_documento(doc)
                    db.session.add(doc)
                    db.session.commit()
                db.session.remove()
        except Exception as e:  # noqa: BLE001 - se reporta abajo
            errores.append(e)

    threads = [threading.Thread(target=trabajar, args=(k,)) for k in range(hilos)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errores, errores
    filas = db.session.execute(sa.select(DocumentoEmitido.numero, DocumentoEmitido.codigo)
                               .where(DocumentoEmitido.tipo_documento_id == tipo_id)).all()
    assert sorted(n for n, _ in filas) == list(range(1, hilos * por_hilo + 1))
    assert {c for _, c in filas} == {f"OFICIO N° {n:03d}-2026-GDU/MDD" for n in range(1, hilos * por_hilo + 1)}


# ------------------------------------------------------------------------------------------- 10. calendario
def test_feriado_nuevo_recalcula_las_derivaciones_abiertas(base, como, crear_expediente):
    persona_id = _persona()
    assert _ingreso(como("mesa_partes"), persona_id).status_code == 302
    exp = _ultimo_expediente()
    [abierta] = _derivaciones(exp.id)
    envio = abierta.fecha_envio.astimezone(ZONA_LIMA).date()
    limite = abierta.fecha_limite
    assert limite == habil(envio, 5)
    # una derivación ya atendida no se recalcula
    otro = crear_expediente("GDU")
    cerrada = Derivacion(expediente=otro, unidad_origen=unidad("UTD"), unidad_destino=unidad("GDU"),
                         plazo_dias_habiles=5, fecha_limite=limite, estado=EstadoDerivacion.atendido)
    db.session.add(cerrada)
    db.session.commit()

    nuevo = habil(envio, 2)
    assert envio < nuevo < limite
    r = como("secretaria_general").post("/admin/feriado/new/", {
        "fecha": nuevo.strftime("%d/%m/%Y"), "nombre": "Aniversario del distrito", "tipo": "local"})
    assert r.status_code == 302, _texto(r.text)[:2000]
    con_feriado = _np_cal(FERIADOS | {nuevo})
    assert _leer(Derivacion, abierta.id).fecha_limite == habil(envio, 5, con_feriado) == habil(limite, 1)
    assert _leer(Derivacion, cerrada.id).fecha_limite == limite
    assert _leer(Expediente, exp.id).fecha_vencimiento == habil(exp.fecha_presentacion, 5, con_feriado)


def test_feriado_nuevo_respeta_los_dias_de_observacion_en_la_derivacion(base, como, reloj):
    """Ingreso el 31/03/2026 con 5 días, observado el 1/04 y subsanado el 7/04 (Semana Santa de por medio):
    la unidad tiene 2 días hábiles más. Un feriado nuevo el miércoles 8/04 recalcula sin perderlos."""
    persona_id = _persona()
    mp = como("mesa_partes")
    reloj(lima(2026, 3, 31, 10, 15))
    assert _ingreso(mp, persona_id).status_code == 302
    exp = _ultimo_expediente()
    reloj(lima(2026, 4, 1, 11, 0))
    assert _tramitar(mp, exp.id, "observar", observacion="Falta el plano.").status_code == 302
    reloj(lima(2026, 4, 7, 16, 30))
    assert _tramitar(mp, exp.id, "subsanar").status_code == 302
    [abierta] = _derivaciones(exp.id)
    assert abierta.fecha_limite == habil(date(2026, 3, 31), 5 + 2) == date(2026, 4, 13)

    r = como("secretaria_general").post("/admin/feriado/new/", {
        "fecha": "08/04/2026", "nombre": "Día no laborable (prueba)", "tipo": "no_laborable"})
    assert r.status_code == 302
    con_feriado = _np_cal(FERIADOS | {date(2026, 4, 8)})
    esperado = habil(date(2026, 3, 31), 5 + 2, con_feriado)
    assert esperado == date(2026, 4, 14)
    assert _leer(Derivacion, abierta.id).fecha_limite == esperado
    assert _leer(Expediente, exp.id).fecha_vencimiento == esperado


def test_mesa_digital_no_sobrescribe_al_ciudadano_registrado(base):
    """Un formulario anónimo con un DNI ya registrado no cambia ni completa sus datos (el contacto de ese
    ingreso queda en el expediente; ver también tests/test_publico_seguro.py)."""
    persona_id = _persona(numero="45678912", nombres="Juana", apellidos="Pérez Ccori")
    r = Ciudadano(base).presentar(nombres="Impostor", apellidos="X", email="otro@example.pe")
    assert r.status_code == 302
    p = _leer(Persona, persona_id)
    assert (p.nombres, p.apellidos, p.email) == ("Juana", "Pérez Ccori", None)
    assert _ultimo_expediente().persona_id == persona_id
    assert _ultimo_expediente().email_contacto == "otro@example.pe"


@pytest.mark.parametrize("operacion", ["anular", "no_presentado"])
def test_expediente_cerrado_sale_de_la_bandeja(base, como, operacion, monkeypatch):
    assert _ingreso(como("mesa_partes"), _persona()).status_code == 302
    exp = _ultimo_expediente()
    [d] = _derivaciones(exp.id)
    assert d.estado.value == "pendiente"
    if operacion == "anular":
        assert _tramitar(como("mesa_partes"), exp.id, "anular", motivo="Ingresado dos veces").status_code == 302
    else:
        assert _tramitar(como("mesa_partes"), exp.id, "observar", observacion="Falta la firma").status_code == 302
        import services.tramite as tramite

        monkeypatch.setattr(models, "reloj", lambda: datetime(2099, 1, 5, 15, tzinfo=UTC))  # muy pasado el plazo
        assert tramite.vencer_observaciones() == 1
        db.session.commit()
    [d] = _derivaciones(exp.id)
    assert d.estado.value == "atendido"
    r = como("unidad").post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d.id)]})
    assert r.status_code == 302
    assert _derivaciones(exp.id)[0].fecha_recepcion is None


def test_mesa_digital_envia_el_cargo_por_correo_si_hay_servidor(base, correos):
    enviados = correos
    assert Ciudadano(base).presentar().status_code == 302  # sin MAIL_SERVER: no se envía
    assert enviados == []
    base.config.update(MAIL_SERVER="smtp.municipalidad.gob.pe", MAIL_USERNAME="mesadepartes")
    assert Ciudadano(base).presentar().status_code == 302
    exp = _ultimo_expediente()
    [envio] = enviados
    assert envio["servidor"] == ("smtp.municipalidad.gob.pe", 587) and envio["tls"]
    msg = envio["msg"]
    assert msg["To"] == "juana.perez@example.pe" and exp.codigo in msg["Subject"]
    cuerpo = msg.get_content()
    assert exp.clave in cuerpo and exp.fecha_presentacion.strftime("%d/%m/%Y") in cuerpo


def test_acciones_masivas_de_la_lista(como, crear_expediente):
    """Derivar en lote (una pantalla con destino, acción, proveído y plazo), recibir, atender y archivar
    varios a la vez; todo o nada: si uno no se puede, no cambia ninguno."""
    e1, e2 = crear_expediente("GDU"), crear_expediente("GDU")
    ajeno = crear_expediente("GAT")
    gdu = como("unidad")
    r = gdu.post("/admin/expediente/action/", {"action": "derivar", "rowid": [str(e1.id), str(e2.id)]})
    assert r.status_code == 302 and "/admin/expediente/derivar-lote/" in r.headers["Location"]
    lote = urlsplit(r.headers["Location"])
    url = f"{lote.path}?{lote.query}"
    pagina = gdu.get(url).text
    assert e1.codigo in pagina and e2.codigo in pagina and "Derivar 2 expedientes" in pagina
    r = gdu.post(url, {"destino": "", "accion": "opinar", "proveido": "Para opinión legal"})
    assert "Elija la unidad de destino." in r.text and "Para opinión legal" in r.text  # lo escrito se conserva
    r = gdu.post(url, {"destino": unidad("OAJ").id, "accion": "opinar", "proveido": "Para opinión legal"})
    assert r.status_code == 302
    for e in (e1, e2):
        d = _derivaciones(e.id)[-1]
        assert (d.unidad_destino.sigla, d.accion.value, d.plazo_dias_habiles, d.proveido) == \
            ("OAJ", "opinar", 7, "Para opinión legal")
        assert db.session.get(Expediente, e.id).unidad_actual.sigla == "OAJ"
    # fuera de su alcance: 404 en la acción y en la pantalla del lote
    assert gdu.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(ajeno.id)]}).status_code == 404
    assert gdu.get(f"/admin/expediente/derivar-lote/?id={ajeno.id}").status_code == 404
    # ya no están en GDU: atender en lote se rechaza entero
    r = gdu.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(e1.id), str(e2.id)]},
                 follow_redirects=True)
    assert "El expediente no está en su unidad" in r.text
    assert {db.session.get(Expediente, e.id).estado.value for e in (e1, e2)} == {"en_tramite"}

    sg = como("secretaria_general")
    r = sg.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(e1.id), str(e2.id)]},
                follow_redirects=True)
    assert "Primero reciba el expediente" in r.text  # sin acuse no se atiende
    pendientes = [str(_derivaciones(e.id)[-1].id) for e in (e1, e2)]
    assert sg.post("/admin/derivacion/action/", {"action": "recibir", "rowid": pendientes}).status_code == 302
    r = sg.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(e1.id), str(e2.id)]},
                follow_redirects=True)
    assert "2 expedientes atendidos." in r.text
    r = sg.post("/admin/expediente/action/", {"action": "archivar", "rowid": [str(e1.id), str(e2.id)]},
                follow_redirects=True)
    assert "2 expedientes archivados." in r.text
    assert {db.session.get(Expediente, e.id).estado.value for e in (e1, e2)} == {"archivado"}
    assert como("concejo").post("/admin/expediente/action/",
                                {"action": "archivar", "rowid": [str(e1.id)]}).status_code == 403
