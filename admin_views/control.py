"""Control de plazos y estadísticas (issue 16): cumplimiento por unidad, flujo documentario y supervisión de Mesa
de Partes. Cada pantalla es una PaginaSegura con filtros, gráficos (Chart.js) y su libro Excel con gráficos nativos;
cada cifra enlaza al listado filtrado que la produce (`url_filtrada`), cuyo Excel tiene esas mismas filas."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import request, send_file
from flask_admin import expose
from flask_login import current_user

from admin_views.base import EJEMPLO_FECHA, PaginaSegura, fecha_o_none, puede
from admin_views.excel import enviar_libro, libro_reporte
from models import ProcedimientoTupa, UnidadOrganica, ahora_lima, db, hoy_lima
from services import control, informe_gerente
from services.auditoria import registrar

COLORES = control.COLORES


class PaginaReporte(PaginaSegura):
    """Lo común de los reportes de control: filtros de la petición (con su error junto al campo) y enlaces."""

    acciones_endpoint = {"xlsx": "exportar"}
    plantilla = ""

    def filtros(self) -> tuple[control.Filtros, dict]:
        """Período (desde/hasta, fechas de Lima), unidad (sigla) y procedimiento (código), validados; un valor
        que no sirve deja el de por defecto y su mensaje junto al campo. Una unidad con alcance «unidad» solo ve
        la suya."""
        errores: dict[str, str] = {}
        hoy = hoy_lima()

        def fecha(campo: str, defecto: date) -> date:
            texto = (request.args.get(campo) or "").strip()
            if not texto:
                return defecto
            d = fecha_o_none(texto)
            if d is not None and 2000 <= d.year <= 2100:
                return d
            errores[campo] = f"Indique una fecha válida ({EJEMPLO_FECHA}) entre los años 2000 y 2100."
            return defecto

        desde, hasta = fecha("desde", date(hoy.year, 1, 1)), fecha("hasta", hoy)
        if desde > hasta:
            errores["hasta"] = "La fecha final no puede ser anterior a la inicial."
            desde, hasta = date(hoy.year, 1, 1), hoy
        f = control.Filtros(desde, hasta)
        sigla = (request.args.get("unidad") or "").strip().upper()
        if current_user.alcance_unidad:
            f.unidad_id = current_user.unidad_id
        elif sigla:
            f.unidad_id = db.session.scalar(sa.select(UnidadOrganica.id).where(UnidadOrganica.sigla == sigla))
            if f.unidad_id is None:
                errores["unidad"] = "No hay una unidad orgánica con esa sigla."
        codigo = (request.args.get("procedimiento") or "").strip()
        if codigo:
            if db.session.scalar(sa.select(ProcedimientoTupa.id).where(ProcedimientoTupa.codigo == codigo)) is None:
                errores["procedimiento"] = "No hay un procedimiento TUPA con ese código."
            else:
                f.procedimiento = codigo
        return f, errores

    def descripcion(self, f: control.Filtros) -> list[tuple[str, str]]:
        unidad = db.session.get(UnidadOrganica, f.unidad_id) if f.unidad_id else None
        return [("Período", f"del {f.desde:%d/%m/%Y} al {f.hasta:%d/%m/%Y}"),
                ("Unidad", f"{unidad.sigla} – {unidad.nombre}" if unidad else "Todas"),
                ("Procedimiento TUPA", f.procedimiento or "Todos")]

    def listado(self, endpoint: str):
        """La vista de listado `endpoint` si el usuario puede verla (para enlazar cada cifra), o None."""
        if not puede(endpoint, "ver"):
            return None
        return next((v for v in self.admin._views if getattr(v, "endpoint", None) == endpoint), None)

    def catalogos(self) -> dict:
        return {"unidades": db.session.execute(sa.select(UnidadOrganica.sigla, UnidadOrganica.nombre)
                                               .where(UnidadOrganica.activa).order_by(UnidadOrganica.sigla)).all(),
                "procedimientos": db.session.execute(sa.select(ProcedimientoTupa.codigo, ProcedimientoTupa.nombre)
                                                     .order_by(ProcedimientoTupa.codigo)).all()}

    def descargar(self, tmp, nombre: str, detalle: str):
        return enviar_libro(tmp, f"{nombre}_{ahora_lima():%Y%m%d_%H%M}.xlsx", self.endpoint, detalle)


def _periodo(f: control.Filtros) -> str:
    return f"{f.desde:%d/%m/%Y} al {f.hasta:%d/%m/%Y}"


# --------------------------------------------------------------------------- cumplimiento por unidad
COLUMNAS_CUMPLIMIENTO = (("puesto", "Puesto"), ("unidad", "Unidad"), ("recibidas", "Derivaciones recibidas"),
                         ("a_tiempo", "Atendidas a tiempo"), ("con_retraso", "Atendidas con retraso"),
                         ("pendiente_en_plazo", "Pendientes en plazo"), ("pendiente_vencida", "Pendientes vencidas"),
                         ("pct_a_tiempo", "% a tiempo"), ("promedio_dias", "Promedio días hábiles"),
                         ("p90_dias", "p90 días hábiles"), ("demora_acuse", "Demora del acuse (días hábiles)"),
                         ("pct_acuse_mismo_dia", "% acuse el mismo día"),
                         ("silencio_positivo", "Aprobados por silencio positivo"))


class ReporteCumplimientoView(PaginaReporte):
    """Cumplimiento de plazos por unidad orgánica, con enlace de cada cifra a la bandeja filtrada."""

    acciones_endpoint = {"xlsx": "exportar", "informe": "exportar"}
    permisos_por_defecto = {"secretaria_general": "v", "unidad": "v", "mesa_partes": "v"}

    def enlaces(self, f: control.Filtros, fila: dict) -> dict[str, str]:
        bandeja, expedientes = self.listado("derivacion"), self.listado("expediente")
        urls = {}
        if bandeja is not None:
            comunes = [("Para (sigla)", "equals", fila["unidad"]), ("Enviado", "between", _periodo(f))]
            if f.procedimiento:
                comunes.append(("Procedimiento", "equals", f.procedimiento))
            urls["recibidas"] = bandeja.url_filtrada(*comunes)
            for clave, _ in control.CUMPLIMIENTO:
                urls[clave] = bandeja.url_filtrada(*comunes, ("Cumplimiento", "equals", clave))
        if expedientes is not None:
            filtros = [("Unidad actual", "equals", fila["unidad"]), ("Aprobado por silencio positivo", "equals", "1"),
                       ("Fecha de presentación", "between", _periodo(f))]
            if f.procedimiento:
                filtros.append(("Procedimiento", "equals", f.procedimiento))
            urls["silencio_positivo"] = expedientes.url_filtrada(*filtros)
        return urls

    @expose("/")
    def index(self):
        f, errores = self.filtros()
        datos = control.cumplimiento(f)
        for fila in datos["filas"]:
            fila["urls"] = self.enlaces(f, fila)
        grafico = {"tipo": "bar", "apilado": True, "horizontal": True, "titulo": "Derivaciones por resultado",
                   "etiquetas": [r["unidad"] for r in datos["filas"]],
                   "datasets": [{"label": t, "data": [r[k] for r in datos["filas"]], "color": COLORES[k]}
                                for k, t in control.CUMPLIMIENTO]}
        return self.render("control/cumplimiento.html", f=f, errores=errores, d=datos, grafico=grafico,
                           columnas=COLUMNAS_CUMPLIMIENTO, cumplimiento=control.CUMPLIMIENTO,
                           descripcion=self.descripcion(f), args=request.args, puede_exportar=self.puede("exportar"),
                           unidad_fija=current_user.alcance_unidad, **self.catalogos())

    @expose("/xlsx/")
    def xlsx(self):
        f, _ = self.filtros()
        datos = control.cumplimiento(f)
        claves = [k for k, _ in COLUMNAS_CUMPLIMIENTO]
        hojas = [{"nombre": "Cumplimiento", "columnas": [t for _, t in COLUMNAS_CUMPLIMIENTO],
                  "filas": [[r[k] for k in claves] for r in datos["filas"]],
                  "grafico": {"tipo": "bar", "titulo": "Derivaciones por resultado", "series": [3, 4, 5, 6],
                              "categoria": 1}},
                 {"nombre": "Ranking", "columnas": ["Unidad", "% a tiempo"],
                  "filas": [[r["unidad"], r["pct_a_tiempo"]] for r in datos["filas"] if r["pct_a_tiempo"] is not None],
                  "grafico": {"tipo": "bar", "titulo": "% de derivaciones atendidas a tiempo"}}]
        t = datos["totales"]
        portada = [*self.descripcion(f), ("Derivaciones recibidas", t["recibidas"]), ("% a tiempo", t["pct_a_tiempo"]),
                   ("Criterio", "A tiempo: cerrada hasta su fecha límite (o sin plazo); % a tiempo = a tiempo ÷ "
                                "(atendidas + pendientes vencidas).")]
        tmp = libro_reporte("Cumplimiento de plazos por unidad orgánica", portada, hojas)
        return self.descargar(tmp, "cumplimiento", f"Cumplimiento de plazos {_periodo(f)}")

    @expose("/informe/")
    def informe(self):
        """Informe al Gerente Municipal (Word editable, docxtpl): la tabla de cumplimiento, las cinco unidades más
        atrasadas con sus expedientes vencidos y el espacio de las medidas correctivas."""
        f, _ = self.filtros()
        salida = informe_gerente.generar(f, self.descripcion(f), current_user)
        registrar("exportar", self.endpoint, None, f"Informe al Gerente {_periodo(f)}")
        db.session.commit()
        return send_file(salida, as_attachment=True, download_name=f"informe_gerente_{f.hasta:%Y%m%d}.docx",
                         mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


# --------------------------------------------------------------------------- flujo documentario
class ReporteFlujoView(PaginaReporte):
    """Ingreso y salida de documentos por mes, año contra año, y las series de los demás módulos."""

    permisos_por_defecto = {"secretaria_general": "v", "mesa_partes": "v"}

    def _anio(self) -> tuple[int, dict]:
        anio = request.args.get("anio", type=int) or hoy_lima().year
        if not 2000 <= anio <= 2100:
            return hoy_lima().year, {"anio": "Indique un año entre 2000 y 2100."}
        return anio, {}

    def enlaces(self, anio: int) -> dict:
        """Enlaces de cada total anual a su listado (ingreso: expedientes; salida: documentos emitidos)."""
        exp, solicitudes = self.listado("expediente"), self.listado("solicitud_acceso")
        periodo = f"01/01/{anio} al 31/12/{anio}"
        urls = {}
        if exp is not None:
            urls["canal"] = {c: exp.url_filtrada(("Fecha de presentación", "between", periodo), ("Canal", "equals", c))
                             for c in ("presencial", "digital")}
            urls["origen"] = {o: exp.url_filtrada(("Fecha de presentación", "between", periodo),
                                                  ("Origen", "equals", o)) for o in ("externo", "interno")}
        if solicitudes is not None:
            urls["transparencia"] = solicitudes.url_filtrada(("Fecha de presentación", "between", periodo))
        return urls

    @expose("/")
    def index(self):
        anio, errores = self._anio()
        d = control.flujo(anio)
        graficos = [{"tipo": "line" if s["clave"] != "ingreso" else "bar", "titulo": f"{s['titulo']} por mes",
                     "etiquetas": [m[:3] for m in control.MESES],
                     "datasets": [{"label": str(anio), "data": s["actual"], "color": COLORES["actual"]},
                                  {"label": str(anio - 1), "data": s["anterior"], "color": COLORES["anterior"]}]}
                    for s in d["series"]]
        return self.render("control/flujo.html", anio=anio, errores=errores, d=d, graficos=graficos,
                           meses=control.MESES, urls=self.enlaces(anio), puede_exportar=self.puede("exportar"))

    @expose("/xlsx/")
    def xlsx(self):
        anio, _ = self._anio()
        d = control.flujo(anio)
        hojas = [{"nombre": s["titulo"][:31], "columnas": ["Mes", str(anio), str(anio - 1)],
                  "filas": [[m, a, b] for m, a, b in zip(control.MESES, s["actual"], s["anterior"], strict=True)],
                  "grafico": {"tipo": "column", "titulo": f"{s['titulo']}: {anio} y {anio - 1}"}} for s in d["series"]]
        for clave, titulo, tipo in (("por_origen", "Ingreso por origen", "pie"),
                                    ("por_canal", "Ingreso por canal", "pie"),
                                    ("por_tipo", "Ingreso por tipo", "bar"),
                                    ("por_procedimiento", "Ingreso por procedimiento", "bar"),
                                    ("salida_por_unidad", "Salida por unidad", "bar"),
                                    ("salida_por_tipo", "Salida por tipo", "bar")):
            hojas.append({"nombre": titulo, "columnas": [titulo.split(" por ")[1].capitalize(), "Documentos"],
                          "filas": [[e["etiqueta"], e["n"]] for e in d[clave]],
                          "grafico": {"tipo": tipo, "titulo": f"{titulo} ({anio})"}})
        portada = [("Año", anio), ("Comparado con", anio - 1),
                   *[(s["titulo"], f"{s['total_actual']} ({anio}); {s['total_anterior']} ({anio - 1})")
                     for s in d["series"]]]
        tmp = libro_reporte("Flujo documentario: ingreso y salida", portada, hojas)
        return self.descargar(tmp, "flujo_documentario", f"Flujo documentario {anio}")


# --------------------------------------------------------------------------- supervisión de Mesa de Partes
class ReporteMesaView(PaginaReporte):
    """Supervisión de la Unidad de Trámite Documentario: atención en ventanilla, observaciones, canal y tiempo hasta
    la primera derivación (LPAG art. 143: el mismo día)."""

    permisos_por_defecto = {"secretaria_general": "v", "mesa_partes": "v"}

    def enlaces(self, f: control.Filtros) -> dict:
        exp = self.listado("expediente")
        if exp is None:
            return {}
        periodo = ("Fecha de presentación", "between", _periodo(f))
        return {"digital": exp.url_filtrada(periodo, ("Canal", "equals", "digital")),
                "presencial": exp.url_filtrada(periodo, ("Canal", "equals", "presencial")),
                "no_presentados": exp.url_filtrada(periodo, ("Estado", "equals", "no_presentado"))}

    @expose("/")
    def index(self):
        f, errores = self.filtros()
        d = control.mesa_partes(f)
        grafico = {"tipo": "bar", "apilado": True, "titulo": "Expedientes recibidos por hora del día",
                   "etiquetas": [h["hora"] for h in d["por_hora"]],
                   "datasets": [{"label": "Presencial", "data": [h["presencial"] for h in d["por_hora"]],
                                 "color": COLORES["actual"]},
                                {"label": "Digital", "data": [h["digital"] for h in d["por_hora"]],
                                 "color": COLORES["pendiente_en_plazo"]}]}
        tramos = {"tipo": "doughnut", "titulo": "Días hábiles hasta la primera derivación",
                  "etiquetas": [t["titulo"] for t in d["tramos"]],
                  "datasets": [{"label": "Expedientes", "data": [t["n"] for t in d["tramos"]],
                                "colores": [COLORES[t["clave"]] for t in d["tramos"]]}]}
        return self.render("control/mesa.html", f=f, errores=errores, d=d, grafico=grafico, tramos=tramos,
                           urls=self.enlaces(f), args=request.args, puede_exportar=self.puede("exportar"))

    @expose("/xlsx/")
    def xlsx(self):
        f, _ = self.filtros()
        d = control.mesa_partes(f)
        hojas = [{"nombre": "Por persona", "columnas": ["Registrado por", "Expedientes", "Observados"],
                  "filas": [[u["usuario"], u["n"], u["observados"]] for u in d["por_usuario"]],
                  "grafico": {"tipo": "bar", "titulo": "Expedientes registrados por persona", "series": [1]}},
                 {"nombre": "Por hora", "columnas": ["Hora", "Presencial", "Digital"],
                  "filas": [[h["hora"], h["presencial"], h["digital"]] for h in d["por_hora"]],
                  "grafico": {"tipo": "column", "titulo": "Expedientes por hora de recepción"}},
                 {"nombre": "Primera derivación", "columnas": ["Tiempo hasta la primera derivación", "Expedientes"],
                  "filas": [[t["titulo"], t["n"]] for t in d["tramos"]],
                  "grafico": {"tipo": "pie", "titulo": "Días hábiles hasta la primera derivación (art. 143)"}}]
        portada = [("Período", f"del {_periodo(f)}"), ("Expedientes presentados", d["total"]),
                   ("Digitales", d["digital"]), ("Presenciales", d["presencial"]),
                   ("Observados en el ingreso", d["observados"]), ("No presentados", d["no_presentados"]),
                   ("% derivados el mismo día", d["pct_mismo_dia"])]
        tmp = libro_reporte("Supervisión de Mesa de Partes", portada, hojas)
        return self.descargar(tmp, "mesa_de_partes", f"Supervisión de Mesa de Partes {_periodo(f)}")
