"""Dos clics a la vez (issue 9, ítem 16): «derivar» no parte el expediente y «recibir» deja un solo acuse.

Con hilos reales y peticiones HTTP (login y CSRF), en PostgreSQL (bloqueo de fila `FOR UPDATE`) y en SQLite
(escrituras serializadas + columna `version`)."""

from __future__ import annotations

import sqlalchemy as sa

from models import Derivacion, EstadoDerivacion, Expediente, RegistroAuditoria, Usuario, db
from services.tramite import derivar
from tests.conftest import a_la_vez, unidad

ENSAYOS = 6


def _pendientes(exp_id) -> list[Derivacion]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Derivacion).where(
        Derivacion.expediente_id == exp_id, Derivacion.estado == EstadoDerivacion.pendiente)))


def test_dos_derivaciones_simultaneas_no_parten_el_expediente(como, crear_expediente):
    a, b = como("unidad"), como("unidad")  # el mismo expediente abierto en dos navegadores de GDU
    destinos = unidad("GAT").id, unidad("GSC").id
    for _ in range(ENSAYOS):
        exp = crear_expediente("GDU")
        a.token, b.token  # noqa: B018  (los tokens CSRF, antes de la carrera)
        url = f"/admin/expediente/tramitar/?id={exp.id}"
        respuestas = a_la_vez([
            lambda n=n, d=d, url=url: n.post(url, {"operacion": "derivar", "destino": str(d), "accion": "atender"})
            for n, d in ((a, destinos[0]), (b, destinos[1]))])
        assert all(not isinstance(r, Exception) for r in respuestas), respuestas
        codigos = sorted(r.status_code for r in respuestas)
        assert codigos == [200, 302], codigos  # uno deriva; el otro ve el aviso (ni 500 ni dos derivaciones)
        perdedor = next(r for r in respuestas if r.status_code == 200)
        assert "no está en su unidad" in perdedor.text or "al mismo tiempo" in perdedor.text
        db.session.expire_all()
        exp = db.session.get(Expediente, exp.id)
        [pendiente] = _pendientes(exp.id)
        assert pendiente.unidad_destino_id == exp.unidad_actual_id
        assert pendiente.unidad_origen_id == unidad("GDU").id


def test_dos_acuses_simultaneos_dejan_uno(como, crear_expediente):
    a, b = como("unidad"), como("unidad")
    sg = db.session.scalar(sa.select(Usuario).where(Usuario.username == "secretaria_general"))
    for _ in range(ENSAYOS):
        exp = crear_expediente("GAT")
        d = derivar(exp, unidad("GDU"), usuario=sg)
        db.session.commit()
        a.token, b.token  # noqa: B018
        fila = str(d.id)
        respuestas = a_la_vez([
            lambda n=n, fila=fila: n.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [fila]})
            for n in (a, b)])
        assert all(not isinstance(r, Exception) and r.status_code == 302 for r in respuestas), respuestas
        db.session.expire_all()
        assert db.session.get(Derivacion, d.id).estado == EstadoDerivacion.recibido
        acuses = [f for f in db.session.scalars(sa.select(RegistroAuditoria).where(
            RegistroAuditoria.entidad == "derivacion", RegistroAuditoria.entidad_id == d.id))
            if (f.cambios or {}).get("estado") == ["pendiente", "recibido"]]
        assert len(acuses) == 1, [f.cambios for f in acuses]
