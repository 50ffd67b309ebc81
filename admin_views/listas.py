"""Listados rápidos: cada fila de la lista se pinta con una sola llamada a Python en vez de ~20 llamadas de Jinja.

Con 50 filas por página, la lista de Flask-Admin (`admin/model/list.html`, bloque `list_row`) gastaba ~1 ms por fila
en llamadas de macros de Jinja: la casilla, los íconos de acciones (una macro y un `url_for` por ícono y fila) y cada
celda (`get_value` + escape). `templates/admin/lista.html` reemplaza solo ese bloque por `admin_view.fila_html(row)`,
que produce **el mismo HTML**:

- los íconos de acciones se pintan **una vez por página** con un id de marca y en cada fila se sustituye el id (solo
  para las acciones de Flask-Admin cuyo HTML depende únicamente del id, y solo con ids numéricos; cualquier otra se
  pinta fila por fila, como antes);
- el formato de cada celda es el de Flask-Admin (`column_formatters`, `column_choices`, `column_type_formatters`),
  con el formateador por tipo buscado una vez por tipo en vez de recorrer la tabla de tipos en cada celda;
- la edición en la lista (x-editable) usa el formulario de la fila igual que la plantilla original.

`tests/test_listas.py` compara, pantalla por pantalla, el HTML de cada fila con el de la plantilla original.

Miembros de Flask-Admin de los que depende: el bloque `list_row` de `admin/model/list.html` y su contexto
(`actions`, `list_columns`, `list_row_actions`, `list_forms`, `csrf_token`), `_get_list_value`,
`_column_choices_map`, `_get_field_value`, las clases de `flask_admin.model.template`.
"""

from __future__ import annotations

from flask import g
from flask_admin.babel import gettext
from flask_admin.model import template as plantillas_fa
from jinja2 import pass_context
from markupsafe import Markup, escape

MARCA = "9999999999999999999"  # un id que ninguna fila tiene: se pinta la acción con él y se sustituye
MARCA_VALOR = "__valor_de_la_celda__"
# campos de x-editable cuyo HTML depende solo del id y del valor mostrado (XEditableWidget.get_kwargs)
CAMPOS_POR_VALOR = {"StringField", "TextAreaField", "Select2Field", "SelectField", "IntegerField", "FloatField",
                    "DecimalField"}
# acciones de Flask-Admin cuyo HTML depende solo del id de la fila (no de sus datos)
ACCIONES_POR_ID = (plantillas_fa.EndpointLinkRowAction, plantillas_fa.ViewRowAction, plantillas_fa.EditRowAction,
                   plantillas_fa.DeleteRowAction, plantillas_fa.ViewPopupRowAction, plantillas_fa.EditPopupRowAction)


class _FilaMarca:
    """Una fila falsa cuya clave primaria es la marca (la macro de borrar lee `get_pk_value(row)`)."""

    def __init__(self, clave: str):
        setattr(self, clave, MARCA)


class FilasRapidas:
    """Mezcla para ModelView: `fila_html` (ver el módulo) y el formato de celdas con caché por tipo."""

    list_template = "admin/lista.html"

    # ---- formato de una celda: el de Flask-Admin, con el formateador por tipo en caché
    def _get_list_value(self, context, model, name, column_formatters, column_type_formatters):
        """Igual que en Flask-Admin (formateador de la columna, `column_choices`, formateador del primer tipo de
        `column_type_formatters` del que el valor es instancia), pero la búsqueda por tipo se hace una vez por tipo
        concreto y no en cada celda."""
        column_fmt = column_formatters.get(name)
        value = column_fmt(self, context, model, name) if column_fmt is not None else \
            self._get_field_value(model, name)
        choices_map = self._column_choices_map.get(name)
        if choices_map:
            return choices_map.get(value) or value
        cache = self.__dict__.setdefault("_formato_por_tipo", {}).setdefault(id(column_type_formatters), {})
        tipo = type(value)
        try:
            formateador = cache[tipo]
        except KeyError:
            formateador = cache[tipo] = next(
                (f for t, f in column_type_formatters.items() if isinstance(value, t)), None)
        return formateador(self, value, name) if formateador is not None else value

    # ---- una fila entera
    def _acciones_por_pagina(self, contexto, acciones) -> list[tuple[object, str | None]]:
        """(acción, HTML con la marca o None si se pinta fila por fila), una vez por petición y vista."""
        por_vista = g.setdefault("_acciones_fila", {})
        clave = (self.endpoint, tuple(id(a) for a in acciones))
        if clave not in por_vista:
            pk = getattr(self, "_primary_key", None)
            resultado = []
            for a in acciones:
                html = None
                if type(a) in ACCIONES_POR_ID and isinstance(pk, str):
                    html = str(a.render(contexto, MARCA, _FilaMarca(pk)))
                    if html.count(MARCA) == 0:
                        html = None
                resultado.append((a, html))
            por_vista[clave] = resultado
        return por_vista[clave]

    @pass_context
    def fila_html(self, contexto, fila) -> Markup:
        """Las celdas de una fila (`<td>…</td>…`), idénticas a las del bloque `list_row` de Flask-Admin."""
        pk = self.get_pk_value(fila)
        pk_html = str(escape(pk))
        partes = []
        if contexto.resolve("actions"):
            titulo = g.get("_titulo_casilla")
            if titulo is None:
                titulo = g._titulo_casilla = str(escape(gettext("Select record")))
            partes.append(f'<td><input type="checkbox" name="rowid" class="action-checkbox" value="{pk_html}" '
                          f'title="{titulo}" /></td>')
        if self.column_display_actions:
            acciones = contexto.resolve("list_row_actions")
            por_id = pk.isdigit()
            celdas = []
            for accion, html in self._acciones_por_pagina(contexto, acciones):
                if html is not None and por_id:
                    celdas.append(html.replace(MARCA, pk))
                else:
                    celdas.append(str(accion.render(contexto, pk, fila)))
            partes.append('<td class="list-buttons-column">' + "".join(celdas) + "</td>")
        formularios = contexto.resolve("list_forms")
        for columna, _nombre in contexto.resolve("list_columns"):
            if self.is_editable(columna):
                valor = self._celda_editable(contexto, fila, pk, columna, formularios)
            else:
                valor = escape(self.get_list_value(contexto, fila, columna))
            partes.append(f'<td class="col-{escape(columna)}">{valor}</td>')
        return Markup("".join(partes))

    def _campo_editable(self, contexto, form, columna, pk, mostrar):
        """Como la plantilla: el campo del formulario de la fila con su token CSRF."""
        token = getattr(form, "csrf_token", None)
        if token:
            return form[columna](pk=pk, display_value=mostrar, csrf=token._value())
        csrf = contexto.resolve("csrf_token")
        if csrf:
            return form[columna](pk=pk, display_value=mostrar, csrf=csrf())
        return form[columna](pk=pk, display_value=mostrar)

    def _celda_editable(self, contexto, fila, pk, columna, formularios):
        """El widget de x-editable de la celda. Para los campos cuyo HTML depende solo del id y del valor mostrado
        (texto, número, lista de opciones), se pinta una vez por página con marcas y se sustituyen; los demás, con
        el formulario de la fila."""
        mostrar = self.get_list_value(contexto, fila, columna)
        formulario = formularios[pk]
        if not pk.isdigit():
            return self._campo_editable(contexto, formulario, columna, pk, mostrar)
        plantillas = g.setdefault("_editables_fila", {})
        clave = (self.endpoint, columna)
        if clave not in plantillas:
            campo = formulario[columna]
            plantillas[clave] = str(self._campo_editable(contexto, formulario, columna, MARCA, MARCA_VALOR)) \
                if campo.type in CAMPOS_POR_VALOR else None
        html = plantillas[clave]
        if html is None:
            return self._campo_editable(contexto, formulario, columna, pk, mostrar)
        return Markup(html.replace(MARCA_VALOR, str(escape(mostrar))).replace(MARCA, pk))

    # ---- los formularios de la edición en la lista: se crean solo si una celda los necesita
    def list_form(self, obj=None):
        if obj is None:  # ajax_update: el formulario de verdad
            return super().list_form(obj)
        return _FormularioPerezoso(lambda: super(FilasRapidas, self).list_form(obj))


class _FormularioPerezoso:
    """El formulario de una fila de la lista (index_view crea uno por fila) que se construye al primer uso."""

    def __init__(self, crear):
        self._crear, self._form = crear, None

    def _real(self):
        if self._form is None:
            self._form = self._crear()
        return self._form

    def __getitem__(self, clave):
        return self._real()[clave]

    def __getattr__(self, nombre):
        return getattr(self._real(), nombre)
