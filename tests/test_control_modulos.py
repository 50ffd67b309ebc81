"""El flujo documentario cuenta también las certificaciones del fedatario (sin las anuladas) y los préstamos
del archivo central, por mes, en la pantalla y en el Excel (issue 16, punto 2)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import sqlalchemy as sa

from models import Certificacion, Prestamo, db
from services import archivo
from tests.archivo_comun import caja, lugar, serie
from tests.ayudas_fedatario import certificar, hoy_es
from tests.conftest import unidad


def test_flujo_con_certificaciones_y_prestamos(base, como, reloj):
    hoy_es(reloj, date(2026, 4, 1))  # miércoles santo
    certificar()
    hoy_es(reloj, date(2026, 7, 27))
    certificar()
    hoy_es(reloj, date(2026, 7, 30))
    anulada = certificar()
    anulada.anular("Error en el número de folios")
    db.session.commit()
    reloj(None)
    s = serie()
    for i, dia in enumerate((date(2026, 7, 27), date(2026, 7, 30), date(2026, 12, 31))):
        archivo.prestar(caja(s, lugar(estante=i + 1), codigo=f"GDU-2015-{i:04d}"), unidad("GAT"), "Luis Rojas",
                        fecha=dia)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Prestamo)) == 3
    sg = como("secretaria_general")
    r = sg.get("/admin/reporte_flujo/?anio=2026")
    assert r.status_code == 200
    for clave, mes, n in (("certificaciones", 4, 1), ("certificaciones", 7, 1), ("prestamos", 7, 2),
                          ("prestamos", 12, 1)):
        assert f'id="s-{clave}-{mes}">{n}<' in r.text, (clave, mes)
    assert "Certificaciones del fedatario" in r.text and "Préstamos del archivo central" in r.text
    activas = db.session.scalar(sa.select(sa.func.count()).select_from(Certificacion)
                                .where(Certificacion.anulada.is_(False)))
    assert activas == 2
    x = sg.get("/admin/reporte_flujo/xlsx/?anio=2026")
    assert x.status_code == 200
    libro = openpyxl.load_workbook(io.BytesIO(x.data))
    x.close()
    textos = [str(c.value) for h in libro.worksheets for fila in h.iter_rows() for c in fila if c.value is not None]
    assert "Certificaciones del fedatario" in textos and "Préstamos del archivo central" in textos


def test_alertas_incluyen_los_prestamos_del_archivo(base, runner, reloj):
    """Un préstamo del 01/04/2026 vence el 17/04 (10 días hábiles: Semana Santa en medio); el 20/04 la unidad
    que lo pidió lo ve entre sus vencidos; uno devuelto ya no sale."""
    s = serie()
    pendiente = archivo.prestar(caja(s, lugar(estante=1), codigo="GDU-2015-0101"), unidad("GAT"), "Luis Rojas",
                                fecha=date(2026, 4, 1))
    devuelto = archivo.prestar(caja(s, lugar(estante=2), codigo="GDU-2015-0102"), unidad("GAT"), "Ana Díaz",
                               fecha=date(2026, 4, 1))
    archivo.devolver(devuelto, date(2026, 4, 10))
    db.session.commit()
    assert pendiente.fecha_devolucion_prevista == date(2026, 4, 17)
    hoy_es(reloj, date(2026, 4, 20))
    r = runner.invoke(args=["alertas"])
    assert r.exit_code == 0, r.output
    # el código de la caja lo pone el sistema (serie, año, correlativo), no quien la registra
    codigo = pendiente.unidad_conservacion.codigo
    assert f"[Préstamos del archivo por devolver] {codigo} – Luis Rojas (vencido el 17/04/2026)" in r.output
    assert "1 vencido, 0 por vencer (al 20/04/2026)" in r.output
    assert devuelto.unidad_conservacion.codigo not in r.output
