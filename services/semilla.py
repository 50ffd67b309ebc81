"""Datos iniciales: roles con su matriz de permisos, catálogos, municipalidad demo y carga masiva."""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from models import (
    ZONA_LIMA,
    Comision,
    Derivacion,
    Expediente,
    MiembroComision,
    MiembroConcejo,
    PeriodoMunicipal,
    Permiso,
    Persona,
    ProcedimientoTupa,
    PuntoAgenda,
    Rol,
    SesionConcejo,
    TipoDocumento,
    UnidadOrganica,
    Usuario,
    ahora,
    db,
    hoy_lima,
)
from services import calendario
from services.calendario import cargar_feriados  # noqa: F401  (la demo y la CLI la usan desde aquí)
from services.numeracion import fijar_minimo
from services.permisos import por_vista
from services.tramite import ALFABETO_CLAVE, fecha_presentacion, silencio_desde, vencimiento

# Los permisos por defecto de cada rol NO se escriben aquí: cada pantalla los declara junto a su código
# (`permisos_por_defecto` en admin_views/…) y la semilla se calcula de esas declaraciones.
ROLES = {  # código: (nombre, alcance)
    "admin": ("Administrador del sistema", "todas"),
    "secretaria_general": ("Secretaría General", "todas"),
    "mesa_partes": ("Mesa de Partes", "todas"),
    "unidad": ("Unidad orgánica", "unidad"),
    "archivo": ("Archivo Central", "todas"),
    "fedatario": ("Fedatario", "todas"),
    "transparencia": ("Transparencia (FRAI)", "todas"),
    "concejo": ("Concejo Municipal (regidores)", "todas"),
    "auditor": ("Auditor (solo lectura)", "todas"),
}


def matriz_por_defecto() -> dict[str, set[tuple[str, str]]]:
    """{rol: {(vista, acción)}} que declaran las pantallas registradas (`permisos_por_defecto`)."""
    declarados = {vista.endpoint: vista.permisos_por_defecto
                  for vista in current_app.extensions["admin"][0]._views
                  if hasattr(vista, "permisos_por_defecto")}
    matriz: dict[str, set[tuple[str, str]]] = {codigo: set() for codigo in ROLES}
    for rol, vista, accion in por_vista(declarados):
        if rol not in matriz:
            raise ValueError(f"la vista {vista!r} declara permisos para un rol que no existe: {rol!r}")
        matriz[rol].add((vista, accion))
    return matriz


ORDEN_LETRAS = (("ver", "v"), ("crear", "c"), ("editar", "e"), ("eliminar", "d"), ("anular", "a"))


def tabla_roles_markdown() -> str:
    """La tabla «Rol | Alcance | Puede» del README, calculada de las declaraciones de las pantallas (en el orden
    del menú; pantallas con las mismas letras, juntas). Regenerar: `flask --app app tabla-roles`."""
    matriz = matriz_por_defecto()
    vistas = [v for v in current_app.extensions["admin"][0]._views if hasattr(v, "permisos_por_defecto")]
    filas = ["| Rol | Alcance | Puede (por defecto) |", "|---|---|---|"]
    for codigo, (_, alcance) in ROLES.items():
        grupos: dict[str, list[str]] = {}
        for v in vistas:
            letras = "".join(letra for a, letra in ORDEN_LETRAS if (v.endpoint, a) in matriz[codigo])
            if letras:
                grupos.setdefault(letras, []).append(v.name)
        if list(grupos) == ["v"] and len(grupos["v"]) == len(vistas):
            puede = "todas las pantallas: v"
        else:
            puede = "; ".join(f"{', '.join(nombres)}: {letras}" for letras, nombres in grupos.items())
        filas.append(f"| `{codigo}` | {alcance} | {puede} |")
    return "\n".join(filas)


def acciones_por_defecto(rol: str) -> set[tuple[str, str]]:
    return matriz_por_defecto()[rol]


def asegurar_roles() -> None:
    """Crea los roles que falten con su matriz por defecto (no toca los que ya existen)."""
    existentes = set(db.session.scalars(sa.select(Rol.codigo)))
    matriz = matriz_por_defecto()
    for codigo, (nombre, alcance) in ROLES.items():
        if codigo in existentes:
            continue
        rol = Rol(codigo=codigo, nombre=nombre, alcance=alcance)
        rol.permisos = [Permiso(vista=v, accion=a) for v, a in sorted(matriz[codigo])]
        db.session.add(rol)
    db.session.flush()


UNIDADES = [  # sigla, nombre, tipo, padre
    ("ALC", "Alcaldía", "alta_direccion", None),
    ("GM", "Gerencia Municipal", "alta_direccion", "ALC"),
    ("OCI", "Órgano de Control Institucional", "organo_control", None),
    ("OAJ", "Oficina de Asesoría Jurídica", "organo_asesoria", "GM"),
    ("SG", "Secretaría General", "organo_apoyo", "GM"),
    ("UTD", "Unidad de Trámite Documentario", "organo_apoyo", "SG"),
    ("UAC", "Unidad de Archivo Central", "organo_apoyo", "SG"),
    ("GAF", "Gerencia de Administración y Finanzas", "organo_apoyo", "GM"),
    ("GDU", "Gerencia de Desarrollo Urbano", "organo_linea", "GM"),
    ("GDE", "Gerencia de Desarrollo Económico", "organo_linea", "GM"),
    ("GSC", "Gerencia de Servicios a la Ciudad", "organo_linea", "GM"),
    ("GAT", "Gerencia de Administración Tributaria", "organo_linea", "GM"),
    ("GDS", "Gerencia de Desarrollo Social", "organo_linea", "GM"),
]
# nombre, abreviatura, numeración y si se notifica al administrado (LPAG arts. 18–27)
TIPOS_DOCUMENTO = [("Oficio", "OF", "unidad", True), ("Informe", "INF", "unidad", False),
                   ("Memorando", "MEM", "unidad", False), ("Carta", "CAR", "unidad", True),
                   ("Solicitud", "SOL", "institucional", False), ("Resolución", "RES", "institucional", True),
                   ("Proveído", "PROV", "unidad", False), ("Informe técnico", "IT", "unidad", False)]
PROCEDIMIENTOS = [  # código, nombre, plazo, silencio, derecho, unidad
    ("GDE-01", "Licencia de funcionamiento (riesgo bajo o medio)", 4, "positivo", "120.50", "GDE"),
    ("GDU-01", "Licencia de edificación – Modalidad B", 15, "positivo", "350.00", "GDU"),
    ("GDU-02", "Certificado de parámetros urbanísticos y edificatorios", 5, "positivo", "85.00", "GDU"),
    ("GDU-03", "Certificado de numeración", 5, "positivo", "30.00", "GDU"),
    ("GAT-01", "Prescripción de deuda tributaria", 30, "negativo", "0.00", "GAT"),
    ("SG-01", "Acceso a la información pública", 10, "negativo", "0.00", "SG"),
    ("GSC-01", "Autorización para evento público no deportivo", 10, "positivo", "60.00", "GSC"),
]
USUARIOS_DEMO = {  # username = código del rol
    "admin": ("Ana Torres (TI)", "SG"), "secretaria_general": ("Rosa Quispe Mamani", "SG"),
    "mesa_partes": ("Luis Huamán Rojas", "UTD"), "unidad": ("Carlos Díaz Ramos", "GDU"),
    "archivo": ("María Flores Castro", "UAC"), "fedatario": ("Jorge Salazar Vega", "UTD"),
    "transparencia": ("Patricia Ríos León", "SG"), "concejo": ("Regidor Demo", "ALC"),
    "auditor": ("Julio Paredes Soto", "OCI"),
}


CONCEJO_DEMO = [  # nombre, organización política (el primero es el alcalde; luego el orden de la lista)
    ("Víctor Raúl Mendoza Salas", "Alianza Vecinal"), ("Gloria Chávez Huertas", "Alianza Vecinal"),
    ("Ernesto Villanueva Ríos", "Alianza Vecinal"), ("Milagros Ccahuana Torres", "Alianza Vecinal"),
    ("Roberto Espinoza Lau", "Alianza Vecinal"), ("Silvia Paucar Quispe", "Alianza Vecinal"),
    ("Hugo Ramírez Delgado", "Fuerza Distrital"), ("Karina Ortiz Maldonado", "Fuerza Distrital"),
    ("Teodoro Yupanqui Arce", "Movimiento Regional Progreso"),
    ("Lourdes Benavides Cano", "Movimiento Regional Progreso"),
]
COMISIONES_DEMO = [("Comisión de Economía y Presupuesto", [2, 3, 7]),
                   ("Comisión de Desarrollo Urbano", [4, 1, 8]), ("Comisión de Asuntos Legales", [5, 6, 9])]


def _ascii(texto: str) -> str:
    return unicodedata.normalize("NFKD", texto).encode("ascii", "ignore").decode()


def cargar_concejo_demo() -> PeriodoMunicipal:
    """Período municipal vigente (los períodos empiezan en 2023, 2027…) con alcalde, regidores y comisiones."""
    hoy = hoy_lima()
    inicio = 2023 + 4 * ((hoy.year - 2023) // 4)
    nombre = f"{inicio}-{inicio + 3}"
    periodo = db.session.scalar(sa.select(PeriodoMunicipal).where(PeriodoMunicipal.nombre == nombre))
    if periodo is not None:
        return periodo
    periodo = PeriodoMunicipal(nombre=nombre, inicio=date(inicio, 1, 1), fin=date(inicio + 3, 12, 31))
    miembros = [MiembroConcejo(periodo=periodo, nombre=n, organizacion_politica=o, orden=i,
                               cargo="alcalde" if i == 0 else "regidor",
                               email=_ascii(f"{n.split()[0]}.{n.split()[-2]}@demo.gob.pe".lower()))
                for i, (n, o) in enumerate(CONCEJO_DEMO)]
    for nombre_c, ordenes in COMISIONES_DEMO:
        com = Comision(periodo=periodo, nombre=nombre_c, tipo="ordinaria")
        com.miembros = [MiembroComision(miembro=miembros[o], cargo=c)
                        for o, c in zip(ordenes, ("presidente", "vicepresidente", "secretario"), strict=True)]
        db.session.add(com)
    db.session.add_all([periodo, *miembros])
    db.session.flush()
    return periodo


def cargar_sesiones_demo() -> None:
    """Una sesión ordinaria celebrada (asistencia, votos, acta, ordenanza publicada) y la próxima, convocada."""
    from services import concejo, normas

    if db.session.scalar(sa.select(sa.func.count()).select_from(SesionConcejo)):
        return
    periodo = cargar_concejo_demo()
    miembros = list(periodo.miembros)
    hoy = hoy_lima()
    pasada = SesionConcejo(periodo=periodo, tipo="ordinaria", lugar="Salón consistorial", estado="convocada",
                           fecha_hora=datetime.combine(hoy - timedelta(days=14), time(10), ZONA_LIMA),
                           fecha_convocatoria=hoy - timedelta(days=21))
    proxima = SesionConcejo(periodo=periodo, tipo="ordinaria", lugar="Salón consistorial",
                            fecha_hora=datetime.combine(hoy + timedelta(days=7), time(10), ZONA_LIMA))
    for sesion, puntos in ((pasada, [("Ordenanza que regula el comercio ambulatorio en el distrito", "ordenanza"),
                                     ("Informe de la Gerencia Municipal sobre la ejecución presupuestal", "general")]),
                           (proxima, [("Aprobación del acta de la sesión anterior", "general"),
                                      ("Acuerdo que aprueba el programa de festividades navideñas", "acuerdo")])):
        concejo.numerar_sesion(sesion)
        db.session.add(sesion)
        sesion.puntos = [PuntoAgenda(orden=i, titulo=t, materia=m, mayoria_requerida=concejo.mayoria_de(m))
                         for i, (t, m) in enumerate(puntos, start=1)]
    db.session.flush()
    concejo.citar(pasada)
    for c in pasada.citaciones:
        c.fecha_envio = pasada.fecha_hora - timedelta(days=7)
        c.fecha_recepcion, c.recibido_por = pasada.fecha_hora - timedelta(days=6), c.para
    pasada.fecha_convocatoria = hoy - timedelta(days=21)
    concejo.registrar_asistencia(pasada, {m.id: ("ausente" if m.orden == 9 else "presente", time(10, 5))
                                          for m in miembros})
    db.session.flush()
    db.session.expire(pasada, ["asistencias"])
    concejo.instalar(pasada)
    votos = {m.id: ("contra" if m.orden in (7, 8) else "favor", None) for m in miembros if 0 < m.orden < 9}
    concejo.votar(pasada.puntos[0], votos)
    ordenanza = normas.crear_norma_de_punto(pasada.puntos[0])
    normas.publicar(ordenanza, "diario_judicial", pasada.fecha + timedelta(days=2))
    pasada.estado = "levantada"
    db.session.flush()
    concejo.generar_acta(pasada)
    concejo.citar(proxima)


def hay_datos_reales() -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(Expediente))) or \
        bool(db.session.scalar(sa.select(sa.func.count()).select_from(Usuario)))


def cargar_demo(password: str) -> None:
    asegurar_roles()
    hoy = hoy_lima()
    for anio in (hoy.year - 1, hoy.year, hoy.year + 1):
        cargar_feriados(anio)
    unidades: dict[str, UnidadOrganica] = {
        u.sigla: u for u in db.session.scalars(sa.select(UnidadOrganica))}
    for sigla, nombre, tipo, padre in UNIDADES:
        if sigla not in unidades:
            unidades[sigla] = UnidadOrganica(sigla=sigla, nombre=nombre, tipo=tipo, padre=unidades.get(padre))
            db.session.add(unidades[sigla])
    from services.expedir import plantilla_por_defecto

    for nombre, abrev, numeracion, notifica in TIPOS_DOCUMENTO:
        if not db.session.scalar(sa.select(TipoDocumento.id).where(TipoDocumento.nombre == nombre)):
            # la plantilla del sistema, copiada para que el administrador la vea y la adapte a cada tipo
            db.session.add(TipoDocumento(nombre=nombre, abreviatura=abrev, numeracion=numeracion,
                                         se_notifica=notifica, plantilla=plantilla_por_defecto()))
    for codigo, nombre, plazo, silencio, derecho, sigla in PROCEDIMIENTOS:
        if not db.session.scalar(sa.select(ProcedimientoTupa.id).where(ProcedimientoTupa.codigo == codigo)):
            db.session.add(ProcedimientoTupa(codigo=codigo, nombre=nombre, plazo_dias_habiles=plazo,
                                             silencio=silencio, derecho_tramite=Decimal(derecho),
                                             unidad_resolutora=unidades[sigla]))
    roles = {r.codigo: r for r in db.session.scalars(sa.select(Rol))}
    for username, (nombre, sigla) in USUARIOS_DEMO.items():
        u = db.session.scalar(sa.select(Usuario).where(Usuario.username == username))
        if u is None:
            u = Usuario(username=username, nombre=nombre, rol=roles[username], unidad=unidades[sigla])
            db.session.add(u)
        u.set_password(password)
    cargar_concejo_demo()
    db.session.flush()


# ------------------------------------------------------------------ carga masiva (benchmarks)
ASUNTOS = ["Solicita licencia de funcionamiento", "Solicita certificado de parámetros urbanísticos",
           "Remite informe técnico", "Solicita acceso a la información pública", "Queja por ruidos molestos",
           "Solicita constancia de posesión", "Reclamo por arbitrios", "Solicita certificado de numeración",
           "Solicita autorización de evento", "Pedido de limpieza pública", "Denuncia de obra sin licencia",
           "Solicita prescripción tributaria", "Invitación a reunión de coordinación", "Remite expediente técnico"]
NOMBRES = ["Juan", "María", "Rosa", "Luis", "Carmen", "José", "Ana", "Pedro", "Lucía", "Miguel"]
APELLIDOS = ["Quispe", "Mamani", "Huamán", "Flores", "Rojas", "García", "Torres", "Chávez", "Vargas", "Díaz"]
DIAS_SINTETICOS = 720  # los expedientes sintéticos se reparten en los últimos ~2 años
ESTADOS = ["registrado"] * 2 + ["en_tramite"] * 5 + ["atendido"] * 3 + ["archivado"] * 2 + ["observado"]


def _insertar(tabla, columnas: list[str], filas: list[tuple]) -> None:
    """COPY en PostgreSQL; executemany por lotes en SQLite."""
    conexion = db.session.connection()
    if conexion.dialect.name == "postgresql":
        cruda = conexion.connection.driver_connection
        with cruda.cursor() as cur, cur.copy(f"COPY {tabla.name} ({', '.join(columnas)}) FROM STDIN") as cp:
            for fila in filas:
                cp.write_row(fila)
        return
    cruda = conexion.connection.driver_connection
    sql = f"INSERT INTO {tabla.name} ({', '.join(columnas)}) VALUES ({', '.join('?' * len(columnas))})"
    cruda.executemany(sql, ([_a_sqlite(v) for v in fila] for fila in filas))


def _a_sqlite(v):
    """Mismo formato de texto que usa SQLAlchemy en SQLite (momentos en UTC)."""
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v


def cargar_expedientes_sinteticos(n: int, semilla: int = 2026, derivaciones_por_exp: float = 2.0) -> None:
    """N expedientes repartidos en unidades, estados y fechas (~2 derivaciones cada uno)."""
    rnd = random.Random(semilla)
    dialecto = db.session.connection().dialect.name
    unidades = list(db.session.scalars(sa.select(UnidadOrganica.id)))
    utd = db.session.scalar(sa.select(UnidadOrganica.id).where(UnidadOrganica.sigla == "UTD")) or unidades[0]
    tipos = list(db.session.scalars(sa.select(TipoDocumento.id)))
    procs = list(db.session.execute(sa.select(ProcedimientoTupa.id, ProcedimientoTupa.plazo_dias_habiles,
                                              ProcedimientoTupa.unidad_resolutora_id, ProcedimientoTupa.silencio)))
    for anio in range(hoy_lima().year - DIAS_SINTETICOS // 365 - 1, hoy_lima().year):
        cargar_feriados(anio)  # los años que cubren las fechas sintéticas
    cal = calendario.feriados()
    base_persona = (db.session.scalar(sa.select(sa.func.max(Persona.id))) or 0) + 1
    n_personas = max(1, n // 10)
    dnis = rnd.sample(range(10_000_000, 99_999_999), n_personas)
    personas = [(base_persona + i, "DNI", str(dnis[i]), rnd.choice(NOMBRES),
                 f"{rnd.choice(APELLIDOS)} {rnd.choice(APELLIDOS)}") for i in range(n_personas)]
    existentes = set(db.session.scalars(sa.select(Persona.numero_documento)))
    personas = [p for p in personas if p[2] not in existentes]
    ahora_utc = ahora()
    _insertar(Persona.__table__, ["id", "tipo_documento", "numero_documento", "nombres", "apellidos", "creado_en"],
              [(*p, ahora_utc) for p in personas])
    ids_persona = [p[0] for p in personas] or [base_persona]

    recepciones = []
    limite = ahora()
    hoy = hoy_lima()
    for _ in range(n):
        dia = hoy - timedelta(days=rnd.randint(0, DIAS_SINTETICOS))
        hora = time(rnd.randint(7, 22), rnd.randint(0, 59), rnd.randint(0, 59))
        recepciones.append(min(datetime.combine(dia, hora, ZONA_LIMA).astimezone(UTC), limite))
    recepciones.sort()
    base_id = (db.session.scalar(sa.select(sa.func.max(Expediente.id))) or 0) + 1
    base_der = (db.session.scalar(sa.select(sa.func.max(Derivacion.id))) or 0) + 1
    numeros: dict[int, int] = {}
    for anio, ultimo in db.session.execute(sa.select(Expediente.anio, sa.func.max(Expediente.numero))
                                           .group_by(Expediente.anio)):
        numeros[anio] = ultimo
    cols_exp = ["id", "anio", "numero", "codigo", "clave", "fecha_recepcion", "fecha_presentacion", "origen",
                "canal", "persona_id", "unidad_origen_id", "tipo_documento_id", "asunto", "folios",
                "procedimiento_id", "prioridad", "estado", "unidad_actual_id", "plazo_dias_habiles",
                "fecha_vencimiento", "silencio_positivo_desde", "fecha_primera_derivacion", "creado_en"]
    cols_der = ["id", "expediente_id", "unidad_origen_id", "unidad_destino_id", "fecha_envio", "accion",
                "plazo_dias_habiles", "fecha_limite", "fecha_recepcion", "estado", "fecha_atencion", "creado_en"]
    filas_exp, filas_der = [], []
    did = base_der
    for i, rec in enumerate(recepciones):
        pres = fecha_presentacion(rec, cal)
        anio = rec.astimezone(ZONA_LIMA).year
        numeros[anio] = numeros.get(anio, 0) + 1
        proc = rnd.choice(procs) if procs and rnd.random() < 0.6 else None
        plazo = proc[1] if proc else 30
        interno = rnd.random() < 0.25
        actual = proc[2] if proc and rnd.random() < 0.7 else rnd.choice(unidades)
        estado = rnd.choice(ESTADOS)
        # observado: sin vencimiento hasta que se subsane (art. 136.3); con silencio positivo, su día
        vence = None if estado == "observado" else vencimiento(pres, plazo, cal)
        eid = base_id + i
        k = int(derivaciones_por_exp) + (1 if rnd.random() < derivaciones_por_exp % 1 else 0)
        origen, momento = utd, rec + timedelta(minutes=20)
        filas_exp.append((
            eid, anio, numeros[anio], Expediente.formato_codigo(anio, numeros[anio]),
            "".join(rnd.choices(ALFABETO_CLAVE, k=8)), rec, pres, "interno" if interno else "externo",
            "digital" if rnd.random() < 0.2 else "presencial",
            None if interno else rnd.choice(ids_persona), rnd.choice(unidades) if interno else None,
            rnd.choice(tipos), f"{rnd.choice(ASUNTOS)} N° {eid}", rnd.randint(1, 120), proc[0] if proc else None,
            "urgente" if rnd.random() < 0.05 else "normal", estado, actual, plazo, vence,
            silencio_desde(vence, bool(proc) and proc[3].value == "positivo", cal), momento if k else None, rec))
        for j in range(k):
            destino = actual if j == k - 1 else rnd.choice(unidades)
            recibida = j < k - 1 or estado != "registrado"
            siguiente = momento + timedelta(days=rnd.randint(1, 5))
            # la última sigue abierta salvo que el expediente ya terminó (atender y archivar la cierran)
            cerrada = j < k - 1 or estado in ("atendido", "archivado")
            filas_der.append((did, eid, origen, destino, momento, "atender", 7,
                              calendario.sumar_habiles(momento.astimezone(ZONA_LIMA).date(), 7, cal),
                              momento + timedelta(hours=3) if recibida else None,
                              ("atendido" if cerrada else "recibido") if recibida else "pendiente",
                              max(momento, min(siguiente, limite)) if cerrada else None, momento))
            did += 1
            origen, momento = destino, siguiente
    _insertar(Expediente.__table__, cols_exp, filas_exp)
    _insertar(Derivacion.__table__, cols_der, filas_der)
    for anio, ultimo in numeros.items():
        fijar_minimo(f"expediente:{anio}", ultimo)
    if dialecto == "postgresql":
        for tabla in ("persona", "expediente", "derivacion"):
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{tabla}', 'id'), (SELECT max(id) FROM {tabla}))"))
    current_app.logger.info("Cargados %s expedientes y %s derivaciones", len(filas_exp), len(filas_der))


# ------------------------------------------------------------------ casilla electrónica demo
CASILLA_DEMO = [  # DNI, nombres, apellidos, correo, asunto del expediente, procedimiento
    ("40000001", "Rosa Elena", "Quispe Huamán", "rosa.quispe@example.pe",
     "Solicita certificado de parámetros urbanísticos del lote 7, Mz. B", "GDU-02"),
    ("40000002", "Carlos Alberto", "Mendoza Ríos", "carlos.mendoza@example.pe",
     "Solicita licencia de funcionamiento para librería", "GDE-01"),
]


def pdf_demo(titulo: str, lineas: list[str]) -> bytes:
    """Un PDF de una página con texto (Helvetica, WinAnsi) para los documentos de la demo: lo que el ciudadano abre
    en su casilla. Solo la demo; el PDF de un acto real lo da services.casilla.pdf_de."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    def texto(t: str) -> str:
        t = t.encode("cp1252", "replace").decode("latin-1")
        return t.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    w = PdfWriter()
    pagina = w.add_blank_page(595, 842)
    fuente = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                               NameObject("/BaseFont"): NameObject("/Helvetica"),
                               NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
    pagina[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(fuente)})})
    ops = [f"BT /F1 15 Tf 72 760 Td ({texto(titulo)}) Tj ET"]
    for i, linea in enumerate(lineas):
        ops.append(f"BT /F1 11 Tf 72 {720 - 18 * i} Td ({texto(linea)}) Tj ET")
    contenido = DecodedStreamObject()
    contenido.set_data("\n".join(ops).encode("latin-1"))
    pagina[NameObject("/Contents")] = w._add_object(contenido)
    salida = io.BytesIO()
    w.write(salida)
    return salida.getvalue()


def cargar_casilla_demo(password: str) -> None:
    """Dos ciudadanos con casilla (DNI 40000001 y 40000002, contraseña = la de la demo), consentimiento vigente y una
    carta depositada cada uno; el segundo, además, con un expediente observado que puede subsanar en línea."""
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.security import generate_password_hash

    from models import DocumentoEmitido
    from services import casilla, tramite
    from services.adjuntos import guardar_pdf

    if db.session.scalar(sa.select(Persona.id).where(Persona.numero_documento == CASILLA_DEMO[0][0])):
        return
    mesa = db.session.scalar(sa.select(Usuario).where(Usuario.username == "mesa_partes"))
    carta = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == "Carta"))
    solicitud = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.nombre == "Solicitud"))
    unidades = {u.sigla: u for u in db.session.scalars(sa.select(UnidadOrganica))}
    hace = ahora() - timedelta(days=6)
    for i, (dni, nombres, apellidos, email, asunto, proc) in enumerate(CASILLA_DEMO):
        persona = Persona(tipo_documento="DNI", numero_documento=dni, nombres=nombres, apellidos=apellidos,
                          email=email, direccion="Av. Los Próceres 1450, Cercado")
        procedimiento = db.session.scalar(sa.select(ProcedimientoTupa).where(ProcedimientoTupa.codigo == proc))
        exp = Expediente(origen="externo", canal="digital", persona=persona, tipo_documento=solicitud, asunto=asunto,
                         folios=3, procedimiento=procedimiento, unidad_actual=unidades["UTD"], email_contacto=email,
                         fecha_recepcion=hace)
        tramite.registrar_ingreso(exp)
        persona = exp.persona  # el remitente ya guardado (services.identidad.guardar_remitente), no el armado arriba
        db.session.add(exp)
        db.session.flush()
        tramite.derivar(exp, procedimiento.unidad_resolutora, "atender", "Para su atención.", usuario=mesa)
        cuenta = casilla.crear_en_mostrador(persona, email, mesa, consentimiento=True, ip="127.0.0.1")
        cuenta.password_hash = generate_password_hash(password)
        cuenta.email_verificado_en = ahora()
        unidad = procedimiento.unidad_resolutora
        doc = DocumentoEmitido(tipo_documento=carta, unidad=unidad, fecha=hoy_lima(), expediente=exp,
                               asunto=f"Respuesta a su solicitud {exp.codigo}",
                               destinatario=persona.nombre_completo, firmado_por=f"Gerente de {unidad.sigla}")
        tramite.numerar_documento(doc)
        db.session.add(doc)
        db.session.flush()
        tramite.emitir_documento(doc)
        datos = pdf_demo(f"CARTA – {doc.codigo}", [
            f"Señor(a): {persona.nombre_completo}", f"Referencia: {exp.codigo} – {asunto}", "",
            "Por la presente le comunicamos que su solicitud ha sido evaluada y se encuentra",
            "conforme. Puede recoger el documento solicitado en la unidad indicada.", "",
            "DOCUMENTO DE DEMOSTRACIÓN – SIN VALIDEZ"])
        adj = guardar_pdf(FileStorage(io.BytesIO(datos), filename=f"carta-{doc.numero:03d}.pdf"), mesa.id)
        adj.documento_id = doc.id
        db.session.add(adj)
        db.session.flush()
        casilla.depositar(doc, usuario=mesa)
        if i == 1:  # un segundo trámite, observado hoy: se subsana en línea desde «Mis trámites»
            otro = Expediente(origen="externo", canal="digital", persona=persona, tipo_documento=solicitud,
                              asunto="Solicita autorización de anuncio publicitario", folios=2,
                              unidad_actual=unidades["UTD"], email_contacto=email)
            tramite.registrar_ingreso(otro)
            db.session.add(otro)
            db.session.flush()
            tramite.observar_en_ingreso(otro, "Falta la vista del anuncio con sus medidas (plano o fotografía).")
    db.session.flush()
