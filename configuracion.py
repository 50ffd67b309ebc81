"""La configuración de Secretaría en una sola tabla: nombre, valor por defecto y significado.

`create_app` carga estos valores, luego `instance/config.py` y luego las variables de entorno de las
opciones marcadas `entorno=True` (el entorno gana sobre el archivo). El código los lee siempre como
`current_app.config["NOMBRE"]`, sin un segundo valor por defecto escondido en otro lugar. Las opciones
cuyo valor por defecto es un diccionario se **combinan**: `PLAZOS_ACCION = {"opinar": 5}` en
`instance/config.py` cambia solo esa acción y deja las demás como aquí.

La tabla «Configuración» del README se genera de esta (`python configuracion.py`); una prueba compara
las dos en ambos sentidos. Las reglas legales detrás de cada valor: docs/reglas.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Opcion:
    nombre: str
    defecto: object
    descripcion: str
    entorno: bool = False  # también se puede dar por variable de entorno
    mostrar: str | None = None  # cómo se lee en el README cuando el valor se calcula al arrancar


OPCIONES: tuple[Opcion, ...] = (
    # ---- instalación
    Opcion("DATABASE_URL", None, "URL de SQLAlchemy; en producción `postgresql+psycopg://…`", entorno=True,
           mostrar="`sqlite:///<instance>/secretaria.db`"),
    Opcion("SECRET_KEY", None, "firma las cookies de sesión; nunca en el código", entorno=True,
           mostrar="se genera una vez en `instance/secret_key`"),
    Opcion("MUNICIPALIDAD", "Municipalidad Distrital Demo", "nombre en pantallas, constancias y exportaciones",
           entorno=True),
    Opcion("SIGLA_ENTIDAD", "MDD", "sufijo de los códigos de documentos y normas", entorno=True),
    Opcion("URL_PUBLICA", None, "dirección pública de la aplicación (`https://tramite.muni.gob.pe`): la de cada QR "
           "y enlace impreso para el ciudadano (cargos, etiquetas, verificación), nunca la que usó el navegador del "
           "personal en la intranet. Obligatoria en producción; con `https` las cookies viajan solo cifradas "
           "(`Secure`)", entorno=True,
           mostrar="la de la petición (solo en desarrollo)"),
    Opcion("TZ", "America/Lima", "zona horaria con que se muestran fechas y horas", entorno=True),
    Opcion("ADJUNTOS_DIR", None, "carpeta de los archivos (adjuntos, PDF recibidos, textos oficiales), guardados por "
           "su SHA-256, cuando `ARCHIVOS_URL` está vacía", entorno=True, mostrar="`<instance>/adjuntos`"),
    Opcion("ARCHIVOS_URL", None, "dónde viven los archivos: vacía = la carpeta `ADJUNTOS_DIR`; `s3://bucket/prefijo` = "
           "almacenamiento de objetos compatible con S3 (MinIO, Ceph, AWS), con el punto de acceso y las credenciales "
           "del entorno (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`) o "
           "`?endpoint=…&region=…` en la URL; con varios nodos, S3. Mudar los archivos: `flask archivos migrar`",
           entorno=True, mostrar="vacía"),
    Opcion("PG_BIN", None, "carpeta de `pg_dump` y `pg_restore` para `flask respaldo` / `flask restaurar` (de la "
           "versión del servidor o más nueva)", entorno=True,
           mostrar="el `PATH` o `/usr/lib/postgresql/<versión>/bin`"),
    Opcion("PROXIES", 0, "proxies de confianza delante de la aplicación (nginx = `1`): con ellos se toman la IP del "
           "cliente, el esquema (https) y el host de `X-Forwarded-*` (ProxyFix); con 0 esas cabeceras se ignoran",
           entorno=True),
    Opcion("SESSION_COOKIE_SECURE", False, "`1` detrás de HTTPS: la cookie de sesión solo viaja cifrada",
           entorno=True, mostrar="desactivado"),
    Opcion("RATELIMIT_STORAGE_URI", "memory://", "contadores del límite de peticiones de las páginas públicas; "
           "con varios procesos use Redis (`redis://host:6379`)", entorno=True),
    Opcion("RATELIMIT_ENABLED", True, "`False` apaga los límites de peticiones (pruebas)"),
    Opcion("LIMITE_CONSULTA", "20/minute", "consultas con clave por IP en `/consulta`"),
    Opcion("LIMITE_MESA_DIGITAL", "10/hour", "envíos por IP en `/mesa-de-partes`"),
    Opcion("LIMITE_TRANSPARENCIA", "10/hour", "solicitudes de acceso a la información por IP en `/transparencia`"),
    Opcion("LIMITE_FORMULARIO_PUBLICO", "120/hour",
           "aperturas por IP de un formulario público (`/mesa-de-partes`, `/transparencia`): cada una guarda un reto"),
    Opcion("RETOS_MAXIMOS", 20000, "retos de verificación vigentes a la vez; más allá, el formulario pide volver"),
    Opcion("LIMITE_LOGIN", "30/minute;300/hour", "intentos de ingreso (POST `/login`) por IP"),
    Opcion("MAX_INTENTOS_LOGIN", 5, "intentos fallidos que bloquean el par usuario + IP (no la cuenta)"),
    Opcion("MINUTOS_BLOQUEO", 15, "minutos del primer bloqueo por intentos fallidos; cada bloqueo seguido "
           "dura el doble (hasta un día)"),
    Opcion("MAX_CONTENT_LENGTH", 25 * 1024 * 1024, "tamaño máximo del cuerpo de una petición en bytes; más "
           "→ 413", entorno=True, mostrar="25 MB"),
    Opcion("EXPORT_FILAS_POR_LOTE", 5000, "filas leídas de la base por lote al exportar a Excel"),
    # ---- trámite documentario
    Opcion("HORA_CIERRE", "23:59", "lo recibido después de esa hora en día hábil se tiene por presentado el "
           "siguiente día hábil (D.S. 029-2021-PCM)", entorno=True),
    Opcion("SIGLA_MESA_PARTES", "UTD", "sigla de la unidad que recibe lo presentado en la mesa de partes digital"),
    Opcion("MAX_ADJUNTO_MB", 10, "tamaño máximo del PDF de la mesa de partes digital (MB)"),
    Opcion("DIAS_SUBSANACION", 2, "días hábiles para subsanar una observación al ingreso (LPAG art. 136)"),
    Opcion("PLAZO_MAXIMO_DIAS", 30, "plazo en días hábiles de un expediente sin procedimiento TUPA y máximo con "
           "evaluación previa: un procedimiento con más se advierte (LPAG arts. 39 y 153)"),
    Opcion("TIPOS_DOCUMENTO_NORMA", {"RES": "resolucion_alcaldia", "ORD": "ordenanza", "ACU": "acuerdo_concejo",
                                     "DEC": "decreto_alcaldia", "RCO": "resolucion_concejo"},
           "tipos de documento (abreviatura) que son normas: se numeran solo en Normas municipales, una serie por "
           "tipo (LOM art. 39); su PDF firmado se inicia desde allí"),
    Opcion("DIAS_FECHA_ACTO", 15, "días hacia atrás que admite la fecha de un acto numerado (norma aprobada, "
           "documento emitido, certificación, eliminación): el registro tardío de lo firmado días antes y el cierre "
           "del año (un acto del 30/12 entra en la serie de su año hasta mediados de enero); nunca futura ni "
           "anterior a la del último número de su serie"),
    Opcion("AVISO_NO_LABORABLES_DESDE", (12, 1), "(mes, día) desde el que el tablero avisa a la SG si faltan los "
           "días no laborables decretados del año siguiente"),
    Opcion("PLAZOS_ACCION", {"atender": None, "opinar": 7, "firmar": 3, "visto_bueno": 3, "conocimiento": None,
                             "archivar": None},
           "plazo por defecto de una derivación según la acción, en días hábiles (LPAG art. 143); "
           "`atender` usa el del expediente"),
    # ---- archivo central (Ley 25323; docs/reglas.md §7)
    Opcion("ARCHIVO_DIAS_PRESTAMO", 10, "días hábiles de un préstamo interno de una caja del archivo central"),
    # ---- transparencia (TUO Ley 27806; docs/reglas.md §4)
    Opcion("TRANSPARENCIA_PLAZO", 10, "días hábiles para responder una solicitud de acceso a la información "
           "(art. 11 b)"),
    Opcion("TRANSPARENCIA_DIAS_PRORROGA", 2, "días hábiles desde la presentación para comunicar la prórroga "
           "(art. 11 g); después no se admite"),
    Opcion("TRANSPARENCIA_DIAS_OBSERVACION", 2, "días hábiles desde la presentación en que la entidad puede pedir "
           "la subsanación de requisitos; después la solicitud se tiene por admitida (Reglamento, D.S. "
           "007-2024-JUS)"),
    Opcion("TRANSPARENCIA_DIAS_SUBSANACION", 2, "días hábiles que tiene el solicitante para subsanar; los 10 días "
           "para responder corren desde la subsanación"),
    Opcion("TRANSPARENCIA_DIAS_ENCAUZAMIENTO", 2, "días hábiles desde la presentación para encauzar la "
           "solicitud a la entidad que posee la información"),
    Opcion("TRANSPARENCIA_PLAZO_UNIDAD", 5, "plazo interno en días hábiles de la unidad a la que se deriva una "
           "solicitud de acceso para que remita la información (nunca pasa del vencimiento de la solicitud)"),
    Opcion("TRANSPARENCIA_DIAS_APELACION", 15, "días hábiles para apelar ante el Tribunal de Transparencia"),
    Opcion("TRANSPARENCIA_DIAS_AVISO", 2, "semáforo: días hábiles o menos para el vencimiento que se muestran "
           "«por vencer»"),
    Opcion("COSTOS_REPRODUCCION", {"pagina": "0.10", "cd": "1.00"}, "costo (S/) por página copiada y por CD "
           "grabado; el correo electrónico es gratuito (D.S. 164-2020-PCM)"),
    # ---- fedatario y notificaciones (LPAG arts. 18–27, 138–139; docs/reglas.md §3)
    Opcion("FEDATARIO_DIAS_RETENCION", 2, "días hábiles, como máximo, que el fedatario retiene los originales "
           "de un caso voluminoso, con constancia (LPAG art. 138)"),
    Opcion("NOTIFICACION_PLAZO", 5, "días hábiles desde la emisión para notificar un acto (LPAG art. 24); el "
           "silencio positivo opera recién pasados el plazo del procedimiento y estos días sin notificar la "
           "decisión (art. 199.1)"),
    Opcion("PLAZO_RECURSO", 15, "días hábiles desde el día siguiente a la notificación para interponer un "
           "recurso (LPAG art. 218.2); vencidos, el acto queda firme (art. 222)"),
    Opcion("LIMITE_VERIFICAR", "30/minute", "consultas por IP en `/verificar/<codigo>`"),
    # ---- casilla electrónica (LPAG art. 20.4; docs/reglas.md §1 «Casilla electrónica»)
    Opcion("CASILLA_EFECTO", "deposito", "desde cuándo surte efecto una notificación depositada en la casilla: "
           "`deposito` (el día del depósito) o `dia_habil_siguiente`; el plazo del recurso corre desde el día hábil "
           "siguiente a esa fecha, como en papel"),
    Opcion("CASILLA_HORAS_VERIFICACION", 48, "horas que vale el enlace (de un solo uso) para confirmar el correo de "
           "la casilla o, si se creó en el mostrador, elegir la contraseña"),
    Opcion("CASILLA_MINUTOS_RESTABLECER", 60, "minutos que vale el enlace (de un solo uso) para restablecer la "
           "contraseña de la casilla"),
    Opcion("CASILLA_MINUTOS_SESION", 30, "minutos sin actividad tras los que se cierra la sesión del ciudadano en "
           "la casilla"),
    Opcion("LIMITE_CASILLA_CORREO", "10/hour", "por IP: creaciones de casilla y pedidos de restablecimiento (cada "
           "uno envía un correo)"),
    Opcion("FIRMA_RAICES_DIR", None, "certificados raíz de confianza (.pem, .crt, .cer) para verificar las firmas "
           "digitales de los PDF recibidos y para aceptar el certificado de quien firma un documento de la entidad; "
           "no se incluye ninguno: los agrega TI", entorno=True, mostrar="`<instance>/raices_firma`"),
    # ---- documentos que emite la entidad (services/expedir.py, services/firma_digital.py)
    Opcion("LUGAR_DOCUMENTOS", "Lima", "lugar que precede a la fecha de los documentos que emite la entidad "
           "(«Lima, 6 de diciembre de 2026»)", entorno=True),
    Opcion("LOGO_ENTIDAD", None, "imagen (PNG, JPG o SVG) del escudo o logo en la cabecera de los documentos que "
           "emite la entidad", entorno=True, mostrar="`static/escudo.svg` (genérico)"),
    Opcion("FIRMA_TSA_URL", None, "autoridad de sellado de tiempo (RFC 3161) de las firmas digitales: con ella, "
           "PAdES B-T; sin ella, B-B", entorno=True, mostrar="ninguna"),
    Opcion("FIRMA_REVOCACION", True, "al firmar, obtener la revocación (OCSP o CRL) del certificado y guardarla en "
           "el PDF (PAdES B-LT con sello de tiempo); si no se obtiene, la firma sale igual, con aviso"),
    Opcion("FIRMA_PKCS11_MODULO", None, "biblioteca PKCS#11 de un token o HSM (`/usr/lib/softhsm/libsofthsm2.so`); "
           "sin ella se firma con el archivo PKCS#12 que entrega el firmante", entorno=True, mostrar="ninguna"),
    Opcion("FIRMA_PKCS11_TOKEN", None, "etiqueta del token PKCS#11 (sin ella, el primero que haya)", entorno=True,
           mostrar="el primero"),
    # ---- correo (sin MAIL_SERVER no se envía nada)
    Opcion("MAIL_SERVER", None, "servidor SMTP para el cargo digital y las citaciones al concejo",
           mostrar="sin correo"),
    Opcion("MAIL_PORT", 587, "puerto SMTP"),
    Opcion("MAIL_USE_TLS", True, "STARTTLS al conectarse"),
    Opcion("MAIL_USERNAME", None, "usuario SMTP (sin él no se autentica)", mostrar="ninguno"),
    Opcion("MAIL_PASSWORD", "", "contraseña SMTP", mostrar="vacía"),
    Opcion("MAIL_DEFAULT_SENDER", None, "remitente", mostrar="`mesadepartes@<MAIL_SERVER>`"),
    # ---- concejo municipal
    Opcion("LAPSO_CONVOCATORIA", {"ordinaria": 2, "extraordinaria": 5, "solemne": 2},
           "días hábiles que deben mediar entre la convocatoria y la sesión (LOM art. 13; ordinarias y "
           "solemnes según el RIC)"),
    Opcion("MAYORIA_POR_MATERIA", {"vacancia": "dos_tercios", "suspension": "dos_tercios",
                                   "bienes_municipales": "dos_tercios", "postergacion": "dos_tercios"},
           "mayoría mínima que exige la materia de un punto; las demás, simple (LOM arts. 13, 23, 25 y 66)"),
    Opcion("MATERIAS_VACANCIA", ("vacancia", "suspension"), "materias que siguen las reglas de la vacancia "
           "(LOM arts. 23 y 25)"),
    Opcion("MATERIAS_SOBRE_REGIDORES", ("postergacion",), "materias cuya mayoría calificada se cuenta sobre el "
           "número legal de regidores, sin el alcalde: el aplazamiento de la sesión, 2/3 de los regidores (LOM "
           "art. 13; 9 regidores → 6)"),
    Opcion("VACANCIA_SOLO_EXTRAORDINARIA", True, "vacancia y suspensión solo en sesión extraordinaria"),
    Opcion("VACANCIA_VOTAN_TODOS", True, "en vacancia y suspensión votan todos los presentes, el alcalde "
           "incluido y con voto que cuenta (jurisprudencia del JNE)"),
    Opcion("VACANCIA_SIN_ABSTENCION", True, "en vacancia y suspensión no cabe la abstención (JNE)"),
    Opcion("ORDINARIAS_MES", (2, 4), "mínimo y máximo de sesiones ordinarias al mes (LOM art. 13)"),
    Opcion("REMUNERACION_ALCALDE", 0, "remuneración mensual del alcalde (S/); con 0 el reporte no calcula "
           "montos de dietas", entorno=True),
    Opcion("DIETA_PORCENTAJE", 0.30, "parte de la remuneración del alcalde que suman las dietas del mes "
           "(Ley 32269)"),
    Opcion("TOLERANCIA_INSTALAR_MINUTOS", 0, "minutos antes de la hora citada en que ya se puede instalar una "
           "sesión (antes, se rechaza)"),
    Opcion("DIETAS_MAX_MES", 4, "sesiones pagadas al mes por regidor, como máximo (LOM art. 12)"),
    Opcion("DIETA_MODO", "porcentaje", "`porcentaje`: valor de la sesión = 30 % de la remuneración del alcalde ÷ "
           "sesiones celebradas en el mes (a lo sumo 4; Ley 32269); `monto_fijo`: el que fija un acuerdo de "
           "concejo (`DIETA_MONTO_SESION`)", entorno=True),
    Opcion("DIETA_MONTO_SESION", 0, "monto por sesión (S/) con `DIETA_MODO=monto_fijo`", entorno=True),
)

POR_DEFECTO: dict[str, object] = {o.nombre: o.defecto for o in OPCIONES}
DE_ENTORNO: tuple[str, ...] = tuple(o.nombre for o in OPCIONES if o.entorno)


def combinar_diccionarios(config) -> None:
    """Un diccionario dado por el operador completa el de por defecto en vez de reemplazarlo."""
    for o in OPCIONES:
        if isinstance(o.defecto, dict):
            config[o.nombre] = {**o.defecto, **(config[o.nombre] or {})}


def _valor(o: Opcion) -> str:
    if o.mostrar is not None:
        return o.mostrar
    if isinstance(o.defecto, str):
        return f"`{o.defecto}`"
    if isinstance(o.defecto, dict):
        pares = ", ".join(f'"{k}": {"None" if v is None else repr(v).replace(chr(39), chr(34))}'
                          for k, v in o.defecto.items())
        return f"`{{{pares}}}`"
    return f"`{o.defecto!r}`".replace("'", '"')


def tabla_markdown() -> str:
    """La tabla «Configuración» del README."""
    filas = ["| Nombre | Por defecto | Entorno | Significado |", "|---|---|---|---|"]
    filas += [f"| `{o.nombre}` | {_valor(o)} | {'sí' if o.entorno else ''} | {o.descripcion} |" for o in OPCIONES]
    return "\n".join(filas)


if __name__ == "__main__":
    print(tabla_markdown())
