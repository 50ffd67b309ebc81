"""Fedatario (LPAG arts. 138–139) y notificaciones (arts. 18–27, 218.2): reglas en los servicios y en la base,
con fechas reales (Semana Santa 2026 = 2–3 abr; 28–29 jul y 6 ago son feriados)."""

from __future__ import annotations

import threading
from datetime import date, time
from decimal import Decimal

import pytest
import sqlalchemy as sa

import models
from models import Certificacion, DocumentoEmitido, Usuario, db
from services import ErrorDeRegla
from services.fedatario import devolver_originales, limite_devolucion, registrar_certificacion
from services.notificaciones import (
    condicion_plazo_vencido,
    condicion_situacion,
    firme_desde,
    limite_notificacion,
    notificacion_tardia,
    situacion,
    vence_recurso,
)
from services.tramite import numerar_documento
from tests.ayudas_fedatario import certificar, diligencia, documento, fedatario, hoy_es, persona


# ------------------------------------------------------------------ certificaciones
def test_numero_por_anio_y_codigo_de_verificacion_al_azar(base, reloj, monkeypatch):
    import models

    pedidos = []
    original = models.secrets.token_urlsafe
    monkeypatch.setattr(models.secrets, "token_urlsafe", lambda n: pedidos.append(n) or original(n))
    hoy_es(reloj, date(2026, 12, 30))
    a, b = certificar(), certificar()
    hoy_es(reloj, date(2027, 1, 4))
    c = certificar()
    assert (a.codigo, b.codigo, c.codigo) == ("CERT-2026-00001", "CERT-2026-00002", "CERT-2027-00001")
    assert a.fecha == date(2026, 12, 30) and c.fecha == date(2027, 1, 4)
    assert a.fedatario.username == "fedatario"
    codigos = {a.codigo_verificacion, b.codigo_verificacion, c.codigo_verificacion}
    assert len(codigos) == 3 and all(len(x) >= 16 for x in codigos)  # 96 bits de secrets
    # Del generador criptográfico, con 64 bits o más (3 códigos, 3 pedidos); nada del número ni del código.
    assert len(pedidos) == 3 and all(n * 8 >= 64 for n in pedidos)
    assert all(x.codigo not in x.codigo_verificacion for x in (a, b, c))


def test_gratuita_si_sirve_a_un_expediente(base, reloj, crear_expediente):
    hoy_es(reloj, date(2026, 8, 3))
    exp = crear_expediente()
    cert = certificar(expediente=exp, derecho_pago=None, recibo_pago=None)
    assert cert.gratuita and cert.derecho_pago == 0 and cert.recibo_pago is None
    with pytest.raises(ErrorDeRegla, match="gratuita"):
        certificar(expediente=exp, derecho_pago=Decimal("5.00"))
    db.session.rollback()


def test_sin_expediente_paga_el_derecho_con_recibo(base, reloj):
    hoy_es(reloj, date(2026, 8, 3))
    with pytest.raises(ErrorDeRegla, match="recibo"):
        certificar(derecho_pago=Decimal("5.00"), recibo_pago="  ")
    db.session.rollback()
    with pytest.raises(ErrorDeRegla, match="derecho del TUPA"):
        certificar(derecho_pago=Decimal("0"), recibo_pago="B001-1")
    db.session.rollback()
    # la base lo exige también (una importación o la CLI no se lo saltan)
    cert = certificar()
    with pytest.raises(sa.exc.IntegrityError):  # por debajo del modelo (que ya no deja cambiarla: firmada)
        db.session.execute(sa.update(Certificacion).where(Certificacion.id == cert.id).values(recibo_pago=None))
    db.session.rollback()


def test_originales_retenidos_a_lo_sumo_dos_dias_habiles(base, reloj):
    # miércoles 1 de abril de 2026: jueves y viernes santo (2–3) son feriados → vence el martes 7
    hoy_es(reloj, date(2026, 4, 1))
    assert limite_devolucion(date(2026, 4, 1)) == date(2026, 4, 7)
    with pytest.raises(ErrorDeRegla, match="07/04/2026"):
        certificar(originales_retenidos=True, fecha_devolucion_prevista=date(2026, 4, 8))
    db.session.rollback()
    with pytest.raises(ErrorDeRegla, match="fecha en que se devolverán"):
        certificar(originales_retenidos=True)
    db.session.rollback()
    cert = certificar(originales_retenidos=True, fecha_devolucion_prevista=date(2026, 4, 7))

    def vencidas():  # la condición lee «hoy» al construirse
        return sa.select(Certificacion.id).where(Certificacion.devolucion_vencida)

    hoy_es(reloj, date(2026, 4, 7))
    assert not cert.devolucion_vencida and db.session.scalars(vencidas()).all() == []
    hoy_es(reloj, date(2026, 4, 8))  # un día tarde: alerta
    assert cert.devolucion_vencida and db.session.scalars(vencidas()).all() == [cert.id]
    devolver_originales(cert)
    db.session.commit()
    assert cert.fecha_devolucion == date(2026, 4, 8) and not cert.devolucion_vencida
    assert db.session.scalars(vencidas()).all() == []


def test_anulacion_con_motivo(base, reloj):
    hoy_es(reloj, date(2026, 8, 3))
    cert = certificar()
    with pytest.raises(ErrorDeRegla, match="motivo"):
        cert.anular("  ")
    cert.anular("Copia ilegible")
    db.session.commit()
    assert cert.anulada and cert.motivo_anulacion == "Copia ilegible" and cert.fecha_anulacion is not None
    with pytest.raises(ErrorDeRegla, match="ya está anulada"):
        cert.anular("otra vez")
    with pytest.raises(sa.exc.IntegrityError):  # por debajo del modelo (que ya no deja cambiarla: anulada)
        db.session.execute(sa.update(Certificacion).where(Certificacion.id == cert.id).values(motivo_anulacion=None))
    db.session.rollback()


def test_numeracion_concurrente_16_fedatarios(base, app, backend):
    if backend != "postgres":
        pytest.skip("el bloqueo de filas se prueba en PostgreSQL (SQLite serializa toda escritura)")
    persona()
    db.session.commit()
    persona_id, fedatario_id = persona().id, fedatario().id
    errores, barrera = [], threading.Barrier(16)

    def correr():
        try:
            with app.app_context():
                barrera.wait()
                for _ in range(5):
                    cert = Certificacion(persona_id=persona_id, descripcion_documento="Partida", folios=1,
                                         derecho_pago=Decimal("3.50"), recibo_pago="B1")
                    registrar_certificacion(cert, db.session.get(Usuario, fedatario_id))
                    db.session.add(cert)
                    db.session.commit()
                db.session.remove()
        except Exception as e:  # noqa: BLE001 - se reporta abajo
            errores.append(e)

    hilos = [threading.Thread(target=correr) for _ in range(16)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join(120)
    assert not errores, errores
    anio = models.hoy_lima().year
    numeros = db.session.scalars(sa.select(Certificacion.numero).where(Certificacion.anio == anio)
                                 .order_by(Certificacion.numero)).all()
    assert numeros == list(range(1, 81))
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Certificacion.codigo_verificacion)))) == 80


# ------------------------------------------------------------------ notificaciones
def test_plazos_de_notificacion_y_firmeza_con_fechas_reales(base, reloj):
    """Emitido el viernes 24/07/2026 (28 y 29 de julio, feriados): se notifica hasta el 04/08. Notificado el
    viernes 31/07: el recurso corre desde el lunes 3/08 y, sin el 6/08 (Batalla de Junín), vence el 24/08;
    firme desde el 25/08/2026."""
    hoy_es(reloj, date(2026, 7, 31))
    doc = documento(date(2026, 7, 24))
    assert limite_notificacion(doc) == date(2026, 8, 4)  # 27, 30, 31 de julio, 3 y 4 de agosto
    assert situacion(doc) == "por_notificar"
    diligencia(doc, date(2026, 7, 31), receptor_nombre="Rosa Quispe Mamani", receptor_documento="10117410",
               receptor_relacion="La misma administrada")
    assert doc.estado.value == "notificado" and doc.fecha_notificacion == date(2026, 7, 31)
    assert not notificacion_tardia(doc)
    assert vence_recurso(doc.fecha_notificacion) == date(2026, 8, 24)
    assert firme_desde(doc.fecha_notificacion) == date(2026, 8, 25)

    def en_sql(valor, dia):
        return doc.id in db.session.scalars(sa.select(DocumentoEmitido.id).where(condicion_situacion(valor, dia)))

    for dia, esperado in ((date(2026, 8, 24), "notificada"), (date(2026, 8, 25), "firme")):
        hoy_es(reloj, dia)
        assert situacion(doc) == esperado
        assert en_sql(esperado, dia)
        assert not en_sql({"notificada": "firme", "firme": "notificada"}[esperado], dia)


def test_notificacion_tardia(base, reloj):
    hoy_es(reloj, date(2026, 8, 10))
    doc = documento(date(2026, 7, 24))
    assert notificacion_tardia(doc)  # sin notificar pasado el 04/08
    diligencia(doc, date(2026, 8, 6 + 1), modalidad="personal", receptor_nombre="Rosa Quispe",
               receptor_documento="10117410")
    assert notificacion_tardia(doc) and doc.fecha_notificacion == date(2026, 8, 7)


def test_solo_los_tipos_que_se_notifican_quedan_por_notificar(base, reloj, runner, como):
    """Una carta (se notifica) y un informe interno (no), emitidos el lunes 27/07/2026: al 10/08 la carta está
    por notificar y fuera de plazo (alerta del art. 24); el informe no aparece en esa situación, ni en la
    alerta, ni en «Notificaciones por unidad». Con una diligencia, aun un informe queda notificado."""
    hoy_es(reloj, date(2026, 8, 10))
    carta, informe = documento(date(2026, 7, 27)), documento(date(2026, 7, 27), tipo="Informe")
    assert carta.tipo_documento.se_notifica and not informe.tipo_documento.se_notifica
    assert (situacion(carta), notificacion_tardia(carta)) == ("por_notificar", True)
    assert (situacion(informe), notificacion_tardia(informe)) == (None, False)
    for cond in (condicion_situacion("por_notificar"), condicion_plazo_vencido()):
        ids = set(db.session.scalars(sa.select(DocumentoEmitido.id).where(cond)))
        assert carta.id in ids and informe.id not in ids
    r = runner.invoke(args=["alertas"])
    assert r.exit_code == 0 and carta.codigo in r.output and informe.codigo not in r.output, r.output
    lista = como("unidad").get("/admin/notificacion_documento/")
    assert carta.codigo in lista.text and informe.codigo not in lista.text
    diligencia(informe, date(2026, 8, 10), time(9), modalidad="personal", receptor_nombre="Luis Rojas",
               receptor_documento="40506070", receptor_relacion="Jefe de la unidad")
    assert informe.estado.value == "notificado" and situacion(informe) == "notificada"
    assert informe.codigo in como("unidad").get("/admin/notificacion_documento/").text


def test_segunda_visita_y_acta_bajo_la_puerta(base, reloj):
    hoy_es(reloj, date(2026, 8, 10))
    doc = documento(date(2026, 8, 3))
    with pytest.raises(ErrorDeRegla, match="segunda visita"):
        diligencia(doc, date(2026, 8, 4), resultado="bajo_puerta", descripcion_inmueble="Casa de dos pisos")
    db.session.rollback()
    with pytest.raises(ErrorDeRegla, match="fecha de la segunda visita"):
        diligencia(doc, date(2026, 8, 4), resultado="ausente")
    db.session.rollback()
    diligencia(doc, date(2026, 8, 4), resultado="ausente", fecha_segunda_visita=date(2026, 8, 5))
    assert doc.estado.value == "emitido" and situacion(doc) == "devuelta"
    assert doc.id in db.session.scalars(sa.select(DocumentoEmitido.id).where(condicion_situacion("devuelta")))
    with pytest.raises(ErrorDeRegla, match="05/08/2026"):  # la segunda visita, en la fecha anunciada
        diligencia(doc, date(2026, 8, 7), resultado="bajo_puerta", descripcion_inmueble="Casa de dos pisos")
    db.session.rollback()
    with pytest.raises(ErrorDeRegla, match="características del lugar"):
        diligencia(doc, date(2026, 8, 5), resultado="bajo_puerta")
    db.session.rollback()
    diligencia(doc, date(2026, 8, 5), resultado="bajo_puerta",
               descripcion_inmueble="Casa de dos pisos, fachada verde, puerta de metal negra, medidor 456")
    assert doc.estado.value == "notificado" and doc.fecha_notificacion == date(2026, 8, 5)
    with pytest.raises(ErrorDeRegla, match="ya fue notificado"):
        diligencia(doc, date(2026, 8, 6))
    db.session.rollback()


def test_negativa_a_firmar_y_receptor_en_el_domicilio(base, reloj):
    hoy_es(reloj, date(2026, 8, 10))
    doc = documento(date(2026, 8, 3))
    with pytest.raises(ErrorDeRegla, match="relación"):
        diligencia(doc, date(2026, 8, 4), receptor_nombre="Juan Pérez", receptor_documento="40506070")
    db.session.rollback()
    with pytest.raises(ErrorDeRegla, match="características del lugar"):
        diligencia(doc, date(2026, 8, 4), resultado="rechazada")
    db.session.rollback()
    n = diligencia(doc, date(2026, 8, 4), resultado="rechazada",
                   descripcion_inmueble="Edificio de 5 pisos, fachada ladrillo, puerta 301 de madera")
    assert n.efectiva and doc.fecha_notificacion == date(2026, 8, 4)  # se tiene por bien notificado (21.3)
    n.descripcion_inmueble = None  # la base lo exige también
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_no_se_notifica_un_proyecto_ni_antes_de_emitirlo(base, reloj):
    hoy_es(reloj, date(2026, 8, 10))
    doc = documento(date(2026, 8, 5))
    with pytest.raises(ErrorDeRegla, match="anterior al acto"):
        diligencia(doc, date(2026, 8, 4), modalidad="casilla_electronica")
    db.session.rollback()
    with pytest.raises(ErrorDeRegla, match="futura"):
        diligencia(doc, date(2026, 8, 11), modalidad="casilla_electronica")
    db.session.rollback()
    proyecto = DocumentoEmitido(tipo_documento=doc.tipo_documento, unidad=doc.unidad, fecha=date(2026, 8, 5),
                                asunto="Proyecto")
    numerar_documento(proyecto)
    db.session.add(proyecto)
    with pytest.raises(ErrorDeRegla, match="Solo se notifica un documento emitido"):
        diligencia(proyecto, date(2026, 8, 6), modalidad="casilla_electronica")
    db.session.rollback()
