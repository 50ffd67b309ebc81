"""La vista segura de la que heredan todas las pantallas, la exportación a Excel y los formatos.

Lo que resuelve aquí una sola vez (ver docs/flask-admin.md):
- permiso por rol, vista y acción (tabla `Permiso`) en **cada** endpoint: 403 si falta;
- alcance por unidad en list, count, get_one (details/edit/delete/ajax_update),
  acciones masivas, exportación y búsquedas ajax: fuera de alcance → 404;
- exportación xlsx con xlsxwriter en modo constant_memory, leyendo columnas
  con un select Core por lotes (no objetos ORM), con la misma búsqueda, filtros
  y orden que el listado, hoja `Filtros` y registro de auditoría;
- formatos: fechas dd/mm/aaaa, momentos en hora de Lima, enums por etiqueta.

VistaSegura compone módulos pequeños (cada uno lista arriba los miembros privados de Flask-Admin que usa):
`entradas.py` (límites de la URL y los formularios), `permisos.py` (permiso por endpoint, AccesoPorRol,
PaginaSegura), `alcance.py` (alcance por unidad, búsquedas ajax), `formularios.py` (validadores, conversores,
filtros, el error junto al campo), `formatos.py` y `excel.py`. Aquí queda la vista; los nombres de aquellos módulos
se reexportan: `from admin_views.base import X` sigue valiendo.

Miembros privados de Flask-Admin que usa este módulo: `_on_model_change`, `_handle_view`, `_filters`,
`_filter_args`, `_get_list_filter_args`, `_apply_sorting`, `_form_ajax_refs`, `_export_columns`,
`_get_list_extra_args`, `_get_column_by_idx`, `_apply_search`, `_apply_filters`, `_search_supported`.
"""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    has_request_context,
    redirect,
    request,
    url_for,
)
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import DatePickerWidget
from flask_admin.model.base import filter_char_re, filter_compact_re
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict
from wtforms.fields import DateField
from wtforms.validators import Email, InputRequired, Optional

from admin_views.alcance import CargadorAjax, filtro_alcance, patron_like  # noqa: F401  (se reexportan)
from admin_views.entradas import (  # noqa: F401
    ANIO_MAXIMO,
    ANIO_MINIMO,
    ARGUMENTOS_ENTEROS,
    EJEMPLO_FECHA,
    ENTERO_SQL,
    ID_MAXIMO,
    LIMITE_AJAX,
    entero,
    entero_id,
    fecha_o_none,
    fila_de,
    leer_fecha,
    leer_momento,
    rango_entero,
    validar_argumentos,
)
from admin_views.excel import Tipo, exportar_tabla, exportar_xlsx  # noqa: F401
from admin_views.formatos import FORMATOS, fecha, momento, opciones_enum, registrar_filtros_jinja  # noqa: F401
from admin_views.formularios import (  # noqa: F401  (se reexportan: `from admin_views.base import X` sigue valiendo)
    CampoPdf,
    Convertidor,
    ConvertidorFiltros,
    DecimalFinito,
    FechaEnRango,
    FechaField,
    FiltroMomentoEntreFechas,
    FiltroSigla,
    FormularioBase,
    MomentoLimaField,
    Obligatorio,
    RangoEntero,
    RelacionAjaxEstricta,
    RelacionEstricta,
    SinControl,
    TraduccionesEs,
    UnidadesActivas,
    error_de_filtro,
    error_en,
    mensaje_error_base,
    tipar_filtros,
)
from admin_views.listas import FilasRapidas
from admin_views.permisos import (  # noqa: F401
    ACCION_DE_ENDPOINT,
    ACCIONES,
    ACCIONES_MATRIZ,
    SOLO_LECTURA,
    AccesoPorRol,
    PaginaSegura,
    permisos_actuales,
    puede,
)
from models import ConPdf, bloquear, bloquear_consulta, db, error_de_restriccion
from services import ErrorDeRegla, adjuntos, archivos


# --------------------------------------------------------------------------- la vista segura
def _olvidar_filas_revertidas(form) -> None:
    """Tras un guardado fallido (rollback), un campo relación que apunta a una fila insertada en esa misma
    transacción (el remitente nuevo de un ingreso) ya no tiene fila: se vacía para volver a mostrar el formulario
    (lo escrito sigue en sus campos de texto) en vez de fallar al leerla."""
    for campo in form:
        for fila in (campo.data if isinstance(campo.data, list) else [campo.data]):
            estado = sa.inspect(fila, raiseerr=False)
            if estado is None or not getattr(estado, "mapper", None) or estado.identity is None:
                continue
            pk = estado.mapper.primary_key[0]
            if db.session.scalar(sa.select(pk).where(pk == estado.identity[0])) is None:
                db.session.expunge(fila)
                campo.data = [f for f in campo.data if f is not fila] if isinstance(campo.data, list) else None


def _campo_en(form, campo: str | None) -> str | None:
    """El campo del formulario que corresponde a un atributo del modelo (`unidad_id` → `unidad`), si lo tiene."""
    if form is None or not campo:
        return None
    if campo in form:
        return campo
    return campo.removesuffix("_id") if campo.endswith("_id") and campo.removesuffix("_id") in form else None


class VistaSegura(FilasRapidas, AccesoPorRol, ModelView):
    """Base de toda pantalla CRUD: negar por defecto, permisos como datos, alcance, export; filas de la lista en
    Python (admin_views/listas.py)."""

    # Ganchos del proyecto (nombres en castellano; tabla en el README, «Ganchos de VistaSegura y del modelo»)
    bloqueadas: tuple[str, ...] = ()  # acciones que la pantalla no ofrece a nadie: ("eliminar",), SOLO_LECTURA
    # acción masiva → permiso; la de una subclase se suma a la de sus bases (no la reemplaza)
    acciones_permiso: dict[str, str] = {"delete": "eliminar"}
    sql_exportacion: dict = {}  # nombre → expresión SQL para el Excel (si no es columna simple)
    # el PDF de la fila (models.ConPdf): "documento" → campo del formulario, enlace en la lista y la ficha, Excel con el
    # nombre del archivo y la descarga `/pdf/?id=` con el alcance de la fila
    archivo_pdf: str | None = None
    # nombres antiguos (parecían de Flask-Admin, que los ignoraría en silencio): se rechazan al definir la vista
    _GANCHOS_RENOMBRADOS = {"form_edit_columns": "campos_edicion", "column_export_sql": "sql_exportacion"}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for viejo, nuevo in VistaSegura._GANCHOS_RENOMBRADOS.items():
            if viejo in cls.__dict__:
                raise TypeError(f"{cls.__name__}.{viejo}: ese gancho se llama ahora «{nuevo}».")
        propias = cls.__dict__.get("acciones_permiso")
        if propias is not None:
            heredadas = {}
            for base in reversed(cls.__mro__[1:]):
                heredadas.update(getattr(base, "acciones_permiso", None) or {})
            cls.acciones_permiso = {**heredadas, **propias}
        if cls.__dict__.get("archivo_pdf") and "pdf" not in cls.__dict__:
            def pdf(self):
                return self._descargar_pdf()

            cls.pdf = expose("/pdf/")(pdf)  # solo en las pantallas con PDF (Flask-Admin lee `_urls` después)

    model_form_converter = Convertidor
    form_base_class = FormularioBase
    filter_converter = ConvertidorFiltros()
    form_excluded_columns = ("creado_en", "actualizado_en")
    column_details_exclude_list = ("password_hash",)
    named_filter_urls = True
    page_size = 50
    can_set_page_size = True
    page_size_options = (20, 50, 100)
    can_view_details = True
    export_types = ["xlsx"]
    column_type_formatters = FORMATOS
    column_type_formatters_detail = FORMATOS
    column_formatters_export: dict = {}
    column_display_actions = True
    create_modal = False
    edit_modal = False

    def __init__(self, model, session=db, **kw):
        kw.setdefault("endpoint", model.__tablename__)
        self._unidad_declarada(model)
        self._pdf_declarado(model)
        super().__init__(model, session, **kw)

    # ---- el PDF de la fila, con una declaración (`archivo_pdf`): el modelo hereda models.ConPdf
    def _pdf_declarado(self, model) -> None:
        campo = self.archivo_pdf
        if not campo:
            return
        if not hasattr(model, f"{campo}_ruta"):
            raise TypeError(f"{type(self).__name__}.archivo_pdf = {campo!r}: el modelo no tiene «{campo}_ruta» "
                            "(herede models.ConPdf).")
        etiqueta = (self.column_labels or {}).get(campo) or f"{campo.replace('_', ' ').capitalize()} (PDF)"
        self.column_labels = {**(self.column_labels or {}), campo: etiqueta}
        enlace = {campo: lambda vista, _contexto, fila, _nombre: vista._enlace_pdf(fila)}
        self.column_formatters = {**(self.column_formatters or {}), **enlace}
        if self.column_formatters_detail is not None:
            self.column_formatters_detail = {**self.column_formatters_detail, **enlace}
        self.sql_exportacion = {campo: getattr(model, f"{campo}_nombre"), **self.sql_exportacion}
        self.form_extra_fields = {campo: CampoPdf(etiqueta), **(self.form_extra_fields or {})}
        self.form_excluded_columns = (*(self.form_excluded_columns or ()), *self._columnas_pdf())
        if self.form_columns is not None and campo not in self.form_columns:
            self.form_columns = (*self.form_columns, campo)

    def _columnas_pdf(self) -> tuple[str, ...]:
        """Las columnas del PDF en el modelo (`documento_nombre`, `_ruta`, `_sha256`): en pantalla, solo el enlace."""
        return tuple(f"{self.archivo_pdf}_{sufijo}" for sufijo, _ in ConPdf.COLUMNAS) if self.archivo_pdf else ()

    def _con_enlace_pdf(self, columnas: list) -> list:
        if not self.archivo_pdf:
            return columnas
        columnas = [(n, e) for n, e in columnas if n not in self._columnas_pdf()]
        if all(n != self.archivo_pdf for n, _ in columnas):
            columnas.append((self.archivo_pdf, self.get_column_name(self.archivo_pdf)))
        return columnas

    def get_list_columns(self):
        return self._con_enlace_pdf(super().get_list_columns())

    def get_details_columns(self):
        return self._con_enlace_pdf(super().get_details_columns())

    def get_export_columns(self):
        return self._con_enlace_pdf(super().get_export_columns())

    def _enlace_pdf(self, fila):
        if not getattr(fila, f"{self.archivo_pdf}_ruta", None):
            return ""
        return Markup('<a href="{}" title="Descargar el PDF"><span class="fa fa-file-pdf-o" aria-hidden="true">'
                      '</span> {}</a>').format(self.get_url(".pdf", id=fila.id),
                                               getattr(fila, f"{self.archivo_pdf}_nombre") or "PDF")

    def _descargar_pdf(self):
        """El PDF de la fila, con su alcance (`get_one`: fuera de él, 404); sin PDF, 404."""
        fila = self.get_one(request.args.get("id"))
        campo = self.archivo_pdf
        return archivos.responder(getattr(fila, f"{campo}_ruta"), getattr(fila, f"{campo}_nombre") or f"{campo}.pdf") \
            or abort(404)

    def _revisar_pdf(self, form) -> bool:
        """El PDF elegido se revisa con el formulario (como lo que entra por la mesa de partes): si no sirve, el
        mensaje junto al campo; si sirve, se guarda con la fila (`_on_model_change`)."""
        campo = self.archivo_pdf
        subido = form[campo].subido if campo and campo in form else None
        if subido is None:
            return True
        try:
            form._pdf_revisado = adjuntos.revisar_subido(subido)
        except adjuntos.ErrorAdjunto as e:
            return error_en(form, campo, str(e))
        return True

    # ---- la unidad, sin repetirla en cada vista: toda relación a UnidadOrganica del formulario se busca por sigla o
    # nombre (CargadorAjax), y una fila DeUnaUnidad (models.py) trae su filtro por sigla (FiltroSigla) en la lista
    CAMPOS_BUSQUEDA_UNIDAD = ("sigla", "nombre")

    def _unidad_declarada(self, model) -> None:
        from models import UnidadOrganica

        campos = {*(self.form_columns or ()), *(self.campos_edicion or ())}
        refs = dict(self.form_ajax_refs or {})
        for rel in sa.inspect(model).relationships:
            if rel.mapper.class_ is UnidadOrganica and rel.direction.name == "MANYTOONE" and rel.key in campos \
                    and rel.key not in refs:
                refs[rel.key] = CargadorAjax(rel.key, UnidadOrganica, list(self.CAMPOS_BUSQUEDA_UNIDAD))
        if refs:
            self.form_ajax_refs = refs
        relacion = getattr(model, "relacion_unidad", None)
        if relacion is None or self.column_filters is None:
            return
        columna = getattr(model, f"{relacion}_id")
        if not any(f.split(".")[0] in (relacion, columna.key) if isinstance(f, str) else
                   getattr(getattr(f, "column", f), "key", None) == columna.key for f in self.column_filters):
            etiqueta = (self.column_labels or {}).get(relacion) or "Unidad"
            self.column_filters = (FiltroSigla(columna, etiqueta), *self.column_filters)

    def get_filters(self):
        return tipar_filtros(super().get_filters())

    # ---- permisos (una sola puerta para cada endpoint)
    def puede(self, accion: str) -> bool:
        return self.ofrece(accion) and puede(self.endpoint, accion)

    def ofrece(self, accion: str) -> bool:
        """Las acciones de la pantalla menos las `bloqueadas`; «anular» solo si la pantalla anula (un endpoint
        que lo exige o un rol que lo tiene por defecto)."""
        if accion in self.bloqueadas:
            return False
        if accion == "anular":
            return "anular" in self.acciones_endpoint.values() or any(
                "a" in letras for letras in self.permisos_por_defecto.values())
        return accion in ACCIONES

    def get_list_row_actions(self):
        """Los íconos de cada fila que llevan a un endpoint propio solo se muestran a quien puede su acción
        (`acciones_endpoint`): sin «anular», no hay ícono de anular (que respondería 403). Los que llevan a otra
        pantalla («notificacion.create_view»), a quien tiene ese permiso allí."""
        def permitida(a) -> bool:
            endpoint = getattr(a, "endpoint", None) or ""
            if "." in endpoint and not endpoint.startswith("."):
                vista, metodo = endpoint.split(".", 1)
                return puede(vista, ACCION_DE_ENDPOINT.get(metodo, "ver"))
            accion = self.acciones_endpoint.get(endpoint.removeprefix("."))
            return accion is None or self.puede(accion)

        return [a for a in super().get_list_row_actions() if permitida(a)]

    def permiso_de_accion(self, accion: str) -> str:
        """Permiso que exige una acción masiva: la declarada en `acciones_permiso` (la base declara «delete» →
        «eliminar», que toda subclase hereda y no cambia); si no está, «editar»."""
        if accion == "delete":
            return "eliminar"
        return self.acciones_permiso.get(accion, "editar")

    def accion_requerida(self, name: str) -> str:
        if name == "action_view":
            return self.permiso_de_accion(request.form.get("action", ""))
        if name in ACCION_DE_ENDPOINT:
            return ACCION_DE_ENDPOINT[name]
        return super().accion_requerida(name)

    @property
    def can_create(self):
        return self.puede("crear")

    @property
    def can_edit(self):
        return self.puede("editar")

    @property
    def can_delete(self):
        return self.puede("eliminar")

    @property
    def can_export(self):
        return self.puede("exportar")

    def is_action_allowed(self, name):
        return self.puede(self.permiso_de_accion(name)) and super().is_action_allowed(name)

    # ---- alcance por unidad
    def _alcance(self, query):
        cond = filtro_alcance(self.model)
        return query if cond is None else query.filter(cond)

    def get_query(self):
        return self._alcance(super().get_query())

    def get_count_query(self):
        return self._alcance(super().get_count_query())

    def get_one(self, id):
        """La fila por su id, dentro del alcance (404 si no). En un POST (editar, borrar, aprobar, recibir, anular,
        tramitar…) la fila queda tomada hasta el commit y releída de la base (`models.bloquear`): el segundo clic
        espera al primero y ve lo que hizo («ya aprobada»), en vez de repetirlo."""
        pk = entero_id(id, self.model.id)
        if pk is None:
            abort(404)
        fila = self.get_query().filter(self.model.id == pk).one_or_none()
        if fila is None:
            abort(404)
        if has_request_context() and request.method == "POST":
            bloquear(fila)
        return fila

    @expose("/action/", methods=("POST",))
    def action_view(self):
        ids = request.form.getlist("rowid")
        pks = {entero_id(i, self.model.id) for i in ids}
        if None in pks:
            abort(404)
        if pks:
            visibles = self.get_query().with_entities(sa.func.count()).filter(self.model.id.in_(pks)).scalar()
            if visibles != len(pks):
                abort(404)
        return super().action_view()

    @action("delete", "Borrar", "¿Seguro que desea borrar los registros seleccionados?")
    def action_delete(self, ids):
        # Flask-Admin filtra `id IN ('5', '6')` con texto: PostgreSQL lo rechaza
        return super().action_delete([int(i) for i in ids])

    def handle_view_exception(self, exc):
        """Crear, editar y borrar: el mensaje de la regla junto a su campo (si el formulario lo tiene) o como aviso,
        o uno en castellano sin el SQL de la base."""
        form = g.get("_formulario")
        declarado = error_de_restriccion(exc) if isinstance(exc, sa.exc.IntegrityError) else None
        if declarado is not None and (not getattr(declarado, "generico", False) or _campo_en(form, declarado.campo)):
            exc = declarado  # la restricción que la base rechazó trae su mensaje y su campo (models.junto_a)
        if isinstance(exc, ErrorDeRegla):
            campo = _campo_en(form, exc.campo)
            if campo is not None:
                mensaje = str(exc)
                error_en(form, campo, mensaje.format(valor=form[campo]._value()) if "{valor}" in mensaje else mensaje)
            else:
                flash(str(exc), "error")
            return True
        if not isinstance(exc, sa.exc.SQLAlchemyError) and super().handle_view_exception(exc):
            return True  # ValidationError (o relanza si lo pide la configuración); la de SQLAlchemy mostraría el SQL
        current_app.logger.exception("%s: no se pudo guardar", self.endpoint)
        flash(mensaje_error_base(exc), "error")
        return True

    # ---- operaciones del negocio: todo o nada, con el mensaje de la regla si falla
    def ejecutar(self, operacion, destino: str):
        """Aplica `operacion()` (devuelve el mensaje de éxito): commit, aviso y redirección a `destino`;
        si una regla lo impide, rollback y el aviso de error (devuelve None: la pantalla se vuelve a mostrar)."""
        try:
            mensaje = operacion()
            db.session.commit()
        except ErrorDeRegla as e:
            db.session.rollback()
            flash(str(e), "error")
            return None
        except sa.exc.SQLAlchemyError as e:  # una restricción de la base: su mensaje declarado o uno sin el SQL
            db.session.rollback()
            declarado = error_de_restriccion(e)
            if declarado is None or getattr(declarado, "generico", False):
                current_app.logger.exception("%s: operación rechazada por la base", self.endpoint)
                flash(mensaje_error_base(e), "error")
            else:
                flash(str(declarado).replace(" {valor}", "").replace("{valor}", ""), "error")
            return None
        if mensaje:
            flash(mensaje, "success")
        return redirect(destino)

    def en_lote(self, ids, operacion, mensaje):
        """Acción masiva: `operacion(fila)` para cada fila seleccionada (dentro del alcance), todo o nada.

        `mensaje`: texto con `{n}` o función n → texto (para el singular: «1 derivación recibida»)."""
        def todas():
            pks = [pk for pk in (entero_id(i, self.model.id) for i in ids) if pk is not None]
            filas = bloquear_consulta(self.get_query().filter(self.model.id.in_(pks))).all()
            for fila in filas:
                operacion(fila)
            return mensaje(len(filas)) if callable(mensaje) else mensaje.format(n=len(filas))

        return self.ejecutar(todas, request.referrer or url_for(".index_view"))

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        """Edición en la lista (x-editable): permiso (403), alcance (404), validación → 400 con el mensaje.

        Las mismas reglas que el formulario: `update_model` → `on_model_change` del modelo.
        """
        if not self.column_editable_list:
            abort(404)
        fila = self.get_one(request.form.get("list_form_pk"))
        form = self.list_form()
        for campo in list(form):
            if campo.name not in request.form and campo.name != "csrf_token":
                del form[campo.name]
        if not self.validate_form(form):
            errores = [f"{campo.label.text}: {e}" for campo in form for e in campo.errors if isinstance(e, str)]
            return Response("No se guardó. " + " ".join(errores or ["Dato no válido."]), 400,
                            mimetype="text/plain")
        if not self.update_model(form, fila):
            mensajes = " ".join([*get_flashed_messages(), *(e for campo in form for e in campo.errors
                                                            if isinstance(e, str))])
            return Response(mensajes or "No se pudo guardar el cambio.", 400, mimetype="text/plain")
        return Response("Cambio guardado.", mimetype="text/plain")

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        """Búsqueda de un campo relación: sirve a un formulario (crear o editar en esta pantalla) y exige
        «ver» en la pantalla del modelo buscado, con su alcance; `%` y `_` se buscan literalmente; tope 50."""
        cargador = self._form_ajax_refs.get(request.args.get("name", ""))
        if cargador is None:
            abort(404)
        if not (self.puede("crear") or self.puede("editar")):
            abort(403)
        if not isinstance(cargador, CargadorAjax) or not cargador.permitido():
            abort(403)
        texto = (request.args.get("query") or "")[:100]
        desde = request.args.get("offset", 0, type=int) or 0
        cuantos = min(max(request.args.get("limit", 10, type=int) or 10, 1), LIMITE_AJAX)
        datos = [cargador.format(m) for m in cargador.get_list(texto, desde, cuantos)]
        return Response(json.dumps(datos), mimetype="application/json")

    # ---- filtros: cada valor se valida contra su tipo antes de tocar la consulta
    def _get_list_filter_args(self):
        if not self._filters:
            return None
        filtros = []
        for arg in request.args:
            if not arg.startswith("flt") or "_" not in arg:
                continue
            pos, clave = arg[3:].split("_", 1)
            if clave not in self._filter_args:
                continue
            idx, flt = self._filter_args[clave]
            valor = request.args[arg]
            error = error_de_filtro(self, flt, valor)
            if error:
                if request.endpoint and request.endpoint.endswith(".export"):
                    abort(400, error)  # un Excel sin el filtro pedido sería otro listado
                flash(error, "error")
                continue
            filtros.append((pos, (idx, str(flt.name), valor)))
        return [v[1] for v in sorted(filtros, key=lambda n: n[0])]

    def get_filter_arg(self, index, flt):
        """Nombre del filtro en la URL, sin tildes: `flt0_fecha_de_presentacion_between`."""
        operacion = flt.operation()
        operacion = getattr(operacion, "_args", [operacion])[0]
        nombre = unicodedata.normalize("NFKD", f"{flt.name} {operacion}").encode("ascii", "ignore")
        nombre = filter_char_re.sub("", nombre.decode().lower())
        return filter_compact_re.sub("_", nombre)

    def url_filtrada(self, *filtros: tuple[str, str, str], **extra) -> str:
        """URL del listado con filtros (nombre, operación en inglés, valor): enlaces del tablero."""
        args, pos = {}, 0
        for nombre, operacion, valor in filtros:
            for i, flt in enumerate(self._filters):
                op = getattr(flt.operation(), "_args", [flt.operation()])[0]
                if flt.name == nombre and op == operacion:
                    args[f"flt{pos}_{self.get_filter_arg(i, flt)}"] = valor
                    pos += 1
                    break
            else:
                raise KeyError(f"{self.endpoint}: no hay filtro {nombre!r} {operacion!r}")
        return url_for(f"{self.endpoint}.index_view", **args, **extra)

    # ---- listados: los enlaces de cada fila (ver, editar, cargo…) difieren solo en el id: url_for una vez
    # por forma de enlace y petición, y el id se sustituye (url_for cuesta ~60 µs; 50 filas × 4 acciones)
    def get_url(self, endpoint, **kwargs):
        id_ = kwargs.get("id")
        if not isinstance(id_, int | str) or not has_request_context():
            return super().get_url(endpoint, **kwargs)
        try:
            clave = (self.endpoint, endpoint, tuple(sorted((k, v) for k, v in kwargs.items() if k != "id")))
            hash(clave)
        except TypeError:  # algún argumento no es hashable (p. ej. una lista)
            return super().get_url(endpoint, **kwargs)
        plantillas = g.setdefault("_urls_fila", {})
        if clave not in plantillas:
            plantillas[clave] = super().get_url(endpoint, **{**kwargs, "id": "__ID__"})
        return plantillas[clave].replace("__ID__", quote(str(id_), safe=""))

    # ---- listados: sin COUNT(*) de toda la tabla en la primera página; orden estable
    @property
    def simple_list_pager(self):
        try:
            # sin COUNT salvo con filtros: una búsqueda por palabra común contaría miles de filas
            return not any(k.startswith("flt") for k in request.args)
        except RuntimeError:
            return False

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        query, joins = super()._apply_sorting(query, joins, sort_column, sort_desc)
        orden = self.column_default_sort
        if sort_column is None and (orden[0] if isinstance(orden, tuple) else orden) == "id":
            return query, joins  # el orden por defecto ya es por id
        return query.order_by(self.model.id.desc()), joins

    # ---- guardar: los hooks completan la fila antes de que una consulta la envíe a medias; una regla del modelo
    # que nombra su campo (`ErrorDeRegla(campo=…)`) vuelve junto a ese campo (handle_view_exception)
    def create_model(self, form):
        g._formulario = form
        with db.session.no_autoflush:
            hecho = super().create_model(form)
        if not hecho:
            _olvidar_filas_revertidas(form)
        return hecho

    def update_model(self, form, model):
        g._formulario = form
        with db.session.no_autoflush:
            hecho = super().update_model(form, model)
        if not hecho:
            _olvidar_filas_revertidas(form)
        return hecho

    # ---- formularios: reglas entre campos, con el mensaje junto al campo
    def validate_form(self, form):
        ok = super().validate_form(form)
        if set(form._fields) <= {"id", "url", "csrf_token"} or "list_form_pk" in form._fields:
            # el formulario de borrar, o la edición en la lista (sus reglas están en el modelo)
            return ok
        ok = self._revisar_pdf(form) and ok  # su mensaje, también junto a los de los otros campos
        return ok and self.validar(form)

    def validar(self, form) -> bool:
        """Reglas de la pantalla que miran varios campos: `return error_en(form, campo, mensaje)` o True."""
        return True

    # ---- alcance también al escribir: la unidad de una fila DeUnaUnidad (models.py) la fija el servidor
    def _on_model_change(self, form, model, is_created):
        """Antes de `on_model_change` de la vista (Flask-Admin llama a este tras `populate_obj`, al crear, al
        editar y en la edición en la lista): un usuario de alcance «unidad» no crea ni mueve una fila a otra
        unidad; vacía al crear, la del usuario."""
        relacion = getattr(self.model, "relacion_unidad", None)
        if relacion and current_user.unidad_id is not None and \
                (current_user.alcance_unidad or (is_created and getattr(model, relacion) is None)):
            setattr(model, relacion, current_user.unidad)
        if getattr(form, "_pdf_revisado", None) is not None:  # se escribe al confirmarse la fila
            adjuntos.poner_pdf(model, form._pdf_revisado, campo=self.archivo_pdf)
        return super()._on_model_change(form, model, is_created)

    def _campos_opcionales(self) -> tuple[str, ...]:
        """`campos_opcionales` de la vista y, en un modelo DeUnaUnidad, la unidad (el servidor la completa)."""
        relacion = getattr(self.model, "relacion_unidad", None)
        return (*self.campos_opcionales, *([relacion] if relacion else []))

    # ---- formularios: campos que el modelo exige pero el servidor completa si llegan vacíos
    campos_opcionales: tuple[str, ...] = ()

    def create_form(self, obj=None):
        form = super().create_form(obj)
        for nombre in self._campos_opcionales():
            if nombre in form:
                form[nombre].validators = [Optional()]
                form[nombre].flags.required = False
        if request.method == "GET":
            self._repetir_anterior(form)
        return form

    # ---- «Guardar y agregar otro»: el formulario siguiente trae ya llenos los campos que se repiten
    repetir_al_agregar: tuple[str, ...] = ()  # p. ej. ("deposito", "ambiente", "estante") en las ubicaciones
    PREFIJO_REPETIR = "anterior_"

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        respuesta = super().create_view()
        if request.method == "POST" and "_add_another" in request.form and self.repetir_al_agregar \
                and getattr(respuesta, "status_code", None) == 302:
            valores = {f"{self.PREFIJO_REPETIR}{c}": request.form[c] for c in self.repetir_al_agregar
                       if request.form.get(c)}
            destino = respuesta.headers["Location"]
            respuesta.headers["Location"] = destino + ("&" if "?" in destino else "?") + urlencode(valores)
        return respuesta

    def _repetir_anterior(self, form) -> None:
        """Los valores del registro anterior (URL de «Guardar y agregar otro») en los campos declarados."""
        for nombre in self.repetir_al_agregar:
            valor = request.args.get(f"{self.PREFIJO_REPETIR}{nombre}")
            if valor is not None and nombre in form:
                form[nombre].process(MultiDict({nombre: valor}))

    # ---- formularios: columnas propias para editar (sin reglas, que quitan el token CSRF)
    campos_edicion: tuple[str, ...] | None = None

    def get_edit_form(self):
        if self.campos_edicion is None:
            return super().get_edit_form()
        anteriores, extra = self.form_columns, self.form_extra_fields
        self.form_columns = self.campos_edicion
        self.form_extra_fields = {k: v for k, v in (extra or {}).items() if k in self.campos_edicion}
        try:
            return self.scaffold_form()
        finally:
            self.form_columns, self.form_extra_fields = anteriores, extra

    # ---- formularios: fechas dd/mm/aaaa; todo campo `email` se valida como correo (si se llena)
    def scaffold_form(self):
        form_class = super().scaffold_form()
        for nombre in dir(form_class):
            campo = getattr(form_class, nombre)
            if getattr(campo, "field_class", None) is None:
                continue
            if issubclass(campo.field_class, DateField):
                campo.field_class = FechaField if campo.field_class is DateField else campo.field_class
                campo.kwargs["format"] = "%d/%m/%Y"
                campo.kwargs["widget"] = DatePickerWidget()
                campo.kwargs.setdefault("render_kw", {})["data-date-format"] = "DD/MM/YYYY"
                campo.kwargs["description"] = campo.kwargs.get("description") or "dd/mm/aaaa"
            elif nombre == "email":
                otros = [v for v in campo.kwargs.get("validators", []) if not isinstance(v, InputRequired | Optional)]
                campo.kwargs["validators"] = [Optional(), *otros,
                                              Email(message="Correo electrónico no válido.",
                                                    check_deliverability=False)]
        return form_class

    # ---- exportación
    @expose("/export/<export_type>/")
    def export(self, export_type):
        if export_type not in self.export_types:
            abort(404)
        return exportar_xlsx(self)

    def consulta_exportacion(self):
        """Select de las columnas de la exportación con la búsqueda, filtros y orden del listado."""
        va = self._get_list_extra_args()
        col = self._get_column_by_idx(va.sort)
        query = self.get_query()
        joins: dict = {}
        if self._search_supported and va.search:
            query, _, joins, _ = self._apply_search(query, None, joins, {}, va.search)
        if va.filters and self._filters:
            query, _, joins, _ = self._apply_filters(query, None, joins, {}, va.filters)
        query, joins = self._apply_sorting(query, joins, col[0] if col else None, va.sort_desc)
        exprs, uniones = [], {}
        for nombre, _etiqueta in self._export_columns:
            exprs.append(self._expr_exportacion(nombre, uniones))
        query = query.with_entities(*exprs)
        for relacion, alias in uniones.values():
            query = query.outerjoin(alias, relacion.of_type(alias))
        return query, va

    def _expr_exportacion(self, nombre: str, uniones: dict):
        if nombre in self.sql_exportacion:
            return self.sql_exportacion[nombre]
        modelo, ruta = self.model, nombre.split(".")
        for paso in ruta[:-1]:
            relacion = getattr(modelo, paso)
            clave = tuple(ruta[: ruta.index(paso) + 1])
            if clave not in uniones:
                uniones[clave] = (relacion, aliased(relacion.property.mapper.class_))
            modelo = uniones[clave][1]
        attr = getattr(modelo, ruta[-1])
        prop = getattr(attr, "property", None)
        if isinstance(prop, sa.orm.RelationshipProperty):
            clave = tuple(ruta)
            if clave not in uniones:
                uniones[clave] = (attr, aliased(prop.mapper.class_))
            alias = uniones[clave][1]
            return alias.etiqueta if hasattr(alias, "etiqueta") else sa.cast(alias.id, sa.String)
        return attr.expression if hasattr(attr, "expression") else attr

    def descripcion_filtros(self, va) -> list[tuple[str, str]]:
        filas = []
        if va.search:
            filas.append(("Búsqueda", va.search))
        for idx, _nombre, valor in va.filters or []:
            flt = self._filters[idx]
            etiquetas = dict(flt.get_options(self) or ())  # enums y listas: la etiqueta, no el código
            filas.append((f"{flt.name} ({flt.operation()})", str(etiquetas.get(valor, valor))))
        col = self._get_column_by_idx(va.sort)
        if col:
            filas.append(("Orden", f"{col[1]} {'descendente' if va.sort_desc else 'ascendente'}"))
        return filas
