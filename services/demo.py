"""La municipalidad demo «viva» que `make run` carga en una base vacía: unos meses de trabajo hechos con los
servicios de siempre (las mismas reglas que las pantallas), moviendo el reloj de la aplicación (`models.reloj`) a
cada momento pasado. Así la demo no tiene estados que las reglas prohíben ni fechas en el futuro, y cada módulo tiene
con qué trabajar:

- trámite: ingresos de mostrador y digitales (también de fin de semana), observados y subsanados o no presentados,
  derivaciones con acuse, opiniones de Asesoría Jurídica, atendidos con su respuesta, vencidos, aprobados por
  silencio positivo, documentos emitidos y sus notificaciones, y la cola de la mesa digital de hoy;
- transparencia: solicitudes derivadas, prorrogadas, respondidas (una con costo, una denegada con su excepción) y en
  plazo;
- fedatario: certificaciones gratuitas y pagadas, una con los originales retenidos;
- archivo: series, un estante, cajas transferidas y recibidas, expedientes archivados, un préstamo devuelto, otro
  vigente y uno vencido;
- concejo: sesiones celebradas con su acta (una aprobada), una de comisión con dos dictámenes (uno ya agendado, otro
  esperando al concejo), la próxima convocada; normas vigentes (ordenanza publicada, acuerdo, decreto).

`services/semilla.cargar_expedientes_sinteticos` (carga masiva, para los benchmarks) sigue aparte.
"""

from __future__ import annotations

import random
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

import models
from models import (
    ZONA_LIMA,
    Certificacion,
    Comision,
    DocumentoEmitido,
    EstadoExpediente,
    ExcepcionTransparencia,
    Expediente,
    NormaMunicipal,
    Notificacion,
    Persona,
    ProcedimientoTupa,
    Rol,
    SerieDocumental,
    SesionConcejo,
    SolicitudAcceso,
    TipoDocumento,
    Ubicacion,
    UnidadConservacion,
    UnidadOrganica,
    Usuario,
    db,
)
from services import (
    ErrorDeRegla,
    archivo,
    calendario,
    concejo,
    fedatario,
    normas,
    notificaciones,
    tramite,
    transparencia,
)
from services.semilla import cargar_concejo_demo

# además de un usuario por rol (semilla.USUARIOS_DEMO), quien recibe y atiende en otras unidades
USUARIOS_UNIDADES = {"gde": ("Elena Ramos Soto", "GDE"), "gat": ("Walter Cárdenas Lino", "GAT"),
                     "gsc": ("Nora Vilca Paredes", "GSC"), "oaj": ("Andrés Calle Rey", "OAJ")}
CIUDADANOS = [("45871236", "Carmen", "Rojas Vargas"), ("40671234", "Julia", "Chávez Díaz"),
              ("41238765", "Marco", "Ríos Paz"), ("43567812", "Lucía", "Huamán Flores"),
              ("46712398", "José", "Quispe Mamani"), ("42345671", "Rosa", "Torres Gálvez"),
              ("47891234", "Pedro", "Salas Rivas"), ("44123987", "Ana", "Vargas Lino"),
              ("48765432", "Luis", "García Poma"), ("41987654", "Miguel", "Flores Ccori"),
              ("45678123", "Sofía", "Mendoza Arce"), ("43219876", "Jorge", "Pari Condori")]
EMPRESAS = [("20123456786", "Comercial Los Andes S.A.C."), ("10456789124", "Bodega Doña Rosa"),
            ("15460123451", "Asociación de Comerciantes del Mercado Central")]
ASUNTOS = {"GDE-01": "Solicita licencia de funcionamiento para {}",
           "GDU-01": "Solicita licencia de edificación para {}",
           "GDU-02": "Solicita certificado de parámetros urbanísticos de {}",
           "GDU-03": "Solicita certificado de numeración de {}", "GAT-01": "Solicita prescripción de deuda de {}",
           "GSC-01": "Solicita autorización para evento en {}"}
LUGARES = ["el Jr. Junín 345", "la Av. Grau 1020", "el lote 7 de la Mz. B", "el Psje. Las Flores 12",
           "la Calle Real 210", "el Jr. Ayacucho 88", "la Av. Los Incas 455", "el Jr. Lima 301"]
SIN_TUPA = [("Queja por ruidos molestos en {}", "GSC"), ("Pedido de limpieza pública en {}", "GSC"),
            ("Denuncia de obra sin licencia en {}", "GDU"), ("Reclamo por arbitrios del predio de {}", "GAT"),
            ("Solicita constancia de posesión de {}", "GDU")]
RESPUESTAS = ["Se emitió el certificado y se entregó al administrado.",
              "Se otorgó la licencia; la resolución se notificó en el domicilio.",
              "Se atendió lo solicitado; se comunicó por carta.",
              "Se declaró improcedente por falta de requisitos; se notificó al administrado."]


class _Reloj:
    """El reloj de la aplicación (`models.reloj`) puesto en cada momento de la simulación."""

    def __init__(self):
        self.momento = None

    def ir(self, dia: date, hora: time) -> None:
        self.momento = datetime.combine(dia, hora, ZONA_LIMA).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.momento


@contextmanager
def _reloj_simulado():
    reloj, original = _Reloj(), models.reloj
    models.reloj = reloj
    try:
        yield reloj
    finally:
        models.reloj = original


def cargar_demo_viva(expedientes: int = 300, semilla: int = 2026) -> dict:
    """Carga la demo viva (sobre `semilla.cargar_demo`, ya hecha) y devuelve cuánto cargó de cada cosa."""
    if expedientes <= 0:
        _concejo_y_normas()
        db.session.commit()
        return {"expedientes": 0}
    return _Simulacion(expedientes, semilla).correr()


class _Simulacion:
    def __init__(self, expedientes: int, semilla: int):
        self.rnd = random.Random(semilla)
        self.total = expedientes
        self.ahora = models.reloj().astimezone(ZONA_LIMA)
        self.hoy = self.ahora.date()
        self.agenda: dict[date, list] = defaultdict(list)  # día → [(hora, acción)]
        self.cuenta: dict[str, int] = defaultdict(int)
        self.rechazos: dict[str, int] = defaultdict(int)

    # ---------------------------------------------------------------- datos de partida
    def _preparar(self) -> None:
        self.unidad = {u.sigla: u for u in db.session.scalars(sa.select(UnidadOrganica))}
        rol_unidad = db.session.scalar(sa.select(Rol).where(Rol.codigo == "unidad"))
        clave = next(iter(db.session.scalars(sa.select(Usuario.password_hash).where(Usuario.username == "unidad"))))
        for username, (nombre, sigla) in USUARIOS_UNIDADES.items():
            if not db.session.scalar(sa.select(Usuario.id).where(Usuario.username == username)):
                db.session.add(Usuario(username=username, nombre=nombre, rol=rol_unidad, unidad=self.unidad[sigla],
                                       password_hash=clave))
        db.session.flush()
        self.usuario = {u.username: u for u in db.session.scalars(sa.select(Usuario))}
        self.de_unidad = {"GDU": self.usuario["unidad"], "UTD": self.usuario["mesa_partes"],
                          "SG": self.usuario["secretaria_general"], "UAC": self.usuario["archivo"],
                          **{sigla: self.usuario[u] for u, (_, sigla) in USUARIOS_UNIDADES.items()}}
        self.procedimientos = {p.codigo: p for p in db.session.scalars(sa.select(ProcedimientoTupa))}
        self.tipo = {t.abreviatura: t for t in db.session.scalars(sa.select(TipoDocumento))}
        self.personas = []
        for dni, nombres, apellidos in CIUDADANOS:
            self.personas.append(self._persona("DNI", dni, nombres=nombres, apellidos=apellidos))
        for ruc, razon in EMPRESAS:
            self.personas.append(self._persona("RUC", ruc, razon_social=razon))
        db.session.flush()

    def _persona(self, tipo, numero, **datos) -> Persona:
        from services.identidad import remitente

        p = remitente(tipo, numero, **datos)
        db.session.add(p)
        return p

    # ---------------------------------------------------------------- la simulación
    def correr(self) -> dict:
        self._preparar()
        cal = calendario.feriados()
        habiles = []
        d = self.hoy - timedelta(days=1)
        while len(habiles) < 110:
            if calendario.es_habil(d, cal):
                habiles.append(d)
            d -= timedelta(days=1)
        habiles.reverse()
        self.primer_dia = habiles[0]
        self.ultimo_habil = habiles[-1]
        cola_de_hoy = min(4, self.total)  # lo que entra hoy por la mesa digital, antes de ahora
        entradas = self._planificar_entradas(habiles, self.total - cola_de_hoy, cal)
        with _reloj_simulado() as reloj:
            self.reloj = reloj
            reloj.ir(self.primer_dia, time(7, 30))
            self._archivo_inicial()
            dia = self.primer_dia
            while dia <= self.hoy:
                # lo que llega ese día, cada cosa a su hora; luego se atiende la agenda del día en orden
                for tipo in entradas.get(dia, []):
                    if tipo == "digital":
                        self._digital_a_su_hora(dia)
                    else:
                        self._en(dia, self._hora(8, 15), lambda d=dia: self._ingreso_presencial(d))
                if calendario.es_habil(dia, cal) and dia < self.hoy:
                    if self.rnd.random() < 0.18:
                        self._en(dia, self._hora(9, 16), lambda d=dia: self._solicitud_de_acceso(d))
                    if self.rnd.random() < 0.1:
                        self._en(dia, self._hora(9, 15), lambda d=dia: self._certificacion(d))
                if dia == self.hoy:  # la cola de hoy de la mesa digital
                    for _ in range(cola_de_hoy):
                        self._digital_a_su_hora(dia)
                self._ejecutar_del_dia(dia)
                dia += timedelta(days=1)
            reloj.ir(self.hoy, time(7, 0))
            if reloj() > self.ahora:
                reloj.momento = self.ahora - timedelta(minutes=30)
            self._archivo_final()
            self._concejo()
            db.session.commit()
        self.cuenta["expedientes"] = db.session.scalar(sa.select(sa.func.count()).select_from(Expediente))
        return dict(self.cuenta)

    def _planificar_entradas(self, habiles: list[date], cuantas: int, cal) -> dict[date, list[str]]:
        """Exactamente `cuantas` entradas repartidas en el período: de mostrador los días hábiles, digitales
        cualquier día (también fines de semana), y al menos dos de mostrador el último día hábil."""
        entradas: list[tuple[date, str]] = []
        por_dia = cuantas * 0.75 / len(habiles)
        d = self.primer_dia
        while d < self.hoy:
            if calendario.es_habil(d, cal):
                entradas += [(d, "mostrador")] * (int(por_dia) + (self.rnd.random() < por_dia % 1))
            if self.rnd.random() < 0.35:
                entradas.append((d, "digital"))
            d += timedelta(days=1)
        entradas += [(self.ultimo_habil, "mostrador")] * 2
        while len(entradas) > cuantas:
            i = self.rnd.randrange(len(entradas))
            if entradas[i][0] != self.ultimo_habil or len(entradas) - cuantas > 2:
                entradas.pop(i)
        while len(entradas) < cuantas:
            entradas.append((self.rnd.choice(habiles), "mostrador"))
        plan: dict[date, list[str]] = defaultdict(list)
        for dia, tipo in entradas:
            plan[dia].append(tipo)
        return plan

    def _en(self, dia: date, hora: time, accion) -> None:
        """Programa `accion()` para ese día y hora (nunca en el futuro ni antes de lo que ya pasó ese día)."""
        if dia == getattr(self, "dia_actual", None):
            actual = self.reloj().astimezone(ZONA_LIMA).time()
            if hora <= actual:
                hora = (datetime.combine(dia, actual) + timedelta(minutes=self.rnd.randint(5, 40))).time()
                if hora <= actual:  # pasó la medianoche: lo hace el día siguiente
                    dia, hora = self._siguiente(dia, 1), time(8, 30)
        if datetime.combine(dia, hora, ZONA_LIMA) <= self.ahora - timedelta(minutes=5):
            self.agenda[dia].append((hora, accion))

    def _ejecutar_del_dia(self, dia: date) -> None:
        self.dia_actual = dia
        self.reloj.ir(dia, time(7, 0))
        tramite.vencer_observaciones()  # la tarea diaria (cron): observados sin subsanar → no presentados
        transparencia.vencer_observaciones()
        pendientes = self.agenda[dia]
        while pendientes:
            pendientes.sort(key=lambda x: x[0])
            hora, accion = pendientes.pop(0)
            self.reloj.ir(dia, hora)
            try:
                with db.session.begin_nested():
                    accion()
            except ErrorDeRegla as e:  # la regla lo impidió (p. ej. otro trámite lo cerró antes): queda así
                self.cuenta["rechazados por una regla"] += 1
                self.rechazos[str(e)[:90]] += 1
                current_app.logger.debug("demo: %s", e)
        self.agenda.pop(dia, None)
        db.session.flush()

    def _hora(self, desde=8, hasta=16) -> time:
        return time(self.rnd.randint(desde, hasta), self.rnd.choice((0, 10, 15, 25, 30, 40, 45, 55)))

    def _siguiente(self, dia: date, n: int) -> date:
        return calendario.sumar_dias_habiles(dia, n)

    # ---------------------------------------------------------------- trámite
    def _nuevo_expediente(self, dia: date, digital: bool) -> Expediente:
        persona = self.rnd.choice(self.personas)
        lugar = self.rnd.choice(LUGARES)
        if self.rnd.random() < 0.65:
            codigo = self.rnd.choice(list(ASUNTOS))
            proc = self.procedimientos.get(codigo)
            asunto, destino = ASUNTOS[codigo].format(lugar), proc.unidad_resolutora if proc else None
        else:
            plantilla, sigla = self.rnd.choice(SIN_TUPA)
            proc, asunto, destino = None, plantilla.format(lugar), self.unidad[sigla]
        exp = Expediente(persona=persona, asunto=asunto, folios=self.rnd.randint(1, 25), procedimiento=proc,
                         tipo_documento=self.tipo["SOL"], unidad_actual=self.unidad["UTD"],
                         canal="digital" if digital else "presencial",
                         creado_por_id=None if digital else self.usuario["mesa_partes"].id)
        exp._destino = destino
        tramite.registrar_ingreso(exp)
        db.session.add(exp)
        db.session.flush()
        return exp

    def _ingreso_presencial(self, dia: date) -> None:
        exp = self._nuevo_expediente(dia, digital=False)
        ultimo = dia == self.ultimo_habil and not self.cuenta["observados ayer"]
        if ultimo or self.rnd.random() < 0.08:  # falta un requisito: observado en el mostrador (art. 136)
            tramite.observar_en_ingreso(exp, "Falta copia del recibo de pago del derecho de trámite.")
            self.cuenta["observados ayer"] += ultimo  # uno aún dentro de sus 2 días para subsanar
            if not ultimo and self.rnd.random() < 0.7:
                self._en(self._siguiente(dia, 1), self._hora(9, 12), lambda: self._subsanar(exp))
            return
        self._derivar_y_seguir(exp, dia, exp._destino)

    def _digital_a_su_hora(self, dia: date) -> None:
        """La mesa digital atiende las 24 horas, también sábados, domingos y feriados; nunca después de ahora."""
        momento = datetime.combine(dia, time(self.rnd.randint(0, 23), self.rnd.choice((5, 20, 35, 50))), ZONA_LIMA)
        if momento > self.ahora - timedelta(minutes=15):
            inicio = datetime.combine(dia, time(0, 0), ZONA_LIMA)
            minutos = int((self.ahora - inicio).total_seconds() // 60) - 15
            momento = inicio + timedelta(minutes=self.rnd.randint(0, max(0, minutos)))
        self._en(dia, momento.time(), lambda: self._ingreso_digital(dia))

    def _ingreso_digital(self, dia: date) -> None:
        exp = self._nuevo_expediente(dia, digital=True)
        exp.email_contacto = "ciudadano@example.pe"
        # la mesa de partes lo clasifica y acepta el siguiente día hábil (lo de hoy queda en la cola)
        siguiente = self._siguiente(dia, 1)
        self._en(siguiente, self._hora(8, 10), lambda: self._aceptar_digital(exp, siguiente))

    def _aceptar_digital(self, exp: Expediente, dia: date) -> None:
        tramite.clasificar(exp, exp.procedimiento, self.tipo["SOL"])
        self._derivar_y_seguir(exp, dia, exp._destino, "Ingreso por Mesa Digital aceptado.")

    def _subsanar(self, exp: Expediente) -> None:
        d = tramite.subsanar(exp, self.usuario["mesa_partes"])
        if d is None and exp._destino.id != exp.unidad_actual_id:
            d = tramite.derivar(exp, exp._destino, "atender", "Subsanado: para su atención.",
                                usuario=self.usuario["mesa_partes"])
        if d is not None:
            self._seguir(exp, d, models.hoy_lima())

    def _derivar_y_seguir(self, exp, dia, destino, proveido="Para su atención.") -> None:
        if destino is None or destino.id == exp.unidad_actual_id:
            return
        d = tramite.derivar(exp, destino, "atender", proveido, usuario=self.usuario["mesa_partes"])
        self._seguir(exp, d, dia)

    def _seguir(self, exp, d, dia) -> None:
        """Lo que hace la unidad con lo que le llega: acuse, y luego atender (con respuesta y documento), pedir opinión
        a Asesoría Jurídica o dejarlo en trámite (a veces hasta vencer)."""
        quien = self.de_unidad.get(d.unidad_destino.sigla)
        if quien is None:
            return  # una unidad sin usuario en la demo: queda por recibir
        acuse = self._siguiente(dia, self.rnd.choice((0, 1, 1, 2, 3)))
        self._en(acuse, self._hora(8, 11), lambda: tramite.recibir(d, quien))
        suerte = self.rnd.random()
        plazo = exp.plazo_dias_habiles or 10
        if suerte < 0.72:
            cuando = self._siguiente(acuse, max(1, min(plazo + 2, self.rnd.randint(1, plazo + 3))))
            self._en(cuando, self._hora(10, 16), lambda: self._atender(exp, quien))
        elif suerte < 0.84 and d.unidad_destino.sigla != "OAJ":
            cuando = self._siguiente(acuse, self.rnd.randint(1, 3))
            self._en(cuando, self._hora(9, 15), lambda: self._opinion(exp, quien, cuando))

    def _opinion(self, exp, quien, dia) -> None:
        if exp.estado != EstadoExpediente.en_tramite:
            return
        d = tramite.derivar(exp, self.unidad["OAJ"], "opinar", "Sírvase emitir opinión legal.", usuario=quien)
        oaj = self.usuario["oaj"]
        self._en(self._siguiente(dia, 1), self._hora(8, 10), lambda: tramite.recibir(d, oaj))
        vuelta = self._siguiente(dia, self.rnd.randint(2, 6))

        def devolver_con_opinion():
            regreso = tramite.derivar(exp, quien.unidad, "atender", "Con el informe legal favorable.", usuario=oaj)
            self._seguir(exp, regreso, vuelta)

        self._en(vuelta, self._hora(10, 16), devolver_con_opinion)

    def _atender(self, exp, quien) -> None:
        if exp.estado != EstadoExpediente.en_tramite or exp.unidad_actual_id != quien.unidad_id:
            return
        tramite.atender(exp, quien, self.rnd.choice(RESPUESTAS))
        self.cuenta["atendidos"] += 1
        hoy = models.hoy_lima()
        if self.rnd.random() < 0.6:  # la respuesta, un documento numerado, y su notificación
            tipo = self.tipo["CAR" if self.rnd.random() < 0.5 else "OF"]
            doc = DocumentoEmitido(tipo_documento=tipo, unidad=quien.unidad, fecha=hoy, expediente=exp,
                                   estado="proyecto", asunto=f"Respuesta: {exp.asunto}"[:500],
                                   destinatario=exp.persona.nombre_completo, firmado_por=quien.nombre)
            tramite.numerar_documento(doc)
            db.session.add(doc)
            tramite.emitir_documento(doc)
            self.cuenta["documentos emitidos"] += 1
            dias = self.rnd.choice((1, 2, 3, 3, 4, 7))  # a veces fuera del plazo del art. 24
            self._en(self._siguiente(hoy, dias), self._hora(9, 17), lambda: self._notificar(doc, exp))
        if quien.unidad.sigla == "GDU" and self.rnd.random() < 0.5:
            self._en(self._siguiente(hoy, 2), self._hora(15, 17), lambda: self._archivar(exp, quien))

    def _notificar(self, doc, exp) -> None:
        persona, natural = exp.persona, exp.persona.tipo_documento.value == "DNI"
        n = Notificacion(documento=doc, modalidad="domicilio", resultado="entregada", fecha_hora=models.ahora(),
                         direccion=self.rnd.choice(LUGARES).removeprefix("el ").removeprefix("la "),
                         receptor_nombre=persona.nombre_completo if natural else "Rosa Medina Alva",
                         receptor_documento=persona.numero_documento if natural else "40000123",
                         receptor_relacion="El propio administrado" if natural else "Trabajadora de la empresa",
                         notificador="Notificador de la municipalidad")
        notificaciones.registrar_diligencia(n)
        db.session.add(n)
        self.cuenta["notificaciones"] += 1

    def _archivar(self, exp, quien) -> None:
        if exp.estado != EstadoExpediente.atendido:
            return
        cajas = archivo.cajas_para_archivar(exp.unidad_actual_id)
        caja = cajas[0] if cajas else archivo.caja_nueva_para(exp, self.series["GDU-CN"])
        tramite.archivar(exp, quien, caja)
        self.cuenta["archivados"] += 1

    # ---------------------------------------------------------------- transparencia y fedatario
    def _solicitud_de_acceso(self, dia: date) -> None:
        persona = self.rnd.choice(self.personas[:len(CIUDADANOS)])
        pedidos = ["Copia del presupuesto participativo del año", "Relación de licencias de edificación otorgadas",
                   "Copia del contrato de limpieza pública", "Actas de las sesiones de concejo del año",
                   "Planilla de obreros del servicio de serenazgo", "Copia del plano catastral de su manzana"]
        forma = self.rnd.choice(("correo", "correo", "copia_simple"))
        sol = SolicitudAcceso(persona=persona, informacion_solicitada=self.rnd.choice(pedidos), forma_entrega=forma,
                              sexo="F" if persona.nombres in ("Carmen", "Julia", "Lucía", "Rosa", "Ana", "Sofía")
                              else "M")
        transparencia.registrar_solicitud(sol, self.unidad["SG"])
        db.session.add(sol)
        db.session.flush()
        self.cuenta["solicitudes de acceso"] += 1
        poseedora = self.unidad[self.rnd.choice(("GDU", "GAT", "GSC", "GDE"))]
        frai = self.usuario["transparencia"]
        siguiente = self._siguiente(dia, 1)

        def derivar():
            transparencia.derivar_a_unidad(sol, poseedora, "", frai)
            d = sol.expediente.derivaciones[-1]
            quien = self.de_unidad.get(poseedora.sigla)
            if quien is not None:
                self._en(self._siguiente(siguiente, 1), self._hora(8, 11), lambda: tramite.recibir(d, quien))

        self._en(siguiente, self._hora(9, 12), derivar)
        suerte = self.rnd.random()
        if suerte < 0.15:  # volumen grande: prórroga comunicada dentro de los 2 días hábiles
            self._en(self._siguiente(dia, 2), self._hora(10, 12), lambda: transparencia.prorrogar(
                sol, models.hoy_lima(), self._siguiente(sol.fecha_vencimiento, 5),
                "La información está dispersa en el archivo de la unidad."))
        respuesta = self._siguiente(dia, self.rnd.randint(4, 9))
        if suerte < 0.85:
            def responder():
                if forma == "copia_simple":
                    transparencia.liquidar(sol, self.rnd.randint(8, 40), 0)
                if suerte > 0.78:  # una denegatoria, siempre con su excepción
                    excepcion = db.session.scalar(sa.select(ExcepcionTransparencia).where(
                        ExcepcionTransparencia.codigo == "17.5"))
                    transparencia.responder(sol, "denegada", models.hoy_lima(), excepcion,
                                            fundamento="Contiene datos personales de los trabajadores.")
                else:
                    transparencia.responder(sol, "entregada", models.hoy_lima(), recibo_pago=(
                        f"R-{sol.numero:05d}" if sol.costo_reproduccion else ""))

            self._en(respuesta, self._hora(11, 16), responder)

    def _certificacion(self, dia: date) -> None:
        persona = self.rnd.choice(self.personas[:len(CIUDADANOS)])
        exp = db.session.scalar(sa.select(Expediente).where(Expediente.persona_id == persona.id).limit(1))
        cert = Certificacion(tipo=self.rnd.choice(("fedateo", "copia_certificada", "autenticacion")), persona=persona,
                             descripcion_documento=self.rnd.choice(("Copia del DNI", "Título de propiedad",
                                                                    "Partida registral", "Contrato de alquiler")),
                             folios=self.rnd.randint(1, 12),
                             expediente=exp if exp and self.rnd.random() < 0.6 else None)
        if cert.expediente is None:
            cert.derecho_pago, cert.recibo_pago = Decimal("5.00"), f"R-{self.rnd.randint(10000, 99999)}"
        if self.rnd.random() < 0.15:  # caso voluminoso: originales retenidos con constancia
            cert.originales_retenidos = True
            cert.fecha_devolucion_prevista = fedatario.limite_devolucion(dia)
            self._en(self._siguiente(dia, 1), self._hora(10, 16), lambda: fedatario.devolver_originales(cert))
        fedatario.registrar_certificacion(cert, self.usuario["fedatario"])
        db.session.add(cert)
        self.cuenta["certificaciones"] += 1

    # ---------------------------------------------------------------- archivo
    def _archivo_inicial(self) -> None:
        """Series, un estante y las cajas de años pasados de GDU, transferidas y recibidas."""
        self.series = {}
        for codigo, nombre, sigla, gestion, central, destino in (
                ("GDU-LIC", "Licencias de edificación", "GDU", 2, 8, "conservacion_permanente"),
                ("GDU-CN", "Certificados de numeración", "GDU", 2, 5, "eliminacion"),
                ("GAT-PR", "Prescripciones tributarias", "GAT", 2, 10, "eliminacion"),
                ("SG-SAIP", "Solicitudes de acceso a la información", "SG", 2, 5, "eliminacion")):
            s = SerieDocumental(codigo=codigo, nombre=nombre, unidad=self.unidad[sigla],
                                retencion_gestion_anios=gestion, retencion_central_anios=central, destino_final=destino)
            db.session.add(s)
            self.series[codigo] = s
        for nivel in (1, 2, 3, 4):
            db.session.add(Ubicacion(deposito=1, ambiente=1, estante=1, cuerpo=1, nivel=nivel, capacidad=10))
        db.session.flush()
        cajas = []
        for anio, serie in ((2014, "GDU-CN"), (2016, "GDU-CN"), (2019, "GDU-LIC"), (2021, "GDU-LIC")):
            c = UnidadConservacion(tipo="caja", serie=self.series[serie], unidad_productora=self.unidad["GDU"],
                                   fecha_inicial=date(anio, 1, 5), fecha_final=date(anio, 12, 20),
                                   folios=self.rnd.randint(120, 190), descripcion=f"{self.series[serie].nombre} {anio}")
            archivo.registrar_caja(c)
            db.session.add(c)
            cajas.append(c)
        db.session.flush()
        t = archivo.transferir_cajas(cajas, self.usuario["unidad"])
        self.reloj.ir(self._siguiente(self.primer_dia, 3), time(10, 0))
        lugares = db.session.scalars(sa.select(Ubicacion).order_by(Ubicacion.codigo)).all()
        archivo.recibir_transferencia(t, self.usuario["archivo"], {c.id: lugares[i // 2] for i, c in enumerate(cajas)})
        self.cajas_archivo = cajas
        self.cuenta["cajas"] += len(cajas)
        db.session.flush()

    def _archivo_final(self) -> None:
        """Préstamos: uno devuelto, uno vigente y uno vencido."""
        hace = {"devuelto": 30, "vencido": 16, "vigente": 3}
        for (estado, dias), caja in zip(hace.items(), self.cajas_archivo[1:], strict=False):
            desde = calendario.sumar_dias_habiles(self.hoy - timedelta(days=dias * 7 // 5 + 2), 0)
            self.reloj.ir(desde, time(10, 30))
            p = archivo.prestar(caja, self.unidad["GDU"], "Carlos Díaz Ramos")
            if estado == "devuelto":
                self.reloj.ir(self._siguiente(desde, 6), time(16, 0))
                archivo.devolver(p)
            self.cuenta["préstamos"] += 1
        db.session.flush()

    # ---------------------------------------------------------------- concejo
    def _concejo(self) -> None:
        _concejo_y_normas(self)


def _concejo_y_normas(sim: _Simulacion | None = None) -> None:
    """Dos ordinarias celebradas (la primera con su acta aprobada en la segunda), una sesión de comisión con dos
    dictámenes (uno agendado, otro esperando) y la próxima ordinaria convocada; normas vigentes."""
    periodo = cargar_concejo_demo()
    miembros = list(periodo.miembros)
    ahora = models.ahora().astimezone(ZONA_LIMA) if sim is None else sim.ahora
    hoy = ahora.date()
    cal = calendario.feriados()

    def habil_antes(dias: int) -> date:
        d = hoy - timedelta(days=dias)
        while not calendario.es_habil(d, cal):
            d -= timedelta(days=1)
        return d

    with _reloj_simulado() as reloj:
        def ir(dia, hora=time(10, 0)):
            reloj.ir(dia, hora)

        # la primera ordinaria: un acuerdo de concejo
        uno = habil_antes(28)
        ir(habil_antes(35))
        s1 = SesionConcejo(periodo=periodo, tipo="ordinaria", lugar="Salón consistorial",
                           fecha_hora=datetime.combine(uno, time(10), ZONA_LIMA), fecha_convocatoria=habil_antes(35))
        concejo.numerar_sesion(s1)
        db.session.add(s1)
        db.session.flush()
        concejo.agregar_punto(s1, "Acuerdo que aprueba el programa municipal de vaso de leche", "acuerdo")
        concejo.agregar_punto(s1, "Informe de la Gerencia Municipal sobre la ejecución presupuestal", "general",
                              "informes")
        _celebrar(s1, miembros, ir, uno, ausente=9)
        # la comisión de Desarrollo Urbano dictamina dos expedientes que la Secretaría General recibió
        comision = db.session.scalar(sa.select(Comision).where(Comision.nombre.like("%Desarrollo Urbano%")))
        dia_c = habil_antes(20)
        ir(habil_antes(24), time(9, 0))
        persona = db.session.scalar(sa.select(Persona).where(Persona.numero_documento == "15460123451")) or \
            _junta_vecinal()
        tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == "SOL"))
        unidad = {u.sigla: u for u in db.session.scalars(sa.select(UnidadOrganica))}
        sg_user = db.session.scalar(sa.select(Usuario).where(Usuario.username == "secretaria_general"))
        expedientes = []
        for asunto in ("Propuesta de ordenanza que regula el comercio ambulatorio en el distrito",
                       "Pedido de la junta vecinal para la donación de un terreno para local comunal"):
            e = Expediente(persona=persona, asunto=asunto, folios=12, tipo_documento=tipo,
                           unidad_actual=unidad["UTD"])
            tramite.registrar_ingreso(e)
            db.session.add(e)
            db.session.flush()
            d = tramite.derivar(e, unidad["SG"], "atender", "Para consideración del Concejo.")
            tramite.recibir(d, sg_user)
            expedientes.append(e)
        ir(dia_c - timedelta(days=3), time(11, 0))
        sc = SesionConcejo(periodo=periodo, comision=comision, tipo="ordinaria", lugar="Sala de comisiones",
                           fecha_hora=datetime.combine(dia_c, time(9), ZONA_LIMA))
        concejo.numerar_sesion(sc)
        db.session.add(sc)
        db.session.flush()
        for e in expedientes:
            concejo.agregar_punto(sc, f"Dictamen sobre: {e.asunto}", "general", expediente=e)
        _celebrar(sc, sc.miembros, ir, dia_c, hora=time(9, 0))
        dictamenes = [p.id for p in sc.puntos]
        # la segunda ordinaria: la ordenanza dictaminada y la aprobación del acta anterior
        dos = habil_antes(14)
        ir(habil_antes(21))
        s2 = SesionConcejo(periodo=periodo, tipo="ordinaria", lugar="Salón consistorial",
                           fecha_hora=datetime.combine(dos, time(10), ZONA_LIMA), fecha_convocatoria=habil_antes(21))
        concejo.numerar_sesion(s2)
        db.session.add(s2)
        db.session.flush()
        from models import Dictamen

        dictamen = db.session.scalar(sa.select(Dictamen).where(Dictamen.punto_id == dictamenes[0]))
        concejo.agregar_punto(s2, "Aprobación del acta de la sesión anterior", "general")
        concejo.agregar_punto(s2, "Ordenanza que regula el comercio ambulatorio en el distrito", "ordenanza",
                              dictamen=dictamen)
        texto = {"considerandos": "Que el artículo 83 de la Ley Orgánica de Municipalidades faculta a las "
                                  "municipalidades a regular el comercio ambulatorio;\nQue la Comisión de "
                                  "Desarrollo Urbano emitió dictamen favorable.",
                 "articulos": "Artículo 1.- Regular el comercio ambulatorio en las vías del distrito.\n"
                              "Artículo 2.- Encargar su cumplimiento a la Gerencia de Servicios a la Ciudad."}
        _celebrar(s2, miembros, ir, dos, contra=(7, 8),
                  textos={"Ordenanza que regula el comercio ambulatorio en el distrito": texto})
        ir(dos, time(13, 0))
        concejo.aprobar_acta(s1.acta, s2)
        ordenanza = db.session.scalar(sa.select(NormaMunicipal).where(NormaMunicipal.tipo == "ordenanza"))
        if ordenanza is not None:
            publicada = calendario.sumar_dias_habiles(dos, 2)
            ir(publicada, time(9, 0))
            normas.publicar(ordenanza, "diario_judicial", publicada)
        # un decreto de alcaldía, publicado en los carteles
        ir(habil_antes(10), time(12, 0))
        decreto = NormaMunicipal(tipo="decreto_alcaldia", sumilla="Decreto que aprueba el horario de atención al "
                                 "público de la Mesa de Partes", articulos="Artículo 1.- La Mesa de Partes atiende de "
                                 "lunes a viernes de 8:00 a 16:30 horas.\nArtículo 2.- La mesa de partes digital "
                                 "atiende las 24 horas.")
        normas.numerar_norma(decreto)
        db.session.add(decreto)
        db.session.flush()
        normas.publicar(decreto, "carteles", habil_antes(10))
        # la próxima ordinaria, convocada hoy con su agenda (el otro dictamen espera ser agendado)
        ir(hoy, min(time(8, 0), (ahora - timedelta(minutes=20)).time()))
        proxima = SesionConcejo(periodo=periodo, tipo="ordinaria", lugar="Salón consistorial",
                                fecha_hora=datetime.combine(calendario.sumar_dias_habiles(hoy, 5), time(10),
                                                            ZONA_LIMA))
        concejo.numerar_sesion(proxima)
        db.session.add(proxima)
        db.session.flush()
        concejo.agregar_punto(proxima, "Aprobación del acta de la sesión anterior", "general")
        concejo.agregar_punto(proxima, "Acuerdo que aprueba el programa de festividades navideñas", "acuerdo")
        concejo.citar(proxima)
        db.session.flush()


def _junta_vecinal() -> Persona:
    from services.identidad import remitente

    p = remitente("RUC", "15460123451", razon_social="Asociación de Comerciantes del Mercado Central")
    db.session.add(p)
    return p


def _celebrar(sesion: SesionConcejo, miembros, ir, dia: date, hora: time = time(10, 0), ausente: int | None = None,
              contra: tuple[int, ...] = (), textos: dict[str, dict] | None = None) -> None:
    """Citar con cargo una semana antes, asistencia, instalar, votar cada punto, levantar y redactar el acta.
    `textos`: {título del punto: campos del texto de la norma aprobada} (el texto se aprueba con la votación: la
    norma nace con él, porque aprobada ya no cambia)."""
    ir(dia - timedelta(days=7), time(9, 0))
    concejo.citar(sesion)
    ir(dia - timedelta(days=6), time(11, 0))
    for c in sesion.citaciones:
        c.fecha_recepcion, c.recibido_por = models.ahora(), c.para
    ir(dia, hora)
    concejo.registrar_asistencia(sesion, {m.id: ("ausente" if m.orden == ausente else "presente",
                                                 (datetime.combine(dia, hora) + timedelta(minutes=3)).time())
                                          for m in miembros})
    db.session.flush()
    db.session.expire(sesion, ["asistencias"])
    ir(dia, (datetime.combine(dia, hora) + timedelta(minutes=10)).time())
    concejo.instalar(sesion)
    presentes = {a.miembro_id for a in sesion.asistencias if a.estado.value == "presente"}
    for p in sesion.puntos:
        votos = {m.id: ("contra" if m.orden in contra else "favor", None) for m in miembros
                 if m.id in presentes and (not m.es_alcalde or sesion.comision_id is not None)}
        concejo.votar(p, votos)
        for norma in [n for n in db.session.new if isinstance(n, NormaMunicipal) and n.punto_agenda is p]:
            for campo, valor in (textos or {}).get(p.titulo, {}).items():
                setattr(norma, campo, valor)
    ir(dia, (datetime.combine(dia, hora) + timedelta(hours=2)).time())
    concejo.cambiar_estado(sesion, "levantada")
    db.session.flush()
    concejo.generar_acta(sesion)
    db.session.flush()



# ------------------------------------------------------------------ Expedir: firma digital desde el primer día
CARGOS_DEMO = {"secretaria_general": "Secretaria General", "unidad": "Gerente de Desarrollo Urbano",
               "oaj": "Jefe de la Oficina de Asesoría Jurídica", "gat": "Gerente de Administración Tributaria",
               "gde": "Gerente de Desarrollo Económico", "gsc": "Gerente de Servicios a la Ciudad"}
CUERPO_DEMO = ("<div>Me dirijo a usted para remitirle la propuesta de <strong>ordenanza de ornato</strong> del "
               "centro histórico, con el informe técnico que la sustenta, para su opinión en lo que corresponde a "
               "su gerencia.</div><ul><li>Informe técnico N° 045-2026-GDU.</li><li>Plano de sectorización.</li>"
               "</ul><div>Atentamente,</div>")


def cargar_expedir_demo(clave: str, url_base: str = "http://127.0.0.1:5000/") -> dict:
    """La PKI demo (una CA y un .p12 por usuario que firma, «DEMO – SIN VALIDEZ», con la contraseña demo, en
    `instance/firma_demo`; la CA entre las raíces de confianza) y Expedir con trabajo: un memorando GDU → GAT ya
    firmado (V° B° de Asesoría Jurídica), uno de la Secretaría General que espera el V° B° de `unidad` y la firma de
    `secretaria_general`, y un oficio que espera solo su firma: quien llega firma el primer día."""
    from models import Redaccion, RevisorRedaccion, TipoDocumento, Usuario
    from services import firma_digital as fd
    from services import redaccion as rd

    usuarios = {u.username: u for u in db.session.scalars(sa.select(Usuario))}
    for username, cargo in CARGOS_DEMO.items():
        if username in usuarios and not usuarios[username].cargo:
            usuarios[username].cargo = cargo
    db.session.commit()
    firmantes = {u.username: u.nombre for u in usuarios.values() if u.rol.codigo in ("secretaria_general", "unidad")}
    rutas = fd.generar_pki_demo(clave, firmantes)
    tipo = {t.abreviatura: t for t in db.session.scalars(sa.select(TipoDocumento))}
    unidad = {u.sigla: u for u in db.session.scalars(sa.select(UnidadOrganica))}

    def credencial(username):
        return fd.Credencial(pkcs12=rutas[username].read_bytes(), clave=clave)

    def proyecto(autor, revisores, firmante, **campos) -> Redaccion:
        r = Redaccion(unidad=autor.unidad, firmante=firmante, creado_por_id=autor.id, **campos)
        r.revisores = [RevisorRedaccion(orden=i, usuario=u) for i, u in enumerate(revisores, start=1)]
        db.session.add(r)
        db.session.flush()
        rd.enviar(r, autor)
        db.session.commit()
        return r

    with current_app.test_request_context(base_url=url_base):
        carlos, rosa = usuarios["unidad"], usuarios["secretaria_general"]
        asesor = usuarios.get("oaj")
        firmado = proyecto(carlos, [asesor] if asesor else [], carlos, tipo_documento=tipo["MEM"],
                           unidad_destino=unidad["GAT"], asunto="Remite propuesta de ordenanza de ornato",
                           destinatario="WALTER CÁRDENAS LINO\nGerente de Administración Tributaria",
                           referencia="Informe técnico N° 045-2026-GDU", cuerpo=CUERPO_DEMO,
                           cc="Gerencia Municipal\nArchivo")
        if asesor:
            with fd.abrir(credencial("oaj")) as firmar_con:
                rd.dar_visto_bueno(firmado, asesor, firmar_con)
            db.session.commit()
        with fd.abrir(credencial("unidad")) as firmar_con:
            rd.firmar(firmado, carlos, firmar_con)
        db.session.commit()
        proyecto(rosa, [carlos], rosa, tipo_documento=tipo["MEM"], unidad_destino=unidad["GDU"],
                 asunto="Pautas para la redacción de documentos en el sistema (cero papel)",
                 destinatario="CARLOS DÍAZ RAMOS\nGerente de Desarrollo Urbano", cuerpo=(
                     "<div>Desde la fecha, los memorandos, informes y oficios de la entidad se redactan, reciben "
                     "el V° B° y se firman digitalmente en el sistema.</div>"))
        proyecto(rosa, [], rosa, tipo_documento=tipo["OF"], asunto="Comunica la fecha de la audiencia vecinal",
                 destinatario="JUNTA VECINAL SAN JUAN\nPresidente", cuerpo=(
                     "<div>Tengo el agrado de comunicarle que la audiencia vecinal se realizará en el salón de actos "
                     "de la municipalidad.</div>"))
    return {"firmados": 1, "por firmar": 2, "certificados demo": len(rutas)}
