"""Expedir en un navegador de verdad (Chromium + Playwright), de extremo a extremo (issue 26, parte B): Carlos
(GDU) redacta un memorando para GAT con el editor, nombra a los revisores y a la firmante, mira la vista previa y lo
envía; da su V° B°, Asesoría Jurídica da el suyo desde «Por firmar», la gerente lo firma (el número sale entonces) y
GAT lo encuentra en su bandeja con el PDF firmado. Cuenta las acciones del usuario. Capturas 24–27."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.ayudas_expedir import Pki, preparar_personas
from tests.e2e import Contador, capturar, exigir_navegador, ingresar, servir
from tests.pki_prueba import CLAVE_P12

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory, pki):
    exigir_navegador()
    tmp = tmp_path_factory.mktemp("e2e-expedir")

    def preparar():
        from flask import current_app

        preparar_personas(current_app, pki, tmp / "raices")

    srv, detener = servir(plantilla_sqlite, tmp, preparar=preparar, FIRMA_RAICES_DIR=str(tmp / "raices"),
                          URL_PUBLICA="https://tramite.muni.gob.pe")
    yield srv
    detener()


def _select2(u, p, campo: str, valor: str) -> None:
    """Abrir la lista y elegir: dos acciones (el valor se fija por la API de select2, como en las demás e2e)."""
    u.n += 2
    p.locator(f"[id='{campo}']").evaluate("(el, v) => { $(el).select2('val', v); $(el).trigger('change'); }", valor)


def _por_firmar(u, p, p12) -> str:
    u.clic(p.locator(".navbar").get_by_text("Trámite", exact=True))
    u.clic_y_esperar(p.get_by_role("link", name="Por firmar"))
    u.subir(p.locator("#certificado"), str(p12))
    u.escribir(p.locator("#clave"), CLAVE_P12)
    u.clic_y_esperar(p.get_by_role("button", name="Firmar los elegidos con una sola contraseña"))
    return p.locator(".resultados-lote").inner_text()


def test_memorando_redactado_con_vistos_buenos_firmado_y_en_la_bandeja_de_gat(servidor, navegador, pagina, bd,
                                                                              pki, tmp_path):
    from models import Adjunto, Derivacion, Redaccion, Usuario

    p12 = {}
    for u_ in ("unidad", "asesor", "gerente"):
        p12[u_] = tmp_path / f"{u_}.p12"
        p12[u_].write_bytes(pki.p12[u_])
    ids = {u_.username: str(u_.id) for u_ in bd.session.scalars(sa.select(Usuario))}
    acciones = {}

    # 1. Carlos redacta
    p = pagina
    ingresar(p, servidor, "unidad")
    u = Contador(p)
    u.clic(p.locator(".navbar").get_by_text("Trámite", exact=True))
    u.clic_y_esperar(p.get_by_role("link", name="Redactar documentos"))
    u.clic_y_esperar(p.get_by_role("link", name="Crear"))
    tipo = bd.session.scalar(sa.text("SELECT id FROM tipo_documento WHERE abreviatura = 'MEM'"))
    _select2(u, p, "tipo_documento", str(tipo))
    u.clic(p.locator("#s2id_unidad_destino"))
    u.teclear("GAT")
    p.locator(".select2-result-label", has_text="GAT").first.wait_for()
    u.tecla("Enter")
    u.escribir(p.locator("#destinatario"), "WALTER CÁRDENAS LINO\nGerente de Administración Tributaria")
    u.escribir(p.locator("#asunto"), "Remite propuesta de ordenanza de ornato")
    u.clic(p.locator("trix-editor"))
    u.teclear("Me dirijo a usted para remitirle la propuesta de ordenanza de ornato del centro histórico.")
    for i, quien in enumerate(("unidad", "asesor")):
        u.clic(p.get_by_role("button", name="Nuevo Revisor (V° B°)"))
        _select2(u, p, f"revisores-{i}-usuario", ids[quien])
    _select2(u, p, "firmante", ids["gerente"])
    capturar(p, "26-expedir-redactar", pagina_completa=True)
    u.clic_y_esperar(p.get_by_role("button", name="Guardar", exact=True))
    red = bd.session.scalar(sa.select(Redaccion).order_by(Redaccion.id.desc()).limit(1))
    assert red is not None and "ornato del centro histórico" in red.cuerpo, p.locator("main").inner_text()[:2000]
    assert [r.usuario.username for r in red.revisores] == ["unidad", "asesor"]
    with p.expect_popup() as vista:
        u.clic(p.get_by_role("link", name="Vista previa (PDF)"))
    vista.value.close()
    respuesta = p.request.get(servidor(f"/admin/redaccion/pdf/?id={red.id}"))
    assert respuesta.headers["content-type"] == "application/pdf" and respuesta.body().startswith(b"%PDF")
    u.clic_y_esperar(p.get_by_role("button", name="Enviar a V° B°"))
    assert "le toca a Carlos Díaz Ramos" in p.locator("main").inner_text()
    acciones["redactar y enviar"] = u.n
    # su propio V° B°, desde la ficha
    u = Contador(p)
    u.subir(p.locator("#certificado"), str(p12["unidad"]))
    u.escribir(p.locator("#clave"), CLAVE_P12)
    u.clic_y_esperar(p.get_by_role("button", name="Doy V° B°"))
    assert "sigue Andrés Calle Rey" in p.locator("main").inner_text()
    capturar(p, "27-expedir-ficha", pagina_completa=True)
    acciones["V° B° de Carlos"] = u.n

    # 2. Asesoría Jurídica, desde «Por firmar» (cada persona en su navegador)
    contextos = []

    def nueva_pagina():
        contextos.append(navegador.new_context(locale="es-PE", timezone_id="America/Lima",
                                               viewport={"width": 1366, "height": 768}))
        return contextos[-1].new_page()

    a = nueva_pagina()
    ingresar(a, servidor, "asesor")
    u = Contador(a)
    assert "V° B° dado" in _por_firmar(u, a, p12["asesor"])
    acciones["V° B° de Asesoría Jurídica"] = u.n

    # 3. la gerente firma: el número sale ahora
    g = nueva_pagina()
    ingresar(g, servidor, "gerente")
    u = Contador(g)
    resultado = _por_firmar(u, g, p12["gerente"])
    assert re.search(r"MEMORANDO N° \d{3}-\d{4}-GDU/MDD firmado digitalmente", resultado), resultado
    capturar(g, "28-expedir-por-firmar")
    acciones["firma de la gerente"] = u.n
    bd.session.expire_all()
    red = bd.session.get(Redaccion, red.id)
    doc = red.documento
    assert doc is not None and red.estado.value == "firmado"

    # 4. GAT lo ve en su bandeja, con el PDF firmado
    t = nueva_pagina()
    ingresar(t, servidor, "gat")
    t.locator(".navbar").get_by_text("Trámite", exact=True).click()
    with t.expect_navigation():
        t.get_by_role("link", name="Bandeja (derivaciones)").click()
    d = bd.session.scalar(sa.select(Derivacion).where(Derivacion.unidad_destino.has(sigla="GAT"))
                          .order_by(Derivacion.id.desc()).limit(1))
    fila = t.locator("tr", has_text=d.expediente.codigo)
    assert "Remite propuesta de ordenanza de ornato" in fila.inner_text()
    with t.expect_navigation():
        fila.get_by_role("link", name=d.expediente.codigo).click()
    adj = bd.session.scalar(sa.select(Adjunto).where(Adjunto.expediente_id == d.expediente_id))
    enlace = t.get_by_role("link", name=adj.nombre_archivo)
    assert enlace.count() == 1, t.locator("main").inner_text()[:1500]
    pdf = t.request.get(servidor(f"/admin/expediente/adjunto/?id={adj.id}"))
    assert pdf.body().startswith(b"%PDF") and len(pdf.body()) == adj.tamano

    # 5. /verificar: las tres firmas, íntegro
    v = nueva_pagina()
    v.goto(servidor(f"/verificar/{doc.codigo_verificacion}"))
    texto = v.locator("body").inner_text()
    assert "Archivo íntegro" in texto and texto.count("Firmado digitalmente por") == 3
    capturar(v, "29-expedir-verificar", pagina_completa=True)
    for ctx in contextos:
        ctx.close()
    total = sum(acciones.values())
    print(f"\n[acciones] memorando: {acciones} = {total}")
    assert total <= 40
