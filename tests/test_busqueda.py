"""Búsqueda de expedientes por palabra: código, asunto, documento y nombre del remitente; con índice."""

import pytest
import sqlalchemy as sa

from models import Expediente, db
from services.tramite import condicion_busqueda


@pytest.fixture
def tres(crear_expediente):
    a = crear_expediente("GDU", asunto="Licencia de funcionamiento para bodega")
    b = crear_expediente("GDU", asunto="Queja por ruidos molestos")
    return a.codigo, b.codigo


@pytest.mark.parametrize("termino,cuales", [
    ("bodega", {0}), ("RUIDOS", {1}), ("10117410", {0, 1}), ("quispe", {0, 1}), ("Rosa ruidos", {1}),
    ("nada-de-esto", set()),
])
def test_busca_por_expediente_y_remitente(como, tres, termino, cuales):
    r = como("mesa_partes").get(f"/admin/expediente/?search={termino}")
    assert r.status_code == 200
    assert {i for i, c in enumerate(tres) if c in r.text} == cuales


def test_codigo_exacto(como, tres):
    r = como("mesa_partes").get(f"/admin/expediente/?search={tres[1]}")
    assert tres[1] in r.text and tres[0] not in r.text


def test_postgres_usa_indices_trigrama(app, backend):
    if backend != "postgres":
        pytest.skip("índices GIN pg_trgm solo en PostgreSQL")
    db.session.execute(sa.text("SET enable_seqscan = off"))  # tabla pequeña: forzar a mostrar el índice usable
    consulta = sa.select(Expediente.id).where(condicion_busqueda("licencia", "postgresql")).compile(
        db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(r[0] for r in db.session.execute(sa.text(f"EXPLAIN {consulta}")))
    assert "ix_expediente_asunto_trgm" in plan and "ix_expediente_codigo_trgm" in plan, plan


@pytest.mark.parametrize("termino,cuales", [("quispe", {0, 1}), ("bodega", {0}), ("Rosa ruidos", {1}),
                                            ("nada-de-esto", set())])
def test_palabra_comun_se_comprueba_fila_a_fila(como, tres, monkeypatch, termino, cuales):
    """Con más remitentes que el tope, el remitente se comprueba por fila (PostgreSQL): mismo resultado."""
    monkeypatch.setattr("services.tramite.TOPE_REMITENTES_BUSQUEDA", 0)
    r = como("mesa_partes").get(f"/admin/expediente/?search={termino}")
    assert r.status_code == 200
    assert {i for i, c in enumerate(tres) if c in r.text} == cuales


@pytest.mark.parametrize("tope", [0, 2000])
def test_busqueda_con_filtro_que_une_persona(como, tres, monkeypatch, tope):
    """El filtro por documento del remitente une `persona`: la búsqueda no debe correlacionarse con ella."""
    monkeypatch.setattr("services.tramite.TOPE_REMITENTES_BUSQUEDA", tope)
    cliente = como("mesa_partes")
    r = cliente.get("/admin/expediente/?search=quispe+ruidos&flt0_remitente_documento_contains=1011")
    assert r.status_code == 200
    assert tres[1] in r.text and tres[0] not in r.text
    r = cliente.get("/admin/expediente/?search=quispe+ruidos&flt0_remitente_documento_contains=9999")
    assert r.status_code == 200
    assert tres[1] not in r.text  # el filtro se aplicó
