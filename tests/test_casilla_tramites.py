"""«Mis trámites» (issue 27): los expedientes y solicitudes del ciudadano, su ruta pública, lo notificado, la
subsanación en línea con fechas reales, la mesa digital prellenada, y ningún acceso entre ciudadanos (cada id de otro
en cada URL de la casilla → 404)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from models import (
    ZONA_LIMA,
    Adjunto,
    DepositoCasilla,
    EstadoExpediente,
    Expediente,
    Notificacion,
    Persona,
    ProcedimientoTupa,
    SolicitudAcceso,
    db,
)
from services import casilla, transparencia
from services.notificaciones import registrar_diligencia
from services.tramite import derivar, observar_en_ingreso
from tests.ayudas_casilla import Ciudadano, crear_cuenta, documento_con_pdf, expediente_de, mesa, persona
from tests.ayudas_fedatario import hoy_es
from tests.conftest import PDF, habil, texto_de, unidad
from tests.pdf_prueba import pdf_con_javascript

PROVEIDO = "Revisar deudas del vecino antes de atender (uso interno)"


def _solicitud(cuenta, email=None) -> SolicitudAcceso:
    sol = SolicitudAcceso(persona=cuenta.persona, informacion_solicitada="Relación de obras 2025",
                          forma_entrega="correo")
    transparencia.registrar_solicitud(sol)
    db.session.add(sol)
    db.session.flush()
    sol.expediente.email_contacto = email or cuenta.email
    db.session.commit()
    return sol


def test_mis_tramites_ruta_publica_y_lo_notificado(base, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(9))
    cuenta = crear_cuenta()
    digital = expediente_de(cuenta.persona, cuenta.email, asunto="Solicita certificado de numeración del lote 4")
    presencial = expediente_de(cuenta.persona, None, asunto="Solicita poda de árbol en la vereda")
    derivar(digital, unidad("GDU"), "atender", PROVEIDO, usuario=mesa())
    db.session.commit()
    en_papel = documento_con_pdf(digital, date(2026, 8, 10), asunto="Requiere pago del derecho")
    db.session.add(n := Notificacion(documento=en_papel, modalidad="domicilio", resultado="entregada",
                                     fecha_hora=datetime(2026, 8, 10, 8, tzinfo=ZONA_LIMA),
                                     direccion="Jr. Ayacucho 120", receptor_nombre="Rosa Quispe",
                                     receptor_documento="40000011", receptor_relacion="Ella misma"))
    registrar_diligencia(n)  # en la sesión antes: la regla lee el calendario (una consulta que vacía la sesión)
    dep = casilla.depositar(documento_con_pdf(digital, date(2026, 8, 10), asunto="Otorga el certificado"),
                            usuario=mesa())
    sol = _solicitud(cuenta)
    db.session.commit()
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    lista = texto_de(c.get("/casilla/tramites").text)
    assert digital.codigo in lista and presencial.codigo in lista and sol.codigo in lista
    assert sol.expediente.codigo not in lista  # la solicitud se lista una vez, no también su expediente
    assert "Expedientes (2)" in lista and "Solicitudes de acceso a la información (1)" in lista
    detalle = texto_de(c.get(f"/casilla/expediente/{digital.id}").text)
    assert "Gerencia de Desarrollo Urbano" in detalle and PROVEIDO not in detalle  # la ruta, sin el proveído
    assert en_papel.codigo in detalle and "En el domicilio" in detalle.replace("en el domicilio", "En el domicilio")
    assert f'/casilla/notificacion/{dep.id}' in c.get(f"/casilla/expediente/{digital.id}").text
    assert f"{digital.fecha_vencimiento:%d/%m/%Y}" in detalle  # el plazo legal
    assert sol.informacion_solicitada in texto_de(c.get(f"/casilla/solicitud/{sol.id}").text)


def test_casilla_creada_en_linea_solo_ve_lo_de_su_correo(base, reloj):
    hoy_es(reloj, date(2026, 8, 10), time(9))
    cuenta = crear_cuenta(validada=False)
    suyo = expediente_de(cuenta.persona, cuenta.email.upper())  # el correo se compara sin mayúsculas
    ajeno = expediente_de(cuenta.persona, "otra.persona@example.pe")
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    lista = c.get("/casilla/tramites").text
    assert suyo.codigo in lista and ajeno.codigo not in lista and "valide su identidad en Mesa de Partes" in lista
    assert c.get(f"/casilla/expediente/{ajeno.id}").status_code == 404
    with pytest.raises(casilla.ErrorCasilla, match="identidad aún no se validó"):
        casilla.depositar(documento_con_pdf(ajeno, date(2026, 8, 10)), usuario=mesa())
    db.session.rollback()
    casilla.validar_identidad(db.session.get(type(cuenta), cuenta.id), mesa())
    db.session.commit()
    assert ajeno.codigo in c.get("/casilla/tramites").text
    assert c.get(f"/casilla/expediente/{ajeno.id}").status_code == 200


@pytest.mark.parametrize("dia_cura,aceptada", [(date(2026, 4, 7), True), (date(2026, 4, 8), False)])
def test_subsanacion_en_linea_antes_de_semana_santa(base, reloj, dia_cura, aceptada):
    """Observado el miércoles 01/04/2026: 2 días hábiles para subsanar → hasta el martes 07/04 (2 y 3 de abril,
    Jueves y Viernes Santo). Subsanado en línea el 07/04, el plazo se reanuda (los días observado no cuentan) y,
    con procedimiento, se deriva a la unidad resolutora; el 08/04 ya no se admite."""
    hoy_es(reloj, date(2026, 4, 1), time(9))
    cuenta = crear_cuenta()
    proc = db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == "GDU-02"))
    exp = expediente_de(cuenta.persona, cuenta.email, procedimiento="GDU-02",
                        fecha_recepcion=datetime(2026, 4, 1, 8, 30, tzinfo=ZONA_LIMA))
    hoy_es(reloj, date(2026, 4, 1), time(11))
    observar_en_ingreso(exp, "Falta el plano de ubicación firmado")
    db.session.commit()
    hoy_es(reloj, dia_cura, time(19))
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    pagina = texto_de(c.get(f"/casilla/expediente/{exp.id}").text)
    assert ("Tiene hasta el 07/04/2026" in pagina) == aceptada
    assert ("venció el 07/04/2026" in pagina) != aceptada
    # un PDF con JavaScript: las mismas comprobaciones que el ingreso, mensaje junto al campo, nada cambia
    r = c.subir(f"/casilla/expediente/{exp.id}", pdf_con_javascript(), comentario="Adjunto el plano")
    assert r.status_code == 200
    if aceptada:
        assert "contiene JavaScript" in r.text and "Adjunto el plano" in r.text
        r = c.subir(f"/casilla/expediente/{exp.id}", b"no es un pdf", nombre="plano.pdf")
        assert "Solo se aceptan archivos PDF." in r.text
    db.session.expire_all()
    assert db.session.get(Expediente, exp.id).estado == EstadoExpediente.observado
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Adjunto)) == 0
    r = c.subir(f"/casilla/expediente/{exp.id}", PDF, nombre="plano.pdf", comentario="Plano firmado")
    db.session.expire_all()
    exp = db.session.get(Expediente, exp.id)
    if not aceptada:
        assert r.status_code == 200 and "El plazo para subsanar venció el 07/04/2026" in texto_de(r.text)
        assert exp.estado == EstadoExpediente.observado and exp.fecha_subsanacion is None
        return
    assert r.status_code == 302
    assert exp.fecha_subsanacion == date(2026, 4, 7) and exp.estado == EstadoExpediente.en_tramite
    assert exp.unidad_actual.sigla == "GDU"  # derivado recién ahora, a la unidad resolutora
    suspendidos = 2  # 06/04 y 07/04: los días hábiles en que estuvo observado
    assert exp.fecha_vencimiento == habil(date(2026, 4, 1), proc.plazo_dias_habiles + suspendidos)
    adjunto, = exp.adjuntos
    assert adjunto.nombre_archivo == "plano.pdf" and "Subsanación en línea" in exp.observaciones
    assert "Plano firmado" in exp.observaciones
    assert "Subsanar la observación" not in c.get(f"/casilla/expediente/{exp.id}").text


def test_subsanacion_en_linea_de_una_solicitud_de_acceso(base, reloj):
    hoy_es(reloj, date(2026, 7, 24), time(9))
    cuenta = crear_cuenta()
    sol = _solicitud(cuenta)
    transparencia.observar(sol, "Precise el periodo de la información", date(2026, 7, 24))
    db.session.commit()
    assert transparencia.plazo_subsanacion(sol) == date(2026, 7, 30)  # 27 y 30 (28 y 29 feriados)
    hoy_es(reloj, date(2026, 7, 30), time(12))
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    assert "Tiene hasta el 30/07/2026" in texto_de(c.get(f"/casilla/solicitud/{sol.id}").text)
    r = c.subir(f"/casilla/solicitud/{sol.id}", PDF, comentario="Periodo: enero a junio de 2025")
    assert r.status_code == 302
    db.session.expire_all()
    sol = db.session.get(SolicitudAcceso, sol.id)
    assert sol.estado.value == "recibida" and sol.fecha_subsanacion == date(2026, 7, 30)
    assert len(sol.expediente.adjuntos) == 1


def test_mesa_digital_prellenada_sin_cambiar_los_datos_guardados(base, reloj):
    from tests.conftest import csrf_de, respuesta_del_reto

    hoy_es(reloj, date(2026, 8, 10), time(9))
    cuenta = crear_cuenta(nombres="Rosa", apellidos="Quispe Mamani")
    c = Ciudadano(base)
    c.ingresar(cuenta.persona.numero_documento)
    html = c.get("/mesa-de-partes").text
    assert 'value="40000011"' in html and 'value="Rosa"' in html and f'value="{cuenta.email}"' in html
    assert "Presenta con su casilla electrónica" in html
    import re

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    datos = {"csrf_token": csrf_de(html), "tipo_documento": "DNI", "numero_documento": "40000011",
             "nombres": "Rosa Cambiada", "apellidos": "Otra", "razon_social": "", "email": cuenta.email,
             "telefono": "987654321", "asunto": "Solicita constancia de posesión", "folios": "1",
             "respuesta": str(respuesta_del_reto(html)), "sitio_web": "",
             "reto": re.search(r'name="reto"[^>]*value="([^"]*)"', html).group(1),
             "archivo": FileStorage(__import__("io").BytesIO(PDF), filename="s.pdf", content_type="application/pdf")}
    limite, cuerpo = encode_multipart(datos)
    r = c.c.post("/mesa-de-partes", data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")
    assert r.status_code == 302
    db.session.expire_all()
    p = db.session.get(Persona, cuenta.persona_id)
    assert (p.nombres, p.apellidos) == ("Rosa", "Quispe Mamani")  # nunca cambia lo guardado
    assert "Solicita constancia de posesión" in c.get("/casilla/tramites").text
    # la página del personal no se prellena con la casilla: sin sesión de casilla, formulario vacío
    assert 'value="40000011"' not in Ciudadano(base).get("/mesa-de-partes").text


# ------------------------------------------------------------------ ningún acceso entre ciudadanos
def _datos_de(cuenta, n: int = 2) -> dict[str, list[int]]:
    """n expedientes (uno observado), n depósitos y n solicitudes (una observada) del ciudadano."""
    exps = [expediente_de(cuenta.persona, cuenta.email, asunto=f"Trámite {i}") for i in range(n)]
    observar_en_ingreso(exps[-1], "Falta la firma")
    deps = [casilla.depositar(documento_con_pdf(exps[0], date(2026, 8, 10)), usuario=mesa()) for _ in range(n)]
    sols = [_solicitud(cuenta) for _ in range(n)]
    transparencia.observar(sols[-1], "Precise", date(2026, 8, 10))
    db.session.commit()
    return {"deposito_id": [d.id for d in deps], "expediente_id": [e.id for e in exps],
            "solicitud_id": [s.id for s in sols]}


def test_ningun_id_de_otro_ciudadano_en_ninguna_url_de_la_casilla(base, reloj, capsys):
    """Se falsifica cada id (de otro ciudadano, de nadie, enormes) en cada URL de la casilla con argumentos, en GET
    y en POST (con token CSRF válido): 404 y nada cambia. Los propios, 200."""
    hoy_es(reloj, date(2026, 8, 10), time(9))
    a, b = crear_cuenta("40000011"), crear_cuenta("40000012", nombres="Luis", apellidos="Torres")
    suyos, de_b = _datos_de(a), _datos_de(b, 6)
    sin_casilla = persona("40000013", nombres="Ana", apellidos="Rojas")  # alguien sin casilla
    for i in range(5):
        expediente_de(sin_casilla, a.email, asunto=f"Con el mismo correo {i}")  # ni con el correo de A
    # cada id que existe y no es de A (de B, de quien no tiene casilla, los expedientes de las solicitudes), y
    # algunos que no existen
    tope = {"deposito_id": DepositoCasilla, "expediente_id": Expediente, "solicitud_id": SolicitudAcceso}
    ajenos = {arg: [i for i in range(1, db.session.scalar(sa.select(sa.func.max(m.id))) + 3) if i not in suyos[arg]]
              for arg, m in tope.items()}
    assert set(de_b["deposito_id"]) <= set(ajenos["deposito_id"])
    inexistentes = [0, 999_999, 2**31 - 1]
    c = Ciudadano(base)
    c.ingresar("40000011")
    adjuntos_antes = db.session.scalar(sa.select(sa.func.count()).select_from(Adjunto))
    sondas, fallas = 0, []
    reglas = [r for r in base.url_map.iter_rules() if r.endpoint.startswith("casilla.") and r.arguments
              and r.arguments != {"token"}]
    assert {r.endpoint for r in reglas} == {"casilla.notificacion", "casilla.pdf", "casilla.expediente",
                                            "casilla.solicitud"}
    enlazador = base.url_map.bind("localhost")
    for regla in reglas:
        arg, = regla.arguments
        for ident in ajenos[arg] + inexistentes:
            url = enlazador.build(regla.endpoint, {arg: ident})
            for metodo in sorted(regla.methods & {"GET", "POST"}):
                r = c.get(url) if metodo == "GET" else c.subir(url, PDF, comentario="intento")
                sondas += 1
                if r.status_code != 404:
                    fallas.append(f"{metodo} {url}: {r.status_code}")
        for ident in suyos[arg]:
            assert c.get(enlazador.build(regla.endpoint, {arg: ident})).status_code == 200
    with capsys.disabled():
        print(f"\n[casilla] sondas de ids ajenos o inexistentes: {sondas}, accesos: {len(fallas)}")
    assert not fallas, fallas
    esperadas = sum((len(ajenos[next(iter(r.arguments))]) + len(inexistentes)) * len(r.methods & {"GET", "POST"})
                    for r in reglas)
    assert sondas == esperadas and sondas > 80  # cada id ajeno en cada URL y cada método
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Adjunto)) == adjuntos_antes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DepositoCasilla).where(
        DepositoCasilla.leida_en.is_not(None), DepositoCasilla.cuenta_id == b.id)) == 0  # nada de B se «leyó»
    assert db.session.get(Expediente, de_b["expediente_id"][-1]).estado == EstadoExpediente.observado
    assert db.session.get(SolicitudAcceso, de_b["solicitud_id"][-1]).estado.value == "observada"
    # páginas que se salen del rango: 404, no 500
    assert c.get("/casilla/?pagina=100000000").status_code == 404
    assert c.get("/casilla/tramites?psol=0").status_code == 404
