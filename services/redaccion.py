"""Expedir, el flujo: redactar → V° B° en orden → firma (el número) → entrega.

- **Borrador.** El texto (editor, saneado como el acta), destinatario, referencia, c.c., anexos en PDF (revisados
  como en el ingreso), los revisores en orden y el firmante. La vista previa es el PDF de la plantilla del tipo.
- **Enviar.** Se genera el PDF de la versión (services/expedir.py) y el texto queda fijo (`Redaccion.fijos`).
- **V° B°.** Le toca al siguiente revisor, y a nadie más: firma su campo `VoBoN` (firma incremental; sus datos y el
  orden se revisan otra vez al guardar, `models._reglas_redaccion`). Con el último, queda «por firmar».
- **Devolver.** Quien tiene el turno lo devuelve con una observación: la versión (texto, PDF con los V° B° que tuvo)
  se guarda en `VersionRedaccion` y el proyecto vuelve a borrador como versión siguiente; los V° B° se dan de nuevo.
- **Firmar.** El firmante designado: se saca el número (nunca antes; si la firma falla, todo se revierte y el número
  no se consume), la firma llena número y fecha en el PDF y lo cierra, nace el `DocumentoEmitido` con el PDF firmado
  y su SHA-256, y se **entrega**: un documento interno llega a la bandeja de la unidad de destino con el PDF (la
  derivación de su expediente, o un expediente interno nuevo); uno externo queda «por notificar» (diligencias,
  casilla electrónica).
- **Norma.** Una norma aprobada (ya numerada) se firma con su texto, que no cambia (services/normas.iniciar_firma):
  firma el alcalde (su firma pone el número y la fecha) y después el Secretario General da fe (`dar_fe`: su firma
  cierra el PDF); recién entonces la norma recibe su PDF firmado y su SHA-256, y /normas lo entrega.
- **Transcripción.** La de un acuerdo de concejo a una unidad que debe cumplirlo (services/normas.transcribir) es un
  documento interno con el texto del acuerdo: firmado, llega a la bandeja de la unidad como cualquier otro.
- **Lote.** Una contraseña para N documentos: la credencial se abre y el certificado se revisa una vez; cada
  documento es todo o nada (su propia transacción) y tiene su línea de resultado.

Cada operación toma la fila (`models.bloquear`): dos clics dan un solo resultado."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa

from models import (
    Adjunto,
    AnexoRedaccion,
    Canal,
    DocumentoEmitido,
    EstadoDocumento,
    EstadoExpediente,
    EstadoNorma,
    EstadoRedaccion,
    Expediente,
    NormaMunicipal,
    Origen,
    Redaccion,
    TipoNorma,
    Usuario,
    VersionRedaccion,
    VistoBueno,
    bloquear,
    db,
    hoy_lima,
)
from services import ErrorDeRegla, archivos
from services import expedir as ex
from services import firma_digital as fd
from services import normas as sn

VISTA = "redaccion"  # la pantalla cuyos permisos «visto_bueno» y «firmar» de la matriz cuentan


class ErrorRedaccion(ErrorDeRegla):
    pass


# ------------------------------------------------------------------------------------------------ el documento
def _lineas(texto: str | None) -> list[str]:
    return [x.strip() for x in (texto or "").splitlines() if x.strip()]


def _persona(u: Usuario) -> ex.Persona:
    return ex.Persona(u.nombre, u.cargo or "")


def datos_de(r: Redaccion) -> ex.DatosDocumento:
    """Lo que imprime la plantilla del tipo: el texto de la versión en curso, revisores y firmante. Una norma lleva
    su texto aprobado (considerandos, fórmula y artículos: services/normas.texto_html), su número y quien da fe."""
    norma = r.norma
    datos = ex.datos_documento(
        tipo=r.tipo_documento, unidad=r.unidad, asunto=r.asunto,
        cuerpo_html=sn.texto_html(norma) if norma is not None else r.cuerpo or "",
        firmante=_persona(r.firmante), codigo_verificacion=r.codigo_verificacion,
        vistos=[_persona(v.usuario) for v in r.revisores], destinatario=r.destinatario or "",
        referencia=r.referencia or "", cc=_lineas(r.cc),
        anexos=[ex.Anexo(a.nombre_archivo, a.paginas) for a in r.anexos],
        anio=norma.fecha_emision.year if norma is not None else None)
    if norma is not None:
        datos.tipo, datos.asunto, datos.unidad = norma.tipo.etiqueta, norma.sumilla, ""
        datos.codigo_provisional = norma.codigo or datos.codigo_provisional
        if r.da_fe is not None:
            datos.fe = ex.Persona(r.da_fe.nombre, r.da_fe.cargo or "Secretario General")
    return datos


def plantilla_de(r: Redaccion) -> str:
    """La plantilla del tipo de documento; la de una norma, la de normas (instance/plantillas/norma_<tipo>.html,
    instance/plantillas/norma.html o plantillas/norma.html: con el espacio de quien da fe)."""
    if r.norma is None:
        return ex.plantilla_de(r.tipo_documento)
    from pathlib import Path

    from flask import current_app

    candidatas = [Path(current_app.instance_path) / "plantillas" / f"norma_{r.norma.tipo.value}.html",
                  Path(current_app.instance_path) / "plantillas" / "norma.html", ex.RAIZ / "plantillas" / "norma.html"]
    return next(p for p in candidatas if p.exists()).read_text(encoding="utf-8")


def pdf_sin_firmas(r: Redaccion) -> ex.PdfDocumento:
    return ex.generar_pdf(datos_de(r), plantilla_de(r))


def vista_previa(r: Redaccion) -> bytes:
    """El PDF tal como está (con los V° B° dados, o firmado); en borrador, el que se generaría ahora."""
    if r.pdf_ruta:
        return leer_pdf(r.pdf_ruta)
    return pdf_sin_firmas(r).datos


def leer_pdf(clave: str) -> bytes:
    from services.adjuntos import leer

    datos = leer(clave)
    if datos is None:
        raise ErrorRedaccion("El PDF del documento no está en el almacenamiento: avise a TI.")
    return datos


def leer_anexo(archivo) -> AnexoRedaccion:
    """Un anexo en PDF con las comprobaciones del ingreso (tamaño, legible, sin contenido activo); el archivo se
    escribe en el almacén al guardarse el anexo con su proyecto."""
    from flask import current_app

    from services.adjuntos import ErrorAdjunto, revisar_pdf

    maximo = int(current_app.config["MAX_ADJUNTO_MB"]) * 1024 * 1024
    datos = archivo.read(maximo + 1)
    if not datos:
        raise ErrorRedaccion("El anexo está vacío.", campo="anexo")
    if len(datos) > maximo:
        raise ErrorRedaccion(f"El anexo supera el máximo de {maximo // (1024 * 1024)} MB.", campo="anexo")
    try:
        paginas = revisar_pdf(datos)
    except (ErrorAdjunto, ErrorDeRegla) as e:
        raise ErrorRedaccion(str(e), campo="anexo") from e
    nombre = (archivo.filename or "anexo.pdf").replace("/", "_").replace("\\", "_")[-200:]
    anexo = AnexoRedaccion(nombre_archivo=nombre, paginas=paginas, tamano=len(datos))
    guardado = archivos.preparar(datos, "pdf", anexo)
    anexo.sha256, anexo.ruta = guardado.sha256, guardado.clave
    return anexo


def nombre_de_archivo(r: Redaccion) -> str:
    base = r.documento.codigo if r.documento is not None else r.norma.codigo if r.norma is not None else \
        f"proyecto-{r.id}-v{r.version}"
    return _nombre_pdf(base)


def firmas_del_pdf(r: Redaccion) -> list:
    """Las firmas (V° B° y firma) del PDF en curso, validadas con pyHanko; vacío si aún no tiene."""
    if not r.pdf_ruta:
        return []
    try:
        return fd.verificar_firmas(leer_pdf(r.pdf_ruta))
    except ErrorDeRegla:
        return []


# ------------------------------------------------------------------------------------------------ reglas
def error_de_borrador(r: Redaccion) -> tuple[str, str] | None:
    """(campo, mensaje) de lo que impide enviar el borrador; None si está listo."""
    from services.tramite import serie_de_norma

    if r.tipo_documento is None:
        return "tipo_documento", "Elija el tipo de documento."
    if r.norma is None and serie_de_norma(r.tipo_documento):
        return "tipo_documento", ("Las resoluciones tienen una sola serie: se redactan desde Normas municipales, "
                                  "donde se numeran.")
    if not (r.asunto or "").strip():
        return "asunto", "Escriba el asunto."
    if not _texto(r.cuerpo):
        return "cuerpo", "Escriba el texto del documento."
    if r.firmante is None:
        return "firmante", "Elija quién firma."
    ids = [v.usuario_id or (v.usuario.id if v.usuario else None) for v in r.revisores]
    if r.norma is not None:
        if r.da_fe is None:
            return "da_fe", "Elija al Secretario General, que da fe después de la firma del alcalde."
        if r.da_fe.id == r.firmante.id or r.da_fe.id in ids:
            return "da_fe", "Quien da fe es otra persona que quien firma y que los revisores."
    if len(set(ids)) != len(ids):
        return "revisores", "Cada revisor da su V° B° una sola vez: hay uno repetido."
    if r.firmante.id in ids:
        return "revisores", "Quien firma no da además el V° B°: quítelo de los revisores."
    if r.norma is None and not r.tipo_documento.se_notifica and r.unidad_destino is None:
        return "unidad_destino", ("Un documento interno va a la bandeja de una unidad: elija la unidad de destino "
                                  "(los externos —oficio, carta— van a «por notificar»).")
    if r.unidad_destino is not None and r.unidad_destino.id == r.unidad.id:
        return "unidad_destino", "La unidad de destino es otra unidad (no la que emite)."
    return None


def _texto(html: str | None) -> str:
    from markupsafe import Markup

    return Markup(html or "").striptags().strip()


def turno(r: Redaccion) -> tuple[str, Usuario] | None:
    """(«visto_bueno» o «firmar», a quién le toca) o None si nadie tiene el turno (`Redaccion.turno`)."""
    return r.turno()


def _exigir_turno(r: Redaccion, usuario: Usuario, accion: str | None = None) -> str:
    t = turno(r)
    if t is None:
        raise ErrorRedaccion(f"«{r}» está {r.estado.etiqueta.lower()}: no espera un V° B° ni una firma.")
    que, quien = t
    espera = {"firmar": "su firma", "dar_fe": "la firma de quien da fe", "visto_bueno": "un V° B°"}
    if accion is not None and que != accion:
        raise ErrorRedaccion(f"«{r}» espera {espera[que]}, no {espera[accion].replace('su firma', 'una firma')}.")
    if quien.id != usuario.id:
        hacer = {"firmar": "firmarlo", "dar_fe": "dar fe", "visto_bueno": "dar el V° B°"}[que]
        raise ErrorRedaccion(f"Le toca a {quien.nombre} {hacer} («{r}»): los V° B° van en el orden fijado y firma "
                             "solo la persona designada.")
    permiso = "visto_bueno" if que == "visto_bueno" else "firmar"  # dar fe es firmar (matriz de permisos)
    if not usuario.puede(VISTA, permiso):
        raise ErrorRedaccion(f"Su rol no tiene el permiso «{'firmar' if permiso == 'firmar' else 'V° B°'}» "
                             "(matriz de permisos).")
    return que


# ------------------------------------------------------------------------------------------------ el flujo
def enviar(r: Redaccion, usuario: Usuario) -> str:
    """Borrador → V° B° (o directo a la firma sin revisores): el PDF de la versión queda generado y el texto fijo."""
    bloquear(r)
    if r.estado != EstadoRedaccion.borrador:
        raise ErrorRedaccion(f"«{r}» ya fue enviado ({r.estado.etiqueta.lower()}).")
    error = error_de_borrador(r)
    if error:
        raise ErrorRedaccion(error[1], campo=error[0])
    for i, rev in enumerate(r.revisores, start=1):
        rev.orden = i
    pdf = pdf_sin_firmas(r)
    _guardar_pdf(r, pdf.datos)
    r.estado = EstadoRedaccion.en_revision if r.revisores else EstadoRedaccion.por_firmar
    r.observacion = None
    siguiente = turno(r)
    return f"Enviado: le toca a {siguiente[1].nombre} {'firmar' if siguiente[0] == 'firmar' else 'dar el V° B°'}."


def _guardar_pdf(r: Redaccion, datos: bytes) -> None:
    guardado = archivos.preparar(datos, "pdf", r)
    r.pdf_ruta, r.pdf_sha256 = guardado.clave, guardado.sha256


def _esperado(u: Usuario) -> fd.Esperado:
    return fd.Esperado(dni=u.dni or None, nombre=u.nombre)


def dar_visto_bueno(r: Redaccion, usuario: Usuario, firmar_con) -> str:
    bloquear(r)
    _exigir_turno(r, usuario, "visto_bueno")
    orden = 1 + sum(1 for v in r.vistos if v.version == r.version)
    hecho = firmar_con(leer_pdf(r.pdf_ruta), campo=ex.campo_visto(orden), nombre=usuario.nombre,
                       cargo=usuario.cargo or "", motivo=fd.MOTIVO_VISTO_BUENO, esperado=_esperado(usuario))
    _guardar_pdf(r, hecho.datos)
    db.session.add(VistoBueno(redaccion=r, version=r.version, orden=orden, usuario=usuario, momento=hecho.momento,
                              pdf_sha256=hecho.sha256))
    if orden == len(r.revisores):
        r.estado = EstadoRedaccion.por_firmar
        return f"V° B° dado a «{r}»: pasa a la firma de {r.firmante.nombre}."
    return f"V° B° dado a «{r}»: sigue {r.revisores[orden].usuario.nombre}."


def devolver(r: Redaccion, usuario: Usuario, observacion: str) -> str:
    """Quien tiene el turno (revisor o firmante) lo devuelve con una observación: versión nueva, la anterior se
    guarda con su PDF."""
    bloquear(r)
    if not (observacion or "").strip():
        raise ErrorRedaccion("Escriba la observación: qué debe corregirse.", campo="observacion")
    t = turno(r)
    if t is None or t[1].id != usuario.id:
        raise ErrorRedaccion("Solo quien tiene el turno (el revisor que sigue o el firmante) devuelve el proyecto.")
    if r.firma_titular_en is not None:
        raise ErrorRedaccion(f"{r.firmante.nombre} ya firmó: falta dar fe, el documento firmado no se devuelve.")
    db.session.add(VersionRedaccion(
        redaccion=r, numero=r.version, asunto=r.asunto, cuerpo=r.cuerpo, destinatario=r.destinatario,
        referencia=r.referencia, cc=r.cc, pdf_ruta=r.pdf_ruta, observacion=observacion.strip(), devuelta_por=usuario))
    r.version += 1
    r.estado = EstadoRedaccion.borrador
    r.pdf_ruta = r.pdf_sha256 = None
    r.observacion = observacion.strip()
    return f"Devuelto a {r.unidad.sigla} con su observación: «{r.asunto[:60]}» vuelve a borrador (versión {r.version})."


def firmar(r: Redaccion, usuario: Usuario, firmar_con) -> str:
    """La firma del titular: el número se saca ahora y la firma lo escribe en el PDF; nace el documento emitido
    (o la norma recibe su PDF firmado) y se entrega."""
    bloquear(r)
    _exigir_turno(r, usuario, "firmar")
    datos = leer_pdf(r.pdf_ruta)
    if r.norma is not None:
        # la norma ya tiene su número (de su aprobación): la firma del alcalde lo pone con la fecha de emisión;
        # el PDF queda esperando la fe del Secretario General (su firma lo cierra)
        norma = _norma_por_firmar(r)
        hecho = firmar_con(datos, campo=ex.CAMPO_FIRMA, nombre=usuario.nombre, cargo=usuario.cargo or "",
                           motivo=fd.MOTIVO_AUTOR, esperado=_esperado(usuario),
                           completar={ex.CAMPO_CODIGO: norma.codigo,
                                      ex.CAMPO_FECHA: ex.lugar_fecha(norma.fecha_emision)})
        _guardar_pdf(r, hecho.datos)
        r.firma_titular_en = hecho.momento
        return f"{norma.codigo}: firmada por {usuario.nombre}; falta que {r.da_fe.nombre} dé fe."
    from services.tramite import numerar_documento

    doc = DocumentoEmitido(tipo_documento=r.tipo_documento, unidad=r.unidad, asunto=r.asunto,
                           destinatario=" – ".join(_lineas(r.destinatario))[:300] or None,
                           expediente=r.expediente, firmado_por=usuario.nombre,
                           codigo_verificacion=r.codigo_verificacion, estado=EstadoDocumento.emitido,
                           fecha=hoy_lima())
    numerar_documento(doc)  # el número, recién ahora: si la firma falla, se revierte con todo
    hecho = firmar_con(datos, campo=ex.CAMPO_FIRMA, nombre=usuario.nombre, cargo=usuario.cargo or "",
                       motivo=fd.MOTIVO_AUTOR, esperado=_esperado(usuario),
                       completar={ex.CAMPO_CODIGO: doc.codigo, ex.CAMPO_FECHA: ex.lugar_fecha(doc.fecha)})
    db.session.add(doc)
    guardado = archivos.preparar(hecho.datos, "pdf", doc)
    doc.pdf_ruta, doc.pdf_sha256 = guardado.clave, guardado.sha256
    r.pdf_ruta, r.pdf_sha256 = guardado.clave, guardado.sha256
    r.documento = doc
    r.estado = EstadoRedaccion.firmado
    aviso = entregar(r, doc, usuario, hecho.datos)
    return f"{doc.codigo} firmado digitalmente. {aviso}"


def _norma_por_firmar(r: Redaccion):
    norma = bloquear(r.norma)
    if not norma.codigo or norma.estado in (EstadoNorma.proyecto, EstadoNorma.anulada):
        raise ErrorRedaccion(f"{norma} no está aprobada (o fue anulada): no se firma.")
    if norma.pdf_firmado_ruta:
        raise ErrorRedaccion(f"{norma.codigo} ya tiene su PDF firmado: no cambia.")
    return norma


def dar_fe(r: Redaccion, usuario: Usuario, firmar_con) -> str:
    """El Secretario General da fe de la norma firmada por el alcalde: su firma cierra el PDF, que queda en la
    norma con su SHA-256 (y ya no cambia); /normas lo entrega."""
    bloquear(r)
    _exigir_turno(r, usuario, "dar_fe")
    norma = _norma_por_firmar(r)
    hecho = firmar_con(leer_pdf(r.pdf_ruta), campo=ex.CAMPO_FE, nombre=usuario.nombre,
                       cargo=usuario.cargo or "Secretario General", motivo=fd.MOTIVO_FE, esperado=_esperado(usuario))
    guardado = archivos.preparar(hecho.datos, "pdf", norma)
    norma.pdf_firmado_ruta, norma.pdf_firmado_sha256 = guardado.clave, guardado.sha256
    r.pdf_ruta, r.pdf_sha256 = guardado.clave, guardado.sha256
    r.estado = EstadoRedaccion.firmado
    return f"{norma.codigo}: firmada digitalmente por {r.firmante.nombre} y {usuario.nombre} (da fe); /normas " \
           "entrega el PDF firmado."


def descartar(r: Redaccion, usuario: Usuario) -> str:
    bloquear(r)
    if r.estado != EstadoRedaccion.borrador:
        raise ErrorRedaccion("Solo un borrador se descarta (lo enviado se devuelve).")
    if r.norma is not None:
        raise ErrorRedaccion("La firma de una norma no se descarta (cada norma tiene un solo PDF firmado): corrija "
                             "quién firma y envíela de nuevo.")
    r.estado = EstadoRedaccion.descartado
    return f"Proyecto descartado: «{r.asunto[:60]}»."


def actuar(r: Redaccion, usuario: Usuario, firmar_con) -> str:
    """Lo que le toca al usuario: su V° B° o su firma."""
    t = turno(r)
    if t is not None and t[0] == "firmar":
        return firmar(r, usuario, firmar_con)
    if t is not None and t[0] == "dar_fe":
        return dar_fe(r, usuario, firmar_con)
    return dar_visto_bueno(r, usuario, firmar_con)


# ------------------------------------------------------------------------------------------------ normas
def _exigir_firmante(usuario, campo: str, que: str) -> None:
    if usuario is None:
        raise ErrorRedaccion(f"Elija {que}.", campo=campo)
    if not usuario.activo or not usuario.puede(VISTA, "firmar"):
        raise ErrorRedaccion(f"{usuario.nombre} no tiene el permiso «firmar» (matriz de permisos).", campo=campo)


def iniciar_firma_norma(norma: NormaMunicipal, alcalde: Usuario | None, secretario: Usuario | None,
                        usuario: Usuario) -> Redaccion:
    """El PDF firmado de una norma aprobada, como un documento expedido: su texto es el de la norma (no cambia), el
    número es el de su aprobación; va a la firma del alcalde y después el Secretario General da fe
    (`firmar`, `dar_fe`). Una norma tiene un solo PDF firmado: la segunda vez, el error dice dónde está."""
    bloquear(norma)
    sn.exigir_aprobada(norma)
    if norma.tipo.value not in sn.TIPOS_CON_PDF_FIRMADO:
        raise ErrorRedaccion("Un edicto es un aviso: no se firma como norma.")
    existente = db.session.scalar(sa.select(Redaccion).where(Redaccion.norma_id == norma.id))
    if existente is not None or norma.pdf_firmado_ruta:
        estado = existente.le_toca if existente is not None and existente.le_toca else "firmado"
        raise ErrorRedaccion(f"{norma.codigo} ya tiene su PDF ({estado}): una norma tiene un solo PDF firmado.")
    _exigir_firmante(alcalde, "firmante", "al alcalde, que firma")
    _exigir_firmante(secretario, "da_fe", "al Secretario General, que da fe")
    if alcalde.id == secretario.id:
        raise ErrorRedaccion("Quien da fe es otra persona que quien firma.", campo="da_fe")
    r = Redaccion(tipo_documento=sn.tipo_documento_de(norma), unidad=usuario.unidad, norma=norma, firmante=alcalde,
                  da_fe=secretario, asunto=norma.sumilla[:500], cuerpo=sn.texto_html(norma),
                  referencia=norma.codigo)
    db.session.add(r)
    db.session.flush()  # el código de verificación (el QR del PDF) y el id
    enviar(r, usuario)
    return r


def transcribir_acuerdo(norma: NormaMunicipal, unidades: list, firmante: Usuario | None,
                        usuario: Usuario) -> list[Redaccion]:
    """Transcribe un acuerdo de concejo a las unidades que deben cumplirlo: una transcripción por unidad (documento
    interno con el texto del acuerdo, que no cambia), a la firma de `firmante` (el Secretario General); firmada,
    llega a la bandeja de la unidad con su PDF (`entregar`). Una unidad recibe un acuerdo una vez."""
    bloquear(norma)
    if norma.tipo != TipoNorma.acuerdo_concejo:
        raise ErrorRedaccion("Se transcriben los acuerdos de concejo.")
    sn.exigir_aprobada(norma)
    if not unidades:
        raise ErrorRedaccion("Elija al menos una unidad que debe cumplir el acuerdo.", campo="unidades")
    _exigir_firmante(firmante, "firmante", "quién firma la transcripción")
    ya = set(db.session.scalars(sa.select(Redaccion.unidad_destino_id).where(
        Redaccion.norma_transcrita_id == norma.id, Redaccion.estado != EstadoRedaccion.descartado)))
    repetidas = [u.sigla for u in unidades if u.id in ya]
    if repetidas:
        raise ErrorRedaccion(f"{norma.codigo} ya se transcribió a {', '.join(repetidas)}.", campo="unidades")
    if any(u.id == usuario.unidad_id for u in unidades):
        raise ErrorRedaccion("La transcripción va a otras unidades (no a la que transcribe).", campo="unidades")
    tipo = sn.tipo_documento("Transcripción", "TRANS")
    hechas = []
    for unidad in unidades:
        r = Redaccion(tipo_documento=tipo, unidad=usuario.unidad, unidad_destino=unidad, norma_transcrita=norma,
                      firmante=firmante, asunto=f"Transcripción del {norma.codigo}: {norma.sumilla}"[:500],
                      cuerpo=sn.texto_transcripcion(norma), destinatario=unidad.nombre,
                      referencia=norma.codigo)
        db.session.add(r)
        db.session.flush()
        enviar(r, usuario)
        hechas.append(r)
    return hechas


# ------------------------------------------------------------------------------------------------ entrega
def entregar(r: Redaccion, doc: DocumentoEmitido, usuario: Usuario, pdf: bytes) -> str:
    """Un documento interno llega ya a la bandeja de su unidad de destino con el PDF firmado y sus anexos: la
    derivación de su expediente (si lo tiene la unidad que firma), o un expediente interno nuevo. Uno externo queda
    emitido, «por notificar» (diligencia o casilla electrónica: services/casilla.pdf_de entrega este PDF)."""
    from services.adjuntos import anotar_firma
    from services.tramite import derivar, registrar_ingreso

    if r.unidad_destino is None:
        return "Queda por notificar (diligencia de notificación o casilla electrónica)." \
            if r.tipo_documento.se_notifica else "Queda registrado en Documentos emitidos."
    exp = r.expediente
    proveido = f"{doc.codigo}: {r.asunto}"[:1000]
    if exp is None or exp.unidad_actual_id != r.unidad_id or exp.estado not in (
            EstadoExpediente.registrado, EstadoExpediente.en_tramite):
        exp = Expediente(origen=Origen.interno, canal=Canal.digital, unidad_origen=r.unidad, unidad_actual=r.unidad,
                         tipo_documento=r.tipo_documento, documento_referencia=doc.codigo, asunto=r.asunto[:500],
                         folios=max(1, _paginas(pdf) + sum(a.paginas for a in r.anexos)),
                         observaciones=(f"Responde a {r.expediente.codigo}" if r.expediente else None))
        registrar_ingreso(exp)
        db.session.add(exp)
    adj = Adjunto(expediente=exp, nombre_archivo=_nombre_pdf(doc.codigo), tipo_mime="application/pdf",
                  tamano=len(pdf), sha256=doc.pdf_sha256, ruta=doc.pdf_ruta, subido_por_id=usuario.id)
    anotar_firma(adj, pdf)
    db.session.add(adj)
    for a in r.anexos:
        db.session.add(Adjunto(expediente=exp, nombre_archivo=a.nombre_archivo, tipo_mime="application/pdf",
                               tamano=a.tamano, sha256=a.sha256, ruta=a.ruta, subido_por_id=usuario.id))
    derivar(exp, r.unidad_destino, "atender", proveido=proveido, usuario=usuario)
    return f"Llegó a la bandeja de {r.unidad_destino.sigla} con el PDF ({exp.codigo})."


def _paginas(pdf: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _nombre_pdf(codigo: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", codigo).strip("_")[:150] + ".pdf"


# ------------------------------------------------------------------------------------------------ pendientes y lote
def pendientes(usuario: Usuario) -> list[Redaccion]:
    """Lo que espera al usuario: su V° B° (cuando es su turno) o su firma."""
    candidatos = db.session.scalars(
        sa.select(Redaccion).where(Redaccion.estado.in_((EstadoRedaccion.en_revision, EstadoRedaccion.por_firmar)),
                                   sa.or_(Redaccion.firmante_id == usuario.id, Redaccion.da_fe_id == usuario.id,
                                          Redaccion.revisores.any(usuario_id=usuario.id)))
        .order_by(Redaccion.id)).all()
    return [r for r in candidatos if (t := turno(r)) is not None and t[1].id == usuario.id]


@dataclass
class Resultado:
    redaccion_id: int
    titulo: str
    ok: bool
    mensaje: str


def firmar_lote(ids: list[int], usuario: Usuario, credencial: fd.Credencial) -> list[Resultado]:
    """Una contraseña para N documentos: si la credencial no abre o el certificado no sirve, ErrorDeRegla y nada
    cambia; si abre, cada documento en su transacción (todo o nada) con su línea de resultado."""
    resultados = []
    with fd.abrir(credencial) as firmar_con:
        for rid in ids:
            r = db.session.get(Redaccion, rid)
            if r is None:
                resultados.append(Resultado(rid, f"N° {rid}", False, "No existe."))
                continue
            titulo = str(r)
            try:
                mensaje = actuar(r, usuario, firmar_con)
                db.session.commit()
                resultados.append(Resultado(rid, titulo, True, mensaje))
            except ErrorDeRegla as e:
                db.session.rollback()
                resultados.append(Resultado(rid, titulo, False, str(e)))
    return resultados

@dataclass
class EstadoFirmas:
    """Lo que dice `/verificar/<codigo>` del PDF firmado guardado: «íntegro», «alterado» o «cadena no confiable», con
    cada firma validada por pyHanko."""

    estado: str
    firmas: list = field(default_factory=list)
    detalle: str = ""


def estado_de_firmas(ruta: str | None, sha256: str | None) -> EstadoFirmas | None:
    """Valida con pyHanko cada firma del archivo **guardado** (no de una copia): alterado si el archivo no es el que
    se firmó (SHA-256 distinto), si falta, si una firma no está íntegra o si la última no cubre todo el archivo;
    «cadena no confiable» si está íntegro pero alguna cadena no llega a una raíz de `FIRMA_RAICES_DIR`."""
    if not ruta:
        return None
    try:
        datos = archivos.leer(ruta)
    except (FileNotFoundError, ValueError):
        return EstadoFirmas("alterado", detalle="El archivo firmado no está en el almacenamiento.")
    try:
        firmas = fd.verificar_firmas(datos)
    except ErrorDeRegla as e:
        return EstadoFirmas("alterado", detalle=str(e))
    cambiado = hashlib.sha256(datos).hexdigest() != sha256
    if cambiado or not firmas or not all(f.integra for f in firmas) or not firmas[-1].cubre_todo:
        return EstadoFirmas("alterado", firmas, "El archivo guardado no es el que se firmó: fue modificado después "
                                                "de la firma.")
    if not all(f.confiable for f in firmas):
        return EstadoFirmas("cadena no confiable", firmas, "Las firmas están íntegras, pero la cadena de algún "
                                                           "certificado no llega a una entidad de confianza.")
    return EstadoFirmas("íntegro", firmas)
