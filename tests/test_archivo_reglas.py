"""Archivo central (docs/reglas.md §7; issue 14): las reglas que viven debajo del formulario (modelo, restricciones
de la base y services/archivo.py), en SQLite y PostgreSQL, con fechas reales.

2026: jueves 2 y viernes 3 de abril (Semana Santa) son feriados; un préstamo del miércoles 1 de abril vence a los
10 días hábiles, el viernes 17 de abril (no el 15, que sería sin contar los feriados).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

import models
from models import (
    Eliminacion,
    ErrorDeRegla,
    EstadoPrestamo,
    EstadoUnidadConservacion,
    Prestamo,
    Transferencia,
    Ubicacion,
    UnidadConservacion,
    Usuario,
    db,
)
from services import archivo
from tests.archivo_comun import caja, dia, lugar, serie
from tests.conftest import unidad


def rechaza(mensaje: str, fn, *args):
    with pytest.raises(ErrorDeRegla, match=mensaje):
        fn(*args)
        db.session.flush()
    db.session.rollback()


def test_codigo_de_ubicacion_y_capacidad(base, reloj):
    u = lugar(capacidad=2)
    assert u.codigo == "D1-A1-E03-C2-N4"
    s = serie()
    a, b = caja(s, u), caja(s, u)
    anio = models.hoy_lima().year
    assert (a.codigo, b.codigo) == (f"GDU-{anio}-0001", f"GDU-{anio}-0002")
    assert db.session.scalar(sa.select(Ubicacion.ocupadas).where(Ubicacion.id == u.id)) == 2
    tercera = caja(s)

    def ubicar():
        tercera.ubicacion, tercera.estado = u, EstadoUnidadConservacion.en_archivo

    rechaza("D1-A1-E03-C2-N4 está llena: tiene 2 de 2", ubicar)
    # no se reduce la capacidad por debajo de lo que hay
    u = db.session.get(Ubicacion, u.id)
    u.capacidad = 1
    rechaza("tiene 2 cajas: la capacidad no puede ser menor", db.session.commit)
    # una ubicación con cajas no se quita
    db.session.delete(db.session.get(Ubicacion, u.id))
    rechaza("tiene cajas: muévalas antes", db.session.commit)
    # la misma posición dos veces: la base lo impide
    db.session.add(Ubicacion(deposito=1, ambiente=1, estante=3, cuerpo=2, nivel=4, capacidad=5))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    # una caja en el archivo central sin lugar: la base lo impide (CHECK)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(UnidadConservacion).where(UnidadConservacion.id == a.id)
                           .values(ubicacion_id=None))
    db.session.rollback()


def test_prestamo_vence_a_los_10_dias_habiles_sin_doble_prestamo_y_devolucion(base, reloj):
    reloj(dia(date(2026, 4, 1)))
    s = serie()
    c = caja(s, lugar())
    p = archivo.prestar(c, unidad("GAT"), "Luis Rojas (GAT)")
    db.session.commit()
    assert (p.fecha_prestamo, p.fecha_devolucion_prevista) == (date(2026, 4, 1), date(2026, 4, 17))
    assert c.estado == EstadoUnidadConservacion.prestada and p.estado == EstadoPrestamo.vigente
    # la misma caja otra vez: la regla lo dice…
    rechaza("ya está prestada", archivo.prestar, c, unidad("GDE"), "Otra persona")
    # …y la base lo impide aunque se salte el modelo (índice único parcial)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.insert(Prestamo.__table__).values(
            unidad_conservacion_id=c.id, unidad_solicitante_id=unidad("GDE").id, solicitante="x",
            fecha_prestamo=date(2026, 4, 1), fecha_devolucion_prevista=date(2026, 4, 17),
            creado_en=datetime(2026, 4, 1, tzinfo=UTC)))
    db.session.rollback()
    # el 17 aún vigente; el lunes 20, vencido (en Python y en SQL)
    reloj(dia(date(2026, 4, 17)))
    assert db.session.get(Prestamo, p.id).estado == EstadoPrestamo.vigente
    reloj(dia(date(2026, 4, 20)))
    p = db.session.get(Prestamo, p.id)
    assert p.estado == EstadoPrestamo.vencido
    assert db.session.scalar(sa.select(Prestamo.id).where(Prestamo.estado == "vencido")) == p.id
    assert [x.id for x in archivo.prestamos_vencidos(unidad("GAT").id)] == [p.id]
    assert archivo.prestamos_vencidos(unidad("GDE").id) == []
    archivo.devolver(p, date(2026, 4, 21))
    db.session.commit()
    c = db.session.get(UnidadConservacion, c.id)
    assert c.estado == EstadoUnidadConservacion.en_archivo and p.estado == EstadoPrestamo.devuelto
    # devuelta, se presta de nuevo; una caja que no está en el archivo central no se presta
    archivo.prestar(c, unidad("GDE"), "Ana")
    db.session.commit()
    rechaza("Solo se presta una caja que está en el archivo central", archivo.prestar, caja(s), unidad("GDE"), "Ana")


def test_transferencia_recibida_ubica_sus_cajas(base, reloj):
    reloj(dia(date(2026, 7, 27)))
    s = serie()
    t = Transferencia(unidad_origen=unidad("GDU"), fecha=date(2026, 7, 30))
    archivo.programar_transferencia(t)
    db.session.add(t)
    db.session.commit()
    assert t.codigo.startswith("TRF-2026-")
    c1, c2 = caja(s), caja(s)
    ajena = caja(serie("GAT-REC", sigla="GAT"), sigla="GAT")
    c1.transferencia = c2.transferencia = t
    db.session.commit()
    ajena.transferencia = t
    rechaza("es de otra unidad", db.session.commit)
    t = db.session.get(Transferencia, t.id)
    u = lugar(capacidad=1)
    rechaza("Asigne una ubicación a cada caja", archivo.recibir_transferencia, t, db.session.get(Usuario, 1),
            {c1.id: u})
    t = db.session.get(Transferencia, t.id)
    u = db.session.get(Ubicacion, u.id)
    rechaza("está llena", archivo.recibir_transferencia, t, db.session.get(Usuario, 1), {c1.id: u, c2.id: u})
    t = db.session.get(Transferencia, t.id)
    u, u2 = db.session.get(Ubicacion, u.id), lugar(nivel=5)
    archivo.recibir_transferencia(t, db.session.get(Usuario, 1), {c1.id: u, c2.id: u2})
    db.session.commit()
    assert t.estado.value == "recibida" and t.fecha_recepcion == date(2026, 7, 27)
    assert {c.ubicacion.codigo for c in t.unidades} == {"D1-A1-E03-C2-N4", "D1-A1-E03-C2-N5"}
    assert all(c.estado == EstadoUnidadConservacion.en_archivo for c in t.unidades)
    # recibida: no se le agregan cajas; sus cajas ya no se borran
    otra = caja(s)
    otra.transferencia = t
    rechaza("ya fue recibida", db.session.commit)
    db.session.delete(db.session.get(UnidadConservacion, c1.id))
    rechaza("su registro se conserva para siempre", db.session.commit)


def test_retencion_cumplida_por_serie_con_la_accion(base, reloj):
    reloj(dia(date(2026, 1, 2)))
    u = lugar(capacidad=20)
    eliminable = serie("GDU-LIC", gestion=2, central=8)          # 2015 + 10 = 2025 < 2026: cumplida
    permanente = serie("GDU-ORD", destino="conservacion_permanente", gestion=5, central=5)
    caja(eliminable, u, hasta=date(2015, 12, 31))
    caja(eliminable, u, hasta=date(2016, 1, 1))                   # 2016 + 10 = 2026: aún no
    caja(permanente, u, hasta=date(2014, 3, 1))                   # 2024 < 2026: cumplida
    filas = {f["codigo"]: f for f in archivo.retencion_cumplida()}
    assert set(filas) == {"GDU-LIC", "GDU-ORD"}
    assert filas["GDU-LIC"]["cajas"] == 1 and filas["GDU-LIC"]["accion"] == "Proponer eliminación"
    assert filas["GDU-ORD"]["accion"] == "Transferir al AGN o archivo regional"
    # un año después, también la caja de 2016
    assert {f["codigo"]: f["cajas"] for f in archivo.retencion_cumplida(2027)}["GDU-LIC"] == 2


def test_eliminacion_solo_autorizada_y_nunca_de_serie_permanente(base, reloj):
    reloj(dia(date(2026, 3, 2)))
    u = lugar()
    s = serie()
    vieja, reciente = caja(s, u, hasta=date(2012, 12, 31)), caja(s, u, hasta=date(2020, 12, 31))
    permanente = caja(serie("GDU-ORD", destino="conservacion_permanente"), u, hasta=date(2000, 1, 1))
    e = Eliminacion()
    archivo.numerar_eliminacion(e)
    db.session.add(e)
    db.session.commit()
    assert e.codigo.startswith("ELI-2026-")
    permanente.eliminacion = e
    rechaza("de conservación permanente: nunca se elimina", db.session.commit)
    e, reciente = db.session.get(Eliminacion, e.id), db.session.get(UnidadConservacion, reciente.id)
    reciente.eliminacion = e
    rechaza("conserva su plazo de retención hasta el 31/12/2030", db.session.commit)
    e, vieja = db.session.get(Eliminacion, e.id), db.session.get(UnidadConservacion, vieja.id)
    vieja.eliminacion = e
    db.session.commit()
    # antes de la autorización del AGN: ni la caja ni la eliminación
    vieja.estado = EstadoUnidadConservacion.eliminada
    rechaza("no se elimina sin la autorización del AGN", db.session.commit)
    e = db.session.get(Eliminacion, e.id)
    rechaza("de «Propuesta» no se pasa a «Ejecutada»", archivo.ejecutar_eliminacion, e, date(2026, 3, 2), "Acta 1")
    e = db.session.get(Eliminacion, e.id)
    archivo.aprobar_eliminacion(e, date(2026, 3, 2), "Acta CED 003-2026")
    db.session.commit()
    rechaza("exige el número de su resolución", archivo.autorizar_eliminacion, e, "  ", date(2026, 4, 6))
    e = db.session.get(Eliminacion, e.id)
    e.estado = "autorizada_agn"  # sin resolución: la base lo impide
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    e = db.session.get(Eliminacion, e.id)
    archivo.autorizar_eliminacion(e, "R.J. 045-2026-AGN/DDPA", date(2026, 4, 6))
    db.session.commit()
    archivo.ejecutar_eliminacion(e, date(2026, 4, 8), "Acta de eliminación 001-2026")
    db.session.commit()
    vieja = db.session.get(UnidadConservacion, vieja.id)
    assert vieja.estado == EstadoUnidadConservacion.eliminada and vieja.ubicacion_id is None  # libera su lugar
    assert db.session.get(Ubicacion, u.id).ocupadas == 2
    # el registro queda para siempre
    db.session.delete(vieja)
    rechaza("se conserva para siempre", db.session.commit)
    vieja = db.session.get(UnidadConservacion, vieja.id)
    vieja.estado = EstadoUnidadConservacion.en_archivo
    rechaza("fue eliminada: su estado ya no cambia", db.session.commit)
