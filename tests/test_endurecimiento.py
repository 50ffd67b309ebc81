"""Endurecimiento (issue 9, parte A): búsquedas ajax, reglas de edición del trámite, proveídos, 403 antes
que 404, entradas fuera de rango, texto en blanco, ids inexistentes y errores sin SQL. Todo por HTTP."""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from models import (
    Derivacion,
    EstadoDerivacion,
    EstadoExpediente,
    Expediente,
    Feriado,
    Permiso,
    Persona,
    ProcedimientoTupa,
    Rol,
    TipoDocumento,
    Usuario,
    db,
)
from services import ErrorDeRegla
from tests.conftest import CLAVE, token_csrf, unidad

ENORME = "99999999999999999999"  # > 2⁶³


def _texto(r) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", r.text)))


def _contar(modelo, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(modelo).where(*where))


def _leer(modelo, id_):
    db.session.expire_all()
    return db.session.get(modelo, id_)


def _dar(rol: str, vista: str, accion: str) -> None:
    rol_id = db.session.scalar(sa.select(Rol.id).where(Rol.codigo == rol))
    db.session.add(Permiso(rol_id=rol_id, vista=vista, accion=accion))
    db.session.commit()


def _usuario_de(sigla: str, username: str) -> None:
    """Un usuario del rol «unidad» en otra unidad (la demo solo trae el de GDU)."""
    rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad"))
    u = Usuario(username=username, nombre=f"Jefe de {sigla}", rol=rol, unidad=unidad(sigla))
    u.set_password(CLAVE)
    db.session.add(u)
    db.session.commit()


# ----------------------------------------------------------------------------- 1. búsquedas ajax
def test_busqueda_ajax_exige_ver_el_modelo_buscado(como, crear_expediente):
    crear_expediente("GAT", asunto="Reclamo reservado de arbitrios")
    url = "/admin/punto_agenda/ajax/lookup/?name=expediente&query=%25"
    assert como("concejo").get(url).status_code == 403  # ni edita la agenda ni ve expedientes
    _dar("concejo", "punto_agenda", "crear")  # ya puede armar la agenda, pero sigue sin ver expedientes
    r = como("concejo").get(url)
    assert r.status_code == 403 and b"EXP-" not in r.data
    r = como("secretaria_general").get(url.replace("%25", "Reclamo"))  # quien arma la agenda y los ve, sí
    assert r.status_code == 200 and r.get_json()


def test_busqueda_ajax_escapa_comodines_y_limita_filas(como, crear_expediente):
    con_porcentaje = crear_expediente("GDU", asunto="Descuento del 100% en arbitrios")
    con_guion = crear_expediente("GDU", asunto="Oficio mi_archivo adjunto")
    crear_expediente("GDU", asunto="Licencia de edificación")
    nav = como("secretaria_general")
    r = nav.get("/admin/documento_emitido/ajax/lookup/?name=expediente&query=%25")
    assert {f[0] for f in r.get_json()} == {con_porcentaje.id}
    r = nav.get("/admin/documento_emitido/ajax/lookup/?name=expediente&query=_")
    assert {f[0] for f in r.get_json()} == {con_guion.id}
    db.session.add_all(Persona(tipo_documento="DNI", numero_documento=f"{40000000 + i}", nombres="Lucía",
                               apellidos=f"Tupac Yupanqui {i}") for i in range(60))
    db.session.commit()
    r = nav.get("/admin/expediente/ajax/lookup/?name=persona&query=Yupanqui&limit=1000")
    assert r.status_code == 200 and len(r.get_json()) == 50
    r = nav.get("/admin/expediente/ajax/lookup/?name=persona&query=Yupanqui&limit=500")
    assert len(r.get_json()) == 50


def test_busqueda_ajax_de_la_unidad(como, crear_expediente):
    """La unidad elige la unidad de destino (ve las unidades) y solo halla expedientes de su alcance."""
    ajeno = crear_expediente("GAT", asunto="Reclamo de otra unidad")
    propio = crear_expediente("GDU", asunto="Licencia propia")
    nav = como("unidad")
    r = nav.get("/admin/expediente/ajax/lookup/?name=unidad_actual&query=GAT")
    assert r.status_code == 200 and [f[1] for f in r.get_json()] == [str(unidad("GAT"))]
    r = nav.get("/admin/documento_emitido/ajax/lookup/?name=expediente&query=EXP")
    assert {f[0] for f in r.get_json()} == {propio.id}
    # el id de un expediente fuera de su alcance, enviado a mano en el formulario: error junto al campo
    r = nav.post("/admin/documento_emitido/new/", {
        "tipo_documento": str(db.session.scalar(sa.select(TipoDocumento.id).limit(1))), "fecha": "20/11/2026",
        "asunto": "Informe", "expediente": str(ajeno.id)})
    assert r.status_code == 200 and "no existe o no está a su alcance" in _texto(r)


# ----------------------------------------------------------------------------- 2. edición según el trámite
def _editar(nav, exp: Expediente, **cambios):
    datos = {"documento_referencia": "", "asunto": exp.asunto, "folios": str(exp.folios),
             "prioridad": exp.prioridad.value, "observaciones": "", **cambios}
    return nav.post(f"/admin/expediente/edit/?id={exp.id}", datos)


def test_la_unidad_solo_edita_lo_que_tiene(como, crear_expediente):
    salio = crear_expediente("GAT", pasa_por=("GDU",), asunto="Certificado que ya salió de GDU")
    propio = crear_expediente("GDU", asunto="Licencia en GDU")
    salio_id, propio_id = salio.id, propio.id
    nav = como("unidad")
    r = _editar(nav, salio, asunto="Reescrito por GDU")
    assert r.status_code == 200 and "ya no está en su unidad" in _texto(r)
    r = nav.post("/admin/expediente/ajax/update/", {"list_form_pk": str(salio_id), "prioridad": "urgente"})
    assert r.status_code == 400 and "ya no está en su unidad" in r.text
    exp = _leer(Expediente, salio_id)
    assert exp.asunto == "Certificado que ya salió de GDU" and exp.prioridad.value == "normal"
    assert _editar(nav, _leer(Expediente, propio_id), asunto="Licencia en GDU (corregida)").status_code == 302
    assert _leer(Expediente, propio_id).asunto == "Licencia en GDU (corregida)"
    # Secretaría General (alcance «todas») corrige esté donde esté
    assert _editar(como("secretaria_general"), _leer(Expediente, salio_id), folios="3").status_code == 302
    assert _leer(Expediente, salio_id).folios == 3


@pytest.mark.parametrize("estado", ["anulado", "archivado", "atendido", "no_presentado"])
def test_un_expediente_cerrado_es_de_solo_lectura(como, crear_expediente, estado):
    exp = crear_expediente("GDU", asunto="Asunto original")
    exp.estado = EstadoExpediente(estado)
    exp.motivo_anulacion = "Duplicado" if estado == "anulado" else None
    db.session.commit()
    exp_id = exp.id
    for rol in ("secretaria_general", "unidad"):
        nav = como(rol)
        r = _editar(nav, _leer(Expediente, exp_id), asunto="Cambiado")
        assert r.status_code == 200 and "no se modifica" in _texto(r), rol
        r = nav.post("/admin/expediente/ajax/update/", {"list_form_pk": str(exp_id), "prioridad": "urgente"})
        assert r.status_code == 400 and "no se modifica" in r.text
    exp = _leer(Expediente, exp_id)
    assert exp.asunto == "Asunto original" and exp.prioridad.value == "normal"
    # la regla está en el modelo: tampoco por código (CLI, importaciones)
    exp.asunto = "Cambiado por código"
    with pytest.raises(ErrorDeRegla):
        db.session.commit()
    db.session.rollback()


# ----------------------------------------------------------------------------- 3. proveídos y movimientos
@pytest.fixture
def derivado(crear_expediente):
    """Expediente de GDU derivado a GAT (pendiente), con una derivación previa GSC → GAT que GDU no vio."""
    exp = crear_expediente("GAT", asunto="Solicitud de visación de planos")
    gsc, gat, gdu = unidad("GSC").id, unidad("GAT").id, unidad("GDU").id
    db.session.add_all([
        Derivacion(expediente_id=exp.id, unidad_origen_id=gsc, unidad_destino_id=gat,
                   proveido="Instrucción reservada entre GSC y GAT", estado=EstadoDerivacion.atendido),
        Derivacion(expediente_id=exp.id, unidad_origen_id=gdu, unidad_destino_id=gat,
                   proveido="Revisar los planos y emitir informe"),
    ])
    db.session.commit()
    _usuario_de("GAT", "jefe_gat")
    return exp.id, db.session.scalar(sa.select(Derivacion.id).where(
        Derivacion.expediente_id == exp.id, Derivacion.unidad_origen_id == unidad("GDU").id))


def test_el_proveido_es_de_quien_envia(como, derivado):
    _, d_id = derivado
    url = f"/admin/derivacion/edit/?id={d_id}"
    r = como("jefe_gat").post(url, {"proveido": "Reescrito por quien recibe"})
    assert r.status_code == 200 and "Solo la unidad que envió" in _texto(r)
    assert _leer(Derivacion, d_id).proveido == "Revisar los planos y emitir informe"
    assert como("unidad").post(url, {"proveido": "Revisar los planos y el expediente técnico"}).status_code == 302
    assert _leer(Derivacion, d_id).proveido == "Revisar los planos y el expediente técnico"
    d = _leer(Derivacion, d_id)
    d.estado = EstadoDerivacion.recibido  # acuse de recibo: desde ahora es parte del expediente
    db.session.commit()
    r = como("unidad").post(url, {"proveido": "Otro cambio"})
    assert r.status_code == 200 and "ya recibió" in _texto(r)
    assert _leer(Derivacion, d_id).proveido == "Revisar los planos y el expediente técnico"


def test_tramitar_muestra_solo_los_movimientos_de_la_unidad(como, derivado):
    exp_id, _ = derivado
    r = como("unidad").get(f"/admin/expediente/tramitar/?id={exp_id}")
    texto = _texto(r)
    assert r.status_code == 200 and "Revisar los planos" in texto
    assert "Instrucción reservada" not in texto and "1 movimiento entre otras unidades" in texto
    r = como("secretaria_general").get(f"/admin/expediente/tramitar/?id={exp_id}")
    assert "Instrucción reservada" in _texto(r)


# ----------------------------------------------------------------------------- 4. borrar sin permiso: 403
def test_borrar_sin_permiso_es_403_aun_fuera_de_alcance(como, crear_expediente):
    ajeno = crear_expediente("GAT", asunto="Reclamo ajeno")
    propio = crear_expediente("GDU", asunto="Licencia propia")
    nav = como("unidad")  # edita expedientes pero no los elimina
    for id_ in (ajeno.id, propio.id, ENORME, "abc"):
        assert nav.post("/admin/expediente/delete/", {"id": str(id_)}).status_code == 403
        r = nav.post("/admin/expediente/action/", {"action": "delete", "rowid": [str(id_)]})
        assert r.status_code == 403, id_
    assert _contar(Expediente, Expediente.id.in_([ajeno.id, propio.id])) == 2


# ----------------------------------------------------------------------------- 10. números, fechas, enums
def test_ids_y_paginas_enormes(como, client):
    nav = como("secretaria_general")
    for url in (f"/admin/expediente/details/?id={ENORME}", f"/admin/expediente/edit/?id={ENORME}",
                f"/admin/expediente/cargo/?id={ENORME}", f"/admin/expediente/tramitar/?id={ENORME}",
                f"/admin/citacion/imprimir/?sesion_id={ENORME}", "/admin/expediente/details/?id=-1"):
        assert nav.get(url).status_code == 404, url
    r = nav.get(f"/admin/expediente/?page={ENORME}")
    assert r.status_code == 400 and "«page»" in _texto(r)
    assert nav.get("/admin/expediente/?page=-1").status_code == 400
    assert nav.get(f"/admin/reporte_concejo/?anio={ENORME}").status_code == 400
    assert client.get(f"/normas?pagina={ENORME}").status_code == 404
    assert client.get("/normas?pagina=2").status_code == 200


def test_filtros_con_valores_invalidos(como, crear_expediente):
    crear_expediente("GDU")
    nav = como("secretaria_general")
    for url, fragmento in [("/admin/expediente/?flt0_estado_equals=xxx", "«Estado»: «xxx»"),
                           ("/admin/derivacion/?flt0_estado_equals=xxx", "«xxx»"),
                           ("/admin/derivacion/?flt0_estado_in_list=pendiente,xxx", "xxx"),
                           ("/admin/expediente/?flt0_recibido_between=9999-12-31+to+9999-12-31", "1900 a 2100"),
                           ("/admin/feriado/?flt0_fecha_equals=0001-01-01", "1900 a 2100"),
                           (f"/admin/citacion/?flt0_sesion_id_equals={ENORME}", ENORME[:20])]:
        r = nav.get(url)
        assert r.status_code == 200 and "Valor no válido para el filtro" in _texto(r) and fragmento in _texto(r), url
    r = nav.get("/admin/expediente/?flt0_estado_equals=registrado")
    assert r.status_code == 200 and "Valor no válido" not in _texto(r)
    r = nav.get("/admin/expediente/export/xlsx/?flt0_estado_equals=xxx")  # un Excel sin el filtro: no
    assert r.status_code == 400


def test_formularios_con_fechas_numeros_e_importes_fuera_de_rango(como):
    nav = como("secretaria_general")
    antes = _contar(Feriado)
    for fecha in ("31/12/9999", "01/01/0001"):
        r = nav.post("/admin/feriado/new/", {"fecha": fecha, "nombre": "Aniversario", "tipo": "local"})
        assert r.status_code == 200 and "entre los años 1900 y 2100" in _texto(r)
    assert _contar(Feriado) == antes
    gdu = str(unidad("GDU").id)
    base = {"codigo": "GDU-99", "nombre": "Visación de planos", "silencio": "positivo", "unidad_resolutora": gdu,
            "activo": "y"}
    for campo, valor, mensaje in [("plazo_dias_habiles", "2000000000", "entre 0 y 365"),
                                  ("plazo_dias_habiles", ENORME, "entre 0 y 365"),
                                  ("derecho_tramite", "Inf", "número válido"),
                                  ("derecho_tramite", "NaN", "número válido"),
                                  ("derecho_tramite", "1e30", "número válido")]:
        datos = {**base, "plazo_dias_habiles": "30", "derecho_tramite": "12.50", campo: valor}
        r = nav.post("/admin/procedimiento_tupa/new/", datos)
        assert r.status_code == 200 and mensaje in _texto(r), (campo, valor)
    assert _contar(ProcedimientoTupa, ProcedimientoTupa.codigo == "GDU-99") == 0
    r = nav.post("/admin/procedimiento_tupa/new/", {**base, "plazo_dias_habiles": "30", "derecho_tramite": "12.50"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(ProcedimientoTupa.derecho_tramite).where(
        ProcedimientoTupa.codigo == "GDU-99")) == Decimal("12.50")


def test_plazo_enorme_al_derivar(como, crear_expediente):
    exp = crear_expediente("UTD")
    r = como("mesa_partes").post(f"/admin/expediente/tramitar/?id={exp.id}", {
        "operacion": "derivar", "destino": str(unidad("GAT").id), "accion": "opinar", "plazo": ENORME})
    assert r.status_code == 200 and "entre 0 y 365" in _texto(r)
    r = como("mesa_partes").post(f"/admin/expediente/tramitar/?id={exp.id}", {
        "operacion": "derivar", "destino": ENORME, "accion": "opinar"})
    assert r.status_code == 200 and "Elija la unidad de destino" in _texto(r)
    assert _contar(Derivacion, Derivacion.expediente_id == exp.id) == 0


def test_url_de_retorno_con_salto_de_linea(como):
    nav = como("secretaria_general")
    r = nav.get("/admin/feriado/new/?url=/admin/%0d%0aSet-Cookie:x=1")
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    r = nav.post("/admin/feriado/new/?url=//evil.example", {"fecha": "15/06/2026", "nombre": "X", "tipo": "local"})
    # se guarda y se vuelve al listado: la dirección ajena no se sigue (services.seguridad.es_ruta_local)
    assert r.status_code == 302 and r.headers["Location"].startswith("/admin/feriado/")
    assert _contar(Feriado, Feriado.nombre == "X") == 1


def test_edicion_en_lista_con_valor_invalido(como, crear_expediente):
    exp = crear_expediente("GDU")
    r = como("unidad").post("/admin/expediente/ajax/update/", {"list_form_pk": str(exp.id), "prioridad": "xxx"})
    assert r.status_code == 400 and "No se guardó" in r.text
    assert _leer(Expediente, exp.id).prioridad.value == "normal"


# ----------------------------------------------------------------------------- 11. blancos e ids inexistentes
def test_texto_en_blanco_e_id_inexistente_son_errores(como):
    nav = como("mesa_partes")
    persona = Persona(tipo_documento="DNI", numero_documento="10117410", nombres="Rosa", apellidos="Quispe")
    db.session.add(persona)
    db.session.commit()
    datos = {"origen": "externo", "canal": "presencial", "persona": str(persona.id),
             "tipo_documento": str(db.session.scalar(sa.select(TipoDocumento.id).limit(1))),
             "asunto": "   ", "folios": "2", "unidad_actual": str(unidad("GAT").id), "prioridad": "normal"}
    antes = _contar(Expediente)
    r = nav.post("/admin/expediente/new/", datos)
    assert r.status_code == 200 and "Este campo es obligatorio" in _texto(r)
    r = nav.post("/admin/expediente/new/", {**datos, "asunto": "Solicitud", "procedimiento": "987654"})
    assert r.status_code == 200 and "no existe o no está a su alcance" in _texto(r)
    assert _contar(Expediente) == antes
    r = nav.post("/admin/expediente/new/", {**datos, "asunto": "  Solicitud de copia  "})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Expediente.asunto).order_by(Expediente.id.desc()).limit(1)) == \
        "Solicitud de copia"


# ----------------------------------------------------------------------------- 12. sin SQL en los mensajes
def test_error_de_la_base_sin_sql(como):
    nav = como("secretaria_general")
    r = nav.post("/admin/procedimiento_tupa/new/", {
        "codigo": "GDU-98", "nombre": "Con derecho negativo", "plazo_dias_habiles": "10", "silencio": "positivo",
        "derecho_tramite": "-5", "unidad_resolutora": str(unidad("GDU").id), "activo": "y"})
    texto = _texto(r)
    assert r.status_code == 200 and "No se pudo guardar" in texto
    assert not re.search(r"INSERT|SELECT|CHECK constraint|procedimiento_tupa\.|sqlite|psycopg", texto, re.I)
    assert _contar(ProcedimientoTupa, ProcedimientoTupa.codigo == "GDU-98") == 0


def test_excel_con_importe_no_finito_no_se_rompe(como, backend):
    """Un Inf/NaN guardado antes de validar los formularios (SQLite lo admitía) no rompe la exportación."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL no admite Infinity en numeric(10,2)")
    proc = db.session.scalar(sa.select(ProcedimientoTupa).limit(1))
    db.session.execute(sa.text("UPDATE procedimiento_tupa SET derecho_tramite = :v WHERE id = :id"),
                       {"v": float("inf"), "id": proc.id})
    db.session.commit()
    r = como("secretaria_general").get("/admin/procedimiento_tupa/export/xlsx/")
    assert r.status_code == 200
    hoja = openpyxl.load_workbook(io.BytesIO(r.data)).worksheets[0]
    r.close()
    columna = [c.value for c in hoja[1]].index("Derecho de trámite (S/)")
    valores = [f[columna] for f in hoja.iter_rows(min_row=2, values_only=True)]
    assert "Infinity" in valores and all(isinstance(v, int | float) for v in valores if v != "Infinity")


def test_next_con_salto_de_linea_al_ingresar(app, nav):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = nav.c.post("/login?next=/admin/%0d%0aSet-Cookie:%20x=1", data={
        "username": "unidad", "password": CLAVE, "csrf_token": token_csrf(nav.c)})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/"
