"""Documentos de identidad del Perú (docs/reglas.md §8): reglas puras y el formulario de personas."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from models import Persona, TipoDocumentoIdentidad, db
from services.identidad import digito_ruc, error_documento

# ------------------------------------------------------------------------------------------- puras


@pytest.mark.parametrize("numero", ["10117410", "45678912", "00000001", " 45678912 "])
def test_dni_valido(numero):
    assert error_documento("DNI", numero) is None


@pytest.mark.parametrize("numero", ["1011741", "101174101", "1011741A", "ABCDEFGH", "1011 741", "10117410G"])
def test_dni_invalido(numero):
    assert error_documento("DNI", numero) == "El DNI debe tener exactamente 8 dígitos."


@pytest.mark.parametrize("numero", ["20123456786", "10456789124", "15460123451"])
def test_ruc_valido_ejemplos_del_dominio(numero):
    assert error_documento("RUC", numero) is None


def _dv_segun_dominio(primeros10: str) -> int:
    """docs/reglas.md §8: (11 − Σ(w·d) mod 11) mod 10 con pesos 5,4,3,2,7,6,5,4,3,2."""
    s = sum(w * int(d) for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), primeros10, strict=True))
    return (11 - s % 11) % 10


@pytest.mark.parametrize("primeros10", ["2012345678", "1045678912", "1546012345", "1700000000", "2060000001",
                                        "1099999999", "2000000000"])
def test_ruc_un_solo_digito_verificador_valido(primeros10):
    validos = [d for d in range(10) if error_documento("RUC", f"{primeros10}{d}") is None]
    assert validos == [_dv_segun_dominio(primeros10)] == [digito_ruc(primeros10)]


@pytest.mark.parametrize(("numero", "mensaje"), [
    ("20123456787", "dígito verificador"),
    ("10456789120", "dígito verificador"),
    ("30123456786", "empezar con 10, 15, 17 o 20"),
    ("11123456786", "empezar con 10, 15, 17 o 20"),
    ("2012345678", "exactamente 11 dígitos"),
    ("201234567860", "exactamente 11 dígitos"),
    ("2012345678A", "exactamente 11 dígitos"),
])
def test_ruc_invalido(numero, mensaje):
    error = error_documento("RUC", numero)
    assert error is not None and mensaje in error


@pytest.mark.parametrize("numero", ["00123456", "X1234567", "ab12cd34", "123456789012", "CE0012345678"])
def test_carne_de_extranjeria_valido(numero):
    assert error_documento("CE", numero) is None


@pytest.mark.parametrize("numero", ["1234567", "1234567890123", "CE-123456", "12345 678", "ÑANDÚ1234"])
def test_carne_de_extranjeria_invalido(numero):
    assert error_documento("CE", numero) == "El carné de extranjería debe tener de 8 a 12 letras o dígitos."


def test_pasaporte_texto_libre_hasta_20():
    assert error_documento("PASAPORTE", "AB-123 456") is None
    assert error_documento("PASAPORTE", "X" * 20) is None
    assert error_documento("PASAPORTE", "X" * 21) is not None


@pytest.mark.parametrize("tipo", ["DNI", "RUC", "CE", "PASAPORTE"])
@pytest.mark.parametrize("numero", ["", "   ", None])
def test_numero_vacio(tipo, numero):
    assert error_documento(tipo, numero) == "Ingrese el número de documento."


# ------------------------------------------------------------------------------------------- formulario
def _contar() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Persona))


def _input(pagina: str, nombre: str) -> str:
    m = re.search(rf'<input[^>]*\bname="{nombre}"[^>]*>', pagina)
    assert m, f"sin campo {nombre}"
    return m.group(0)


def _valor(pagina: str, nombre: str) -> str:
    m = re.search(r'\bvalue="([^"]*)"', _input(pagina, nombre))
    return html.unescape(m.group(1)) if m else ""


def _error_junto_al_campo(pagina: str, nombre: str) -> str:
    """Texto del bloque de error que sigue al campo (Bootstrap 4: input.is-invalid + .invalid-feedback)."""
    campo = _input(pagina, nombre)
    assert "is-invalid" in campo, f"{nombre} no está marcado como inválido"
    resto = pagina[pagina.index(campo) + len(campo):]
    m = re.match(r'\s*<div class="invalid-feedback">(.*?)</div>', resto, re.S)
    assert m, f"sin mensaje junto a {nombre}"
    return html.unescape(re.sub(r"<[^>]+>|\s+", " ", m.group(1))).strip()


def test_dni_invalido_en_el_formulario(app, como):
    antes = _contar()
    n = como("mesa_partes")
    r = n.post("/admin/persona/new/", data={
        "tipo_documento": "DNI", "numero_documento": "1011741", "nombres": "Rosa", "apellidos": "Quispe Mamani",
        "direccion": "Jr. Ayacucho 245, Huamanga", "telefono": "966123456", "email": "rosa@example.pe"})
    assert r.status_code == 200
    assert "El DNI debe tener exactamente 8 dígitos." in _error_junto_al_campo(r.text, "numero_documento")
    # lo escrito se conserva
    assert _valor(r.text, "numero_documento") == "1011741"
    assert _valor(r.text, "nombres") == "Rosa"
    assert _valor(r.text, "apellidos") == "Quispe Mamani"
    assert _valor(r.text, "direccion") == "Jr. Ayacucho 245, Huamanga"
    assert _valor(r.text, "telefono") == "966123456"
    assert _valor(r.text, "email") == "rosa@example.pe"
    assert re.search(r'<option selected value="DNI">', r.text)
    assert _contar() == antes


def test_dni_de_9_digitos_o_con_letras_no_se_guarda(app, como):
    antes = _contar()
    n = como("mesa_partes")
    for numero in ("123456789", "1011741A"):
        r = n.post("/admin/persona/new/", data={"tipo_documento": "DNI", "numero_documento": numero, "nombres": "Rosa"})
        assert r.status_code == 200
        assert "8 dígitos" in _error_junto_al_campo(r.text, "numero_documento")
        assert _valor(r.text, "numero_documento") == numero
    assert _contar() == antes


def test_ruc_con_digito_verificador_errado(app, como):
    antes = _contar()
    r = como("mesa_partes").post("/admin/persona/new/", data={
        "tipo_documento": "RUC", "numero_documento": "20123456787",
        "razon_social": "Constructora Los Andes S.A.C."})
    assert r.status_code == 200
    assert "dígito verificador" in _error_junto_al_campo(r.text, "numero_documento")
    assert _valor(r.text, "numero_documento") == "20123456787"
    assert _valor(r.text, "razon_social") == "Constructora Los Andes S.A.C."
    assert re.search(r'<option selected value="RUC">', r.text)
    assert _contar() == antes


def test_ruc_valido_se_guarda(app, como):
    antes = _contar()
    r = como("mesa_partes").post("/admin/persona/new/", data={
        "tipo_documento": "RUC", "numero_documento": " 20123456786 ",
        "razon_social": "Constructora Los Andes S.A.C.", "direccion": "Av. Grau 1020, Lima"})
    assert r.status_code == 302, r.text[:2000]
    assert _contar() == antes + 1
    p = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == "20123456786"))
    assert p is not None and p.tipo_documento == TipoDocumentoIdentidad.RUC
    assert p.razon_social == "Constructora Los Andes S.A.C." and p.nombres is None


def test_ce_se_guarda_en_mayusculas(app, como):
    r = como("mesa_partes").post("/admin/persona/new/", data={
        "tipo_documento": "CE", "numero_documento": "ab1234567", "nombres": "Carlos", "apellidos": "Pérez"})
    assert r.status_code == 302, r.text[:2000]
    assert db.session.scalar(sa.select(Persona.numero_documento).where(Persona.nombres == "Carlos")) == "AB1234567"


def test_sin_nombres_ni_razon_social(app, como):
    antes = _contar()
    r = como("mesa_partes").post("/admin/persona/new/", data={
        "tipo_documento": "DNI", "numero_documento": "45678912", "apellidos": "Quispe"})
    assert r.status_code == 200
    assert "INSERT INTO" not in r.text
    assert "Indique los nombres" in _error_junto_al_campo(r.text, "nombres")
    assert _contar() == antes


def test_documento_repetido(app, como):
    n = como("mesa_partes")
    datos = {"tipo_documento": "DNI", "numero_documento": "45678912", "nombres": "Rosa"}
    assert n.post("/admin/persona/new/", data=datos).status_code == 302
    antes = _contar()
    r = n.post("/admin/persona/new/", data=datos)
    assert r.status_code == 200
    assert _contar() == antes
    assert "INSERT INTO" not in r.text
    assert _error_junto_al_campo(r.text, "numero_documento")
