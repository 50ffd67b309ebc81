"""Castellano donde Flask-Admin no lo deja elegir.

1. Nuestro catálogo (translations/es) gana al de Flask-Admin: Flask-Babel fusiona los catálogos en
   orden y el último gana; Flask-Admin pone el suyo al final, así «Save» quedaba «Salvar» y «items»,
   «artículos». Se invierte el orden de `translation_directories` del dominio `admin`.
2. Filtros de fecha en castellano: «01/11/2026 al 30/11/2026» (lo que muestra el selector) y, por los
enlaces guardados, también el formato de Flask-Admin «2026-11-01 to 2026-11-30».

Flask-Admin fija el formato ISO y el separador « to » dentro de `BaseDateFilter` y
`BaseDateBetweenFilter`; se sustituyen aquí, una vez, `clean` y `validate` de esas dos bases (de
ellas heredan los filtros de SQLAlchemy y los propios, como `FiltroMomentoEntreFechas`).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_admin.model import filters

from admin_views.entradas import leer_fecha

SEPARADOR = re.compile(r"\s+(?:al|to|-|–)\s+")


def leer_rango(texto: str) -> list[date]:
    return [leer_fecha(parte) for parte in SEPARADOR.split(texto.strip())]


def _rango_valido(self, value) -> bool:
    try:
        desde, hasta = leer_rango(value)
    except ValueError:
        return False
    return desde <= hasta


# nombres de columna (ASCII, sin tildes) → etiqueta para el usuario, cuando la vista no declara la suya
ETIQUETAS = {"id": "N.º interno", "creado_en": "Creado el", "actualizado_en": "Actualizado el",
             "creado_por": "Creado por", "anio": "Año", "numero": "Número", "codigo": "Código",
             "fecha_hora": "Fecha y hora", "plazo_dias_habiles": "Plazo (días hábiles)"}
ENTIDADES = {"unidad_organica": "Unidad orgánica", "registro_auditoria": "Registro de auditoría",
             "sesion_concejo": "Sesión del concejo", "punto_agenda": "Punto de agenda",
             "miembro_concejo": "Miembro del concejo", "norma_municipal": "Norma municipal",
             "relacion_norma": "Relación entre normas", "procedimiento_tupa": "Procedimiento TUPA",
             "periodo_municipal": "Período municipal", "documento_emitido": "Documento emitido",
             "tipo_documento": "Tipo de documento", "miembro_comision": "Miembro de comisión",
             "solicitud_acceso": "Solicitud de acceso a la información",
             "cuenta_casilla": "Casilla electrónica", "deposito_casilla": "Depósito en la casilla electrónica",
             "consentimiento_casilla": "Autorización de la casilla electrónica"}
PALABRAS = {"anio": "año", "atencion": "atención", "codigo": "código", "numero": "número",
            "descripcion": "descripción", "recepcion": "recepción", "presentacion": "presentación",
            "observacion": "observación", "direccion": "dirección", "telefono": "teléfono", "razon": "razón",
            "organizacion": "organización", "politica": "política", "sesion": "sesión", "resolucion": "resolución",
            "publicacion": "publicación", "emision": "emisión", "notificacion": "notificación", "tramite": "trámite",
            "dias": "días", "habiles": "hábiles", "habil": "hábil", "ultimo": "último", "citacion": "citación",
            "comision": "comisión", "anulacion": "anulación", "subsanacion": "subsanación",
            "derivacion": "derivación", "periodo": "período", "seccion": "sección", "titulo": "título",
            "mayoria": "mayoría", "numeracion": "numeración", "electronica": "electrónica", "envio": "envío",
            "limite": "límite", "accion": "acción", "votacion": "votación", "informacion": "información",
            "ubicacion": "ubicación", "prorroga": "prórroga", "comunicacion": "comunicación",
            "reproduccion": "reproducción", "excepcion": "excepción", "conservacion": "conservación",
            "eliminacion": "eliminación", "transferencia": "transferencia", "devolucion": "devolución",
            "prestamo": "préstamo", "deposito": "depósito", "retencion": "retención", "vision": "visión",
            "autorizacion": "autorización", "ejecucion": "ejecución", "ip": "IP", "en": "el", "mime": "MIME",
            "tamano": "tamaño", "intentos": "intentos", "contrasena": "contraseña", "email": "correo electrónico",
            "sha256": "SHA-256", "ruta": "ruta", "convocatoria": "convocatoria", "pagina": "página",
            "categoria": "categoría", "proveido": "proveído", "via": "vía", "vigencia": "vigencia"}


def etiqueta(nombre: str) -> str:
    """`fecha_atencion` → «Fecha de atención»; `creado_en` → «Creado el»; `anio` → «Año»."""
    if nombre in ETIQUETAS:
        return ETIQUETAS[nombre]
    palabras = [PALABRAS.get(p, p) for p in nombre.split(".")[-1].removesuffix("_id").split("_") if p]
    if len(palabras) > 1 and palabras[0] in ("fecha", "hora", "motivo", "plazo", "tipo", "medio", "forma",
                                             "unidad", "numero", "número", "lugar", "estado"):
        palabras.insert(1, "de")
    texto = " ".join(palabras)
    return texto[:1].upper() + texto[1:]


MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
         "noviembre", "diciembre")


def soles(monto) -> str:
    """1234.5 → «S/ 1 234,50» (miles con espacio, decimales con coma)."""
    if monto is None or monto == "":
        return ""
    texto = f"{float(monto):,.2f}".replace(",", " ").replace(".", ",")
    return f"S/ {texto}"


def numero(valor, decimales: int = 1) -> str:
    """67.2 → «67,2»; 1234 → «1 234»: coma decimal y miles con espacio, como en el Word y el Excel. None → «—»."""
    if valor is None or valor == "":
        return "—"
    if isinstance(valor, int) and not isinstance(valor, bool):
        return f"{valor:,}".replace(",", "\u00a0")
    return f"{float(valor):,.{decimales}f}".replace(",", "\u00a0").replace(".", ",")


def porcentaje(valor) -> str:
    """67.2 → «67,2 %»; None → «—»."""
    return "—" if valor is None else f"{numero(valor)}\u00a0%"


def mes(valor) -> str:
    """«2026-11» o una fecha → «noviembre 2026»."""
    if isinstance(valor, date):
        return f"{MESES[valor.month - 1]} {valor.year}"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", str(valor or ""))
    return f"{MESES[int(m.group(2)) - 1]} {m.group(1)}" if m else str(valor or "")


def registrar_filtros(app) -> None:
    app.jinja_env.filters["soles"] = soles
    app.jinja_env.filters["mes"] = mes
    app.jinja_env.filters["numero"] = numero
    app.jinja_env.filters["porcentaje"] = porcentaje
    app.jinja_env.filters["etiqueta_campo"] = lambda nombre: etiqueta(str(nombre).split("-")[-1])


def contar(n: int, singular: str, plural: str) -> str:
    """«1 derivación recibida», «2 derivaciones recibidas»."""
    return f"{n} {singular if n == 1 else plural}"


def _nuestro_catalogo_al_final(original):
    return property(lambda self: list(reversed(original.fget(self))))


def instalar() -> None:
    from flask_admin import babel as admin_babel
    from flask_admin.contrib.sqla.form import AdminModelConverter
    from flask_admin.model.base import BaseModelView

    BaseModelView._prettify_name = lambda self, name: etiqueta(name)
    original_label = AdminModelConverter._get_label
    if not getattr(original_label, "_castellano", False):
        def _get_label(self, name, field_args):
            return original_label(self, name, field_args) or etiqueta(name)

        _get_label._castellano = True
        AdminModelConverter._get_label = _get_label

    clase = type(admin_babel.domain)
    if not getattr(clase, "_castellano", False):
        clase.translation_directories = _nuestro_catalogo_al_final(clase.translation_directories)
        clase._castellano = True
    filters.BaseDateFilter.clean = lambda self, value: leer_fecha(value)
    filters.BaseDateBetweenFilter.clean = lambda self, value: leer_rango(value)
    filters.BaseDateBetweenFilter.validate = _rango_valido


# --------------------------------------------------------------------------- auditoría legible
def _modelo_de_tabla(tabla: str):
    from models import db

    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == tabla:
            return mapper.class_
    return None


def _legible(modelo, campo: str, valor):
    """Un valor guardado en la bitácora (JSON) como lo ve el usuario: nombres, fechas de Lima, etiquetas."""
    from datetime import datetime as _dt

    from models import ZONA_LIMA, EnumEs, db

    if valor is None:
        return "—"
    if valor == "***":
        return "(oculto)"
    if modelo is not None and campo in modelo.__table__.c:
        col = modelo.__table__.c[campo]
        for fk in col.foreign_keys:
            destino = _modelo_de_tabla(fk.column.table.name)
            fila = db.session.get(destino, valor) if destino is not None else None
            return str(fila) if fila is not None else f"(n.º {valor}, ya no existe)"
        enum_class = getattr(col.type, "enum_class", None)
        if enum_class is not None and issubclass(enum_class, EnumEs):
            try:
                return enum_class(valor).etiqueta
            except ValueError:
                return str(valor)
    if isinstance(valor, bool):
        return "Sí" if valor else "No"
    if isinstance(valor, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", valor):
        return datetime.strptime(valor, "%Y-%m-%d").strftime("%d/%m/%Y")
    if isinstance(valor, str) and re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", valor):
        momento = _dt.fromisoformat(valor)
        if momento.tzinfo is not None:
            momento = momento.astimezone(ZONA_LIMA)
        return momento.strftime("%d/%m/%Y %H:%M")
    return str(valor)


def nombre_entidad(tabla: str | None) -> str:
    """`derivacion` → «Derivación» (el nombre del modelo para el usuario, no el de la tabla)."""
    if not tabla:
        return ""
    return ENTIDADES.get(tabla) or etiqueta(tabla)


def tabla_cambios(tabla: str | None, cambios: dict | None):
    """Cambios {campo: [antes, después]} como tabla Campo | Antes | Después; la clave nunca se muestra."""
    from markupsafe import Markup, escape

    if not cambios:
        return ""
    modelo = _modelo_de_tabla(tabla) if tabla else None
    filas = []
    for campo, par in cambios.items():
        antes, despues = (list(par) + [None, None])[:2] if isinstance(par, list | tuple) else (None, par)
        if campo in ("clave", "password_hash"):
            antes, despues = ("***" if antes is not None else None), ("***" if despues is not None else None)
        filas.append(f"<tr><th>{escape(etiqueta(campo))}</th><td>{escape(_legible(modelo, campo, antes))}</td>"
                     f"<td>{escape(_legible(modelo, campo, despues))}</td></tr>")
    return Markup('<table class="table table-sm table-bordered mb-0 cambios"><thead><tr><th>Campo</th>'
                  '<th>Antes</th><th>Después</th></tr></thead><tbody>' + "".join(filas) + "</tbody></table>")
