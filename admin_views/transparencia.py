"""Transparencia (TUO Ley 27806): registro de solicitudes de acceso a la información y su atención.

La pantalla es declarativa; cada botón de «Atender solicitud» llama a una operación de
services/transparencia.py, que valida la regla (docs/reglas.md §4).
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import current_app, flash, render_template, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, DateBetweenFilter, FilterEqual
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectField, TextAreaField

from admin_views.base import (
    EJEMPLO_FECHA,
    CargadorAjax,
    FiltroSigla,
    PaginaSegura,
    VistaSegura,
    entero,
    error_en,
    fila_de,
    leer_fecha,
    opciones_enum,
)
from admin_views.excel import libro_reporte
from models import (
    EstadoSolicitud,
    ExcepcionTransparencia,
    Expediente,
    FormaEntrega,
    Persona,
    SolicitudAcceso,
    UnidadOrganica,
    db,
    hoy_lima,
)
from services import transparencia
from services.auditoria import registrar
from services.transparencia import RESPUESTAS
from services.verificacion import qr_svg, url_publica

SEMAFORO = {"vencida": ("danger", "Vencida"), "por_vencer": ("warning", "Vence en ≤ 2 días hábiles"),
            "a_tiempo": ("success", "A tiempo")}


def _vence(view, context, sol, name):
    """Fecha de vencimiento (la prorrogada si hubo prórroga) con el semáforo."""
    color = transparencia.semaforo(sol)
    texto = f"{sol.vencimiento_efectivo:%d/%m/%Y}"
    if color is None:
        return texto
    clase, titulo = SEMAFORO[color]
    if color == "vencida":
        titulo = "Denegatoria ficta"
    return Markup('{} <span class="badge badge-{}" title="{}">{}</span>').format(texto, clase, titulo, titulo)


class FiltroSemaforo(FilterEqual):
    """Semáforo del plazo, calculado con la fecha de hoy al aplicar el filtro."""

    def apply(self, query, value, alias=None):
        return query.filter(transparencia.condicion_semaforo(value))


class FiltroDenegatoriaFicta(BooleanEqualFilter):
    def apply(self, query, value, alias=None):
        cond = SolicitudAcceso.denegatoria_ficta
        return query.filter(cond if value in (True, "1") else ~cond)


class SolicitudAccesoView(VistaSegura):
    permisos_por_defecto = {"secretaria_general": "vce", "transparencia": "vce"}
    acciones_endpoint = {"cargo": "crear"}  # el cargo lleva la clave de consulta: lo imprime quien la registra
    column_list = ("codigo", "fecha_presentacion", "persona", "informacion_solicitada", "forma_entrega",
                   "unidad_poseedora", "estado", "fecha_vencimiento")
    column_select_related_list = (SolicitudAcceso.persona, SolicitudAcceso.unidad_poseedora)
    column_searchable_list = ("codigo", "informacion_solicitada", "persona.numero_documento", "persona.nombres",
                              "persona.apellidos", "persona.razon_social")
    column_filters = (
        FiltroSemaforo(SolicitudAcceso.fecha_vencimiento, "Semáforo",
                       options=[(k, v[1]) for k, v in SEMAFORO.items()]),
        FiltroDenegatoriaFicta(SolicitudAcceso.fecha_vencimiento, "Denegatoria ficta"),
        FilterEqual(SolicitudAcceso.estado, "Estado", options=opciones_enum(EstadoSolicitud)),
        FilterEqual(SolicitudAcceso.forma_entrega, "Forma de entrega", options=opciones_enum(FormaEntrega)),
        FiltroSigla(SolicitudAcceso.unidad_poseedora_id, "Unidad que posee la información"),
        DateBetweenFilter(SolicitudAcceso.fecha_presentacion, "Fecha de presentación"),
        FilterEqual(SolicitudAcceso.anio, "Año"),
    )
    column_default_sort = ("id", True)
    column_labels = {
        "codigo": "Número", "fecha_presentacion": "Presentación", "persona": "Solicitante",
        "informacion_solicitada": "Información solicitada", "forma_entrega": "Forma de entrega",
        "unidad_poseedora": "Unidad que posee la información", "fecha_vencimiento": "Vence",
        "fecha_recepcion": "Recibida", "anio": "Año", "numero": "Número correlativo", "sexo": "Sexo del solicitante",
        "observacion": "Observación (requisitos faltantes)", "fecha_observacion": "Observada el",
        "fecha_subsanacion": "Subsanada el", "prorroga": "Prórroga", "motivo_prorroga": "Motivo de la prórroga",
        "fecha_comunicacion_prorroga": "Prórroga comunicada el", "fecha_vencimiento_prorroga": "Nueva fecha de entrega",
        "entidad_derivada": "Encauzada a", "fecha_encauzamiento": "Encauzada el", "fecha_respuesta": "Respondida el",
        "excepcion_legal": "Excepción (arts. 15–17)", "informacion_denegada": "Información reservada",
        "fundamento_denegatoria": "Fundamento de la denegatoria", "paginas": "Páginas", "discos": "Discos (CD)",
        "costo_reproduccion": "Costo de reproducción (S/)", "recibo_pago": "Recibo de pago",
        "denegatoria_ficta": "Denegatoria ficta", "fecha_apelacion": "Apelada el",
        "fecha_elevacion": "Elevada al Tribunal el", "resultado_apelacion": "Resultado de la apelación",
        "persona.numero_documento": "N° de documento", "persona.nombres": "Nombres",
        "persona.apellidos": "Apellidos", "persona.razon_social": "Razón social", "expediente": "Expediente",
    }
    column_details_list = ("codigo", "fecha_recepcion", "fecha_presentacion", "persona", "sexo",
                           "informacion_solicitada", "forma_entrega", "unidad_poseedora", "expediente", "estado",
                           "fecha_vencimiento", "denegatoria_ficta", "observacion", "fecha_observacion",
                           "fecha_subsanacion", "prorroga", "motivo_prorroga", "fecha_comunicacion_prorroga",
                           "fecha_vencimiento_prorroga", "entidad_derivada", "fecha_encauzamiento", "paginas",
                           "discos", "costo_reproduccion", "recibo_pago", "fecha_respuesta", "excepcion_legal",
                           "informacion_denegada", "fundamento_denegatoria", "fecha_apelacion", "fecha_elevacion",
                           "resultado_apelacion")
    column_formatters = {"fecha_vencimiento": _vence,
                         "informacion_solicitada": lambda v, c, m, n: m.informacion_solicitada[:80]}
    column_formatters_detail = {"fecha_vencimiento": _vence, "expediente": lambda v, c, m, n: Markup(
        '<a href="{}">{}</a>').format(url_for("expediente.details_view", id=m.expediente_id), m.expediente.codigo)
        if m.expediente_id else ""}
    form_columns = ("expediente", "persona", "sexo", "informacion_solicitada", "forma_entrega", "unidad_poseedora")
    campos_opcionales = ("persona",)  # con un expediente, su remitente
    campos_edicion = ("sexo", "unidad_poseedora")
    form_overrides = {"informacion_solicitada": TextAreaField, "sexo": SelectField}
    form_args = {"sexo": {"label": "Sexo del solicitante (si lo declara)",
                          "choices": [("", "No declara"), ("F", "Femenino"), ("M", "Masculino")]},
                 "informacion_solicitada": {"description": "Lo que pide, con precisión (formulario oficial)."},
                 "unidad_poseedora": {"description": "La unidad orgánica que tiene la información."},
                 "expediente": {"label": "Desde un expediente (opcional)",
                                "description": "Si la solicitud ya ingresó por Mesa de Partes: toma su remitente y "
                                               "su fecha de presentación, y se deriva por ese expediente."}}
    form_ajax_refs = {"persona": CargadorAjax("persona", Persona, ["numero_documento", "nombres", "apellidos",
                                                                   "razon_social"]),
                      "expediente": CargadorAjax("expediente", Expediente, ["codigo", "asunto"])}

    def validar(self, form):
        if "expediente" in form and form.expediente.data is None and form.persona.data is None:
            return error_en(form, "persona", "Elija al solicitante (o el expediente por el que ingresó).")
        return True
    column_extra_row_actions = [EndpointLinkRowAction("fa fa-tasks", ".atender", title="Atender solicitud"),
                                EndpointLinkRowAction("fa fa-print", ".cargo", title="Cargo (número y clave)")]
    bloqueadas = ("eliminar",)  # el número no se reutiliza

    def on_model_change(self, form, model, is_created):
        model.sexo = model.sexo or None
        if is_created:
            transparencia.registrar_solicitud(model, current_user.unidad)

    def after_model_change(self, form, model, is_created):
        if is_created:  # el cargo se entrega al solicitante en el mostrador
            flash(Markup('{}: presentada el {:%d/%m/%Y}, vence el {:%d/%m/%Y}. <a href="{}" target="_blank">Imprimir '
                         'el cargo</a> (número y clave de consulta).').format(
                model.codigo, model.fecha_presentacion, model.fecha_vencimiento, url_for(".cargo", id=model.id)),
                "success")

    @expose("/cargo/")
    def cargo(self):
        """El cargo imprimible de la solicitud (número, clave y plazo), el mismo de la página pública."""
        sol = self.get_one(request.args.get("id"))
        registrar("imprimir", "solicitud_acceso", sol.id, "Cargo")
        db.session.commit()
        url = url_publica("publico.consulta", codigo=sol.codigo)
        return render_template("publico/cargo_transparencia.html", sol=sol, url=url,
                               qr=qr_svg(f"{url}&clave={sol.clave}"))

    @expose("/atender/", methods=("GET", "POST"))
    def atender(self):
        """Una página con las operaciones de la ley: cada formulario envía su `operacion`."""
        sol = self.get_one(request.args.get("id"))
        errores: dict[str, str] = {}
        if request.method == "POST":
            operacion = request.form.get("operacion", "")
            hacer = self._operacion(sol, operacion, errores)
            if hacer is not None and not errores:
                hecho = self.ejecutar(hacer, url_for(".atender", id=sol.id))
                if hecho:
                    return hecho
        excepciones = db.session.scalars(sa.select(ExcepcionTransparencia).order_by(ExcepcionTransparencia.id)).all()
        unidades = db.session.scalars(sa.select(UnidadOrganica).where(UnidadOrganica.activa)
                                      .order_by(UnidadOrganica.sigla)).all()
        return self.render("transparencia/atender.html", sol=sol, errores=errores, excepciones=excepciones,
                           unidades=unidades,
                           respuestas=RESPUESTAS, semaforo=transparencia.semaforo(sol), SEMAFORO=SEMAFORO,
                           plazo_subsanacion=transparencia.plazo_subsanacion(sol) if sol.fecha_observacion else None,
                           limite_prorroga=transparencia.limite_desde_presentacion(
                               sol, current_app.config["TRANSPARENCIA_DIAS_PRORROGA"]),
                           limite_observacion=transparencia.limite_observacion(sol))

    def _operacion(self, sol, operacion: str, errores: dict):
        """La función que aplica la operación pedida (o None si falta un dato: el error va junto al campo)."""
        f = request.form

        def fecha(campo: str, obligatoria: bool = True):
            texto = (f.get(campo) or "").strip()
            if not texto and not obligatoria:
                return None
            try:
                return leer_fecha(texto)
            except ValueError:
                errores[campo] = f"Indique la fecha ({EJEMPLO_FECHA})."
                return None

        def cantidad(campo: str) -> int:
            n = entero((f.get(campo) or "0").strip(), -100_000, 100_000)  # el signo lo juzga la regla (liquidar)
            if n is None:
                errores[campo] = "Escriba un número entero (hasta 100 000)."
                return 0
            return n

        def observar():
            transparencia.observar(sol, f.get("observacion", ""), fecha("fecha_observacion"))
            return f"{sol.codigo}: observada; el solicitante subsana hasta el " \
                   f"{transparencia.plazo_subsanacion(sol):%d/%m/%Y}."

        def subsanar():
            transparencia.subsanar(sol, fecha("fecha_subsanacion"))
            return f"{sol.codigo}: subsanada; vence el {sol.fecha_vencimiento:%d/%m/%Y}."

        def prorrogar():
            transparencia.prorrogar(sol, fecha("fecha_comunicacion"), fecha("nueva_fecha"), f.get("motivo", ""))
            return f"{sol.codigo}: prórroga registrada; entrega hasta el {sol.fecha_vencimiento_prorroga:%d/%m/%Y}."

        def encauzar():
            transparencia.encauzar(sol, f.get("entidad", ""), fecha("fecha_encauzamiento"))
            return f"{sol.codigo}: encauzada a {sol.entidad_derivada}; comuníquelo al solicitante."

        def derivar():
            destino = fila_de(UnidadOrganica, f.get("unidad"))
            return transparencia.derivar_a_unidad(sol, destino, f.get("proveido", ""), current_user)

        def liquidar():
            costo = transparencia.liquidar(sol, cantidad("paginas"), cantidad("discos"))
            return f"{sol.codigo}: liquidación S/ {costo:.2f}."

        def responder():
            excepcion = fila_de(ExcepcionTransparencia, f.get("excepcion"))
            transparencia.responder(sol, f.get("tipo", ""), fecha("fecha_respuesta"), excepcion,
                                    f.get("informacion_denegada", ""), f.get("fundamento", ""),
                                    f.get("recibo_pago", ""))
            return f"{sol.codigo}: {sol.estado.etiqueta.lower()}."

        def apelar():
            transparencia.apelar(sol, fecha("fecha_apelacion"), fecha("fecha_elevacion", obligatoria=False),
                                 f.get("resultado", ""))
            return f"{sol.codigo}: apelación registrada."

        hacer = {"observar": observar, "subsanar": subsanar, "prorrogar": prorrogar, "encauzar": encauzar,
                 "derivar": derivar, "liquidar": liquidar, "responder": responder, "apelar": apelar}.get(operacion)
        if hacer is None:
            errores["operacion"] = "Operación desconocida."
        return hacer


class ExcepcionTransparenciaView(VistaSegura):
    permisos_por_defecto = {"secretaria_general": "vce", "transparencia": "v"}
    column_list = ("codigo", "articulo", "texto")
    column_labels = {"codigo": "Artículo", "articulo": "Excepción", "texto": "Texto"}
    column_default_sort = "id"
    form_columns = ("codigo", "articulo", "texto")
    form_overrides = {"texto": TextAreaField}
    bloqueadas = ("eliminar",)  # las denegatorias la citan


# --------------------------------------------------------------------------- informe anual
INDICADORES = (("recibidas", "Solicitudes recibidas"), ("atendidas", "Atendidas (total o parcialmente)"),
               ("denegadas", "Denegadas (total o parcialmente)"), ("pendientes", "En trámite (pendientes)"),
               ("denegatoria_ficta", "Vencidas sin respuesta (denegatoria ficta)"),
               ("encauzadas", "Encauzadas a otra entidad"), ("desistidas", "Desistidas"),
               ("no_presentadas", "No presentadas (sin subsanar)"), ("prorrogadas", "Con prórroga"),
               ("apeladas", "Apeladas al Tribunal de Transparencia"),
               ("promedio_dias", "Promedio de días hábiles de respuesta"),
               ("costo_total", "Costo de reproducción liquidado (S/)"))


def distribucion(r: dict) -> list[tuple[str, int]]:
    """Cada solicitud del año en un solo estado (suma = recibidas): la torta del resumen."""
    return [("Entregadas", r["atendidas"] - r["parcialmente_denegadas"]),
            ("Parcialmente denegadas", r["parcialmente_denegadas"]), ("Denegadas", r["denegadas_total"]),
            ("En trámite", r["pendientes"]), ("Encauzadas", r["encauzadas"]), ("Desistidas", r["desistidas"]),
            ("No presentadas", r["no_presentadas"])]


class ReporteTransparenciaView(PaginaSegura):
    """Informe anual (TUO Ley 27806): la página y su libro Excel con gráficos nativos y portada."""
    permisos_por_defecto = {"secretaria_general": "v", "transparencia": "v"}

    acciones_endpoint = {"xlsx": "exportar"}  # el Excel exige «exportar» (403), como en una VistaSegura

    def _anio(self) -> int:
        anio = request.args.get("anio", type=int) or hoy_lima().year
        return anio if 2000 <= anio <= 2100 else hoy_lima().year

    @expose("/")
    def index(self):
        anio = self._anio()
        informe = transparencia.informe_anual(anio)
        return self.render("transparencia/informe.html", anio=anio, i=informe, indicadores=INDICADORES,
                           distribucion=distribucion(informe["resumen"]), puede_exportar=self.puede("exportar"))

    @expose("/xlsx/")
    def xlsx(self):
        anio = self._anio()
        salida = libro_informe(transparencia.informe_anual(anio))
        registrar("exportar", self.endpoint, None, f"Informe anual de transparencia {anio}")
        db.session.commit()
        return send_file(salida, as_attachment=True, download_name=f"informe_transparencia_{anio}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def libro_informe(i: dict) -> io.BytesIO:
    """Portada (entidad, año, quién y cuándo), resumen y una hoja por cuadro, cada una con su gráfico nativo."""
    anio = i["anio"]
    r = i["resumen"]
    dist = distribucion(r)

    def por_estado(libro, h):  # debajo del resumen: la distribución por estado y su torta
        fila0 = len(INDICADORES) + 2
        h.titulos(fila0, ["Distribución por estado", "Solicitudes"])
        for k, (t, n) in enumerate(dist, start=fila0 + 1):
            h.fila(k, [t, n])
        libro.grafico(h, {"tipo": "pie", "titulo": f"Solicitudes {anio} por estado"}, len(dist), 2,
                      fila=fila0 + 1, col=3)

    return libro_reporte(
        "Informe anual de solicitudes de acceso a la información pública",
        [("Año", anio), ("Base legal", "TUO de la Ley 27806 (D.S. 021-2019-JUS) y su reglamento (D.S. 007-2024-JUS)")],
        [{"nombre": "Resumen", "columnas": ["Indicador", "Valor"], "filas": [[t, r[k]] for k, t in INDICADORES],
          "extra": [por_estado]},
         {"nombre": "Por mes", "columnas": ["Mes", "Recibidas", "Atendidas", "Denegadas"],
          "filas": [[m["mes"], m["recibidas"], m["atendidas"], m["denegadas"]] for m in i["por_mes"]],
          "grafico": {"tipo": "column", "titulo": f"Solicitudes por mes ({anio})"}},
         {"nombre": "Por unidad",
          "columnas": ["Unidad que posee la información", "Recibidas", "Atendidas", "Denegadas", "Pendientes"],
          "filas": [[u["unidad"], u["recibidas"], u["atendidas"], u["denegadas"], u["pendientes"]]
                    for u in i["por_unidad"]],
          "grafico": {"tipo": "bar", "titulo": "Solicitudes por unidad orgánica"}},
         {"nombre": "Excepciones", "columnas": ["Excepción aplicada", "Denegatorias"],
          "filas": [[f"Art. {e['codigo']} – {e['articulo']}", e["n"]] for e in i["excepciones"]],
          "grafico": {"tipo": "bar", "titulo": "Denegatorias por excepción (arts. 15–17)"}},
         {"nombre": "Sexo", "columnas": ["Sexo del solicitante", "Solicitudes"],
          "filas": [[x["sexo"], x["n"]] for x in i["por_sexo"]],
          "grafico": {"tipo": "pie", "titulo": "Solicitantes por sexo"}},
         {"nombre": "Temas", "columnas": ["Tema (palabra frecuente)", "Solicitudes"],
          "filas": [[t["tema"], t["n"]] for t in i["temas"]],
          "grafico": {"tipo": "bar", "titulo": "Temas frecuentes"}}],
        en_memoria=True)
