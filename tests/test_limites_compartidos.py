"""Límites de peticiones compartidos entre nodos: con RATELIMIT_STORAGE_URI=redis://… dos instancias de la aplicación
cuentan en el mismo redis-server real; con memory:// (por defecto) cada una cuenta por su lado."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.redis


def _nodos(otra_app, almacen: str, prefijo: str):
    opciones = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": almacen, "RATELIMIT_KEY_PREFIX": prefijo,
                "LIMITE_VERIFICAR": "3/minute"}
    return otra_app(**opciones).test_client(), otra_app(**opciones).test_client()


def _alternando(a, b, n: int) -> list[int]:
    return [(a if i % 2 == 0 else b).get("/verificar/NOEXISTE0000").status_code for i in range(n)]


def test_redis_cuenta_entre_nodos(app, otra_app, servidor_redis):
    import redis

    prefijo = f"prueba-{uuid.uuid4().hex[:8]}"
    a, b = _nodos(otra_app, servidor_redis.url(), prefijo)
    assert _alternando(a, b, 5) == [404, 404, 404, 429, 429]  # 3 por minuto entre los dos nodos
    claves = redis.Redis.from_url(servidor_redis.url()).keys(f"*{prefijo}*")
    assert claves, "los contadores están en Redis"
    # en memoria, cada nodo cuenta solo lo suyo (por eso en producción con varios nodos se usa Redis)
    a, b = _nodos(otra_app, "memory://", prefijo)
    assert _alternando(a, b, 6) == [404] * 6
