"""Modelo de datos de Secretaría (nombres según docs/esquema.md, que es contrato).

Convenciones: SQLAlchemy 2 tipado; enums de Python guardados como texto con
CHECK (portables entre SQLite y PostgreSQL); momentos en UTC con zona horaria;
restricciones con nombre estable (naming convention) para Alembic.
"""

from __future__ import annotations

import enum
import math
import secrets
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Index, MetaData, String, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

ZONA_LIMA = ZoneInfo("America/Lima")

CONVENCION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=CONVENCION)


db = SQLAlchemy(model_class=Base)


class ErrorDeRegla(ValueError):
    """Una regla del negocio impide la operación; el mensaje, en castellano, es para el usuario.

    Vive aquí porque también la lanzan los modelos (reglas de una fila, control al guardar);
    `services` la reexporta: `from services import ErrorDeRegla`. `campo`: el atributo del modelo al que se
    refiere (la vista segura pone el mensaje junto a ese campo del formulario, si lo tiene)."""

    def __init__(self, mensaje: str = "", campo: str | None = None):
        super().__init__(mensaje)
        self.campo = campo


def normalizar_identificador(texto: str | None) -> str:
    """Un identificador escrito (documento de identidad, código, usuario) en su forma canónica: NFKC (los dígitos y
    letras de ancho completo o los superíndices pasan a los comunes: «２５９８８０００» = «25988000»), sin espacios a
    los lados. Se normaliza antes de validar y antes de buscar: dos escrituras de lo mismo son la misma fila."""
    return unicodedata.normalize("NFKC", texto or "").strip()


# --------------------------------------------------------------------------- el reloj
def reloj() -> datetime:
    """La hora del sistema en UTC: el ÚNICO lugar que la lee. Una prueba fija «ahora» para toda la
    aplicación con `monkeypatch.setattr(models, "reloj", lambda: momento)`; ahora(), hoy_lima(),
    ahora_lima() y los valores por defecto de las columnas lo siguen."""
    return datetime.now(UTC)


def ahora() -> datetime:
    """Momento actual en UTC (con zona)."""
    return reloj()


def ahora_lima() -> datetime:
    """Momento actual en hora de Lima."""
    return reloj().astimezone(ZONA_LIMA)


def hoy_lima() -> date:
    """Fecha de hoy en Lima: la que cuenta para plazos y vencimientos."""
    return ahora_lima().date()


class MomentoUTC(sa.types.TypeDecorator):
    """datetime guardado en UTC; devuelto siempre con zona (también en SQLite)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("MomentoUTC requiere un datetime con zona horaria")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def etiqueta_sql(expr):
    """Atributo híbrido `etiqueta`: str(obj) en Python y `expr(cls)` en SQL (listas, Excel)."""
    return hybrid_property(lambda self: str(self)).expression(expr)


# --------------------------------------------------------------------------- enums
class EnumEs(str, enum.Enum):
    """Enum de texto (nombre == valor) con etiqueta en castellano, declarada con el propio enum.

    Las etiquetas son de cada enum (el mismo valor puede leerse distinto en dos enums: `unidad` es
    «Solo su unidad» como alcance de un rol y «Por unidad orgánica» como numeración); sin etiqueta
    declarada, el valor con mayúscula inicial y espacios (`en_tramite` → «En tramite»).
    """

    @property
    def etiqueta(self) -> str:
        return type(self).etiquetas.get(self.value) or self.value.replace("_", " ").capitalize()

    def __str__(self) -> str:
        return self.etiqueta


def _e(nombre: str, *valores: str, **etiquetas: str) -> type[EnumEs]:
    """_e("Alcance", "todas", "unidad", todas="Todas las unidades", unidad="Solo su unidad"): los valores
    en su orden (el de las listas de opciones) y, por nombre, las etiquetas que no salen del valor."""
    if sobran := set(etiquetas) - set(valores):
        raise ValueError(f"{nombre}: etiquetas de valores que no existen: {sorted(sobran)}")
    clase = EnumEs(nombre, [(v, v) for v in valores], module=__name__)
    clase.etiquetas = etiquetas
    return clase


TipoUnidad = _e("TipoUnidad", "alta_direccion", "organo_control", "organo_asesoria",
                "organo_apoyo", "organo_linea", "organo_desconcentrado",
                alta_direccion="Alta dirección", organo_control="Órgano de control",
                organo_asesoria="Órgano de asesoría", organo_apoyo="Órgano de apoyo",
                organo_linea="Órgano de línea", organo_desconcentrado="Órgano desconcentrado")
Alcance = _e("Alcance", "todas", "unidad", todas="Todas las unidades", unidad="Solo su unidad")
Accion = _e("Accion", "ver", "crear", "editar", "eliminar", "exportar", "anular", "visto_bueno", "firmar",
            visto_bueno="V° B°")
AccionAuditoria = _e("AccionAuditoria", "crear", "editar", "eliminar", "anular", "exportar",
                     "login", "login_fallido", "logout", "imprimir",
                     login="Ingreso", login_fallido="Ingreso fallido", logout="Salida")
TipoDocumentoIdentidad = _e("TipoDocumentoIdentidad", "DNI", "RUC", "CE", "PASAPORTE",
                            DNI="DNI", RUC="RUC", CE="Carné de extranjería", PASAPORTE="Pasaporte")
Numeracion = _e("Numeracion", "unidad", "institucional", unidad="Por unidad orgánica")
Silencio = _e("Silencio", "positivo", "negativo", "aprobacion_automatica",
              aprobacion_automatica="Aprobación automática")
TipoFeriado = _e("TipoFeriado", "nacional", "regional", "no_laborable", "local", no_laborable="Día no laborable")
Origen = _e("Origen", "externo", "interno")
Canal = _e("Canal", "presencial", "digital")
Prioridad = _e("Prioridad", "normal", "urgente")
EstadoExpediente = _e("EstadoExpediente", "registrado", "observado", "no_presentado",
                      "en_tramite", "atendido", "archivado", "anulado",
                      no_presentado="No presentado", en_tramite="En trámite")
AccionDerivacion = _e("AccionDerivacion", "atender", "opinar", "conocimiento", "firmar",
                      "visto_bueno", "archivar", visto_bueno="Visto bueno")
# retirado: la derivación pendiente que se retira al observar el expediente en el ingreso (art. 136: vuelve a Mesa de
# Partes hasta que se subsane); queda registrada, no se borra, y no se le da acuse
EstadoDerivacion = _e("EstadoDerivacion", "pendiente", "recibido", "atendido", "devuelto", "retirado",
                      retirado="Retirado (observado en el ingreso)")
EstadoDocumento = _e("EstadoDocumento", "proyecto", "emitido", "notificado", "anulado")
# la redacción de un documento en el sistema (Expedir): borrador → V° B° en orden → firma (el número) o descartado;
# devuelto con una observación vuelve a borrador como versión nueva
EstadoRedaccion = _e("EstadoRedaccion", "borrador", "en_revision", "por_firmar", "firmado", "descartado",
                     en_revision="En V° B°", por_firmar="Por firmar")
EstadoFirma = _e("EstadoFirma", "intacta", "alterada", "ilegible", intacta="Firma íntegra",
                 alterada="Firma alterada (el documento cambió después de firmarse)",
                 ilegible="Firmas ilegibles")

ESTADOS_ABIERTOS = (EstadoExpediente.registrado, EstadoExpediente.observado,
                    EstadoExpediente.en_tramite)
# abiertos y sin una observación pendiente: solo en ellos corre el plazo, vence o opera el silencio (art. 136.3)
ESTADOS_EN_PLAZO = (EstadoExpediente.registrado, EstadoExpediente.en_tramite)
# concluidos: sus datos (asunto, folios, prioridad…) ya no cambian; solo queda archivar lo atendido
ESTADOS_CERRADOS = (EstadoExpediente.no_presentado, EstadoExpediente.atendido,
                    EstadoExpediente.archivado, EstadoExpediente.anulado)
# tope de un plazo en días hábiles escrito por un usuario (un procedimiento, una derivación)
PLAZO_MAXIMO_HABILES = 365


def enum_col(tipo: type[EnumEs], nombre: str, **kw) -> Mapped:
    """Columna enum portable: texto + CHECK con nombre estable."""
    largo = max(len(m.value) for m in tipo)
    return mapped_column(
        sa.Enum(tipo, native_enum=False, create_constraint=True, length=max(largo, 12),
                name=nombre, validate_strings=True),
        **kw,
    )


# --------------------------------------------------------------------------- restricciones con su mensaje
MENSAJE_REPETIDO = "Ese valor ya está registrado: no se puede repetir."


def junto_a(campo: str, mensaje: str) -> dict:
    """`info=` de una restricción (CHECK, UNIQUE o índice único): el campo del formulario y el mensaje que toda
    pantalla muestra junto a él cuando la base rechaza el cambio por esa restricción. La regla se escribe una vez, en
    el modelo; la vista no la repite. `{valor}` en el mensaje = lo escrito en el campo. Un mensaje de unicidad no dice
    de quién es la fila que ya tiene el valor (puede ser de una unidad que el usuario no ve)."""
    return {"campo": campo, "mensaje": mensaje}


def regla(condicion: str, nombre: str, campo: str, mensaje: str) -> sa.CheckConstraint:
    """CHECK con nombre y su mensaje junto al campo: `regla("fin >= inicio", "fin_despues_de_inicio", "fin",
    "El fin no puede ser anterior al inicio.")`."""
    return sa.CheckConstraint(condicion, name=nombre, info=junto_a(campo, mensaje))


def _restriccion_de(exc: sa.exc.IntegrityError):
    """La restricción (o el índice único) de los modelos que rechazó el cambio, o None si no se sabe cuál."""
    orig, tablas = getattr(exc, "orig", None), db.metadata.tables.values()
    nombre = getattr(getattr(orig, "diag", None), "constraint_name", None)  # PostgreSQL (psycopg)
    columnas, texto = None, str(orig)
    if nombre is None and texto.startswith("CHECK constraint failed: "):  # SQLite
        nombre = texto.removeprefix("CHECK constraint failed: ").strip()
    elif nombre is None and texto.startswith("UNIQUE constraint failed: "):
        resto = texto.removeprefix("UNIQUE constraint failed: ").strip()
        if resto.startswith("index "):
            nombre = resto.removeprefix("index ").strip("'\"")
        else:
            pares = [c.strip().split(".", 1) for c in resto.split(",")]
            columnas = (pares[0][0], [c for _, c in pares])
    for tabla in tablas:
        for r in [*tabla.constraints, *tabla.indexes]:
            if nombre is not None and r.name == nombre:
                return r
            if columnas is not None and tabla.name == columnas[0] and \
                    (isinstance(r, sa.UniqueConstraint) or getattr(r, "unique", False)) and \
                    [c.name for c in r.columns] == columnas[1]:
                return r
    return None


def error_de_restriccion(exc: sa.exc.IntegrityError) -> ErrorDeRegla | None:
    """El error para el usuario cuando la base rechaza un cambio por una restricción que tiene mensaje (`junto_a`,
    `regla`) o que es de unicidad (sin mensaje propio: `MENSAJE_REPETIDO`, junto a su última columna); None si no."""
    restriccion = _restriccion_de(exc) if isinstance(exc, sa.exc.IntegrityError) else None
    if restriccion is None:
        return None
    if restriccion.info.get("mensaje"):
        return ErrorDeRegla(restriccion.info["mensaje"], campo=restriccion.info.get("campo"))
    if isinstance(restriccion, sa.UniqueConstraint) or getattr(restriccion, "unique", False):
        columnas = [c.name for c in restriccion.columns]
        error = ErrorDeRegla(MENSAJE_REPETIDO, campo=columnas[-1] if columnas else None)
        error.generico = True  # solo sirve junto a un campo que el usuario escribió
        return error
    return None


# --------------------------------------------------------------------------- mixins
class ConTrazabilidad:
    """Columnas de quién y cuándo, en tablas que editan los usuarios."""

    creado_en: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    creado_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id", use_alter=True))
    actualizado_en: Mapped[datetime | None] = mapped_column(MomentoUTC, onupdate=ahora)


class DeUnaUnidad:
    """La fila es de una unidad (la relación `relacion_unidad`, por defecto `unidad` → `unidad_id`): un usuario
    con alcance «unidad» solo ve las de la suya (`filtro_unidad`) y solo escribe para la suya (VistaSegura fija
    la unidad al crear y al editar; si un usuario de alcance total la deja vacía, también: la suya).

    Trae lo que toda fila de una unidad repite: si el modelo no los declara, la columna `<relacion>_id` (NOT NULL,
    FK a `unidad_organica`) y la relación `<relacion>`; la pantalla (VistaSegura) agrega la búsqueda de la unidad en
    el formulario y el filtro por sigla en la lista."""

    relacion_unidad = "unidad"

    def __init_subclass__(cls, **kw):
        relacion = cls.__dict__.get("relacion_unidad", None) or next(
            b.relacion_unidad for b in cls.__mro__ if "relacion_unidad" in b.__dict__)
        propias = {**cls.__dict__, **cls.__dict__.get("__annotations__", {})}
        if "__tablename__" in cls.__dict__:
            if f"{relacion}_id" not in propias:
                setattr(cls, f"{relacion}_id", mapped_column(ForeignKey("unidad_organica.id"), nullable=False))
            if relacion not in propias:
                setattr(cls, relacion, relationship("UnidadOrganica", foreign_keys=f"{cls.__name__}.{relacion}_id"))
        super().__init_subclass__(**kw)

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        return getattr(cls, f"{cls.relacion_unidad}_id") == unidad_id


# columnas con la clave de un archivo que trajo ConPdf: services/archivos las suma a las suyas (lo que una fila usa no
# se borra, se respalda y se verifica: `flask archivos verificar/migrar`, `flask respaldo`)
COLUMNAS_PDF: list = []


class ConPdf:
    """La fila tiene un PDF (`campo_pdf`, por defecto «documento»): trae, si el modelo no las declara, las columnas
    opcionales `<campo>_nombre` (el nombre del archivo subido), `<campo>_ruta` (su clave en el almacén,
    services/archivos) y `<campo>_sha256`, y anota `<campo>_ruta` en `COLUMNAS_PDF`. Se llena con
    `services.adjuntos.poner_pdf` (revisado como lo que entra por la mesa de partes; el archivo se escribe al
    confirmarse la fila); una pantalla lo ofrece con `archivo_pdf = "<campo>"` (VistaSegura: el campo del formulario,
    el enlace en la lista y la ficha, la descarga con el alcance de la fila)."""

    campo_pdf = "documento"
    COLUMNAS = (("nombre", 255), ("ruta", 300), ("sha256", 64))

    def __init_subclass__(cls, **kw):
        campo = cls.campo_pdf
        propias = {**cls.__dict__, **cls.__dict__.get("__annotations__", {})}
        if "__tablename__" in cls.__dict__:
            for sufijo, largo in ConPdf.COLUMNAS:
                if f"{campo}_{sufijo}" not in propias:
                    setattr(cls, f"{campo}_{sufijo}", mapped_column(String(largo), nullable=True))
        super().__init_subclass__(**kw)
        if "__tablename__" in cls.__dict__:
            COLUMNAS_PDF.append(getattr(cls, f"{campo}_ruta"))


class ActoFinal:
    """Lo publicado, aprobado, recibido o firmado no cambia: un error se corrige con un acto nuevo (una fe de
    erratas, otra norma, otra transferencia). Una sola regla al guardar (`_actos_finales`), para toda vía
    (pantalla, edición en la lista, servicio, CLI, importación):

    - `fijos`: estado guardado (el valor de `campo_estado` antes del cambio) → campos que desde ese estado ya no
      cambian; `"*"` = todos;
    - `fijos_al_llenarse`: campos que, una vez con valor, ya no cambian (la publicación, el texto oficial…);
    - una fila en un estado con campos fijos no se borra;
    - y, antes de guardar un cambio, la fila se toma (bloqueo de fila en PostgreSQL, cerrojo de escritura en SQLite)
      y su estado se compara con el que leyó la petición: si otro lo cambió entretanto (dos clics, dos usuarios),
      nada se guarda (`CONFLICTO`)."""

    campo_estado = "estado"
    fijos: dict = {}
    fijos_al_llenarse: tuple[str, ...] = ()

    @classmethod
    def campos_fijos(cls, estado) -> tuple[str, ...]:
        campos = cls.fijos.get(estado, ())
        if campos == "*":
            return tuple(a.key for a in sa.inspect(cls).column_attrs if a.key not in ("actualizado_en",)) + \
                tuple(r.key for r in sa.inspect(cls).relationships if r.direction.name == "MANYTOONE")
        return campos


class ActoNumerado:
    """Acto con número de una serie por año (norma aprobada, documento emitido, certificación, eliminación): su
    fecha (`campo_fecha`) es la de hoy o de los últimos `DIAS_FECHA_ACTO` días —el registro tardío de lo firmado
    días antes, y así el cierre del año: un acto del 30 de diciembre entra en la serie de su año hasta mediados de
    enero—, nunca futura y nunca anterior a la del último número de su serie (el orden de los números es el de las
    fechas). Una sola regla (`error_de_fecha`), que el servicio consulta antes de sacar el número y que se aplica
    al guardar (`_fecha_de_actos`) por cualquier vía."""

    campo_fecha = "fecha"
    columnas_serie: tuple[str, ...] = ()  # además del año, lo que separa una serie de otra (el tipo de la norma…)

    def condicion_serie(self, anio: int):
        """Condición SQL de las filas numeradas de la misma serie que esta en el año `anio`: el año y las
        `columnas_serie` con los valores de esta fila (una serie por unidad y tipo, p. ej., la redefine)."""
        modelo = type(self)
        return sa.and_(modelo.anio == anio, *(getattr(modelo, c) == getattr(self, c) for c in self.columnas_serie))

    def error_de_fecha(self, fecha: date | None = None) -> str | None:
        fecha = fecha if fecha is not None else getattr(self, self.campo_fecha)
        if fecha is None:
            return None
        hoy = hoy_lima()
        dias = int(current_app.config["DIAS_FECHA_ACTO"])
        if fecha > hoy:
            return "La fecha no puede ser futura: el número se saca el día del acto."
        if fecha < hoy - timedelta(days=dias):
            return (f"La fecha no puede tener más de {dias} días de atraso (desde el "
                    f"{hoy - timedelta(days=dias):%d/%m/%Y}): esa serie ya se cerró con los números que tiene.")
        cls = type(self)
        ultima = db.session.scalar(sa.select(sa.func.max(getattr(cls, self.campo_fecha))).where(
            self.condicion_serie(fecha.year), cls.numero.is_not(None), cls.id != (self.id or 0)))
        if ultima is not None and fecha < ultima:
            return (f"La fecha no puede ser anterior a la del último número de su serie ({ultima:%d/%m/%Y}): los "
                    "números siguen el orden de las fechas.")
        return None


# --------------------------------------------------------------------------- concurrencia
CONFLICTO_FILA = "Otro usuario cambió «{fila}» al mismo tiempo: vuelva a cargar la página y revise su estado."


def tomar_escritura(session) -> None:
    """SQLite: toma ya el cerrojo de escritura de la base (hay un solo escritor a la vez) con una escritura que no
    cambia nada; quien llegue después espera el commit (busy_timeout) y lee lo ya confirmado. En PostgreSQL no hace
    nada: ahí se bloquea la fila (`FOR UPDATE`)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.update(Correlativo).where(sa.false()).values(ultimo=Correlativo.ultimo))


def bloquear(obj):
    """Toma la fila de `obj` hasta el fin de la transacción y la relee de la base (sus relaciones se vuelven a
    cargar al usarlas): una segunda petición sobre la misma fila espera a que la primera confirme y después ve lo
    que hizo (el segundo clic recibe «ya aprobada», no un segundo número). Una fila nueva no se bloquea."""
    estado = sa.inspect(obj)
    if not estado.persistent:
        return obj
    session, modelo = estado.session, type(obj)
    if session.is_modified(obj):  # lo ya cambiado en esta transacción va a la base antes de releer la fila
        session.flush()
    tomar_escritura(session)
    consulta = sa.select(modelo).where(modelo.id == obj.id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        consulta = consulta.with_for_update(of=modelo)
    session.execute(consulta).all()
    relaciones = [r.key for r in sa.inspect(modelo).relationships]
    if relaciones:
        session.expire(obj, relaciones)
    session.info.setdefault("filas_tomadas", set()).add((modelo.__tablename__, obj.id))
    return obj


def bloquear_consulta(consulta):
    """La misma idea para las filas de una consulta ORM (acciones en lote): `FOR UPDATE` de la tabla principal en
    PostgreSQL; el cerrojo de escritura en SQLite. Las filas se releen de la base."""
    session = db.session
    tomar_escritura(session)
    consulta = consulta.populate_existing()
    if session.get_bind().dialect.name == "postgresql":
        consulta = consulta.with_for_update(of=consulta.column_descriptions[0]["entity"])
    return consulta


# --------------------------------------------------------------------------- organización
class UnidadOrganica(ConTrazabilidad, db.Model):
    """Unidad orgánica del ROF (árbol por `padre`)."""

    __tablename__ = "unidad_organica"
    id: Mapped[int] = mapped_column(primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200), unique=True)
    sigla: Mapped[str] = mapped_column(String(20), unique=True)
    padre_id: Mapped[int | None] = mapped_column(ForeignKey("unidad_organica.id"))
    tipo: Mapped[TipoUnidad] = enum_col(TipoUnidad, "tipo_unidad")
    responsable: Mapped[str | None] = mapped_column(String(200))
    activa: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    etiqueta = etiqueta_sql(lambda cls: cls.sigla + " – " + cls.nombre)
    padre: Mapped[UnidadOrganica | None] = relationship(remote_side=[id], back_populates="hijas")
    hijas: Mapped[list[UnidadOrganica]] = relationship(back_populates="padre")

    __table_args__ = (sa.CheckConstraint("padre_id IS NULL OR padre_id <> id", name="no_es_su_padre"),)

    def __str__(self) -> str:
        return f"{self.sigla} – {self.nombre}"

    def __repr__(self) -> str:
        return f"<UnidadOrganica {self.sigla}>"


class Rol(ConTrazabilidad, db.Model):
    __tablename__ = "rol"
    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[str] = mapped_column(String(40), unique=True)
    nombre: Mapped[str] = mapped_column(String(120))
    alcance: Mapped[Alcance] = enum_col(Alcance, "alcance", default=Alcance.todas)
    permisos: Mapped[list[Permiso]] = relationship(back_populates="rol", cascade="all, delete-orphan")
    etiqueta = etiqueta_sql(lambda cls: cls.nombre)

    def __str__(self) -> str:
        return self.nombre

    def __repr__(self) -> str:
        return f"<Rol {self.codigo}>"


class Permiso(db.Model):
    """Qué puede hacer un rol en una vista (endpoint): datos, no código."""

    __tablename__ = "permiso"
    id: Mapped[int] = mapped_column(primary_key=True)
    rol_id: Mapped[int] = mapped_column(ForeignKey("rol.id", ondelete="CASCADE"))
    vista: Mapped[str] = mapped_column(String(60))
    accion: Mapped[Accion] = enum_col(Accion, "accion_permiso")
    rol: Mapped[Rol] = relationship(back_populates="permisos")
    __table_args__ = (sa.UniqueConstraint("rol_id", "vista", "accion"),)

    def __str__(self) -> str:
        return f"{self.vista}: {self.accion.etiqueta}"


class Usuario(UserMixin, ConTrazabilidad, db.Model):
    __tablename__ = "usuario"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    nombre: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    rol_id: Mapped[int] = mapped_column(ForeignKey("rol.id"))
    unidad_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    activo: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # informativos: los bloqueos son por usuario + IP (IntentoLogin), nunca de la cuenta para todos
    intentos_fallidos: Mapped[int] = mapped_column(default=0, server_default="0")
    bloqueado_hasta: Mapped[datetime | None] = mapped_column(MomentoUTC)
    ultimo_acceso: Mapped[datetime | None] = mapped_column(MomentoUTC)
    debe_cambiar_clave: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # el sello de su firma digital dice su cargo; su DNI se compara con el del certificado al firmar (Expedir)
    cargo: Mapped[str | None] = mapped_column(String(150))
    dni: Mapped[str | None] = mapped_column(String(8))
    # sube al salir y al cambiar la contraseña: las sesiones abiertas con la versión anterior dejan de valer
    version_sesion: Mapped[int] = mapped_column(default=0, server_default="0")

    etiqueta = etiqueta_sql(lambda cls: cls.nombre)
    rol: Mapped[Rol] = relationship(foreign_keys=[rol_id], lazy="joined")
    unidad: Mapped[UnidadOrganica] = relationship(foreign_keys=[unidad_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("username = lower(username)", name="username_minusculas"),
        sa.CheckConstraint("intentos_fallidos >= 0", name="intentos_no_negativos"),
    )

    @sa.orm.validates("username")
    def _normalizar_usuario(self, _clave, valor):
        """Como se escribe al ingresar: NFKC, sin espacios, en minúsculas («ａｄｍｉｎ» es «admin»)."""
        return normalizar_identificador(valor).lower() if valor is not None else None

    def __str__(self) -> str:
        return f"{self.nombre} ({self.username})"

    def __repr__(self) -> str:
        return f"<Usuario {self.username}>"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.activo

    def get_id(self) -> str:  # Flask-Login: la sesión guarda «id:versión» (ver app._cargar_usuario)
        return f"{self.id}:{self.version_sesion}"

    def cerrar_sesiones(self) -> None:
        """Invalida todas las sesiones abiertas de este usuario (en cualquier navegador o equipo)."""
        self.version_sesion = (self.version_sesion or 0) + 1

    def puede(self, vista: str, accion: str) -> bool:
        """¿El rol de este usuario tiene la acción en esa vista? (la matriz de permisos, fuera de una pantalla)."""
        return db.session.scalar(sa.select(Permiso.id).where(
            Permiso.rol_id == self.rol_id, Permiso.vista == vista, Permiso.accion == accion).limit(1)) is not None

    def set_password(self, clave: str) -> None:
        self.password_hash = generate_password_hash(clave)  # scrypt (Werkzeug 3)

    def check_password(self, clave: str) -> bool:
        return check_password_hash(self.password_hash, clave)

    @property
    def alcance_unidad(self) -> bool:
        return self.rol.alcance == Alcance.unidad


class IntentoLogin(db.Model):
    """Intentos fallidos de ingreso por usuario escrito y origen (IP): se bloquea el par, no la cuenta."""

    __tablename__ = "intento_login"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    ip: Mapped[str] = mapped_column(String(45))
    fallidos: Mapped[int] = mapped_column(default=0, server_default="0")
    bloqueos: Mapped[int] = mapped_column(default=0, server_default="0")  # cada bloqueo dura el doble
    bloqueado_hasta: Mapped[datetime | None] = mapped_column(MomentoUTC)
    ultimo: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    __table_args__ = (sa.UniqueConstraint("username", "ip"),
                      sa.CheckConstraint("fallidos >= 0 AND bloqueos >= 0", name="no_negativos"))

    def __str__(self) -> str:
        return f"{self.username} desde {self.ip}"


class RetoVerificacion(db.Model):
    """Verificación de un formulario público: se guarda en el servidor y se usa una sola vez."""

    __tablename__ = "reto_verificacion"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    formulario: Mapped[str] = mapped_column(String(40))
    respuesta: Mapped[str] = mapped_column(String(20))
    creado_en: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora, index=True)

    def __str__(self) -> str:
        return f"Reto {self.formulario}"


class RegistroAuditoria(db.Model):
    """Bitácora de solo agregado (en PostgreSQL un trigger impide UPDATE/DELETE)."""

    __tablename__ = "registro_auditoria"
    id: Mapped[int] = mapped_column(primary_key=True)
    momento: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora, index=True)
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    ip: Mapped[str | None] = mapped_column(String(45))
    accion: Mapped[AccionAuditoria] = enum_col(AccionAuditoria, "accion_auditoria")
    entidad: Mapped[str] = mapped_column(String(60))
    entidad_id: Mapped[int | None]
    cambios: Mapped[dict | None] = mapped_column(sa.JSON)
    detalle: Mapped[str | None] = mapped_column(Text)

    usuario: Mapped[Usuario | None] = relationship()
    __table_args__ = (Index("ix_registro_auditoria_entidad", "entidad", "entidad_id"),)

    def __str__(self) -> str:
        return f"{self.accion.etiqueta} {self.entidad} {self.entidad_id or ''}".strip()


# --------------------------------------------------------------------------- catálogos
class Persona(ConTrazabilidad, db.Model):
    """Administrado (persona natural o jurídica). Validación en services/identidad.py."""

    __tablename__ = "persona"
    id: Mapped[int] = mapped_column(primary_key=True)
    tipo_documento: Mapped[TipoDocumentoIdentidad] = enum_col(
        TipoDocumentoIdentidad, "tipo_documento_identidad", default=TipoDocumentoIdentidad.DNI)
    numero_documento: Mapped[str] = mapped_column(String(20))
    nombres: Mapped[str | None] = mapped_column(String(120))
    apellidos: Mapped[str | None] = mapped_column(String(120))
    razon_social: Mapped[str | None] = mapped_column(String(250))
    direccion: Mapped[str | None] = mapped_column(String(250))
    telefono: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        sa.UniqueConstraint("tipo_documento", "numero_documento",
                            info=junto_a("numero_documento", "Ya está registrada una persona con ese documento.")),
        sa.CheckConstraint("tipo_documento <> 'DNI' OR length(numero_documento) = 8", name="dni_8"),
        sa.CheckConstraint("tipo_documento <> 'RUC' OR length(numero_documento) = 11", name="ruc_11"),
        regla("nombres IS NOT NULL OR razon_social IS NOT NULL", "con_nombre", "nombres",
              "Indique los nombres (persona natural) o la razón social (persona jurídica)."),
        *(Index(f"ix_persona_{c}_trgm", c, postgresql_using="gin", postgresql_ops={c: "gin_trgm_ops"})
          for c in ("numero_documento", "nombres", "apellidos", "razon_social")),
    )

    @hybrid_property
    def nombre_completo(self) -> str:
        if self.razon_social:
            return self.razon_social
        return " ".join(p for p in (self.nombres, self.apellidos) if p)

    @nombre_completo.inplace.expression
    @classmethod
    def _nombre_completo(cls):
        return sa.func.coalesce(
            cls.razon_social,
            cls.nombres + sa.case((cls.apellidos.is_(None), ""), else_=" " + cls.apellidos),
        )

    etiqueta = etiqueta_sql(lambda cls: cls.nombre_completo)

    @sa.orm.validates("numero_documento")
    def _normalizar_documento(self, _clave, valor):
        """El número tal como se busca: NFKC, sin espacios, en mayúsculas (los dígitos de ancho completo son los
        comunes: la misma persona, no un duplicado parecido)."""
        return normalizar_identificador(valor).upper() if valor is not None else None

    def __str__(self) -> str:
        return f"{self.tipo_documento.value} {self.numero_documento} – {self.nombre_completo}"


class TipoDocumento(ConTrazabilidad, db.Model):
    __tablename__ = "tipo_documento"
    id: Mapped[int] = mapped_column(primary_key=True)
    nombre: Mapped[str] = mapped_column(String(80), unique=True)
    abreviatura: Mapped[str] = mapped_column(String(20))
    numeracion: Mapped[Numeracion] = enum_col(Numeracion, "numeracion", default=Numeracion.unidad)
    # acto dirigido al administrado que se le notifica (resoluciones, cartas, oficios; LPAG arts. 18–27): sus
    # documentos emitidos quedan «por notificar» (alertas del art. 24) hasta una diligencia efectiva
    se_notifica: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # plantilla HTML/CSS (Jinja en entorno aislado) con que se redactan y se imprimen en PDF los documentos de este
    # tipo (services/expedir.py); vacía = la que trae el sistema (plantillas/documento.html)
    plantilla: Mapped[str | None] = mapped_column(Text)
    etiqueta = etiqueta_sql(lambda cls: cls.nombre)

    def __str__(self) -> str:
        return self.nombre


class DenominacionAnio(ConTrazabilidad, db.Model):
    """Denominación oficial del año (la fija cada año un decreto supremo de la PCM): va bajo el encabezado de todo
    documento oficial que emite la entidad."""

    __tablename__ = "denominacion_anio"
    id: Mapped[int] = mapped_column(primary_key=True)
    anio: Mapped[int] = mapped_column(unique=True)
    denominacion: Mapped[str] = mapped_column(String(300))
    norma: Mapped[str | None] = mapped_column(String(120))  # «D.S. N° 011-2026-PCM»
    __table_args__ = (sa.CheckConstraint("anio BETWEEN 1900 AND 2999", name="anio_valido"),)

    def __str__(self) -> str:
        return f"{self.anio}: «{self.denominacion}»"


class ProcedimientoTupa(ConTrazabilidad, db.Model):
    """Procedimiento del TUPA (plazo en días hábiles; LPAG arts. 39, 153)."""

    __tablename__ = "procedimiento_tupa"
    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(300))
    plazo_dias_habiles: Mapped[int] = mapped_column(default=30, info={"rango": (0, PLAZO_MAXIMO_HABILES)})
    # calificación (LPAG arts. 33–38): evaluación previa con silencio positivo es la regla general (art. 35)
    silencio: Mapped[Silencio] = enum_col(Silencio, "silencio", default=Silencio.positivo)
    derecho_tramite: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0"))
    unidad_resolutora_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    activo: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    unidad_resolutora: Mapped[UnidadOrganica] = relationship()
    etiqueta = etiqueta_sql(lambda cls: cls.codigo + " – " + cls.nombre)
    __table_args__ = (
        regla("plazo_dias_habiles >= 0", "plazo_no_negativo", "plazo_dias_habiles", "El plazo no puede ser negativo."),
        sa.CheckConstraint("derecho_tramite >= 0", name="derecho_no_negativo"),
        # aprobación automática (art. 33): se aprueba al presentarse, sin plazo
        regla("silencio <> 'aprobacion_automatica' OR plazo_dias_habiles = 0", "automatica_sin_plazo",
              "plazo_dias_habiles", "La aprobación automática no tiene plazo: se aprueba al presentarse (art. 33). "
                                    "Indique 0."),
    )

    @property
    def aprobacion_automatica(self) -> bool:
        return self.silencio == Silencio.aprobacion_automatica

    def excede_plazo_maximo(self, maximo: int = 30) -> bool:
        """Con evaluación previa el plazo no pasa de 30 días hábiles (LPAG arts. 39, 153)."""
        return not self.aprobacion_automatica and self.plazo_dias_habiles > maximo

    def __str__(self) -> str:
        return f"{self.codigo} – {self.nombre}"


class Feriado(ConTrazabilidad, db.Model):
    """Día no hábil: feriado nacional, regional, local o día no laborable decretado."""

    __tablename__ = "feriado"
    id: Mapped[int] = mapped_column(primary_key=True)
    fecha: Mapped[date] = mapped_column(unique=True)
    nombre: Mapped[str] = mapped_column(String(150))
    tipo: Mapped[TipoFeriado] = enum_col(TipoFeriado, "tipo_feriado", default=TipoFeriado.nacional)

    def __str__(self) -> str:
        return f"{self.fecha:%d/%m/%Y} – {self.nombre}"


class Correlativo(db.Model):
    """Único lugar donde se sacan números (fila bloqueada mientras se saca)."""

    __tablename__ = "correlativo"
    id: Mapped[int] = mapped_column(primary_key=True)
    clave: Mapped[str] = mapped_column(String(80), unique=True)
    ultimo: Mapped[int] = mapped_column(default=0)
    __table_args__ = (sa.CheckConstraint("ultimo >= 0", name="ultimo_no_negativo"),)

    def __str__(self) -> str:
        return f"{self.clave} = {self.ultimo}"


# --------------------------------------------------------------------------- trámite
class Expediente(ConTrazabilidad, db.Model):
    """Expediente único (LPAG arts. 124, 161). Número por año, asignado por el servidor."""

    __tablename__ = "expediente"
    id: Mapped[int] = mapped_column(primary_key=True)
    anio: Mapped[int]
    numero: Mapped[int]
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    clave: Mapped[str] = mapped_column(String(20))
    fecha_recepcion: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    fecha_presentacion: Mapped[date]
    origen: Mapped[Origen] = enum_col(Origen, "origen", default=Origen.externo)
    canal: Mapped[Canal] = enum_col(Canal, "canal", default=Canal.presencial)
    persona_id: Mapped[int | None] = mapped_column(ForeignKey("persona.id"))
    unidad_origen_id: Mapped[int | None] = mapped_column(ForeignKey("unidad_organica.id"))
    tipo_documento_id: Mapped[int] = mapped_column(ForeignKey("tipo_documento.id"))
    documento_referencia: Mapped[str | None] = mapped_column(String(200))
    asunto: Mapped[str] = mapped_column(String(500))
    folios: Mapped[int] = mapped_column(default=1)
    procedimiento_id: Mapped[int | None] = mapped_column(ForeignKey("procedimiento_tupa.id"))
    prioridad: Mapped[Prioridad] = enum_col(Prioridad, "prioridad", default=Prioridad.normal)
    # active_history: la regla de solo lectura compara con el estado de la base aunque la fila esté expirada
    estado: Mapped[EstadoExpediente] = enum_col(EstadoExpediente, "estado_expediente",
                                                default=EstadoExpediente.registrado, active_history=True)
    observacion: Mapped[str | None] = mapped_column(Text)
    fecha_observacion: Mapped[date | None]
    fecha_subsanacion: Mapped[date | None]
    unidad_actual_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    plazo_dias_habiles: Mapped[int | None]
    fecha_vencimiento: Mapped[date | None]
    # con silencio positivo, desde cuándo la solicitud se tiene por aprobada (LPAG art. 199.1): el día siguiente a
    # los 5 días hábiles para notificar la decisión que siguen al vencimiento (art. 24.1). Guardado como el
    # vencimiento (services/tramite lo calcula y lo recalcula si cambia el calendario); vacío mientras está observado
    silencio_positivo_desde: Mapped[date | None]
    fecha_atencion: Mapped[date | None]
    # lo que se respondió o resolvió al darlo por atendido (la unidad lo escribe en «Tramitar → Atendido»)
    respuesta: Mapped[str | None] = mapped_column(Text)
    motivo_anulacion: Mapped[str | None] = mapped_column(Text)
    observaciones: Mapped[str | None] = mapped_column(Text)
    # contacto declarado en este ingreso (mesa de partes digital): nunca cambia los datos de la persona
    email_contacto: Mapped[str | None] = mapped_column(String(200))
    telefono_contacto: Mapped[str | None] = mapped_column(String(20))
    # dónde está físicamente una vez archivado (vacío: en el archivo de gestión de la unidad que lo archivó)
    unidad_conservacion_id: Mapped[int | None] = mapped_column(ForeignKey("unidad_conservacion.id"))
    # la primera vez que salió de Mesa de Partes (la pone `services.tramite.derivar`; no cambia después): la
    # supervisión de Mesa de Partes mide de aquí el tiempo hasta la primera derivación sin unir las derivaciones
    fecha_primera_derivacion: Mapped[datetime | None] = mapped_column(MomentoUTC)
    # control de concurrencia optimista: dos trámites simultáneos no parten el expediente
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    persona: Mapped[Persona | None] = relationship()
    unidad_origen: Mapped[UnidadOrganica | None] = relationship(foreign_keys=[unidad_origen_id])
    unidad_actual: Mapped[UnidadOrganica] = relationship(foreign_keys=[unidad_actual_id])
    tipo_documento: Mapped[TipoDocumento] = relationship()
    procedimiento: Mapped[ProcedimientoTupa | None] = relationship()
    derivaciones: Mapped[list[Derivacion]] = relationship(
        back_populates="expediente", order_by="Derivacion.fecha_envio")
    adjuntos: Mapped[list[Adjunto]] = relationship(back_populates="expediente")
    unidad_conservacion: Mapped[UnidadConservacion | None] = relationship(backref="expedientes")

    __table_args__ = (
        sa.UniqueConstraint("anio", "numero"),
        sa.CheckConstraint("folios >= 1", name="folios_positivos"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("origen <> 'externo' OR persona_id IS NOT NULL", name="externo_con_persona"),
        sa.CheckConstraint("origen <> 'interno' OR unidad_origen_id IS NOT NULL",
                           name="interno_con_unidad"),
        sa.CheckConstraint("estado <> 'anulado' OR motivo_anulacion IS NOT NULL",
                           name="anulado_con_motivo"),
        # listado por unidad y estado (+ fecha de presentación) en el orden por defecto (id desc): la fecha,
        # última, se comprueba en el índice sin leer la fila; el conteo es un index-only scan
        Index("ix_expediente_unidad_estado", "unidad_actual_id", "estado", "id", "fecha_presentacion"),
        # por fecha de presentación; en PostgreSQL lleva además lo que lee la supervisión de Mesa de Partes, que
        # así recorre el año en el índice (index-only scan) sin leer las filas anchas del expediente
        Index("ix_expediente_fecha_presentacion", "fecha_presentacion",
              postgresql_include=["creado_por_id", "fecha_recepcion", "canal", "fecha_observacion", "estado",
                                  "fecha_primera_derivacion"]),
        Index("ix_expediente_fecha_vencimiento", "fecha_vencimiento"),
        Index("ix_expediente_silencio_positivo_desde", "silencio_positivo_desde"),
        Index("ix_expediente_persona", "persona_id"),
        Index("ix_expediente_unidad_conservacion", "unidad_conservacion_id"),
        # búsqueda por palabra (ILIKE '%…%'): índices trigrama en PostgreSQL (pg_trgm)
        Index("ix_expediente_asunto_trgm", "asunto", postgresql_using="gin",
              postgresql_ops={"asunto": "gin_trgm_ops"}),
        Index("ix_expediente_codigo_trgm", "codigo", postgresql_using="gin",
              postgresql_ops={"codigo": "gin_trgm_ops"}),
    )

    @hybrid_property
    def vencido(self) -> bool:
        """Pasó el plazo sin atenderse; nunca mientras una observación está pendiente (art. 136.3)."""
        return (self.fecha_vencimiento is not None and self.estado in ESTADOS_EN_PLAZO
                and self.fecha_vencimiento < hoy_lima())

    @vencido.inplace.expression
    @classmethod
    def _vencido(cls):
        return sa.and_(cls.fecha_vencimiento.is_not(None), cls.fecha_vencimiento < hoy_lima(),
                       cls.estado.in_(ESTADOS_EN_PLAZO))

    @hybrid_property
    def aprobado_por_silencio(self) -> bool:
        """Silencio positivo (LPAG arts. 35 y 199.1): vencido el plazo y los 5 días hábiles para notificar la
        decisión (art. 24.1) sin que se notificara, la solicitud se tiene por aprobada; nunca antes, ni mientras
        una observación está pendiente (art. 136.3; docs/reglas.md §1)."""
        return (self.silencio_positivo_desde is not None and self.estado in ESTADOS_EN_PLAZO
                and self.silencio_positivo_desde <= hoy_lima())

    @aprobado_por_silencio.inplace.expression
    @classmethod
    def _aprobado_por_silencio(cls):
        return sa.and_(cls.silencio_positivo_desde.is_not(None), cls.silencio_positivo_desde <= hoy_lima(),
                       cls.estado.in_(ESTADOS_EN_PLAZO))

    @property
    def aprobacion_automatica(self) -> bool:
        """Procedimiento de aprobación automática (art. 33): sin plazo ni vencimiento."""
        return self.procedimiento is not None and self.procedimiento.aprobacion_automatica

    @property
    def ultimo_dia_para_notificar(self) -> date | None:
        """Con silencio positivo, el último de los 5 días hábiles para notificar la decisión (art. 24.1)."""
        return self.silencio_positivo_desde - timedelta(days=1) if self.silencio_positivo_desde else None

    @property
    def aprobado_automaticamente_el(self) -> date | None:
        """Aprobación automática (art. 33): aprobada con su presentación o, si se observó, con la subsanación;
        mientras la observación está pendiente no procede (art. 136.3.2), ni si no se presentó o se anuló."""
        if not self.aprobacion_automatica or self.estado in (EstadoExpediente.observado,
                                                             EstadoExpediente.no_presentado,
                                                             EstadoExpediente.anulado):
            return None
        return self.fecha_subsanacion or self.fecha_presentacion

    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        """Alcance de una unidad: lo tiene ahora o pasó por ella (una derivación desde o hacia ella)."""
        return sa.or_(
            cls.unidad_actual_id == unidad_id,
            sa.exists().where(Derivacion.expediente_id == cls.id,
                              sa.or_(Derivacion.unidad_origen_id == unidad_id,
                                     Derivacion.unidad_destino_id == unidad_id)),
        )

    @staticmethod
    def formato_codigo(anio: int, numero: int) -> str:
        return f"EXP-{anio}-{numero:06d}"

    # lo que escribe quien registra o corrige el expediente (no su estado ni su ubicación, que cambian
    # con el trámite): de solo lectura cuando el expediente está cerrado
    CAMPOS_DE_DATOS = ("origen", "canal", "persona", "persona_id", "unidad_origen", "unidad_origen_id",
                       "tipo_documento", "tipo_documento_id", "documento_referencia", "asunto", "folios",
                       "procedimiento", "procedimiento_id", "prioridad", "observaciones")

    def recorrido(self, usuario: Usuario | None = None) -> tuple[list[Derivacion], int]:
        """Lo que `usuario` ve del recorrido del expediente (una sola regla para Detalle, Tramitar, Hoja de ruta y
        toda impresión): un rol que ve todas las unidades, todo; un rol de una unidad, solo los movimientos en que
        su unidad participó (los envió o los recibió), con sus proveídos; los demás —y los proveídos que otras
        unidades se escribieron entre sí— solo se cuentan. Devuelve (visibles, cuántos no se muestran)."""
        todos = list(self.derivaciones)
        if usuario is None or not usuario.alcance_unidad:
            return todos, 0
        visibles = [d for d in todos if usuario.unidad_id in (d.unidad_origen_id, d.unidad_destino_id)]
        return visibles, len(todos) - len(visibles)

    def ve_cargo(self, usuario: Usuario | None) -> bool:
        """El cargo lleva la clave con que el administrado consulta su expediente: lo imprime quien lo recibió. Un
        rol que ve todas las unidades (Mesa de Partes, Secretaría General), cualquiera; un rol de una unidad, solo
        el de un documento que registró su unidad (un interno suyo), no el de uno que solo pasó por ella."""
        if usuario is None or not usuario.alcance_unidad:
            return usuario is not None
        if self.origen == Origen.interno and self.unidad_origen_id == usuario.unidad_id:
            return True
        registro = db.session.get(Usuario, self.creado_por_id) if self.creado_por_id else None
        return registro is not None and registro.unidad_id == usuario.unidad_id

    def error_de_edicion(self, usuario: Usuario | None = None) -> str | None:
        """Por qué no se pueden corregir los datos del expediente (None: se puede).

        Cerrado (no presentado, atendido, archivado, anulado): nadie. Un rol con alcance de unidad: solo
        mientras el expediente esté ahora en su unidad. Un rol con alcance «todas» (Secretaría General,
        Mesa de Partes) y permiso de edición: esté donde esté.
        """
        if self.estado in ESTADOS_CERRADOS:
            return f"Un expediente {self.estado.etiqueta.lower()} no se modifica."
        if usuario is not None and usuario.alcance_unidad and self.unidad_actual_id != usuario.unidad_id:
            return "El expediente ya no está en su unidad: solo la unidad que lo tiene puede modificarlo."
        return None

    def __str__(self) -> str:
        return f"{self.codigo} – {self.asunto[:60]}"

    def __repr__(self) -> str:
        return f"<Expediente {self.codigo}>"


class Derivacion(ConTrazabilidad, db.Model):
    """Pase de un expediente entre unidades, con acuse de recibo."""

    __tablename__ = "derivacion"
    id: Mapped[int] = mapped_column(primary_key=True)
    expediente_id: Mapped[int] = mapped_column(ForeignKey("expediente.id"))
    unidad_origen_id: Mapped[int | None] = mapped_column(ForeignKey("unidad_organica.id"))
    unidad_destino_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    enviado_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    fecha_envio: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    accion: Mapped[AccionDerivacion] = enum_col(AccionDerivacion, "accion_derivacion",
                                                default=AccionDerivacion.atender)
    proveido: Mapped[str | None] = mapped_column(Text)
    plazo_dias_habiles: Mapped[int | None]
    fecha_limite: Mapped[date | None]
    fecha_recepcion: Mapped[datetime | None] = mapped_column(MomentoUTC)
    recibido_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    estado: Mapped[EstadoDerivacion] = enum_col(EstadoDerivacion, "estado_derivacion",
                                                default=EstadoDerivacion.pendiente, active_history=True)
    # active_history: la regla de solo lectura sabe si ya estaba cerrada aunque la fila esté expirada
    fecha_atencion: Mapped[datetime | None] = mapped_column(MomentoUTC, active_history=True)

    # una vez atendida es el registro de lo que pasó (y el resumen diario del cumplimiento la da por fija)
    CAMPOS_FIJOS_AL_CERRAR = ("unidad_destino_id", "fecha_envio", "fecha_limite", "fecha_recepcion", "fecha_atencion")

    expediente: Mapped[Expediente] = relationship(back_populates="derivaciones")
    unidad_origen: Mapped[UnidadOrganica | None] = relationship(foreign_keys=[unidad_origen_id])
    unidad_destino: Mapped[UnidadOrganica] = relationship(foreign_keys=[unidad_destino_id])

    __table_args__ = (
        Index("ix_derivacion_expediente", "expediente_id"),
        # bandeja: orden por fecha de envío; con la unidad de origen, el alcance de la unidad (origen o destino)
        # se comprueba en el índice y el conteo es un index-only scan
        Index("ix_derivacion_destino_estado", "unidad_destino_id", "estado", "fecha_envio", "unidad_origen_id"),
        Index("ix_derivacion_origen", "unidad_origen_id"),
        # reporte de cumplimiento: lo que el resumen diario aún no cubre (abiertas y cerradas desde el corte)
        Index("ix_derivacion_abiertas", "fecha_envio", postgresql_where=sa.text("fecha_atencion IS NULL"),
              sqlite_where=sa.text("fecha_atencion IS NULL")),
        Index("ix_derivacion_fecha_atencion", "fecha_atencion"),
    )

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        return sa.or_(cls.unidad_origen_id == unidad_id, cls.unidad_destino_id == unidad_id)

    def error_de_proveido(self, usuario: Usuario | None = None) -> str | None:
        """El proveído es la instrucción de quien envía: solo la unidad de origen lo corrige, y solo mientras
        la derivación está pendiente (recibida, ya es parte del expediente). None: se puede."""
        if self.estado != EstadoDerivacion.pendiente:
            return "La unidad de destino ya recibió la derivación: su proveído no se modifica."
        if usuario is not None and self.unidad_origen_id != usuario.unidad_id:
            return "Solo la unidad que envió el expediente puede corregir su proveído."
        return None

    def __str__(self) -> str:
        return f"{self.unidad_destino.sigla if self.unidad_destino else '?'} ({self.accion.etiqueta})"


_CONTENIDO_DOCUMENTO = ("tipo_documento", "tipo_documento_id", "unidad", "unidad_id", "anio", "numero", "codigo",
                        "fecha", "asunto", "destinatario", "expediente", "expediente_id", "firmado_por",
                        "codigo_verificacion")


class DocumentoEmitido(DeUnaUnidad, ActoFinal, ActoNumerado, ConTrazabilidad, db.Model):
    """Documento de salida (egreso) de una unidad: numerado por tipo, unidad y año. Emitido (firmado), su
    contenido ya no cambia; anulado, nada."""

    __tablename__ = "documento_emitido"
    fijos = {"emitido": _CONTENIDO_DOCUMENTO, "notificado": _CONTENIDO_DOCUMENTO, "anulado": "*"}
    id: Mapped[int] = mapped_column(primary_key=True)
    tipo_documento_id: Mapped[int] = mapped_column(ForeignKey("tipo_documento.id"))
    unidad_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    anio: Mapped[int]
    numero: Mapped[int]
    codigo: Mapped[str] = mapped_column(String(80), unique=True)
    fecha: Mapped[date] = mapped_column(default=hoy_lima)
    asunto: Mapped[str] = mapped_column(String(500))
    destinatario: Mapped[str | None] = mapped_column(String(300))
    expediente_id: Mapped[int | None] = mapped_column(ForeignKey("expediente.id"))
    firmado_por: Mapped[str | None] = mapped_column(String(200))
    estado: Mapped[EstadoDocumento] = enum_col(EstadoDocumento, "estado_documento",
                                               default=EstadoDocumento.proyecto)
    fecha_notificacion: Mapped[date | None]
    motivo_anulacion: Mapped[str | None] = mapped_column(Text)
    # QR del documento impreso → /verificar/<codigo_verificacion> (al azar, no deducible del número)
    codigo_verificacion: Mapped[str] = mapped_column(String(32), unique=True,
                                                     default=lambda: nuevo_codigo_verificacion())
    # el PDF firmado digitalmente (Expedir): clave del almacén (services/archivos) y su SHA-256; escrito una vez
    pdf_ruta: Mapped[str | None] = mapped_column(String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    fijos_al_llenarse = ("pdf_ruta", "pdf_sha256")

    tipo_documento: Mapped[TipoDocumento] = relationship()
    unidad: Mapped[UnidadOrganica] = relationship()
    expediente: Mapped[Expediente | None] = relationship()
    notificaciones: Mapped[list[Notificacion]] = relationship(back_populates="documento",
                                                              order_by="Notificacion.fecha_hora")
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        sa.UniqueConstraint("tipo_documento_id", "unidad_id", "anio", "numero"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("estado <> 'anulado' OR motivo_anulacion IS NOT NULL", name="anulado_con_motivo"),
        sa.CheckConstraint("estado <> 'notificado' OR fecha_notificacion IS NOT NULL",
                           name="notificado_con_fecha"),
        # el número es de la serie del año de su fecha (no se numera «para 2019»)
        sa.CheckConstraint("anio = CAST(EXTRACT(YEAR FROM fecha) AS INTEGER)", name="anio_de_la_fecha")
        .ddl_if(dialect="postgresql"),
        sa.CheckConstraint("anio = CAST(strftime('%Y', fecha) AS INTEGER)", name="anio_de_la_fecha")
        .ddl_if(dialect="sqlite"),
        sa.CheckConstraint("fecha_notificacion IS NULL OR fecha_notificacion >= fecha",
                           name="notificado_despues_de_emitir"),
        Index("ix_documento_emitido_unidad", "unidad_id", "anio"),
        Index("ix_documento_emitido_expediente", "expediente_id"),
    )

    def condicion_serie(self, anio: int):
        """Su serie: el tipo y el año, y la unidad si el tipo se numera por unidad."""
        tipo = self.tipo_documento or (db.session.get(TipoDocumento, self.tipo_documento_id)
                                       if self.tipo_documento_id else None)
        cond = sa.and_(DocumentoEmitido.tipo_documento_id == (tipo.id if tipo else self.tipo_documento_id),
                       DocumentoEmitido.anio == anio)
        if tipo is None or _valor_enum(tipo.numeracion) == "unidad":
            unidad_id = self.unidad.id if self.unidad is not None else self.unidad_id
            cond = sa.and_(cond, DocumentoEmitido.unidad_id == unidad_id)
        return cond

    def __str__(self) -> str:
        return f"{self.codigo} – {self.asunto[:60]}"


# ------------------------------------------------------------------------------------------------- Expedir
_CONTENIDO_REDACCION = ("tipo_documento", "tipo_documento_id", "unidad", "unidad_id", "expediente", "expediente_id",
                        "unidad_destino", "unidad_destino_id", "norma", "norma_id", "firmante", "firmante_id",
                        "asunto", "cuerpo", "destinatario", "referencia", "cc", "codigo_verificacion", "da_fe",
                        "da_fe_id", "norma_transcrita", "norma_transcrita_id")


ACCION_TURNO = {"visto_bueno": "V° B°", "firmar": "Firma", "dar_fe": "Da fe"}


class Redaccion(DeUnaUnidad, ActoFinal, ConTrazabilidad, db.Model):
    """Un documento redactado en el sistema (Expedir): texto en el editor, revisores (V° B°) en orden y firmante.
    Enviado, el texto ya no cambia (solo devolviéndolo, que abre una versión nueva y guarda la anterior); cada V° B°
    y la firma son firmas incrementales del mismo PDF; el número se saca al firmar (nace el `DocumentoEmitido`, o
    el PDF firmado de una norma ya numerada). Las reglas (orden, quién, estados) están al guardar
    (`services/redaccion.py`), para toda vía."""

    __tablename__ = "redaccion"
    fijos = {"en_revision": _CONTENIDO_REDACCION, "por_firmar": _CONTENIDO_REDACCION, "firmado": "*",
             "descartado": "*"}
    fijos_al_llenarse = ("firma_titular_en",)
    id: Mapped[int] = mapped_column(primary_key=True)
    tipo_documento_id: Mapped[int] = mapped_column(ForeignKey("tipo_documento.id"))
    unidad_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    expediente_id: Mapped[int | None] = mapped_column(ForeignKey("expediente.id"))
    # documento interno (memorando, informe, proveído): la unidad a cuya bandeja llega al firmarse
    unidad_destino_id: Mapped[int | None] = mapped_column(ForeignKey("unidad_organica.id"))
    norma_id: Mapped[int | None] = mapped_column(ForeignKey("norma_municipal.id"), unique=True)
    firmante_id: Mapped[int] = mapped_column(ForeignKey("usuario.id"))
    # norma: el Secretario General firma después del alcalde dando fe (su firma cierra el PDF); la firma del
    # alcalde queda anotada en `firma_titular_en` mientras espera la fe
    da_fe_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    firma_titular_en: Mapped[datetime | None] = mapped_column(MomentoUTC)
    # transcripción de un acuerdo de concejo a una unidad que debe cumplirlo: su texto es el de la norma
    norma_transcrita_id: Mapped[int | None] = mapped_column(ForeignKey("norma_municipal.id"))
    asunto: Mapped[str] = mapped_column(String(500))
    cuerpo: Mapped[str] = mapped_column(Text, default="")
    destinatario: Mapped[str | None] = mapped_column(Text)
    referencia: Mapped[str | None] = mapped_column(String(500))
    cc: Mapped[str | None] = mapped_column(Text)  # una copia por línea
    estado: Mapped[EstadoRedaccion] = enum_col(EstadoRedaccion, "estado_redaccion", default=EstadoRedaccion.borrador)
    version: Mapped[int] = mapped_column(default=1)
    observacion: Mapped[str | None] = mapped_column(Text)  # la de la última devolución
    # el PDF de la versión en curso con los V° B° dados (o el firmado): clave del almacén y SHA-256
    pdf_ruta: Mapped[str | None] = mapped_column(String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    codigo_verificacion: Mapped[str] = mapped_column(String(32), unique=True,
                                                     default=lambda: nuevo_codigo_verificacion())
    documento_id: Mapped[int | None] = mapped_column(ForeignKey("documento_emitido.id"), unique=True)

    tipo_documento: Mapped[TipoDocumento] = relationship()
    unidad: Mapped[UnidadOrganica] = relationship(foreign_keys=[unidad_id])
    unidad_destino: Mapped[UnidadOrganica | None] = relationship(foreign_keys=[unidad_destino_id])
    expediente: Mapped[Expediente | None] = relationship()
    norma: Mapped[NormaMunicipal | None] = relationship(foreign_keys=[norma_id])
    norma_transcrita: Mapped[NormaMunicipal | None] = relationship(foreign_keys=[norma_transcrita_id])
    firmante: Mapped[Usuario] = relationship(foreign_keys=[firmante_id])
    da_fe: Mapped[Usuario | None] = relationship(foreign_keys=[da_fe_id])
    documento: Mapped[DocumentoEmitido | None] = relationship()
    revisores: Mapped[list[RevisorRedaccion]] = relationship(
        back_populates="redaccion", order_by="(RevisorRedaccion.orden, RevisorRedaccion.id)",
        cascade="all, delete-orphan")
    vistos: Mapped[list[VistoBueno]] = relationship(back_populates="redaccion",
                                                    order_by="(VistoBueno.version, VistoBueno.orden)")
    versiones: Mapped[list[VersionRedaccion]] = relationship(back_populates="redaccion",
                                                             order_by="VersionRedaccion.numero")
    anexos: Mapped[list[AnexoRedaccion]] = relationship(back_populates="redaccion", order_by="AnexoRedaccion.id",
                                                        cascade="all, delete-orphan")
    etiqueta = etiqueta_sql(lambda cls: cls.asunto)

    __table_args__ = (
        sa.CheckConstraint("version >= 1", name="version_positiva"),
        sa.CheckConstraint("(pdf_ruta IS NULL) = (pdf_sha256 IS NULL)", name="pdf_con_huella"),
        sa.CheckConstraint("estado <> 'firmado' OR pdf_ruta IS NOT NULL", name="firmado_con_pdf"),
        sa.CheckConstraint("estado <> 'firmado' OR documento_id IS NOT NULL OR norma_id IS NOT NULL",
                           name="firmado_con_documento"),
        sa.CheckConstraint("firma_titular_en IS NULL OR (da_fe_id IS NOT NULL AND estado IN ('por_firmar', "
                           "'firmado'))", name="fe_despues_de_la_firma"),
        Index("ix_redaccion_unidad_estado", "unidad_id", "estado"),
        Index("ix_redaccion_firmante", "firmante_id", "estado"),
    )

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        """Lo de su unidad y lo que espera el V° B° o la firma de alguien de su unidad."""
        de_la_unidad = sa.select(Usuario.id).where(Usuario.unidad_id == unidad_id)
        return sa.or_(cls.unidad_id == unidad_id, cls.firmante_id.in_(de_la_unidad),
                      cls.id.in_(sa.select(RevisorRedaccion.redaccion_id).where(
                          RevisorRedaccion.usuario_id.in_(de_la_unidad))))

    def turno(self) -> tuple[str, Usuario] | None:
        """(«visto_bueno» o «firmar», a quién le toca ahora) o None: en V° B°, el primer revisor sin su V° B° en la
        versión en curso; por firmar, el firmante."""
        if self.estado == EstadoRedaccion.en_revision:
            dados = {v.orden for v in self.vistos if v.version == self.version}
            return next((("visto_bueno", r.usuario) for r in self.revisores if r.orden not in dados), None)
        if self.estado == EstadoRedaccion.por_firmar:
            if self.firma_titular_en is not None and self.da_fe is not None:
                return "dar_fe", self.da_fe
            return "firmar", self.firmante
        return None

    @property
    def le_toca(self) -> str:
        t = self.turno()
        return f"{ACCION_TURNO[t[0]]}: {t[1].nombre}" if t else ""

    def __str__(self) -> str:
        if self.documento is not None:
            return self.documento.codigo
        tipo = self.tipo_documento.nombre if self.tipo_documento else "Documento"
        return f"{tipo} (proyecto, v{self.version}) – {(self.asunto or '')[:60]}"


class RevisorRedaccion(db.Model):
    """Quien da el V° B°, en su orden (1, 2, …)."""

    __tablename__ = "revisor_redaccion"
    id: Mapped[int] = mapped_column(primary_key=True)
    redaccion_id: Mapped[int] = mapped_column(ForeignKey("redaccion.id", ondelete="CASCADE"))
    orden: Mapped[int] = mapped_column(default=1)
    usuario_id: Mapped[int] = mapped_column(ForeignKey("usuario.id"))
    redaccion: Mapped[Redaccion] = relationship(back_populates="revisores")
    usuario: Mapped[Usuario] = relationship()
    __table_args__ = (sa.UniqueConstraint("redaccion_id", "usuario_id"),
                      sa.CheckConstraint("orden >= 1", name="orden_positivo"))

    def __str__(self) -> str:
        return f"{self.orden}. {self.usuario.nombre if self.usuario else ''}"


class VistoBueno(db.Model):
    """Un V° B° dado (firma digital incremental en el PDF de esa versión). No cambia ni se borra."""

    __tablename__ = "visto_bueno"
    id: Mapped[int] = mapped_column(primary_key=True)
    redaccion_id: Mapped[int] = mapped_column(ForeignKey("redaccion.id"))
    version: Mapped[int]
    orden: Mapped[int]
    usuario_id: Mapped[int] = mapped_column(ForeignKey("usuario.id"))
    momento: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    pdf_sha256: Mapped[str] = mapped_column(String(64))  # el PDF con este V° B°
    redaccion: Mapped[Redaccion] = relationship(back_populates="vistos")
    usuario: Mapped[Usuario] = relationship()
    __table_args__ = (sa.UniqueConstraint("redaccion_id", "version", "orden"),)


class VersionRedaccion(db.Model):
    """Una versión devuelta: su texto, el PDF con los V° B° que llegó a tener, quién la devolvió y por qué."""

    __tablename__ = "version_redaccion"
    id: Mapped[int] = mapped_column(primary_key=True)
    redaccion_id: Mapped[int] = mapped_column(ForeignKey("redaccion.id"))
    numero: Mapped[int]
    asunto: Mapped[str] = mapped_column(String(500))
    cuerpo: Mapped[str] = mapped_column(Text)
    destinatario: Mapped[str | None] = mapped_column(Text)
    referencia: Mapped[str | None] = mapped_column(String(500))
    cc: Mapped[str | None] = mapped_column(Text)
    pdf_ruta: Mapped[str | None] = mapped_column(String(300))
    observacion: Mapped[str] = mapped_column(Text)
    devuelta_por_id: Mapped[int] = mapped_column(ForeignKey("usuario.id"))
    devuelta_en: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    redaccion: Mapped[Redaccion] = relationship(back_populates="versiones")
    devuelta_por: Mapped[Usuario] = relationship()
    __table_args__ = (sa.UniqueConstraint("redaccion_id", "numero"),)


class AnexoRedaccion(db.Model):
    """Un anexo en PDF (revisado como en el ingreso: legible, sin contenido activo), guardado en el almacén."""

    __tablename__ = "anexo_redaccion"
    id: Mapped[int] = mapped_column(primary_key=True)
    redaccion_id: Mapped[int] = mapped_column(ForeignKey("redaccion.id", ondelete="CASCADE"))
    nombre_archivo: Mapped[str] = mapped_column(String(255))
    paginas: Mapped[int]
    tamano: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    ruta: Mapped[str] = mapped_column(String(300))
    redaccion: Mapped[Redaccion] = relationship(back_populates="anexos")
    __table_args__ = (sa.CheckConstraint("tamano > 0 AND paginas >= 1", name="anexo_no_vacio"),)

    def __str__(self) -> str:
        return f"{self.nombre_archivo} ({self.paginas} p.)"


class Adjunto(db.Model):
    """Archivo adjunto (PDF) guardado por su SHA-256 en ADJUNTOS_DIR."""

    __tablename__ = "adjunto"
    id: Mapped[int] = mapped_column(primary_key=True)
    expediente_id: Mapped[int | None] = mapped_column(ForeignKey("expediente.id"))
    documento_id: Mapped[int | None] = mapped_column(ForeignKey("documento_emitido.id"))
    nombre_archivo: Mapped[str] = mapped_column(String(255))
    tipo_mime: Mapped[str] = mapped_column(String(100))
    tamano: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    ruta: Mapped[str] = mapped_column(String(300))
    subido_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    subido_en: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    # firma digital (PAdES) verificada al recibirlo (services/firmas.py); null = sin firma
    firma_estado: Mapped[EstadoFirma | None] = enum_col(EstadoFirma, "estado_firma")
    firma_firmante: Mapped[str | None] = mapped_column(String(300))
    firma_fecha: Mapped[datetime | None] = mapped_column(MomentoUTC)
    firma_confiable: Mapped[bool | None]
    firma_detalle: Mapped[str | None] = mapped_column(Text)

    expediente: Mapped[Expediente | None] = relationship(back_populates="adjuntos")
    __table_args__ = (
        sa.CheckConstraint("(expediente_id IS NULL) <> (documento_id IS NULL)", name="de_uno_solo"),
        sa.CheckConstraint("tamano > 0", name="tamano_positivo"),
        Index("ix_adjunto_expediente", "expediente_id"),
    )

    def __str__(self) -> str:
        return self.nombre_archivo


class ResumenDerivacion(db.Model):
    """Resumen diario de las derivaciones ya cerradas (atendidas antes del corte de `EstadoResumen`), agrupadas
    por unidad de destino, resultado y fechas de Lima: el reporte de cumplimiento suma esto y calcula en vivo
    solo lo abierto y lo cerrado después del corte. Una derivación cerrada ya no cambia; los días hábiles se
    cuentan al consultar (uniendo el calendario vigente), así que editar un feriado no deja el resumen viejo.
    Lo rehace entero la tarea diaria `tramite-diario` (`services.control.actualizar_resumen`)."""

    __tablename__ = "resumen_derivacion"
    id: Mapped[int] = mapped_column(primary_key=True)
    unidad_destino_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    fecha_envio: Mapped[date]
    clase: Mapped[str] = mapped_column(String(20))  # a_tiempo o con_retraso (services.control.CUMPLIMIENTO)
    fecha_atencion: Mapped[date]
    fecha_recepcion: Mapped[date | None]
    n: Mapped[int]

    __table_args__ = (Index("ix_resumen_derivacion_envio", "fecha_envio", "unidad_destino_id"),)


class EstadoResumen(db.Model):
    """Hasta dónde llega cada resumen diario: `corte` = fecha de Lima desde la que ya no cubre (lo atendido
    antes de ese día está resumido). Sin fila, el resumen no vale y los reportes calculan todo en vivo."""

    __tablename__ = "estado_resumen"
    nombre: Mapped[str] = mapped_column(String(40), primary_key=True)
    corte: Mapped[date]
    actualizado_en: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)


class EjecucionTarea(db.Model):
    """Corrida programada de una tarea diaria (`flask tramite-diario --diaria`, `flask alertas --diaria`): una por
    tarea y fecha de Lima. Con varios nodos, cada uno con su temporizador, la primera corrida del día hace el
    trabajo y las demás lo encuentran aquí y no hacen nada (services/tareas.py; el bloqueo consultivo de PostgreSQL
    evita que dos corran a la vez)."""

    __tablename__ = "ejecucion_tarea"
    id: Mapped[int] = mapped_column(primary_key=True)
    tarea: Mapped[str] = mapped_column(String(40))
    fecha: Mapped[date]
    nodo: Mapped[str] = mapped_column(String(100))
    inicio: Mapped[datetime] = mapped_column(MomentoUTC)
    fin: Mapped[datetime | None] = mapped_column(MomentoUTC)
    resultado: Mapped[str] = mapped_column(String(20))  # en_curso, ok, error
    detalle: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (sa.UniqueConstraint("tarea", "fecha"),
                      sa.CheckConstraint("resultado IN ('en_curso', 'ok', 'error')", name="resultado_valido"))

    def __repr__(self) -> str:
        return f"<EjecucionTarea {self.tarea} {self.fecha} {self.resultado} en {self.nodo}>"


# --------------------------------------------------------------------------- fedatario y notificaciones
def nuevo_codigo_verificacion() -> str:
    """Código de verificación de un documento que sale de la entidad (QR → `/verificar/<codigo>`): 96 bits al
    azar (secrets), no secuencial ni deducible del número; 16 caracteres que caben en una URL."""
    return secrets.token_urlsafe(12)


TipoCertificacion = _e("TipoCertificacion", "fedateo", "autenticacion", "transcripcion", "copia_certificada",
                       fedateo="Fedateo (copia fiel del original)",
                       autenticacion="Autenticación (certificación de firma)", transcripcion="Transcripción",
                       copia_certificada="Copia certificada")


_CONTENIDO_CERTIFICACION = ("anio", "numero", "codigo", "tipo", "fecha", "persona", "persona_id",
                            "descripcion_documento", "folios", "fedatario", "fedatario_id", "expediente",
                            "expediente_id", "derecho_pago", "recibo_pago", "codigo_verificacion",
                            "originales_retenidos", "fecha_devolucion_prevista")


class Certificacion(ActoFinal, ActoNumerado, ConTrazabilidad, db.Model):
    """Certificación del fedatario (LPAG arts. 138–139): número por año; gratuita si sirve a un procedimiento
    de la entidad (un expediente), si no con el derecho del TUPA y su recibo; originales retenidos a lo sumo
    2 días hábiles con constancia; se anula con motivo y el número no se reutiliza."""

    __tablename__ = "certificacion"
    # firmada al emitirse: su contenido no cambia (solo se registra la devolución de los originales); anulada, nada
    campo_estado = "anulada"
    fijos = {False: _CONTENIDO_CERTIFICACION, True: "*"}
    fijos_al_llenarse = ("fecha_devolucion",)
    id: Mapped[int] = mapped_column(primary_key=True)
    anio: Mapped[int]
    numero: Mapped[int]
    codigo: Mapped[str] = mapped_column(String(30), unique=True)
    tipo: Mapped[TipoCertificacion] = enum_col(TipoCertificacion, "tipo_certificacion",
                                               default=TipoCertificacion.fedateo)
    fecha: Mapped[date] = mapped_column(default=hoy_lima)
    persona_id: Mapped[int] = mapped_column(ForeignKey("persona.id"))
    descripcion_documento: Mapped[str] = mapped_column(Text)
    folios: Mapped[int] = mapped_column(info={"rango": (1, 100_000)})
    fedatario_id: Mapped[int] = mapped_column(ForeignKey("usuario.id"))
    expediente_id: Mapped[int | None] = mapped_column(ForeignKey("expediente.id"))
    derecho_pago: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0.00"))
    recibo_pago: Mapped[str | None] = mapped_column(String(50))
    codigo_verificacion: Mapped[str] = mapped_column(String(32), unique=True, default=nuevo_codigo_verificacion)
    # originales retenidos (casos voluminosos): constancia con la fecha de devolución
    originales_retenidos: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    fecha_devolucion_prevista: Mapped[date | None]
    fecha_devolucion: Mapped[date | None]
    anulada: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    motivo_anulacion: Mapped[str | None] = mapped_column(Text)
    fecha_anulacion: Mapped[datetime | None] = mapped_column(MomentoUTC)

    persona: Mapped[Persona] = relationship()
    fedatario: Mapped[Usuario] = relationship(foreign_keys=[fedatario_id])
    expediente: Mapped[Expediente | None] = relationship()
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        sa.UniqueConstraint("anio", "numero"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("folios >= 1", name="folios_positivos"),
        sa.CheckConstraint("derecho_pago >= 0", name="derecho_no_negativo"),
        sa.CheckConstraint("length(codigo_verificacion) >= 16", name="verificacion_larga"),
        # gratuita para los procedimientos de la entidad (art. 138); si no, el derecho del TUPA con su recibo
        sa.CheckConstraint("expediente_id IS NULL OR (derecho_pago = 0 AND recibo_pago IS NULL)",
                           name="gratuita_con_expediente"),
        sa.CheckConstraint("expediente_id IS NOT NULL OR (derecho_pago > 0 AND recibo_pago IS NOT NULL)",
                           name="pagada_sin_expediente"),
        sa.CheckConstraint("NOT originales_retenidos OR fecha_devolucion_prevista IS NOT NULL",
                           name="retencion_con_fecha"),
        sa.CheckConstraint("fecha_devolucion_prevista IS NULL OR fecha_devolucion_prevista >= fecha",
                           name="devolucion_despues"),
        sa.CheckConstraint("fecha_devolucion IS NULL OR (originales_retenidos AND fecha_devolucion >= fecha)",
                           name="devuelto_si_retenido"),
        sa.CheckConstraint("NOT anulada OR (motivo_anulacion IS NOT NULL AND fecha_anulacion IS NOT NULL)",
                           name="anulada_con_motivo"),
        sa.CheckConstraint("anio = CAST(EXTRACT(YEAR FROM fecha) AS INTEGER)", name="anio_de_la_fecha")
        .ddl_if(dialect="postgresql"),
        sa.CheckConstraint("anio = CAST(strftime('%Y', fecha) AS INTEGER)", name="anio_de_la_fecha")
        .ddl_if(dialect="sqlite"),
        Index("ix_certificacion_fecha", "fecha"),
        Index("ix_certificacion_retenidos", "originales_retenidos", "fecha_devolucion"),
    )

    @hybrid_property
    def gratuita(self) -> bool:
        return self.expediente_id is not None

    @gratuita.inplace.expression
    @classmethod
    def _gratuita(cls):
        return cls.expediente_id.is_not(None)

    @hybrid_property
    def devolucion_vencida(self) -> bool:
        """Originales retenidos que debían devolverse antes de hoy y siguen en la oficina: alerta."""
        return bool(self.originales_retenidos and self.fecha_devolucion is None and not self.anulada
                    and self.fecha_devolucion_prevista is not None and self.fecha_devolucion_prevista < hoy_lima())

    @devolucion_vencida.inplace.expression
    @classmethod
    def _devolucion_vencida(cls):
        return sa.and_(cls.originales_retenidos, cls.fecha_devolucion.is_(None), ~cls.anulada,
                       cls.fecha_devolucion_prevista < hoy_lima())

    @staticmethod
    def formato_codigo(anio: int, numero: int) -> str:
        return f"CERT-{anio}-{numero:05d}"

    def anular(self, motivo: str) -> None:
        """Se anula con motivo, no se borra: el número queda y la verificación pública dice «anulada»."""
        motivo = (motivo or "").strip()
        if not motivo:
            raise ErrorDeRegla("Indique el motivo de la anulación.")
        bloquear(self)  # dos anulaciones a la vez: la segunda ve «ya está anulada»
        if self.anulada:
            raise ErrorDeRegla(f"{self.codigo} ya está anulada.")
        self.anulada, self.motivo_anulacion, self.fecha_anulacion = True, motivo, ahora()
        self._accion_auditoria = "anular"

    def __str__(self) -> str:
        return f"{self.codigo} – {self.tipo.etiqueta}" if self.codigo else "Certificación nueva"

    def __repr__(self) -> str:
        return f"<Certificacion {self.codigo}>"


ModalidadNotificacion = _e("ModalidadNotificacion", "personal", "domicilio", "casilla_electronica", "publicacion",
                           personal="Personal (en la entidad)", domicilio="En el domicilio",
                           casilla_electronica="Casilla electrónica", publicacion="Publicación")
ResultadoNotificacion = _e(
    "ResultadoNotificacion", "entregada", "rechazada", "ausente", "bajo_puerta", "no_ubicado",
    entregada="Entregada (firma quien la recibe)", rechazada="Se negó a recibir o firmar (art. 21.3)",
    ausente="Nadie en el domicilio: aviso de segunda visita (art. 21.5)",
    bajo_puerta="Segunda visita sin nadie: bajo la puerta con acta (art. 21.5)",
    no_ubicado="Domicilio no ubicado (devuelta)")
# diligencias con las que el acto queda notificado (LPAG arts. 21 y 25); «ausente» y «no_ubicado» no
RESULTADOS_EFECTIVOS = ("entregada", "rechazada", "bajo_puerta")


class Notificacion(ConTrazabilidad, db.Model):
    """Una diligencia de notificación de un documento emitido o de una resolución (LPAG arts. 16, 18–27; la
    resolución rige desde su notificación): modalidad, fecha y hora,
    quién la recibió (nombre, documento y relación con el administrado, art. 21.4), o la negativa con la
    descripción del inmueble (art. 21.3), o el aviso de segunda visita y el acta bajo la puerta (art. 21.5)."""

    __tablename__ = "notificacion"
    id: Mapped[int] = mapped_column(primary_key=True)
    documento_id: Mapped[int | None] = mapped_column(ForeignKey("documento_emitido.id"))
    norma_id: Mapped[int | None] = mapped_column(ForeignKey("norma_municipal.id"))
    modalidad: Mapped[ModalidadNotificacion] = enum_col(ModalidadNotificacion, "modalidad_notificacion",
                                                        default=ModalidadNotificacion.domicilio)
    resultado: Mapped[ResultadoNotificacion] = enum_col(ResultadoNotificacion, "resultado_notificacion",
                                                        default=ResultadoNotificacion.entregada)
    fecha_hora: Mapped[datetime] = mapped_column(MomentoUTC)
    direccion: Mapped[str | None] = mapped_column(String(250))
    receptor_nombre: Mapped[str | None] = mapped_column(String(200))
    receptor_documento: Mapped[str | None] = mapped_column(String(20))
    receptor_relacion: Mapped[str | None] = mapped_column(String(100))
    descripcion_inmueble: Mapped[str | None] = mapped_column(Text)
    fecha_segunda_visita: Mapped[date | None]
    medio_publicacion: Mapped[str | None] = mapped_column(String(200))
    notificador: Mapped[str | None] = mapped_column(String(200))
    observaciones: Mapped[str | None] = mapped_column(Text)

    documento: Mapped[DocumentoEmitido | None] = relationship(back_populates="notificaciones")
    norma: Mapped[NormaMunicipal | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("(documento_id IS NULL) <> (norma_id IS NULL)", name="de_un_acto"),
        sa.CheckConstraint("resultado <> 'entregada' OR modalidad NOT IN ('personal', 'domicilio') OR "
                           "(receptor_nombre IS NOT NULL AND receptor_documento IS NOT NULL)",
                           name="entregada_con_receptor"),
        sa.CheckConstraint("resultado <> 'entregada' OR modalidad <> 'domicilio' OR receptor_relacion IS NOT NULL",
                           name="domicilio_con_relacion"),
        sa.CheckConstraint("resultado NOT IN ('rechazada', 'bajo_puerta') OR descripcion_inmueble IS NOT NULL",
                           name="inmueble_descrito"),
        sa.CheckConstraint("resultado <> 'ausente' OR fecha_segunda_visita IS NOT NULL",
                           name="ausente_con_segunda_visita"),
        sa.CheckConstraint("resultado NOT IN ('ausente', 'bajo_puerta', 'no_ubicado') OR modalidad = 'domicilio'",
                           name="visitas_en_domicilio"),
        sa.CheckConstraint("modalidad NOT IN ('casilla_electronica', 'publicacion') OR resultado = 'entregada'",
                           name="electronica_o_publicacion_entregada"),
        sa.CheckConstraint("modalidad <> 'publicacion' OR medio_publicacion IS NOT NULL",
                           name="publicacion_con_medio"),
        Index("ix_notificacion_documento", "documento_id", "fecha_hora"),
        Index("ix_notificacion_norma", "norma_id"),
    )

    @property
    def efectiva(self) -> bool:
        return self.resultado.value in RESULTADOS_EFECTIVOS

    @property
    def fecha(self) -> date:
        return self.fecha_hora.astimezone(ZONA_LIMA).date()

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        return cls.documento.has(DocumentoEmitido.unidad_id == unidad_id)

    @property
    def acto(self) -> DocumentoEmitido | NormaMunicipal | None:
        return self.documento or self.norma

    def __str__(self) -> str:
        acto = self.acto.codigo if self.acto else "?"
        return f"{acto} – {self.modalidad.etiqueta} ({self.resultado.etiqueta})"


# --------------------------------------------------------------------------- concejo municipal
CargoMiembro = _e("CargoMiembro", "alcalde", "regidor")
TipoComision = _e("TipoComision", "ordinaria", "especial")
CargoComision = _e("CargoComision", "presidente", "vicepresidente", "secretario", "miembro")
TipoSesion = _e("TipoSesion", "ordinaria", "extraordinaria", "solemne")
Modalidad = _e("Modalidad", "presencial", "virtual", "mixta")
EstadoSesion = _e("EstadoSesion", "programada", "convocada", "instalada", "sin_quorum", "levantada",
                  "suspendida", sin_quorum="Sin quórum")
SeccionAgenda = _e("SeccionAgenda", "despacho", "informes", "pedidos", "orden_del_dia", orden_del_dia="Orden del día")
Mayoria = _e("Mayoria", "simple", "absoluta", "dos_tercios", simple="Simple",
             absoluta="Absoluta (mitad más uno del número legal)", dos_tercios="Dos tercios del número legal")
Materia = _e("Materia", "general", "ordenanza", "acuerdo", "vacancia", "suspension", "bienes_municipales",
             "postergacion", "dispensa_acta", suspension="Suspensión (art. 25)",
             dispensa_acta="Dispensa de la lectura y aprobación del acta",
             general="Asunto general", ordenanza="Ordenanza municipal", acuerdo="Acuerdo de concejo",
             vacancia="Vacancia (art. 23)", bienes_municipales="Donación o concesión de bienes (art. 66)",
             postergacion="Postergación de la sesión")
ResultadoPunto = _e("ResultadoPunto", "pendiente", "aprobado", "desaprobado", "retirado", "a_comision",
                    a_comision="Pasa a comisión")
ResultadoVotacion = _e("ResultadoVotacion", "aprobado", "desaprobado", "empate")
MedioCitacion = _e("MedioCitacion", "fisico", "correo", "casilla_electronica", fisico="Física (cargo)",
                   correo="Correo electrónico", casilla_electronica="Casilla electrónica")
EstadoAsistencia = _e("EstadoAsistencia", "presente", "ausente", "licencia", "justificado")
SentidoVoto = _e("SentidoVoto", "favor", "contra", "abstencion", favor="A favor", contra="En contra",
                 abstencion="Abstención")
EstadoActa = _e("EstadoActa", "borrador", "aprobada")
TipoNorma = _e("TipoNorma", "ordenanza", "acuerdo_concejo", "decreto_alcaldia", "resolucion_alcaldia",
               "resolucion_concejo", "edicto", ordenanza="Ordenanza municipal", acuerdo_concejo="Acuerdo de concejo",
               decreto_alcaldia="Decreto de alcaldía", resolucion_alcaldia="Resolución de alcaldía",
               resolucion_concejo="Resolución de concejo")
EstadoNorma = _e("EstadoNorma", "proyecto", "aprobada", "publicada", "vigente", "derogada", "anulada")
MedioPublicacion = _e("MedioPublicacion", "el_peruano", "diario_judicial", "carteles", "portal",
                      el_peruano="Diario oficial El Peruano", diario_judicial="Diario de avisos judiciales",
                      carteles="Carteles municipales", portal="Portal institucional")
TipoRelacionNorma = _e("TipoRelacionNorma", "modifica", "deroga", "reglamenta", "complementa")
# materia del punto → mayoría que exige: MAYORIA_POR_MATERIA en configuracion.py (docs/reglas.md §5)
NOMBRE_NORMA = {"ordenanza": "ORDENANZA MUNICIPAL", "acuerdo_concejo": "ACUERDO DE CONCEJO",
                "decreto_alcaldia": "DECRETO DE ALCALDÍA", "resolucion_alcaldia": "RESOLUCIÓN DE ALCALDÍA",
                "resolucion_concejo": "RESOLUCIÓN DE CONCEJO", "edicto": "EDICTO"}


class PeriodoMunicipal(ConTrazabilidad, db.Model):
    __tablename__ = "periodo_municipal"
    id: Mapped[int] = mapped_column(primary_key=True)
    nombre: Mapped[str] = mapped_column(String(20), unique=True)
    inicio: Mapped[date]
    fin: Mapped[date]
    miembros: Mapped[list[MiembroConcejo]] = relationship(back_populates="periodo", order_by="MiembroConcejo.orden")
    etiqueta = etiqueta_sql(lambda cls: cls.nombre)
    __table_args__ = (regla("fin > inicio", "fin_despues_de_inicio", "fin",
                            "El fin del período debe ser posterior a su inicio."),)

    def __str__(self) -> str:
        return self.nombre


class MiembroConcejo(ConTrazabilidad, db.Model):
    """Alcalde (orden 0) y regidores (orden 1 = teniente alcalde) de un período."""

    __tablename__ = "miembro_concejo"
    id: Mapped[int] = mapped_column(primary_key=True)
    periodo_id: Mapped[int] = mapped_column(ForeignKey("periodo_municipal.id"))
    nombre: Mapped[str] = mapped_column(String(200))
    cargo: Mapped[CargoMiembro] = enum_col(CargoMiembro, "cargo_miembro", default=CargoMiembro.regidor)
    orden: Mapped[int] = mapped_column(default=1)
    organizacion_politica: Mapped[str | None] = mapped_column(String(200))
    habil: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    email: Mapped[str | None] = mapped_column(String(200))
    telefono: Mapped[str | None] = mapped_column(String(20))

    periodo: Mapped[PeriodoMunicipal] = relationship(back_populates="miembros")
    etiqueta = etiqueta_sql(lambda cls: cls.nombre)
    __table_args__ = (
        sa.UniqueConstraint("periodo_id", "orden",
                            info=junto_a("orden", "Ese orden ya lo tiene otro miembro del período.")),
        regla("(cargo = 'alcalde') = (orden = 0)", "alcalde_orden_cero", "orden",
              "El alcalde lleva el orden 0 y los regidores 1 en adelante."),
        sa.CheckConstraint("orden >= 0", name="orden_no_negativo"),
    )

    @property
    def es_alcalde(self) -> bool:
        return self.cargo == CargoMiembro.alcalde

    def __str__(self) -> str:
        return self.nombre


class Comision(ConTrazabilidad, db.Model):
    __tablename__ = "comision"
    id: Mapped[int] = mapped_column(primary_key=True)
    periodo_id: Mapped[int] = mapped_column(ForeignKey("periodo_municipal.id"))
    nombre: Mapped[str] = mapped_column(String(200))
    tipo: Mapped[TipoComision] = enum_col(TipoComision, "tipo_comision", default=TipoComision.ordinaria)
    periodo: Mapped[PeriodoMunicipal] = relationship()
    miembros: Mapped[list[MiembroComision]] = relationship(back_populates="comision", cascade="all, delete-orphan")
    etiqueta = etiqueta_sql(lambda cls: cls.nombre)
    __table_args__ = (sa.UniqueConstraint("periodo_id", "nombre"),)

    def __str__(self) -> str:
        return self.nombre


class MiembroComision(db.Model):
    __tablename__ = "miembro_comision"
    id: Mapped[int] = mapped_column(primary_key=True)
    comision_id: Mapped[int] = mapped_column(ForeignKey("comision.id", ondelete="CASCADE"))
    miembro_id: Mapped[int] = mapped_column(ForeignKey("miembro_concejo.id"))
    cargo: Mapped[CargoComision] = enum_col(CargoComision, "cargo_comision", default=CargoComision.miembro)
    comision: Mapped[Comision] = relationship(back_populates="miembros")
    miembro: Mapped[MiembroConcejo] = relationship()
    __table_args__ = (sa.UniqueConstraint("comision_id", "miembro_id"),)

    def __str__(self) -> str:
        return f"{self.miembro} ({self.cargo.etiqueta})"


class SesionConcejo(ConTrazabilidad, db.Model):
    """Sesión del concejo: número por tipo y año; quórum con los miembros hábiles (LOM art. 16)."""

    __tablename__ = "sesion_concejo"
    id: Mapped[int] = mapped_column(primary_key=True)
    periodo_id: Mapped[int] = mapped_column(ForeignKey("periodo_municipal.id"))
    tipo: Mapped[TipoSesion] = enum_col(TipoSesion, "tipo_sesion", default=TipoSesion.ordinaria)
    anio: Mapped[int]
    numero: Mapped[int]
    fecha_hora: Mapped[datetime] = mapped_column(MomentoUTC)
    lugar: Mapped[str | None] = mapped_column(String(200))
    modalidad: Mapped[Modalidad] = enum_col(Modalidad, "modalidad", default=Modalidad.presencial)
    estado: Mapped[EstadoSesion] = enum_col(EstadoSesion, "estado_sesion", default=EstadoSesion.programada)
    fecha_convocatoria: Mapped[date | None]
    postergada_desde: Mapped[datetime | None] = mapped_column(MomentoUTC)  # fecha y hora original (una vez)
    observaciones: Mapped[str | None] = mapped_column(Text)
    # sesión de una comisión de regidores (la misma maquinaria: agenda, citación, asistencia, quórum, votos)
    comision_id: Mapped[int | None] = mapped_column(ForeignKey("comision.id"))

    periodo: Mapped[PeriodoMunicipal] = relationship()
    comision: Mapped[Comision | None] = relationship()
    puntos: Mapped[list[PuntoAgenda]] = relationship(back_populates="sesion", order_by="PuntoAgenda.orden",
                                                     foreign_keys="PuntoAgenda.sesion_id")
    citaciones: Mapped[list[Citacion]] = relationship(back_populates="sesion", order_by="Citacion.id")
    asistencias: Mapped[list[Asistencia]] = relationship(back_populates="sesion")
    acta: Mapped[Acta | None] = relationship(back_populates="sesion", foreign_keys="Acta.sesion_id")

    __table_args__ = (
        # número por tipo y año: uno para el concejo y otro para cada comisión
        sa.UniqueConstraint("comision_id", "tipo", "anio", "numero"),
        Index("uq_sesion_concejo_numero_del_concejo", "tipo", "anio", "numero", unique=True,
              sqlite_where=sa.text("comision_id IS NULL"), postgresql_where=sa.text("comision_id IS NULL")),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        Index("ix_sesion_concejo_fecha_hora", "fecha_hora"),
    )

    @property
    def miembros(self) -> list[MiembroConcejo]:
        """Quienes integran el órgano que sesiona: el concejo del período o los miembros de la comisión."""
        if self.comision is not None:
            return sorted((mc.miembro for mc in self.comision.miembros), key=lambda m: m.orden)
        return self.periodo.miembros

    @classmethod
    def _de_sus_miembros(cls):
        """Condición SQL: el miembro integra el órgano de la sesión (concejo del período o comisión)."""
        de_comision = sa.exists().where(MiembroComision.comision_id == cls.comision_id,
                                        MiembroComision.miembro_id == MiembroConcejo.id)
        return sa.case((cls.comision_id.is_(None), MiembroConcejo.periodo_id == cls.periodo_id), else_=de_comision)

    # ---- derivados (docs/reglas.md §5)
    @hybrid_property
    def numero_legal(self) -> int:
        return len(self.miembros)

    @numero_legal.inplace.expression
    @classmethod
    def _numero_legal(cls):
        return (sa.select(sa.func.count(MiembroConcejo.id)).where(cls._de_sus_miembros())
                .correlate_except(MiembroConcejo, MiembroComision).scalar_subquery())

    @hybrid_property
    def miembros_habiles(self) -> int:
        licencias = {a.miembro_id for a in self.asistencias if a.estado == EstadoAsistencia.licencia}
        return sum(1 for m in self.miembros if m.habil and m.id not in licencias)

    @miembros_habiles.inplace.expression
    @classmethod
    def _miembros_habiles(cls):
        licencia = sa.exists().where(Asistencia.sesion_id == cls.id, Asistencia.miembro_id == MiembroConcejo.id,
                                     Asistencia.estado == EstadoAsistencia.licencia)
        return (sa.select(sa.func.count(MiembroConcejo.id))
                .where(cls._de_sus_miembros(), MiembroConcejo.habil, ~licencia)
                .correlate_except(MiembroConcejo, MiembroComision).scalar_subquery())

    @hybrid_property
    def quorum_requerido(self) -> int:
        return self.miembros_habiles // 2 + 1

    @quorum_requerido.inplace.expression
    @classmethod
    def _quorum_requerido(cls):
        return cls.miembros_habiles // 2 + 1

    @hybrid_property
    def presentes(self) -> int:
        return sum(1 for a in self.asistencias if a.estado == EstadoAsistencia.presente)

    @presentes.inplace.expression
    @classmethod
    def _presentes(cls):
        return (sa.select(sa.func.count(Asistencia.id))
                .where(Asistencia.sesion_id == cls.id, Asistencia.estado == EstadoAsistencia.presente)
                .correlate_except(Asistencia).scalar_subquery())

    @hybrid_property
    def hay_quorum(self) -> bool:
        return self.presentes >= self.quorum_requerido

    @hay_quorum.inplace.expression
    @classmethod
    def _hay_quorum(cls):
        return cls.presentes >= cls.quorum_requerido

    @property
    def codigo(self) -> str:
        de = f" – {self.comision.nombre}" if self.comision is not None else ""
        return f"Sesión {self.tipo.etiqueta.lower()} N° {self.numero:03d}-{self.anio}{de}"

    # en SQL (listas, Excel) como `codigo`: «Sesión ordinaria N° 003-2026» (ceros sin lpad: SQLite no lo tiene)
    etiqueta = etiqueta_sql(lambda cls: sa.literal("Sesión ", sa.String) + sa.cast(cls.tipo, sa.String) + " N° "
                            + sa.case((cls.numero < 10, "00"), (cls.numero < 100, "0"), else_="")
                            + sa.cast(cls.numero, sa.String) + "-" + sa.cast(cls.anio, sa.String))

    @property
    def fecha(self) -> date:
        return self.fecha_hora.astimezone(ZONA_LIMA).date()

    def __str__(self) -> str:
        return f"{self.codigo} ({self.fecha_hora.astimezone(ZONA_LIMA):%d/%m/%Y})" if self.fecha_hora else \
            self.codigo


class PuntoAgenda(ConTrazabilidad, db.Model):
    __tablename__ = "punto_agenda"
    id: Mapped[int] = mapped_column(primary_key=True)
    sesion_id: Mapped[int] = mapped_column(ForeignKey("sesion_concejo.id"))
    orden: Mapped[int] = mapped_column(default=1)
    seccion: Mapped[SeccionAgenda] = enum_col(SeccionAgenda, "seccion_agenda", default=SeccionAgenda.orden_del_dia)
    titulo: Mapped[str] = mapped_column(String(500))
    materia: Mapped[Materia] = enum_col(Materia, "materia", default=Materia.general)
    expediente_id: Mapped[int | None] = mapped_column(ForeignKey("expediente.id"))
    comision_id: Mapped[int | None] = mapped_column(ForeignKey("comision.id"))
    dictamen_id: Mapped[int | None] = mapped_column(ForeignKey("dictamen.id", use_alter=True))
    mayoria_requerida: Mapped[Mayoria] = enum_col(Mayoria, "mayoria", default=Mayoria.simple)
    resultado: Mapped[ResultadoPunto] = enum_col(ResultadoPunto, "resultado_punto",
                                                 default=ResultadoPunto.pendiente)

    sesion: Mapped[SesionConcejo] = relationship(back_populates="puntos", foreign_keys=[sesion_id])
    expediente: Mapped[Expediente | None] = relationship()
    comision: Mapped[Comision | None] = relationship()
    dictamen: Mapped[Dictamen | None] = relationship(foreign_keys=[dictamen_id])
    votos: Mapped[list[Voto]] = relationship(back_populates="punto", cascade="all, delete-orphan")
    etiqueta = etiqueta_sql(lambda cls: cls.titulo)
    __table_args__ = (sa.UniqueConstraint("sesion_id", "orden",
                                          info=junto_a("orden", "La sesión ya tiene un punto {valor}.")),
                      sa.CheckConstraint("orden >= 1", name="orden_positivo"))

    @staticmethod
    def es_vacancia(materia) -> bool:
        """Vacancia y suspensión (LOM arts. 23, 25): solo en sesión extraordinaria, dos tercios del número legal,
        votan todos los presentes, el alcalde incluido, sin abstención (VACANCIA_* en la configuración)."""
        return str(getattr(materia, "value", materia)) in current_app.config["MATERIAS_VACANCIA"]

    @staticmethod
    def umbral(mayoria, numero_legal: int) -> int | None:
        """Votos a favor que exige una mayoría calificada (None: simple)."""
        mayoria = str(getattr(mayoria, "value", mayoria))
        if mayoria == "absoluta":
            return numero_legal // 2 + 1
        if mayoria == "dos_tercios":
            return math.ceil(2 * numero_legal / 3)
        return None

    @property
    def base_de_la_mayoria(self) -> int:
        """Sobre cuántos se cuenta una mayoría calificada: el número legal; en las materias de
        MATERIAS_SOBRE_REGIDORES (el aplazamiento de la sesión), sobre el número legal de regidores, sin el
        alcalde (LOM art. 13: 9 regidores → 6), se registre con `postergar` o como punto de agenda."""
        if str(getattr(self.materia, "value", self.materia)) in current_app.config["MATERIAS_SOBRE_REGIDORES"]:
            return sum(1 for m in self.sesion.miembros if m.cargo == CargoMiembro.regidor)
        return self.sesion.numero_legal

    @property
    def vota_alcalde(self) -> bool:
        """Vacancia y suspensión (JNE): el alcalde vota como todos y su voto cuenta (docs/reglas.md §5)."""
        return self.es_vacancia(self.materia)

    def _cuenta(self, sentido) -> int:
        alcalde = self.vota_alcalde
        return sum(1 for v in self.votos if v.sentido == sentido and (alcalde or not v.miembro.es_alcalde))

    @property
    def votos_favor(self) -> int:
        return self._cuenta(SentidoVoto.favor)

    @property
    def votos_contra(self) -> int:
        return self._cuenta(SentidoVoto.contra)

    @property
    def abstenciones(self) -> int:
        return self._cuenta(SentidoVoto.abstencion)

    @property
    def resultado_votacion(self) -> ResultadoVotacion | None:
        """La regla de la votación, en un solo lugar (docs/reglas.md §5): cuentan los regidores; el alcalde solo
        desempata (y solo en mayoría simple), salvo en vacancia o suspensión. Sin votos: None."""
        if not self.votos:
            return None
        favor, contra = self.votos_favor, self.votos_contra
        minimo = self.umbral(self.mayoria_requerida, self.base_de_la_mayoria)
        if minimo is not None:
            return ResultadoVotacion.aprobado if favor >= minimo else ResultadoVotacion.desaprobado
        if favor != contra:
            return ResultadoVotacion.aprobado if favor > contra else ResultadoVotacion.desaprobado
        dirimente = next((v for v in self.votos if v.miembro.es_alcalde), None)
        if dirimente is not None and dirimente.sentido != SentidoVoto.abstencion:
            return ResultadoVotacion.aprobado if dirimente.sentido == SentidoVoto.favor \
                else ResultadoVotacion.desaprobado
        return ResultadoVotacion.empate

    def __str__(self) -> str:
        return f"{self.orden}. {self.titulo[:80]}"


SentidoDictamen = _e("SentidoDictamen", "favorable", "desfavorable")


class Dictamen(ConTrazabilidad, db.Model):
    """Dictamen de una comisión de regidores: número por comisión y año, el expediente o el proyecto de norma que
    dictamina y la votación del punto de la sesión de la comisión en que se aprobó."""

    __tablename__ = "dictamen"
    id: Mapped[int] = mapped_column(primary_key=True)
    comision_id: Mapped[int] = mapped_column(ForeignKey("comision.id"))
    anio: Mapped[int]
    numero: Mapped[int]
    punto_id: Mapped[int] = mapped_column(ForeignKey("punto_agenda.id"), unique=True)
    expediente_id: Mapped[int | None] = mapped_column(ForeignKey("expediente.id"))
    norma_id: Mapped[int | None] = mapped_column(ForeignKey("norma_municipal.id"))
    sentido: Mapped[SentidoDictamen] = enum_col(SentidoDictamen, "sentido_dictamen")
    sumilla: Mapped[str] = mapped_column(String(500))

    comision: Mapped[Comision] = relationship()
    punto: Mapped[PuntoAgenda] = relationship(foreign_keys=[punto_id])
    expediente: Mapped[Expediente | None] = relationship()
    norma: Mapped[NormaMunicipal | None] = relationship()
    etiqueta = etiqueta_sql(lambda cls: cls.sumilla)
    __table_args__ = (sa.UniqueConstraint("comision_id", "anio", "numero"),
                      sa.CheckConstraint("numero >= 1", name="numero_positivo"))

    @property
    def codigo(self) -> str:
        return f"Dictamen N° {self.numero:03d}-{self.anio}"

    @property
    def votacion(self) -> str:
        p = self.punto
        return f"{p.votos_favor} a favor, {p.votos_contra} en contra, {p.abstenciones} abstenciones"

    def __str__(self) -> str:
        return f"{self.codigo} – {self.comision.nombre if self.comision else ''}: {self.sumilla[:60]}"


class Citacion(ConTrazabilidad, db.Model):
    __tablename__ = "citacion"
    id: Mapped[int] = mapped_column(primary_key=True)
    sesion_id: Mapped[int] = mapped_column(ForeignKey("sesion_concejo.id", ondelete="CASCADE"))
    miembro_id: Mapped[int | None] = mapped_column(ForeignKey("miembro_concejo.id"))
    destinatario: Mapped[str | None] = mapped_column(String(200))
    medio: Mapped[MedioCitacion] = enum_col(MedioCitacion, "medio_citacion", default=MedioCitacion.fisico)
    fecha_envio: Mapped[datetime | None] = mapped_column(MomentoUTC)
    fecha_recepcion: Mapped[datetime | None] = mapped_column(MomentoUTC)
    recibido_por: Mapped[str | None] = mapped_column(String(200))
    # lo que de verdad pasó con el correo: enviado (cuándo) o no enviado (por qué); ambos nulos = sin correo
    correo_enviado_en: Mapped[datetime | None] = mapped_column(MomentoUTC)
    correo_error: Mapped[str | None] = mapped_column(String(200))

    sesion: Mapped[SesionConcejo] = relationship(back_populates="citaciones")
    miembro: Mapped[MiembroConcejo | None] = relationship()
    __table_args__ = (
        sa.UniqueConstraint("sesion_id", "miembro_id"),
        sa.CheckConstraint("(miembro_id IS NULL) <> (destinatario IS NULL)", name="miembro_o_destinatario"),
        regla("fecha_recepcion IS NULL OR recibido_por IS NOT NULL", "cargo_con_receptor", "recibido_por",
              "Indique quién recibió la citación."),
        sa.CheckConstraint("fecha_recepcion IS NULL OR (fecha_envio IS NOT NULL AND fecha_recepcion >= fecha_envio)",
                           name="recepcion_despues_del_envio"),
    )

    @property
    def para(self) -> str:
        return self.miembro.nombre if self.miembro else self.destinatario or ""

    @property
    def estado_correo(self) -> str:
        """«Enviado el 20/11/2026 10:05», «No enviado: …», «En cola» o «» si no va por correo."""
        if self.correo_enviado_en is not None:
            return f"Enviado el {self.correo_enviado_en.astimezone(ZONA_LIMA):%d/%m/%Y %H:%M}"
        if self.correo_error:
            return f"No enviado: {self.correo_error}"
        return "En cola" if self.medio == MedioCitacion.correo else ""

    def __str__(self) -> str:
        return f"Citación a {self.para}"


class Asistencia(db.Model):
    __tablename__ = "asistencia"
    id: Mapped[int] = mapped_column(primary_key=True)
    sesion_id: Mapped[int] = mapped_column(ForeignKey("sesion_concejo.id", ondelete="CASCADE"))
    miembro_id: Mapped[int] = mapped_column(ForeignKey("miembro_concejo.id"))
    estado: Mapped[EstadoAsistencia] = enum_col(EstadoAsistencia, "estado_asistencia",
                                                default=EstadoAsistencia.presente)
    hora_llegada: Mapped[time | None]

    sesion: Mapped[SesionConcejo] = relationship(back_populates="asistencias")
    miembro: Mapped[MiembroConcejo] = relationship()
    __table_args__ = (
        sa.UniqueConstraint("sesion_id", "miembro_id"),
        sa.CheckConstraint("estado = 'presente' OR hora_llegada IS NULL", name="hora_solo_presentes"),
    )

    def __str__(self) -> str:
        return f"{self.miembro}: {self.estado.etiqueta}"


class Voto(db.Model):
    __tablename__ = "voto"
    id: Mapped[int] = mapped_column(primary_key=True)
    punto_id: Mapped[int] = mapped_column(ForeignKey("punto_agenda.id", ondelete="CASCADE"))
    miembro_id: Mapped[int] = mapped_column(ForeignKey("miembro_concejo.id"))
    sentido: Mapped[SentidoVoto] = enum_col(SentidoVoto, "sentido_voto")
    fundamento: Mapped[str | None] = mapped_column(Text)

    punto: Mapped[PuntoAgenda] = relationship(back_populates="votos")
    miembro: Mapped[MiembroConcejo] = relationship(lazy="joined")
    __table_args__ = (
        sa.UniqueConstraint("punto_id", "miembro_id"),
        sa.CheckConstraint("sentido <> 'abstencion' OR length(trim(fundamento)) > 0",
                           name="abstencion_fundamentada"),
    )

    def __str__(self) -> str:
        return f"{self.miembro}: {self.sentido.etiqueta}"


class Acta(ActoFinal, ConTrazabilidad, db.Model):
    """Acta de la sesión: borrador generado de los datos; aprobada en una sesión posterior, luego inmutable."""

    __tablename__ = "acta"
    fijos = {"aprobada": "*"}
    id: Mapped[int] = mapped_column(primary_key=True)
    sesion_id: Mapped[int] = mapped_column(ForeignKey("sesion_concejo.id"), unique=True)
    contenido: Mapped[str] = mapped_column(Text)
    estado: Mapped[EstadoActa] = enum_col(EstadoActa, "estado_acta", default=EstadoActa.borrador)
    aprobada_en_id: Mapped[int | None] = mapped_column(ForeignKey("sesion_concejo.id"))
    # dispensa votada en la misma sesión: el acta se aprueba en ella (y no en una posterior)
    con_dispensa: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # el Word tal como se aprobó: lo que se descarga después, aunque cambien nombres o títulos
    documento_aprobado: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    sesion: Mapped[SesionConcejo] = relationship(back_populates="acta", foreign_keys=[sesion_id])
    aprobada_en: Mapped[SesionConcejo | None] = relationship(foreign_keys=[aprobada_en_id])
    __table_args__ = (
        sa.CheckConstraint("(estado = 'aprobada') = (aprobada_en_id IS NOT NULL)", name="aprobada_con_sesion"),
        sa.CheckConstraint("aprobada_en_id IS NULL OR aprobada_en_id <> sesion_id OR con_dispensa",
                           name="aprobada_en_otra"),
    )

    def __str__(self) -> str:
        return f"Acta de la {self.sesion.codigo}" if self.sesion else "Acta"


# desde cuándo rige cada tipo de norma (docs/reglas.md §6): publicación → el día siguiente de publicada;
# adopción → desde que se aprueba (salvo acuerdos sobre remuneración o dietas: publicación); notificación →
# desde que se notifica al destinatario (la que otorga un beneficio, desde su emisión: `NormaMunicipal.efecto`);
# ninguno → aviso que se publica, nunca «vigente»
EFECTO_NORMA = {"ordenanza": "publicacion", "decreto_alcaldia": "publicacion", "acuerdo_concejo": "adopcion",
                "resolucion_alcaldia": "notificacion", "resolucion_concejo": "notificacion", "edicto": "ninguno"}
_REQUIERE_PUBLICACION = "tipo IN ('ordenanza', 'decreto_alcaldia') OR (tipo = 'acuerdo_concejo' AND " \
    "sobre_remuneracion)"


_TEXTO_NORMA = ("tipo", "anio", "numero", "codigo", "sumilla", "considerandos", "articulos", "fecha_emision",
                "punto_agenda", "punto_agenda_id", "sobre_remuneracion")


class NormaMunicipal(ActoFinal, ActoNumerado, ConTrazabilidad, db.Model):
    """Ordenanza, acuerdo, decreto, resolución o edicto: número por tipo y año (LOM arts. 39–44). Aprobada, su
    texto ya no cambia (se modifica con otra norma); publicada, tampoco la publicación; derogada o anulada, nada."""

    __tablename__ = "norma_municipal"
    campo_fecha = "fecha_emision"
    columnas_serie = ("tipo",)  # una serie por tipo de norma y año
    fijos = {"aprobada": _TEXTO_NORMA, "publicada": (*_TEXTO_NORMA, "requiere_ratificacion"),
             "vigente": (*_TEXTO_NORMA, "requiere_ratificacion"), "derogada": "*", "anulada": "*"}
    fijos_al_llenarse = ("fecha_publicacion", "medio_publicacion", "fecha_ratificacion", "fecha_notificacion",
                         "texto_oficial_sha256", "texto_oficial_ruta", "texto_oficial_nombre", "pdf_firmado_ruta",
                         "pdf_firmado_sha256")
    id: Mapped[int] = mapped_column(primary_key=True)
    tipo: Mapped[TipoNorma] = enum_col(TipoNorma, "tipo_norma", default=TipoNorma.ordenanza)
    anio: Mapped[int]
    # el número se saca al aprobarla, nunca antes: un proyecto no lo tiene; uno mal sacado se anula, no se reutiliza
    numero: Mapped[int | None]
    codigo: Mapped[str | None] = mapped_column(String(80), unique=True)
    sumilla: Mapped[str] = mapped_column(String(1000))
    considerandos: Mapped[str | None] = mapped_column(Text)
    articulos: Mapped[str | None] = mapped_column(Text)
    motivo_anulacion: Mapped[str | None] = mapped_column(Text)
    fecha_emision: Mapped[date] = mapped_column(default=hoy_lima)
    punto_agenda_id: Mapped[int | None] = mapped_column(ForeignKey("punto_agenda.id"), unique=True)
    estado: Mapped[EstadoNorma] = enum_col(EstadoNorma, "estado_norma", default=EstadoNorma.aprobada)
    fecha_publicacion: Mapped[date | None]
    medio_publicacion: Mapped[MedioPublicacion | None] = enum_col(MedioPublicacion, "medio_publicacion")
    fecha_vigencia: Mapped[date | None]
    requiere_ratificacion: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    fecha_ratificacion: Mapped[date | None]
    # acuerdo de concejo sobre remuneración o dietas: rige recién publicado (como una ordenanza)
    sobre_remuneracion: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # resoluciones: rigen desde su notificación al destinatario (LPAG art. 16.1)…
    fecha_notificacion: Mapped[date | None] = mapped_column(active_history=True)
    # …salvo las que otorgan un beneficio al administrado, eficaces desde su emisión (art. 16.2)
    otorga_beneficio: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # texto oficial publicado (PDF subido, guardado por SHA-256 en ADJUNTOS_DIR); sin él, /normas ofrece el generado
    texto_oficial_nombre: Mapped[str | None] = mapped_column(String(255))
    texto_oficial_ruta: Mapped[str | None] = mapped_column(String(300))
    texto_oficial_sha256: Mapped[str | None] = mapped_column(String(64))
    # el PDF firmado digitalmente por el alcalde y el Secretario General (Expedir): clave del almacén y SHA-256
    pdf_firmado_ruta: Mapped[str | None] = mapped_column(String(300))
    pdf_firmado_sha256: Mapped[str | None] = mapped_column(String(64))

    punto_agenda: Mapped[PuntoAgenda | None] = relationship()
    relaciones_origen: Mapped[list[RelacionNorma]] = relationship(
        foreign_keys="RelacionNorma.origen_id", back_populates="origen")
    relaciones_destino: Mapped[list[RelacionNorma]] = relationship(
        foreign_keys="RelacionNorma.destino_id", back_populates="destino")
    etiqueta = etiqueta_sql(lambda cls: sa.func.coalesce(
        cls.codigo, sa.literal("Proyecto: ", sa.String) + sa.func.substr(cls.sumilla, 1, 60, type_=sa.String)))

    __table_args__ = (
        sa.UniqueConstraint("tipo", "anio", "numero"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("(estado = 'proyecto') = (numero IS NULL)", name="numero_al_aprobar"),
        sa.CheckConstraint("(numero IS NULL) = (codigo IS NULL)", name="codigo_con_numero"),
        sa.CheckConstraint("estado <> 'anulada' OR motivo_anulacion IS NOT NULL", name="anulada_con_motivo"),
        # efecto por tipo (LOM art. 44; LPAG art. 16; docs/reglas.md §6): ver EFECTO_NORMA
        sa.CheckConstraint("estado <> 'publicada' OR (fecha_publicacion IS NOT NULL AND "
                           "medio_publicacion IS NOT NULL)", name="publicada_con_datos"),
        sa.CheckConstraint("estado <> 'vigente' OR fecha_vigencia IS NOT NULL", name="vigente_con_fecha"),
        sa.CheckConstraint(f"NOT ({_REQUIERE_PUBLICACION}) OR ((estado NOT IN ('publicada', 'vigente') OR "
                           "fecha_publicacion IS NOT NULL) AND (fecha_vigencia IS NULL OR "
                           "fecha_vigencia > fecha_publicacion))", name="vigencia_despues_de_publicar"),
        sa.CheckConstraint("tipo <> 'edicto' OR (estado <> 'vigente' AND fecha_vigencia IS NULL)",
                           name="edicto_no_rige"),
        sa.CheckConstraint("tipo NOT IN ('resolucion_alcaldia', 'resolucion_concejo') OR estado <> 'vigente' "
                           "OR fecha_notificacion IS NOT NULL OR otorga_beneficio",
                           name="resolucion_desde_notificacion"),
        regla("NOT otorga_beneficio OR tipo IN ('resolucion_alcaldia', 'resolucion_concejo')",
              "beneficio_solo_resoluciones", "otorga_beneficio",
              "Solo una resolución se marca como «otorga un beneficio» (LPAG art. 16.2)."),
        sa.CheckConstraint("NOT requiere_ratificacion OR fecha_publicacion IS NULL OR fecha_ratificacion IS NOT NULL",
                           name="ratificada_antes_de_publicar"),
        Index("ix_norma_municipal_estado", "estado", "fecha_vigencia"),
    )

    @hybrid_property
    def en_vigor(self) -> bool:
        return (self.estado in (EstadoNorma.publicada, EstadoNorma.vigente) and self.fecha_vigencia is not None
                and self.fecha_vigencia <= hoy_lima())

    @en_vigor.inplace.expression
    @classmethod
    def _en_vigor(cls):
        return sa.and_(cls.estado.in_((EstadoNorma.publicada, EstadoNorma.vigente)),
                       cls.fecha_vigencia <= hoy_lima())

    @hybrid_property
    def por_notificar(self) -> bool:
        """Resolución que aún se puede notificar: aprobada o publicada, o la que otorga un beneficio y ya rige desde
        su emisión (LPAG art. 16.2), sin notificación registrada."""
        return (_valor_enum(self.tipo) in ("resolucion_alcaldia", "resolucion_concejo")
                and self.fecha_notificacion is None
                and (self.estado in (EstadoNorma.aprobada, EstadoNorma.publicada)
                     or (bool(self.otorga_beneficio) and self.estado == EstadoNorma.vigente)))

    @por_notificar.inplace.expression
    @classmethod
    def _por_notificar(cls):
        return sa.and_(cls.tipo.in_(("resolucion_alcaldia", "resolucion_concejo")), cls.fecha_notificacion.is_(None),
                       sa.or_(cls.estado.in_((EstadoNorma.aprobada, EstadoNorma.publicada)),
                              sa.and_(cls.otorga_beneficio, cls.estado == EstadoNorma.vigente)))

    @property
    def efecto(self) -> str:
        """«publicacion», «adopcion», «notificacion», «emision» (resolución que otorga un beneficio, LPAG art.
        16.2) o «ninguno» (EFECTO_NORMA)."""
        efecto = EFECTO_NORMA[self.tipo.value]
        if efecto == "notificacion" and self.otorga_beneficio:
            return "emision"
        return "publicacion" if efecto == "adopcion" and self.sobre_remuneracion else efecto

    @staticmethod
    def formato_codigo(tipo: str, anio: int, numero: int, sigla: str) -> str:
        return f"{NOMBRE_NORMA[str(getattr(tipo, 'value', tipo))]} N° {numero:03d}-{anio}-{sigla}"

    @property
    def titulo(self) -> str:
        return self.codigo or f"PROYECTO DE {NOMBRE_NORMA[self.tipo.value]}"

    def __str__(self) -> str:
        return self.codigo or f"Proyecto: {self.sumilla[:60]}"


class RelacionNorma(ConTrazabilidad, db.Model):
    """La norma `origen` modifica, deroga, reglamenta o complementa a la norma `destino`."""

    __tablename__ = "relacion_norma"
    id: Mapped[int] = mapped_column(primary_key=True)
    origen_id: Mapped[int] = mapped_column(ForeignKey("norma_municipal.id"))
    destino_id: Mapped[int] = mapped_column(ForeignKey("norma_municipal.id"))
    tipo: Mapped[TipoRelacionNorma] = enum_col(TipoRelacionNorma, "tipo_relacion_norma")
    origen: Mapped[NormaMunicipal] = relationship(foreign_keys=[origen_id], back_populates="relaciones_origen")
    destino: Mapped[NormaMunicipal] = relationship(foreign_keys=[destino_id], back_populates="relaciones_destino")
    __table_args__ = (
        sa.UniqueConstraint("origen_id", "destino_id", "tipo"),
        regla("origen_id <> destino_id", "no_a_si_misma", "destino", "Una norma no se relaciona consigo misma."),
    )

    def __str__(self) -> str:
        return f"{self.origen} {self.tipo.etiqueta.lower()} {self.destino}"


# --------------------------------------------------------------------------- transparencia (TUO Ley 27806)
FormaEntrega = _e("FormaEntrega", "copia_simple", "copia_certificada", "correo", "medio_digital",
                  "consulta_directa", correo="Correo electrónico", medio_digital="Medio digital (CD)")
EstadoSolicitud = _e("EstadoSolicitud", "recibida", "observada", "en_atencion", "prorrogada", "atendida",
                     "parcialmente_denegada", "denegada", "derivada", "desistida", "no_presentada",
                     en_atencion="En atención", no_presentada="No presentada (sin subsanar)")
ESTADOS_SOLICITUD_ABIERTOS = (EstadoSolicitud.recibida, EstadoSolicitud.observada, EstadoSolicitud.en_atencion,
                              EstadoSolicitud.prorrogada)
ESTADOS_RESPONDIDA = ("atendida", "parcialmente_denegada", "denegada")


class ExcepcionTransparencia(db.Model):
    """Catálogo de excepciones al acceso (TUO Ley 27806 arts. 15, 16 y 17): la única base de una denegatoria."""

    __tablename__ = "excepcion_transparencia"
    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[str] = mapped_column(String(10), unique=True)  # «15», «16.1», «17.5»
    articulo: Mapped[str] = mapped_column(String(100))
    texto: Mapped[str] = mapped_column(Text)

    def __str__(self) -> str:
        return f"Art. {self.codigo} – {self.articulo}"


_RESPUESTA_SOLICITUD = ("anio", "numero", "codigo", "clave", "fecha_recepcion", "fecha_presentacion", "persona",
                        "persona_id", "informacion_solicitada", "forma_entrega", "estado", "fecha_respuesta",
                        "excepcion_legal", "excepcion_legal_id", "informacion_denegada", "fundamento_denegatoria",
                        "paginas", "discos", "costo_reproduccion", "recibo_pago", "entidad_derivada",
                        "fecha_encauzamiento", "prorroga", "fecha_vencimiento_prorroga", "fecha_vencimiento")


class SolicitudAcceso(ActoFinal, ConTrazabilidad, db.Model):
    """Solicitud de acceso a la información pública (docs/reglas.md §4): número por año, plazo de 10 días
    hábiles, subsanación, prórroga, encauzamiento, respuesta (la denegatoria cita una excepción) y costos."""

    __tablename__ = "solicitud_acceso"
    # respondida, encauzada, desistida o no presentada: la respuesta no cambia (queda la apelación)
    fijos = {e: _RESPUESTA_SOLICITUD for e in ("atendida", "parcialmente_denegada", "denegada", "derivada",
                                               "desistida", "no_presentada")}
    id: Mapped[int] = mapped_column(primary_key=True)
    anio: Mapped[int]
    numero: Mapped[int]
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    clave: Mapped[str] = mapped_column(String(20))
    fecha_recepcion: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    fecha_presentacion: Mapped[date]
    persona_id: Mapped[int] = mapped_column(ForeignKey("persona.id"))
    informacion_solicitada: Mapped[str] = mapped_column(Text)
    forma_entrega: Mapped[FormaEntrega] = enum_col(FormaEntrega, "forma_entrega",
                                                   default=FormaEntrega.copia_simple)
    unidad_poseedora_id: Mapped[int | None] = mapped_column(ForeignKey("unidad_organica.id"))
    expediente_id: Mapped[int | None] = mapped_column(ForeignKey("expediente.id"), unique=True)
    sexo: Mapped[str | None] = mapped_column(String(1))  # del solicitante, si lo declara (informe anual)
    fecha_vencimiento: Mapped[date]
    estado: Mapped[EstadoSolicitud] = enum_col(EstadoSolicitud, "estado_solicitud",
                                               default=EstadoSolicitud.recibida)
    # subsanación (una sola vez; el plazo no corre mientras tanto)
    observacion: Mapped[str | None] = mapped_column(Text)
    fecha_observacion: Mapped[date | None]
    fecha_subsanacion: Mapped[date | None]
    # prórroga (una sola vez, comunicada dentro de 2 días hábiles: art. 11 g)
    prorroga: Mapped[bool] = mapped_column(default=False)
    motivo_prorroga: Mapped[str | None] = mapped_column(Text)
    fecha_comunicacion_prorroga: Mapped[date | None]
    fecha_vencimiento_prorroga: Mapped[date | None]
    # encauzamiento a la entidad que posee la información
    entidad_derivada: Mapped[str | None] = mapped_column(String(300))
    fecha_encauzamiento: Mapped[date | None]
    # respuesta
    fecha_respuesta: Mapped[date | None]
    excepcion_legal_id: Mapped[int | None] = mapped_column(ForeignKey("excepcion_transparencia.id"))
    informacion_denegada: Mapped[str | None] = mapped_column(Text)
    fundamento_denegatoria: Mapped[str | None] = mapped_column(Text)
    # costos (D.S. 164-2020-PCM): liquidación y pago antes de entregar copias pagadas
    paginas: Mapped[int] = mapped_column(default=0)
    discos: Mapped[int] = mapped_column(default=0)
    costo_reproduccion: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), default=Decimal("0.00"))
    recibo_pago: Mapped[str | None] = mapped_column(String(50))
    # apelación ante el Tribunal de Transparencia (presentada ante la entidad, que la eleva)
    fecha_apelacion: Mapped[date | None]
    fecha_elevacion: Mapped[date | None]
    resultado_apelacion: Mapped[str | None] = mapped_column(String(300))

    persona: Mapped[Persona] = relationship()
    unidad_poseedora: Mapped[UnidadOrganica | None] = relationship()
    expediente: Mapped[Expediente | None] = relationship()
    excepcion_legal: Mapped[ExcepcionTransparencia | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("anio", "numero"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("sexo IS NULL OR sexo IN ('F', 'M')", name="sexo_valido"),
        sa.CheckConstraint("paginas >= 0 AND discos >= 0 AND costo_reproduccion >= 0", name="costos_no_negativos"),
        sa.CheckConstraint("estado <> 'denegada' OR excepcion_legal_id IS NOT NULL", name="denegada_con_excepcion"),
        sa.CheckConstraint("estado <> 'parcialmente_denegada' OR (excepcion_legal_id IS NOT NULL AND "
                           "informacion_denegada IS NOT NULL)", name="parcial_con_excepcion"),
        sa.CheckConstraint("estado <> 'derivada' OR (entidad_derivada IS NOT NULL AND fecha_encauzamiento IS NOT "
                           "NULL)", name="derivada_con_entidad"),
        sa.CheckConstraint("NOT prorroga OR (motivo_prorroga IS NOT NULL AND fecha_comunicacion_prorroga IS NOT "
                           "NULL AND fecha_vencimiento_prorroga IS NOT NULL)", name="prorroga_completa"),
        sa.CheckConstraint("fecha_observacion IS NOT NULL OR estado NOT IN ('observada', 'no_presentada')",
                           name="observada_con_fecha"),
        sa.CheckConstraint("estado NOT IN ('atendida', 'parcialmente_denegada') OR costo_reproduccion = 0 "
                           "OR recibo_pago IS NOT NULL", name="entrega_pagada"),
        sa.CheckConstraint("estado NOT IN ('atendida', 'parcialmente_denegada', 'denegada', 'desistida') "
                           "OR fecha_respuesta IS NOT NULL", name="respuesta_con_fecha"),
        Index("ix_solicitud_acceso_estado_vencimiento", "estado", "fecha_vencimiento"),
        Index("ix_solicitud_acceso_fecha_presentacion", "fecha_presentacion"),
    )

    @hybrid_property
    def vencimiento_efectivo(self) -> date:
        return self.fecha_vencimiento_prorroga if self.prorroga else self.fecha_vencimiento

    @vencimiento_efectivo.inplace.expression
    @classmethod
    def _vencimiento_efectivo(cls):
        return sa.case((cls.prorroga, cls.fecha_vencimiento_prorroga), else_=cls.fecha_vencimiento)

    @hybrid_property
    def denegatoria_ficta(self) -> bool:
        """Sin respuesta vencido el plazo: denegatoria ficta (art. 11 d); el solicitante puede apelar."""
        return self.estado in (EstadoSolicitud.recibida, EstadoSolicitud.en_atencion, EstadoSolicitud.prorrogada) \
            and self.vencimiento_efectivo < hoy_lima()

    @denegatoria_ficta.inplace.expression
    @classmethod
    def _denegatoria_ficta(cls):
        return sa.and_(cls.estado.in_(("recibida", "en_atencion", "prorrogada")),
                       cls.vencimiento_efectivo < hoy_lima())

    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        return cls.unidad_poseedora_id == unidad_id

    @staticmethod
    def formato_codigo(anio: int, numero: int) -> str:
        return f"SAIP-{anio}-{numero:05d}"

    def __str__(self) -> str:
        return self.codigo or "Solicitud nueva"


# --------------------------------------------------------------------------- casilla electrónica (LPAG art. 20.4)
OrigenCuentaCasilla = _e("OrigenCuentaCasilla", "digital", "mostrador", digital="Desde la mesa de partes digital",
                         mostrador="En el mostrador de Mesa de Partes")
PropositoEnlace = _e("PropositoEnlace", "verificar", "restablecer", verificar="Confirmar el correo",
                     restablecer="Restablecer la contraseña")


class CuentaCasilla(ConTrazabilidad, db.Model):
    """Cuenta de un ciudadano (una `Persona`: DNI, CE o RUC) en la casilla electrónica: aparte de los usuarios del
    personal (`Usuario`), con su propia sesión (services/casilla.py). Se crea desde el cargo de la mesa de partes
    digital o en el mostrador; entra solo con el correo confirmado. Creada en línea, su identidad no está validada
    hasta que Mesa de Partes la valide: mientras tanto solo ve y recibe lo de los ingresos hechos con su correo."""

    __tablename__ = "cuenta_casilla"
    id: Mapped[int] = mapped_column(primary_key=True)
    persona_id: Mapped[int] = mapped_column(ForeignKey("persona.id"), unique=True)
    email: Mapped[str] = mapped_column(String(200))
    # sin contraseña hasta que el ciudadano la elige con el enlace de su correo (cuenta creada en el mostrador)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verificado_en: Mapped[datetime | None] = mapped_column(MomentoUTC)
    identidad_validada_en: Mapped[datetime | None] = mapped_column(MomentoUTC)
    origen: Mapped[OrigenCuentaCasilla] = enum_col(OrigenCuentaCasilla, "origen_cuenta_casilla",
                                                   default=OrigenCuentaCasilla.digital)
    activa: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # segundo factor opcional (TOTP, RFC 6238): el secreto no se audita; el último paso usado no se acepta dos veces
    totp_secreto: Mapped[str | None] = mapped_column(String(64))
    totp_activo: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    totp_ultimo_paso: Mapped[int | None] = mapped_column(sa.BigInteger)
    # sube al salir, al cambiar o restablecer la contraseña y al bloquear: las sesiones abiertas dejan de valer
    version_sesion: Mapped[int] = mapped_column(default=0, server_default="0")
    ultimo_acceso: Mapped[datetime | None] = mapped_column(MomentoUTC)

    persona: Mapped[Persona] = relationship(lazy="joined")
    consentimientos: Mapped[list[ConsentimientoCasilla]] = relationship(
        back_populates="cuenta", order_by="ConsentimientoCasilla.otorgado_en")
    etiqueta = etiqueta_sql(lambda cls: cls.email)

    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_minusculas"),
        sa.CheckConstraint("NOT totp_activo OR totp_secreto IS NOT NULL", name="totp_con_secreto"),
    )

    @property
    def consentimiento_vigente(self) -> ConsentimientoCasilla | None:
        return next((c for c in self.consentimientos if c.revocado_en is None), None)

    @property
    def identidad_validada(self) -> bool:
        return self.identidad_validada_en is not None

    def cerrar_sesiones(self) -> None:
        self.version_sesion = (self.version_sesion or 0) + 1

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        """Las cuentas de los ciudadanos no son de una unidad: un rol de alcance «unidad» no ve ninguna."""
        return sa.false()

    def __str__(self) -> str:
        return f"Casilla de {self.persona}" if self.persona else "Casilla nueva"

    def __repr__(self) -> str:
        return f"<CuentaCasilla {self.id}>"


class ConsentimientoCasilla(db.Model):
    """Consentimiento expreso para ser notificado en la casilla (LPAG art. 20.4): versión del texto aceptado, fecha
    y hora, IP. Revocable: la fila queda con la fecha y la IP de la revocación (no se borra) y, desde entonces, se
    notifica en papel; uno nuevo es otra fila. Una sola vigente por cuenta (índice único parcial)."""

    __tablename__ = "consentimiento_casilla"
    id: Mapped[int] = mapped_column(primary_key=True)
    cuenta_id: Mapped[int] = mapped_column(ForeignKey("cuenta_casilla.id"))
    version_texto: Mapped[str] = mapped_column(String(20))
    otorgado_en: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    ip: Mapped[str | None] = mapped_column(String(45))
    # dado en el mostrador (firma en papel ante el empleado): quién lo registró
    registrado_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    revocado_en: Mapped[datetime | None] = mapped_column(MomentoUTC)
    ip_revocacion: Mapped[str | None] = mapped_column(String(45))

    cuenta: Mapped[CuentaCasilla] = relationship(back_populates="consentimientos")

    __table_args__ = (
        sa.CheckConstraint("revocado_en IS NULL OR revocado_en >= otorgado_en", name="revocado_despues"),
        Index("ix_consentimiento_casilla_vigente", "cuenta_id", unique=True,
              postgresql_where=sa.text("revocado_en IS NULL"), sqlite_where=sa.text("revocado_en IS NULL")),
    )

    @property
    def vigente(self) -> bool:
        return self.revocado_en is None

    def __str__(self) -> str:
        return f"Consentimiento {self.version_texto} ({'vigente' if self.vigente else 'revocado'})"


class EnlaceCasilla(db.Model):
    """Enlace de un solo uso que se envía por correo (confirmar el correo o restablecer la contraseña): se guarda
    solo el SHA-256 del token; vence en `vence_en` y se consume al usarlo (`usado_en`)."""

    __tablename__ = "enlace_casilla"
    id: Mapped[int] = mapped_column(primary_key=True)
    cuenta_id: Mapped[int] = mapped_column(ForeignKey("cuenta_casilla.id"))
    proposito: Mapped[PropositoEnlace] = enum_col(PropositoEnlace, "proposito_enlace")
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    creado_en: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    vence_en: Mapped[datetime] = mapped_column(MomentoUTC)
    usado_en: Mapped[datetime | None] = mapped_column(MomentoUTC)

    cuenta: Mapped[CuentaCasilla] = relationship()
    __table_args__ = (
        sa.CheckConstraint("vence_en > creado_en", name="vence_despues"),
        Index("ix_enlace_casilla_cuenta", "cuenta_id", "proposito"),
    )

    def __str__(self) -> str:
        return f"{self.proposito.etiqueta} ({'usado' if self.usado_en else 'pendiente'})"


class DepositoCasilla(db.Model):
    """Depósito de un acto en la casilla de un ciudadano: la notificación electrónica (LPAG art. 20.4) con su
    constancia (número por año, fecha y hora, SHA-256 del PDF depositado). De un documento emitido o de una
    resolución, con su `Notificacion` (modalidad casilla electrónica: los plazos, las listas y el cargo la tratan
    como a la de papel); de la respuesta a una solicitud de acceso a la información, con la solicitud. Surte efecto
    en `fecha_efecto` (`CASILLA_EFECTO`); la primera lectura (`leida_en`) se anota y no cambia el efecto. No se
    modifica ni se borra (services/casilla.py)."""

    __tablename__ = "deposito_casilla"
    id: Mapped[int] = mapped_column(primary_key=True)
    anio: Mapped[int]
    numero: Mapped[int]
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    cuenta_id: Mapped[int] = mapped_column(ForeignKey("cuenta_casilla.id"))
    notificacion_id: Mapped[int | None] = mapped_column(ForeignKey("notificacion.id"), unique=True)
    solicitud_id: Mapped[int | None] = mapped_column(ForeignKey("solicitud_acceso.id"))
    # lo que ve la bandeja sin abrir el acto (código y asunto al depositar)
    acto_codigo: Mapped[str] = mapped_column(String(80))
    asunto: Mapped[str] = mapped_column(String(500))
    fecha_hora: Mapped[datetime] = mapped_column(MomentoUTC, default=ahora)
    fecha_efecto: Mapped[date]
    pdf_nombre: Mapped[str] = mapped_column(String(255))
    pdf_ruta: Mapped[str] = mapped_column(String(300))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_tamano: Mapped[int]
    leida_en: Mapped[datetime | None] = mapped_column(MomentoUTC)
    # la alerta por correo (nunca con el contenido): cuándo salió o por qué no
    alerta_enviada_en: Mapped[datetime | None] = mapped_column(MomentoUTC)
    alerta_error: Mapped[str | None] = mapped_column(String(200))
    depositado_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))

    # campos que pueden cambiar después del depósito (una vez la lectura; la constancia del correo)
    CAMPOS_QUE_CAMBIAN = ("leida_en", "alerta_enviada_en", "alerta_error")

    cuenta: Mapped[CuentaCasilla] = relationship()
    notificacion: Mapped[Notificacion | None] = relationship(backref=sa.orm.backref("deposito", uselist=False))
    solicitud: Mapped[SolicitudAcceso | None] = relationship()
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        sa.UniqueConstraint("anio", "numero"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("(notificacion_id IS NULL) <> (solicitud_id IS NULL)", name="de_un_acto"),
        sa.CheckConstraint("pdf_tamano > 0 AND length(pdf_sha256) = 64", name="pdf_con_huella"),
        sa.CheckConstraint("leida_en IS NULL OR leida_en >= fecha_hora", name="leida_despues"),
        # la bandeja del ciudadano: sus depósitos del más reciente al más antiguo
        Index("ix_deposito_casilla_bandeja", "cuenta_id", "fecha_hora", "id"),
        Index("ix_deposito_casilla_solicitud", "solicitud_id"),
    )

    @staticmethod
    def formato_codigo(anio: int, numero: int) -> str:
        return f"CAS-{anio}-{numero:06d}"

    @property
    def acto(self):
        return self.notificacion.acto if self.notificacion is not None else self.solicitud

    @classmethod
    def filtro_unidad(cls, unidad_id: int):
        """Alcance de una unidad: lo que ella notificó (su documento emitido) o la respuesta de una solicitud de
        acceso que ella tiene."""
        return sa.or_(cls.notificacion.has(Notificacion.filtro_unidad(unidad_id)),
                      cls.solicitud.has(SolicitudAcceso.filtro_unidad(unidad_id)))

    def __str__(self) -> str:
        return f"{self.codigo} – {self.acto_codigo}" if self.codigo else "Depósito nuevo"


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _reglas_casilla(session, flush_context, instances):
    """Toda vía: un depósito en la casilla no se modifica (salvo su primera lectura y la constancia del correo) ni se
    borra; la lectura se anota una sola vez; y no hay notificación por casilla electrónica sin su depósito."""
    for obj in session.dirty:
        if isinstance(obj, DepositoCasilla):
            attrs = sa.inspect(obj).attrs
            cambiados = {a.key for a in sa.inspect(obj).mapper.column_attrs if attrs[a.key].history.has_changes()}
            if cambiados - set(DepositoCasilla.CAMPOS_QUE_CAMBIAN):
                raise ErrorDeRegla(f"{obj.codigo}: un depósito en la casilla electrónica no se modifica.")
            if "leida_en" in cambiados and _antes(obj, "leida_en") is not None:
                raise ErrorDeRegla(f"{obj.codigo}: la primera lectura ya quedó anotada.")
    for obj in session.deleted:
        if isinstance(obj, DepositoCasilla):
            raise ErrorDeRegla(f"{obj.codigo}: un depósito en la casilla electrónica no se borra.")
    with session.no_autoflush:
        for obj in session.new:
            if isinstance(obj, Notificacion) and _valor_enum(obj.modalidad) == "casilla_electronica" and \
                    getattr(obj, "deposito", None) is None:
                raise ErrorDeRegla("La notificación por casilla electrónica se hace depositando el acto en la "
                                   "casilla del administrado (con su constancia), no registrándola a mano.")


# --------------------------------------------------------------------------- archivo central
# Ley 25323 (Sistema Nacional de Archivos), D.S. 008-92-JUS y directivas del AGN (docs/reglas.md §7)
DestinoFinal = _e("DestinoFinal", "conservacion_permanente", "eliminacion",
                  conservacion_permanente="Conservación permanente", eliminacion="Eliminación")
AccesoSerie = _e("AccesoSerie", "publico", "restringido", publico="Público")
TipoUnidadConservacion = _e("TipoUnidadConservacion", "caja", "archivador", "legajo", "tomo", "paquete")
EstadoUnidadConservacion = _e("EstadoUnidadConservacion", "en_gestion", "en_archivo", "prestada", "transferida",
                              "eliminada", en_gestion="En el archivo de gestión de la unidad",
                              en_archivo="En el archivo central",
                              transferida="Transferida al AGN o archivo regional")
EstadoTransferencia = _e("EstadoTransferencia", "programada", "recibida", "observada")
EstadoPrestamo = _e("EstadoPrestamo", "vigente", "vencido", "devuelto")
EstadoEliminacion = _e("EstadoEliminacion", "propuesta", "aprobada_comite", "autorizada_agn", "ejecutada",
                       aprobada_comite="Aprobada por el comité", autorizada_agn="Autorizada por el AGN")
# una caja ocupa su lugar en el estante mientras está en el archivo central (también prestada: vuelve a él)
ESTADOS_UBICADA = ("en_archivo", "prestada")
_ANIOS = {"rango": (0, 100)}
_POSICION = {"rango": (1, 99)}


class SerieDocumental(ConTrazabilidad, db.Model):
    """Serie del Programa de Control de Documentos (aprobado por el Comité Evaluador de Documentos): años de
    retención en el archivo de gestión y en el central, destino final y acceso."""

    __tablename__ = "serie_documental"
    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(300))
    unidad_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    retencion_gestion_anios: Mapped[int] = mapped_column(default=2, info=_ANIOS)
    retencion_central_anios: Mapped[int] = mapped_column(default=8, info=_ANIOS)
    destino_final: Mapped[DestinoFinal] = enum_col(DestinoFinal, "destino_final", default=DestinoFinal.eliminacion)
    acceso: Mapped[AccesoSerie] = enum_col(AccesoSerie, "acceso_serie", default=AccesoSerie.publico)

    unidad: Mapped[UnidadOrganica] = relationship()
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        sa.CheckConstraint("retencion_gestion_anios BETWEEN 0 AND 100 AND retencion_central_anios BETWEEN 0 AND 100",
                           name="retencion_valida"),
    )

    @property
    def retencion_total(self) -> int:
        return (self.retencion_gestion_anios or 0) + (self.retencion_central_anios or 0)

    def __str__(self) -> str:
        return f"{self.codigo} – {self.nombre}"


class Ubicacion(ConTrazabilidad, db.Model):
    """Ubicación topográfica: depósito – ambiente – estante – cuerpo – nivel (`D1-A1-E03-C2-N4`), con su
    capacidad en cajas; el código lo arma el sistema."""

    __tablename__ = "ubicacion"
    id: Mapped[int] = mapped_column(primary_key=True)
    deposito: Mapped[int] = mapped_column(info=_POSICION)
    ambiente: Mapped[int] = mapped_column(info=_POSICION)
    estante: Mapped[int] = mapped_column(info=_POSICION)
    cuerpo: Mapped[int] = mapped_column(info=_POSICION)
    nivel: Mapped[int] = mapped_column(info=_POSICION)
    codigo: Mapped[str] = mapped_column(String(30), unique=True)
    capacidad: Mapped[int] = mapped_column(default=10, info={"rango": (1, 1000)})

    unidades: Mapped[list[UnidadConservacion]] = relationship(back_populates="ubicacion")
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        sa.UniqueConstraint("deposito", "ambiente", "estante", "cuerpo", "nivel"),
        sa.CheckConstraint("capacidad >= 1", name="capacidad_positiva"),
        sa.CheckConstraint("deposito >= 1 AND ambiente >= 1 AND estante >= 1 AND cuerpo >= 1 AND nivel >= 1",
                           name="posicion_positiva"),
    )

    @staticmethod
    def formato_codigo(deposito: int, ambiente: int, estante: int, cuerpo: int, nivel: int) -> str:
        return f"D{deposito}-A{ambiente}-E{estante:02d}-C{cuerpo}-N{nivel}"

    @hybrid_property
    def ocupadas(self) -> int:
        return sum(1 for u in self.unidades if u.estado in ESTADOS_UBICADA)

    @ocupadas.inplace.expression
    @classmethod
    def _ocupadas(cls):
        return (sa.select(sa.func.count()).where(UnidadConservacion.ubicacion_id == cls.id)
                .correlate_except(UnidadConservacion).scalar_subquery())

    def __str__(self) -> str:
        return self.codigo or "Ubicación nueva"


class UnidadConservacion(DeUnaUnidad, ConTrazabilidad, db.Model):
    """Caja, archivador, legajo, tomo o paquete: una serie de una unidad productora, con fechas extremas y
    folios; está en el archivo de gestión de la unidad hasta que se transfiere, y luego en un lugar del
    archivo central (del que sale prestada, transferida al AGN o eliminada con autorización)."""

    __tablename__ = "unidad_conservacion"
    relacion_unidad = "unidad_productora"
    id: Mapped[int] = mapped_column(primary_key=True)
    codigo: Mapped[str] = mapped_column(String(30), unique=True)
    tipo: Mapped[TipoUnidadConservacion] = enum_col(TipoUnidadConservacion, "tipo_unidad_conservacion",
                                                    default=TipoUnidadConservacion.caja)
    serie_id: Mapped[int] = mapped_column(ForeignKey("serie_documental.id"))
    unidad_productora_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    fecha_inicial: Mapped[date]
    fecha_final: Mapped[date]
    folios: Mapped[int] = mapped_column(default=0)
    descripcion: Mapped[str | None] = mapped_column(Text)
    ubicacion_id: Mapped[int | None] = mapped_column(ForeignKey("ubicacion.id"))
    # active_history: las reglas al guardar comparan con el valor anterior aunque la fila estuviera expirada
    estado: Mapped[EstadoUnidadConservacion] = enum_col(EstadoUnidadConservacion, "estado_unidad_conservacion",
                                                        default=EstadoUnidadConservacion.en_gestion,
                                                        active_history=True)
    transferencia_id: Mapped[int | None] = mapped_column(ForeignKey("transferencia.id"))
    eliminacion_id: Mapped[int | None] = mapped_column(ForeignKey("eliminacion.id"))
    observaciones: Mapped[str | None] = mapped_column(Text)

    serie: Mapped[SerieDocumental] = relationship()
    unidad_productora: Mapped[UnidadOrganica] = relationship()
    ubicacion: Mapped[Ubicacion | None] = relationship(back_populates="unidades")
    transferencia: Mapped[Transferencia | None] = relationship(back_populates="unidades", active_history=True)
    eliminacion: Mapped[Eliminacion | None] = relationship(back_populates="unidades", active_history=True)
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        regla("fecha_final >= fecha_inicial", "fechas_extremas", "fecha_final",
              "La fecha final no puede ser anterior a la inicial."),
        sa.CheckConstraint("folios >= 0", name="folios_no_negativos"),
        # en el archivo central (o prestada) tiene su lugar; fuera de él, ninguno (la eliminada libera el suyo)
        sa.CheckConstraint("(estado IN ('en_archivo', 'prestada')) = (ubicacion_id IS NOT NULL)",
                           name="ubicada_en_archivo"),
        sa.CheckConstraint("estado <> 'eliminada' OR eliminacion_id IS NOT NULL", name="eliminada_con_eliminacion"),
        Index("ix_unidad_conservacion_ubicacion", "ubicacion_id"),
        # «¿Dónde está?» por prefijo del código (LIKE 'GDU-2026%') con cualquier intercalación de PostgreSQL
        Index("ix_unidad_conservacion_codigo_patron", "codigo", postgresql_ops={"codigo": "varchar_pattern_ops"}),
        Index("ix_unidad_conservacion_serie", "serie_id", "fecha_final"),
        Index("ix_unidad_conservacion_productora", "unidad_productora_id", "estado"),
        Index("ix_unidad_conservacion_transferencia", "transferencia_id"),
        Index("ix_unidad_conservacion_eliminacion", "eliminacion_id"),
    )

    @property
    def anio_fin_retencion(self) -> int | None:
        """Último año de retención: el de la fecha final más los años en gestión y en el archivo central."""
        if self.fecha_final is None or self.serie is None:
            return None
        return self.fecha_final.year + self.serie.retencion_total

    @property
    def prestamo_vigente(self) -> Prestamo | None:
        return next((p for p in self.prestamos if p.fecha_devolucion is None), None)

    @property
    def donde(self) -> str:
        """Dónde está, en palabras: lo que responde la búsqueda y la ficha del expediente."""
        if self.estado == EstadoUnidadConservacion.en_gestion:
            return f"Archivo de gestión de {self.unidad_productora.sigla}" if self.unidad_productora else \
                "Archivo de gestión"
        if self.estado in (EstadoUnidadConservacion.transferida, EstadoUnidadConservacion.eliminada):
            return self.estado.etiqueta
        texto = f"Archivo central, {self.ubicacion.codigo}" if self.ubicacion else "Archivo central"
        prestamo = self.prestamo_vigente if self.estado == EstadoUnidadConservacion.prestada else None
        if prestamo:
            texto += (f" — prestada a {prestamo.unidad_solicitante.sigla} hasta el "
                      f"{prestamo.fecha_devolucion_prevista:%d/%m/%Y}")
        return texto

    def __str__(self) -> str:
        return f"{self.codigo} ({self.serie.codigo if self.serie else '?'})" if self.codigo else "Caja nueva"


class Transferencia(DeUnaUnidad, ActoFinal, ConTrazabilidad, db.Model):
    """Transferencia de una unidad al archivo central (cronograma anual): sus cajas son el inventario; el
    archivo la recibe (y ubica las cajas) u observa. Recibida (el inventario firmado por ambos lados), nada cambia."""

    __tablename__ = "transferencia"
    fijos = {"recibida": "*"}
    relacion_unidad = "unidad_origen"  # DeUnaUnidad trae `unidad_origen_id` y `unidad_origen`
    id: Mapped[int] = mapped_column(primary_key=True)
    anio: Mapped[int]
    numero: Mapped[int]
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    fecha: Mapped[date]  # programada (cronograma)
    estado: Mapped[EstadoTransferencia] = enum_col(EstadoTransferencia, "estado_transferencia",
                                                   default=EstadoTransferencia.programada)
    entregado_por: Mapped[str | None] = mapped_column(String(200))
    fecha_recepcion: Mapped[date | None]
    recibido_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuario.id"))
    observaciones: Mapped[str | None] = mapped_column(Text)

    recibido_por: Mapped[Usuario | None] = relationship(foreign_keys=[recibido_por_id])
    unidades: Mapped[list[UnidadConservacion]] = relationship(back_populates="transferencia",
                                                              order_by="UnidadConservacion.id")
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        sa.UniqueConstraint("anio", "numero"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("estado <> 'recibida' OR (fecha_recepcion IS NOT NULL AND recibido_por_id IS NOT NULL)",
                           name="recibida_con_fecha"),
        sa.CheckConstraint("estado <> 'observada' OR observaciones IS NOT NULL", name="observada_con_motivo"),
        Index("ix_transferencia_unidad", "unidad_origen_id", "anio"),
    )

    @staticmethod
    def formato_codigo(anio: int, numero: int) -> str:
        return f"TRF-{anio}-{numero:03d}"

    def __str__(self) -> str:
        return self.codigo or "Transferencia nueva"


class Prestamo(DeUnaUnidad, ConTrazabilidad, db.Model):
    """Préstamo interno de una caja a una unidad (los originales no salen de la entidad); una caja no se presta
    dos veces a la vez (índice único parcial)."""

    __tablename__ = "prestamo"
    relacion_unidad = "unidad_solicitante"
    id: Mapped[int] = mapped_column(primary_key=True)
    unidad_conservacion_id: Mapped[int] = mapped_column(ForeignKey("unidad_conservacion.id"))
    unidad_solicitante_id: Mapped[int] = mapped_column(ForeignKey("unidad_organica.id"))
    solicitante: Mapped[str] = mapped_column(String(200))
    fecha_prestamo: Mapped[date] = mapped_column(default=hoy_lima)
    fecha_devolucion_prevista: Mapped[date]
    fecha_devolucion: Mapped[date | None] = mapped_column(active_history=True)
    observaciones: Mapped[str | None] = mapped_column(Text)

    unidad_conservacion: Mapped[UnidadConservacion] = relationship(backref=sa.orm.backref(
        "prestamos", order_by="Prestamo.fecha_prestamo"))
    unidad_solicitante: Mapped[UnidadOrganica] = relationship()

    __table_args__ = (
        regla("fecha_devolucion_prevista >= fecha_prestamo", "prevista_despues_del_prestamo",
              "fecha_devolucion_prevista", "La devolución no puede ser anterior al préstamo."),
        regla("fecha_devolucion IS NULL OR fecha_devolucion >= fecha_prestamo", "devuelto_despues_del_prestamo",
              "fecha_devolucion", "La devolución no puede ser anterior al préstamo."),
        Index("uq_prestamo_vigente", "unidad_conservacion_id", unique=True,
              info=junto_a("unidad_conservacion", "La caja ya está prestada: registre antes su devolución."),
              sqlite_where=sa.text("fecha_devolucion IS NULL"), postgresql_where=sa.text("fecha_devolucion IS NULL")),
        Index("ix_prestamo_pendiente", "fecha_devolucion", "fecha_devolucion_prevista"),
        Index("ix_prestamo_solicitante", "unidad_solicitante_id"),
    )

    @hybrid_property
    def estado(self) -> EstadoPrestamo:
        if self.fecha_devolucion is not None:
            return EstadoPrestamo.devuelto
        return EstadoPrestamo.vencido if self.fecha_devolucion_prevista < hoy_lima() else EstadoPrestamo.vigente

    @estado.inplace.expression
    @classmethod
    def _estado(cls):
        return sa.case((cls.fecha_devolucion.is_not(None), "devuelto"),
                       (cls.fecha_devolucion_prevista < hoy_lima(), "vencido"), else_="vigente")

    def __str__(self) -> str:
        caja = self.unidad_conservacion.codigo if self.unidad_conservacion else "?"
        return f"{caja} → {self.unidad_solicitante.sigla if self.unidad_solicitante else '?'}"


_APROBADA_COMITE = ("anio", "numero", "codigo", "fecha_propuesta", "fecha_aprobacion_comite", "acta_comite")


class Eliminacion(ActoFinal, ActoNumerado, ConTrazabilidad, db.Model):
    """Eliminación de documentos (Directiva 001-2018-AGN/DAI): propuesta del comité evaluador → aprobada por
    el comité → autorizada por el AGN (resolución) → ejecutada con acta. Sus cajas quedan registradas."""

    __tablename__ = "eliminacion"
    campo_fecha = "fecha_propuesta"
    # cada paso cumplido queda: el acta del comité, la resolución del AGN; ejecutada, nada cambia
    fijos = {"aprobada_comite": _APROBADA_COMITE,
             "autorizada_agn": (*_APROBADA_COMITE, "resolucion_autorizacion", "fecha_autorizacion"),
             "ejecutada": "*"}
    id: Mapped[int] = mapped_column(primary_key=True)
    anio: Mapped[int]
    numero: Mapped[int]
    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    estado: Mapped[EstadoEliminacion] = enum_col(EstadoEliminacion, "estado_eliminacion",
                                                 default=EstadoEliminacion.propuesta, active_history=True)
    fecha_propuesta: Mapped[date] = mapped_column(default=hoy_lima)
    fecha_aprobacion_comite: Mapped[date | None]
    acta_comite: Mapped[str | None] = mapped_column(String(100))
    resolucion_autorizacion: Mapped[str | None] = mapped_column(String(100))
    fecha_autorizacion: Mapped[date | None]
    fecha_ejecucion: Mapped[date | None]
    acta_eliminacion: Mapped[str | None] = mapped_column(String(100))
    observaciones: Mapped[str | None] = mapped_column(Text)

    unidades: Mapped[list[UnidadConservacion]] = relationship(back_populates="eliminacion",
                                                              order_by="UnidadConservacion.id")
    etiqueta = etiqueta_sql(lambda cls: cls.codigo)

    __table_args__ = (
        sa.UniqueConstraint("anio", "numero"),
        sa.CheckConstraint("numero >= 1", name="numero_positivo"),
        sa.CheckConstraint("estado = 'propuesta' OR (fecha_aprobacion_comite IS NOT NULL AND acta_comite IS NOT NULL)",
                           name="aprobada_con_acta"),
        sa.CheckConstraint("estado NOT IN ('autorizada_agn', 'ejecutada') OR (resolucion_autorizacion IS NOT NULL "
                           "AND fecha_autorizacion IS NOT NULL)", name="autorizada_con_resolucion"),
        sa.CheckConstraint("estado <> 'ejecutada' OR (fecha_ejecucion IS NOT NULL AND acta_eliminacion IS NOT NULL)",
                           name="ejecutada_con_acta"),
        sa.CheckConstraint("fecha_ejecucion IS NULL OR fecha_ejecucion >= fecha_autorizacion",
                           name="ejecutada_despues_de_autorizar"),
    )

    @staticmethod
    def formato_codigo(anio: int, numero: int) -> str:
        return f"ELI-{anio}-{numero:03d}"

    def __str__(self) -> str:
        return self.codigo or "Eliminación nueva"


# --------------------------------------------------------------------------- enums: texto → miembro al asignar
@sa.event.listens_for(sa.orm.Mapper, "mapper_configured")
def _enums_al_asignar(mapper, cls):
    """Un formulario o un servicio asigna 'ordinaria'; el objeto guarda TipoSesion.ordinaria al instante
    (y no recién al releerlo de la base), así `.etiqueta` y `.value` valen siempre."""
    for prop in mapper.column_attrs:
        tipo = getattr(prop.columns[0], "type", None)
        clase_enum = getattr(tipo, "enum_class", None)
        if isinstance(tipo, sa.Enum) and clase_enum is not None and issubclass(clase_enum, EnumEs):
            def convertir(target, value, oldvalue, initiator, _e=clase_enum):
                return _e(value) if isinstance(value, str) and not isinstance(value, _e) else value

            sa.event.listen(getattr(cls, prop.key), "set", convertir, retval=True)


# --------------------------------------------------------------------------- reglas al guardar (toda vía)
@sa.event.listens_for(sa.orm.Session, "before_flush")
def _datos_de_solo_lectura(session, flush_context, instances):
    """Lo que ya pasó no se reescribe, lo intente un formulario, la edición en la lista, la CLI o una
    importación: los datos de un expediente cerrado, el proveído recibido, una derivación atendida; y nada se da
    por notificado (documento o resolución) sin su diligencia."""
    for obj in session.dirty:
        if isinstance(obj, Expediente):
            estado = sa.inspect(obj).attrs.estado.history
            antes = estado.deleted[0] if estado.deleted else obj.estado
            if antes in ESTADOS_CERRADOS and _cambio(obj, Expediente.CAMPOS_DE_DATOS):
                raise ErrorDeRegla(f"{obj.codigo}: un expediente {EstadoExpediente(antes).etiqueta.lower()} "
                                   "no se modifica.")
        elif isinstance(obj, Derivacion):
            estado = sa.inspect(obj).attrs.estado.history
            antes = estado.deleted[0] if estado.deleted else obj.estado
            if antes != EstadoDerivacion.pendiente and _cambio(obj, ("proveido",)):
                raise ErrorDeRegla("La unidad de destino ya recibió la derivación: su proveído no se modifica.")
            if _antes(obj, "fecha_atencion") is not None and _cambio(obj, Derivacion.CAMPOS_FIJOS_AL_CERRAR):
                raise ErrorDeRegla("Una derivación ya atendida no se modifica: es el registro de lo que pasó.")
    with session.no_autoflush:
        for obj in [*session.new, *session.dirty]:
            if isinstance(obj, DocumentoEmitido):
                _regla_notificado(session, obj)
            elif isinstance(obj, NormaMunicipal):
                _regla_norma_notificada(session, obj)
    if any(isinstance(obj, Derivacion) and _antes(obj, "fecha_atencion") is not None for obj in session.deleted):
        # lo resumido cambió: hasta la próxima tarea diaria, el cumplimiento se calcula en vivo
        session.execute(sa.delete(EstadoResumen).where(EstadoResumen.nombre == ResumenDerivacion.__tablename__))


def _regla_notificado(session, doc: DocumentoEmitido) -> None:
    """«Notificado» solo con la diligencia que lo prueba (LPAG art. 21: el cargo con fecha y quién recibió, o la
    negativa, o el acta bajo la puerta): sin ella el plazo del recurso no corre y el acto no queda firme."""
    if _valor_enum(doc.estado) != "notificado" or _valor_enum(_antes(doc, "estado")) == "notificado":
        return
    nuevas = [o for o in session.new if isinstance(o, Notificacion) and relacionada(o, "documento") is doc]
    if not any(_valor_enum(n.resultado) in RESULTADOS_EFECTIVOS for n in (*doc.notificaciones, *nuevas)):
        raise ErrorDeRegla(f"{doc.codigo}: un documento queda notificado solo con su diligencia de notificación "
                           "(LPAG art. 21); regístrela en «Notificaciones por unidad».")


def _regla_norma_notificada(session, norma: NormaMunicipal) -> None:
    """Una resolución rige desde su notificación (LPAG art. 16), y esa notificación es su diligencia: la fecha
    de notificación llega solo con una diligencia efectiva de esa resolución."""
    if norma.fecha_notificacion is None or _antes(norma, "fecha_notificacion") is not None:
        return
    en_esta = any(isinstance(o, Notificacion) and relacionada(o, "norma") is norma and
                  _valor_enum(o.resultado) in RESULTADOS_EFECTIVOS for o in session.new)
    if not en_esta and not (norma.id is not None and session.scalar(sa.select(sa.exists().where(
            Notificacion.norma_id == norma.id, Notificacion.resultado.in_(RESULTADOS_EFECTIVOS))))):
        raise ErrorDeRegla(f"{norma.codigo}: una resolución se da por notificada solo con su diligencia de "
                           "notificación (LPAG arts. 16 y 21); regístrela en «Diligencias de notificación».")


def _cambio(obj, campos) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(attrs[c].history.has_changes() for c in campos)


# --------------------------------------------------------------------------- reglas del archivo al guardar (toda vía)
ORDEN_ELIMINACION = ("propuesta", "aprobada_comite", "autorizada_agn", "ejecutada")


def _antes(obj, campo):
    """Valor de `campo` antes de este flush (None si la fila es nueva). Si se asignó sin haberse cargado antes (un
    objeto expirado tras un commit, como en un script), el valor anterior se lee de la base: así una regla que mira
    de qué estado se sale no se salta escribiendo el campo a ciegas."""
    estado = sa.inspect(obj)
    hist = estado.attrs[campo].history
    if hist.deleted:
        return hist.deleted[0]
    if estado.pending:
        return None
    if not hist.added:
        return getattr(obj, campo)
    prop = estado.mapper.attrs[campo]
    if not isinstance(prop, sa.orm.ColumnProperty) or estado.identity is None or estado.session is None:
        return None
    clave = sa.and_(*(c == v for c, v in zip(estado.mapper.primary_key, estado.identity, strict=True)))
    with estado.session.no_autoflush:
        return estado.session.execute(sa.select(prop.columns[0]).where(clave)).scalar()


def _valor_enum(v):
    return getattr(v, "value", v)


def relacionada(obj, relacion: str, antes: bool = False):
    """La fila a la que apunta la relación `relacion` (muchos a uno) de `obj`, se haya asignado el objeto
    (`voto.miembro = m`) o solo su clave foránea (`voto.miembro_id = 7`, como hace un script o una importación):
    así ninguna regla al guardar se salta escribiendo el id en vez del objeto. Si se asignó el objeto en esta
    transacción, manda él (es lo que se escribirá); si no, la clave. Con `antes=True`, la que tenía antes de este
    flush (None si la fila es nueva). Las reglas de `before_flush` leen sus filas relacionadas solo por aquí."""
    estado = sa.inspect(obj)
    rel = estado.mapper.relationships[relacion]
    [columna] = rel.local_columns
    clave = estado.mapper.get_property_by_column(columna).key
    historia = estado.attrs[relacion].history
    if antes:
        if historia.deleted:
            return historia.deleted[0]
        if estado.pending:
            return None
        id_ = _antes(obj, clave)  # si solo se asignó el objeto, la clave aún es la de antes
    elif historia.added:
        return historia.added[0]
    else:
        id_ = getattr(obj, clave)
    if id_ is None:
        return None
    cargada = estado.dict.get(relacion)
    if cargada is not None and sa.inspect(cargada).identity == (id_,):
        return cargada
    sesion = estado.session or db.session
    with sesion.no_autoflush:
        return sesion.get(rel.mapper.class_, id_)


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _reglas_archivo(session, flush_context, instances):
    """Reglas del archivo central que ninguna vía salta (formulario, lista, CLI, importación): código de la
    ubicación y su capacidad; préstamo solo de una caja en el archivo y su estado que sigue al préstamo;
    eliminación en orden, nunca antes de la autorización del AGN ni de una serie de conservación permanente;
    las cajas del archivo central no se borran (su registro queda para siempre)."""
    nuevos_o_cambiados = [*session.new, *session.dirty]
    with session.no_autoflush:
        for obj in nuevos_o_cambiados:
            if isinstance(obj, Ubicacion):
                _regla_ubicacion(session, obj)
            elif isinstance(obj, Eliminacion):
                _regla_eliminacion(obj)
            elif isinstance(obj, Prestamo):
                _regla_prestamo(obj)
            elif isinstance(obj, Expediente) and _cambio(obj, ("unidad_conservacion", "unidad_conservacion_id")):
                caja = relacionada(obj, "unidad_conservacion")
                if caja is not None and _valor_enum(caja.estado) in ("transferida", "eliminada"):
                    raise ErrorDeRegla(f"La caja {caja.codigo} ya no está en la entidad "
                                       f"({caja.estado.etiqueta.lower()}).")
        cajas = [o for o in [*session.new, *session.dirty] if isinstance(o, UnidadConservacion)]
        for caja in cajas:
            _regla_caja(caja)
        _regla_capacidad(session, cajas)
        for obj in session.deleted:
            if isinstance(obj, UnidadConservacion) and _valor_enum(obj.estado) != "en_gestion":
                raise ErrorDeRegla(f"La caja {obj.codigo} ya ingresó al archivo central: su registro se conserva "
                                   "para siempre y no se borra.")
            if isinstance(obj, Ubicacion) and obj.id is not None and session.scalar(
                    sa.select(sa.func.count()).where(UnidadConservacion.ubicacion_id == obj.id)):
                raise ErrorDeRegla(f"{obj.codigo} tiene cajas: muévalas antes de quitar la ubicación.")
            if isinstance(obj, Eliminacion) and _valor_enum(obj.estado) != "propuesta":
                raise ErrorDeRegla(f"{obj.codigo}: una eliminación aprobada por el comité no se borra.")


def _regla_ubicacion(session, u: Ubicacion) -> None:
    if None not in (u.deposito, u.ambiente, u.estante, u.cuerpo, u.nivel):
        u.codigo = Ubicacion.formato_codigo(u.deposito, u.ambiente, u.estante, u.cuerpo, u.nivel)
    if u.id is not None and _cambio(u, ("capacidad",)):
        ocupadas = session.scalar(sa.select(sa.func.count()).where(UnidadConservacion.ubicacion_id == u.id))
        if u.capacidad is not None and u.capacidad < ocupadas:
            raise ErrorDeRegla(f"{u.codigo} tiene {ocupadas} cajas: la capacidad no puede ser menor.")


def _regla_eliminacion(e: Eliminacion) -> None:
    antes, ahora_ = _valor_enum(_antes(e, "estado")), _valor_enum(e.estado) or "propuesta"
    if antes is None or antes == ahora_:
        if antes is None and ahora_ != "propuesta":
            raise ErrorDeRegla("Una eliminación empieza como propuesta del comité evaluador.")
        return
    if ORDEN_ELIMINACION.index(ahora_) != ORDEN_ELIMINACION.index(antes) + 1:
        raise ErrorDeRegla(f"{e.codigo}: de «{EstadoEliminacion(antes).etiqueta}» no se pasa a "
                           f"«{EstadoEliminacion(ahora_).etiqueta}» (propuesta → aprobada por el comité → "
                           "autorizada por el AGN → ejecutada).")


def _regla_prestamo(p: Prestamo) -> None:
    caja = relacionada(p, "unidad_conservacion")
    if caja is None:
        return
    if sa.inspect(p).pending:
        if p.fecha_devolucion is None:
            if _valor_enum(caja.estado) == "prestada":
                raise ErrorDeRegla(f"La caja {caja.codigo} ya está prestada: no se presta dos veces a la vez.")
            if _valor_enum(caja.estado) != "en_archivo":
                raise ErrorDeRegla(f"Solo se presta una caja que está en el archivo central; {caja.codigo} está: "
                                   f"{caja.estado.etiqueta.lower()}.")
            caja.estado = EstadoUnidadConservacion.prestada
    elif _cambio(p, ("fecha_devolucion",)):
        if _antes(p, "fecha_devolucion") is not None:
            raise ErrorDeRegla("La devolución ya quedó registrada: no se modifica.")
        if p.fecha_devolucion is not None and _valor_enum(caja.estado) == "prestada":
            caja.estado = EstadoUnidadConservacion.en_archivo
    if not sa.inspect(p).pending and _cambio(p, ("unidad_conservacion", "unidad_conservacion_id")):
        raise ErrorDeRegla("La caja de un préstamo no se cambia: registre la devolución y otro préstamo.")


def _regla_caja(caja: UnidadConservacion) -> None:
    estado, antes = _valor_enum(caja.estado) or "en_gestion", _valor_enum(_antes(caja, "estado"))
    productora, serie = relacionada(caja, "unidad_productora"), relacionada(caja, "serie")
    if productora is not None and (sa.inspect(caja).pending or _cambio(caja, ("codigo",))):
        if _antes(caja, "codigo") is not None:
            raise ErrorDeRegla("El código de una caja no cambia: es su etiqueta.", campo="codigo")
        if not (caja.codigo or "").startswith(f"{productora.sigla.upper()}-"):
            raise ErrorDeRegla(f"El código de una caja de {productora.sigla} empieza con «{productora.sigla}-»: lo "
                               "saca el sistema (services.archivo.registrar_caja).", campo="codigo")
    if productora is not None and serie is not None and _cambio(caja, ("serie", "serie_id", "unidad_productora",
                                                                       "unidad_productora_id")) and \
            serie.unidad_id != productora.id:
        raise ErrorDeRegla(f"La serie {serie.codigo} es de otra unidad: una caja guarda una serie de su unidad "
                           f"productora ({productora.sigla}).", campo="serie")
    elim = relacionada(caja, "eliminacion")
    if elim is not None and _cambio(caja, ("eliminacion", "eliminacion_id")):
        if serie is not None and _valor_enum(serie.destino_final) == "conservacion_permanente":
            raise ErrorDeRegla(f"La caja {caja.codigo} es de la serie {serie.codigo}, de conservación "
                               "permanente: nunca se elimina.")
        if _valor_enum(elim.estado) != "propuesta":
            raise ErrorDeRegla(f"{elim.codigo} ya fue aprobada por el comité: no se le agregan cajas.")
        if estado != "en_archivo":
            raise ErrorDeRegla(f"Solo se propone eliminar una caja que está en el archivo central; {caja.codigo} "
                               f"está: {caja.estado.etiqueta.lower()}.")
        if caja.anio_fin_retencion is not None and caja.anio_fin_retencion >= (elim.fecha_propuesta or
                                                                               hoy_lima()).year:
            raise ErrorDeRegla(f"La caja {caja.codigo} conserva su plazo de retención hasta el 31/12/"
                               f"{caja.anio_fin_retencion}: aún no se puede proponer su eliminación.")
    if _cambio(caja, ("transferencia", "transferencia_id")):
        t, previa = relacionada(caja, "transferencia"), relacionada(caja, "transferencia", antes=True)
        if previa is not None and _valor_enum(previa.estado) == "recibida":
            raise ErrorDeRegla(f"La caja {caja.codigo} ya fue recibida con {previa.codigo}: no cambia de inventario.")
        if t is not None:
            if _valor_enum(t.estado) == "recibida":
                raise ErrorDeRegla(f"{t.codigo} ya fue recibida: no se le agregan cajas.")
            if estado != "en_gestion":
                raise ErrorDeRegla(f"La caja {caja.codigo} no está en el archivo de gestión: no se transfiere.")
            productora, origen = relacionada(caja, "unidad_productora"), relacionada(t, "unidad_origen")
            if productora is not origen:
                raise ErrorDeRegla(f"La caja {caja.codigo} es de otra unidad: el inventario de {t.codigo} lista solo "
                                   "las cajas de la unidad que transfiere.")
    if estado == "eliminada" and antes != "eliminada":
        if elim is None or _valor_enum(elim.estado) not in ("autorizada_agn", "ejecutada"):
            raise ErrorDeRegla(f"La caja {caja.codigo} no se elimina sin la autorización del AGN (resolución).")
        if serie is not None and _valor_enum(serie.destino_final) == "conservacion_permanente":
            raise ErrorDeRegla(f"La caja {caja.codigo} es de una serie de conservación permanente: nunca se "
                               "elimina.")
        caja.ubicacion = None  # libera su lugar; el registro queda
    elif antes == "eliminada" and estado != "eliminada":
        raise ErrorDeRegla(f"La caja {caja.codigo} fue eliminada: su estado ya no cambia.")
    if estado in ("transferida", "en_gestion") and antes in ESTADOS_UBICADA:
        caja.ubicacion = None


def _regla_capacidad(session, cajas: list[UnidadConservacion]) -> None:
    """Ninguna ubicación recibe más cajas que su capacidad (la fila de la ubicación queda bloqueada hasta el
    fin de la transacción en PostgreSQL: dos que colocan la última caja a la vez no caben las dos)."""
    llegan: dict[int, list[UnidadConservacion]] = {}
    for caja in cajas:
        if _cambio(caja, ("ubicacion", "ubicacion_id")):
            destino = relacionada(caja, "ubicacion")
            if destino is not None:
                llegan.setdefault(id(destino), [destino]).append(caja)
    for destino, *nuevas in llegan.values():
        if destino.id is None:
            ya = 0
        else:
            session.execute(sa.select(Ubicacion.id).where(Ubicacion.id == destino.id).with_for_update())
            ids = [c.id for c in nuevas if c.id is not None]
            q = sa.select(sa.func.count()).where(UnidadConservacion.ubicacion_id == destino.id)
            if ids:
                q = q.where(UnidadConservacion.id.not_in(ids))
            ya = session.scalar(q)
        if ya + len(nuevas) > destino.capacidad:
            raise ErrorDeRegla(f"{destino.codigo} está llena: tiene {ya} de {destino.capacidad} cajas; no caben "
                               f"{len(nuevas)} más.")


# --------------------------------------------------------------------------- lo final no cambia (toda vía)
@sa.event.listens_for(sa.orm.Session, "before_flush")
def _actos_finales(session, flush_context, instances):
    """`ActoFinal`: lo aprobado, publicado, recibido o firmado no cambia ni se borra, y un cambio de estado se guarda
    solo si nadie lo cambió entretanto (fila tomada y estado comparado con el que se leyó)."""
    with session.no_autoflush:
        for obj in [*session.dirty, *session.deleted]:
            if not isinstance(obj, ActoFinal) or sa.inspect(obj).pending:
                continue
            borrado = obj in session.deleted
            if not borrado and not session.is_modified(obj, include_collections=False):
                continue
            antes = _valor_enum(_antes(obj, obj.campo_estado))
            _comparar_con_la_base(session, obj, antes)
            fijos = obj.campos_fijos(antes)
            if borrado and fijos:
                raise ErrorDeRegla(f"{obj}: {_nombre_estado(obj, antes)}; no se borra (su registro se conserva).")
            cambiados = [c for c in fijos if _cambio(obj, (c,))] + \
                [c for c in obj.fijos_al_llenarse if _cambio(obj, (c,)) and _antes(obj, c) is not None]
            if cambiados:
                raise ErrorDeRegla(f"{obj}: {_nombre_estado(obj, antes)}; ya no cambia. Un error se corrige con "
                                   "un acto nuevo (fe de erratas, otra norma u otro documento).", campo=cambiados[0])


# Expedir: de qué estado a cuáles pasa una redacción (services/redaccion.py)
_PASOS_REDACCION = {"borrador": {"en_revision", "por_firmar", "descartado"},
                    "en_revision": {"borrador", "por_firmar"}, "por_firmar": {"borrador", "firmado"},
                    "firmado": set(), "descartado": set()}


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _reglas_redaccion(session, _contexto, _instancias):
    """Expedir, para toda vía: revisores y anexos solo en el borrador; un V° B° solo del revisor que sigue, en la
    versión en curso, y nunca se cambia ni se borra; una versión devuelta no cambia; los estados en su orden (a la
    firma solo con todos los V° B°)."""
    with session.no_autoflush:
        for obj in [*session.new, *session.dirty, *session.deleted]:
            if isinstance(obj, RevisorRedaccion | AnexoRedaccion):
                r = relacionada(obj, "redaccion")
                if r is None or obj in session.deleted and r in session.deleted:
                    continue
                estado = _valor_enum(_antes(r, "estado") if sa.inspect(r).persistent else r.estado)
                if estado not in (None, "borrador") and (obj in session.new or obj in session.deleted
                                                        or session.is_modified(obj)):
                    que = "Los revisores" if isinstance(obj, RevisorRedaccion) else "Los anexos"
                    raise ErrorDeRegla(f"{que} se cambian solo en el borrador: devuélvalo para corregirlo.",
                                       campo="revisores" if isinstance(obj, RevisorRedaccion) else "anexo")
            elif isinstance(obj, VistoBueno | VersionRedaccion) and obj not in session.new and (
                    obj in session.deleted or session.is_modified(obj)):
                raise ErrorDeRegla("Un V° B° dado y una versión devuelta se conservan: no cambian ni se borran.")
        for obj in session.new:
            if isinstance(obj, VistoBueno):
                _regla_visto_bueno(session, obj)
        for obj in [*session.new, *session.dirty]:
            if isinstance(obj, Redaccion):
                _regla_pasos_redaccion(session, obj)
                _regla_texto_de_norma(obj)


def _regla_texto_de_norma(r) -> None:
    """La norma (y la transcripción de un acuerdo) lleva el texto aprobado de la norma: ni el asunto ni el texto
    del proyecto cambian después de crearse (el de la norma tampoco: `NormaMunicipal.fijos`)."""
    estado = sa.inspect(r)
    if not estado.persistent or (r.norma_id is None and r.norma is None and r.norma_transcrita_id is None
                                 and r.norma_transcrita is None):
        return
    for campo in ("asunto", "cuerpo", "norma", "norma_id", "norma_transcrita", "norma_transcrita_id"):
        if estado.attrs[campo].history.has_changes():
            raise ErrorDeRegla("El texto de una norma aprobada no cambia: el documento lleva el de la norma (se "
                               "modifica con otra norma).", campo="cuerpo")


def _vistos_dados(session, r, version: int) -> int:
    en_base = session.scalar(sa.select(sa.func.count()).select_from(VistoBueno).where(
        VistoBueno.redaccion_id == r.id, VistoBueno.version == version)) if r.id else 0
    nuevos = sum(1 for o in session.new if isinstance(o, VistoBueno) and relacionada(o, "redaccion") is r
                 and o.version == version)
    return en_base + nuevos


def _regla_visto_bueno(session, v) -> None:
    r = relacionada(v, "redaccion")
    estado = _valor_enum(_antes(r, "estado"))
    if estado != "en_revision" or v.version != r.version:
        raise ErrorDeRegla("El V° B° se da a la versión en curso de un proyecto enviado a V° B°.")
    anteriores = session.scalar(sa.select(sa.func.count()).select_from(VistoBueno).where(
        VistoBueno.redaccion_id == r.id, VistoBueno.version == v.version))
    revisores = session.scalars(sa.select(RevisorRedaccion.usuario_id).where(RevisorRedaccion.redaccion_id == r.id)
                                .order_by(RevisorRedaccion.orden, RevisorRedaccion.id)).all()
    usuario_id = v.usuario.id if v.usuario is not None else v.usuario_id
    if v.orden != anteriores + 1 or v.orden > len(revisores) or revisores[v.orden - 1] != usuario_id:
        raise ErrorDeRegla("Los V° B° van en el orden fijado: no es el turno de este revisor.")


def _regla_pasos_redaccion(session, r) -> None:
    if not sa.inspect(r).persistent:
        if _valor_enum(r.estado) not in (None, "borrador"):
            raise ErrorDeRegla("Un proyecto nace en borrador.")
        return
    antes, despues = _valor_enum(_antes(r, "estado")), _valor_enum(r.estado)
    if antes == despues:
        return
    if despues not in _PASOS_REDACCION.get(antes, set()):
        raise ErrorDeRegla(f"Un proyecto {EstadoRedaccion(antes).etiqueta.lower()} no pasa a "
                           f"{EstadoRedaccion(despues).etiqueta.lower()}.")
    if despues == "por_firmar":
        total = session.scalar(sa.select(sa.func.count()).select_from(RevisorRedaccion).where(
            RevisorRedaccion.redaccion_id == r.id))
        if _vistos_dados(session, r, r.version) != total:
            raise ErrorDeRegla("Pasa a la firma recién con todos los V° B°.")


def _nombre_estado(obj, estado) -> str:
    if isinstance(estado, bool):
        return "anulada" if estado else "emitida y firmada"
    tipo = sa.inspect(type(obj)).columns[obj.campo_estado].type
    clase = getattr(tipo, "enum_class", None)
    return clase(estado).etiqueta.lower() if clase is not None else str(estado)


def _comparar_con_la_base(session, obj, antes) -> None:
    """Toma la fila (una vez por transacción) y compara su estado en la base con el que leyó esta petición."""
    modelo = type(obj)
    clave = (modelo.__tablename__, obj.id)
    tomadas = session.info.setdefault("filas_tomadas", set())
    if clave in tomadas:
        return
    tomar_escritura(session)
    columna = sa.inspect(modelo).columns[obj.campo_estado]
    consulta = sa.select(columna).where(modelo.__table__.c.id == obj.id)
    if session.get_bind().dialect.name == "postgresql":
        consulta = consulta.with_for_update()
    en_la_base = session.execute(consulta).scalar_one_or_none()
    tomadas.add(clave)
    if _valor_enum(en_la_base) != antes:
        raise ErrorDeRegla(CONFLICTO_FILA.format(fila=obj))


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _soltar_filas(session, transaccion):
    if transaccion.parent is None:
        session.info.pop("filas_tomadas", None)


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _fecha_de_actos(session, flush_context, instances):
    """`ActoNumerado`: al sacar su número (fila nueva numerada, o un proyecto que se aprueba) o al cambiar su fecha,
    la fecha es de hoy o de los últimos días, nunca futura ni anterior al último número de su serie."""
    with session.no_autoflush:
        for obj in [*session.new, *session.dirty]:
            if not isinstance(obj, ActoNumerado) or obj.numero is None:
                continue
            if not (sa.inspect(obj).pending or _cambio(obj, ("numero", obj.campo_fecha))):
                continue
            error = obj.error_de_fecha()
            if error:
                raise ErrorDeRegla(error, campo=obj.campo_fecha)


# --------------------------------------------------------------------------- textos que caben y documentos (toda vía)
def texto_largo(modelo, valores: dict) -> tuple[str, str] | None:
    """(campo, mensaje) del primer texto de `valores` más largo que su columna en `modelo`; None si todos caben."""
    columnas = sa.inspect(modelo).columns
    for clave, valor in valores.items():
        columna = columnas.get(clave)
        tipo = getattr(columna, "type", None)
        largo = getattr(tipo, "length", None)
        if largo and isinstance(tipo, sa.String) and not isinstance(tipo, sa.Enum) and isinstance(valor, str) \
                and len(valor) > largo:
            return clave, f"El campo «{clave.replace('_', ' ')}» admite hasta {largo} caracteres (tiene {len(valor)})."
    return None


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _textos_que_caben(session, flush_context, instances):
    """Un texto no pasa del largo de su columna (SQLite no lo exige; PostgreSQL respondería con un error): la regla,
    con el nombre del campo, para toda vía. Y un DNI o RUC son dígitos comunes (ya normalizados: «２５…» → «25…»)."""
    for obj in [*session.new, *session.dirty]:
        if sa.inspect(type(obj), raiseerr=False) is None:
            continue
        estado = sa.inspect(obj)
        cambiados = {a.key: a.history.added[0] for a in estado.attrs if a.history.added}
        largo = texto_largo(type(obj), cambiados)
        if largo:
            raise ErrorDeRegla(largo[1], campo=largo[0])
        if isinstance(obj, Persona) and _valor_enum(obj.tipo_documento) in ("DNI", "RUC") and \
                obj.numero_documento and not (obj.numero_documento.isascii() and obj.numero_documento.isdigit()):
            raise ErrorDeRegla(f"El {_valor_enum(obj.tipo_documento)} lleva solo dígitos.", campo="numero_documento")
