"""Trámite documentario por HTTP, como lo hace el personal: la jornada de un expediente, derivar y devolver,
observación y subsanación, anulación, alcance de la unidad y acciones masivas (docs/reglas.md §1–2).

Cada fecha legal se compara con el oráculo independiente de tests/conftest.py (numpy.busday_offset con los
feriados del paquete `holidays`). Los momentos que importan se fijan con la fixture `reloj`.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import numpy as np
import pytest
import sqlalchemy as sa

import models
import services.tramite as tramite
from models import (
    ZONA_LIMA,
    Derivacion,
    EstadoExpediente,
    Expediente,
    RegistroAuditoria,
    db,
)
from tests.conftest import (
    CALENDARIO_NP,
    CLAVE,
    cliente_publico,
    consultar,
    contar,
    crear_persona,
    derivaciones_de,
    errores_de,
    habil,
    hoy,
    ingresar_expediente,
    leer,
    lima,
    presentacion_oraculo,
    texto_de,
    tramitar,
    ultimo_expediente,
    unidad,
    usuario_de,
)


def test_jornada_de_un_expediente(base, como, runner):
    """Mesa de Partes recibe, GDU acusa y deriva a GAT para opinión, GAT atiende y archiva; el ciudadano consulta."""
    app = base
    persona_id = crear_persona()
    mp = como("mesa_partes")

    # ---- ingreso por el formulario → cargo
    r = ingresar_expediente(mp, persona_id)
    assert r.status_code == 302, errores_de(r.text)
    exp = ultimo_expediente()
    destino = urlsplit(r.headers["Location"])
    assert (destino.path, destino.query) == ("/admin/expediente/cargo/", f"id={exp.id}")

    assert re.fullmatch(r"EXP-\d{4}-\d{6}", exp.codigo)
    recibido = exp.fecha_recepcion.astimezone(ZONA_LIMA)
    assert exp.codigo == f"EXP-{recibido.year}-{exp.numero:06d}" and exp.anio == recibido.year
    assert abs(datetime.now(UTC) - exp.fecha_recepcion) < timedelta(minutes=2)
    assert exp.fecha_presentacion == presentacion_oraculo(exp.fecha_recepcion)
    assert exp.plazo_dias_habiles == 5  # GDU-02, del TUPA
    assert exp.fecha_vencimiento == habil(exp.fecha_presentacion, 5)
    assert (exp.unidad_actual.sigla, exp.estado.value, exp.folios) == ("GDU", "en_tramite", 7)
    assert exp.creado_por_id == usuario_de("mesa_partes").id
    assert re.fullmatch(r"[A-Z2-9]{8}", exp.clave)
    [d1] = derivaciones_de(exp.id)  # nace en Mesa de Partes y se deriva en el acto a la unidad resolutora
    assert (d1.unidad_origen.sigla, d1.unidad_destino.sigla) == ("UTD", "GDU")
    assert (d1.estado.value, d1.accion.value) == ("pendiente", "atender")
    assert d1.plazo_dias_habiles == 5 and d1.fecha_limite == habil(habil(hoy(), 0), 5)
    assert d1.enviado_por_id == usuario_de("mesa_partes").id

    exp_id, codigo, clave = exp.id, exp.codigo, exp.clave
    r = mp.get(destino.path + "?" + destino.query)
    assert r.status_code == 200
    texto = texto_de(r.text)
    assert exp.codigo in texto and exp.clave in texto
    assert re.search(r"Folios\s*7\b", texto)
    assert "<svg" in r.text
    assert f"http://localhost/consulta?codigo={exp.codigo}" in texto
    assert "Luis Huamán Rojas" in texto  # quien recibió
    assert recibido.strftime("%d/%m/%Y %H:%M") in texto  # fecha y hora de recepción

    # ---- GDU: acuse de recibo masivo
    gdu = como("unidad")
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d1.id)]})
    assert r.status_code == 302
    d1 = leer(Derivacion, d1.id)
    assert d1.estado.value == "recibido" and d1.recibido_por_id == usuario_de("unidad").id
    assert abs(datetime.now(UTC) - d1.fecha_recepcion) < timedelta(minutes=2)

    # ---- GDU deriva a GAT para opinión: plazo por defecto 7 días hábiles (art. 143), recortado al vencimiento
    # del expediente (5 días) si lo pasa
    gat_id = unidad("GAT").id
    r = tramitar(gdu, exp_id, "derivar", destino=str(gat_id), accion="opinar", plazo="",
                  proveido="Opine sobre la deuda tributaria del predio.")
    assert r.status_code == 302, texto_de(r.text)[:2000]
    d1, d2 = derivaciones_de(exp_id)
    assert d1.estado.value == "atendido" and d1.fecha_atencion is not None
    assert (d2.unidad_origen.sigla, d2.unidad_destino.sigla, d2.accion.value) == ("GDU", "GAT", "opinar")
    venc = leer(Expediente, exp_id).fecha_vencimiento
    assert d2.fecha_limite == min(habil(habil(hoy(), 0), 7), venc)
    desde = habil(hoy(), 0)  # derivada en día no hábil: cuenta desde el siguiente hábil
    assert d2.plazo_dias_habiles == min(7, int(np.busday_count(desde + timedelta(days=1), venc + timedelta(days=1),
                                                               busdaycal=CALENDARIO_NP)))
    assert d2.estado.value == "pendiente" and d2.enviado_por_id == usuario_de("unidad").id
    exp = leer(Expediente, exp_id)
    assert (exp.unidad_actual.sigla, exp.estado.value) == ("GAT", "en_tramite")

    # GDU lo sigue viendo (pasó por su unidad) pero ya no puede tramitarlo
    assert gdu.get(f"/admin/expediente/details/?id={exp_id}").status_code == 200
    r = gdu.get(f"/admin/expediente/tramitar/?id={exp_id}")
    assert r.status_code == 200 and "solo esa unidad puede tramitarlo" in r.text
    for operacion in ("atender", "archivar"):
        r = tramitar(gdu, exp_id, operacion)
        assert r.status_code == 200
        assert "El expediente no está en su unidad: no puede tramitarlo." in r.text
    # …ni acusar recibo de lo que él mismo envió
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d2.id)]}, follow_redirects=True)
    assert f"{codigo} no fue derivado a su unidad." in r.text
    assert leer(Expediente, exp_id).estado.value == "en_tramite"
    assert [d.estado.value for d in derivaciones_de(exp_id)] == ["atendido", "pendiente"]

    # ---- GAT: no hay usuario demo; se crea con la CLI (pide la contraseña dos veces)
    r = runner.invoke(args=["crear-usuario", "gat", "--rol", "unidad", "--unidad", "GAT",
                            "--nombre", "Elena Vargas Chávez"], input=f"{CLAVE}\n{CLAVE}\n")
    assert r.exit_code == 0, r.output
    gat = como("gat")
    # atender sin acuse de recibo: actuar es recibir, el acuse (quién y cuándo) se registra primero
    r = tramitar(gat, exp_id, "atender")
    assert r.status_code == 302
    exp = leer(Expediente, exp_id)
    assert exp.estado.value == "atendido" and exp.fecha_atencion == hoy()
    d2 = leer(Derivacion, d2.id)
    assert d2.estado.value == "atendido" and d2.recibido_por_id == usuario_de("gat").id
    assert d2.fecha_recepcion is not None and d2.fecha_recepcion <= d2.fecha_atencion
    r = tramitar(gat, exp_id, "archivar")
    assert r.status_code == 302
    assert leer(Expediente, exp_id).estado.value == "archivado"

    # ---- el ciudadano consulta con código y clave: estado y movimientos, sin datos personales
    r = consultar(cliente_publico(app), codigo.lower(), clave)
    assert r.status_code == 200
    texto = texto_de(r.text)
    assert codigo in texto and "Archivado" in texto
    for unidad_nombre in ("Unidad de Trámite Documentario", "Gerencia de Desarrollo Urbano",
                          "Gerencia de Administración Tributaria"):
        assert unidad_nombre in texto
    assert "No se encontró" not in texto
    for dato in ("Rosa", "Quispe", "Mamani", "10117410"):
        assert dato not in r.text


def test_ingreso_sin_procedimiento_va_a_la_unidad_elegida_con_el_plazo_maximo(base, como):
    """Sin TUPA: la unidad de destino elegida y el plazo máximo de 30 días hábiles (arts. 39, 153)."""
    mp = como("mesa_partes")
    r = ingresar_expediente(mp, crear_persona(), procedimiento=None)
    assert r.status_code == 200 and "Indique la unidad de destino o el procedimiento TUPA." in r.text
    assert contar(Expediente) == 0
    r = ingresar_expediente(mp, crear_persona(numero="40123456"), procedimiento=None,
                            unidad_actual=str(unidad("GAT").id))
    assert r.status_code == 302, errores_de(r.text)
    exp = ultimo_expediente()
    assert (exp.unidad_actual.sigla, exp.procedimiento, exp.plazo_dias_habiles) == ("GAT", None, 30)
    assert exp.fecha_vencimiento == habil(exp.fecha_presentacion, 30)
    [d] = derivaciones_de(exp.id)
    assert (d.unidad_origen.sigla, d.unidad_destino.sigla, d.plazo_dias_habiles) == ("UTD", "GAT", 30)
    assert d.fecha_limite == habil(habil(hoy(), 0), 30)


def test_devolver_a_quien_lo_envio(base, como):
    assert ingresar_expediente(como("mesa_partes"), crear_persona()).status_code == 302
    exp = ultimo_expediente()
    [d1] = derivaciones_de(exp.id)
    gdu = como("unidad")
    assert gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d1.id)]}).status_code == 302
    r = tramitar(gdu, exp.id, "devolver", motivo="")
    assert r.status_code == 200 and "Indique el motivo de la devolución." in r.text
    assert len(derivaciones_de(exp.id)) == 1
    r = tramitar(gdu, exp.id, "devolver", motivo="No corresponde a esta gerencia")
    assert r.status_code == 302
    d1, d2 = derivaciones_de(exp.id)
    assert d1.estado.value == "devuelto"
    assert (d2.unidad_origen.sigla, d2.unidad_destino.sigla, d2.estado.value) == ("GDU", "UTD", "pendiente")
    assert d2.proveido == "Devuelto: No corresponde a esta gerencia"
    assert leer(Expediente, exp.id).unidad_actual.sigla == "UTD"


@pytest.mark.parametrize(("datos", "mensaje"), [
    ({"accion": "opinar", "plazo": "-3"}, "El plazo no puede ser negativo."),
    ({"accion": "inexistente", "plazo": ""}, "Elija una acción válida para la derivación."),
    ({"accion": "opinar", "destino": "abc"}, "Elija la unidad de destino."),
], ids=["plazo_negativo", "accion_desconocida", "sin_destino"])
def test_derivar_con_datos_invalidos_muestra_el_error(base, como, datos, mensaje):
    base.config["PROPAGATE_EXCEPTIONS"] = False  # lo que vería el usuario: una página, no una excepción
    assert ingresar_expediente(como("mesa_partes"), crear_persona()).status_code == 302
    exp = ultimo_expediente()
    r = tramitar(como("mesa_partes"), exp.id, "derivar", **{"destino": str(unidad("GAT").id), **datos})
    assert r.status_code == 200 and mensaje in r.text
    assert leer(Expediente, exp.id).unidad_actual.sigla == "GDU"
    assert len(derivaciones_de(exp.id)) == 1


def test_observacion_subsanada_en_plazo(base, como, reloj):
    """Martes 31/03/2026: ingreso con 5 días, derivado en el acto a la GDU; observado el miércoles 1 (antes de
    Semana Santa): la derivación se retira y vuelve a Mesa de Partes; subsanado el martes 7, último día del plazo de
    2 días hábiles: el plazo corre desde la subsanación (art. 136.3) y recién entonces se deriva."""
    persona_id = crear_persona()
    mp = como("mesa_partes")
    reloj(lima(2026, 3, 31, 10, 15))
    assert ingresar_expediente(mp, persona_id).status_code == 302
    exp = ultimo_expediente()
    assert exp.fecha_presentacion == date(2026, 3, 31) and exp.codigo.startswith("EXP-2026-")
    venc = exp.fecha_vencimiento
    assert venc == habil(date(2026, 3, 31), 5) == date(2026, 4, 9)

    reloj(lima(2026, 4, 1, 11, 0))
    r = tramitar(mp, exp.id, "observar", observacion="Falta la copia del título de propiedad.")
    assert r.status_code == 302
    exp = leer(Expediente, exp.id)
    assert (exp.estado.value, exp.fecha_observacion, exp.fecha_vencimiento) == ("observado", date(2026, 4, 1), None)
    plazo = habil(date(2026, 4, 1), 2)
    assert plazo == date(2026, 4, 7)  # 2 y 3 de abril son Jueves y Viernes Santo
    texto = texto_de(mp.get(f"/admin/expediente/cargo/?id={exp.id}").text)
    assert "Falta la copia del título de propiedad." in texto
    assert f"hasta el {plazo:%d/%m/%Y}" in texto

    # observado: no se deriva (y volvió a Mesa de Partes)
    r = tramitar(mp, exp.id, "derivar", destino=str(unidad("GAT").id), accion="atender")
    assert r.status_code == 200
    assert "No se puede derivar: el expediente está observado hasta que se subsane." in r.text
    exp = leer(Expediente, exp.id)
    assert (exp.unidad_actual.sigla, exp.estado.value) == ("UTD", "observado")
    assert [d.estado.value for d in derivaciones_de(exp.id)] == ["retirado"]

    reloj(lima(2026, 4, 7, 16, 30))
    r = tramitar(mp, exp.id, "subsanar")
    assert r.status_code == 302
    exp = leer(Expediente, exp.id)
    assert (exp.estado.value, exp.fecha_subsanacion, exp.unidad_actual.sigla) == ("en_tramite", date(2026, 4, 7),
                                                                                   "GDU")
    # los 5 días corren desde la subsanación: 8, 9, 10, 13 y 14 de abril
    assert exp.fecha_vencimiento == habil(date(2026, 4, 7), 5) == date(2026, 4, 14)

    # la observación se hace una sola vez
    r = tramitar(mp, exp.id, "observar", observacion="Otra cosa.")
    assert r.status_code == 200 and "una sola vez" in r.text
    assert leer(Expediente, exp.id).observacion == "Falta la copia del título de propiedad."


def test_observacion_sin_subsanar_es_no_presentado(base, como, crear_expediente, reloj, monkeypatch):
    exp = crear_expediente("GDU", fecha_recepcion=lima(2026, 3, 31, 9, 0))
    exp.estado, exp.observacion = EstadoExpediente.observado, "Falta el plano de ubicación."
    exp.fecha_observacion = date(2026, 4, 1)
    db.session.commit()
    assert habil(date(2026, 4, 1), 2) == date(2026, 4, 7)

    # el martes 7 a las 22:00 de Lima (ya miércoles 8 en UTC) aún está en plazo
    reloj(datetime(2026, 4, 8, 3, 0, tzinfo=UTC))
    assert tramite.vencer_observaciones() == 0
    db.session.commit()
    assert leer(Expediente, exp.id).estado.value == "observado"

    # hoy (después del 07/04/2026): no presentado
    monkeypatch.undo()
    assert tramite.vencer_observaciones() == 1
    db.session.commit()
    assert leer(Expediente, exp.id).estado.value == "no_presentado"

    r = tramitar(como("mesa_partes"), exp.id, "derivar", destino=str(unidad("GAT").id), accion="atender")
    assert r.status_code == 200 and "No se puede derivar un expediente no presentado." in r.text
    assert leer(Expediente, exp.id).unidad_actual.sigla == "GDU"


def test_subsanar_fuera_de_plazo_se_rechaza(base, como, crear_expediente):
    exp = crear_expediente("GDU", fecha_recepcion=lima(2026, 3, 31, 9, 0))
    exp.estado, exp.observacion, exp.fecha_observacion = EstadoExpediente.observado, "Falta el plano.", date(2026, 4, 1)
    db.session.commit()
    r = tramitar(como("unidad"), exp.id, "subsanar")
    assert r.status_code == 200 and "Venció el plazo para subsanar" in r.text
    exp = leer(Expediente, exp.id)
    assert (exp.estado.value, exp.fecha_subsanacion) == ("observado", None)


def test_anulacion(base, como, crear_expediente):
    exp = crear_expediente("GDU")
    numero = exp.numero

    r = tramitar(como("unidad"), exp.id, "anular", motivo="Duplicado")
    assert r.status_code == 200
    assert "Su rol no tiene el permiso «anular» de expedientes" in r.text
    exp = leer(Expediente, exp.id)
    assert (exp.estado.value, exp.motivo_anulacion) == ("registrado", None)

    mp = como("mesa_partes")
    r = tramitar(mp, exp.id, "anular", motivo="   ")
    assert r.status_code == 200 and "Indique el motivo de la anulación." in r.text
    assert leer(Expediente, exp.id).estado.value == "registrado"

    r = tramitar(mp, exp.id, "anular", motivo="Ingresado por duplicado (ver EXP anterior).")
    assert r.status_code == 302
    exp = leer(Expediente, exp.id)
    assert (exp.estado.value, exp.motivo_anulacion) == ("anulado", "Ingresado por duplicado (ver EXP anterior).")
    auditoria = db.session.scalars(sa.select(RegistroAuditoria).where(
        RegistroAuditoria.entidad == "expediente", RegistroAuditoria.entidad_id == exp.id,
        RegistroAuditoria.accion == "anular")).all()
    assert len(auditoria) == 1 and auditoria[0].usuario_id == usuario_de("mesa_partes").id
    assert auditoria[0].cambios["estado"] == ["registrado", "anulado"]

    # anulado: nada más se tramita, y su número no se reutiliza
    r = tramitar(mp, exp.id, "derivar", destino=str(unidad("GAT").id), accion="atender")
    assert r.status_code == 200 and "No se puede derivar un expediente anulado." in r.text
    siguiente = crear_expediente("GDU", asunto="Ingreso posterior")
    assert (siguiente.anio, siguiente.numero) == (exp.anio, numero + 1)
    assert contar(Expediente, Expediente.anio == exp.anio, Expediente.numero == numero) == 1


def test_alcance_de_la_unidad(base, como, crear_expediente):
    ajeno = crear_expediente("GAT", pasa_por=("UTD",), asunto="Prescripción de deuda del predio 44")
    [derivacion] = derivaciones_de(ajeno.id)
    propio = crear_expediente("GDU", pasa_por=("UTD",), asunto="Licencia de edificación del lote 5")
    gdu = como("unidad")

    assert gdu.get(f"/admin/expediente/cargo/?id={ajeno.id}").status_code == 404
    assert gdu.get(f"/admin/expediente/tramitar/?id={ajeno.id}").status_code == 404
    for operacion, datos in (("atender", {}), ("derivar", {"destino": str(unidad("GDU").id), "accion": "atender"}),
                             ("observar", {"observacion": "Falta todo"}), ("anular", {"motivo": "x"})):
        assert tramitar(gdu, ajeno.id, operacion, **datos).status_code == 404
    r = gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(derivacion.id)]})
    assert r.status_code == 404
    ajeno = leer(Expediente, ajeno.id)
    assert (ajeno.estado.value, ajeno.unidad_actual.sigla, ajeno.observacion) == ("registrado", "GAT", None)
    assert (leer(Derivacion, derivacion.id).estado.value, len(derivaciones_de(ajeno.id))) == ("pendiente", 1)
    assert not contar(RegistroAuditoria, RegistroAuditoria.accion == "imprimir",
                       RegistroAuditoria.entidad_id == ajeno.id)

    # lo suyo sí; el cargo (con la clave del administrado) lo imprime quien lo recibió, Mesa de Partes: no la unidad
    assert gdu.get(f"/admin/expediente/cargo/?id={propio.id}").status_code == 403
    r = gdu.get("/admin/derivacion/")
    assert propio.codigo in r.text and ajeno.codigo not in r.text
    r = gdu.get("/admin/derivacion/export/xlsx/")
    assert r.status_code == 200
    import openpyxl

    hoja = openpyxl.load_workbook(io.BytesIO(r.data)).worksheets[0]
    r.close()
    filas = list(hoja.iter_rows(min_row=2, values_only=True))
    assert [f[0] for f in filas] == [propio.codigo]


@pytest.mark.parametrize("operacion", ["anular", "no_presentado"])
def test_expediente_cerrado_sale_de_la_bandeja(base, como, operacion, monkeypatch):
    assert ingresar_expediente(como("mesa_partes"), crear_persona()).status_code == 302
    exp = ultimo_expediente()
    [d] = derivaciones_de(exp.id)
    assert d.estado.value == "pendiente"
    if operacion == "anular":
        assert tramitar(como("mesa_partes"), exp.id, "anular", motivo="Ingresado dos veces").status_code == 302
    else:
        assert tramitar(como("mesa_partes"), exp.id, "observar", observacion="Falta la firma").status_code == 302
        import services.tramite as tramite

        monkeypatch.setattr(models, "reloj", lambda: datetime(2099, 1, 5, 15, tzinfo=UTC))  # muy pasado el plazo
        assert tramite.vencer_observaciones() == 1
        db.session.commit()
    [d] = derivaciones_de(exp.id)
    # anulado: su derivación se cierra; observado en el ingreso: se retira (issue 21) y luego no se presenta
    assert d.estado.value == ("atendido" if operacion == "anular" else "retirado")
    r = como("unidad").post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d.id)]})
    assert r.status_code == 302
    assert derivaciones_de(exp.id)[0].fecha_recepcion is None


def test_acciones_masivas_de_la_lista(como, crear_expediente):
    """Derivar en lote (una pantalla con destino, acción, proveído y plazo), recibir, atender y archivar
    varios a la vez; todo o nada: si uno no se puede, no cambia ninguno."""
    e1, e2 = crear_expediente("GDU"), crear_expediente("GDU")
    ajeno = crear_expediente("GAT")
    gdu = como("unidad")
    r = gdu.post("/admin/expediente/action/", {"action": "derivar", "rowid": [str(e1.id), str(e2.id)]})
    assert r.status_code == 302 and "/admin/expediente/derivar-lote/" in r.headers["Location"]
    lote = urlsplit(r.headers["Location"])
    url = f"{lote.path}?{lote.query}"
    pagina = gdu.get(url).text
    assert e1.codigo in pagina and e2.codigo in pagina and "Derivar 2 expedientes" in pagina
    r = gdu.post(url, {"destino": "", "accion": "opinar", "proveido": "Para opinión legal"})
    assert "Elija la unidad de destino." in r.text and "Para opinión legal" in r.text  # lo escrito se conserva
    r = gdu.post(url, {"destino": unidad("OAJ").id, "accion": "opinar", "proveido": "Para opinión legal"})
    assert r.status_code == 302
    for e in (e1, e2):
        d = derivaciones_de(e.id)[-1]
        assert (d.unidad_destino.sigla, d.accion.value, d.plazo_dias_habiles, d.proveido) == \
            ("OAJ", "opinar", 7, "Para opinión legal")
        assert db.session.get(Expediente, e.id).unidad_actual.sigla == "OAJ"
    # fuera de su alcance: 404 en la acción y en la pantalla del lote
    assert gdu.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(ajeno.id)]}).status_code == 404
    assert gdu.get(f"/admin/expediente/derivar-lote/?id={ajeno.id}").status_code == 404
    # ya no están en GDU: atender en lote se rechaza entero
    r = gdu.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(e1.id), str(e2.id)]},
                 follow_redirects=True)
    assert "El expediente no está en su unidad" in r.text
    assert {db.session.get(Expediente, e.id).estado.value for e in (e1, e2)} == {"en_tramite"}

    sg = como("secretaria_general")
    r = sg.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(e1.id), str(e2.id)]},
                follow_redirects=True)
    assert "Primero reciba el expediente" in r.text  # sin acuse no se atiende
    pendientes = [str(derivaciones_de(e.id)[-1].id) for e in (e1, e2)]
    assert sg.post("/admin/derivacion/action/", {"action": "recibir", "rowid": pendientes}).status_code == 302
    r = sg.post("/admin/expediente/action/", {"action": "atender", "rowid": [str(e1.id), str(e2.id)]},
                follow_redirects=True)
    assert "2 expedientes atendidos." in r.text
    r = sg.post("/admin/expediente/action/", {"action": "archivar", "rowid": [str(e1.id), str(e2.id)]},
                follow_redirects=True)
    assert "2 expedientes archivados." in r.text
    assert {db.session.get(Expediente, e.id).estado.value for e in (e1, e2)} == {"archivado"}
    assert como("concejo").post("/admin/expediente/action/",
                                {"action": "archivar", "rowid": [str(e1.id)]}).status_code == 403


def test_la_observacion_de_ingreso_solo_se_ofrece_mientras_cabe(base, como):
    """Art. 136: antes de que la unidad lo reciba se ofrece «Observar en el ingreso»; después, ni la tarjeta."""
    mp = como("mesa_partes")
    assert ingresar_expediente(mp, crear_persona()).status_code == 302
    exp = ultimo_expediente()
    assert "Observar en el ingreso" in mp.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    [d1] = derivaciones_de(exp.id)
    gdu = como("unidad")
    assert gdu.post("/admin/derivacion/action/", {"action": "recibir", "rowid": [str(d1.id)]}).status_code == 302
    for nav in (mp, gdu):
        assert "Observar en el ingreso" not in nav.get(f"/admin/expediente/tramitar/?id={exp.id}").text
    r = tramitar(mp, exp.id, "observar", observacion="Falta la firma")
    assert "antes de que una unidad reciba el expediente" in r.text
    assert leer(Expediente, exp.id).fecha_observacion is None
