"""Las reglas al guardar (eventos `before_flush`) que un script o una importación no saltan (issue 21, puntos 9 y 10).

Punto 9: cada regla lee sus filas relacionadas con `models.relacionada`, se haya asignado el objeto o solo la clave
foránea: aquí cada fila vigilada se crea o se cambia **por id** (`miembro_id=…`, `punto_id=…`, `sesion_id=…`…), sin
el objeto. Punto 10: las condiciones legales de los cambios de estado que vivían solo en un servicio (la prórroga de
una solicitud de acceso, su observación, subsanación, encauzamiento y apelación; la observación y subsanación de un
expediente; instalar, votar y postergar una sesión) se cumplen también escribiendo los campos a mano.

Fechas reales de 2026: 23, 28 y 29 de julio y 6 de agosto son feriados.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import (
    ZONA_LIMA,
    Asistencia,
    Derivacion,
    Eliminacion,
    ErrorDeRegla,
    EstadoUnidadConservacion,
    Expediente,
    NormaMunicipal,
    Notificacion,
    Persona,
    Prestamo,
    PuntoAgenda,
    SesionConcejo,
    SolicitudAcceso,
    Transferencia,
    UnidadConservacion,
    Usuario,
    Voto,
    db,
)
from services import archivo, concejo, normas, transparencia
from tests.archivo_comun import caja, dia, lugar, serie
from tests.ayudas_fedatario import documento
from tests.conftest import lima, miembros, unidad


def rechaza(mensaje: str, *filas) -> None:
    """Agregar esas filas (o enviar lo ya cambiado) se rechaza con el mensaje de la regla, y nada se guarda."""
    with pytest.raises(ErrorDeRegla, match=mensaje):
        db.session.add_all(filas)
        db.session.flush()
    db.session.rollback()


def acepta(*filas) -> None:
    db.session.add_all(filas)
    db.session.commit()


def _sesion(tipo: str, cuando: datetime, estado: str, presentes=range(10), puntos=("Informe",),
            materia="general") -> SesionConcejo:
    """Una sesión registrada de una vez (como una importación), con su agenda y su asistencia."""
    ms = miembros()
    with db.session.no_autoflush:
        s = SesionConcejo(tipo=tipo, fecha_hora=cuando, estado=estado, lugar="Salón de actos",
                          puntos=[PuntoAgenda(orden=k, titulo=t, materia=materia)
                                  for k, t in enumerate(puntos, start=1)])
        concejo.numerar_sesion(s)
        db.session.add(s)
        for i in presentes:
            db.session.add(Asistencia(sesion=s, miembro=ms[i], estado="presente" if ms[i].habil else "licencia"))
    db.session.commit()
    return s


# ------------------------------------------------------------------ punto 9: concejo, por id
def test_concejo_filas_creadas_por_id(app):
    ms = miembros()
    suspendido = ms[3]
    suspendido.habil = False
    db.session.commit()
    s = _sesion("ordinaria", datetime(2026, 8, 14, 10, tzinfo=ZONA_LIMA), "instalada", presentes=(0, 1, 2, 4, 5, 6))
    p = s.puntos[0]

    # la asistencia de un suspendido, con solo su id: no se guarda como presente ni cuenta para el quórum
    rechaza("no está hábil", Asistencia(sesion_id=s.id, miembro_id=suspendido.id, estado="presente"))
    acepta(Asistencia(sesion_id=s.id, miembro_id=suspendido.id, estado="licencia"))
    assert db.session.get(SesionConcejo, s.id).presentes == 6
    # su voto, tampoco
    rechaza("no está hábil", Voto(punto_id=p.id, miembro_id=suspendido.id, sentido="favor"))
    acepta(Voto(punto_id=p.id, miembro_id=ms[1].id, sentido="favor"))

    # vacancia: solo en extraordinaria, y sin abstención
    rechaza("solo se trata en sesión extraordinaria",
            PuntoAgenda(sesion_id=s.id, orden=2, titulo="Vacancia del regidor", materia="vacancia"))
    e = _sesion("extraordinaria", datetime(2026, 8, 21, 10, tzinfo=ZONA_LIMA), "instalada", presentes=(0, 1, 2, 4),
                puntos=("Vacancia del regidor",), materia="vacancia")
    rechaza("no cabe la abstención", Voto(punto_id=e.puntos[0].id, miembro_id=ms[2].id, sentido="abstencion",
                                          fundamento="No tengo elementos"))

    # una extraordinaria convocada no recibe puntos (punto 7), aunque el script solo escriba sesion_id
    c = _sesion("extraordinaria", datetime(2026, 9, 15, 10, tzinfo=ZONA_LIMA), "convocada", presentes=())
    rechaza("trata solo la agenda de su convocatoria",
            PuntoAgenda(sesion_id=c.id, orden=2, titulo="Pedido agregado", materia="general"))
    otro = PuntoAgenda(sesion_id=s.id, orden=3, titulo="Pedido de la ordinaria", materia="general")
    acepta(otro)
    otro = db.session.get(PuntoAgenda, otro.id)
    otro.sesion_id = c.id  # moverlo a la extraordinaria convocada es agregarlo
    rechaza("trata solo la agenda de su convocatoria")
    # votar solo en sesión instalada (punto 10): la convocada aún no
    rechaza("Solo se vota en una sesión instalada", Voto(punto_id=c.puntos[0].id, miembro_id=ms[1].id,
                                                         sentido="favor"))


# ------------------------------------------------------------------ punto 9: notificaciones, por id
def test_diligencia_por_id_notifica_la_resolucion_y_el_documento(app, reloj):
    reloj(lima(2026, 8, 14, 10))  # dentro de los días que admite la fecha de un acto numerado (DIAS_FECHA_ACTO)
    res = NormaMunicipal(tipo="resolucion_alcaldia", sumilla="Sanciona a la administrada",
                         fecha_emision=date(2026, 8, 3))
    normas.numerar_norma(res)
    db.session.add(res)
    db.session.commit()

    def notificada(n):
        n.fecha_notificacion = n.fecha_vigencia = date(2026, 8, 5)
        n.estado = "vigente"

    # sin diligencia no se da por notificada…
    notificada(res)
    rechaza("se da por notificada solo con su diligencia")
    # …y con la diligencia escrita solo con `norma_id` (antes se rechazaba: la regla miraba `norma`)
    res = db.session.get(NormaMunicipal, res.id)
    notificada(res)
    acepta(Notificacion(norma_id=res.id, modalidad="personal", resultado="entregada",
                        fecha_hora=lima(2026, 8, 5, 9, 15), receptor_nombre="Rosa Quispe Mamani",
                        receptor_documento="10117410"))
    assert db.session.get(NormaMunicipal, res.id).fecha_notificacion == date(2026, 8, 5)

    doc = documento(date(2026, 8, 3))
    doc.estado, doc.fecha_notificacion = "notificado", date(2026, 8, 5)
    rechaza("queda notificado solo con su diligencia")
    doc = db.session.get(type(doc), doc.id)
    doc.estado, doc.fecha_notificacion = "notificado", date(2026, 8, 5)
    acepta(Notificacion(documento_id=doc.id, modalidad="personal", resultado="entregada",
                        fecha_hora=lima(2026, 8, 5, 9, 30), receptor_nombre="Rosa Quispe Mamani",
                        receptor_documento="10117410"))


# ------------------------------------------------------------------ punto 9: archivo, por id
def test_archivo_filas_creadas_por_id(base, reloj, crear_expediente):
    reloj(dia(date(2026, 4, 1)))
    s, u = serie(), lugar(capacidad=1)
    en_gestion, en_archivo = caja(s), caja(s, u)

    # préstamo: solo de una caja del archivo central, y no dos veces a la vez
    prestamo = dict(unidad_solicitante_id=unidad("GAT").id, solicitante="Luis Rojas (GAT)",
                    fecha_devolucion_prevista=date(2026, 4, 17))
    rechaza("Solo se presta una caja que está en el archivo central",
            Prestamo(unidad_conservacion_id=en_gestion.id, **prestamo))
    acepta(Prestamo(unidad_conservacion_id=en_archivo.id, **prestamo))
    assert db.session.get(UnidadConservacion, en_archivo.id).estado == EstadoUnidadConservacion.prestada
    rechaza("ya está prestada", Prestamo(unidad_conservacion_id=en_archivo.id, **prestamo))

    # capacidad de la ubicación, con solo `ubicacion_id`
    otra = db.session.get(UnidadConservacion, en_gestion.id)
    otra.ubicacion_id, otra.estado = u.id, EstadoUnidadConservacion.en_archivo
    rechaza("está llena")

    # eliminación: nunca de una serie permanente, con `serie_id` y `eliminacion_id`
    permanente = serie("GDU-ORD", destino="conservacion_permanente")
    e = Eliminacion()
    archivo.numerar_eliminacion(e)
    acepta(e)
    vieja = caja(permanente, lugar(estante=4), hasta=date(2000, 12, 31))
    vieja = db.session.get(UnidadConservacion, vieja.id)
    vieja.eliminacion_id = e.id
    rechaza("de conservación permanente: nunca se elimina")

    # transferencia: una recibida no recibe cajas, con `transferencia_id`
    t = Transferencia(unidad_origen_id=unidad("GDU").id, fecha=date(2026, 4, 1))
    archivo.programar_transferencia(t)
    acepta(t)
    db.session.execute(sa.update(Transferencia).where(Transferencia.id == t.id)
                       .values(estado="recibida", fecha_recepcion=date(2026, 4, 1),
                               recibido_por_id=db.session.scalar(sa.select(Usuario.id).limit(1))))
    db.session.commit()
    nueva = db.session.get(UnidadConservacion, caja(s).id)
    nueva.transferencia_id = t.id
    rechaza("ya fue recibida: no se le agregan cajas")

    # un expediente no se archiva en una caja que ya salió de la entidad, con `unidad_conservacion_id`
    salida = caja(s)
    db.session.execute(sa.update(UnidadConservacion).where(UnidadConservacion.id == salida.id)
                       .values(estado="transferida"))
    db.session.commit()
    exp = crear_expediente("GDU")
    exp.unidad_conservacion_id = salida.id
    rechaza("ya no está en la entidad")


# ------------------------------------------------------------------ punto 10: transparencia, por los campos
def _solicitud(recibida: datetime) -> SolicitudAcceso:
    persona = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == "41234567")) or \
        Persona(tipo_documento="DNI", numero_documento="41234567", nombres="Elena", apellidos="Mamani")
    sol = SolicitudAcceso(persona=persona, informacion_solicitada="Copia del contrato de limpieza 2025",
                          fecha_recepcion=recibida, forma_entrega="copia_simple")
    transparencia.registrar_solicitud(sol)
    return sol


def test_prorroga_y_plazos_de_la_solicitud_escritos_a_mano(base, reloj):
    """Presentada el viernes 24/07/2026: la prórroga se comunica hasta el jueves 30/07 (2.º día hábil); un script
    que escribe los campos de la prórroga con el 31/07 (3.er día hábil) no la guarda, ni una importación que crea
    la solicitud ya prorrogada. La observación, la subsanación, el encauzamiento y la apelación, igual."""
    reloj(lima(2026, 8, 20, 10))
    sol = _solicitud(lima(2026, 7, 24, 10))
    acepta(sol)
    assert sol.fecha_vencimiento == date(2026, 8, 12)

    def prorrogar(s, comunicada):
        s.prorroga, s.motivo_prorroga = True, "El archivo está en la ex sede"
        s.fecha_comunicacion_prorroga, s.fecha_vencimiento_prorroga = comunicada, date(2026, 8, 31)
        s.estado = "prorrogada"

    sol = db.session.get(SolicitudAcceso, sol.id)
    prorrogar(sol, date(2026, 7, 31))
    rechaza(r"hasta el 30/07/2026 \(TUO Ley 27806, art. 11 g\)")
    importada = _solicitud(lima(2026, 7, 24, 11))
    prorrogar(importada, date(2026, 7, 31))
    rechaza("hasta el 30/07/2026", importada)
    sol = db.session.get(SolicitudAcceso, sol.id)
    prorrogar(sol, date(2026, 7, 30))
    acepta()
    sol = db.session.get(SolicitudAcceso, sol.id)
    sol.fecha_comunicacion_prorroga = date(2026, 7, 27)
    rechaza("se concede una sola vez")

    # observación: dentro de 2 días hábiles de la presentación (27 y 30 de julio)
    otra = _solicitud(lima(2026, 7, 24, 12))
    acepta(otra)
    otra = db.session.get(SolicitudAcceso, otra.id)
    otra.fecha_observacion, otra.observacion, otra.estado = date(2026, 7, 31), "Falta el domicilio", "observada"
    rechaza("hasta el 30/07/2026: pasado ese plazo la solicitud se tiene por admitida")
    otra = db.session.get(SolicitudAcceso, otra.id)
    otra.fecha_observacion, otra.observacion, otra.estado = date(2026, 7, 30), "Falta el domicilio", "observada"
    acepta()
    # subsanación: dentro de 2 días hábiles de la observación (31/07 y 03/08)
    otra = db.session.get(SolicitudAcceso, otra.id)
    otra.fecha_subsanacion, otra.estado = date(2026, 8, 4), "recibida"
    rechaza("El plazo para subsanar venció el 03/08/2026")
    # encauzamiento: dentro de 2 días hábiles de la presentación
    tercera = _solicitud(lima(2026, 7, 24, 13))
    acepta(tercera)
    tercera = db.session.get(SolicitudAcceso, tercera.id)
    tercera.entidad_derivada, tercera.fecha_encauzamiento, tercera.estado = "SUNARP", date(2026, 7, 31), "derivada"
    rechaza("hasta el 30/07/2026")
    # apelación de la denegatoria ficta: 15 días hábiles desde el vencimiento (12/08 → 02/09)
    tercera = db.session.get(SolicitudAcceso, tercera.id)
    tercera.fecha_apelacion = date(2026, 9, 3)
    rechaza("hasta el 02/09/2026")


# ------------------------------------------------------------------ punto 10: expediente y sesión, por los campos
def test_observacion_y_subsanacion_del_expediente_escritas_a_mano(base, reloj, crear_expediente):
    reloj(lima(2026, 3, 31, 10))
    recibido = crear_expediente("GDU", pasa_por=("UTD",), fecha_recepcion=lima(2026, 3, 31, 9))
    d = db.session.scalar(sa.select(Derivacion).where(Derivacion.expediente_id == recibido.id))
    d.estado, d.fecha_recepcion = "recibido", lima(2026, 3, 31, 9, 30)
    db.session.commit()
    exp = db.session.get(Expediente, recibido.id)
    exp.observacion, exp.fecha_observacion, exp.estado = "Falta el plano", date(2026, 3, 31), "observado"
    rechaza("antes de que una unidad reciba el expediente")

    pendiente = crear_expediente("GDU", pasa_por=("UTD",), fecha_recepcion=lima(2026, 3, 31, 9))
    exp = db.session.get(Expediente, pendiente.id)
    exp.observacion, exp.fecha_observacion, exp.estado = "Falta el plano", date(2026, 3, 31), "observado"
    rechaza("su derivación pendiente se retira")  # observado sin retirar su derivación: no queda en la bandeja

    limpio = crear_expediente("GDU", fecha_recepcion=lima(2026, 3, 31, 9))
    exp = db.session.get(Expediente, limpio.id)
    exp.observacion, exp.fecha_observacion, exp.estado = "Falta el plano", date(2026, 3, 31), "observado"
    acepta()
    rechaza("está observado hasta que se subsane",
            Derivacion(expediente_id=limpio.id, unidad_origen_id=unidad("GDU").id,
                       unidad_destino_id=unidad("GAT").id))
    # 2 días hábiles para subsanar: 1 y 6 de abril (2 y 3, Semana Santa)
    exp = db.session.get(Expediente, limpio.id)
    exp.fecha_subsanacion, exp.estado = date(2026, 4, 7), "registrado"
    rechaza(r"del 31/03/2026 al 06/04/2026 \(2 días hábiles, art. 136.1\)")
    exp = db.session.get(Expediente, limpio.id)
    exp.fecha_observacion = date(2026, 4, 1)
    rechaza("una sola vez")


def test_instalar_y_postergar_escritos_a_mano(app):
    """Instalar exige quórum (5 presentes de 9 hábiles… aquí solo 2) y postergar, una vez y de 3 a 5 días hábiles:
    la ordinaria del viernes 24/07/2026 no pasa al lunes 10/08 (8 días hábiles), sí al lunes 03/08 (4)."""
    s = _sesion("ordinaria", datetime(2026, 7, 24, 10, tzinfo=ZONA_LIMA), "convocada", presentes=(1, 2))
    s.estado = "instalada"
    rechaza("No hay quórum: 2 presentes de 6 requeridos")
    s = db.session.get(SesionConcejo, s.id)
    s.postergada_desde, s.fecha_hora = s.fecha_hora, datetime(2026, 8, 10, 10, tzinfo=ZONA_LIMA)
    rechaza("La nueva fecha está a 8 días hábiles; la postergación es de 3 a 5.")
    s = db.session.get(SesionConcejo, s.id)
    s.postergada_desde, s.fecha_hora = s.fecha_hora, datetime(2026, 8, 3, 10, tzinfo=ZONA_LIMA)
    acepta()
    s = db.session.get(SesionConcejo, s.id)
    s.postergada_desde, s.fecha_hora = s.fecha_hora, s.fecha_hora + timedelta(days=3)
    rechaza("ya fue postergada una vez")
