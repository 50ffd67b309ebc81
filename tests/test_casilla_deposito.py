"""Casilla electrónica (issue 27): el depósito como notificación (LPAG art. 20.4), con fechas reales.

Se deposita desde la pantalla de siempre (*Diligencias de notificación*, modalidad «Casilla electrónica») y el
ciudadano lo lee en /casilla/. Efecto el día del depósito o el día hábil siguiente (CASILLA_EFECTO); el recurso
(15 días hábiles) y la firmeza corren desde ahí, como en papel; la lectura no cambia nada de eso."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from models import (
    ZONA_LIMA,
    ConsentimientoCasilla,
    DocumentoEmitido,
    NormaMunicipal,
    Notificacion,
    RegistroAuditoria,
    SolicitudAcceso,
    db,
)
from services import ErrorDeRegla, casilla, normas
from services import notificaciones as notif
from services.adjuntos import guardar_datos
from services.semilla import pdf_demo
from tests.ayudas_casilla import Ciudadano, crear_cuenta, depositos, documento_con_pdf, expediente_de, mesa, persona
from tests.ayudas_fedatario import hoy_es
from tests.conftest import habil, texto_de


def _notificar(como, doc, usuario="unidad"):
    """La diligencia con modalidad casilla electrónica desde la pantalla del personal (lo que escriba en la fecha
    no cuenta: el depósito es ahora)."""
    return como(usuario).post("/admin/notificacion/new/", {
        "documento": str(doc.id), "modalidad": "casilla_electronica", "resultado": "entregada",
        "fecha_hora": "01/01/2026 08:00"})


def _preparar(reloj, dia: date, hora: time = time(10)):
    hoy_es(reloj, dia, hora)
    cuenta = crear_cuenta()
    exp = expediente_de(cuenta.persona, cuenta.email)
    return cuenta, exp


# ------------------------------------------------------------------ fechas reales
@pytest.mark.parametrize("efecto,surte,recurso", [
    # viernes 24/07/2026; lunes 27; 28 y 29 feriados (Fiestas Patrias); 6/08 feriado (Batalla de Junín)
    ("deposito", date(2026, 7, 24), date(2026, 8, 19)),
    ("dia_habil_siguiente", date(2026, 7, 27), date(2026, 8, 20)),
])
def test_deposito_un_viernes_antes_de_fiestas_patrias(base, reloj, como, efecto, surte, recurso):
    base.config["CASILLA_EFECTO"] = efecto
    cuenta, exp = _preparar(reloj, date(2026, 7, 24))
    doc = documento_con_pdf(exp, date(2026, 7, 22))
    nav = como("unidad")
    r = nav.post("/admin/notificacion/new/", {"documento": str(doc.id), "modalidad": "casilla_electronica",
                                              "resultado": "entregada", "fecha_hora": "01/01/2026 08:00"})
    assert r.status_code == 302, texto_de(r.text)[-1500:]
    dep, = depositos()
    assert f"constancia {dep.codigo}" in texto_de(nav.get(r.headers["Location"]).text)
    assert dep.fecha_efecto == surte and dep.cuenta_id == cuenta.id
    assert recurso == habil(surte, 15)  # el oráculo (numpy + holidays) dice lo mismo que la tabla
    assert casilla.plazos(dep) == (recurso, date.fromordinal(recurso.toordinal() + 1))
    doc = db.session.get(DocumentoEmitido, doc.id)
    assert doc.estado.value == "notificado" and doc.fecha_notificacion == surte
    n = db.session.get(Notificacion, dep.notificacion_id)
    assert n.modalidad.value == "casilla_electronica" and n.efectiva and notif.fecha_efecto(n) == surte
    assert notif.vence_recurso(doc.fecha_notificacion) == recurso  # el mismo cálculo que en papel
    # la lista por unidad y el cargo lo tratan como a la diligencia en papel
    lista = como("unidad").get("/admin/notificacion_documento/?flt0_situacion_equals=notificada").text
    assert doc.codigo in lista and f"firme desde el {recurso.day + 1:02d}/08/2026" in lista
    cargo = como("unidad").get(f"/admin/notificacion/cargo/?id={n.id}").text
    assert dep.codigo in cargo and dep.pdf_sha256 in cargo and f"{recurso:%d/%m/%Y}" in cargo
    # el ciudadano lo ve en su bandeja con las mismas fechas
    c = Ciudadano(base)
    assert c.ingresar(cuenta.persona.numero_documento).status_code == 302
    bandeja = texto_de(c.get("/casilla/").text)
    assert doc.codigo in bandeja and f"{surte:%d/%m/%Y}" in bandeja and f"{recurso:%d/%m/%Y}" in bandeja
    hoy_es(reloj, recurso.fromordinal(recurso.toordinal() + 1))
    assert doc.codigo in como("unidad").get("/admin/notificacion_documento/?flt0_situacion_equals=firme").text


@pytest.mark.parametrize("efecto,surte,recurso", [
    # miércoles 01/04/2026; 2 y 3 de abril, Jueves y Viernes Santo
    ("deposito", date(2026, 4, 1), date(2026, 4, 24)),
    ("dia_habil_siguiente", date(2026, 4, 6), date(2026, 4, 27)),
])
def test_deposito_antes_de_semana_santa(base, reloj, como, efecto, surte, recurso):
    base.config["CASILLA_EFECTO"] = efecto
    cuenta, exp = _preparar(reloj, date(2026, 4, 1), time(16, 30))
    doc = documento_con_pdf(exp, date(2026, 3, 31))
    assert _notificar(como, doc).status_code == 302
    dep, = depositos()
    assert (dep.fecha_efecto, casilla.plazos(dep)[0]) == (surte, recurso) == (surte, habil(surte, 15))


def test_deposito_un_sabado_surte_efecto_segun_la_opcion(base, reloj):
    """El depósito de un sábado (25/07/2026): «deposito» → ese sábado (el recurso corre desde el lunes 27, igual que
    en papel); «dia_habil_siguiente» → el lunes 27 (el recurso desde el jueves 30)."""
    hoy_es(reloj, date(2026, 7, 25), time(9))
    cuenta = crear_cuenta()
    doc = documento_con_pdf(expediente_de(cuenta.persona, cuenta.email), date(2026, 7, 24))
    dep = casilla.depositar(doc, usuario=mesa())
    db.session.commit()
    assert dep.fecha_efecto == date(2026, 7, 25) and casilla.plazos(dep)[0] == date(2026, 8, 19)
    assert notif.efecto_casilla(date(2026, 7, 25)) == date(2026, 7, 25)
    base.config["CASILLA_EFECTO"] = "dia_habil_siguiente"
    assert notif.efecto_casilla(date(2026, 7, 25)) == date(2026, 7, 27)


# ------------------------------------------------------------------ la constancia, la lectura y el correo
def test_constancia_lectura_y_pdf(base, reloj, como, correos):
    base.config["MAIL_SERVER"] = "smtp.muni.test"
    cuenta, exp = _preparar(reloj, date(2026, 8, 10))
    doc = documento_con_pdf(exp, date(2026, 8, 10), asunto="Declara fundada su solicitud de licencia")
    assert _notificar(como, doc).status_code == 302
    dep, = depositos()
    assert dep.codigo == "CAS-2026-000001"
    # aviso por correo: que llegó algo y dónde leerlo; nunca el contenido
    aviso, = [m for m in correos if "msg" in m and m["msg"]["Subject"].startswith("Nueva notificación")]
    cuerpo = aviso["msg"].get_content()
    assert aviso["msg"]["To"] == cuenta.email and dep.codigo in cuerpo and "/casilla/ingresar" in cuerpo
    assert doc.asunto not in cuerpo and doc.codigo not in cuerpo and "licencia" not in cuerpo.lower()
    assert depositos()[0].alerta_enviada_en is not None
    # el ciudadano abre la notificación: se anota la primera lectura, el efecto no cambia
    hoy_es(reloj, date(2026, 8, 14), time(20))
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    pagina = texto_de(c.get(f"/casilla/notificacion/{dep.id}").text)
    assert dep.codigo in pagina and dep.pdf_sha256 in pagina and "14/08/2026 20:00" in pagina
    assert "10/08/2026" in pagina  # surte efecto el día del depósito, no el de la lectura
    hoy_es(reloj, date(2026, 8, 14), time(20, 10))
    assert c.get(f"/casilla/notificacion/{dep.id}").status_code == 200
    dep = depositos()[0]
    assert dep.leida_en.astimezone(ZONA_LIMA) == datetime(2026, 8, 14, 20, tzinfo=ZONA_LIMA)
    assert dep.fecha_efecto == date(2026, 8, 10)
    assert db.session.get(DocumentoEmitido, doc.id).fecha_notificacion == date(2026, 8, 10)
    pdf = c.get(f"/casilla/notificacion/{dep.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == dep.pdf_sha256
    # auditoría: el depósito (crear), la primera lectura (una sola vez) y la descarga
    filas = db.session.scalars(sa.select(RegistroAuditoria).where(RegistroAuditoria.entidad == "deposito_casilla",
                                                                  RegistroAuditoria.entidad_id == dep.id)).all()
    acciones = sorted(f.accion.value for f in filas if f.accion.value != "editar" or "leida_en" in (f.cambios or {}))
    assert acciones == ["crear", "editar", "imprimir"]
    # el cargo del personal dice cuándo se leyó
    assert "14/08/2026 20:00" in como("unidad").get(f"/admin/notificacion/cargo/?id={dep.notificacion_id}").text


def test_pdf_alterado_no_se_entrega(base, reloj):
    cuenta, exp = _preparar(reloj, date(2026, 8, 10))
    dep = casilla.depositar(documento_con_pdf(exp, date(2026, 8, 10)), usuario=mesa())
    db.session.commit()
    from pathlib import Path

    (Path(base.config["ADJUNTOS_DIR"]) / dep.pdf_ruta).write_bytes(pdf_demo("OTRO", ["alterado"]))
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    r = c.get(f"/casilla/notificacion/{dep.id}/pdf")
    assert r.status_code == 404 and "conserva la huella" in r.text


# ------------------------------------------------------------------ sin consentimiento, nada se deposita
CASOS = {
    "sin casilla": (lambda c: None, "no tiene casilla electrónica"),
    "sin consentimiento": (lambda c: casilla.revocar_consentimiento(c, "192.0.2.9"),
                           "no ha autorizado la notificación por casilla"),
    "bloqueada": (lambda c: casilla.bloquear(c), "está bloqueada"),
    "sin activar": (lambda c: setattr(c, "email_verificado_en", None), "aún no activó su casilla"),
    "identidad sin validar y otro correo": (lambda c: setattr(c, "identidad_validada_en", None),
                                            "su identidad aún no se validó"),
}


@pytest.mark.parametrize("caso", list(CASOS))
def test_sin_casilla_vigente_no_se_deposita_y_ofrece_papel(base, reloj, como, caso):
    hoy_es(reloj, date(2026, 8, 10))
    preparar, mensaje = CASOS[caso]
    if caso == "sin casilla":
        exp = expediente_de(persona("40000099", nombres="Juan", apellidos="Sin Casilla"), "x@example.pe")
    else:
        cuenta = crear_cuenta()
        exp = expediente_de(cuenta.persona, "otro@example.pe")
        preparar(cuenta)
        db.session.commit()
    doc = documento_con_pdf(exp, date(2026, 8, 10))
    r = _notificar(como, doc)
    assert r.status_code == 200
    texto = texto_de(r.text)
    assert mensaje in texto and "Notifique en papel (personal o en el domicilio)." in texto
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notificacion)) == 0
    assert depositos() == [] and db.session.get(DocumentoEmitido, doc.id).estado.value == "emitido"
    # en papel sí
    r = como("unidad").post("/admin/notificacion/new/", {
        "documento": str(doc.id), "modalidad": "personal", "resultado": "entregada", "fecha_hora": "10/08/2026 09:00",
        "receptor_nombre": "Juan Pérez", "receptor_documento": "40506070"})
    assert r.status_code == 302


def test_sin_pdf_no_se_deposita(base, reloj, como):
    cuenta, exp = _preparar(reloj, date(2026, 8, 10))
    doc = documento_con_pdf(exp, date(2026, 8, 10), con_pdf=False)
    r = _notificar(como, doc)
    assert r.status_code == 200 and "no tiene su PDF" in texto_de(r.text) and depositos() == []


def test_revocar_vuelve_al_papel_y_lo_depositado_sigue_notificado(base, reloj):
    cuenta, exp = _preparar(reloj, date(2026, 8, 10))
    primero = casilla.depositar(documento_con_pdf(exp, date(2026, 8, 10)), usuario=mesa())
    db.session.commit()
    hoy_es(reloj, date(2026, 8, 11), time(12))
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    r = c.post("/casilla/consentimiento", {"operacion": "revocar"})
    assert r.status_code == 302 and r.headers["Location"] == "/casilla/consentimiento"
    db.session.expire_all()
    revocado, = db.session.scalars(sa.select(ConsentimientoCasilla)).all()
    assert revocado.revocado_en is not None and revocado.ip_revocacion == "203.0.113.10"
    with pytest.raises(ErrorDeRegla, match="no ha autorizado"):
        casilla.depositar(documento_con_pdf(exp, date(2026, 8, 11)), usuario=mesa())
    db.session.rollback()
    assert depositos()[0].id == primero.id and len(depositos()) == 1
    # vuelve a autorizar: otra fila, con su versión, fecha e IP
    r = c.post("/casilla/consentimiento", {"acepto": "y"})
    assert r.status_code == 302 and r.headers["Location"] == "/casilla/consentimiento"
    consentimientos = db.session.scalars(sa.select(ConsentimientoCasilla).order_by(ConsentimientoCasilla.id)).all()
    assert len(consentimientos) == 2 and consentimientos[1].vigente
    assert consentimientos[1].version_texto == casilla.VERSION_CONSENTIMIENTO
    assert consentimientos[1].ip == "203.0.113.10" and consentimientos[1].otorgado_en.astimezone(ZONA_LIMA).date() == \
        date(2026, 8, 11)
    casilla.depositar(documento_con_pdf(exp, date(2026, 8, 11)), usuario=mesa())
    db.session.commit()
    assert len(depositos()) == 2


def test_consentimiento_exige_marcar_la_casilla(base, reloj):
    hoy_es(reloj, date(2026, 8, 10))
    cuenta = crear_cuenta(consentimiento=False)
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    assert "Aún no autorizó" in c.get("/casilla/").text
    r = c.post("/casilla/consentimiento", {})
    assert r.status_code == 200 and "Marque la casilla para dar su autorización." in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentimientoCasilla)) == 0


# ------------------------------------------------------------------ resolución y respuesta de transparencia
def test_resolucion_depositada_rige_desde_el_efecto(base, reloj, como):
    hoy_es(reloj, date(2026, 7, 24), time(11))
    sg = como("secretaria_general")
    r = sg.post("/admin/norma_municipal/new/", {"tipo": "resolucion_alcaldia", "fecha_emision": "23/07/2026",
                                                "sumilla": "Sanciona a la administrada por obra sin licencia"})
    assert r.status_code == 302
    res = db.session.scalar(sa.select(NormaMunicipal).order_by(NormaMunicipal.id.desc()).limit(1))
    datos = pdf_demo(res.codigo, ["Texto oficial"])
    res.texto_oficial_ruta, res.texto_oficial_nombre = guardar_datos(datos, res), "resolucion.pdf"
    res.texto_oficial_sha256 = hashlib.sha256(datos).hexdigest()
    db.session.commit()
    cuenta = crear_cuenta()
    # desde la pantalla: una resolución no dice a quién se notifica → en papel (o la parte B elige al destinatario)
    r = como("mesa_partes").post("/admin/notificacion/new/", {
        "norma": str(res.id), "documento": "", "modalidad": "casilla_electronica", "resultado": "entregada",
        "fecha_hora": "24/07/2026 11:00"})
    assert r.status_code == 200 and "No se sabe a quién notificar" in texto_de(r.text)
    base.config["CASILLA_EFECTO"] = "dia_habil_siguiente"
    dep = casilla.depositar(res, cuenta.persona, usuario=mesa())
    db.session.commit()
    res = db.session.get(NormaMunicipal, res.id)
    assert dep.fecha_efecto == res.fecha_notificacion == res.fecha_vigencia == date(2026, 7, 27)
    assert res.estado.value == "aprobada"  # rige desde el lunes 27: hasta entonces no está vigente
    hoy_es(reloj, date(2026, 7, 27), time(6))
    assert normas.actualizar_vigencias() == 1
    assert res.estado.value == "vigente" and casilla.plazos(dep)[0] == date(2026, 8, 20)


def test_respuesta_de_transparencia_depositada(base, reloj):
    from services import transparencia

    hoy_es(reloj, date(2026, 4, 1), time(10))
    cuenta = crear_cuenta()
    sol = SolicitudAcceso(persona=cuenta.persona, informacion_solicitada="Presupuesto de obras 2025",
                          forma_entrega="correo")
    transparencia.registrar_solicitud(sol)
    db.session.add(sol)
    db.session.flush()
    sol.expediente.email_contacto = cuenta.email
    db.session.commit()
    with pytest.raises(ErrorDeRegla, match="aún no tiene respuesta"):
        casilla.depositar(sol, usuario=mesa())
    db.session.rollback()
    transparencia.responder(sol, "entregada", date(2026, 4, 1))
    documento_con_pdf(sol.expediente, date(2026, 4, 1), asunto="Entrega la información solicitada")
    dep = casilla.depositar(sol, usuario=mesa())
    db.session.commit()
    assert dep.solicitud_id == sol.id and dep.notificacion_id is None
    # apelación al Tribunal de Transparencia: 15 días hábiles desde el día hábil siguiente (sin Semana Santa)
    assert casilla.plazos(dep)[0] == date(2026, 4, 24) == habil(date(2026, 4, 1), 15)
    with pytest.raises(ErrorDeRegla, match="ya se depositó"):
        casilla.depositar(sol, usuario=mesa())
    db.session.rollback()
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    pagina = texto_de(c.get(f"/casilla/solicitud/{sol.id}").text)
    assert dep.codigo in pagina and "Presupuesto de obras 2025" in pagina


# ------------------------------------------------------------------ lo depositado no cambia
def test_deposito_no_se_modifica_ni_se_borra_y_no_hay_casilla_a_mano(base, reloj):
    cuenta, exp = _preparar(reloj, date(2026, 8, 10))
    doc = documento_con_pdf(exp, date(2026, 8, 10))
    dep = casilla.depositar(doc, usuario=mesa())
    db.session.commit()
    dep.asunto = "Otro asunto"
    with pytest.raises(ErrorDeRegla, match="no se modifica"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(dep)
    with pytest.raises(ErrorDeRegla, match="no se borra"):
        db.session.commit()
    db.session.rollback()
    assert casilla.marcar_leido(dep) and not casilla.marcar_leido(dep)  # una sola primera lectura
    db.session.commit()
    otro = documento_con_pdf(exp, date(2026, 8, 10))
    n = Notificacion(documento=otro, modalidad="casilla_electronica", resultado="entregada",
                     fecha_hora=datetime(2026, 8, 10, 9, tzinfo=ZONA_LIMA))
    with pytest.raises(ErrorDeRegla, match="depositando el acto"):
        notif.registrar_diligencia(n)
    db.session.rollback()
    db.session.add(Notificacion(documento=db.session.get(DocumentoEmitido, otro.id), modalidad="casilla_electronica",
                                resultado="entregada", fecha_hora=datetime(2026, 8, 10, 9, tzinfo=ZONA_LIMA)))
    with pytest.raises(ErrorDeRegla, match="depositando el acto"):
        db.session.commit()
    db.session.rollback()


def test_depositos_a_la_vez_numeran_sin_repetir(app, reloj, backend):
    """Seis depósitos a la vez (PostgreSQL, hilos reales): números correlativos sin repetir ni saltar."""
    import threading

    if backend != "postgres":
        pytest.skip("la numeración concurrente se prueba en PostgreSQL (SQLite serializa toda escritura)")
    hoy_es(reloj, date(2026, 8, 10))
    cuenta = crear_cuenta()
    exp = expediente_de(cuenta.persona, cuenta.email)
    ids = [documento_con_pdf(exp, date(2026, 8, 10)).id for _ in range(6)]
    errores = []

    def trabajar(doc_id):
        with app.app_context():
            try:
                casilla.depositar(db.session.get(DocumentoEmitido, doc_id), usuario=mesa())
                db.session.commit()
            except Exception as e:  # noqa: BLE001
                errores.append(e)
            finally:
                db.session.remove()

    hilos = [threading.Thread(target=trabajar, args=(i,)) for i in ids]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert errores == []
    assert sorted(d.numero for d in depositos()) == [1, 2, 3, 4, 5, 6]
