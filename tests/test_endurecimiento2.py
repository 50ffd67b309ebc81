"""Endurecimiento 2 (issue 20): lo final no cambia, fechas de actos numerados, Word escapado, ids y filtros que no
caben en la columna, recorrido visible por unidad, códigos de caja, cargo con clave, identificadores NFKC, PDF
activos, contraseñas fáciles y cabeceras. Las carreras están en test_carreras.py, los dos roles de PostgreSQL en
test_roles_postgresql.py y el barrido hostil en test_entradas_hostiles.py."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa

from models import (
    ZONA_LIMA,
    Correlativo,
    Derivacion,
    DocumentoEmitido,
    EstadoNorma,
    Expediente,
    NormaMunicipal,
    Persona,
    TipoDocumento,
    Transferencia,
    UnidadConservacion,
    db,
)
from services import archivo, normas
from services.seguridad import error_clave
from services.tramite import derivar
from tests.archivo_comun import caja, lugar, serie
from tests.conftest import (
    PDF,
    Ciudadano,
    contar,
    errores_de,
    hoy,
    leer,
    texto_de,
    unidad,
    usuario_de,
)
from tests.pdf_prueba import pdf_con_accion, pdf_con_ejecutable, pdf_con_enlace


def _proyecto(sumilla="Ordenanza que regula el comercio ambulatorio", **campos) -> NormaMunicipal:
    p = NormaMunicipal(tipo=campos.pop("tipo", "ordenanza"), sumilla=sumilla, **campos)
    normas.proyectar_norma(p)
    db.session.add(p)
    db.session.commit()
    return p


# ------------------------------------------------------------------ 3. lo final no cambia
def test_norma_vigente_no_cambia_su_texto(como):
    sg = como("secretaria_general")
    p = _proyecto()
    assert sg.post(f"/admin/norma_municipal/aprobar/?id={p.id}", {"fecha": f"{hoy():%d/%m/%Y}"}).status_code == 302
    normas.publicar(leer(NormaMunicipal, p.id), "portal", hoy())
    db.session.commit()
    antes = leer(NormaMunicipal, p.id)
    assert antes.estado in (EstadoNorma.publicada, EstadoNorma.vigente)
    r = sg.post(f"/admin/norma_municipal/edit/?id={p.id}", {"sumilla": "Texto cambiado después de publicada"})
    assert r.status_code == 200 and "ya no cambia" in r.text
    assert leer(NormaMunicipal, p.id).sumilla == "Ordenanza que regula el comercio ambulatorio"
    # ni por un script: la regla es del modelo
    norma = leer(NormaMunicipal, p.id)
    norma.sumilla = "Por script"
    with pytest.raises(normas.ErrorDeRegla, match="ya no cambia"):
        db.session.flush()
    db.session.rollback()


def test_transferencia_recibida_no_cambia(como):
    s = serie()
    t = Transferencia(unidad_origen=unidad("GDU"), fecha=hoy(), entregado_por="Ana Ríos")
    archivo.programar_transferencia(t)
    db.session.add(t)
    c = caja(s, hasta=hoy().replace(month=1, day=15))
    c.transferencia = t
    db.session.commit()
    ac = como("archivo")
    assert ac.post(f"/admin/transferencia/recibir/?id={t.id}", {f"ubicacion_{c.id}": str(lugar().id)}).status_code \
        == 302
    r = ac.post(f"/admin/transferencia/edit/?id={t.id}", {"fecha": "01/01/2026", "entregado_por": "Otra persona"})
    assert r.status_code == 200 and "ya no cambia" in r.text
    t = leer(Transferencia, t.id)
    assert (t.fecha, t.entregado_por) == (hoy(), "Ana Ríos")


# ------------------------------------------------------------------ 4. fecha de un acto numerado
@pytest.mark.parametrize("fecha", ["01/01/0001", "01/01/1900", "15/06/1950", "10/02/2019"])
def test_proyecto_antedatado_no_se_numera(como, fecha):
    sg = como("secretaria_general")
    p = _proyecto()
    r = sg.post(f"/admin/norma_municipal/aprobar/?id={p.id}", {"fecha": fecha})
    assert r.status_code == 200
    assert leer(NormaMunicipal, p.id).numero is None
    assert contar(Correlativo, Correlativo.clave.like("norma:%")) == 0 or \
        not db.session.scalar(sa.select(sa.func.max(Correlativo.ultimo)).where(Correlativo.clave.like("norma:%")))
    assert "atraso" in r.text or "no válida" in r.text or "Indique la fecha" in r.text
    r = sg.post("/admin/norma_municipal/new/", {"tipo": "decreto_alcaldia", "fecha_emision": fecha,
                                                "sumilla": "Decreto antedatado"})
    assert r.status_code == 200 and contar(NormaMunicipal, NormaMunicipal.sumilla == "Decreto antedatado") == 0


def test_fecha_de_acto_ventana_y_orden_de_la_serie(como, reloj):
    """Hoy 10/01/2027: un decreto del 30/12/2026 aún entra en la serie 2026 (cierre del año); uno del 20/12, ya
    no (más de DIAS_FECHA_ACTO = 15 días); ninguno futuro; y nunca anterior al último número de su serie."""
    reloj(datetime(2027, 1, 10, 10, tzinfo=ZONA_LIMA))
    sg = como("secretaria_general")

    def decreto(fecha: str, sumilla: str):
        return sg.post("/admin/norma_municipal/new/", {"tipo": "decreto_alcaldia", "fecha_emision": fecha,
                                                       "sumilla": sumilla})

    assert decreto("30/12/2026", "Decreto del cierre del año").status_code == 302
    assert db.session.scalar(sa.select(NormaMunicipal.codigo).where(
        NormaMunicipal.sumilla == "Decreto del cierre del año")) == "DECRETO DE ALCALDÍA N° 001-2026-MDD"
    r = decreto("20/12/2026", "Decreto tardío")
    assert r.status_code == 200 and "más de 15 días de atraso" in r.text and 'Decreto tardío' in r.text
    assert "más de 15 días" in " ".join(errores_de(r.text))  # junto al campo de la fecha
    r = decreto("11/01/2027", "Decreto de mañana")
    assert r.status_code == 200 and "no puede ser futura" in r.text
    assert decreto("09/01/2027", "Decreto del 9").status_code == 302
    r = decreto("05/01/2027", "Decreto anterior al último")
    assert r.status_code == 200 and "anterior a la del último número de su serie (09/01/2027)" in r.text
    assert contar(NormaMunicipal) == 2


def test_unidad_no_numera_en_la_serie_cerrada(como, reloj):
    reloj(datetime(2027, 2, 10, 10, tzinfo=ZONA_LIMA))
    gdu = como("unidad")
    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Informe"))
    r = gdu.post("/admin/documento_emitido/new/", {"tipo_documento": str(tipo), "fecha": "15/12/2026",
                                                  "asunto": "Informe en la serie 2026"})
    assert r.status_code == 200 and "esa serie ya se cerró" in r.text
    assert contar(DocumentoEmitido) == 0


# ------------------------------------------------------------------ 5. Word de la norma escapado
def test_word_de_la_norma_escapa_cada_valor(como):
    malo = "</w:t></w:r><w:r><w:t>INYECTADO</w:t></w:r> <script>alert(1)</script> & <b>"
    p = _proyecto(sumilla=f"Ordenanza {malo}", considerandos=f"Que {malo}\nSegundo considerando")
    r = como("secretaria_general").get(f"/admin/norma_municipal/word/?id={p.id}")
    assert r.status_code == 200
    xml = zipfile.ZipFile(io.BytesIO(r.data)).read("word/document.xml").decode()
    assert "<script>" not in xml and "<w:t>INYECTADO</w:t>" not in xml and "&lt;script&gt;" in xml
    texto = "\n".join(par.text for par in docx.Document(io.BytesIO(r.data)).paragraphs)
    assert f"Ordenanza {malo}" in texto and f"Que {malo}" in texto


def test_solo_services_word_llena_plantillas():
    raiz = Path(__file__).resolve().parent.parent
    usos = [str(a.relative_to(raiz)) for a in [*raiz.glob("*.py"), *raiz.glob("services/*.py"),
                                               *raiz.glob("admin_views/*.py")]
            if "DocxTemplate" in a.read_text() and a.name != "word.py"]
    assert usos == [], "llene las plantillas Word con services.word.llenar_plantilla (siempre escapada)"


# ------------------------------------------------------------------ 6–8. entradas que no caben
@pytest.mark.parametrize("url", ["/admin/expediente/details/?id=2147483648", "/admin/expediente/edit/?id=2147483648",
                                 "/admin/expediente/tramitar/?id=9223372036854775807",
                                 "/admin/norma_municipal/word/?id=2147483648", "/normas/2147483648/texto",
                                 "/normas/9223372036854775807/texto"])
def test_ids_que_no_caben_en_integer_son_404(como, url):
    assert como("secretaria_general").get(url).status_code == 404


def test_filtro_anio_y_enum_vacio(como, crear_expediente):
    from tests.ayudas_fedatario import certificar

    cert = certificar()
    sg = como("secretaria_general")
    r = sg.get(f"/admin/certificacion/?flt0_ano_equals={hoy().year}")
    assert r.status_code == 200 and cert.codigo in r.text
    r = sg.get(f"/admin/certificacion/?flt0_ano_equals={hoy().year - 1}")
    assert r.status_code == 200 and cert.codigo not in r.text
    r = sg.get(f"/admin/certificacion/export/xlsx/?flt0_ano_equals={hoy().year}")
    assert r.status_code == 200
    r.close()
    for url in ("/admin/expediente/?flt0_estado_equals=", "/admin/certificacion/?flt0_ano_equals=2147483648",
                "/admin/transferencia/?flt0_ano_equals=²"):
        r = sg.get(url)
        assert r.status_code == 200 and "Valor no válido para el filtro" in r.text
    r = sg.get("/admin/expediente/export/xlsx/?flt0_estado_equals=")
    assert r.status_code == 400
    r.close()


def test_sumilla_con_el_largo_de_su_columna(como):
    r = como("secretaria_general").post("/admin/norma_municipal/new/", {
        "tipo": "ordenanza", "proyecto": "y", "sumilla": "x" * 1001, "fecha_emision": f"{hoy():%d/%m/%Y}"})
    assert r.status_code == 200 and "Admite hasta 1000 caracteres" in r.text
    assert contar(NormaMunicipal) == 0
    p = NormaMunicipal(tipo="ordenanza", sumilla="y" * 5000)  # ni por un script (SQLite no lo exige)
    normas.proyectar_norma(p)
    db.session.add(p)
    with pytest.raises(normas.ErrorDeRegla, match="admite hasta 1000"):
        db.session.flush()
    db.session.rollback()


def test_nul_en_un_formulario_publico_es_400(app):
    ciudadano = Ciudadano(app)
    assert ciudadano.presentar(asunto="Solicita\x00copia").status_code == 400
    assert ciudadano.presentar(nombre="a\x00.pdf").status_code == 400
    assert contar(Expediente) == 0


# ------------------------------------------------------------------ 10. recorrido visible por unidad
def test_unidad_no_ve_proveidos_de_otras_unidades(como, crear_expediente):
    sg = usuario_de("secretaria_general")
    exp = crear_expediente("GAT")
    derivar(exp, unidad("GDU"), "atender", "Proveído de GAT para GDU", usuario=sg)
    db.session.commit()
    d = db.session.scalar(sa.select(Derivacion).where(Derivacion.expediente_id == exp.id))
    d.estado, d.fecha_recepcion = "recibido", d.fecha_envio
    db.session.commit()
    exp = leer(Expediente, exp.id)
    derivar(exp, unidad("GSC"), "opinar", "Proveído reservado de GDU a GSC", usuario=sg)
    db.session.commit()
    gat = usuario_de("unidad")  # el usuario demo «unidad» es de GDU: el caso es otra unidad, GAT
    gat.unidad = unidad("GAT")
    db.session.commit()
    nav = como("unidad")
    for url in (f"/admin/expediente/details/?id={exp.id}", f"/admin/expediente/hoja-ruta/?id={exp.id}",
                f"/admin/expediente/tramitar/?id={exp.id}"):
        r = nav.get(url)
        assert r.status_code == 200, url
        assert "Proveído de GAT para GDU" in r.text and "Proveído reservado de GDU a GSC" not in r.text, url
        assert "1 movimiento entre otras unidades no se muestra" in texto_de(r.text), url
    todo = como("secretaria_general").get(f"/admin/expediente/details/?id={exp.id}").text
    assert "Proveído reservado de GDU a GSC" in todo


# ------------------------------------------------------------------ 12–13. cajas, series, origen y cargo
def test_codigo_de_caja_solo_del_sistema(como):
    s = serie()
    gdu = como("unidad")
    datos = {"tipo": "caja", "serie": str(s.id), "fecha_inicial": "01/01/2026", "fecha_final": "30/06/2026",
             "folios": "100", "codigo": "GAT-2026-0001"}
    assert gdu.post("/admin/unidad_conservacion/new/", datos).status_code == 302
    c = db.session.scalar(sa.select(UnidadConservacion).order_by(UnidadConservacion.id.desc()).limit(1))
    assert c.codigo == f"GDU-{hoy().year}-0001"  # el código escrito se ignora: lo saca el sistema, con su sigla
    # un código ya ocupado (de antes de esta regla) se salta: la numeración no se traba
    db.session.execute(sa.insert(UnidadConservacion.__table__).values(
        codigo=f"GDU-{hoy().year}-0002", tipo="caja", serie_id=s.id, unidad_productora_id=unidad("GDU").id,
        fecha_inicial=date(2026, 1, 1), fecha_final=date(2026, 1, 2), folios=1, estado="en_gestion"))
    db.session.commit()
    assert gdu.post("/admin/unidad_conservacion/new/", datos).status_code == 302
    assert db.session.scalar(sa.select(sa.func.max(UnidadConservacion.codigo))) == f"GDU-{hoy().year}-0003"
    # ni por un script con la sigla de otra unidad
    otra = UnidadConservacion(codigo="GAT-2026-0009", serie=s, unidad_productora=unidad("GDU"),
                              fecha_inicial=date(2026, 1, 1), fecha_final=date(2026, 1, 2), folios=1)
    db.session.add(otra)
    with pytest.raises(archivo.ErrorDeRegla, match="empieza con «GDU-»"):
        db.session.flush()
    db.session.rollback()


def test_caja_con_serie_de_otra_unidad(como):
    ajena = serie(codigo="GAT-REC", sigla="GAT")
    r = como("unidad").post("/admin/unidad_conservacion/new/", {
        "tipo": "caja", "serie": str(ajena.id), "fecha_inicial": "01/01/2026", "fecha_final": "30/06/2026",
        "folios": "10"})
    assert r.status_code == 200 and "es de otra unidad" in r.text
    assert contar(UnidadConservacion) == 0


def test_interno_de_una_unidad_tiene_su_origen(como):
    gdu = como("unidad")
    tipo = db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == "Informe"))
    r = gdu.post("/admin/expediente/new/", {"origen": "interno", "canal": "presencial",
                                            "unidad_origen": str(unidad("GAT").id), "tipo_documento": str(tipo),
                                            "asunto": "Informe que pretende venir de GAT", "folios": "2",
                                            "prioridad": "normal"})
    assert r.status_code == 302, errores_de(r.text)
    exp = db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))
    assert exp.unidad_origen.sigla == "GDU"
    # el cargo de lo que registró su unidad, sí; el de un externo que solo pasó por ella, no; ni el auditor
    assert gdu.get(f"/admin/expediente/cargo/?id={exp.id}").status_code == 200


def test_cargo_solo_para_quien_recibe(como, crear_expediente):
    exp = crear_expediente("GDU")
    assert como("unidad").get(f"/admin/expediente/cargo/?id={exp.id}").status_code == 403
    assert como("auditor").get(f"/admin/expediente/cargo/?id={exp.id}").status_code == 403
    assert como("archivo").get(f"/admin/expediente/cargo/?id={exp.id}").status_code == 403
    r = como("mesa_partes").get(f"/admin/expediente/cargo/?id={exp.id}")
    assert r.status_code == 200 and exp.clave in r.text
    assert "fa-print" not in como("auditor").get("/admin/expediente/").text  # sin ícono que daría 403


# ------------------------------------------------------------------ 14. identificadores y PDF
def test_dni_de_ancho_completo_es_la_misma_persona(app):
    Ciudadano(app).presentar(numero_documento="25988000")
    r = Ciudadano(app).presentar(numero_documento="２５９８８０００")
    assert r.status_code == 302
    assert contar(Persona, Persona.numero_documento.like("%25988000%")) == 1
    assert contar(Persona, Persona.numero_documento == "２５９８８０００") == 0
    assert contar(Expediente) == 2
    r = Ciudadano(app).presentar(numero_documento="٢٥٩٨٨٠٠١")  # dígitos arábigos: no son un DNI
    assert r.status_code == 200 and "8 dígitos" in r.text


@pytest.mark.parametrize("archivo", [pdf_con_accion("/URI", URI="https://malo.example"), pdf_con_enlace(),
                                     pdf_con_accion("/GoToR", F="otro.pdf"),
                                     pdf_con_accion("/SubmitForm", F="https://malo.example/recoge"),
                                     pdf_con_accion("/ImportData", F="datos.fdf"), pdf_con_ejecutable()])
def test_pdf_con_acciones_o_ejecutable_no_se_acepta(app, archivo):
    r = Ciudadano(app).presentar(archivo)
    assert r.status_code == 200 and "archivos incrustados: no se acepta" in r.text
    assert contar(Expediente) == 0
    assert Ciudadano(app).presentar(PDF).status_code == 302


# ------------------------------------------------------------------ 15. contraseñas
@pytest.mark.parametrize("clave", ["Sesiones2026!", "abcabcabca", "       abc", "Municipalidad2026", "qwertyuiop1"])
def test_contrasena_facil_de_adivinar(app, clave):
    assert error_clave(clave, "pperez") is not None


def test_contrasena_buena(app):
    assert error_clave("Vidrio-azul-otoño-71", "pperez") is None
    assert error_clave("Tz8#qWm2!pL", "pperez") is None


def test_cambio_de_clave_rechaza_la_facil(como):
    nav = como("mesa_partes")
    from tests.conftest import CLAVE

    r = nav.post("/cambiar-clave", {"actual": CLAVE, "nueva": "Sesiones2026!", "repetir": "Sesiones2026!"})
    assert r.status_code == 200 and "fácil de adivinar" in r.text


# ------------------------------------------------------------------ 16. cabeceras y archivos
def test_cabeceras_csp_y_no_store(como, client):
    sg = como("secretaria_general")
    r = sg.get("/admin/expediente/")
    csp = r.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    assert all(f'nonce="{nonce}"' in s for s in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", r.text))
    assert "'unsafe-hashes'" in csp  # el onclick de las acciones en lote, por su huella
    assert r.headers["Cache-Control"] == "no-store"
    assert client.get("/normas").headers.get("Cache-Control") != "no-store"
    assert "no-store" in client.get("/login").headers["Cache-Control"]
    r = client.get("/static/secretaria.css")
    assert "Content-Security-Policy" in r.headers
    r.close()


def test_manejador_inyectado_no_se_permite(app):
    from services.seguridad import politica_csp

    html = '<a onclick="return modelActions.execute(\'recibir\');">x</a><a onclick="fetch(\'//malo\')">y</a>'
    with app.test_request_context("/admin/"):
        csp = politica_csp(html)
    assert csp.count("'sha256-") == 1


def test_cookies_secure_con_url_publica_https(otra_app):
    segura = otra_app(URL_PUBLICA="https://tramite.muni.gob.pe")
    assert segura.config["SESSION_COOKIE_SECURE"] and segura.config["REMEMBER_COOKIE_SECURE"]
    cliente = segura.test_client()
    from tests.conftest import CLAVE, token_csrf

    r = cliente.post("/login", data={"username": "admin", "password": CLAVE, "csrf_token": token_csrf(cliente)})
    assert "Secure" in r.headers["Set-Cookie"]
    assert not otra_app(URL_PUBLICA="http://localhost:5000").config["SESSION_COOKIE_SECURE"]


def test_adjuntos_y_base_sqlite_0600(app, backend):
    assert Ciudadano(app).presentar(PDF).status_code == 302
    archivos = [p for p in Path(app.config["ADJUNTOS_DIR"]).rglob("*") if p.is_file()]
    assert archivos and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in archivos)
    if backend == "sqlite":
        ruta = db.engine.url.database
        assert stat.S_IMODE(os.stat(ruta).st_mode) == 0o600
