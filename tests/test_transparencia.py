"""Transparencia (TUO Ley 27806; docs/reglas.md §4; issue 13): registro, plazos y operaciones de la ley, por HTTP.

Fechas reales de 2026: jueves 2 y viernes 3 de abril (Semana Santa), 28 y 29 de julio (Fiestas Patrias) y 6 de
agosto (Batalla de Junín) son feriados. El vencimiento se compara con un oráculo independiente (numpy con los
feriados del paquete `holidays`, el de tests/test_calendario.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

import models
from models import ZONA_LIMA, EstadoSolicitud, ExcepcionTransparencia, SolicitudAcceso, db
from services import calendario, transparencia
from tests.conftest import crear_persona, oraculo_entre, oraculo_sumar, texto_de, unidad

URL = "/admin/solicitud_acceso"


def lima(*args) -> datetime:
    return datetime(*args, tzinfo=ZONA_LIMA)



@pytest.fixture
def base(base, reloj):
    """La `base` de conftest (feriados de los años de la prueba) con una persona y `base.reloj(momento)`."""
    base.persona_id = crear_persona("41234567", "Elena", "Mamani Condori")
    base.reloj = reloj
    return base


def leer(sol_id: int) -> SolicitudAcceso:
    db.session.expire_all()
    return db.session.get(SolicitudAcceso, sol_id)


def solicitar(base, nav, recibida: datetime, forma="copia_simple", esperar=302, **extra) -> SolicitudAcceso:
    """Ingreso en el mostrador a la hora `recibida` (el reloj vuelve a la hora real después)."""
    base.reloj(recibida)
    datos = {"persona": str(base.persona_id), "informacion_solicitada": "Copia del contrato de limpieza pública 2025",
             "forma_entrega": forma, "sexo": "F", "unidad_poseedora": str(unidad("GDU").id), **extra}
    r = nav.post(f"{URL}/new/", datos)
    base.reloj(None)
    assert r.status_code == esperar, r.text[:3000]
    if esperar != 302:
        return r
    db.session.expire_all()
    return db.session.scalar(sa.select(SolicitudAcceso).order_by(SolicitudAcceso.id.desc()).limit(1))


def operar(nav, sol, operacion, **datos):
    return nav.post(f"{URL}/atender/?id={sol.id}", {"operacion": operacion, **datos}, follow_redirects=True)


def test_ingreso_fuera_de_hora_en_la_vispera_de_semana_santa(base, como):
    """Miércoles 01/04/2026 a las 17:10 con cierre a las 16:30: presentada el lunes 06/04 (jueves y viernes
    santos, fin de semana); vence 10 días hábiles después, según el oráculo."""
    base.config["HORA_CIERRE"] = "16:30"
    t = como("transparencia")
    s1 = solicitar(base, t, lima(2026, 4, 1, 17, 10))
    assert (s1.anio, s1.numero, s1.codigo) == (2026, s1.numero, f"SAIP-2026-{s1.numero:05d}")
    assert s1.fecha_presentacion == date(2026, 4, 6)
    assert s1.fecha_vencimiento == oraculo_sumar(date(2026, 4, 6), 10) == date(2026, 4, 20)
    assert (s1.estado, s1.sexo, s1.persona_id, s1.costo_reproduccion) == (EstadoSolicitud.recibida, "F",
                                                                           base.persona_id, Decimal("0.00"))
    # antes del cierre, el mismo día; el número sigue la serie del año
    s2 = solicitar(base, t, lima(2026, 4, 1, 16, 30))
    assert (s2.fecha_presentacion, s2.numero) == (date(2026, 4, 1), s1.numero + 1)
    assert s2.fecha_vencimiento == oraculo_sumar(date(2026, 4, 1), 10)
    # el año nuevo empieza su serie en 1
    s3 = solicitar(base, t, lima(2027, 1, 4, 9, 0))
    assert (s3.anio, s3.numero, s3.codigo) == (2027, 1, "SAIP-2027-00001")
    # el cargo del mostrador: número, clave y plazo (la misma consulta que los expedientes)
    cargo = t.get(f"{URL}/cargo/?id={s1.id}")
    assert cargo.status_code == 200 and s1.codigo in cargo.text and s1.clave in cargo.text
    assert "20/04/2026" in texto_de(cargo.text)
    # el registro lo muestra con su número y vencimiento
    lista = texto_de(t.get(f"{URL}/").text)
    assert s1.codigo in lista and "20/04/2026" in lista and "Mamani Condori" in lista


def test_falta_el_pedido_mensaje_junto_al_campo(base, como):
    t = como("transparencia")
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso))
    r = solicitar(base, t, lima(2026, 5, 4, 9), esperar=200, informacion_solicitada="")
    assert "Este campo es obligatorio" in texto_de(r.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso)) == antes


def test_subsanacion_suspende_el_plazo_y_sin_subsanar_no_se_presenta(base, como, runner):
    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 4, 6, 10))  # lunes 06/04: vence el 20/04
    assert s.fecha_vencimiento == date(2026, 4, 20)
    r = operar(t, s, "observar", observacion="Precise el período del contrato", fecha_observacion="07/04/2026")
    assert "subsana hasta el 09/04/2026" in texto_de(r.text)
    assert leer(s.id).estado == EstadoSolicitud.observada
    # una sola observación
    r = operar(t, s, "subsanar", fecha_subsanacion="10/04/2026")
    assert "venció el 09/04/2026" in texto_de(r.text) and leer(s.id).estado == EstadoSolicitud.observada
    operar(t, s, "subsanar", fecha_subsanacion="09/04/2026")
    s = leer(s.id)
    # los 10 días corren desde la subsanación (issue 21): del 10/04 al 23/04
    assert (s.estado, s.fecha_vencimiento) == (EstadoSolicitud.recibida, oraculo_sumar(date(2026, 4, 9), 10))
    assert s.fecha_vencimiento == date(2026, 4, 23)
    r = operar(t, s, "observar", observacion="Otra cosa", fecha_observacion="10/04/2026")
    assert "ya fue observada una vez" in texto_de(r.text)
    # otra, observada y sin subsanar: la tarea diaria la archiva como no presentada
    o = solicitar(base, t, lima(2026, 4, 6, 11))
    operar(t, o, "observar", observacion="Falta el domicilio", fecha_observacion="07/04/2026")
    resultado = runner.invoke(args=["tramite-diario"])
    assert resultado.exit_code == 0, resultado.output
    assert "1 solicitudes de acceso pasaron a «no presentada»" in resultado.output
    assert (leer(o.id).estado, leer(s.id).estado) == (EstadoSolicitud.no_presentada, EstadoSolicitud.recibida)


def test_prorroga_solo_dentro_de_dos_dias_habiles(base, como):
    """Presentada el viernes 24/07/2026: el 1.er día hábil es el lunes 27, el 2.º el jueves 30 (28 y 29 son
    feriados); el viernes 31 ya es tarde (art. 11 g)."""
    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 7, 24, 10))
    assert s.fecha_vencimiento == oraculo_sumar(date(2026, 7, 24), 10) == date(2026, 8, 12)
    assert oraculo_sumar(date(2026, 7, 24), 2) == date(2026, 7, 30)
    datos = {"nueva_fecha": "31/08/2026", "motivo": "El archivo está en el almacén de la ex sede"}
    pagina = texto_de(t.get(f"{URL}/atender/?id={s.id}").text)  # el formulario dice hasta cuándo
    assert "comunicada al solicitante a más tardar el 30/07/2026" in pagina
    r = operar(t, s, "prorrogar", fecha_comunicacion="31/07/2026", **datos)
    assert "hasta el 30/07/2026 (TUO Ley 27806, art. 11 g)" in texto_de(r.text)
    assert leer(s.id).prorroga is False
    r = operar(t, s, "prorrogar", fecha_comunicacion="30/07/2026", **datos)
    assert "entrega hasta el 31/08/2026" in texto_de(r.text)
    s = leer(s.id)
    assert (s.prorroga, s.estado, s.fecha_comunicacion_prorroga, s.vencimiento_efectivo) == (
        True, EstadoSolicitud.prorrogada, date(2026, 7, 30), date(2026, 8, 31))
    r = operar(t, s, "prorrogar", fecha_comunicacion="30/07/2026", **datos)
    assert "una sola vez" in texto_de(r.text)
    # sin motivo no hay prórroga (en otra solicitud, a tiempo)
    otra = solicitar(base, t, lima(2026, 7, 24, 11))
    r = operar(t, otra, "prorrogar", fecha_comunicacion="27/07/2026", nueva_fecha="31/08/2026", motivo="")
    assert "Indique el motivo" in texto_de(r.text) and leer(otra.id).prorroga is False


def test_denegatoria_solo_con_excepcion(base, como):
    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 9, 1, 10))
    r = operar(t, s, "responder", tipo="denegada", fecha_respuesta="03/09/2026", fundamento="No corresponde")
    assert r.status_code == 200
    assert "debe citar una excepción de los artículos 15, 16 o 17" in texto_de(r.text)
    assert leer(s.id).estado == EstadoSolicitud.recibida
    # la base lo impide también a cualquier otro camino
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(SolicitudAcceso).where(SolicitudAcceso.id == s.id).values(
            estado="denegada", fecha_respuesta=date(2026, 9, 3)))
        db.session.flush()
    db.session.rollback()
    intimidad = db.session.scalar(sa.select(ExcepcionTransparencia).where(ExcepcionTransparencia.codigo == "17.5"))
    assert "intimidad personal" in intimidad.texto
    operar(t, s, "responder", tipo="denegada", fecha_respuesta="03/09/2026", excepcion=str(intimidad.id),
           fundamento="Contiene la historia clínica de un trabajador")
    s = leer(s.id)
    assert (s.estado, s.excepcion_legal.codigo, s.fecha_respuesta) == (EstadoSolicitud.denegada, "17.5",
                                                                       date(2026, 9, 3))
    # parcialmente denegada: dice qué se reserva
    p = solicitar(base, t, lima(2026, 9, 1, 11), forma="correo")
    r = operar(t, p, "responder", tipo="parcial", fecha_respuesta="04/09/2026", excepcion=str(intimidad.id),
               fundamento="Datos de salud")
    assert "Indique qué información se reserva" in texto_de(r.text)
    operar(t, p, "responder", tipo="parcial", fecha_respuesta="04/09/2026", excepcion=str(intimidad.id),
           fundamento="Datos de salud", informacion_denegada="Los diagnósticos médicos del anexo 3")
    assert leer(p.id).estado == EstadoSolicitud.parcialmente_denegada
    ficha = texto_de(t.get(f"{URL}/details/?id={s.id}").text)
    assert "Art. 17.5" in ficha and "Denegada" in ficha


def test_encauzamiento(base, como):
    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 7, 24, 10))
    r = operar(t, s, "encauzar", entidad="SUNARP – Zona Registral IX", fecha_encauzamiento="31/07/2026")
    assert "hasta el 30/07/2026" in texto_de(r.text) and leer(s.id).estado == EstadoSolicitud.recibida
    r = operar(t, s, "encauzar", entidad="", fecha_encauzamiento="27/07/2026")
    assert "Indique la entidad" in texto_de(r.text)
    operar(t, s, "encauzar", entidad="SUNARP – Zona Registral IX", fecha_encauzamiento="30/07/2026")
    s = leer(s.id)
    assert (s.estado, s.entidad_derivada, s.fecha_encauzamiento) == (
        EstadoSolicitud.derivada, "SUNARP – Zona Registral IX", date(2026, 7, 30))
    r = operar(t, s, "responder", tipo="entregada", fecha_respuesta="31/07/2026")
    assert "no admite respuesta" in texto_de(r.text)


def test_costos_y_pago_antes_de_entregar(base, como):
    t = como("transparencia")
    copias = solicitar(base, t, lima(2026, 9, 1, 10))
    r = operar(t, copias, "liquidar", paginas="35", discos="0")
    assert "S/ 3.50" in texto_de(r.text) and leer(copias.id).costo_reproduccion == Decimal("3.50")
    r = operar(t, copias, "responder", tipo="entregada", fecha_respuesta="04/09/2026")
    assert "registre el recibo de pago" in texto_de(r.text) and leer(copias.id).estado == EstadoSolicitud.recibida
    operar(t, copias, "responder", tipo="entregada", fecha_respuesta="04/09/2026", recibo_pago="R-001-2026")
    assert (leer(copias.id).estado, leer(copias.id).recibo_pago) == (EstadoSolicitud.atendida, "R-001-2026")
    # CD: S/ 1.00 cada uno; correo: gratis aunque tenga páginas
    cd = solicitar(base, t, lima(2026, 9, 1, 11), forma="medio_digital")
    operar(t, cd, "liquidar", paginas="0", discos="2")
    correo = solicitar(base, t, lima(2026, 9, 1, 12), forma="correo")
    operar(t, correo, "liquidar", paginas="120", discos="0")
    assert (leer(cd.id).costo_reproduccion, leer(correo.id).costo_reproduccion) == (Decimal("2.00"), Decimal("0"))
    operar(t, correo, "responder", tipo="entregada", fecha_respuesta="02/09/2026")
    assert leer(correo.id).estado == EstadoSolicitud.atendida
    # configurable
    base.config["COSTOS_REPRODUCCION"] = {"pagina": "0.20", "cd": "1.50"}
    otra = solicitar(base, t, lima(2026, 9, 2, 10), forma="copia_certificada")
    operar(t, otra, "liquidar", paginas="35", discos="0")
    assert leer(otra.id).costo_reproduccion == Decimal("7.00")
    r = operar(t, otra, "liquidar", paginas="-3", discos="0")
    assert "no pueden ser negativos" in texto_de(r.text) and leer(otra.id).costo_reproduccion == Decimal("7.00")


def test_denegatoria_ficta_y_apelacion(base, como):
    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 7, 24, 10))  # vence el 12/08/2026 y no se respondió
    a_tiempo = solicitar(base, t, lima(2026, 7, 24, 11))
    operar(t, a_tiempo, "responder", tipo="entregada", fecha_respuesta="05/08/2026")
    assert leer(s.id).denegatoria_ficta and not leer(a_tiempo.id).denegatoria_ficta
    vista = next(v for v in base.extensions["admin"][0]._views if v.endpoint == "solicitud_acceso")
    with base.test_request_context():
        url = vista.url_filtrada(("Denegatoria ficta", "equals", "1"))
    lista = texto_de(t.get(url).text)
    assert s.codigo in lista and a_tiempo.codigo not in lista and "Denegatoria ficta" in lista
    r = operar(t, a_tiempo, "apelar", fecha_apelacion="10/08/2026")
    assert "Solo se apela una denegatoria" in texto_de(r.text)
    # vencida el 12/08 sin respuesta: 15 días hábiles para apelar, hasta el 02/09/2026
    assert oraculo_sumar(date(2026, 8, 12), 15) == date(2026, 9, 2)
    r = operar(t, s, "apelar", fecha_apelacion="03/09/2026")
    assert "hasta el 02/09/2026" in texto_de(r.text) and leer(s.id).fecha_apelacion is None
    operar(t, s, "apelar", fecha_apelacion="20/08/2026", fecha_elevacion="24/08/2026",
           resultado="Fundada: entregar en 5 días")
    s = leer(s.id)
    assert (s.fecha_apelacion, s.fecha_elevacion, s.resultado_apelacion) == (
        date(2026, 8, 20), date(2026, 8, 24), "Fundada: entregar en 5 días")


def test_semaforo_en_el_listado(base, como):
    t = como("transparencia")
    hoy = models.hoy_lima()
    vencida = solicitar(base, t, lima(2026, 7, 24, 10))
    reciente = solicitar(base, t, datetime.now(ZONA_LIMA))
    vista = next(v for v in base.extensions["admin"][0]._views if v.endpoint == "solicitud_acceso")
    with base.test_request_context():
        urls = {k: vista.url_filtrada(("Semáforo", "equals", k)) for k in ("vencida", "por_vencer", "a_tiempo")}
    assert reciente.fecha_vencimiento > calendario.sumar_habiles(hoy, 2, calendario.feriados())
    assert vencida.codigo in t.get(urls["vencida"]).text and reciente.codigo not in t.get(urls["vencida"]).text
    assert reciente.codigo in t.get(urls["a_tiempo"]).text and vencida.codigo not in t.get(urls["a_tiempo"]).text
    assert 'badge-success' in t.get(f"{URL}/").text


def test_feriado_nuevo_recalcula_el_vencimiento(base, como):
    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 7, 24, 10))  # vence el 12/08/2026
    sg = como("secretaria_general")
    r = sg.post("/admin/feriado/new/", {"fecha": "10/08/2026", "nombre": "Aniversario del distrito",
                                        "tipo": "local"})
    assert r.status_code == 302, r.text[:2000]
    assert leer(s.id).fecha_vencimiento == date(2026, 8, 13)


def test_el_expediente_vence_con_la_solicitud(base, como):
    """Subsanada (2 días hábiles sin correr) o prorrogada, la solicitud vence después: su expediente también, y
    sigue así tras un feriado nuevo (el recálculo del trámite no deshace la prórroga)."""
    from models import Expediente

    def exp_de(sol_id):
        return db.session.get(Expediente, leer(sol_id).expediente_id).fecha_vencimiento

    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 4, 6, 10))  # vence el 20/04; observada el 07 y subsanada el 09: el 23/04
    assert exp_de(s.id) == date(2026, 4, 20)
    operar(t, s, "observar", observacion="Precise el período del contrato", fecha_observacion="07/04/2026")
    assert exp_de(s.id) is None  # mientras la observación está pendiente, el plazo no corre
    operar(t, s, "subsanar", fecha_subsanacion="09/04/2026")
    assert leer(s.id).fecha_vencimiento == exp_de(s.id) == oraculo_sumar(date(2026, 4, 9), 10) == date(2026, 4, 23)

    p = solicitar(base, t, lima(2026, 7, 24, 10))  # vence el 12/08; prorrogada al 31/08
    r = operar(t, p, "prorrogar", fecha_comunicacion="27/07/2026", nueva_fecha="31/08/2026",
               motivo="El archivo está en el almacén de la ex sede")
    assert "entrega hasta el 31/08/2026" in texto_de(r.text)
    assert exp_de(p.id) == date(2026, 8, 31)
    r = como("secretaria_general").post("/admin/feriado/new/", {"fecha": "10/08/2026", "tipo": "local",
                                                               "nombre": "Aniversario del distrito"})
    assert r.status_code == 302, r.text[:2000]
    assert (leer(p.id).fecha_vencimiento, exp_de(p.id)) == (date(2026, 8, 13), date(2026, 8, 31))


def test_rol_transparencia_limitado_a_sus_pantallas(base, como):
    t = como("transparencia")
    assert t.get(f"{URL}/").status_code == 200
    assert t.get("/admin/excepcion_transparencia/").status_code == 200
    for url in ("/admin/sesion_concejo/", "/admin/norma_municipal/new/", "/admin/expediente/new/",
                "/admin/usuario/", "/admin/excepcion_transparencia/new/"):
        assert t.get(url).status_code == 403, url
    s = solicitar(base, t, lima(2026, 9, 1, 10))
    assert t.post(f"{URL}/delete/", {"id": str(s.id)}).status_code == 403
    # el auditor lee pero no atiende; una unidad orgánica no ve el registro
    auditor = como("auditor")
    assert auditor.get(f"{URL}/details/?id={s.id}").status_code == 200
    assert auditor.get(f"{URL}/atender/?id={s.id}").status_code == 200
    assert operar(auditor, s, "liquidar", paginas="3", discos="0").status_code == 403
    assert auditor.get(f"{URL}/new/").status_code == 403
    assert como("unidad").get(f"{URL}/").status_code == 403
    assert como("mesa_partes").get(f"{URL}/").status_code == 403
    # la Secretaría General lo ve y lo atiende (Ley 27806 art. 8)
    sg = como("secretaria_general")
    operar(sg, s, "liquidar", paginas="10", discos="0")
    assert leer(s.id).costo_reproduccion == Decimal("1.00")
    # sin token CSRF no se atiende; cada operación queda en la auditoría con su usuario
    r = sg.c.post(f"{URL}/atender/?id={s.id}", data={"operacion": "liquidar", "paginas": "99", "discos": "0"})
    assert r.status_code == 400 and leer(s.id).paginas == 10
    from models import RegistroAuditoria, Usuario

    ultimo = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "solicitud_acceso", RegistroAuditoria.entidad_id == s.id)
        .order_by(RegistroAuditoria.id.desc())).first()
    assert ultimo.accion.value == "editar" and "costo_reproduccion" in ultimo.cambios
    assert ultimo.usuario_id == db.session.scalar(sa.select(Usuario.id).where(Usuario.username == "secretaria_general"))


def test_derivacion_a_la_unidad_por_el_tramite_y_su_alcance(base, como):
    """La solicitud tiene su expediente desde el ingreso; se deriva con la bandeja y el acuse del trámite, con
    el plazo interno (5 días hábiles) que no pasa del vencimiento; cada unidad ve solo lo suyo."""
    from models import Derivacion, EstadoDerivacion, EstadoExpediente

    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 7, 24, 10))  # vence el 12/08/2026
    exp = s.expediente
    assert exp is not None and exp.procedimiento.codigo == "SG-01" and exp.unidad_actual.sigla == "SG"
    assert (exp.fecha_presentacion, exp.fecha_vencimiento, exp.persona_id) == (date(2026, 7, 24), date(2026, 8, 12),
                                                                               base.persona_id)
    base.reloj(lima(2026, 7, 27, 9))
    r = operar(t, s, "derivar", unidad=str(unidad("GDU").id), proveido="Remita copia del contrato")
    base.reloj(None)
    # lunes 27/07 + 5 días hábiles (28 y 29 feriados): 30, 31, 3, 4, 5 de agosto
    assert oraculo_sumar(date(2026, 7, 27), 5) == date(2026, 8, 5)
    assert "derivada a GDU; plazo hasta el 05/08/2026" in texto_de(r.text)
    d = db.session.scalar(sa.select(Derivacion).where(Derivacion.expediente_id == exp.id))
    assert (d.unidad_destino.sigla, d.plazo_dias_habiles, d.fecha_limite, d.estado) == (
        "GDU", 5, date(2026, 8, 5), EstadoDerivacion.pendiente)
    assert (leer(s.id).estado, leer(s.id).unidad_poseedora.sigla) == (EstadoSolicitud.en_atencion, "GDU")
    # la unidad la ve en su bandeja y da el acuse con la acción de siempre
    gdu = como("unidad")
    assert exp.codigo in gdu.get("/admin/derivacion/").text
    assert gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d.id)]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Derivacion, d.id).estado == EstadoDerivacion.recibido
    assert "GDU" in texto_de(t.get(f"{URL}/atender/?id={s.id}").text)
    # otra solicitud derivada a GAT: la unidad GDU no la ve (ni el expediente ni la derivación) y el registro de
    # solicitudes no es de su rol
    o = solicitar(base, t, lima(2026, 11, 25, 10), unidad_poseedora="")
    operar(t, o, "derivar", unidad=str(unidad("GAT").id))
    d2 = db.session.scalar(sa.select(Derivacion).where(Derivacion.expediente_id == o.expediente_id))
    assert d2.unidad_destino.sigla == "GAT"
    assert gdu.get(f"/admin/expediente/details/?id={o.expediente_id}").status_code == 404
    assert o.expediente.codigo not in gdu.get("/admin/derivacion/").text
    assert gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d2.id)]}).status_code == 404
    assert gdu.get(f"{URL}/details/?id={o.id}").status_code == 403
    # respondida, su expediente sale de las bandejas (archivado)
    operar(t, s, "responder", tipo="entregada", fecha_respuesta="05/08/2026")
    db.session.expire_all()
    assert (leer(s.id).estado, db.session.get(models.Expediente, exp.id).estado) == (
        EstadoSolicitud.atendida, EstadoExpediente.archivado)
    assert db.session.get(Derivacion, d.id).estado == EstadoDerivacion.atendido


# ------------------------------------------------------------------------------------------- página pública
def _pregunta(html: str) -> int:
    m = re.search(r"¿Cuánto es (\d+) \+ (\d+)\?", html)
    assert m, "sin pregunta de verificación"
    return int(m.group(1)) + int(m.group(2))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _reto(html: str, respuesta: int | None = None) -> dict:
    """Token CSRF, reto de un solo uso y respuesta (la correcta salvo que se indique otra) de la página mostrada."""
    return {"csrf_token": _csrf(html), "reto": re.search(r'name="reto"[^>]*value="([^"]*)"', html).group(1),
            "respuesta": str(_pregunta(html) if respuesta is None else respuesta)}


def test_formulario_publico_de_punta_a_punta(base, correos):
    """Sin cuenta: formulario oficial, verificación de un solo uso, cargo con número y clave (también por
    correo), consulta con la clave en /consulta y rechazo de una clave equivocada."""
    base.config["MAIL_SERVER"] = "smtp.example.pe"
    c = base.test_client()
    html = c.get("/transparencia").text
    assert "Solicitud de acceso a la información pública" in html and "Domicilio" in html
    datos = {"tipo_documento": "DNI", "numero_documento": "45678912", "nombres": "Juana", "apellidos": "Pérez Ccori",
             "razon_social": "", "direccion": "Jr. Lima 123, Cercado", "email": "juana.perez@example.pe",
             "telefono": "", "sexo": "F", "informacion_solicitada": "Presupuesto institucional de apertura 2026",
             "forma_entrega": "correo", "sitio_web": ""}
    # verificación equivocada: 200, mensaje junto al campo, lo escrito se conserva, nada guardado
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso))
    r = c.post("/transparencia", data={**datos, **_reto(html, _pregunta(html) + 1)})
    assert r.status_code == 200 and "La verificación no es correcta." in r.text
    assert "Presupuesto institucional de apertura 2026" in r.text
    # sin domicilio
    html = r.text
    r = c.post("/transparencia", data={**datos, "direccion": "", **_reto(html)})
    assert r.status_code == 200 and "Indique su domicilio." in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso)) == antes
    html = r.text
    base.reloj(lima(2026, 4, 1, 23, 59, 30))  # miércoles santo a las 23:59 (cierre 23:59): ese día
    r = c.post("/transparencia", data={**datos, **_reto(html)})
    base.reloj(None)
    assert r.status_code == 302 and r.headers["Location"].endswith("/transparencia/cargo")
    db.session.expire_all()
    sol = db.session.scalar(sa.select(SolicitudAcceso).order_by(SolicitudAcceso.id.desc()).limit(1))
    assert (sol.fecha_presentacion, sol.fecha_vencimiento) == (date(2026, 4, 1), oraculo_sumar(date(2026, 4, 1), 10))
    assert (sol.persona.numero_documento, sol.persona.direccion, sol.sexo, sol.forma_entrega.value,
            sol.creado_por_id) == ("45678912", "Jr. Lima 123, Cercado", "F", "correo", None)
    assert sol.expediente is not None and sol.expediente.persona_id == sol.persona_id
    cargo = texto_de(c.get("/transparencia/cargo").text)
    assert sol.codigo in cargo and sol.clave in cargo and "01/04/2026" in cargo
    assert len(correos) == 1 and sol.clave in correos[0]["msg"].get_content()
    assert correos[0]["msg"]["To"] == "juana.perez@example.pe"
    # la verificación no se reutiliza: el mismo envío otra vez no pasa
    r = c.post("/transparencia", data={**datos, **_reto(html)})
    assert r.status_code == 200 and "La verificación no es correcta." in r.text
    # consulta con número y clave (otro navegador); clave equivocada
    otro = base.test_client()
    consulta = otro.get("/consulta").text
    r = otro.post("/consulta", data={"csrf_token": _csrf(consulta), "codigo": sol.codigo.lower(), "clave": sol.clave})
    assert sol.codigo in r.text and "Recibida" in texto_de(r.text) and oraculo_sumar(
        date(2026, 4, 1), 10).strftime("%d/%m/%Y") in texto_de(r.text)
    r = otro.post("/consulta", data={"csrf_token": _csrf(consulta), "codigo": sol.codigo, "clave": "XXXXXXXX"})
    assert "No se encontró" in r.text and "Plazo de respuesta" not in r.text
    # sin correo no se elige la entrega por correo
    html = c.get("/transparencia").text
    r = c.post("/transparencia", data={**datos, "email": "", "csrf_token": _csrf(html),
                                       "respuesta": str(_pregunta(html))})
    assert r.status_code == 200 and "indique su correo electrónico" in r.text


def test_formulario_publico_con_limite_por_ip(base, otra_app):
    c = otra_app(RATELIMIT_ENABLED=True, LIMITE_TRANSPARENCIA="2/hour").test_client()
    codigos = []
    for _ in range(3):
        html = c.get("/transparencia").text
        r = c.post("/transparencia", data={"csrf_token": _csrf(html), "respuesta": "0", "tipo_documento": "DNI",
                                           "numero_documento": "1"})
        codigos.append(r.status_code)
    assert codigos == [200, 200, 429]


def test_semaforo_en_el_tablero_de_transparencia_y_sg(base, como):
    t = como("transparencia")
    solicitar(base, t, lima(2026, 7, 24, 10))  # vencida: denegatoria ficta
    solicitar(base, t, lima(2026, 7, 24, 11))
    reciente = solicitar(base, t, datetime.now(ZONA_LIMA))
    observada = solicitar(base, t, lima(2026, 11, 20, 10))
    operar(t, observada, "observar", observacion="Falta el domicilio", fecha_observacion="23/11/2026")
    assert leer(observada.id).estado == EstadoSolicitud.observada
    cuenta = {k: db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso).where(
        transparencia.condicion_semaforo(k))) for k in ("a_tiempo", "por_vencer", "vencida")}
    assert cuenta["vencida"] >= 2 and cuenta["a_tiempo"] >= 1 and reciente.fecha_vencimiento > models.hoy_lima()
    for usuario in ("transparencia", "secretaria_general"):
        tablero = texto_de(como(usuario).get("/admin/").text)
        assert "Solicitudes de acceso a la información" in tablero
        assert f"Vencidas (denegatoria ficta) {cuenta['vencida']}" in tablero
        assert f"A tiempo {cuenta['a_tiempo']}" in tablero and "Observadas (por subsanar) 1" in tablero
    assert "Solicitudes de acceso" not in como("mesa_partes").get("/admin/").text
    # el enlace de la tarjeta lleva al listado filtrado
    enlace = re.search(r'href="([^"]*semaforo[^"]*vencida[^"]*)"', como("transparencia").get("/admin/").text)
    assert enlace and "flt0_semaforo_equals=vencida" in enlace.group(1).replace("&amp;", "&")


# ------------------------------------------------------------------------------------------- informe anual
def test_informe_anual_pagina_y_excel_con_graficos(base, como):
    """Cada cifra del informe (página y Excel) contra un conteo SQL propio; el libro tiene portada y gráficos
    nativos (xl/charts/*.xml que apuntan a sus hojas)."""
    import io
    import zipfile

    import openpyxl

    t = como("transparencia")
    intimidad = db.session.scalar(sa.select(ExcepcionTransparencia.id).where(ExcepcionTransparencia.codigo == "17.5"))
    secreto = db.session.scalar(sa.select(ExcepcionTransparencia.id).where(ExcepcionTransparencia.codigo == "17.2"))
    # marzo: 3 (una entregada en 4 días hábiles, una denegada por 17.5, una desistida)
    a = solicitar(base, t, lima(2026, 3, 2, 10), forma="correo", informacion_solicitada="Presupuesto de obras 2026")
    operar(t, a, "responder", tipo="entregada", fecha_respuesta="06/03/2026")
    b = solicitar(base, t, lima(2026, 3, 3, 10), sexo="M", informacion_solicitada="Planilla de obras del puente")
    operar(t, b, "responder", tipo="denegada", fecha_respuesta="13/03/2026", excepcion=str(intimidad),
           fundamento="Datos personales")
    c = solicitar(base, t, lima(2026, 3, 4, 10), sexo="", informacion_solicitada="Licencias de obras")
    operar(t, c, "responder", tipo="desistida", fecha_respuesta="05/03/2026")
    # julio: parcial por 17.2, encauzada, pendiente (vencida), observada sin subsanar
    d = solicitar(base, t, lima(2026, 7, 24, 10), forma="correo", informacion_solicitada="Contrato de limpieza")
    operar(t, d, "responder", tipo="parcial", fecha_respuesta="05/08/2026", excepcion=str(secreto),
           fundamento="Secreto comercial", informacion_denegada="Costos unitarios del postor")
    e = solicitar(base, t, lima(2026, 7, 24, 11))
    operar(t, e, "encauzar", entidad="SUNARP", fecha_encauzamiento="27/07/2026")
    solicitar(base, t, lima(2026, 7, 27, 9), unidad_poseedora=str(unidad("GAT").id))
    # otro año: no cuenta
    solicitar(base, t, lima(2025, 12, 30, 9))
    # el 31/12/2025 después del cierre se presenta el 02/01/2026 (¿feriado? el oráculo decide): cuenta en 2026
    base.config["HORA_CIERRE"] = "16:30"
    fin = solicitar(base, t, lima(2025, 12, 31, 18))
    assert fin.anio == 2025 and fin.fecha_presentacion.year == 2026

    def sql(where: str) -> int:
        return db.session.execute(sa.text(
            "SELECT count(*) FROM solicitud_acceso WHERE fecha_presentacion BETWEEN '2026-01-01' AND '2026-12-31'"
            + (f" AND {where}" if where else ""))).scalar()

    esperado = {"recibidas": sql(""), "atendidas": sql("estado IN ('atendida', 'parcialmente_denegada')"),
                "denegadas": sql("estado IN ('denegada', 'parcialmente_denegada')"),
                "pendientes": sql("estado IN ('recibida', 'observada', 'en_atencion', 'prorrogada')"),
                "encauzadas": sql("estado = 'derivada'"), "desistidas": sql("estado = 'desistida'")}
    assert esperado == {"recibidas": 7, "atendidas": 2, "denegadas": 2, "pendientes": 2, "encauzadas": 1,
                        "desistidas": 1}
    # promedio de días hábiles de respuesta (entregadas y denegadas), con el oráculo
    dias = [oraculo_entre(date(2026, 3, 2), date(2026, 3, 6)), oraculo_entre(date(2026, 3, 3), date(2026, 3, 13)),
            oraculo_entre(date(2026, 7, 24), date(2026, 8, 5))]
    promedio = round(sum(dias) / 3, 1)

    pagina = t.get("/admin/reporte_transparencia/?anio=2026")
    assert pagina.status_code == 200
    for k, v in esperado.items():
        assert f'id="ind-{k}">{v}<' in pagina.text, k
    assert f'id="ind-promedio_dias">{str(promedio).replace(".", ",")}<' in pagina.text  # coma decimal
    plano = texto_de(pagina.text)
    assert "Art. 17.5 – Información confidencial: datos personales 1" in plano
    assert "Art. 17.2 – Información confidencial: secretos protegidos 1" in plano
    assert "Marzo 3 1 1" in plano and "Julio 3 1 1" in plano and "obras 3" in plano

    r = t.get("/admin/reporte_transparencia/xlsx/?anio=2026")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["Portada", "Resumen", "Por mes", "Por unidad", "Excepciones", "Sexo", "Temas"]
    portada = {f[0]: f[1] for f in wb["Portada"].iter_rows(min_row=3, values_only=True) if f[0]}
    assert portada["Entidad"] == base.config["MUNICIPALIDAD"] and portada["Año"] == 2026
    assert "transparencia" in portada["Generado por"] and portada["Generado el"] is not None
    resumen = {f[0]: f[1] for f in wb["Resumen"].iter_rows(min_row=2, values_only=True) if f[0]}
    assert resumen["Solicitudes recibidas"] == esperado["recibidas"]
    assert resumen["Atendidas (total o parcialmente)"] == esperado["atendidas"]
    assert resumen["Denegadas (total o parcialmente)"] == esperado["denegadas"]
    assert resumen["En trámite (pendientes)"] == esperado["pendientes"]
    assert resumen["Encauzadas a otra entidad"] == esperado["encauzadas"]
    assert resumen["Desistidas"] == esperado["desistidas"]
    assert resumen["Promedio de días hábiles de respuesta"] == promedio
    assert sum(resumen[k] for k in ("Entregadas", "Parcialmente denegadas", "Denegadas", "En trámite", "Encauzadas",
                                    "Desistidas", "No presentadas")) == esperado["recibidas"]
    por_mes = {f[0]: f[1:] for f in wb["Por mes"].iter_rows(min_row=2, values_only=True)}
    for n, nombre in ((1, "Enero"), (2, "Febrero"), (3, "Marzo"), (7, "Julio")):
        assert por_mes[nombre][0] == db.session.execute(sa.text(
            "SELECT count(*) FROM solicitud_acceso WHERE fecha_presentacion >= :a AND fecha_presentacion < :b"),
            {"a": date(2026, n, 1), "b": date(2026, n + 1, 1)}).scalar()
    assert (por_mes["Enero"][0], por_mes["Marzo"], por_mes["Julio"]) == (1, (3, 1, 1), (3, 1, 1))
    unidades = {f[0]: f[1] for f in wb["Por unidad"].iter_rows(min_row=2, values_only=True)}
    assert unidades["GAT"] == 1 and unidades["GDU"] == esperado["recibidas"] - 1 - sql("unidad_poseedora_id IS NULL")
    excepciones = {f[0]: f[1] for f in wb["Excepciones"].iter_rows(min_row=2, values_only=True)}
    assert excepciones == {"Art. 17.2 – Información confidencial: secretos protegidos": 1,
                           "Art. 17.5 – Información confidencial: datos personales": 1}
    sexo = {f[0]: f[1] for f in wb["Sexo"].iter_rows(min_row=2, values_only=True)}
    assert sexo == {"Femenino": sql("sexo = 'F'"), "Masculino": sql("sexo = 'M'"), "No declara": sql("sexo IS NULL")}
    assert sexo["Masculino"] == 1 and sum(sexo.values()) == esperado["recibidas"]
    # gráficos nativos de Excel, uno por cuadro, con sus datos en la hoja
    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        graficos = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = "".join(z.read(n).decode() for n in graficos)
    assert len(graficos) == 6
    for hoja in ("Resumen", "'Por mes'", "'Por unidad'", "Excepciones", "Sexo", "Temas"):
        assert f"{hoja}!$B$2" in xml or f"{hoja}!$B$" in xml, hoja
    assert "<c:pieChart>" in xml and "<c:barChart>" in xml
    # permisos: el auditor lo ve; una unidad orgánica no
    assert como("auditor").get("/admin/reporte_transparencia/xlsx/?anio=2026").status_code == 200
    assert como("unidad").get("/admin/reporte_transparencia/?anio=2026").status_code == 403


def test_ingreso_desde_un_expediente_de_mesa_de_partes(base, como, crear_expediente):
    """Una solicitud que ingresó por Mesa de Partes se registra desde su expediente: su remitente, su fecha de
    presentación y ese mismo expediente para derivarla (no otro)."""
    from models import Expediente

    base.reloj(lima(2026, 4, 1, 17, 0))  # miércoles santo a las 17:00 (cierre 16:30): se presenta el lunes 06/04
    base.config["HORA_CIERRE"] = "16:30"
    exp = crear_expediente("UTD", asunto="Solicita copia de la licencia del mercado")
    base.reloj(None)
    assert exp.fecha_presentacion == date(2026, 4, 6)
    t = como("transparencia")
    antes = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente))
    s = solicitar(base, t, lima(2026, 11, 25, 10), persona="", expediente=str(exp.id))
    assert (s.expediente_id, s.persona_id, s.fecha_presentacion) == (exp.id, exp.persona_id, date(2026, 4, 6))
    assert s.fecha_vencimiento == oraculo_sumar(date(2026, 4, 6), 10)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Expediente)) == antes  # ninguno nuevo
    # el mismo expediente no se registra dos veces; sin expediente ni solicitante, el mensaje va junto al campo
    r = solicitar(base, t, lima(2026, 11, 25, 11), esperar=200, persona="", expediente=str(exp.id))
    assert f"ya es la solicitud {s.codigo}" in texto_de(r.text)
    r = solicitar(base, t, lima(2026, 11, 25, 11), esperar=200, persona="")
    assert "Elija al solicitante" in texto_de(r.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SolicitudAcceso)) == 1


# ------------------------------------------------------------------ issue 21: subsanación y calendario
def test_la_subsanacion_se_pide_dentro_de_2_dias_habiles_y_el_plazo_corre_desde_ella(base, como):
    """Presentada el lunes 20/07/2026: la entidad pide la subsanación hasta el miércoles 22/07 (2 días hábiles);
    el jueves 30/07 (5.º día hábil: 23, 28 y 29 son feriados) ya no: la solicitud se tiene por admitida.
    Observada el 22/07 y subsanada el viernes 24/07, los 10 días corren desde la subsanación: hasta el 12/08
    (6 de agosto, feriado), y su expediente con ella; mientras estuvo observada, el expediente no vencía."""
    from models import Expediente

    t = como("transparencia")
    tarde = solicitar(base, t, lima(2026, 7, 20, 10))
    assert oraculo_sumar(date(2026, 7, 20), 2) == date(2026, 7, 22)
    assert oraculo_sumar(date(2026, 7, 20), 5) == date(2026, 7, 30)
    pagina = texto_de(t.get(f"{URL}/atender/?id={tarde.id}").text)  # el formulario dice hasta cuándo
    assert "una sola vez, a más tardar el 22/07/2026; después se tiene por admitida" in pagina
    base.reloj(lima(2026, 7, 30, 12))
    r = operar(t, tarde, "observar", observacion="Precise el período", fecha_observacion="30/07/2026")
    assert ("dentro de 2 días hábiles de recibida la solicitud, hasta el 22/07/2026: pasado ese plazo la "
            "solicitud se tiene por admitida") in texto_de(r.text)
    assert (leer(tarde.id).estado, leer(tarde.id).fecha_observacion) == (EstadoSolicitud.recibida, None)

    s = solicitar(base, t, lima(2026, 7, 20, 11))
    base.reloj(lima(2026, 7, 22, 12))
    r = operar(t, s, "observar", observacion="Falta el domicilio", fecha_observacion="22/07/2026")
    assert "subsana hasta el 27/07/2026" in texto_de(r.text)
    assert db.session.get(Expediente, leer(s.id).expediente_id).fecha_vencimiento is None
    base.reloj(lima(2026, 7, 24, 12))
    r = operar(t, s, "subsanar", fecha_subsanacion="24/07/2026")
    assert "vence el 12/08/2026" in texto_de(r.text)
    s = leer(s.id)
    assert s.fecha_vencimiento == oraculo_sumar(date(2026, 7, 24), 10) == date(2026, 8, 12)
    assert db.session.get(Expediente, s.expediente_id).fecha_vencimiento == date(2026, 8, 12)


def test_feriado_de_la_pantalla_mueve_la_solicitud_y_su_expediente(base, como):
    """Presentada el lunes 14/12/2026, vence el martes 29/12 (25, Navidad). El 24/12 declarado no laborable en la
    pantalla *Feriados* corre la solicitud Y su expediente al 30/12 (antes la pantalla recalculaba sin enviar lo
    recalculado y el expediente volvía al 29/12); quitarlo los devuelve al 29/12. Lo mismo por un script que agrega
    el feriado sin llamar a ningún servicio: el recálculo va con el guardado del feriado."""
    from models import Expediente, Feriado

    def fechas(sol):
        sol = leer(sol.id)
        return sol.fecha_vencimiento, db.session.get(Expediente, sol.expediente_id).fecha_vencimiento

    t = como("transparencia")
    s = solicitar(base, t, lima(2026, 12, 14, 10))
    assert fechas(s) == (oraculo_sumar(date(2026, 12, 14), 10), date(2026, 12, 29)) == (date(2026, 12, 29),) * 2
    sg = como("secretaria_general")
    r = sg.post("/admin/feriado/new/", {"fecha": "24/12/2026", "nombre": "Día no laborable (D.S. de prueba)",
                                        "tipo": "no_laborable"})
    assert r.status_code == 302, r.text[:2000]
    assert fechas(s) == (date(2026, 12, 30), date(2026, 12, 30))
    feriado = db.session.scalar(sa.select(Feriado).where(Feriado.fecha == date(2026, 12, 24)))
    r = sg.post("/admin/feriado/delete/", {"id": str(feriado.id), "url": "/admin/feriado/"})
    assert r.status_code == 302
    assert fechas(s) == (date(2026, 12, 29), date(2026, 12, 29))
    # un script (o una importación) que solo agrega la fila
    db.session.add(Feriado(fecha=date(2026, 12, 24), nombre="Día no laborable (script)", tipo="no_laborable"))
    db.session.commit()
    assert fechas(s) == (date(2026, 12, 30), date(2026, 12, 30))
