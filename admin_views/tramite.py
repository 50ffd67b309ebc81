"""Trámite documentario: expedientes y derivaciones (listas, formularios, exportación)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, DateBetweenFilter, FilterEqual, FilterLike
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from admin_views.base import (
    CargadorAjax,
    FiltroMomentoEntreFechas,
    FiltroSigla,
    VistaSegura,
    entero_id,
    error_en,
    fila_de,
    opciones_enum,
    puede,
)
from admin_views.castellano import contar
from models import (
    ESTADOS_ABIERTOS,
    PLAZO_MAXIMO_HABILES,
    AccionDerivacion,
    Adjunto,
    Canal,
    Derivacion,
    DocumentoEmitido,
    EstadoDerivacion,
    EstadoDocumento,
    EstadoExpediente,
    Expediente,
    Origen,
    Persona,
    Prioridad,
    ProcedimientoTupa,
    SerieDocumental,
    TipoDocumento,
    UnidadConservacion,
    UnidadOrganica,
    Usuario,
    ahora,
    db,
    hoy_lima,
)
from services import archivo as archivo_central
from services import archivos, control
from services.adjuntos import ErrorAdjunto, guardar_pdf
from services.auditoria import registrar
from services.identidad import ErrorRemitente, remitente
from services.tramite import (
    CONFLICTO,
    ErrorTramite,
    anular,
    anular_documento,
    archivar,
    atender,
    bloquear,
    clasificar,
    condicion_busqueda,
    derivar,
    devolver,
    emitir_documento,
    error_fecha_documento,
    numerar_documento,
    observable,
    observar,
    observar_en_ingreso,
    permanencia,
    plazo_subsanacion,
    por_clasificar,
    recibir,
    registrar_ingreso,
    serie_de_norma,
    subsanar,
)
from services.verificacion import qr_svg, url_publica


class FiltroPorClasificar(BooleanEqualFilter):
    """La cola de la mesa de partes digital: ingresos digitales que aún no se derivan."""

    def apply(self, query, value, alias=None):
        cond = por_clasificar()
        return query.filter(cond if value in (True, "1") else ~cond)


def _abreviado(texto: str, completo: str) -> Markup:
    return Markup(f'<span title="{escape(completo)}">{escape(texto)}</span>')


class FiltroVencido(BooleanEqualFilter):
    """`vencido` se evalúa con la fecha de hoy al aplicar el filtro, no al arrancar."""

    def apply(self, query, value, alias=None):
        cond = Expediente.vencido
        return query.filter(cond if value in (True, "1") else ~cond)


class FiltroSilencioPositivo(BooleanEqualFilter):
    """Con silencio positivo, pasados el plazo y los 5 días hábiles para notificar: la solicitud se tiene por
    aprobada (LPAG arts. 35 y 199.1)."""

    def apply(self, query, value, alias=None):
        cond = Expediente.aprobado_por_silencio
        return query.filter(cond if value in (True, "1") else ~cond)


def _limite(fecha, abierta: bool):
    """Fecha límite o de vencimiento; si pasó y sigue abierta, resaltada (la fila entera: `tr:has(.vencida)`)."""
    if fecha is None:
        return ""
    if abierta and fecha < hoy_lima():
        return Markup('<span class="vencida" title="Plazo vencido">{} <span class="badge badge-danger">Vencido'
                      '</span></span>').format(fecha.strftime("%d/%m/%Y"))
    return fecha.strftime("%d/%m/%Y")


def _estado_expediente(view, context, exp, name):
    """El estado con la aprobación que ya operó: por silencio positivo (desde su día) o automática (nunca con una
    observación pendiente: LPAG art. 136.3)."""
    if exp.aprobado_por_silencio:
        return Markup('{} <span class="badge badge-success" title="Desde el {:%d/%m/%Y}">Aprobado por silencio '
                      'positivo</span>').format(exp.estado.etiqueta, exp.silencio_positivo_desde)
    if exp.aprobado_automaticamente_el:
        return Markup('{} <span class="badge badge-info">Aprobación automática</span>').format(exp.estado.etiqueta)
    return exp.estado.etiqueta


class ExpedienteView(VistaSegura):
    permisos_por_defecto = {"secretaria_general": "vcea", "mesa_partes": "vcea", "unidad": "vce", "archivo": "v",
                            "fedatario": "v", "transparencia": "v"}
    acciones_endpoint = {"cargo": "crear"}  # el cargo lleva la clave del administrado: lo imprime quien recibe
    column_list = ("codigo", "fecha_recepcion", "fecha_presentacion", "origen", "persona", "asunto",
                   "folios", "procedimiento", "unidad_actual", "estado", "fecha_vencimiento", "prioridad")
    column_select_related_list = (Expediente.persona, Expediente.procedimiento, Expediente.unidad_actual,
                                  Expediente.unidad_origen)
    column_searchable_list = ("codigo", "asunto", "persona.numero_documento", "persona.nombres",
                              "persona.apellidos", "persona.razon_social")
    column_filters = (
        FilterEqual(Expediente.estado, "Estado", options=opciones_enum(EstadoExpediente)),
        FiltroSigla(Expediente.unidad_actual_id, "Unidad actual"),
        FilterEqual(Expediente.origen, "Origen", options=opciones_enum(Origen)),
        FilterEqual(Expediente.prioridad, "Prioridad", options=opciones_enum(Prioridad)),
        FilterEqual("procedimiento.codigo", "Procedimiento"),
        FiltroMomentoEntreFechas(Expediente.fecha_recepcion, "Recibido"),
        DateBetweenFilter(Expediente.fecha_presentacion, "Fecha de presentación"),
        DateBetweenFilter(Expediente.fecha_vencimiento, "Fecha de vencimiento"),
        FiltroVencido(Expediente.fecha_vencimiento, "Vencido"),
        FiltroSilencioPositivo(Expediente.fecha_vencimiento, "Aprobado por silencio positivo"),
        FilterLike("persona.numero_documento", "Remitente (documento)"),
        FilterEqual(Expediente.canal, "Canal", options=opciones_enum(Canal)),
        FiltroPorClasificar(Expediente.id, "Recibidos por Mesa Digital"),
    )
    column_default_sort = ("id", True)
    # la lista cabe en 1366 px: siglas y códigos con el nombre completo al pasar el ratón; el detalle, completo
    column_formatters = {
        "estado": _estado_expediente,
        "codigo": lambda v, c, e, n: Markup(f'<a href="{v.get_url(".tramitar", id=e.id)}" title="Tramitar">'
                                            f'{escape(e.codigo)}</a>'),
        "persona": lambda v, c, e, n: _abreviado(e.persona.nombre_completo, str(e.persona)) if e.persona
        else (_abreviado(e.unidad_origen.sigla, e.unidad_origen.nombre) if e.unidad_origen else ""),
        "unidad_actual": lambda v, c, e, n: _abreviado(e.unidad_actual.sigla, e.unidad_actual.nombre)
        if e.unidad_actual else "",
        "procedimiento": lambda v, c, e, n: _abreviado(e.procedimiento.codigo, str(e.procedimiento))
        if e.procedimiento else "",
        "fecha_vencimiento": lambda v, c, e, n: _limite(e.fecha_vencimiento, e.estado in ESTADOS_ABIERTOS
                                                         and not e.aprobado_por_silencio),
    }
    column_formatters_detail = {"estado": _estado_expediente}
    # en el Excel, como en la lista: el remitente, o la unidad de origen de un expediente interno
    sql_exportacion = {"persona": sa.func.coalesce(
        sa.select(Persona.etiqueta).where(Persona.id == Expediente.persona_id).scalar_subquery(),
        sa.select(UnidadOrganica.etiqueta).where(UnidadOrganica.id == Expediente.unidad_origen_id).scalar_subquery())}
    column_labels = {"codigo": "Código", "fecha_recepcion": "Recibido", "fecha_presentacion": "Presentación",
                     "fecha_vencimiento": "Vence", "persona": "Remitente", "procedimiento": "Procedimiento TUPA",
                     "unidad_actual": "Unidad actual", "unidad_origen": "Unidad de origen",
                     "tipo_documento": "Tipo de documento", "documento_referencia": "Documento de referencia",
                     "persona.numero_documento": "N° de documento", "persona.nombres": "Nombres",
                     "persona.apellidos": "Apellidos", "persona.razon_social": "Razón social",
                     "plazo_dias_habiles": "Plazo (días hábiles)", "fecha_atencion": "Fecha de atención",
                     "motivo_anulacion": "Motivo de anulación", "fecha_observacion": "Fecha de observación",
                     "fecha_subsanacion": "Fecha de subsanación", "observacion": "Observación de ingreso",
                     "silencio_positivo_desde": "Silencio positivo desde",
                     "respuesta": "Respuesta (al atenderlo)"}
    column_details_exclude_list = ("clave", "derivaciones", "adjuntos")
    details_template = "admin/tramite/detalle_expediente.html"
    # orden del teclado (Tab): lo de cada ingreso primero; Enter en «Folios» guarda y abre el cargo
    form_columns = ("persona", "nuevo_documento", "nuevo_nombre", "archivo", "procedimiento", "asunto", "folios",
                    "unidad_actual", "observacion_ingreso", "tipo_documento", "documento_referencia", "prioridad",
                    "origen", "canal", "unidad_origen", "observaciones")
    form_extra_fields = {
        "nuevo_documento": StringField("…o remitente nuevo: DNI o RUC", validators=[Optional()],
                                       description="Si no lo encuentra arriba, escriba el DNI (8) o RUC (11)."),
        "nuevo_nombre": StringField("Nombres y apellidos o razón social del remitente nuevo",
                                    validators=[Optional()]),
        "archivo": FileField("Documento escaneado (PDF, opcional)"),
        "observacion_ingreso": TextAreaField(
            "Observar en el ingreso (en lugar de derivar)", validators=[Optional()],
            description="Si falta un requisito, anótelo (en un solo acto, art. 136): el expediente queda en Mesa "
                        "de Partes, el ciudadano tiene 2 días hábiles para subsanar y recién entonces se deriva."),
    }
    campos_edicion = ("documento_referencia", "asunto", "folios", "prioridad", "observaciones")
    campos_opcionales = ("unidad_actual",)  # con procedimiento TUPA, su unidad resolutora
    form_ajax_refs = {
        "persona": CargadorAjax("persona", Persona, ["numero_documento", "nombres", "apellidos", "razon_social"],
                                placeholder="DNI, RUC o nombre"),
        "procedimiento": CargadorAjax("procedimiento", ProcedimientoTupa, ["codigo", "nombre"]),
    }
    form_args = {"folios": {"description": "Número de hojas (mínimo 1)."},
                 "unidad_actual": {"label": "Unidad de destino",
                                   "description": "Con procedimiento TUPA se llena sola con su unidad resolutora; "
                                                  "sin procedimiento, elija a quién se deriva."},
                 "tipo_documento": {"description": "Lo que presenta el ciudadano suele ser una solicitud."}}
    column_editable_list = ("prioridad",)
    TIPO_POR_DEFECTO = "SOL"  # lo que trae un ciudadano al mostrador: una solicitud (no un oficio)

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET" and "tipo_documento" in form and form.tipo_documento.raw_data is None:
            form.tipo_documento.data = db.session.scalar(
                sa.select(TipoDocumento).where(TipoDocumento.abreviatura == self.TIPO_POR_DEFECTO)) \
                or form.tipo_documento.data
        return form

    @expose("/procedimiento/")
    def procedimiento(self):
        """La unidad resolutora y el plazo de un procedimiento TUPA: el formulario de ingreso llena con ellos la unidad
        de destino al elegir el procedimiento (static/secretaria.js)."""
        proc = db.session.get(ProcedimientoTupa, entero_id(request.args.get("id")) or 0) or abort(404)
        unidad = proc.unidad_resolutora
        return {"unidad": [unidad.id, f"{unidad.sigla} – {unidad.nombre}"] if unidad else None,
                "plazo": None if proc.aprobacion_automatica else proc.plazo_dias_habiles,
                "silencio": proc.silencio.etiqueta}
    acciones_permiso = {"atender": "editar", "archivar": "editar", "derivar": "editar"}

    # ---- acciones masivas de la lista (las mismas reglas que los botones de «Tramitar»)
    @action("atender", "Atendido", "¿Dar por atendidos los expedientes seleccionados?")
    def action_atender(self, ids):
        return self.en_lote(ids, lambda exp: self._operar(exp, "atender", request.form),
                            lambda n: contar(n, "expediente atendido.", "expedientes atendidos."))

    @action("archivar", "Archivar", "¿Archivar los expedientes seleccionados?")
    def action_archivar(self, ids):
        return self.en_lote(ids, lambda exp: self._operar(exp, "archivar", request.form),
                            lambda n: contar(n, "expediente archivado.", "expedientes archivados."))

    @action("derivar", "Derivar…")
    def action_derivar(self, ids):
        return redirect(url_for(".derivar_lote", id=[int(i) for i in ids]))

    @expose("/derivar-lote/", methods=("GET", "POST"))
    def derivar_lote(self):
        """Deriva varios expedientes a la vez a una unidad, con la misma acción, proveído y plazo."""
        expedientes = [self.get_one(i) for i in request.args.getlist("id")[:200]]
        if not expedientes:
            return redirect(url_for(".index_view"))
        if request.method == "POST":
            def derivar_todos():
                for exp in expedientes:
                    self._operar(exp, "derivar", request.form)
                return f"{len(expedientes)} expedientes derivados."

            hecho = self.ejecutar(derivar_todos, url_for(".index_view"))
            if hecho:
                return hecho
        unidades = db.session.scalars(sa.select(UnidadOrganica).where(UnidadOrganica.activa)
                                      .order_by(UnidadOrganica.sigla)).all()
        return self.render("admin/tramite/derivar_lote.html", expedientes=expedientes, unidades=unidades,
                           acciones=opciones_enum(AccionDerivacion), form=request.form)

    def validate_form(self, form):
        ok = super().validate_form(form)
        if not ok or "origen" not in form:
            return ok
        if form.folios.data is not None and form.folios.data < 1:
            form.folios.errors = ["Debe haber al menos 1 folio."]
            return False
        if form.origen.data == "externo" and not form.persona.data and not self._remitente_nuevo(form):
            return False
        if form.origen.data == "interno" and not form.unidad_origen.data and not current_user.alcance_unidad:
            form.unidad_origen.errors = ["Un documento interno necesita la unidad de origen."]
            return False
        if not form.unidad_actual.data and not form.procedimiento.data and not current_user.alcance_unidad:
            form.unidad_actual.errors = ["Indique la unidad de destino o el procedimiento TUPA."]
            return False
        archivo = form.archivo.data
        if archivo and getattr(archivo, "filename", ""):
            try:
                form._adjunto = guardar_pdf(archivo, current_user.id)
            except ErrorAdjunto as e:
                form.archivo.errors = [str(e)]
                return False
        return True

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Cada palabra: código o asunto del expediente, o documento/nombre del remitente.

        Sin LEFT JOIN a persona (Flask-Admin lo haría): ver `condicion_busqueda` y sus índices.
        """
        dialecto = db.session.get_bind().dialect.name
        for palabra in search.split():
            cond = condicion_busqueda(palabra, dialecto)
            query = query.filter(cond)
            if count_query is not None:
                count_query = count_query.filter(cond)
        return query, count_query, joins, count_joins

    def _remitente_nuevo(self, form) -> bool:
        """Busca o crea (en la sesión) la persona escrita en los campos de remitente nuevo."""
        numero = (form.nuevo_documento.data or "").strip()
        if not numero:
            form.persona.errors = ["Un documento externo necesita el remitente (búsquelo o escriba su DNI/RUC)."]
            return False
        tipo = "RUC" if len(numero) == 11 else "DNI"
        nombre = form.nuevo_nombre.data
        try:
            persona = remitente(tipo, numero, **({"razon_social": nombre} if tipo == "RUC" else {"nombres": nombre}))
        except ErrorRemitente as e:
            campo = form.nuevo_documento if e.campo == "documento" else form.nuevo_nombre
            campo.errors = [str(e)]
            return False
        form.persona.data = persona
        return True

    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-print", ".cargo", title="Cargo"),
        EndpointLinkRowAction("fa fa-share", ".tramitar", title="Tramitar"),
        EndpointLinkRowAction("fa fa-road", ".hoja_ruta", title="Hoja de ruta"),
    ]

    def on_model_change(self, form, model, is_created):
        if not is_created:  # formulario y edición en la lista: las reglas del trámite (models.py)
            error = model.error_de_edicion(current_user)
            if error:
                raise ErrorTramite(error)
            return
        if current_user.alcance_unidad:  # una unidad registra sus propios documentos internos (origen: ella)
            if model.origen == Origen.interno:
                model.unidad_origen = current_user.unidad
            model.unidad_actual = current_user.unidad
        if getattr(form, "_adjunto", None) is not None:
            model.adjuntos.append(form._adjunto)
        destino = model.unidad_actual or model.procedimiento.unidad_resolutora
        model.unidad_actual = current_user.unidad  # nace en la unidad que lo recibe…
        registrar_ingreso(model)
        observacion = (form.observacion_ingreso.data or "").strip() if "observacion_ingreso" in form else ""
        if observacion:  # observado: queda en la unidad que lo recibe hasta que se subsane (art. 136)
            observar_en_ingreso(model, observacion)
        elif destino.id != current_user.unidad_id:  # …y se deriva en el acto
            derivar(model, destino, "atender", "Para su atención.", usuario=current_user)

    @expose("/adjunto/")
    def adjunto(self):
        """Descarga un adjunto de un expediente al alcance del usuario."""
        adj = fila_de(Adjunto, request.args.get("id"))
        if adj is None or adj.expediente_id is None:
            abort(404)
        self.get_one(adj.expediente_id)  # 404 si el expediente está fuera de su alcance
        return archivos.responder(adj.ruta, adj.nombre_archivo, adj.tipo_mime) or abort(404)

    def get_save_return_url(self, model, is_created=False):
        if is_created:
            return url_for(".cargo", id=model.id)
        return super().get_save_return_url(model, is_created)

    @expose("/cargo/")
    def cargo(self):
        """Cargo imprimible (A4 o ticket): número, fecha y hora, folios, clave y QR de consulta. Solo para quien
        registra ingresos («crear», `acciones_endpoint`) y, en un rol de unidad, de lo que registró su unidad
        (`Expediente.ve_cargo`): la clave no se muestra a quien solo tramitó el expediente."""
        exp = self.get_one(request.args.get("id"))
        if not exp.ve_cargo(current_user):
            abort(403)
        url = url_publica("publico.consulta", codigo=exp.codigo)
        qr = qr_svg(f"{url}&clave={exp.clave}")
        registrar("imprimir", "expediente", exp.id, "cargo")
        db.session.commit()
        receptor = db.session.get(Usuario, exp.creado_por_id) if exp.creado_por_id else None
        return self.render("admin/tramite/cargo.html", exp=exp, url=url, qr=qr, receptor=receptor,
                           ticket=request.args.get("formato") == "ticket",
                           plazo_subsanacion=plazo_subsanacion(exp))

    @expose("/hoja-ruta/")
    def hoja_ruta(self):
        """Hoja de ruta imprimible (A4): todo el recorrido, con fechas, proveídos y días hábiles por unidad."""
        exp = self.get_one(request.args.get("id"))
        movimientos, ocultos = exp.recorrido(current_user)
        ids = {d.recibido_por_id for d in movimientos if d.recibido_por_id}
        receptores = {u.id: u.nombre for u in db.session.scalars(sa.select(Usuario).where(Usuario.id.in_(ids)))} \
            if ids else {}
        registrar("imprimir", "expediente", exp.id, "hoja de ruta")
        db.session.commit()
        return self.render("admin/tramite/hoja_ruta.html", exp=exp, receptores=receptores, permanencia=permanencia,
                           impreso=ahora(), movimientos=movimientos, ocultos=ocultos)

    @expose("/tramitar/", methods=("GET", "POST"))
    def tramitar(self):
        """Derivar, atender, devolver, archivar, observar, subsanar o anular (POST exige «editar»)."""
        exp = self.get_one(request.args.get("id"))
        if request.method == "POST":
            operacion = request.form.get("operacion", "")

            def operar():
                hecho = self._operar(exp, operacion, request.form)
                aviso = getattr(hecho, "aviso_tope", None)
                return f"{exp.codigo}: {OPERACIONES.get(operacion, operacion)}." + (f" {aviso}" if aviso else "")

            hecho = self.ejecutar(operar, url_for(".tramitar", id=exp.id))
            if hecho:
                return hecho
        unidades = db.session.scalars(sa.select(UnidadOrganica).where(UnidadOrganica.activa)
                                      .order_by(UnidadOrganica.sigla)).all()
        # una unidad ve los movimientos en que participó (su bandeja); los demás solo se cuentan (Expediente.recorrido)
        movimientos, ocultos = exp.recorrido(current_user)
        digital = exp.canal == Canal.digital and not exp.derivaciones and exp.estado.value in ("registrado",
                                                                                             "observado")
        catalogos = {"procedimientos": db.session.scalars(sa.select(ProcedimientoTupa).where(
            ProcedimientoTupa.activo).order_by(ProcedimientoTupa.codigo)).all(),
            "tipos": db.session.scalars(sa.select(TipoDocumento).order_by(TipoDocumento.nombre)).all()} \
            if digital else {}
        return self.render("admin/tramite/tramitar.html", exp=exp, unidades=unidades, digital=digital, **catalogos,
                           movimientos=movimientos, ocultos=ocultos,
                           acciones=opciones_enum(AccionDerivacion), en_mi_unidad=self._en_mi_unidad(exp),
                           puede_anular=self.puede("anular"), observable=observable(exp),
                           plazo_subsanacion=plazo_subsanacion(exp), form=request.form, permanencia=permanencia,
                           por_recibir=self._por_recibir(exp),
                           cajas=archivo_central.cajas_para_archivar(exp.unidad_actual_id)
                           if self._en_mi_unidad(exp) and puede("unidad_conservacion", "ver") else None,
                           series_nuevas=archivo_central.series_de(exp.unidad_actual_id)
                           if self._en_mi_unidad(exp) and puede("unidad_conservacion", "crear") else [])

    @staticmethod
    def _por_recibir(exp):
        """La derivación pendiente de acuse hacia la unidad del usuario, que hoy tiene el expediente."""
        return next((d for d in exp.derivaciones if d.estado == EstadoDerivacion.pendiente
                     and d.unidad_destino_id == exp.unidad_actual_id == current_user.unidad_id), None)

    def handle_view_exception(self, exc):
        if isinstance(exc, StaleDataError):  # dos ediciones del mismo expediente a la vez (columna version)
            flash(CONFLICTO, "error")
            return True
        return super().handle_view_exception(exc)

    def _en_mi_unidad(self, exp) -> bool:
        return not current_user.alcance_unidad or exp.unidad_actual_id == current_user.unidad_id

    @staticmethod
    def _caja(datos, exp=None):
        """La caja elegida al archivar (vacía: queda en el archivo de gestión de la unidad), o una nueva de la serie
        elegida («serie-<id>», si puede crear cajas)."""
        valor = datos.get("caja") or ""
        if valor.startswith("serie-") and exp is not None:
            if not puede("unidad_conservacion", "crear"):
                raise ErrorTramite("Su rol no crea cajas: elija una existente.")
            serie = db.session.get(SerieDocumental, entero_id(valor.removeprefix("serie-")) or 0)
            return archivo_central.caja_nueva_para(exp, serie)
        caja_id = entero_id(valor)
        return db.session.get(UnidadConservacion, caja_id) if caja_id else None

    def _operar(self, exp, operacion, datos):
        bloquear(exp)  # dos clics simultáneos: el segundo espera y ve lo que hizo el primero
        if operacion == "anular":
            return anular(exp, datos.get("motivo", ""), current_user)
        if not self._en_mi_unidad(exp):
            raise ErrorTramite("El expediente no está en su unidad: no puede tramitarlo.")
        por_recibir = self._por_recibir(exp)
        if por_recibir is not None and operacion in ("derivar", "atender", "archivar", "devolver"):
            recibir(por_recibir, current_user)  # la unidad que actúa sobre lo que le llegó: primero el acuse
        if operacion == "derivar":
            destino_id = entero_id(datos.get("destino"))
            destino = db.session.get(UnidadOrganica, destino_id) if destino_id else None
            if destino is None:
                raise ErrorTramite("Elija la unidad de destino.")
            plazo = (datos.get("plazo") or "").strip() or None
            if plazo is not None:
                if not re.fullmatch(r"-?[0-9]{1,9}", plazo) or int(plazo) > PLAZO_MAXIMO_HABILES:
                    raise ErrorTramite(f"El plazo es un número de días hábiles entre 0 y {PLAZO_MAXIMO_HABILES}.")
                plazo = int(plazo)
            return derivar(exp, destino, datos.get("accion", "atender"), datos.get("proveido") or None,
                           plazo, current_user)
        if operacion in ("clasificar", "aceptar"):
            proc = fila_de(ProcedimientoTupa, datos.get("procedimiento"))
            tipo = fila_de(TipoDocumento, datos.get("tipo_documento"))
            clasificar(exp, proc, tipo)
            if operacion == "clasificar":
                return None
            destino = fila_de(UnidadOrganica, datos.get("destino")) or \
                (proc.unidad_resolutora if proc else None)
            if destino is None:
                raise ErrorTramite("Elija el procedimiento TUPA o la unidad de destino para aceptarlo.")
            return derivar(exp, destino, "atender", "Ingreso por Mesa Digital aceptado.", None, current_user)
        acciones = {"atender": lambda: atender(exp, current_user, datos.get("respuesta")),
                    "devolver": lambda: devolver(exp, datos.get("motivo", ""), current_user),
                    "archivar": lambda: archivar(exp, current_user, self._caja(datos, exp)),
                    "encajar": lambda: archivo_central.encajar(exp, self._caja(datos, exp)),
                    "observar": lambda: observar(exp, datos.get("observacion", "")),
                    "subsanar": lambda: subsanar(exp, current_user)}
        if operacion not in acciones:
            raise ErrorTramite("Operación desconocida.")
        return acciones[operacion]()


OPERACIONES = {"encajar": "guardado en la caja",
               "clasificar": "clasificado", "aceptar": "aceptado y derivado", "derivar": "derivado",
               "atender": "atendido", "devolver": "devuelto", "archivar": "archivado", "observar": "observado",
               "subsanar": "subsanado", "anular": "anulado"}


class FiltroCumplimiento(FilterEqual):
    """Resultado de la derivación frente a su plazo (a tiempo, con retraso, pendiente en plazo o vencida), con la
    misma condición que cuentan los reportes de cumplimiento (services/control.py)."""

    def apply(self, query, value, alias=None):
        return query.filter(control.condicion_derivacion(value))


class FiltroProcedimientoDerivacion(FilterEqual):
    """Derivaciones de expedientes de un procedimiento TUPA (por su código), sin JOIN en el listado."""

    def apply(self, query, value, alias=None):
        return query.filter(control.condicion_procedimiento(value.strip()))


class DerivacionView(VistaSegura):
    """La bandeja: derivaciones hacia y desde mi unidad, con acuse de recibo masivo."""
    permisos_por_defecto = {"secretaria_general": "ve", "mesa_partes": "ve", "unidad": "ve", "archivo": "v",
                            "transparencia": "v"}

    column_list = ("expediente", "expediente.asunto", "unidad_origen", "unidad_destino", "fecha_envio", "accion",
                   "fecha_limite", "fecha_recepcion", "estado")
    column_select_related_list = (Derivacion.expediente, Derivacion.unidad_origen, Derivacion.unidad_destino)
    column_searchable_list = ("expediente.codigo", "proveido")
    column_filters = ("estado", "accion", FiltroSigla(Derivacion.unidad_destino_id, "Para (sigla)"),
                      FiltroSigla(Derivacion.unidad_origen_id, "De (sigla)"), "fecha_envio",
                      "fecha_limite", FiltroCumplimiento(Derivacion.fecha_limite, "Cumplimiento",
                                                         options=control.CUMPLIMIENTO),
                      FiltroProcedimientoDerivacion(Derivacion.expediente_id, "Procedimiento"))
    column_default_sort = ("fecha_envio", True)
    column_labels = {"unidad_origen": "De", "unidad_destino": "Para", "fecha_envio": "Enviado",
                     "accion": "Acción", "proveido": "Proveído", "plazo_dias_habiles": "Plazo (días hábiles)",
                     "fecha_limite": "Fecha límite", "fecha_recepcion": "Recibido (acuse)",
                     "expediente.codigo": "Expediente", "expediente.asunto": "Asunto",
                     "unidad_destino.sigla": "Para (sigla)",
                     "unidad_origen.sigla": "De (sigla)"}
    form_columns = ("proveido",)
    form_ajax_refs = {"expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"])}
    # el código abre «Tramitar»: recibir (el acuse se registra solo al actuar) y derivar/atender en una pantalla
    column_formatters = {"expediente": lambda v, c, d, n: Markup(
        f'<a href="{v.get_url("expediente.tramitar", id=d.expediente_id)}" title="Recibir y tramitar">'
        f'{escape(d.expediente.codigo)}</a>'),
        **dict.fromkeys(("unidad_origen", "unidad_destino"), lambda v, c, d, n: Markup(
            f'<span title="{escape(getattr(d, n).nombre)}">{escape(getattr(d, n).sigla)}</span>')
            if getattr(d, n) else "")}
    column_formatters["fecha_limite"] = lambda v, c, d, n: _limite(d.fecha_limite, d.estado in (
        EstadoDerivacion.pendiente, EstadoDerivacion.recibido))
    acciones_permiso = {"recibir": "editar"}
    bloqueadas = ("crear",)  # las derivaciones nacen del flujo del expediente, no de un formulario suelto

    def on_model_change(self, form, model, is_created):
        error = model.error_de_proveido(current_user)  # el proveído es de quien envía
        if error:
            raise ErrorTramite(error)

    @action("recibir", "Recibir (acuse)", "¿Registrar el acuse de recibo de las derivaciones seleccionadas?")
    def action_recibir(self, ids):
        recibidas = []

        def acuse(d):
            if current_user.alcance_unidad and d.unidad_destino_id != current_user.unidad_id:
                raise ErrorTramite(f"{d.expediente.codigo} no fue derivado a su unidad.")
            recibir(d, current_user)
            recibidas.append(d.expediente)

        def mensaje(n):  # lo recibido sale de «Por recibir»: el aviso lleva a cada uno para tramitarlo ya
            enlaces = Markup(" · ").join(Markup('<a href="{}">{}</a>').format(
                url_for("expediente.tramitar", id=e.id), e.codigo) for e in recibidas[:20])
            return Markup("{} Tramitar ahora: {}").format(
                contar(n, "derivación recibida.", "derivaciones recibidas."), enlaces)

        return self.en_lote(ids, acuse, mensaje)


class DocumentoEmitidoView(VistaSegura):
    """Egreso: cada unidad numera sus documentos; se anulan, no se borran."""
    permisos_por_defecto = {"secretaria_general": "vcea", "mesa_partes": "v", "unidad": "vcea"}
    acciones_endpoint = {"anular": "anular"}

    column_list = ("codigo", "fecha", "tipo_documento", "unidad", "asunto", "destinatario", "expediente",
                   "estado", "fecha_notificacion")
    column_select_related_list = (DocumentoEmitido.tipo_documento, DocumentoEmitido.unidad,
                                  DocumentoEmitido.expediente)
    column_searchable_list = ("codigo", "asunto", "destinatario")
    column_filters = (FilterEqual(DocumentoEmitido.estado, "Estado", options=opciones_enum(EstadoDocumento)),
                      FiltroSigla(DocumentoEmitido.unidad_id, "Unidad"),
                      FilterEqual("tipo_documento.abreviatura", "Tipo"),
                      DateBetweenFilter(DocumentoEmitido.fecha, "Fecha"))
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Número", "tipo_documento": "Tipo", "unidad": "Unidad",
                     "fecha_notificacion": "Notificado el", "firmado_por": "Firmado por",
                     "motivo_anulacion": "Motivo de anulación"}
    form_columns = ("tipo_documento", "unidad", "fecha", "asunto", "destinatario", "expediente", "firmado_por")
    campos_edicion = ("asunto", "destinatario", "expediente", "firmado_por")
    form_ajax_refs = {"expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"])}
    form_args = {"unidad": {"description": "Las unidades numeran lo suyo; si la deja vacía, la suya."}}
    acciones_permiso = {"emitir": "editar"}  # notificado: con su diligencia (Notificaciones por unidad)
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-ban", ".anular", title="Anular")]
    bloqueadas = ("eliminar",)  # se anula con motivo; el número no se reutiliza

    def validar(self, form):
        if "tipo_documento" in form and serie_de_norma(form.tipo_documento.data):
            return error_en(form, "tipo_documento", "Las resoluciones tienen una sola serie: regístrela en "
                                                    "Normas municipales, donde se numera.")
        if "fecha" in form:
            unidad = (form.unidad.data if "unidad" in form else None) or current_user.unidad
            if current_user.alcance_unidad:
                unidad = current_user.unidad
            error = error_fecha_documento(form.fecha.data, form.expediente.data if "expediente" in form else None,
                                          form.tipo_documento.data, unidad)
            if error:
                return error_en(form, "fecha", error)
        return True

    def on_model_change(self, form, model, is_created):
        if is_created:  # la unidad ya la fijó VistaSegura (DocumentoEmitido es DeUnaUnidad)
            numerar_documento(model)
        elif model.estado != EstadoDocumento.proyecto:
            raise ErrorTramite("Solo se edita un proyecto.")

    @action("emitir", "Emitir", "¿Emitir los documentos seleccionados?")
    def action_emitir(self, ids):
        return self.en_lote(ids, emitir_documento, "Documentos emitidos.")

    @expose("/anular/", methods=("GET", "POST"))
    def anular(self):
        doc = self.get_one(request.args.get("id"))
        if request.method == "POST":

            def anular_doc():
                anular_documento(doc, request.form.get("motivo", ""))
                return f"{doc.codigo} anulado; el número no se reutiliza."

            hecho = self.ejecutar(anular_doc, url_for(".index_view"))
            if hecho:
                return hecho
        return self.render("admin/tramite/anular_documento.html", doc=doc)
