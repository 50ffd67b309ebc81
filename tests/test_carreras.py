"""Dos clics (o cincuenta) a la vez sobre un número oficial o un cambio de estado (issue 20, ítems 1 y 2): con hilos
reales y peticiones HTTP (sesión y CSRF), N intentos simultáneos dan exactamente **un** éxito; los demás ven lo que
hizo el primero («ya aprobada», «ya fue recibida»…), ningún número sacado se pierde y nada se hace dos veces.

En PostgreSQL (bloqueo de fila `FOR UPDATE`) con muchos intentos; en SQLite (cerrojo de escritura) con pocos. Las
cifras de cada carrera se imprimen en la salida de pytest."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from models import (
    ZONA_LIMA,
    Acta,
    Certificacion,
    Correlativo,
    Eliminacion,
    EstadoActa,
    EstadoEliminacion,
    EstadoTransferencia,
    NormaMunicipal,
    RegistroAuditoria,
    SolicitudAcceso,
    Transferencia,
    UnidadConservacion,
    db,
)
from services import archivo, normas, semilla, transparencia
from tests.archivo_comun import caja, lugar, serie
from tests.ayudas_fedatario import certificar, persona
from tests.conftest import a_la_vez, hoy, sesion_celebrada, unidad

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


def _intentos(backend: str, en_pg: int) -> int:
    return en_pg if backend == "postgres" else 6


def _carrera(como, rol: str, n: int, url: str, datos: dict, capsys, nombre: str) -> list:
    """n navegadores con sesión del rol envían el mismo POST a la vez; devuelve las respuestas."""
    navegadores = [como(rol) for _ in range(n)]
    for nav in navegadores:
        nav.token  # noqa: B018  (el token CSRF, antes de la carrera)
    respuestas = a_la_vez([lambda nav=nav: nav.post(url, datos) for nav in navegadores])
    assert all(not isinstance(r, Exception) for r in respuestas), [r for r in respuestas if isinstance(r, Exception)]
    codigos = sorted(r.status_code for r in respuestas)
    assert all(c in (200, 302) for c in codigos), codigos  # ni 500 ni 409: el perdedor ve la página con el aviso
    exitos = sum(1 for r in respuestas if r.status_code == 302)
    with capsys.disabled():
        print(f"\n[carrera] {nombre}: {n} intentos a la vez, {exitos} éxito(s)")
    return respuestas


def _perdedores_avisados(respuestas, *frases) -> None:
    for r in respuestas:
        if r.status_code == 200:
            assert any(f in r.text for f in frases), r.text[-3000:]


def test_aprobar_una_norma_a_la_vez(app, como, backend, capsys):
    """50 «Aprobar» del mismo proyecto: un número (001), ningún otro sacado ni perdido (antes: 082 → 083 → 084)."""
    proyecto = NormaMunicipal(tipo="ordenanza", sumilla="Ordenanza que regula el comercio ambulatorio")
    normas.proyectar_norma(proyecto)
    db.session.add(proyecto)
    db.session.commit()
    n = _intentos(backend, 50)
    respuestas = _carrera(como, "secretaria_general", n, f"/admin/norma_municipal/aprobar/?id={proyecto.id}",
                          {"fecha": f"{hoy():%d/%m/%Y}"}, capsys, "aprobar una norma")
    assert sum(1 for r in respuestas if r.status_code == 302) == 1
    _perdedores_avisados(respuestas, "ya fue aprobada")
    db.session.expire_all()
    norma = db.session.get(NormaMunicipal, proyecto.id)
    assert (norma.numero, norma.codigo) == (1, f"ORDENANZA MUNICIPAL N° 001-{hoy().year}-MDD")
    clave = f"norma:ordenanza:{hoy().year}"
    ultimo = db.session.scalar(sa.select(Correlativo.ultimo).where(Correlativo.clave == clave))
    assert ultimo == 1  # ningún número sacado quedó sin norma
    aprobaciones = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "norma_municipal", RegistroAuditoria.entidad_id == norma.id,
        RegistroAuditoria.accion == "editar")).all()
    assert len(aprobaciones) == 1


def test_recibir_una_transferencia_a_la_vez(app, como, backend, capsys):
    """30 «Recibir» de la misma transferencia: una recepción; las cajas se ubican una vez."""
    s, lugares = serie(), [lugar(estante=e) for e in (1, 2)]
    t = Transferencia(unidad_origen=unidad("GDU"), fecha=hoy())
    archivo.programar_transferencia(t)
    db.session.add(t)
    cajas = [caja(s, hasta=hoy().replace(month=1, day=15)) for _ in range(2)]
    for c in cajas:
        c.transferencia = t
    db.session.commit()
    n = _intentos(backend, 30)
    datos = {f"ubicacion_{c.id}": str(lugares[i].id) for i, c in enumerate(cajas)}
    respuestas = _carrera(como, "archivo", n, f"/admin/transferencia/recibir/?id={t.id}", datos, capsys,
                          "recibir una transferencia")
    assert sum(1 for r in respuestas if r.status_code == 302) == 1
    _perdedores_avisados(respuestas, "ya fue recibida")
    db.session.expire_all()
    assert db.session.get(Transferencia, t.id).estado == EstadoTransferencia.recibida
    movidas = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "unidad_conservacion", RegistroAuditoria.entidad_id.in_([c.id for c in cajas]),
        RegistroAuditoria.accion == "editar")).all()
    movidas = [f for f in movidas if "ubicacion_id" in (f.cambios or {})]
    assert len(movidas) == len(cajas)  # cada caja se movió una sola vez
    assert [db.session.get(UnidadConservacion, c.id).ubicacion_id for c in cajas] == [u.id for u in lugares]


def test_aprobar_un_acta_a_la_vez(app, como, backend, capsys):
    semilla.cargar_sesiones_demo()
    db.session.commit()
    acta = db.session.scalar(sa.select(Acta))
    pasada = acta.sesion
    posterior = sesion_celebrada("ordinaria", pasada.fecha_hora + timedelta(days=7), {i: "presente" for i in range(9)})
    db.session.commit()
    n = _intentos(backend, 20)
    respuestas = _carrera(como, "secretaria_general", n, f"/admin/acta/aprobar/?id={acta.id}",
                          {"sesion": str(posterior.id)}, capsys, "aprobar un acta")
    assert sum(1 for r in respuestas if r.status_code == 302) == 1
    _perdedores_avisados(respuestas, "ya está aprobada")
    db.session.expire_all()
    assert db.session.get(Acta, acta.id).estado == EstadoActa.aprobada


def test_anular_una_certificacion_a_la_vez(app, como, backend, capsys):
    cert = certificar()
    n = _intentos(backend, 20)
    respuestas = _carrera(como, "fedatario", n, f"/admin/certificacion/anular/?id={cert.id}",
                          {"motivo": "Error en el número de folios"}, capsys, "anular una certificación")
    assert sum(1 for r in respuestas if r.status_code == 302) == 1
    _perdedores_avisados(respuestas, "ya está anulada")
    anulaciones = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "certificacion", RegistroAuditoria.entidad_id == cert.id,
        RegistroAuditoria.accion == "anular")).all()
    assert len(anulaciones) == 1
    assert db.session.get(Certificacion, cert.id).anulada


def test_aprobar_una_eliminacion_a_la_vez(app, como, backend, capsys):
    s = serie(codigo="GDU-VAR", gestion=1, central=1)
    c = caja(s, ubicacion=lugar(), hasta=datetime(2015, 6, 30).date())
    e = Eliminacion()
    archivo.numerar_eliminacion(e)
    db.session.add(e)
    db.session.commit()
    c.eliminacion = e
    db.session.commit()
    n = _intentos(backend, 20)
    respuestas = _carrera(como, "archivo", n, f"/admin/eliminacion/operar/?id={e.id}",
                          {"operacion": "aprobar", "fecha": f"{hoy():%d/%m/%Y}", "documento": "Acta CED 3-2026"},
                          capsys, "aprobar una eliminación (comité)")
    assert sum(1 for r in respuestas if r.status_code == 302) == 1
    _perdedores_avisados(respuestas, "ese paso ya se dio", "al mismo tiempo")
    db.session.expire_all()
    assert db.session.get(Eliminacion, e.id).estado == EstadoEliminacion.aprobada_comite


def test_responder_una_solicitud_a_la_vez(app, como, backend, capsys, reloj):
    reloj(datetime(2026, 12, 2, 10, tzinfo=ZONA_LIMA))  # miércoles hábil: presentada y respondida el mismo día
    sol = SolicitudAcceso(persona=persona(), informacion_solicitada="Presupuesto 2026", forma_entrega="correo")
    transparencia.registrar_solicitud(sol)
    db.session.add(sol)
    db.session.commit()
    n = _intentos(backend, 20)
    respuestas = _carrera(como, "transparencia", n, f"/admin/solicitud_acceso/atender/?id={sol.id}",
                          {"operacion": "responder", "tipo": "entregada",
                           "fecha_respuesta": f"{sol.fecha_presentacion:%d/%m/%Y}"},
                          capsys, "responder una solicitud de acceso")
    assert sum(1 for r in respuestas if r.status_code == 302) == 1
    _perdedores_avisados(respuestas, "no admite respuesta")
    respuestas_auditadas = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "solicitud_acceso", RegistroAuditoria.entidad_id == sol.id,
        RegistroAuditoria.accion == "editar")).all()
    assert sum(1 for f in respuestas_auditadas if "fecha_respuesta" in (f.cambios or {})) == 1


def test_mismo_dni_nuevo_desde_dos_formularios_publicos(app, backend, capsys):
    """Varias personas presentan a la vez con el mismo DNI aún no registrado: una persona, ningún 500."""
    from tests.conftest import Ciudadano

    n = 6 if backend == "postgres" else 3
    ciudadanos = [Ciudadano(app) for _ in range(n)]
    respuestas = a_la_vez([lambda c=c: c.presentar(numero_documento="47110815") for c in ciudadanos])
    assert all(not isinstance(r, Exception) for r in respuestas), respuestas
    assert sorted(r.status_code for r in respuestas) == [302] * n
    from models import Persona

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Persona).where(
        Persona.numero_documento == "47110815")) == 1
    with capsys.disabled():
        print(f"\n[carrera] mesa digital con el mismo DNI nuevo: {n} envíos a la vez, {n} ingresos, 1 persona")

