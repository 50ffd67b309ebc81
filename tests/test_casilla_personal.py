"""Casilla electrónica, el lado del personal (issue 27, parte B): *Casillas electrónicas* (crear en el mostrador,
validar la identidad, bloquear, desbloquear, reenviar el enlace, la historia de la autorización) y *Depósitos en
casillas* (con «leída el …», el PDF tal como se depositó), filtrados y exportados a Excel; la auditoría de cada
depósito y cada lectura; permisos por rol y alcance por unidad con cada id falsificado en cada URL; el PDF firmado
se deposita byte a byte; el canal papel y el de la casilla, iguales en las listas, el cargo y las alertas."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, time

import openpyxl
import pytest
import sqlalchemy as sa

from models import (
    CuentaCasilla,
    DepositoCasilla,
    Notificacion,
    Permiso,
    Persona,
    RegistroAuditoria,
    Rol,
    Usuario,
    db,
)
from services import casilla
from services.semilla import pdf_demo
from tests.ayudas_casilla import (
    Ciudadano,
    adjuntar_pdf,
    crear_cuenta,
    depositos,
    documento_con_pdf,
    expediente_de,
    mesa,
    persona,
    sin_token,
    token_de,
)
from tests.ayudas_fedatario import hoy_es
from tests.conftest import texto_de


def _libro(r) -> list[tuple]:
    assert r.status_code == 200 and r.mimetype.endswith("sheet"), r.status_code
    datos = r.data
    r.close()
    hoja = openpyxl.load_workbook(io.BytesIO(datos)).worksheets[0]
    return [tuple(c.value for c in fila) for fila in hoja.iter_rows()]


def _cuenta(dni: str) -> CuentaCasilla:
    db.session.expire_all()
    return db.session.scalar(sa.select(CuentaCasilla).join(CuentaCasilla.persona).where(
        CuentaCasilla.persona.property.mapper.class_.numero_documento == dni))


def _auditoria(entidad: str, entidad_id: int) -> list[RegistroAuditoria]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == entidad, RegistroAuditoria.entidad_id == entidad_id)
        .order_by(RegistroAuditoria.id)))


# ------------------------------------------------------------------ cuentas
def test_mostrador_crea_la_casilla_con_la_autorizacion_firmada(base, reloj, como, correos):
    base.config["MAIL_SERVER"] = "smtp.muni.test"
    hoy_es(reloj, date(2026, 8, 10), time(9, 30))
    p = persona("40000021", nombres="Teresa", apellidos="Flores Cano")
    db.session.commit()
    nav = como("mesa_partes")
    formulario = nav.get("/admin/cuenta_casilla/new/")
    assert formulario.status_code == 200
    assert "Firmó la autorización (art. 20.4)" in formulario.text and "Titular" in formulario.text
    # sin correo: el mensaje junto al campo y nada guardado
    r = nav.post("/admin/cuenta_casilla/new/", {"persona": str(p.id), "email": "", "consentimiento_papel": "y"})
    assert r.status_code == 200 and "Indique el correo electrónico del ciudadano." in texto_de(r.text)
    assert _cuenta("40000021") is None
    r = nav.post("/admin/cuenta_casilla/new/", {"persona": str(p.id), "email": "Teresa.Flores@Example.pe",
                                                "consentimiento_papel": "y"})
    assert r.status_code == 302, texto_de(r.text)[-800:]
    cuenta = _cuenta("40000021")
    assert cuenta.email == "teresa.flores@example.pe" and cuenta.origen.value == "mostrador"
    assert cuenta.identidad_validada and cuenta.password_hash is None and cuenta.email_verificado_en is None
    c, = cuenta.consentimientos
    assert c.vigente and c.registrado_por_id == mesa().id and c.version_texto == casilla.VERSION_CONSENTIMIENTO
    assert "creada: el enlace para elegir la contraseña" in texto_de(nav.get(r.headers["Location"]).text)
    # el ciudadano elige su contraseña con el enlace de su correo
    enlace, = [m for m in correos if "msg" in m and m["msg"]["To"] == "teresa.flores@example.pe"]
    ciudadano = Ciudadano(base)
    r = ciudadano.post(f"/casilla/verificar/{token_de(enlace)}", {"clave": "Mi casilla segura 2026",
                                                                   "repetir": "Mi casilla segura 2026"})
    assert r.status_code == 302, texto_de(r.text)[-500:]
    assert _cuenta("40000021").email_verificado_en is not None
    # otra vez la misma persona: el mensaje junto al titular, lo escrito se conserva
    r = nav.post("/admin/cuenta_casilla/new/", {"persona": str(p.id), "email": "otro@example.pe"})
    assert r.status_code == 200 and "ya tiene casilla electrónica" in texto_de(r.text)
    assert 'value="otro@example.pe"' in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CuentaCasilla).where(
        CuentaCasilla.persona_id == p.id)) == 1
    # un pasaporte no tiene casilla
    pas = Persona(tipo_documento="PASAPORTE", numero_documento="X1234567", nombres="John", apellidos="Smith")
    db.session.add(pas)
    db.session.commit()
    r = nav.post("/admin/cuenta_casilla/new/", {"persona": str(pas.id), "email": "john@example.com"})
    assert r.status_code == 200 and "es para DNI, carné de extranjería o RUC" in texto_de(r.text)
    # editar cambia solo el correo: el nuevo se confirma con su enlace; hasta entonces no ingresa (ni recibe)
    assert ciudadano.ingresar("40000021").status_code == 302
    formulario = nav.get(f"/admin/cuenta_casilla/edit/?id={cuenta.id}")
    assert formulario.status_code == 200 and 'name="email"' in formulario.text
    assert 'name="persona"' not in formulario.text and 'name="consentimiento_papel"' not in formulario.text
    antes = len(correos)
    r = nav.post(f"/admin/cuenta_casilla/edit/?id={cuenta.id}", {"email": "no es un correo"})
    assert r.status_code == 200 and "Correo electrónico no válido." in texto_de(r.text)
    r = nav.post(f"/admin/cuenta_casilla/edit/?id={cuenta.id}", {"email": "Teresa.Nueva@Example.pe",
                                                                  "persona": "1"})
    assert r.status_code == 302
    cuenta = _cuenta("40000021")
    assert cuenta.email == "teresa.nueva@example.pe" and cuenta.email_verificado_en is None
    assert cuenta.persona_id == p.id  # el titular no cambia aunque se envíe
    assert ciudadano.get("/casilla/").status_code == 302  # su sesión se cerró
    assert "Primero confirme su correo" in texto_de(ciudadano.ingresar("40000021").text)
    nuevo, = [m for m in correos[antes:] if "msg" in m]
    assert nuevo["msg"]["To"] == "teresa.nueva@example.pe"
    assert ciudadano.post(f"/casilla/verificar/{token_de(nuevo)}", {}).status_code in (200, 302)
    assert _cuenta("40000021").email_verificado_en is not None
    assert ciudadano.ingresar("40000021").status_code == 302
    # no se borra (sus depósitos la citan): se bloquea
    assert nav.post("/admin/cuenta_casilla/delete/", {"id": str(cuenta.id)}).status_code == 403


def _accion(nav, vista: str, accion: str, *ids):
    return nav.post(f"/admin/{vista}/action/", {"action": accion, "rowid": [str(i) for i in ids],
                                                "url": f"/admin/{vista}/"})


def test_validar_bloquear_desbloquear_y_reenviar(base, reloj, como, correos):
    base.config["MAIL_SERVER"] = "smtp.muni.test"
    hoy_es(reloj, date(2026, 8, 10), time(10))
    en_linea = crear_cuenta("40000031", validada=False)
    otra = crear_cuenta("40000032", nombres="Luis", apellidos="Torres")
    exp = expediente_de(en_linea.persona, "otro@example.pe")  # presentado con otro correo
    doc = documento_con_pdf(exp, date(2026, 8, 10))
    nav = como("mesa_partes")
    # creada en línea: no recibe lo que presentó con otro correo hasta que Mesa de Partes vea su documento
    with pytest.raises(casilla.ErrorCasilla, match="su identidad aún no se validó"):
        casilla.depositar(doc, usuario=mesa())
    db.session.rollback()
    r = _accion(nav, "cuenta_casilla", "validar", en_linea.id)
    assert r.status_code == 302
    assert "Identidad validada: 1 casilla." in texto_de(nav.get("/admin/cuenta_casilla/").text)
    assert _cuenta("40000031").identidad_validada
    assert any("identidad validada" in (f.detalle or "") and f.usuario_id == mesa().id
               for f in _auditoria("cuenta_casilla", en_linea.id))
    # bloquear: la sesión abierta del ciudadano se cierra, no entra y no se le deposita (en papel)
    ciudadano = Ciudadano(base)
    assert ciudadano.ingresar("40000031").status_code == 302
    assert ciudadano.get("/casilla/").status_code == 200
    assert _accion(nav, "cuenta_casilla", "bloquear", en_linea.id, otra.id).status_code == 302
    assert "2 casillas bloqueadas" in texto_de(nav.get("/admin/cuenta_casilla/").text)
    assert not _cuenta("40000031").activa and not _cuenta("40000032").activa
    assert ciudadano.get("/casilla/").status_code == 302
    assert "está bloqueada" in texto_de(ciudadano.ingresar("40000031").text)
    r = nav.post("/admin/notificacion/new/", {"documento": str(doc.id), "modalidad": "casilla_electronica",
                                              "resultado": "entregada", "fecha_hora": "10/08/2026 10:00"})
    assert r.status_code == 200 and "está bloqueada" in texto_de(r.text) and "Notifique en papel" in texto_de(r.text)
    cambios = [f.cambios for f in _auditoria("cuenta_casilla", en_linea.id) if f.accion.value == "editar"]
    assert {"activa": [True, False]}.items() <= next(c for c in cambios if c and "activa" in c).items()
    # desbloquear (también los intentos fallidos de su documento): entra y se le deposita
    for _ in range(5):
        Ciudadano(base).ingresar("40000031", clave="una clave errada")
    assert _accion(nav, "cuenta_casilla", "desbloquear", en_linea.id).status_code == 302
    assert _cuenta("40000031").activa and not _cuenta("40000032").activa
    assert Ciudadano(base).ingresar("40000031").status_code == 302
    r = nav.post("/admin/notificacion/new/", {"documento": str(doc.id), "modalidad": "casilla_electronica",
                                              "resultado": "entregada", "fecha_hora": "10/08/2026 10:00"})
    assert r.status_code == 302 and depositos()[-1].cuenta_id == en_linea.id
    # reenviar el enlace: solo a una casilla sin activar; todo o nada
    nueva = casilla.crear_en_mostrador(persona("40000033", nombres="Ana", apellidos="Rojas"), "ana@example.pe",
                                       mesa())
    db.session.commit()
    antes = len(correos)
    r = _accion(nav, "cuenta_casilla", "reenviar", nueva.id, en_linea.id)
    assert "ya está activa" in texto_de(nav.get(r.headers["Location"]).text) and len(correos) == antes
    assert _accion(nav, "cuenta_casilla", "reenviar", nueva.id).status_code == 302
    enlace = [m for m in correos[antes:] if "msg" in m]
    assert len(enlace) == 1 and enlace[0]["msg"]["To"] == "ana@example.pe" and token_de(enlace[0])


def test_historia_de_la_autorizacion_y_sus_depositos(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    cuenta = crear_cuenta("40000041")
    exp = expediente_de(cuenta.persona, cuenta.email)
    casilla.depositar(documento_con_pdf(exp, date(2026, 8, 10)), usuario=mesa())
    db.session.commit()
    hoy_es(reloj, date(2026, 8, 12), time(16))
    c = Ciudadano(base, ip="203.0.113.77")
    c.ingresar("40000041")
    assert c.post("/casilla/consentimiento", {"operacion": "revocar"}).status_code == 302
    hoy_es(reloj, date(2026, 8, 13), time(11))
    c.ingresar("40000041")  # otro día: la sesión de ayer venció
    r = c.post("/casilla/consentimiento", {"acepto": "y"})
    assert r.status_code == 302 and r.headers["Location"] == "/casilla/consentimiento"
    nav = como("secretaria_general")
    detalle = texto_de(nav.get(f"/admin/cuenta_casilla/details/?id={cuenta.id}").text)
    assert "Historia de la autorización" in detalle
    assert "En el mostrador, por Luis Huamán Rojas" in detalle and "192.0.2.1" in detalle
    assert "12/08/2026 16:00 203.0.113.77" in detalle  # revocada, con la IP de la revocación
    assert "En línea" in detalle and "13/08/2026 11:00 203.0.113.77" in detalle and "Vigente" in detalle
    assert "Desde el 13/08/2026 11:00" in detalle
    assert "1 depósito (1 sin leer)" in detalle
    # el enlace de sus depósitos lleva a la lista filtrada por su casilla
    enlace = nav.get(f"/admin/cuenta_casilla/details/?id={cuenta.id}").text.split("1 depósito (1 sin leer)")[0]
    url = enlace.rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    lista = texto_de(nav.get(url).text)
    assert exp.codigo not in lista  # la lista muestra el acto, no el expediente
    dep, = depositos(DepositoCasilla.cuenta_id == cuenta.id)
    assert dep.codigo in lista and lista.count("CAS-") == 1
    # nunca el hash de la contraseña ni el secreto del segundo factor
    html = nav.get(f"/admin/cuenta_casilla/details/?id={cuenta.id}").text
    assert "pbkdf2" not in html and "scrypt" not in html and "totp_secreto" not in html.lower()


def test_lista_de_cuentas_filtrada_y_exportada(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    crear_cuenta("40000051", nombres="Marta", apellidos="Vega")
    sin = crear_cuenta("40000052", nombres="Jorge", apellidos="Paz", consentimiento=False)
    bloqueada = crear_cuenta("40000053", nombres="Lucía", apellidos="Ramos")
    casilla.bloquear(bloqueada)
    db.session.commit()
    nav = como("mesa_partes")
    lista = texto_de(nav.get("/admin/cuenta_casilla/").text)
    assert "Marta Vega" in lista and "Sin autorización: en papel" in lista and "Desde el 10/08/2026" in lista
    sin_aut = texto_de(nav.get("/admin/cuenta_casilla/?flt0_autorizacion_vigente_equals=0").text)
    assert "Jorge Paz" in sin_aut and "Marta Vega" not in sin_aut and "Lucía Ramos" not in sin_aut
    r = nav.get("/admin/cuenta_casilla/?flt0_activa_equals=0")
    assert "Lucía Ramos" in r.text and "Marta Vega" not in r.text
    assert "Jorge Paz" in nav.get("/admin/cuenta_casilla/?flt0_n_de_documento_equals=40000052").text
    assert "Marta Vega" in nav.get("/admin/cuenta_casilla/?search=40000051").text
    assert "Marta Vega" not in nav.get("/admin/cuenta_casilla/?search=40000052").text
    # Excel: los mismos filtros, fechas como fechas, sí/no, el titular; sin contraseñas ni secretos
    filas = _libro(nav.get("/admin/cuenta_casilla/export/xlsx/?flt0_autorizacion_vigente_equals=1"))
    titulos = filas[0]
    assert titulos[:4] == ("Tipo de documento", "N° de documento", "Titular", "Correo electrónico")
    assert "Autorizada desde" in titulos and "Activa" in titulos
    datos = {f[1]: dict(zip(titulos, f, strict=True)) for f in filas[1:]}
    assert datos.keys() == {"40000051", "40000053"}
    marta = datos["40000051"]
    assert marta["Titular"] == "Marta Vega" and marta["Tipo de documento"] == "DNI"
    assert isinstance(marta["Autorizada desde"], datetime) and marta["Autorizada desde"].date() == date(2026, 8, 10)
    assert datos["40000053"]["Activa"] == "No" and marta["Activa"] == "Sí"
    assert not any("pbkdf2" in str(v) or "scrypt" in str(v) for f in filas for v in f)
    assert sin.id  # la cuenta sin autorización existe, solo el filtro la deja fuera


# ------------------------------------------------------------------ depósitos y su lectura
def test_el_personal_ve_el_deposito_y_cuando_se_leyo(base, reloj, como):
    """Viernes 24/07/2026 (antes de Fiestas Patrias): la lista dice el efecto, el plazo y «Sin leer»; el ciudadano
    lo abre el domingo 26 a las 21:15 → «Leída el 26/07/2026 21:15», el efecto y el plazo no cambian. El PDF que abre
    el personal es el depositado (mismo SHA-256) y abrirlo no es la lectura del titular."""
    hoy_es(reloj, date(2026, 7, 24), time(11))
    cuenta = crear_cuenta("40000061", nombres="Elena", apellidos="Suárez")
    exp = expediente_de(cuenta.persona, cuenta.email)
    doc = documento_con_pdf(exp, date(2026, 7, 24), asunto="Declara procedente su licencia")
    r = como("unidad").post("/admin/notificacion/new/", {"documento": str(doc.id), "modalidad": "casilla_electronica",
                                                         "resultado": "entregada", "fecha_hora": "24/07/2026 11:00"})
    assert r.status_code == 302
    dep, = depositos()
    nav = como("mesa_partes")
    lista = texto_de(nav.get("/admin/deposito_casilla/").text)
    assert dep.codigo in lista and "DNI 40000061 – Elena Suárez" in lista and doc.codigo in lista
    assert "24/07/2026 11:00" in lista and "Recurso hasta el 19/08/2026; firme desde el 20/08/2026" in lista
    assert "Sin leer" in lista
    # el personal abre el PDF: es el depositado; queda en la auditoría y no cuenta como lectura
    pdf = nav.get(f"/admin/deposito_casilla/pdf/?id={dep.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == dep.pdf_sha256
    pdf.close()
    assert depositos()[0].leida_en is None
    # el ciudadano lo abre el domingo por la noche
    hoy_es(reloj, date(2026, 7, 26), time(21, 15))
    c = Ciudadano(base)
    c.ingresar("40000061")
    assert c.get(f"/casilla/notificacion/{dep.id}").status_code == 200
    hoy_es(reloj, date(2026, 7, 27), time(8, 30))
    lista = texto_de(nav.get("/admin/deposito_casilla/").text)
    assert "Leída el 26/07/2026 21:15" in lista and "Recurso hasta el 19/08/2026" in lista
    detalle = texto_de(nav.get(f"/admin/deposito_casilla/details/?id={dep.id}").text)
    assert "Leída el 26/07/2026 21:15" in detalle and dep.pdf_sha256 in detalle and "Surte efecto 24/07/2026" in detalle
    assert "Cargo de notificación" in detalle and "Luis Huamán Rojas" not in detalle  # depositó la unidad
    assert "Carlos Díaz Ramos" in detalle
    # filtros: leídas / sin leer, leída entre fechas, por el documento del titular
    assert dep.codigo in nav.get("/admin/deposito_casilla/?flt0_leida_equals=1").text
    assert dep.codigo not in nav.get("/admin/deposito_casilla/?flt0_leida_equals=0").text
    assert dep.codigo in nav.get(
        "/admin/deposito_casilla/?flt0_leida_el_between=26/07/2026+to+26/07/2026").text
    assert dep.codigo not in nav.get(
        "/admin/deposito_casilla/?flt0_leida_el_between=27/07/2026+to+31/07/2026").text
    assert dep.codigo in nav.get("/admin/deposito_casilla/?flt0_n_de_documento_del_titular_equals=40000061").text
    assert dep.codigo not in nav.get("/admin/deposito_casilla/?flt0_n_de_documento_del_titular_equals=40000062").text
    assert "Valor no válido" in nav.get("/admin/deposito_casilla/?flt0_casilla_equals=abc").text
    # Excel con el filtro: la lectura y las fechas como fechas
    filas = _libro(nav.get("/admin/deposito_casilla/export/xlsx/?flt0_leida_equals=1"))
    fila = dict(zip(filas[0], filas[1], strict=True))
    assert len(filas) == 2 and fila["Constancia"] == dep.codigo and fila["N° de documento"] == "40000061"
    assert fila["Leída el"] == datetime(2026, 7, 26, 21, 15) and fila["Surte efecto"] == datetime(2026, 7, 24)
    assert fila["Titular"] == "Elena Suárez" and fila["SHA-256 del PDF"] == dep.pdf_sha256
    assert _libro(nav.get("/admin/deposito_casilla/export/xlsx/?flt0_leida_equals=0"))[1:] == []


def test_la_auditoria_registra_cada_deposito_y_cada_lectura(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 10), time(9))
    cuenta = crear_cuenta("40000071")
    exp = expediente_de(cuenta.persona, cuenta.email)
    deps = []
    for _ in range(3):
        r = como("unidad").post("/admin/notificacion/new/", {
            "documento": str(documento_con_pdf(exp, date(2026, 8, 10)).id), "modalidad": "casilla_electronica",
            "resultado": "entregada", "fecha_hora": "10/08/2026 09:00"})
        assert r.status_code == 302
    deps = depositos()
    c = Ciudadano(base, ip="198.51.100.7")
    c.ingresar("40000071")
    for d in deps[:2]:
        for _ in range(2):  # abrirla dos veces: una sola lectura
            assert c.get(f"/casilla/notificacion/{d.id}").status_code == 200
    unidad_id = db.session.scalar(sa.select(RegistroAuditoria.usuario_id).where(
        RegistroAuditoria.entidad == "deposito_casilla", RegistroAuditoria.accion == "crear").limit(1))
    for i, d in enumerate(deps):
        filas = _auditoria("deposito_casilla", d.id)
        creado, = [f for f in filas if f.accion.value == "crear"]
        assert creado.usuario_id == unidad_id and creado.cambios["pdf_sha256"] == [None, d.pdf_sha256]
        assert creado.cambios["codigo"] == [None, d.codigo]
        lecturas = [f for f in filas if f.accion.value == "editar" and "leida_en" in (f.cambios or {})]
        assert len(lecturas) == (1 if i < 2 else 0)
        if lecturas:
            assert lecturas[0].ip == "198.51.100.7" and "primera lectura por el titular" in lecturas[0].detalle
    # la pantalla de auditoría (Secretaría General) lo muestra en castellano, filtrable por el depósito
    sg = como("secretaria_general")
    texto = texto_de(sg.get(f"/admin/registro_auditoria/?flt0_que_equals=deposito_casilla"
                            f"&flt1_no_de_registro_equals={deps[0].id}").text)
    assert "Depósito en la casilla electrónica" in texto and "primera lectura por el titular" in texto


# ------------------------------------------------------------------ permisos, alcance y ids falsificados
OTROS_ROLES = ("unidad", "archivo", "fedatario", "transparencia", "concejo")
DNI_GDU, DNI_GDE = "40000081", "40000082"


def _dos_casillas() -> tuple[CuentaCasilla, CuentaCasilla]:
    """Dos ciudadanos con un depósito cada uno: una carta de la GDU y otra de la GDE."""
    cuentas = []
    for dni, nombres, apellidos, sigla in ((DNI_GDU, "Rosa", "Quispe Mamani", "GDU"),
                                           (DNI_GDE, "Carlos", "Mendoza Ríos", "GDE")):
        cuenta = crear_cuenta(dni, nombres=nombres, apellidos=apellidos)
        casilla.depositar(documento_con_pdf(expediente_de(cuenta.persona, cuenta.email), date(2026, 8, 10),
                                            sigla=sigla), usuario=mesa())
        db.session.commit()
        cuentas.append(_cuenta(dni))
    return cuentas[0], cuentas[1]
INEXISTENTES = ("0", "999999", str(2**31 - 1), str(2**63), "-1", "abc", "1.5", "1e3", "")


def _sin_permiso_ni_datos(r, *prohibidos) -> bool:
    return r.status_code == 403 and not any(p in r.text for p in prohibidos)


def test_sin_permiso_no_ven_nada_y_el_auditor_solo_lee(base, reloj, como):
    hoy_es(reloj, date(2026, 8, 10), time(10))
    suya, ajena = _dos_casillas()
    cuenta = _cuenta(DNI_GDU)
    dep = depositos(DepositoCasilla.cuenta_id == cuenta.id)[0]
    urls = [f"/admin/{v}/{p}" for v in ("cuenta_casilla", "deposito_casilla")
            for p in ("", "export/xlsx/", f"details/?id={cuenta.id}", f"details/?id={dep.id}")] + \
        [f"/admin/deposito_casilla/pdf/?id={dep.id}", "/admin/cuenta_casilla/new/"]
    for rol in OTROS_ROLES:
        nav = como(rol)
        for url in urls:
            assert _sin_permiso_ni_datos(nav.get(url), DNI_GDU, dep.codigo), (rol, url)
        r = _accion(nav, "cuenta_casilla", "bloquear", cuenta.id)
        assert r.status_code == 403
        assert "Casillas electrónicas" not in nav.get("/admin/").text  # ni en el menú
    assert _cuenta(DNI_GDU).activa
    auditor = como("auditor")
    assert "Rosa Quispe Mamani" in auditor.get("/admin/cuenta_casilla/").text
    assert dep.codigo in auditor.get(f"/admin/deposito_casilla/details/?id={dep.id}").text
    assert auditor.get(f"/admin/deposito_casilla/pdf/?id={dep.id}").status_code == 200
    assert len(_libro(auditor.get("/admin/deposito_casilla/export/xlsx/"))) == 3
    for metodo, url, datos in (("get", "/admin/cuenta_casilla/new/", None),
                               ("post", "/admin/cuenta_casilla/new/", {"persona": str(cuenta.persona_id),
                                                                       "email": "x@example.pe"}),
                               ("post", "/admin/cuenta_casilla/action/", {"action": "bloquear",
                                                                          "rowid": str(cuenta.id)}),
                               ("post", "/admin/cuenta_casilla/action/", {"action": "validar",
                                                                          "rowid": str(cuenta.id)}),
                               ("post", "/admin/deposito_casilla/delete/", {"id": str(dep.id)})):
        r = getattr(auditor, metodo)(url, datos) if datos else auditor.get(url)
        assert r.status_code == 403, (url, r.status_code)
    assert _cuenta(DNI_GDU).activa and len(depositos()) == 2


def test_ningun_id_fuera_del_alcance_en_ninguna_url_del_personal(base, reloj, como, capsys):
    """Un rol de alcance «unidad» al que el administrador le diera TODO en las dos pantallas (la matriz lo permite):
    ve solo los depósitos de lo que notificó su unidad y ninguna cuenta de ciudadano. Cada id ajeno, inexistente o
    mal formado en cada URL de las dos pantallas (lista, detalle, edición, borrado, cada acción, edición en la
    lista, PDF, Excel con el filtro por casilla) → 404 (o 403 donde la pantalla no ofrece la acción a nadie), y
    nada cambia."""
    hoy_es(reloj, date(2026, 8, 10), time(10))
    suya, ajena = _dos_casillas()  # un depósito de la GDU (la unidad del usuario «unidad») y otro de la GDE
    propio, = depositos(DepositoCasilla.cuenta_id == suya.id)
    ajeno, = depositos(DepositoCasilla.cuenta_id == ajena.id)
    assert propio.notificacion.documento.unidad.sigla == "GDU" != ajeno.notificacion.documento.unidad.sigla
    rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad"))
    for vista in ("cuenta_casilla", "deposito_casilla"):
        for accion in ("ver", "exportar", "crear", "editar", "eliminar", "anular"):
            db.session.add(Permiso(rol=rol, vista=vista, accion=accion))
    db.session.commit()
    nav = como("unidad")
    # lo suyo sí: el depósito que notificó su unidad
    assert propio.codigo in nav.get("/admin/deposito_casilla/").text
    assert nav.get(f"/admin/deposito_casilla/details/?id={propio.id}").status_code == 200
    r = nav.get(f"/admin/deposito_casilla/pdf/?id={propio.id}")
    assert r.status_code == 200 and hashlib.sha256(r.data).hexdigest() == propio.pdf_sha256
    r.close()
    # lo ajeno, nunca: ni en la lista ni en el Excel (ni filtrando por su casilla)
    prohibidos = [ajeno.codigo, ajeno.acto_codigo, DNI_GDE, DNI_GDU, ajena.email, suya.email]
    for url in ("/admin/deposito_casilla/", "/admin/cuenta_casilla/", f"/admin/deposito_casilla/?search={ajeno.codigo}",
                f"/admin/deposito_casilla/?flt0_casilla_equals={ajena.id}", "/admin/cuenta_casilla/?search=4000"):
        html = texto_de(sin_token(nav.get(url).text))  # el texto visible: los enlaces repiten lo buscado
        assert not any(p in html for p in prohibidos[:3] + prohibidos[4:]), url
    for url in ("/admin/deposito_casilla/export/xlsx/", f"/admin/deposito_casilla/export/xlsx/?flt0_casilla_equals="
                f"{ajena.id}", "/admin/cuenta_casilla/export/xlsx/"):
        filas = _libro(nav.get(url))
        assert not any(p in str(v) for f in filas for v in f for p in prohibidos[:2] + prohibidos[4:5]), url
    assert len(_libro(nav.get("/admin/cuenta_casilla/export/xlsx/"))) == 1  # solo los títulos
    # cada id fuera del alcance, inexistente o mal formado, en cada URL con id
    ids = {"cuenta_casilla": [str(suya.id), str(ajena.id), *INEXISTENTES],
           "deposito_casilla": [str(ajeno.id), *INEXISTENTES]}
    acciones = {"cuenta_casilla": ["validar", "bloquear", "desbloquear", "reenviar", "delete"],
                "deposito_casilla": ["delete"]}
    sondas, fallas = 0, []

    def sonda(esperados, metodo, url, datos=None):
        nonlocal sondas
        sondas += 1
        r = nav.get(url) if metodo == "GET" else nav.post(url, datos)
        if r.status_code not in esperados or any(p in r.get_data(as_text=True) for p in prohibidos[:2]):
            fallas.append(f"{metodo} {url} {datos or ''}: {r.status_code}")
        r.close()

    for vista, lista in ids.items():
        puede_editar = vista == "cuenta_casilla"  # el depósito no se edita
        for i in lista:
            sonda({404} if i else {302}, "GET", f"/admin/{vista}/details/?id={i}")  # sin id: a la lista
            editar = ({404} if i else {302}) if puede_editar else {403}
            sonda(editar, "GET", f"/admin/{vista}/edit/?id={i}")
            sonda(editar, "POST", f"/admin/{vista}/edit/?id={i}", {"email": "x@example.pe"})
            sonda({403}, "POST", f"/admin/{vista}/delete/", {"id": i})  # nadie borra una cuenta ni un depósito
            sonda({403} if not puede_editar else {404}, "POST", f"/admin/{vista}/ajax/update/",
                  {"list_form_pk": i, "email": "x@example.pe"})
            for accion in acciones[vista]:
                esperado = {403} if accion == "delete" else {404}
                sonda(esperado, "POST", f"/admin/{vista}/action/", {"action": accion, "rowid": i})
            if vista == "deposito_casilla":
                sonda({404}, "GET", f"/admin/deposito_casilla/pdf/?id={i}")
    with capsys.disabled():
        print(f"\n[casilla, personal] sondas de ids ajenos, inexistentes o mal formados: {sondas}, accesos: "
              f"{len(fallas)}")
    assert not fallas, fallas
    assert sondas > 150
    db.session.expire_all()
    assert _cuenta(DNI_GDU).activa and _cuenta(DNI_GDE).activa
    unidad_id = db.session.scalar(sa.select(Usuario.id).where(Usuario.username == "unidad"))
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(RegistroAuditoria).where(
        RegistroAuditoria.usuario_id == unidad_id, RegistroAuditoria.entidad.in_(("cuenta_casilla",
                                                                                   "deposito_casilla")),
        RegistroAuditoria.accion.in_(("crear", "editar", "eliminar"))))
    assert all(d.leida_en is None for d in depositos()) and len(depositos()) == 2


# ------------------------------------------------------------------ el PDF firmado es el que se deposita
def test_se_deposita_el_pdf_firmado_byte_a_byte(base, reloj, como, tmp_path):
    """El documento expedido con el motor (issue 26: WeasyPrint + firma PAdES del titular con pyHanko) y, después,
    una copia sin firma adjunta al mismo documento: se deposita el firmado, el mismo archivo (SHA-256) que el
    ciudadano descarga, con la firma íntegra."""
    from services import expedir as ex
    from services import firma_digital as fd
    from tests.pki_prueba import CA, CLAVE_P12

    ca = CA.nueva("CA de prueba de la casilla")
    (tmp_path / "raices").mkdir()
    (tmp_path / "raices" / "ca.pem").write_bytes(ca.pem)
    base.config["FIRMA_RAICES_DIR"] = str(tmp_path / "raices")
    base.config["URL_PUBLICA"] = "https://tramite.muni.gob.pe"
    hoy_es(reloj, date(2026, 8, 10), time(9))
    cuenta = crear_cuenta("40000091", nombres="Julia", apellidos="Cárdenas")
    exp = expediente_de(cuenta.persona, cuenta.email)
    doc = documento_con_pdf(exp, date(2026, 8, 10), con_pdf=False, asunto="Otorga la licencia de edificación")
    borrador = ex.generar_pdf(ex.DatosDocumento(
        tipo="Carta", asunto=doc.asunto, cuerpo_html="<p>Se otorga la licencia solicitada.</p>",
        firmante=ex.Persona("Carlos Díaz Ramos", "Gerente de Desarrollo Urbano"),
        municipalidad=base.config["MUNICIPALIDAD"], unidad="Gerencia de Desarrollo Urbano", lugar="Lima",
        codigo_verificacion=doc.codigo_verificacion,
        url_verificacion=ex.url_de_verificacion(doc.codigo_verificacion))).datos
    titular = fd.Credencial(pkcs12=ca.emitir("CARLOS DÍAZ RAMOS", "40000013", desde=-300), clave=CLAVE_P12)
    firmado = fd.firmar(borrador, titular,
                        campo=ex.CAMPO_FIRMA, nombre="Carlos Díaz Ramos", cargo="Gerente de Desarrollo Urbano",
                        completar={ex.CAMPO_CODIGO: doc.codigo, ex.CAMPO_FECHA: ex.lugar_fecha(doc.fecha)}).datos
    adj = adjuntar_pdf(doc, firmado)
    db.session.commit()
    assert adj.firma_estado.value == "intacta" and "CARLOS" in adj.firma_firmante.upper()
    hoy_es(reloj, date(2026, 8, 10), time(9, 30))  # después, una copia escaneada sin firma
    adjuntar_pdf(doc)
    db.session.commit()
    r = como("unidad").post("/admin/notificacion/new/", {"documento": str(doc.id), "modalidad": "casilla_electronica",
                                                         "resultado": "entregada", "fecha_hora": "10/08/2026 09:30"})
    assert r.status_code == 302, texto_de(r.text)[-600:]
    dep, = depositos()
    assert dep.pdf_sha256 == hashlib.sha256(firmado).hexdigest() and dep.pdf_tamano == len(firmado)
    assert "PDF firmado del documento" in dep.notificacion.observaciones
    c = Ciudadano(base)
    c.ingresar("40000091")
    r = c.get(f"/casilla/notificacion/{dep.id}/pdf")
    assert r.status_code == 200 and r.data == firmado
    firma, = fd.verificar_firmas(r.data)
    assert firma.integra and firma.cubre_todo
    # sin PDF firmado: el último adjunto (como antes)
    otro = documento_con_pdf(exp, date(2026, 8, 10))
    hoy_es(reloj, date(2026, 8, 10), time(10))
    adjuntar_pdf(otro, pdf_demo("COPIA CORREGIDA", ["segunda versión"]))
    db.session.commit()
    assert casilla.pdf_de(otro).datos == pdf_demo("COPIA CORREGIDA", ["segunda versión"])
    assert casilla.pdf_de(otro).origen == "adjunto del documento"


# ------------------------------------------------------------------ papel y casilla, iguales
def test_papel_y_casilla_iguales_en_listas_cargo_y_alertas(base, reloj, como):
    """Dos cartas emitidas el lunes 20/07/2026: una se notifica en papel y otra en la casilla, ambas el viernes 24
    (antes de Fiestas Patrias). Las dos salen de «por notificar» y de las alertas del art. 24, las dos corren el
    recurso hasta el 19/08/2026 en la lista por unidad, las dos están en *Diligencias de notificación* (filtrables por
    modalidad) y el cargo de cada una dice su canal."""
    from services import alertas

    hoy_es(reloj, date(2026, 7, 20), time(9))
    cuenta = crear_cuenta("40000095", nombres="Pedro", apellidos="Salas")
    sin_casilla = persona("40000096", nombres="María", apellidos="Lozano")
    papel = documento_con_pdf(expediente_de(sin_casilla, "maria@example.pe"), date(2026, 7, 20))
    electronica = documento_con_pdf(expediente_de(cuenta.persona, cuenta.email), date(2026, 7, 20))

    def pendientes() -> set[str]:
        return {codigo for resumen in alertas.reunir(date(2026, 7, 24), dias_aviso=5)
                for titulo, grupo in resumen.grupos.items() if titulo.startswith("Notificaciones")
                for lista in grupo.values() for codigo, *_ in lista}

    nav = como("unidad")
    por_notificar = texto_de(nav.get("/admin/notificacion_documento/?flt0_situacion_equals=por_notificar").text)
    assert papel.codigo in por_notificar and electronica.codigo in por_notificar
    assert {papel.codigo, electronica.codigo} <= pendientes()
    hoy_es(reloj, date(2026, 7, 24), time(10))
    assert nav.post("/admin/notificacion/new/", {
        "documento": str(papel.id), "modalidad": "personal", "resultado": "entregada",
        "fecha_hora": "24/07/2026 10:00", "receptor_nombre": "María Lozano",
        "receptor_documento": "40000096"}).status_code == 302
    assert nav.post("/admin/notificacion/new/", {
        "documento": str(electronica.id), "modalidad": "casilla_electronica", "resultado": "entregada",
        "fecha_hora": "24/07/2026 10:00"}).status_code == 302
    assert "diligencia registrada" in nav.get("/admin/notificacion/").text  # los avisos ya se leyeron
    por_notificar = texto_de(nav.get("/admin/notificacion_documento/?flt0_situacion_equals=por_notificar").text)
    assert papel.codigo not in por_notificar and electronica.codigo not in por_notificar
    assert not {papel.codigo, electronica.codigo} & pendientes()
    notificadas = texto_de(nav.get("/admin/notificacion_documento/?flt0_situacion_equals=notificada").text)
    for doc in (papel, electronica):
        fila = notificadas.split(doc.codigo, 1)[1][:400]
        assert "Recurso hasta el 19/08/2026; firme desde el 20/08/2026" in fila and "24/07/2026" in fila
    diligencias = texto_de(nav.get("/admin/notificacion/").text)
    assert papel.codigo in diligencias and electronica.codigo in diligencias and "Casilla electrónica" in diligencias
    solo_casilla = texto_de(nav.get("/admin/notificacion/?flt0_modalidad_equals=casilla_electronica").text)
    assert electronica.codigo in solo_casilla and papel.codigo not in solo_casilla
    dep, = depositos()
    for doc, canal in ((papel, "María Lozano"), (electronica, dep.codigo)):
        n_id = db.session.scalar(sa.select(Notificacion.id).where(Notificacion.documento_id == doc.id))
        cargo = texto_de(nav.get(f"/admin/notificacion/cargo/?id={n_id}").text)
        assert canal in cargo and "19/08/2026" in cargo
