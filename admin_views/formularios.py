"""Formularios y filtros de toda pantalla: tipos de campo acotados (texto, enteros, importes, fechas, relaciones,
enums), validadores, el error junto al campo, los mensajes de la base sin SQL, filtros por sigla y por momento, y
la validación de cada valor de filtro. `VistaSegura` (admin_views/base.py) los usa y los reexporta.

Miembros privados de Flask-Admin que usa este módulo: `AdminModelConverter.convert` y `convert_enum`,
`FilterConverter` con `@filters.convert`, `Translations` de `flask_admin.babel`.
"""

from __future__ import annotations

import decimal
import math
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_admin.babel import Translations
from flask_admin.babel import gettext as admin_gettext
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.contrib.sqla.validators import Unique
from flask_admin.form import BaseForm, DateTimePickerWidget
from flask_admin.model import filters
from flask_admin.model.fields import AjaxSelectField
from flask_admin.model.form import converts
from flask_wtf.file import FileField
from wtforms.fields import DateField, DateTimeField, StringField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from admin_views.entradas import (
    ANIO_MAXIMO,
    ANIO_MINIMO,
    EJEMPLO_FECHA,
    ENTERO_SQL,
    ID_MAXIMO,
    leer_fecha,
    leer_momento,
    rango_entero,
)
from admin_views.formatos import opciones_enum
from models import ZONA_LIMA, MomentoUTC, db


# --------------------------------------------------------------------------- validadores de tipo (todo formulario)
def _sin_espacios(valor):
    return valor.strip() if isinstance(valor, str) else valor


class Obligatorio(InputRequired):
    """Texto obligatorio: «   » no es un valor (InputRequired de WTForms lo aceptaba). Hereda de InputRequired para que
    Flask-Admin marque el campo con su asterisco (`h.is_required_form_field`) y el navegador lo pida (`required`)."""

    def __init__(self, message: str | None = None):
        super().__init__(message or "Este campo es obligatorio.")

    def __call__(self, form, field):
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            raise StopValidation(self.message)


class SinControl:
    """Texto sin caracteres de control (salvo tabulación y saltos de línea)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and any(ord(c) < 32 and c not in "\t\n\r" for c in field.data):
            raise ValidationError("El texto contiene caracteres no válidos.")


class RangoEntero:
    def __init__(self, minimo: int, maximo: int):
        self.minimo, self.maximo = minimo, maximo

    def __call__(self, form, field):
        if field.data is not None and not self.minimo <= field.data <= self.maximo:
            raise ValidationError(f"Debe ser un número entre {self.minimo} y {self.maximo}.")


class DecimalFinito:
    """Un importe: número finito (ni «Inf» ni «NaN») que cabe en la columna (precisión, escala)."""

    def __init__(self, precision: int | None, escala: int | None):
        self.tope = decimal.Decimal(10) ** ((precision or 18) - (escala or 0))

    def __call__(self, form, field):
        if field.data is None:
            return
        if not math.isfinite(float(field.data)) or abs(field.data) >= self.tope:
            raise ValidationError(f"Escriba un número válido, menor que {self.tope:,.0f}.")


class FechaEnRango:
    """Fechas de 1900 a 2100: el año 0001 o 9999 es un error de tipeo (y desborda los cálculos de plazos)."""

    def __call__(self, form, field):
        valor = field.data
        if isinstance(valor, date) and not ANIO_MINIMO <= valor.year <= ANIO_MAXIMO:
            raise ValidationError(f"La fecha debe estar entre los años {ANIO_MINIMO} y {ANIO_MAXIMO}.")


class _RelacionEstricta:
    """Un id que no existe (o fuera del alcance) es un error junto al campo, no un campo vacío en silencio."""

    def pre_validate(self, form):
        super().pre_validate(form)  # obligatorio y vacío o inexistente: «No es una opción válida»
        crudo = (self.raw_data or [""])[0]
        if crudo not in ("", "__None") and self.data is None:
            raise ValidationError("El registro elegido no existe o no está a su alcance.")


class RelacionEstricta(_RelacionEstricta, QuerySelectField):
    pass


class RelacionAjaxEstricta(_RelacionEstricta, AjaxSelectField):
    pass


def _es_momento(tipo) -> bool:
    return isinstance(tipo, MomentoUTC | sa.Date | sa.DateTime)


class Convertidor(AdminModelConverter):
    """Tipos de campo acotados para todo formulario, según la columna del modelo.

    - texto: sin espacios a los lados; obligatorio si la columna lo es («   » no vale); no más largo que la columna;
    - enteros: dentro del INTEGER de la base, o del rango `info={"rango": (a, b)}` de la columna;
    - decimales: finitos y dentro de la precisión de la columna;
    - fechas y momentos: años 1900–2100;
    - relaciones: un id inexistente o fuera del alcance es un error, no un vacío;
    - únicos: sin validador que consulte la tabla (la base lo rechaza y la vista pone el mensaje junto al campo);
    - enums: la etiqueta en castellano (el valor sigue siendo el nombre).
    """

    def convert(self, model, mapper, name, prop, field_args, hidden_pk):
        campo = super().convert(model, mapper, name, prop, field_args, hidden_pk)
        if campo is None or not hasattr(campo, "field_class"):
            return campo
        if campo.field_class is QuerySelectField:
            campo.field_class = RelacionEstricta
        elif campo.field_class is AjaxSelectField:
            campo.field_class = RelacionAjaxEstricta
        columnas = getattr(prop, "columns", None)
        if not columnas:
            return campo
        columna, kw = columnas[0], campo.kwargs
        # sin el `Unique` de Flask-Admin: buscaba en toda la tabla, sin el alcance del usuario («Ya existe.» confirmaba
        # una fila de otra unidad); la unicidad la hace cumplir la base y su mensaje (models.junto_a) no dice de quién
        tipo = columna.type
        validadores = [v for v in kw.get("validators") or [] if not isinstance(v, Unique)]
        if isinstance(tipo, sa.String) and not isinstance(tipo, sa.Enum) and issubclass(campo.field_class, StringField):
            kw["filters"] = [_sin_espacios, *(kw.get("filters") or [])]
            if any(isinstance(v, InputRequired) and not isinstance(v, Obligatorio) for v in validadores):
                validadores = [Obligatorio(), *(v for v in validadores if not isinstance(v, InputRequired))]
            validadores.append(SinControl())
            if tipo.length and not any(isinstance(v, Length) for v in validadores):  # también un TextArea
                validadores.append(Length(max=tipo.length, message=f"Admite hasta {tipo.length} caracteres."))
        elif isinstance(tipo, sa.Integer) and not isinstance(tipo, sa.Boolean):
            minimo, maximo = columna.info.get("rango") or (
                (-ID_MAXIMO - 1, ID_MAXIMO) if isinstance(tipo, sa.BigInteger) else ENTERO_SQL)
            validadores.append(RangoEntero(minimo, maximo))
        elif isinstance(tipo, sa.Numeric):
            validadores.append(DecimalFinito(getattr(tipo, "precision", None), getattr(tipo, "scale", None)))
        elif _es_momento(tipo):
            validadores.append(FechaEnRango())
        kw["validators"] = validadores
        return campo

    @converts("Enum")
    def convert_enum(self, column, field_args, **extra):
        campo = super().convert_enum(column, field_args, **extra)
        if column.type.enum_class is not None:
            campo.kwargs["choices"] = opciones_enum(column.type.enum_class)
        return campo

    @converts("MomentoUTC")
    def convert_momento(self, field_args, **extra):
        return MomentoLimaField(**field_args)


class FechaField(DateField):
    """Fecha dd/mm/aaaa escrita, pegada o elegida en el calendario (la regla de `leer_fecha`: 1/1/2027, 01012027…);
    si no es una fecha, el mensaje junto al campo y lo escrito se conserva."""

    def process_formdata(self, valuelist):
        texto = " ".join(valuelist or []).strip()
        self.data = None
        if not texto:
            return
        try:
            self.data = leer_fecha(texto)
        except ValueError:
            raise ValueError(f"No es una fecha válida: escríbala como {EJEMPLO_FECHA}.") from None


class MomentoLimaField(DateTimeField):
    """Fecha y hora de Lima en el formulario; se guarda en UTC (MomentoUTC)."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("format", "%d/%m/%Y %H:%M")
        kw.setdefault("widget", DateTimePickerWidget())
        kw.setdefault("render_kw", {"data-date-format": "DD/MM/YYYY HH:mm"})
        kw["description"] = kw.get("description") or "dd/mm/aaaa hh:mm (hora de Lima)"
        super().__init__(label, validators, **kw)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(ZONA_LIMA).strftime(self.format[0]) if self.data else ""

    def process_formdata(self, valuelist):
        texto = " ".join(valuelist or []).strip()
        self.data = None
        if not texto:
            return
        try:
            self.data = leer_momento(texto).replace(tzinfo=ZONA_LIMA)
        except ValueError:
            raise ValueError("No es una fecha y hora válidas: escríbalas como dd/mm/aaaa hh:mm, por ejemplo "
                             "01/01/2027 10:30.") from None


class FiltroMomentoEntreFechas(sqla_filters.DateBetweenFilter):
    """Momento (UTC) entre dos fechas de Lima, ambas inclusive."""

    def apply(self, query, value, alias=None):
        desde, hasta = value
        col = self.get_column(alias)
        return query.filter(col >= datetime.combine(desde, time.min, ZONA_LIMA),
                            col < datetime.combine(hasta + timedelta(days=1), time.min, ZONA_LIMA))


class UnidadesActivas:
    """Opciones de un filtro por unidad (sigla → «SIGLA – nombre»), leídas al mostrar la lista, no al arrancar."""

    def __bool__(self):
        return True

    def __iter__(self):
        from models import UnidadOrganica

        filas = db.session.execute(sa.select(UnidadOrganica.sigla, UnidadOrganica.nombre)
                                   .where(UnidadOrganica.activa).order_by(UnidadOrganica.sigla))
        return iter([(sigla, f"{sigla} – {nombre}") for sigla, nombre in filas])


class FiltroSigla(sqla_filters.FilterEqual):
    """Unidad por su sigla sobre la columna *_id (sin JOIN): `unidad_id = (SELECT id … WHERE sigla = …)`.

    PostgreSQL resuelve la subconsulta una vez y usa los índices que empiezan por la unidad. La lista
    ofrece las unidades activas.
    """

    def __init__(self, column, name, options=None, **kw):
        super().__init__(column, name, options=options or UnidadesActivas(), **kw)

    def apply(self, query, value, alias=None):
        from models import UnidadOrganica

        sub = sa.select(UnidadOrganica.id).where(UnidadOrganica.sigla == value.strip().upper()).scalar_subquery()
        return query.filter(self.get_column(alias) == sub)


class ConvertidorFiltros(sqla_filters.FilterConverter):
    @filters.convert("MomentoUTC")
    def conv_momento(self, column, name, **kwargs):
        return [FiltroMomentoEntreFechas(column, name, **kwargs)]

    @filters.convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        if not options and getattr(column.type, "enum_class", None) is not None:
            options = opciones_enum(column.type.enum_class)
        return super().conv_enum(column, name, options, **kwargs)


class TraduccionesEs(Translations):
    """Mensajes de validación: catálogo de WTForms y, si no lo traduce, el de Flask-Admin."""

    def gettext(self, string):
        traducido = super().gettext(string)
        return admin_gettext(string) if traducido == string else traducido


class FormularioBase(BaseForm):
    class Meta:
        _translations = TraduccionesEs()

        def get_translations(self, form):
            return self._translations



class CampoPdf(FileField):
    """El PDF de una fila (`archivo_pdf` de la vista): se revisa al validar el formulario y se guarda con
    `services.adjuntos.poner_pdf`; no se copia al modelo como valor (no es una columna)."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("render_kw", {"accept": "application/pdf,.pdf"})
        kw.setdefault("description", "PDF, opcional. Si ya tiene uno, déjelo vacío para conservarlo.")
        super().__init__(label, validators, **kw)

    def populate_obj(self, obj, name):
        pass

    @property
    def subido(self):
        """El archivo elegido, o None (vacío, o un texto en lugar de un archivo)."""
        return self.data if getattr(self.data, "filename", "") else None


def error_en(form, campo: str, mensaje: str) -> bool:
    """Mensaje junto al campo (el formulario vuelve con lo escrito); devuelve False para `validar`."""
    form[campo].errors = [*form[campo].errors, mensaje]
    return False


def mensaje_error_base(exc) -> str:
    """Mensaje para el usuario cuando la base rechaza un cambio: nunca el texto SQL."""
    if isinstance(exc, sa.exc.IntegrityError):
        return ("No se pudo guardar: ya existe un registro igual, falta un dato obligatorio, un dato no cumple "
                "una regla o el registro está en uso.")
    if isinstance(exc, sa.exc.DataError):
        return "No se pudo guardar: algún dato no tiene el formato o el tamaño permitido."
    return "No se pudo guardar por un error interno; quedó registrado para su revisión."


# filtros genéricos que comparan la columna con el valor: sobre una columna entera, el valor se convierte a entero
# (si llegara como texto, PostgreSQL rechazaría `integer = varchar`)
_FILTROS_DE_VALOR = (sqla_filters.FilterEqual, sqla_filters.FilterNotEqual, sqla_filters.FilterGreater,
                     sqla_filters.FilterSmaller, sqla_filters.FilterInList, sqla_filters.FilterNotInList)


def _valor_entero(limpiar):
    def limpiar_entero(valor):
        limpio = limpiar(valor)
        if isinstance(limpio, list | tuple):
            return [int(v) for v in limpio]
        return int(limpio)

    return limpiar_entero


def tipar_filtros(filtros: list) -> list:
    """Un filtro genérico de Flask-Admin (FilterEqual…) sobre una columna entera y sin opciones recibe su valor como
    entero (`FilterEqual(Transferencia.anio, "Año")`: «2026» → 2026): una sola vez para toda pantalla."""
    for flt in filtros or []:
        tipo = getattr(getattr(flt, "column", None), "type", None)
        if isinstance(flt, _FILTROS_DE_VALOR) and type(flt).__module__.startswith("flask_admin.") and \
                isinstance(tipo, sa.Integer) and not isinstance(tipo, sa.Boolean) and not flt.options and \
                not getattr(flt, "_entero", False):
            flt.clean, flt._entero = _valor_entero(flt.clean), True
    return filtros


def error_de_filtro(view, flt, valor: str) -> str | None:
    """Mensaje si `valor` no sirve para el filtro: otra opción que las ofrecidas (enums, sí/no), vacío donde hay
    opciones, un número que no cabe en su columna (INTEGER, BIGINT…), una fecha fuera de 1900–2100 o un texto que
    no se puede convertir."""
    malo = f"Valor no válido para el filtro «{flt.name}»: «{valor[:60]}»."
    if "\x00" in valor or len(valor) > 500:
        return malo
    opciones = flt.get_options(view)
    if opciones:
        claves = {str(k) for k, _ in opciones}
        en_lista = isinstance(flt, sqla_filters.FilterInList | sqla_filters.FilterNotInList)
        partes = [p.strip() for p in valor.split(",")] if en_lista else [valor]
        if any(p and p not in claves for p in partes) or (not en_lista and valor not in claves):
            return malo
    try:
        limpio = flt.clean(valor)
        if not flt.validate(valor):
            return malo
    except (ValueError, KeyError, LookupError, TypeError, OverflowError, decimal.InvalidOperation):
        return malo
    tipo = getattr(getattr(flt, "column", None), "type", None)
    generico = type(flt).__module__.startswith("flask_admin.")
    for v in limpio if isinstance(limpio, list | tuple) else [limpio]:
        if isinstance(v, str) and isinstance(tipo, sa.Integer | sa.Numeric) and not opciones and generico:
            # un filtro genérico (FilterEqual…) sobre una columna numérica no convierte el texto: la base lo
            # rechazaría (PostgreSQL) con un error 500; se valida aquí como número. Un filtro propio
            # (p. ej. «Expediente (código)» de la auditoría) convierte su valor él mismo.
            try:
                v = int(v) if isinstance(tipo, sa.Integer) else decimal.Decimal(v)
            except (ValueError, decimal.InvalidOperation):
                return malo
        if isinstance(v, bool):
            continue
        minimo, maximo = rango_entero(getattr(flt, "column", None)) if isinstance(tipo, sa.Integer) else \
            (-ID_MAXIMO - 1, ID_MAXIMO)
        if isinstance(v, int) and not minimo <= v <= maximo:
            return malo
        if isinstance(v, float | decimal.Decimal) and not math.isfinite(float(v)):
            return malo
        if isinstance(v, date) and not ANIO_MINIMO <= v.year <= ANIO_MAXIMO:
            return f"{malo} Las fechas van de {ANIO_MINIMO} a {ANIO_MAXIMO}."
    return None
