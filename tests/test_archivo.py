"""Archivo central por HTTP (issue 14; docs/reglas.md §7): transferencia con inventario → ubicaciones → préstamo →
vencido → devolución; doble préstamo rechazado; ocupación tras mover cajas; etiquetas cuyo código de barras se
lee; eliminación rechazada antes de la autorización y para una serie permanente; archivar un expediente en una caja;
alcance de la unidad. SQLite y PostgreSQL, con la sesión y el token CSRF de un navegador.

Fechas reales: el miércoles 1 de abril de 2026 un préstamo vence a los 10 días hábiles el viernes 17 (jueves 2 y
viernes 3 son Semana Santa); el lunes 20 está vencido.
"""

from __future__ import annotations

import io
import re
from datetime import date

import numpy as np
import openpyxl
import sqlalchemy as sa
import zxingcpp

from models import (
    EstadoTransferencia,
    EstadoUnidadConservacion,
    Expediente,
    Prestamo,
    SerieDocumental,
    Transferencia,
    Ubicacion,
    UnidadConservacion,
    db,
)
from tests.archivo_comun import caja, dia, lugar, serie
from tests.conftest import leer, unidad
from tests.conftest import texto_de as texto


def test_de_la_transferencia_a_la_devolucion(base, reloj, como, runner):
    reloj(dia(date(2026, 4, 1)))
    arch, gdu = como("archivo"), como("unidad")
    r = arch.post("/admin/serie_documental/new/", {
        "codigo": "GDU-LIC", "nombre": "Licencias de edificación", "unidad": str(unidad("GDU").id),
        "retencion_gestion_anios": "2", "retencion_central_anios": "8", "destino_final": "eliminacion",
        "acceso": "publico"})
    assert r.status_code == 302, texto(r.text)[:500]
    s = db.session.scalar(sa.select(SerieDocumental).where(SerieDocumental.codigo == "GDU-LIC"))
    for nivel, capacidad in ((4, 2), (5, 5)):
        r = arch.post("/admin/ubicacion/new/", {"deposito": "1", "ambiente": "1", "estante": "3", "cuerpo": "2",
                                                 "nivel": str(nivel), "capacidad": str(capacidad)})
        assert r.status_code == 302
    n4, n5 = (db.session.scalar(sa.select(Ubicacion).where(Ubicacion.codigo == c))
              for c in ("D1-A1-E03-C2-N4", "D1-A1-E03-C2-N5"))
    # la unidad programa su transferencia y lista sus cajas (inventario)
    r = gdu.post("/admin/transferencia/new/", {"fecha": "30/04/2026", "entregado_por": "Carlos Díaz Ramos"})
    assert r.status_code == 302
    t = db.session.scalar(sa.select(Transferencia))
    assert t.codigo == "TRF-2026-001" and t.unidad_origen.sigla == "GDU"
    datos = {"tipo": "caja", "serie": str(s.id), "fecha_inicial": "30/12/2015", "fecha_final": "02/01/2015",
             "folios": "150", "transferencia": str(t.id)}
    r = gdu.post("/admin/unidad_conservacion/new/", datos)
    assert r.status_code == 200 and "La fecha final no puede ser anterior a la inicial." in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnidadConservacion)) == 0
    for folios in ("150", "180", "90"):
        r = gdu.post("/admin/unidad_conservacion/new/", {**datos, "fecha_inicial": "02/01/2015",
                                                          "fecha_final": "30/12/2015", "folios": folios})
        assert r.status_code == 302
    cajas = leer(Transferencia, t.id).unidades
    assert [c.codigo for c in cajas] == ["GDU-2026-0001", "GDU-2026-0002", "GDU-2026-0003"]
    assert all(c.unidad_productora.sigla == "GDU" and c.estado.value == "en_gestion" for c in cajas)
    # inventario imprimible y en Excel (formato del AGN)
    r = arch.get(f"/admin/transferencia/inventario/?id={t.id}")
    assert r.status_code == 200 and "N° de orden" in r.text and "Carlos Díaz Ramos" in r.text
    r = arch.get(f"/admin/transferencia/inventario.xlsx?id={t.id}")
    assert r.status_code == 200
    hoja = openpyxl.load_workbook(io.BytesIO(r.data)).active
    filas = [[c.value for c in fila] for fila in hoja.iter_rows()]
    i = next(k for k, f in enumerate(filas) if f[0] == "N° de orden")
    assert filas[i] == ["N° de orden", "Serie documental", "Fecha inicial", "Fecha final", "Unidad de conservación",
                        "Folios", "Ubicación topográfica", "Observaciones"]
    assert filas[i + 1][:6] == [1, "GDU-LIC – Licencias de edificación", filas[i + 1][2], filas[i + 1][3],
                                "Caja GDU-2026-0001", 150]
    assert filas[i + 1][2].date() == date(2015, 1, 2) and filas[i + 3][5] == 90
    # recibir: las tres en N4 (capacidad 2) no caben → nada se guarda
    lugares = {f"ubicacion_{c.id}": str(n4.id) for c in cajas}
    r = arch.post(f"/admin/transferencia/recibir/?id={t.id}", {"operacion": "recibir", **lugares})
    assert r.status_code == 200 and "D1-A1-E03-C2-N4 está llena" in texto(r.text)
    assert leer(Transferencia, t.id).estado == EstadoTransferencia.programada
    lugares[f"ubicacion_{cajas[2].id}"] = str(n5.id)
    r = arch.post(f"/admin/transferencia/recibir/?id={t.id}", {"operacion": "recibir", **lugares})
    assert r.status_code == 302
    # la misma página dice lo que se hizo, dónde quedó cada caja y ofrece prestarlas
    recibida = arch.get(r.headers["Location"]).text
    assert f"{t.codigo}: recibida; 3 cajas ubicadas." in recibida and "Prestar" in recibida
    t = leer(Transferencia, t.id)
    assert t.estado == EstadoTransferencia.recibida and t.fecha_recepcion == date(2026, 4, 1)
    assert [c.ubicacion.codigo for c in t.unidades] == ["D1-A1-E03-C2-N4"] * 2 + ["D1-A1-E03-C2-N5"]
    r = arch.get("/admin/ocupacion_archivo/")
    assert "D1-A1-E03 2 3 / 7" in texto(r.text)
    # préstamo a GAT: vence el 17/04/2026; la misma caja otra vez, rechazada junto al formulario
    c1 = t.unidades[0]
    prestamo = {"unidad_conservacion": str(c1.id), "unidad_solicitante": str(unidad("GAT").id),
                "solicitante": "Luis Rojas"}
    assert arch.post("/admin/prestamo/new/", prestamo).status_code == 302
    p = db.session.scalar(sa.select(Prestamo))
    assert p.fecha_devolucion_prevista == date(2026, 4, 17)
    assert leer(UnidadConservacion, c1.id).estado == EstadoUnidadConservacion.prestada
    r = arch.post("/admin/prestamo/new/", {**prestamo, "solicitante": "Otra persona"})
    assert r.status_code == 200 and f"La caja {c1.codigo} ya está prestada" in r.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Prestamo)) == 1
    r = arch.get(f"/admin/buscar_archivo/?q={c1.codigo}")
    assert "prestada a GAT hasta el 17/04/2026" in texto(r.text)
    # el lunes 20 está vencido: en el tablero del archivo, en el listado filtrado y en la tarea diaria
    reloj(dia(date(2026, 4, 20)))
    r = arch.get("/admin/")
    assert re.search(r"Préstamos vencidos\s*</div>\s*<div class=\"cifra\">1<", r.text)
    r = arch.get("/admin/prestamo/?flt0_estado_equals=vencido")
    assert c1.codigo in r.text
    assert "Luis Rojas" in runner.invoke(args=["tramite-diario"]).output
    # devolución (acción masiva) → la caja vuelve a su lugar
    r = arch.post("/admin/prestamo/action/", {"action": "devolver", "rowid": str(p.id)})
    assert r.status_code == 302
    assert leer(Prestamo, p.id).fecha_devolucion == date(2026, 4, 20)
    assert leer(UnidadConservacion, c1.id).estado == EstadoUnidadConservacion.en_archivo
    # mover cajas: a un lugar lleno no; de N4 a N5 sí, y la ocupación lo refleja
    c3 = t.unidades[2]
    r = arch.post(f"/admin/unidad_conservacion/edit/?id={c3.id}", {"tipo": "caja", "folios": "90",
                                                                   "ubicacion": str(n4.id)})
    assert r.status_code == 200 and "está llena" in texto(r.text)
    r = arch.post(f"/admin/unidad_conservacion/edit/?id={c1.id}", {"tipo": "caja", "folios": "150",
                                                                   "ubicacion": str(n5.id)})
    assert r.status_code == 302
    assert (leer(Ubicacion, n4.id).ocupadas, leer(Ubicacion, n5.id).ocupadas) == (1, 2)


def _leer_codigos(html: str) -> dict[str, str]:
    """Cada etiqueta de la hoja: su Código 128 dibujado (rectángulos del SVG) se rasteriza y lo lee zxing."""
    leidos = {}
    for codigo, svg in re.findall(r'data-codigo="([^"]+)".*?(<svg.*?</svg>)', html, re.S):
        rects = [(float(x), float(w)) for x, w in
                 re.findall(r'<rect x="([\d.]+)mm" y="[\d.]+mm" width="([\d.]+)mm"', svg)]
        escala = 3 / 0.33  # 3 píxeles por módulo
        imagen = np.full((60, int(max(x + w for x, w in rects) * escala) + 40), 255, np.uint8)
        for x, w in rects:
            imagen[:, round(x * escala) + 10:round((x + w) * escala) + 10] = 0
        resultado = zxingcpp.read_barcodes(imagen)
        assert len(resultado) == 1 and resultado[0].format == zxingcpp.BarcodeFormat.Code128
        leidos[codigo] = resultado[0].text
    return leidos


def test_etiquetas_con_codigo_de_barras_legible(base, reloj, como):
    s = serie()
    cajas = [caja(s, lugar()), caja(s), caja(s)]
    arch = como("archivo")
    r = arch.post("/admin/unidad_conservacion/action/", {"action": "etiquetas", "rowid": [str(c.id) for c in cajas]})
    assert r.status_code == 302 and "/etiquetas/" in r.location
    r = arch.get(r.location)
    assert r.status_code == 200
    assert _leer_codigos(r.text) == {c.codigo: c.codigo for c in cajas}
    assert "D1-A1-E03-C2-N4" in r.text and "Archivo de gestión" in r.text
    r = arch.get(f"/admin/unidad_conservacion/etiqueta/?id={cajas[0].id}")
    assert _leer_codigos(r.text) == {cajas[0].codigo: cajas[0].codigo}


def test_alcance_de_la_unidad(base, reloj, como):
    propia, ajena = caja(serie()), caja(serie("GAT-REC", sigla="GAT"), sigla="GAT")
    gdu = como("unidad")
    r = gdu.get("/admin/unidad_conservacion/")
    assert propia.codigo in r.text and ajena.codigo not in r.text
    assert gdu.get(f"/admin/unidad_conservacion/details/?id={ajena.id}").status_code == 404
    assert gdu.get(f"/admin/unidad_conservacion/etiqueta/?id={ajena.id}").status_code == 404
    assert ajena.codigo not in gdu.get("/admin/buscar_archivo/?q=GAT").text
    # préstamos: la unidad ve los suyos (y los vencidos de su tablero), no los de otra
    reloj(dia(date(2026, 4, 1)))
    suya, otra = caja(serie("GDU-EXP"), lugar()), caja(serie("GDU-EXP2"), lugar(nivel=5))
    from services import archivo as servicio

    servicio.prestar(suya, unidad("GDU"), "Carlos Díaz")
    servicio.prestar(otra, unidad("GAT"), "Luis Rojas")
    db.session.commit()
    reloj(dia(date(2026, 4, 20)))
    r = gdu.get("/admin/prestamo/")
    assert "Carlos Díaz" in r.text and "Luis Rojas" not in r.text
    assert re.search(r"Préstamos vencidos\s*</div>\s*<div class=\"cifra\">1<", gdu.get("/admin/").text)
    assert gdu.post("/admin/prestamo/new/", {"unidad_conservacion": str(suya.id),
                                             "solicitante": "x"}).status_code == 403
    # la unidad no recibe transferencias, ni ve ubicaciones, eliminaciones ni la ocupación
    t = Transferencia(unidad_origen=unidad("GDU"), fecha=date(2026, 5, 4))
    from services import archivo

    archivo.programar_transferencia(t)
    db.session.add(t)
    db.session.commit()
    assert gdu.post(f"/admin/transferencia/recibir/?id={t.id}", {"operacion": "recibir"}).status_code == 403
    lista = gdu.get("/admin/transferencia/").text
    assert f"/admin/transferencia/inventario/?id={t.id}" in lista and "/admin/transferencia/recibir/" not in lista
    assert "/admin/transferencia/recibir/" in como("archivo").get("/admin/transferencia/").text
    for url in ("/admin/ubicacion/", "/admin/eliminacion/", "/admin/ocupacion_archivo/"):
        assert gdu.get(url).status_code == 403, url
    # la caja de otra unidad no entra en el inventario de la suya
    datos = {"tipo": "caja", "serie": str(ajena.serie_id), "fecha_inicial": "02/01/2020",
             "fecha_final": "30/12/2020", "folios": "10", "transferencia": str(t.id)}
    r = gdu.post("/admin/unidad_conservacion/new/", datos)  # ni con la serie de otra unidad (issue 20)
    assert r.status_code == 200 and "es de otra unidad" in texto(r.text)
    r = gdu.post("/admin/unidad_conservacion/new/", {**datos, "serie": str(propia.serie_id)})
    assert r.status_code == 302  # la unidad productora la fija el servidor: la suya
    nueva = db.session.scalar(sa.select(UnidadConservacion).order_by(UnidadConservacion.id.desc()))
    assert nueva.unidad_productora.sigla == "GDU" and nueva.transferencia_id == t.id
    # una caja que ya está en el archivo central no la modifica la unidad
    r = gdu.post(f"/admin/unidad_conservacion/edit/?id={suya.id}", {"tipo": "caja", "folios": "1"})
    assert r.status_code == 200 and "solo el archivo central la modifica" in texto(r.text)
    assert leer(UnidadConservacion, suya.id).folios == 180


def test_eliminacion_por_http_antes_de_autorizar_y_serie_permanente(base, reloj, como):
    reloj(dia(date(2026, 3, 2)))
    u = lugar()
    vieja = caja(serie(), u, hasta=date(2012, 12, 31))
    permanente = caja(serie("GDU-ORD", destino="conservacion_permanente"), u, hasta=date(2000, 6, 30))
    arch = como("archivo")
    r = arch.post("/admin/eliminacion/new/", {"observaciones": "Expurgo 2026"})
    assert r.status_code == 302 and "/tramitar/" in r.location
    e_id = int(r.location.split("id=")[1])
    r = arch.get(r.location)
    assert vieja.codigo in r.text and permanente.codigo not in r.text  # candidatas: solo series que se eliminan
    url = f"/admin/eliminacion/operar/?id={e_id}"
    r = arch.post(url, {"operacion": "agregar", "caja": str(permanente.id)})
    assert r.status_code == 200 and "de conservación permanente: nunca se elimina" in texto(r.text)
    assert arch.post(url, {"operacion": "agregar", "caja": str(vieja.id)}).status_code == 302
    r = arch.post(url, {"operacion": "ejecutar", "fecha": "02/03/2026", "documento": "Acta 1"})
    assert r.status_code == 200 and "no se pasa a «Ejecutada»" in texto(r.text)
    assert leer(UnidadConservacion, vieja.id).estado == EstadoUnidadConservacion.en_archivo
    assert arch.post(url, {"operacion": "aprobar", "fecha": "02/03/2026", "documento": "Acta CED 3"}).status_code == 302
    r = arch.post(url, {"operacion": "autorizar", "fecha": "06/04/2026", "documento": ""})
    assert r.status_code == 200 and "exige el número de su resolución" in texto(r.text)
    assert arch.post(url, {"operacion": "autorizar", "fecha": "06/04/2026",
                           "documento": "R.J. 045-2026-AGN/DDPA"}).status_code == 302
    assert arch.post(url, {"operacion": "ejecutar", "fecha": "08/04/2026",
                           "documento": "Acta 001-2026"}).status_code == 302
    vieja = leer(UnidadConservacion, vieja.id)
    assert vieja.estado == EstadoUnidadConservacion.eliminada and vieja.ubicacion_id is None
    assert "Eliminada" in texto(arch.get(f"/admin/unidad_conservacion/details/?id={vieja.id}").text)
    # sin permiso de edición (auditor) no se opera
    assert como("auditor").post(url, {"operacion": "aprobar"}).status_code == 403


def test_archivar_un_expediente_en_una_caja_y_donde_esta(base, reloj, como, crear_expediente):
    exp = crear_expediente("GDU")
    c = caja(serie())
    gdu = como("unidad")
    r = gdu.get(f"/admin/expediente/tramitar/?id={exp.id}")
    assert c.codigo in r.text and "Dejarlo en el archivo de gestión de GDU" in r.text
    ajena = caja(serie("GAT-REC", sigla="GAT"), sigla="GAT")
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "archivar", "caja": str(ajena.id)})
    assert r.status_code == 200 and f"La caja {ajena.codigo} es de GAT" in texto(r.text)
    assert leer(Expediente, exp.id).estado.value != "archivado"
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "archivar", "caja": str(c.id)})
    assert r.status_code == 302
    exp = leer(Expediente, exp.id)
    assert exp.estado.value == "archivado" and exp.unidad_conservacion_id == c.id
    r = gdu.get(f"/admin/expediente/details/?id={exp.id}")
    assert f"Dónde está: caja {c.codigo}" in texto(r.text) and "Archivo de gestión de GDU" in texto(r.text)
    r = como("archivo").get(f"/admin/buscar_archivo/?q={exp.codigo}")
    assert c.codigo in r.text
    # sin caja: queda en el archivo de gestión y luego se encaja
    otro = crear_expediente("GDU")
    assert gdu.post(f"/admin/expediente/tramitar/?id={otro.id}", {"operacion": "archivar", "caja": ""}).status_code \
        == 302
    assert "archivo de gestión de GDU (aún sin caja)" in texto(gdu.get(f"/admin/expediente/details/?id={otro.id}").text)
    assert gdu.post(f"/admin/expediente/tramitar/?id={otro.id}", {"operacion": "encajar",
                                                                   "caja": str(c.id)}).status_code == 302
    assert leer(Expediente, otro.id).unidad_conservacion_id == c.id


def test_retencion_y_cronograma(base, reloj, como):
    reloj(dia(date(2026, 5, 4)))
    u = lugar(capacidad=20)
    eliminable = caja(serie("GDU-LIC"), u, hasta=date(2015, 12, 31))
    permanente = serie("GDU-ORD", destino="conservacion_permanente", gestion=5, central=5)
    historica, reciente = caja(permanente, u, hasta=date(2014, 3, 1)), caja(permanente, u, hasta=date(2016, 3, 1))
    arch = como("archivo")
    r = texto(arch.get("/admin/retencion_archivo/").text)
    assert "GDU-LIC – Serie GDU-LIC GDU 1 180" in r and "Proponer eliminación" in r
    assert "GDU-ORD – Serie GDU-ORD GDU 1 180" in r and "Transferir al AGN o archivo regional" in r
    # la transferencia al AGN: solo la permanente con la retención cumplida (2014 + 10 = 2024 < 2026)
    for c, mensaje in ((eliminable, "es de una serie que se elimina"), (reciente, "hasta el 31/12/2026")):
        r = arch.post("/admin/unidad_conservacion/action/", {"action": "transferir_agn", "rowid": str(c.id)})
        assert mensaje in texto(arch.get(r.location).text)
        assert leer(UnidadConservacion, c.id).estado == EstadoUnidadConservacion.en_archivo
    arch.post("/admin/unidad_conservacion/action/", {"action": "transferir_agn", "rowid": str(historica.id)})
    historica = leer(UnidadConservacion, historica.id)
    assert historica.estado == EstadoUnidadConservacion.transferida and historica.ubicacion_id is None
    assert leer(Ubicacion, u.id).ocupadas == 2
    assert "GDU-ORD" not in texto(arch.get("/admin/retencion_archivo/").text)
    from services import archivo

    for fecha in (date(2026, 4, 30), date(2026, 6, 30)):
        t = Transferencia(unidad_origen=unidad("GDU" if fecha.month == 4 else "GAT"), fecha=fecha)
        archivo.programar_transferencia(t)
        db.session.add(t)
    db.session.commit()
    assert "/admin/transferencia/cronograma/" in arch.get("/admin/transferencia/").text
    r = texto(arch.get("/admin/transferencia/cronograma/?anio=2026").text)
    assert "Unidades atrasadas: GDU" in r and "GAT" in r and "Atrasada" in r
    tablero = arch.get("/admin/").text
    assert re.search(r"Transferencias atrasadas\s*</div>\s*<div class=\"cifra\">1<", tablero)


def test_donde_esta_por_anio_ubicacion_serie_y_unidad(base, reloj, como):
    u3, u5 = lugar(), lugar(estante=5)
    licencias = serie("GDU-LIC")
    c2015 = caja(licencias, u3, hasta=date(2015, 12, 31))
    c2019 = caja(licencias, u5, desde=date(2018, 3, 1), hasta=date(2019, 2, 28))
    c_gat = caja(serie("GAT-REC", sigla="GAT"), u5, sigla="GAT", hasta=date(2020, 6, 30))
    arch = como("archivo")

    def encontradas(q: str) -> set[str]:
        r = arch.get(f"/admin/buscar_archivo/?q={q}")
        assert r.status_code == 200
        return set(re.findall(r"unidad_conservacion/details/\?id=\d+\">([^<]+)<", r.text))

    assert encontradas("2015") == {c2015.codigo}
    assert encontradas("2018") == encontradas("2019") == {c2019.codigo}  # fechas extremas que abarcan el año
    assert encontradas("D1-A1-E05") == {c2019.codigo, c_gat.codigo}
    assert encontradas("gdu-lic") == {c2015.codigo, c2019.codigo}
    assert encontradas("GAT") == {c_gat.codigo}
    assert encontradas(c2015.codigo) == {c2015.codigo}
    assert "Nada encontrado" in arch.get("/admin/buscar_archivo/?q=EXP-2026-999999").text
    assert "Nada encontrado" in arch.get("/admin/buscar_archivo/?q=%25").text  # «%» se busca tal cual
