"""Archivo central (Ley 25323, D.S. 008-92-JUS, directivas del AGN; docs/reglas.md §7).

Pantallas declarativas; las reglas viven en models.py (al guardar) y services/archivo.py. Los procesos
(recibir una transferencia, tramitar una eliminación) son páginas pequeñas que llaman a esos servicios.
"""

from __future__ import annotations

import io

import barcode
import sqlalchemy as sa
from barcode.writer import SVGWriter
from flask import abort, current_app, g, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import DateBetweenFilter, FilterEqual
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from markupsafe import Markup
from wtforms import TextAreaField

from admin_views.base import (
    CargadorAjax,
    FiltroSigla,
    PaginaSegura,
    VistaSegura,
    entero_id,
    fecha_o_none,
    filtro_alcance,
    opciones_enum,
    puede,
)
from admin_views.castellano import contar
from admin_views.excel import Libro
from admin_views.formatos import insignia
from models import (
    DestinoFinal,
    Eliminacion,
    EstadoEliminacion,
    EstadoPrestamo,
    EstadoTransferencia,
    EstadoUnidadConservacion,
    Prestamo,
    SerieDocumental,
    TipoUnidadConservacion,
    Transferencia,
    Ubicacion,
    UnidadConservacion,
    ahora_lima,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, archivo
from services.auditoria import registrar
from services.verificacion import qr_svg, url_publica

ETIQUETAS_A4 = 14  # etiquetas por hoja A4 (2 columnas × 7 filas)


def codigo_barras(texto: str) -> Markup:
    """Código 128 en SVG (lo leen los lectores de mano), sin el texto: la etiqueta lo imprime más grande. Se
    imprime a su tamaño natural (≈ 63 × 11 mm, con su margen), así las barras no tocan el texto de abajo."""
    salida = io.BytesIO()
    barcode.get("code128", texto, writer=SVGWriter()).write(
        salida, options={"write_text": False, "module_width": 0.33, "module_height": 9, "quiet_zone": 4,
                         "margin_top": 1, "margin_bottom": 1, "compress": False})
    svg = salida.getvalue().decode()
    return Markup(svg[svg.index("<svg"):])


# --------------------------------------------------------------------------- series
class SerieDocumentalView(VistaSegura):
    """Programa de Control de Documentos: series con retención y destino final."""

    permisos_por_defecto = {"archivo": "vced", "secretaria_general": "v", "unidad": "v"}
    column_list = ("codigo", "nombre", "unidad", "retencion_gestion_anios", "retencion_central_anios",
                   "destino_final", "acceso")
    column_searchable_list = ("codigo", "nombre")
    column_filters = (FiltroSigla(SerieDocumental.unidad_id, "Unidad productora"),
                      FilterEqual(SerieDocumental.destino_final, "Destino final", options=opciones_enum(DestinoFinal)))
    column_default_sort = "codigo"
    column_labels = {"codigo": "Código", "unidad": "Unidad productora",
                     "retencion_gestion_anios": "Años en archivo de gestión",
                     "retencion_central_anios": "Años en archivo central", "destino_final": "Destino final",
                     "acceso": "Acceso"}
    form_columns = ("codigo", "nombre", "unidad", "retencion_gestion_anios", "retencion_central_anios",
                    "destino_final", "acceso")
    form_args = {"codigo": {"description": "Como en el Programa de Control de Documentos aprobado."}}


# --------------------------------------------------------------------------- ubicaciones
def _ocupacion(view, context, u, name):
    """Cajas / capacidad con una barra; las cajas de todas las ubicaciones se cuentan una vez por petición."""
    if "_ocupadas" not in g:
        g._ocupadas = dict(db.session.execute(
            sa.select(UnidadConservacion.ubicacion_id, sa.func.count()).where(UnidadConservacion.ubicacion_id
                                                                              .is_not(None))
            .group_by(UnidadConservacion.ubicacion_id)).all())
    ocupadas = g._ocupadas.get(u.id, 0)
    pct = round(100 * ocupadas / u.capacidad) if u.capacidad else 0
    color = "danger" if pct >= 100 else "warning" if pct >= 80 else "success"
    return Markup('{} / {} <div class="progress" style="height:6px;width:90px"><div class="progress-bar bg-{}" '
                  'style="width:{}%"></div></div>').format(ocupadas, u.capacidad, color, min(pct, 100))


class UbicacionView(VistaSegura):
    """Ubicación topográfica (depósito – ambiente – estante – cuerpo – nivel) y su capacidad en cajas."""

    permisos_por_defecto = {"archivo": "vced", "secretaria_general": "v"}
    column_list = ("codigo", "deposito", "ambiente", "estante", "cuerpo", "nivel", "capacidad", "ocupadas")
    column_searchable_list = ("codigo",)
    column_filters = ("deposito", "ambiente", "estante")
    column_default_sort = "codigo"
    column_sortable_list = ("codigo", "deposito", "estante", "capacidad")
    column_labels = {"codigo": "Código", "deposito": "Depósito", "ocupadas": "Cajas / capacidad",
                     "capacidad": "Capacidad (cajas)"}
    column_formatters = {"ocupadas": _ocupacion}
    form_columns = ("deposito", "ambiente", "estante", "cuerpo", "nivel", "capacidad")
    repetir_al_agregar = ("deposito", "ambiente", "estante", "cuerpo", "capacidad")  # el siguiente nivel del estante
    sql_exportacion = {"ocupadas": Ubicacion.ocupadas}


# --------------------------------------------------------------------------- cajas
def _donde(view, context, c, name):
    return c.donde


class UnidadConservacionView(VistaSegura):
    """Cajas, archivadores, legajos…: la unidad ve las suyas; el archivo central, todas."""

    permisos_por_defecto = {"archivo": "vce", "secretaria_general": "v", "unidad": "vce"}
    column_list = ("codigo", "tipo", "serie", "unidad_productora", "fecha_inicial", "fecha_final", "folios",
                   "ubicacion", "estado")
    column_select_related_list = (UnidadConservacion.serie, UnidadConservacion.unidad_productora,
                                  UnidadConservacion.ubicacion)
    column_searchable_list = ("codigo", "descripcion")
    column_filters = (FilterEqual(UnidadConservacion.estado, "Estado", options=opciones_enum(EstadoUnidadConservacion)),
                      FilterEqual(UnidadConservacion.tipo, "Tipo", options=opciones_enum(TipoUnidadConservacion)),
                      FiltroSigla(UnidadConservacion.unidad_productora_id, "Unidad productora"),
                      DateBetweenFilter(UnidadConservacion.fecha_final, "Fecha final"))
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Código", "serie": "Serie", "unidad_productora": "Unidad productora",
                     "fecha_inicial": "Fecha inicial", "fecha_final": "Fecha final", "ubicacion": "Ubicación",
                     "descripcion": "Contenido", "transferencia": "Transferencia (inventario)",
                     "eliminacion": "Eliminación", "donde": "Dónde está", "expedientes": "Expedientes"}
    column_details_list = ("codigo", "tipo", "serie", "unidad_productora", "fecha_inicial", "fecha_final", "folios",
                           "descripcion", "estado", "donde", "transferencia", "eliminacion", "expedientes",
                           "observaciones")
    column_formatters = {"ubicacion": lambda v, c, m, n: Markup('<span class="text-nowrap">{}</span>').format(
        m.ubicacion.codigo) if m.ubicacion else ""}
    column_formatters_detail = {"donde": _donde, "expedientes": lambda v, c, m, n: Markup("<br>").join(
        Markup('<a href="{}">{}</a>').format(url_for("expediente.details_view", id=e.id), e.codigo)
        for e in m.expedientes[:200])}
    # el código lo saca el sistema (el siguiente de la unidad: GDU-2026-0001); nunca se escribe
    form_columns = ("tipo", "serie", "unidad_productora", "fecha_inicial", "fecha_final", "folios",
                    "descripcion", "transferencia", "observaciones")
    campos_edicion = ("tipo", "folios", "descripcion", "transferencia", "ubicacion", "observaciones")
    form_overrides = {"descripcion": TextAreaField}
    form_args = {"unidad_productora": {"description": "Vacía: la unidad del usuario (una unidad solo registra las "
                                                      "suyas)."},
                 "transferencia": {"description": "Para listarla en el inventario de una transferencia programada."},
                 "ubicacion": {"description": "Solo para una caja en el archivo central (mover de lugar)."}}
    form_ajax_refs = {"serie": CargadorAjax("serie", SerieDocumental, ["codigo", "nombre"]),
                      "transferencia": CargadorAjax("transferencia", Transferencia, ["codigo"]),
                      "ubicacion": CargadorAjax("ubicacion", Ubicacion, ["codigo"])}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-barcode", ".etiqueta", title="Etiqueta"),
                                EndpointLinkRowAction("fa fa-exchange", "prestamo.create_view", title="Prestar",
                                                      id_arg="caja_id")]
    acciones_endpoint = {"etiqueta": "ver", "etiquetas": "ver"}
    acciones_permiso = {"etiquetas": "ver", "transferir_agn": "editar", "transferir": "editar"}

    @action("transferir", "Transferir al archivo central",
            "¿Programar hoy la transferencia al archivo central de las cajas seleccionadas, con su inventario?")
    def action_transferir(self, ids):
        if not puede("transferencia", "crear"):
            abort(403)
        cajas = self.get_query().filter(UnidadConservacion.id.in_([int(i) for i in ids])).all()

        def transferir():
            t = archivo.transferir_cajas(cajas, current_user)
            return Markup('{}: programada con {} — <a href="{}">ver el inventario</a>.').format(
                t.codigo, contar(len(cajas), "caja", "cajas"), url_for("transferencia.inventario", id=t.id))

        return self.ejecutar(transferir, url_for(".index_view"))

    def on_model_change(self, form, model, is_created):
        if is_created:
            archivo.registrar_caja(model)
            return
        if current_user.alcance_unidad and sa.inspect(model).attrs.estado.loaded_value != \
                EstadoUnidadConservacion.en_gestion:
            raise ErrorDeRegla(f"La caja {model.codigo} ya salió del archivo de gestión de la unidad: solo el "
                               "archivo central la modifica.")
        if "ubicacion" in form and model.ubicacion is not None and \
                model.estado not in (EstadoUnidadConservacion.en_archivo, EstadoUnidadConservacion.prestada):
            raise ErrorDeRegla("Solo una caja que está en el archivo central tiene ubicación: la recibe el archivo "
                               "con su transferencia.")

    @action("transferir_agn", "Transferidas al AGN / archivo regional",
            "¿Registrar que las cajas seleccionadas pasaron al AGN o al archivo regional?")
    def action_transferir_agn(self, ids):
        return self.en_lote(ids, archivo.transferir_al_agn, "{n} cajas transferidas al AGN o archivo regional.")

    @action("etiquetas", "Imprimir etiquetas")
    def action_etiquetas(self, ids):
        return redirect(url_for(".etiquetas", id=[int(i) for i in ids]))

    def _etiquetas(self, cajas: list[UnidadConservacion], hoja: bool):
        for c in cajas:
            registrar("imprimir", "unidad_conservacion", c.id, "Etiqueta")
        db.session.commit()
        # un QR estándar (no Micro QR: lo leen las cámaras de los teléfonos) con la dirección pública de la caja
        return self.render("admin/archivo/etiquetas.html", cajas=cajas, hoja=hoja, barras=codigo_barras,
                           qr=lambda c: qr_svg(url_publica("unidad_conservacion.details_view", id=c.id), escala=2),
                           url=lambda c: url_publica("unidad_conservacion.details_view", id=c.id),
                           municipalidad=current_app.config["MUNICIPALIDAD"])

    @expose("/etiqueta/")
    def etiqueta(self):
        """Una etiqueta, a su tamaño (impresora de etiquetas o recortar)."""
        return self._etiquetas([self.get_one(request.args.get("id"))], hoja=False)

    @expose("/etiquetas/")
    def etiquetas(self):
        """Hoja A4 de etiquetas de las cajas elegidas (14 por hoja)."""
        cajas = [self.get_one(i) for i in request.args.getlist("id")[:ETIQUETAS_A4 * 20]]
        if not cajas:
            return redirect(url_for(".index_view"))
        return self._etiquetas(cajas, hoja=True)


# --------------------------------------------------------------------------- transferencias
class TransferenciaView(VistaSegura):
    """Transferencias al archivo central (cronograma anual); el inventario son sus cajas."""

    permisos_por_defecto = {"archivo": "vce", "secretaria_general": "v", "unidad": "vc"}
    column_list = ("codigo", "unidad_origen", "fecha", "estado", "fecha_recepcion", "entregado_por")
    column_select_related_list = (Transferencia.unidad_origen,)
    column_searchable_list = ("codigo",)
    column_filters = (FilterEqual(Transferencia.estado, "Estado", options=opciones_enum(EstadoTransferencia)),
                      FiltroSigla(Transferencia.unidad_origen_id, "Unidad"), FilterEqual(Transferencia.anio, "Año"),
                      DateBetweenFilter(Transferencia.fecha, "Fecha programada"))
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Número", "unidad_origen": "Unidad que transfiere", "fecha": "Fecha programada",
                     "fecha_recepcion": "Recibida el", "entregado_por": "Entrega (nombre)",
                     "recibido_por": "Recibe", "anio": "Año"}
    form_columns = ("unidad_origen", "fecha", "entregado_por", "observaciones")
    campos_edicion = ("fecha", "entregado_por")
    form_overrides = {"observaciones": TextAreaField}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-list-ol", ".inventario", title="Inventario"),
                                EndpointLinkRowAction("fa fa-check-square-o", ".recibir", title="Recibir u observar")]
    list_template = "admin/archivo/transferencias.html"  # con el enlace al cronograma
    bloqueadas = ("eliminar",)  # el número no se reutiliza
    acciones_endpoint = {"inventario": "ver", "inventario_xlsx": "exportar", "recibir": "editar",
                         "cronograma": "ver"}

    def on_model_change(self, form, model, is_created):
        if is_created:
            archivo.programar_transferencia(model)

    @expose("/recibir/", methods=("GET", "POST"))
    def recibir(self):
        """El archivo central recibe el inventario y ubica cada caja, u observa la transferencia."""
        t = self.get_one(request.args.get("id"))
        if request.method == "POST":
            if request.form.get("operacion") == "observar":
                hecho = self.ejecutar(lambda: archivo.observar_transferencia(t, request.form.get("observaciones", ""))
                                      or f"{t.codigo}: observada; la unidad corrige su inventario.",
                                      url_for(".inventario", id=t.id))
            else:
                def recibir():
                    lugares = {}
                    for caja in t.unidades:
                        uid = entero_id(request.form.get(f"ubicacion_{caja.id}"))
                        lugares[caja.id] = db.session.get(Ubicacion, uid) if uid else None
                    archivo.recibir_transferencia(t, current_user, lugares)
                    return f"{t.codigo}: recibida; {len(t.unidades)} cajas ubicadas."

                # se queda aquí: el aviso, dónde quedó cada caja, el inventario para firmar y «Prestar»
                hecho = self.ejecutar(recibir, url_for(".recibir", id=t.id))
            if hecho:
                return hecho
        libres = db.session.execute(
            sa.select(Ubicacion.id, Ubicacion.codigo, Ubicacion.capacidad - Ubicacion.ocupadas)
            .where(Ubicacion.capacidad > Ubicacion.ocupadas).order_by(Ubicacion.codigo).limit(500)).all()
        return self.render("admin/archivo/recibir.html", t=t, libres=libres, form=request.form,
                           sugeridas=archivo.ubicaciones_sugeridas(t.unidades, libres),
                           puede_prestar=puede("prestamo", "crear"))

    def _inventario(self, t):
        filas = []
        for n, c in enumerate(t.unidades, start=1):
            filas.append({"n": n, "serie": f"{c.serie.codigo} – {c.serie.nombre}", "desde": c.fecha_inicial,
                          "hasta": c.fecha_final, "unidad": f"{c.tipo.etiqueta} {c.codigo}", "folios": c.folios,
                          "ubicacion": c.ubicacion.codigo if c.ubicacion else "", "obs": c.observaciones or ""})
        return filas

    @expose("/inventario/")
    def inventario(self):
        """Inventario de transferencia imprimible (formato del AGN), con las firmas de ambos lados."""
        t = self.get_one(request.args.get("id"))
        registrar("imprimir", "transferencia", t.id, "Inventario de transferencia")
        db.session.commit()
        return self.render("admin/archivo/inventario.html", t=t, filas=self._inventario(t),
                           municipalidad=current_app.config["MUNICIPALIDAD"], impreso=ahora_lima(),
                           puede_recibir=self.puede("editar") and t.estado != EstadoTransferencia.recibida,
                           puede_exportar=self.puede("exportar"))

    @expose("/inventario.xlsx")
    def inventario_xlsx(self):
        t = self.get_one(request.args.get("id"))
        salida = libro_inventario(t, self._inventario(t))
        registrar("exportar", "transferencia", t.id, "Inventario de transferencia (Excel)")
        db.session.commit()
        return send_file(salida, as_attachment=True, download_name=f"inventario_{t.codigo}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/cronograma/")
    def cronograma(self):
        """Cronograma anual de transferencias, con las unidades atrasadas."""
        anio = request.args.get("anio", type=int) or hoy_lima().year
        anio = anio if 2000 <= anio <= 2100 else hoy_lima().year
        filas = archivo.cronograma(anio)
        alcance = filtro_alcance(Transferencia)
        if alcance is not None:
            filas = [f for f in filas if f["t"].unidad_origen_id == current_user.unidad_id]
        return self.render("admin/archivo/cronograma.html", anio=anio, filas=filas,
                           atrasadas=sorted({f["t"].unidad_origen.sigla for f in filas if f["atrasada"]}))


COLUMNAS_INVENTARIO = ("N° de orden", "Serie documental", "Fecha inicial", "Fecha final",
                       "Unidad de conservación", "Folios", "Ubicación topográfica", "Observaciones")


def libro_inventario(t: Transferencia, filas: list[dict]) -> io.BytesIO:
    """Excel del inventario de transferencia con la cabecera, las columnas del AGN y las firmas."""
    cab = [("Entidad", current_app.config["MUNICIPALIDAD"]), ("Transferencia", t.codigo),
           ("Unidad que transfiere", f"{t.unidad_origen.sigla} – {t.unidad_origen.nombre}"),
           ("Fecha programada", t.fecha), ("Estado", t.estado.etiqueta)]
    r0 = len(cab) + 2
    libro = Libro(io.BytesIO())
    h = libro.hoja("Inventario", fila_titulos=r0, congelar=False)
    h.texto(0, 0, "Inventario de transferencia de documentos al Archivo Central", "grande")
    for r, (k, v) in enumerate(cab, start=1):
        h.texto(r, 0, k, "negrita")
        h.valor(r, 1, v)
    h.titulos(r0, COLUMNAS_INVENTARIO)
    for r, f in enumerate(filas, start=r0 + 1):
        for c, v in enumerate((f["n"], f["serie"], f["desde"], f["hasta"], f["unidad"], f["folios"], f["ubicacion"],
                               f["obs"])):
            h.valor(r, c, v, formato="borde")
    fin = r0 + len(filas) + 1
    h.fin_tabla = fin - 1
    h.texto(fin, 4, "Total de folios", "negrita")
    h.valor(fin, 5, sum(f["folios"] for f in filas))
    recibe = t.recibido_por.nombre if t.recibido_por else ""
    h.texto(fin + 3, 1, "Entregado por (unidad): " + (t.entregado_por or ""))
    h.texto(fin + 3, 4, "Recibido por (Archivo Central): " + recibe)
    h.cerrar(filtro=False)
    return libro.cerrar()


# --------------------------------------------------------------------------- préstamos
class FiltroEstadoPrestamo(FilterEqual):
    def apply(self, query, value, alias=None):
        return query.filter(Prestamo.estado == value)


def _estado_prestamo(view, context, p, name):
    clase = {"vencido": "danger", "vigente": "success", "devuelto": "secondary"}[p.estado.value]
    return insignia(p.estado.etiqueta, clase)


class PrestamoView(VistaSegura):
    """Préstamos internos: vigente, vencido o devuelto (derivado de las fechas)."""

    permisos_por_defecto = {"archivo": "vce", "secretaria_general": "v", "unidad": "v"}
    column_list = ("unidad_conservacion", "unidad_solicitante", "solicitante", "fecha_prestamo",
                   "fecha_devolucion_prevista", "fecha_devolucion", "estado")
    column_select_related_list = (Prestamo.unidad_conservacion, Prestamo.unidad_solicitante)
    column_searchable_list = ("solicitante", "unidad_conservacion.codigo")
    column_filters = (FiltroEstadoPrestamo(Prestamo.fecha_devolucion_prevista, "Estado",
                                           options=opciones_enum(EstadoPrestamo)),
                      FiltroSigla(Prestamo.unidad_solicitante_id, "Unidad solicitante"),
                      DateBetweenFilter(Prestamo.fecha_prestamo, "Fecha del préstamo"))
    column_default_sort = ("id", True)
    column_labels = {"unidad_conservacion": "Caja", "unidad_solicitante": "Unidad solicitante",
                     "solicitante": "Solicitante",
                     "fecha_prestamo": "Prestada el", "fecha_devolucion_prevista": "Devolver hasta",
                     "fecha_devolucion": "Devuelta el", "unidad_conservacion.codigo": "Caja"}
    column_formatters = {"estado": _estado_prestamo}
    form_columns = ("unidad_conservacion", "unidad_solicitante", "solicitante", "fecha_prestamo",
                    "fecha_devolucion_prevista", "observaciones")
    campos_edicion = ("fecha_devolucion", "observaciones")
    campos_opcionales = ("fecha_prestamo", "fecha_devolucion_prevista")
    form_args = {"fecha_devolucion_prevista": {"description": "Vacío: 10 días hábiles después del préstamo."},
                 "fecha_prestamo": {"description": "Vacío: hoy."}}
    form_ajax_refs = {"unidad_conservacion": CargadorAjax("unidad_conservacion", UnidadConservacion, ["codigo"])}
    bloqueadas = ("eliminar",)
    acciones_permiso = {"devolver": "editar"}
    sql_exportacion = {"estado": Prestamo.estado}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        caja = db.session.get(UnidadConservacion, entero_id(request.args.get("caja_id")) or 0) \
            if request.method == "GET" else None
        if caja is not None:  # «Prestar» desde la fila de la caja: la caja y, por defecto, su unidad
            form.unidad_conservacion.data = caja
            form.unidad_solicitante.data = caja.unidad_productora
        return form

    def on_model_change(self, form, model, is_created):
        if is_created:
            archivo.completar_prestamo(model)

    @action("devolver", "Devuelta hoy", "¿Registrar hoy la devolución de las cajas seleccionadas?")
    def action_devolver(self, ids):
        return self.en_lote(ids, lambda p: archivo.devolver(p), "{n} préstamos devueltos.")


# --------------------------------------------------------------------------- eliminaciones
class EliminacionView(VistaSegura):
    """Eliminación de documentos: propuesta → comité → AGN (resolución) → ejecutada con acta."""

    permisos_por_defecto = {"archivo": "vce", "secretaria_general": "v"}
    column_list = ("codigo", "estado", "fecha_propuesta", "acta_comite", "resolucion_autorizacion",
                   "fecha_ejecucion", "acta_eliminacion")
    column_searchable_list = ("codigo", "resolucion_autorizacion")
    column_filters = (FilterEqual(Eliminacion.estado, "Estado", options=opciones_enum(EstadoEliminacion)),
                      FilterEqual(Eliminacion.anio, "Año"))
    column_default_sort = ("id", True)
    column_labels = {"codigo": "Número", "fecha_propuesta": "Propuesta el",
                     "fecha_aprobacion_comite": "Aprobada por el comité el", "acta_comite": "Acta del comité",
                     "resolucion_autorizacion": "Resolución del AGN", "fecha_autorizacion": "Autorizada el",
                     "fecha_ejecucion": "Ejecutada el", "acta_eliminacion": "Acta de eliminación"}
    form_columns = ("observaciones",)
    campos_edicion = ("observaciones",)
    form_overrides = {"observaciones": TextAreaField}
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-tasks", ".tramitar", title="Cajas y trámite")]
    bloqueadas = ("eliminar",)
    acciones_endpoint = {"tramitar": "ver", "operar": "editar"}

    def on_model_change(self, form, model, is_created):
        if is_created:
            archivo.numerar_eliminacion(model)

    def get_save_return_url(self, model, is_created=False):
        return url_for(".tramitar", id=model.id) if is_created else super().get_save_return_url(model, is_created)

    @expose("/operar/", methods=("POST",))
    def operar(self):
        """Agregar o quitar cajas (mientras es propuesta) y cada paso: comité, AGN, ejecución («editar»)."""
        e = self.get_one(request.args.get("id"))
        return self.ejecutar(lambda: self._operar(e, request.form), url_for(".tramitar", id=e.id)) or \
            self.tramitar()

    @expose("/tramitar/")
    def tramitar(self):
        """Las cajas de la eliminación, las candidatas (retención cumplida) y los pasos que faltan."""
        e = self.get_one(request.args.get("id"))
        candidatas = []
        if e.estado == EstadoEliminacion.propuesta:
            for f in archivo.retencion_cumplida(e.fecha_propuesta.year):
                if not f["permanente"]:
                    candidatas += archivo.cajas_con_retencion_cumplida(f["serie_id"], e.fecha_propuesta.year)
        return self.render("admin/archivo/eliminacion.html", e=e, candidatas=candidatas[:500], form=request.form,
                           puede_editar=self.puede("editar"))

    @staticmethod
    def _operar(e, f):
        operacion = f.get("operacion", "")
        if operacion == "agregar":
            ids = [i for i in (entero_id(x) for x in f.getlist("caja")) if i]
            if not ids:
                raise ErrorDeRegla("Elija las cajas que propone eliminar.")
            for caja in db.session.scalars(sa.select(UnidadConservacion).where(UnidadConservacion.id.in_(ids))):
                caja.eliminacion = e
            return f"{e.codigo}: {len(ids)} cajas propuestas."
        if operacion == "quitar":
            caja = db.session.get(UnidadConservacion, entero_id(f.get("caja")) or 0)
            if caja is None or caja.eliminacion_id != e.id or e.estado != EstadoEliminacion.propuesta:
                raise ErrorDeRegla("Solo se quita una caja de una propuesta aún no aprobada.")
            caja.eliminacion = None
            return f"{e.codigo}: caja {caja.codigo} retirada de la propuesta."
        fecha = fecha_o_none(f.get("fecha"))
        if operacion in ("aprobar", "autorizar", "ejecutar") and fecha is None:
            raise ErrorDeRegla("Indique la fecha (dd/mm/aaaa).")
        if operacion == "aprobar":
            archivo.aprobar_eliminacion(e, fecha, f.get("documento", ""))
        elif operacion == "autorizar":
            archivo.autorizar_eliminacion(e, f.get("documento", ""), fecha)
        elif operacion == "ejecutar":
            archivo.ejecutar_eliminacion(e, fecha, f.get("documento", ""))
        else:
            raise ErrorDeRegla("Operación desconocida.")
        db.session.flush()
        return f"{e.codigo}: {e.estado.etiqueta.lower()}."


# --------------------------------------------------------------------------- páginas: búsqueda, ocupación, retención
class BuscarArchivoView(PaginaSegura):
    """«¿Dónde está y está prestado?»: una sola caja de búsqueda."""

    permisos_por_defecto = {"archivo": "v", "secretaria_general": "v", "unidad": "v"}

    @expose("/")
    def index(self):
        texto = (request.args.get("q") or "").strip()[:100]
        alcance = current_user.unidad_id if current_user.alcance_unidad else None
        return self.render("admin/archivo/buscar.html", q=texto, resultados=archivo.buscar(texto, alcance))


class OcupacionArchivoView(PaginaSegura):
    """Ocupación por depósito y estante, con una barra por estante."""

    permisos_por_defecto = {"archivo": "v", "secretaria_general": "v"}

    @expose("/")
    def index(self):
        return self.render("admin/archivo/ocupacion.html", depositos=archivo.ocupacion())


class RetencionArchivoView(PaginaSegura):
    """Retención cumplida por serie (transferir al AGN o proponer eliminación) y préstamos vencidos."""

    permisos_por_defecto = {"archivo": "v", "secretaria_general": "v"}

    @expose("/")
    def index(self):
        anio = request.args.get("anio", type=int) or hoy_lima().year
        anio = anio if 2000 <= anio <= 2100 else hoy_lima().year
        return self.render("admin/archivo/retencion.html", anio=anio, filas=archivo.retencion_cumplida(anio),
                           vencidos=archivo.prestamos_vencidos(), hoy=hoy_lima())
