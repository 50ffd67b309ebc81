"""Un solo reloj («ahora en Lima»): models.reloj. Fijarlo cambia la hora de toda la aplicación."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

import models
from models import ZONA_LIMA, Derivacion, Expediente, Persona, ProcedimientoTupa, RegistroAuditoria, TipoDocumento, db
from services import semilla
from tests.conftest import unidad

RAIZ = Path(__file__).resolve().parent.parent
LECTURAS_DEL_RELOJ = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
                      ("time", "time"), ("time", "monotonic")}


def _archivos() -> list[Path]:
    return sorted(RAIZ.glob("*.py")) + sorted((RAIZ / "services").rglob("*.py")) + \
        sorted((RAIZ / "admin_views").rglob("*.py"))


def test_nadie_lee_la_hora_fuera_de_models_reloj():
    """datetime.now(), date.today()… y ZoneInfo(...) solo en models.py (reloj y ZONA_LIMA)."""
    fuera = []
    for archivo in _archivos():
        arbol = ast.parse(archivo.read_text(), str(archivo))
        permitidas = set()
        if archivo.name == "models.py":
            reloj = next(n for n in arbol.body if isinstance(n, ast.FunctionDef) and n.name == "reloj")
            permitidas = {id(n) for n in ast.walk(reloj)}
        for nodo in ast.walk(arbol):
            if not isinstance(nodo, ast.Call) or id(nodo) in permitidas:
                continue
            f = nodo.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and (f.value.id, f.attr) in \
                    LECTURAS_DEL_RELOJ:
                fuera.append(f"{archivo.name}:{nodo.lineno} {f.value.id}.{f.attr}()")
            if isinstance(f, ast.Name) and f.id == "ZoneInfo" and archivo.name != "models.py":
                fuera.append(f"{archivo.name}:{nodo.lineno} ZoneInfo()")
    assert fuera == [], "use models.ahora(), ahora_lima() u hoy_lima() (y ZONA_LIMA)"


def test_reloj_fijado_en_jueves_santo(como, monkeypatch):
    """Con el reloj en el Jueves Santo de 2026 (2 de abril, 10:00 en Lima), por HTTP: el ingreso se recibe a
    esa hora y se tiene por presentado el lunes 6; su vencimiento, la derivación, su plazo y la auditoría
    siguen al mismo reloj."""
    for anio in (2026, 2027):
        semilla.cargar_feriados(anio)
    persona = Persona(tipo_documento="DNI", numero_documento="10117410", nombres="Rosa", apellidos="Quispe Mamani")
    db.session.add(persona)
    db.session.commit()
    momento = datetime(2026, 4, 2, 10, 0, tzinfo=ZONA_LIMA)
    monkeypatch.setattr(models, "reloj", lambda: momento.astimezone(UTC))
    assert (models.hoy_lima(), models.ahora_lima().hour) == (date(2026, 4, 2), 10)

    mp = como("mesa_partes")
    datos = {"origen": "externo", "canal": "presencial", "persona": str(persona.id),
             "tipo_documento": str(db.session.scalar(sa.select(TipoDocumento.id).where(
                 TipoDocumento.nombre == "Solicitud"))),
             "asunto": "Solicita certificado de parámetros urbanísticos", "folios": "3",
             "procedimiento": str(db.session.scalar(sa.select(ProcedimientoTupa.id).where(
                 ProcedimientoTupa.codigo == "GDU-02"))), "prioridad": "normal"}
    r = mp.post("/admin/expediente/new/", datos)
    assert r.status_code == 302, r.text[:500]
    db.session.expire_all()
    exp = db.session.scalar(sa.select(Expediente).order_by(Expediente.id.desc()).limit(1))
    assert exp.fecha_recepcion == momento
    assert exp.fecha_presentacion == date(2026, 4, 6)  # 2 y 3: Jueves y Viernes Santo; 4 y 5: fin de semana
    assert exp.fecha_vencimiento == date(2026, 4, 13)  # 5 días hábiles después del 6
    [d1] = exp.derivaciones
    assert d1.fecha_envio == momento

    gdu = como("unidad")
    r = gdu.post(f"/admin/expediente/tramitar/?id={exp.id}", {"operacion": "derivar", "plazo": "",
                                                              "destino": str(unidad("GAT").id), "accion": "opinar"})
    assert r.status_code == 302, r.text[:500]
    db.session.expire_all()
    d2 = db.session.scalars(sa.select(Derivacion).where(Derivacion.expediente_id == exp.id)
                            .order_by(Derivacion.id)).all()[-1]
    assert d2.fecha_envio == momento
    # 7 días hábiles desde «hoy» del reloj darían el 14, pero la derivación no pasa del vencimiento del expediente
    assert d2.fecha_limite == date(2026, 4, 13)
    auditoria = db.session.scalar(sa.select(RegistroAuditoria).where(RegistroAuditoria.entidad == "expediente",
                                                                     RegistroAuditoria.entidad_id == exp.id)
                                  .order_by(RegistroAuditoria.id).limit(1))
    assert auditoria.momento == momento
