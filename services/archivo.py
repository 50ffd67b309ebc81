"""Archivo central (Ley 25323, D.S. 008-92-JUS, directivas del AGN; docs/reglas.md §7).

Operaciones que tocan varias filas o el calendario: numerar cajas, transferencias y eliminaciones, recibir una
transferencia (ubicar sus cajas), prestar y devolver, archivar un expediente en una caja, y las consultas de
ocupación, retención, préstamos vencidos, cronograma y búsqueda. Las reglas de una fila viven en models.py
(restricciones y `_reglas_archivo` al guardar): ninguna vía las salta.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from models import (
    ORDEN_ELIMINACION,
    EstadoEliminacion,
    EstadoTransferencia,
    EstadoUnidadConservacion,
    Expediente,
    Prestamo,
    SerieDocumental,
    Transferencia,
    Ubicacion,
    UnidadConservacion,
    UnidadOrganica,
    Usuario,
    bloquear,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, calendario
from services.numeracion import siguiente

TOPE_BUSQUEDA = 1000  # cajas que «¿Dónde está?» considera antes de ordenar por código


# ------------------------------------------------------------------ numeración
def registrar_caja(caja: UnidadConservacion) -> None:
    """Código de barras de la caja: lo saca el sistema, nunca se escribe: el siguiente de su unidad y año
    (`GDU-2026-0007`, con la sigla de la unidad productora). Un código que ya existiera (cargado antes de esta
    regla) se salta: la numeración de una unidad nunca queda trabada."""
    if caja.unidad_productora is None:
        raise ErrorDeRegla("Indique la unidad productora de la caja.", campo="unidad_productora")
    anio = hoy_lima().year
    sigla = caja.unidad_productora.sigla.upper()
    with db.session.no_autoflush:  # la caja aún a medias no se envía a la base al pedir el número
        for _ in range(1000):
            codigo = f"{sigla}-{anio}-{siguiente(f'caja:{sigla}:{anio}'):04d}"
            if db.session.scalar(sa.select(UnidadConservacion.id).where(UnidadConservacion.codigo == codigo)) is None:
                break
        caja.codigo = codigo


def programar_transferencia(t: Transferencia) -> None:
    """Número por año de la fecha programada (`TRF-2026-004`)."""
    if t.fecha is None:
        raise ErrorDeRegla("Indique la fecha programada de la transferencia.")
    t.anio = t.fecha.year
    with db.session.no_autoflush:
        t.numero = siguiente(f"transferencia:{t.anio}")
    t.codigo = Transferencia.formato_codigo(t.anio, t.numero)


def numerar_eliminacion(e) -> None:
    from models import Eliminacion

    e.fecha_propuesta = e.fecha_propuesta or hoy_lima()
    e.anio = e.fecha_propuesta.year
    with db.session.no_autoflush:
        e.numero = siguiente(f"eliminacion:{e.anio}")
    e.codigo = Eliminacion.formato_codigo(e.anio, e.numero)


# ------------------------------------------------------------------ transferencias
def recibir_transferencia(t: Transferencia, usuario: Usuario, ubicaciones: dict[int, Ubicacion],
                          fecha: date | None = None) -> None:
    """El archivo central recibe el inventario: cada caja a su ubicación (la capacidad la cuida el modelo). La
    transferencia queda tomada hasta el commit: recibida dos veces a la vez, la segunda ve «ya fue recibida»."""
    bloquear(t)
    if t.estado == EstadoTransferencia.recibida:
        raise ErrorDeRegla(f"{t.codigo} ya fue recibida.")
    if not t.unidades:
        raise ErrorDeRegla(f"{t.codigo} no tiene cajas en su inventario: la unidad debe listarlas primero.")
    faltan = [c.codigo for c in t.unidades if ubicaciones.get(c.id) is None]
    if faltan:
        raise ErrorDeRegla("Asigne una ubicación a cada caja: falta en " + ", ".join(faltan) + ".")
    for caja in t.unidades:
        caja.ubicacion = ubicaciones[caja.id]
        caja.estado = EstadoUnidadConservacion.en_archivo
    t.estado = EstadoTransferencia.recibida
    t.fecha_recepcion = fecha or hoy_lima()
    t.recibido_por_id = usuario.id


def observar_transferencia(t: Transferencia, observaciones: str) -> None:
    bloquear(t)
    if t.estado == EstadoTransferencia.recibida:
        raise ErrorDeRegla(f"{t.codigo} ya fue recibida: no se observa.")
    if not (observaciones or "").strip():
        raise ErrorDeRegla("Escriba la observación (qué debe corregir la unidad en su inventario).")
    t.estado = EstadoTransferencia.observada
    t.observaciones = observaciones.strip()


# ------------------------------------------------------------------ préstamos
def vencimiento_prestamo(desde: date) -> date:
    """Devolución prevista: ARCHIVO_DIAS_PRESTAMO días hábiles después del préstamo (10 por defecto)."""
    return calendario.plazo_desde(desde, current_app.config["ARCHIVO_DIAS_PRESTAMO"])


def completar_prestamo(p: Prestamo) -> None:
    p.fecha_prestamo = p.fecha_prestamo or hoy_lima()
    p.fecha_devolucion_prevista = p.fecha_devolucion_prevista or vencimiento_prestamo(p.fecha_prestamo)


def prestar(caja: UnidadConservacion, unidad: UnidadOrganica, solicitante: str,
            fecha: date | None = None) -> Prestamo:
    fecha = fecha or hoy_lima()
    p = Prestamo(fecha_prestamo=fecha, fecha_devolucion_prevista=vencimiento_prestamo(fecha))
    p.unidad_conservacion, p.unidad_solicitante, p.solicitante = caja, unidad, solicitante
    db.session.add(p)
    db.session.flush()
    return p


def devolver(p: Prestamo, fecha: date | None = None) -> None:
    if p.fecha_devolucion is not None:
        raise ErrorDeRegla("Ese préstamo ya fue devuelto.")
    p.fecha_devolucion = fecha or hoy_lima()


def condicion_vencidos(hoy: date | None = None):
    return sa.and_(Prestamo.fecha_devolucion.is_(None), Prestamo.fecha_devolucion_prevista < (hoy or hoy_lima()))


def prestamos_vencidos(unidad_id: int | None = None, hoy: date | None = None) -> list[Prestamo]:
    q = sa.select(Prestamo).where(condicion_vencidos(hoy)).order_by(Prestamo.fecha_devolucion_prevista)
    if unidad_id is not None:
        q = q.where(Prestamo.unidad_solicitante_id == unidad_id)
    return list(db.session.scalars(q))


# ------------------------------------------------------------------ expedientes
def archivar_en(exp: Expediente, caja: UnidadConservacion | None) -> None:
    """El expediente archivado queda en una caja de la unidad que lo tiene, o en su archivo de gestión (sin
    caja) hasta que lo encajen y transfieran."""
    if caja is None:
        exp.unidad_conservacion = None
        return
    if caja.unidad_productora_id != exp.unidad_actual_id:
        raise ErrorDeRegla(f"La caja {caja.codigo} es de {caja.unidad_productora.sigla}: el expediente se archiva "
                           "en una caja de la unidad que lo tiene.")
    if caja.estado not in (EstadoUnidadConservacion.en_gestion, EstadoUnidadConservacion.en_archivo):
        raise ErrorDeRegla(f"La caja {caja.codigo} está {caja.estado.etiqueta.lower()}: elija otra.")
    exp.unidad_conservacion = caja


def encajar(exp: Expediente, caja: UnidadConservacion | None) -> None:
    """Guardar en una caja un expediente ya archivado en el archivo de gestión (sin caja)."""
    if exp.estado.value != "archivado":
        raise ErrorDeRegla("Solo un expediente archivado se guarda en una caja.")
    if caja is None:
        raise ErrorDeRegla("Elija la caja.")
    archivar_en(exp, caja)


def caja_nueva_para(exp: Expediente, serie: SerieDocumental | None) -> UnidadConservacion:
    """Al archivar, una caja nueva de la unidad que tiene el expediente, de la serie elegida, con las fechas y los
    folios del expediente (la unidad los corrige al completar la caja)."""
    if serie is None:
        raise ErrorDeRegla("Elija la serie documental de la caja nueva.")
    if serie.unidad_id != exp.unidad_actual_id:
        raise ErrorDeRegla(f"La serie {serie.codigo} es de otra unidad: la caja es de la unidad que archiva.")
    desde = exp.fecha_presentacion or hoy_lima()
    caja = UnidadConservacion(tipo="caja", serie=serie, unidad_productora=exp.unidad_actual, fecha_inicial=desde,
                              fecha_final=max(desde, hoy_lima()), folios=exp.folios,
                              descripcion=f"{serie.nombre}: {exp.codigo}")
    db.session.add(caja)
    registrar_caja(caja)
    db.session.flush()
    return caja


def series_de(unidad_id: int) -> list[SerieDocumental]:
    return list(db.session.scalars(sa.select(SerieDocumental).where(SerieDocumental.unidad_id == unidad_id)
                                   .order_by(SerieDocumental.codigo)))


def transferir_cajas(cajas: list[UnidadConservacion], usuario: Usuario) -> Transferencia:
    """Programa hoy la transferencia al archivo central de las cajas elegidas (todas de una unidad y aún en su
    archivo de gestión), con su inventario ya armado; quien la programa la entrega."""
    if not cajas:
        raise ErrorDeRegla("Elija las cajas que transfiere.")
    unidades = {c.unidad_productora_id for c in cajas}
    if len(unidades) != 1:
        raise ErrorDeRegla("Una transferencia es de una sola unidad: elija cajas de la misma unidad.")
    fuera = [c.codigo for c in cajas if c.estado != EstadoUnidadConservacion.en_gestion or c.transferencia_id]
    if fuera:
        raise ErrorDeRegla("Solo se transfieren cajas del archivo de gestión que no estén en otra transferencia: "
                           + ", ".join(fuera) + ".")
    t = Transferencia(unidad_origen=cajas[0].unidad_productora, fecha=hoy_lima(), entregado_por=usuario.nombre)
    programar_transferencia(t)
    db.session.add(t)
    for c in cajas:
        c.transferencia = t
    db.session.flush()
    return t


def ubicaciones_sugeridas(cajas: list[UnidadConservacion], libres: list[tuple[int, str, int]]) -> dict[int, int]:
    """Para recibir: cada caja en la primera ubicación con lugar libre (en orden), sin pasar la capacidad."""
    quedan = [[id_, n] for id_, _codigo, n in libres]
    sugerida = {}
    for caja in cajas:
        lugar = next((q for q in quedan if q[1] > 0), None)
        if lugar is None:
            break
        sugerida[caja.id] = lugar[0]
        lugar[1] -= 1
    return sugerida


def cajas_para_archivar(unidad_id: int) -> list[UnidadConservacion]:
    """Cajas abiertas de la unidad (en su archivo de gestión), las más recientes primero."""
    return list(db.session.scalars(
        sa.select(UnidadConservacion).where(UnidadConservacion.unidad_productora_id == unidad_id,
                                            UnidadConservacion.estado == EstadoUnidadConservacion.en_gestion)
        .order_by(UnidadConservacion.id.desc()).limit(200)))


# ------------------------------------------------------------------ eliminación
def _paso(e, desde: str) -> None:
    """Cada paso de la eliminación, una vez y en orden: la fila queda tomada y se revisa su estado ya confirmado."""
    bloquear(e)
    if ORDEN_ELIMINACION.index(e.estado.value) > ORDEN_ELIMINACION.index(desde):
        raise ErrorDeRegla(f"{e.codigo} ya está {e.estado.etiqueta.lower()}: ese paso ya se dio.")


def aprobar_eliminacion(e, fecha: date, acta: str) -> None:
    _paso(e, "propuesta")
    if not e.unidades:
        raise ErrorDeRegla(f"{e.codigo} no tiene cajas propuestas.")
    if not (acta or "").strip():
        raise ErrorDeRegla("Indique el acta del Comité Evaluador de Documentos que aprueba la propuesta.")
    e.estado, e.fecha_aprobacion_comite, e.acta_comite = EstadoEliminacion.aprobada_comite, fecha, acta.strip()


def autorizar_eliminacion(e, resolucion: str, fecha: date) -> None:
    _paso(e, "aprobada_comite")
    if not (resolucion or "").strip():
        raise ErrorDeRegla("La autorización del AGN exige el número de su resolución.")
    e.estado, e.resolucion_autorizacion, e.fecha_autorizacion = (EstadoEliminacion.autorizada_agn,
                                                                 resolucion.strip(), fecha)


def ejecutar_eliminacion(e, fecha: date, acta: str) -> None:
    """Ejecutada con acta: las cajas quedan «eliminadas» (liberan su lugar; el registro se conserva)."""
    _paso(e, "autorizada_agn")
    if not (acta or "").strip():
        raise ErrorDeRegla("Indique el acta de eliminación.")
    e.estado, e.fecha_ejecucion, e.acta_eliminacion = EstadoEliminacion.ejecutada, fecha, acta.strip()
    for caja in e.unidades:
        if caja.estado == EstadoUnidadConservacion.prestada:
            raise ErrorDeRegla(f"La caja {caja.codigo} está prestada: debe volver antes de eliminarse.")
        caja.estado = EstadoUnidadConservacion.eliminada


# ------------------------------------------------------------------ transferencia al AGN o archivo regional
def transferir_al_agn(caja: UnidadConservacion, anio: int | None = None) -> None:
    """Una caja de conservación permanente con la retención cumplida pasa al AGN o al archivo regional (libera su
    lugar; el registro queda)."""
    anio = anio or hoy_lima().year
    bloquear(caja)
    if caja.serie.destino_final.value != "conservacion_permanente":
        raise ErrorDeRegla(f"La caja {caja.codigo} es de una serie que se elimina: se propone su eliminación.")
    if caja.estado != EstadoUnidadConservacion.en_archivo:
        raise ErrorDeRegla(f"La caja {caja.codigo} está {caja.estado.etiqueta.lower()}: no se transfiere.")
    if caja.anio_fin_retencion >= anio:
        raise ErrorDeRegla(f"La caja {caja.codigo} se conserva en el archivo central hasta el 31/12/"
                           f"{caja.anio_fin_retencion}.")
    caja.estado = EstadoUnidadConservacion.transferida


# ------------------------------------------------------------------ consultas
def anio_fin_retencion():
    """Expresión SQL del último año de retención de una caja (fecha final + gestión + central)."""
    return (sa.cast(sa.extract("year", UnidadConservacion.fecha_final), sa.Integer)
            + SerieDocumental.retencion_gestion_anios + SerieDocumental.retencion_central_anios)


def retencion_cumplida(anio: int | None = None) -> list[dict]:
    """Cajas en el archivo central cuya retención venció (su último año de retención < `anio`), por serie, con
    la acción que toca: transferir al AGN / archivo regional (conservación permanente) o proponer la
    eliminación."""
    anio = anio or hoy_lima().year
    fin = anio_fin_retencion()
    q = (sa.select(SerieDocumental.id, SerieDocumental.codigo, SerieDocumental.nombre, SerieDocumental.destino_final,
                   UnidadOrganica.sigla, sa.func.count(), sa.func.sum(UnidadConservacion.folios),
                   sa.func.min(UnidadConservacion.fecha_inicial), sa.func.max(UnidadConservacion.fecha_final),
                   sa.func.min(fin))
         .select_from(UnidadConservacion).join(SerieDocumental, UnidadConservacion.serie_id == SerieDocumental.id)
         .join(UnidadOrganica, SerieDocumental.unidad_id == UnidadOrganica.id)
         .where(UnidadConservacion.estado.in_(("en_archivo", "prestada")), UnidadConservacion.eliminacion_id.is_(None),
                fin < anio)
         .group_by(SerieDocumental.id, SerieDocumental.codigo, SerieDocumental.nombre, SerieDocumental.destino_final,
                   UnidadOrganica.sigla)
         .order_by(SerieDocumental.codigo))
    filas = []
    for sid, codigo, nombre, destino, sigla, n, folios, desde, hasta, vence in db.session.execute(q):
        permanente = getattr(destino, "value", destino) == "conservacion_permanente"
        filas.append({"serie_id": sid, "codigo": codigo, "nombre": nombre, "unidad": sigla, "cajas": n,
                      "folios": folios or 0, "desde": desde, "hasta": hasta, "vencio": vence,
                      "accion": "Transferir al AGN o archivo regional" if permanente else "Proponer eliminación",
                      "permanente": permanente})
    return filas


def cajas_con_retencion_cumplida(serie_id: int, anio: int | None = None) -> list[UnidadConservacion]:
    anio = anio or hoy_lima().year
    return list(db.session.scalars(
        sa.select(UnidadConservacion).join(SerieDocumental, UnidadConservacion.serie_id == SerieDocumental.id)
        .where(UnidadConservacion.serie_id == serie_id, UnidadConservacion.estado == "en_archivo",
               UnidadConservacion.eliminacion_id.is_(None), anio_fin_retencion() < anio)
        .order_by(UnidadConservacion.codigo)))


def ocupacion() -> list[dict]:
    """Por depósito y estante: capacidad, cajas y porcentaje (una barra por estante), con sus niveles."""
    ocup = (sa.select(UnidadConservacion.ubicacion_id, sa.func.count().label("n"))
            .where(UnidadConservacion.ubicacion_id.is_not(None)).group_by(UnidadConservacion.ubicacion_id).subquery())
    q = (sa.select(Ubicacion.deposito, Ubicacion.ambiente, Ubicacion.estante, sa.func.count(Ubicacion.id),
                   sa.func.sum(Ubicacion.capacidad), sa.func.coalesce(sa.func.sum(ocup.c.n), 0),
                   sa.func.sum(sa.case((sa.func.coalesce(ocup.c.n, 0) >= Ubicacion.capacidad, 1), else_=0)))
         .outerjoin(ocup, ocup.c.ubicacion_id == Ubicacion.id)
         .group_by(Ubicacion.deposito, Ubicacion.ambiente, Ubicacion.estante)
         .order_by(Ubicacion.deposito, Ubicacion.ambiente, Ubicacion.estante))
    depositos: dict[int, dict] = {}
    for dep, amb, est, lugares, capacidad, cajas, llenos in db.session.execute(q):
        d = depositos.setdefault(dep, {"deposito": dep, "capacidad": 0, "cajas": 0, "estantes": []})
        d["capacidad"] += capacidad
        d["cajas"] += cajas
        d["estantes"].append({"codigo": f"D{dep}-A{amb}-E{est:02d}", "lugares": lugares, "capacidad": capacidad,
                              "cajas": cajas, "llenos": llenos, "libres": capacidad - cajas,
                              "porcentaje": round(100 * cajas / capacidad) if capacidad else 0})
    for d in depositos.values():
        d["porcentaje"] = round(100 * d["cajas"] / d["capacidad"]) if d["capacidad"] else 0
        d["libres"] = d["capacidad"] - d["cajas"]
    return list(depositos.values())


def cronograma(anio: int, hoy: date | None = None) -> list[dict]:
    """Cronograma anual de transferencias: cada transferencia programada del año, y atrasada si su fecha pasó
    sin recibirse."""
    hoy = hoy or hoy_lima()
    filas = db.session.execute(
        sa.select(Transferencia, sa.func.count(UnidadConservacion.id))
        .outerjoin(UnidadConservacion, UnidadConservacion.transferencia_id == Transferencia.id)
        .where(Transferencia.anio == anio).group_by(Transferencia.id)
        .order_by(Transferencia.fecha, Transferencia.id)).all()
    return [{"t": t, "cajas": n, "atrasada": t.estado != EstadoTransferencia.recibida and t.fecha < hoy}
            for t, n in filas]


def buscar(texto: str, alcance=None, limite: int = 50) -> list[dict]:
    """«¿Dónde está y está prestado?»: por código de expediente, código de caja, serie, unidad, año o código de
    ubicación. Una fila por caja (con los expedientes encontrados en ella) o por expediente sin caja."""
    texto = (texto or "").strip()[:100]
    if not texto:
        return []
    t = texto.upper()
    resultados: list[dict] = []
    exps = []
    carga = (selectinload(UnidadConservacion.serie), selectinload(UnidadConservacion.unidad_productora),
             selectinload(UnidadConservacion.ubicacion),
             selectinload(UnidadConservacion.prestamos).selectinload(Prestamo.unidad_solicitante))
    if t.startswith("EXP-") or re.fullmatch(r"\d{4}-\d{1,6}", t):
        codigo = t if t.startswith("EXP-") else Expediente.formato_codigo(int(t[:4]), int(t[5:]))
        cond = Expediente.codigo == codigo if re.fullmatch(r"EXP-\d{4}-\d{6}", codigo) else \
            Expediente.codigo.startswith(codigo, autoescape=True)
        q = (sa.select(Expediente).where(cond).order_by(Expediente.id).limit(limite)
             .options(selectinload(Expediente.unidad_actual),
                      selectinload(Expediente.unidad_conservacion).options(*carga)))
        if alcance is not None:
            q = q.where(Expediente.filtro_unidad(alcance))
        exps = list(db.session.scalars(q))
        for e in exps:
            resultados.append({"expediente": e, "caja": e.unidad_conservacion})
        if exps:
            return resultados
    if re.fullmatch(r"(19|20)\d{2}", t):  # un año: las cajas cuyas fechas extremas lo abarcan
        anio = int(t)
        cond = [sa.and_(UnidadConservacion.fecha_inicial <= date(anio, 12, 31),
                        UnidadConservacion.fecha_final >= date(anio, 1, 1))]
    else:  # cada rama usa su índice (código, serie, unidad, ubicación): PostgreSQL las une en un BitmapOr
        serie_ids = sa.select(SerieDocumental.id).where(sa.or_(
            SerieDocumental.codigo == t, sa.func.upper(SerieDocumental.nombre).contains(t, autoescape=True)))
        cond = [UnidadConservacion.codigo.startswith(t, autoescape=True),
                UnidadConservacion.serie_id.in_(serie_ids),
                UnidadConservacion.unidad_productora_id.in_(
                    sa.select(UnidadOrganica.id).where(sa.func.upper(UnidadOrganica.sigla) == t)),
                UnidadConservacion.ubicacion_id.in_(sa.select(Ubicacion.id).where(
                    Ubicacion.codigo.startswith(t, autoescape=True)))]
    # primero los ids (sin ORDER BY, PostgreSQL une los índices de cada rama y no recorre el índice del código
    # entero), hasta TOPE_BUSQUEDA; luego las primeras `limite` por código
    ids = sa.select(UnidadConservacion.id).where(sa.or_(*cond)).limit(TOPE_BUSQUEDA)
    if alcance is not None:
        ids = ids.where(UnidadConservacion.filtro_unidad(alcance))
    q = (sa.select(UnidadConservacion).where(UnidadConservacion.id.in_(list(db.session.scalars(ids))))
         .order_by(UnidadConservacion.codigo).limit(limite).options(*carga))
    for caja in db.session.scalars(q):
        resultados.append({"expediente": None, "caja": caja})
    return resultados
