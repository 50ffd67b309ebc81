"""Informe al Gerente Municipal (issue 16, punto 6): el Word editable (docxtpl) con la tabla de cumplimiento por
unidad, las cinco unidades más atrasadas con sus expedientes vencidos y la sección de medidas correctivas."""

from __future__ import annotations

import io
from pathlib import Path

from flask import current_app

from models import ahora_lima
from services import calendario, control

CUANTAS_ATRASADAS = 5


def plantilla() -> Path:
    """La plantilla de la oficina (instance/plantillas/informe_gerente.docx) o la del sistema."""
    instancia = Path(current_app.instance_path) / "plantillas" / "informe_gerente.docx"
    return instancia if instancia.exists() else Path(current_app.root_path) / "plantillas" / "informe_gerente.docx"


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1f} %".replace(".", ",")


def _num(v) -> str:
    return "—" if v is None else str(v).replace(".", ",")


def contexto(f: control.Filtros, filtros: list[tuple[str, str]], usuario) -> dict:
    datos = control.cumplimiento(f)
    unidades = [{**r, "puesto": r["puesto"] or "—", "pct": _pct(r["pct_a_tiempo"]),
                 "promedio": _num(r["promedio_dias"]), "p90": _num(r["p90_dias"])} for r in datos["filas"]]
    atrasadas = sorted((u for u in unidades if u["pendiente_vencida"]),
                       key=lambda u: (-u["pendiente_vencida"], u["unidad"]))[:CUANTAS_ATRASADAS]
    vencidos = control.vencidos_por_unidad(f, [u["unidad_id"] for u in atrasadas])
    hoy = datos["hoy"]
    cal = calendario.feriados()
    for u in atrasadas:
        u["expedientes"] = [{"codigo": e.codigo, "asunto": e.asunto[:120], "limite": f"{e.limite_derivacion:%d/%m/%Y}",
                             "dias": calendario.habiles_entre(e.limite_derivacion, hoy, cal)}
                            for e in vencidos[u["unidad_id"]]]
    t = datos["totales"]
    return {"municipalidad": current_app.config["MUNICIPALIDAD"], "sigla_entidad": current_app.config["SIGLA_ENTIDAD"],
            "anio": f.hasta.year, "periodo": f"del {f.desde:%d/%m/%Y} al {f.hasta:%d/%m/%Y}",
            "filtros": "; ".join(f"{k}: {v}" for k, v in filtros[1:]), "fecha": f"{ahora_lima():%d/%m/%Y}",
            "totales": {**t, "pct": _pct(t["pct_a_tiempo"])}, "unidades": unidades, "atrasadas": atrasadas,
            "generado_por": usuario.nombre}


def generar(f: control.Filtros, filtros: list[tuple[str, str]], usuario) -> io.BytesIO:
    """El Word del informe con todos los valores escapados (un asunto con «&<>» se ve tal cual)."""
    from services.word import llenar_plantilla

    return io.BytesIO(llenar_plantilla(plantilla(), contexto(f, filtros, usuario)))
