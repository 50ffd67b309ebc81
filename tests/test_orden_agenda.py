"""Orden de los puntos de agenda: lo da el servicio de numeración (services/numeracion.siguiente_libre), no
un max()+1 en la vista; dos peticiones a la vez no obtienen el mismo número."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from models import PuntoAgenda, SesionConcejo, db
from services import numeracion


def _sesion(n) -> int:
    """Una sesión ordinaria de agosto de 2026 creada por HTTP, con los puntos 1 y 2."""
    r = n.post("/admin/sesion_concejo/new/", data={"tipo": "ordinaria", "fecha_hora": "14/08/2026 10:00",
                                                   "lugar": "Salón de actos", "modalidad": "presencial",
                                                   "fecha_convocatoria": "10/08/2026"})
    assert r.status_code == 302, r.text[:2000]
    sesion_id = db.session.scalar(sa.select(sa.func.max(SesionConcejo.id)))
    _agregar(n, sesion_id, "Aprobación del acta de la sesión anterior")
    _agregar(n, sesion_id, "Informe de la Gerencia Municipal")
    return sesion_id


def _ordenes(sesion_id: int) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PuntoAgenda.orden).where(PuntoAgenda.sesion_id == sesion_id)
                                   .order_by(PuntoAgenda.orden)))


def _agregar(n, sesion_id: int, titulo: str, orden: str = ""):
    r = n.post(f"/admin/punto_agenda/new/?sesion_id={sesion_id}",
               data={"sesion": sesion_id, "seccion": "orden_del_dia", "titulo": titulo, "materia": "general",
                     "mayoria_requerida": "simple", "orden": orden})
    assert r.status_code == 302, r.text[:2000]


def test_orden_siguiente_por_http(como):
    sg = como("secretaria_general")
    sesion_id = _sesion(sg)
    assert _ordenes(sesion_id) == [1, 2]
    _agregar(sg, sesion_id, "Pedido de la regidora sobre el mercado")
    _agregar(sg, sesion_id, "Informe de la comisión de obras", orden="9")
    _agregar(sg, sesion_id, "Moción de saludo")
    assert _ordenes(sesion_id) == [1, 2, 3, 9, 10]
    ultimo = db.session.scalar(sa.select(PuntoAgenda.id).where(PuntoAgenda.sesion_id == sesion_id,
                                                                PuntoAgenda.orden == 10))
    r = sg.post("/admin/punto_agenda/delete/", data={"id": str(ultimo)})
    assert r.status_code == 302
    _agregar(sg, sesion_id, "Moción de saludo (corregida)")
    assert _ordenes(sesion_id) == [1, 2, 3, 9, 10]  # como antes: el orden del punto borrado se reutiliza


def test_dos_a_la_vez_no_chocan(app, como):
    """A saca el orden y no confirma; B pide el suyo y espera a A; ambos quedan guardados, B con el siguiente."""
    sesion_id = _sesion(como("secretaria_general"))
    db.session.commit()
    sacado, confirmar, resultados, errores = threading.Event(), threading.Event(), {}, []

    def agregar(nombre: str, antes=None, despues=None):
        try:
            with app.app_context():
                if antes:
                    antes.wait(30)
                n = numeracion.siguiente_libre(f"punto_agenda:{sesion_id}", PuntoAgenda.orden,
                                               PuntoAgenda.sesion_id == sesion_id)
                db.session.add(PuntoAgenda(sesion_id=sesion_id, orden=n, titulo=f"Punto de {nombre}",
                                           materia="general", mayoria_requerida="simple"))
                db.session.flush()
                resultados[nombre] = n
                if despues:
                    despues.set()
                    confirmar.wait(30)
                db.session.commit()
                db.session.remove()
        except Exception as e:  # noqa: BLE001 - se reporta abajo
            errores.append(e)

    a = threading.Thread(target=agregar, args=("A", None, sacado))
    b = threading.Thread(target=agregar, args=("B", sacado))
    a.start()
    b.start()
    sacado.wait(30)
    time.sleep(0.5)  # B ya pidió su número y espera el bloqueo de A
    assert "B" not in resultados
    confirmar.set()
    a.join(60)
    b.join(60)
    assert errores == []
    assert resultados == {"A": 3, "B": 4}
    assert _ordenes(sesion_id) == [1, 2, 3, 4]
