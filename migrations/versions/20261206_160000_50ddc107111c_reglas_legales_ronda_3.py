"""Reglas legales, ronda 3 (issue 21).

- `expediente.silencio_positivo_desde`: con silencio positivo, la solicitud se tiene por aprobada recién pasados el
  plazo y los 5 días hábiles para notificar la decisión (LPAG arts. 24.1 y 199.1). Se calcula para los expedientes
  abiertos con el calendario de la tabla `feriado`.
- Mientras una observación del ingreso está pendiente no corre plazo alguno (art. 136.3): los expedientes
  observados quedan sin vencimiento, y la derivación aún sin acuse de uno observado se retira (estado nuevo
  `retirado` de `derivacion`, registrada, no borrada) y el expediente vuelve a la unidad que lo envió.
- `norma_municipal.otorga_beneficio`: la resolución que otorga un beneficio rige desde su emisión (art. 16.2).

Revision ID: 50ddc107111c
Revises: 4f7a2c9e1b3d
Create Date: 2026-12-06 12:00:00

"""
from datetime import UTC, date, datetime, timedelta

from alembic import op
from flask import current_app
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '50ddc107111c'
down_revision = '4f7a2c9e1b3d'
branch_labels = None
depends_on = None

ESTADOS_DERIVACION = ("pendiente", "recibido", "atendido", "devuelto")
RESOLUCIONES = "tipo IN ('resolucion_alcaldia', 'resolucion_concejo')"
DESDE_NOTIFICACION = "tipo NOT IN ('resolucion_alcaldia', 'resolucion_concejo') OR estado <> 'vigente' " \
    "OR fecha_notificacion IS NOT NULL"


def _estados(lista):
    return "estado IN (" + ", ".join(f"'{e}'" for e in lista) + ")"


def _claves_foraneas(activas: bool):
    """SQLite: recrear `norma_municipal` (batch) con las claves foráneas activas fallaría si una notificación, una
    relación o un dictamen la apuntan; se desactivan mientras dura la migración (solo surte efecto al comienzo de
    la transacción: si no, y hay filas que la apuntan, mejor detenerse)."""
    conexion = op.get_bind()
    if conexion.dialect.name != "sqlite":
        return
    op.execute(sa.text(f"PRAGMA foreign_keys={'ON' if activas else 'OFF'}"))
    if not activas and conexion.execute(sa.text("PRAGMA foreign_keys")).scalar() and any(
            conexion.execute(sa.text(f"SELECT count(*) FROM {t} WHERE {c} IS NOT NULL")).scalar()
            for t, c in (("notificacion", "norma_id"), ("relacion_norma", "origen_id"), ("dictamen", "norma_id"))):
        raise RuntimeError("Actualice en una invocación aparte (flask db upgrade): SQLite no pudo desactivar "
                           "las claves foráneas para recrear la tabla de normas.")


def _sumar_habiles(inicio: date, n: int, feriados: set) -> date:
    d = inicio
    while n:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in feriados:
            n -= 1
    return d


def upgrade():
    _claves_foraneas(False)
    conexion = op.get_bind()
    ahora = datetime.now(UTC)
    if conexion.dialect.name == "sqlite":
        ahora = ahora.replace(tzinfo=None)

    # derivación retirada (observación en el ingreso)
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_derivacion_estado_derivacion'), type_='check')
        batch_op.create_check_constraint(op.f('ck_derivacion_estado_derivacion'),
                                         _estados((*ESTADOS_DERIVACION, "retirado")))
    if conexion.dialect.name == "sqlite":  # el batch de SQLite no conserva la condición del índice parcial
        op.execute(sa.text("DROP INDEX IF EXISTS ix_derivacion_abiertas"))
        op.execute(sa.text("CREATE INDEX ix_derivacion_abiertas ON derivacion (fecha_envio) "
                           "WHERE fecha_atencion IS NULL"))

    # silencio positivo: plazo + días para notificar
    op.add_column('expediente', sa.Column('silencio_positivo_desde', sa.Date(), nullable=True))
    op.create_index('ix_expediente_silencio_positivo_desde', 'expediente', ['silencio_positivo_desde'],
                    unique=False)

    # observados: sin vencimiento ni derivación pendiente (vuelven a la unidad que los envió)
    pendientes = conexion.execute(sa.text(
        "SELECT d.id, d.expediente_id, d.unidad_origen_id FROM derivacion d JOIN expediente e "
        "ON e.id = d.expediente_id WHERE e.estado = 'observado' AND d.estado = 'pendiente'")).all()
    for d_id, e_id, origen in pendientes:
        conexion.execute(sa.text("UPDATE derivacion SET estado = 'retirado', fecha_atencion = :m WHERE id = :d"),
                         {"m": ahora, "d": d_id})
        if origen is not None:
            conexion.execute(sa.text("UPDATE expediente SET unidad_actual_id = :u WHERE id = :e"),
                             {"u": origen, "e": e_id})
    op.execute(sa.text("UPDATE expediente SET fecha_vencimiento = NULL WHERE estado = 'observado'"))

    feriados = set(conexion.execute(sa.text("SELECT fecha FROM feriado")).scalars())
    feriados = {date.fromisoformat(f) if isinstance(f, str) else f for f in feriados}
    try:
        dias = int(current_app.config.get("NOTIFICACION_PLAZO", 5))
    except RuntimeError:  # fuera de la aplicación (alembic a secas)
        dias = 5
    filas = conexion.execute(sa.text(
        "SELECT e.id, e.fecha_vencimiento FROM expediente e JOIN procedimiento_tupa p ON p.id = e.procedimiento_id "
        "WHERE p.silencio = 'positivo' AND e.estado IN ('registrado', 'en_tramite') "
        "AND e.fecha_vencimiento IS NOT NULL")).all()
    cambios = []
    for e_id, vence in filas:
        vence = date.fromisoformat(vence) if isinstance(vence, str) else vence
        cambios.append({"e": e_id, "s": _sumar_habiles(vence, dias, feriados) + timedelta(days=1)})
    if cambios:
        conexion.execute(sa.text("UPDATE expediente SET silencio_positivo_desde = :s WHERE id = :e"), cambios)

    # resoluciones que otorgan un beneficio: rigen desde su emisión
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('otorga_beneficio', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint(op.f('ck_norma_municipal_resolucion_desde_notificacion'), type_='check')
        batch_op.create_check_constraint(op.f('ck_norma_municipal_resolucion_desde_notificacion'),
                                         f"{DESDE_NOTIFICACION} OR otorga_beneficio")
        batch_op.create_check_constraint(op.f('ck_norma_municipal_beneficio_solo_resoluciones'),
                                         f"NOT otorga_beneficio OR {RESOLUCIONES}")
    _claves_foraneas(True)


def downgrade():
    _claves_foraneas(False)
    # sin la marca, una resolución rige solo desde su notificación
    op.execute(sa.text("UPDATE norma_municipal SET estado = 'aprobada', fecha_vigencia = NULL "
                       "WHERE otorga_beneficio AND estado = 'vigente' AND fecha_notificacion IS NULL"))
    with op.batch_alter_table('norma_municipal', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_norma_municipal_beneficio_solo_resoluciones'), type_='check')
        batch_op.drop_constraint(op.f('ck_norma_municipal_resolucion_desde_notificacion'), type_='check')
        batch_op.create_check_constraint(op.f('ck_norma_municipal_resolucion_desde_notificacion'),
                                         DESDE_NOTIFICACION)
        batch_op.drop_column('otorga_beneficio')
    op.drop_index('ix_expediente_silencio_positivo_desde', table_name='expediente')
    # ALTER TABLE … DROP COLUMN y no el batch de Alembic: en SQLite recrearía la tabla, que otras apuntan
    op.execute(sa.text("ALTER TABLE expediente DROP COLUMN silencio_positivo_desde"))
    op.execute(sa.text("UPDATE derivacion SET estado = 'devuelto' WHERE estado = 'retirado'"))
    with op.batch_alter_table('derivacion', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_derivacion_estado_derivacion'), type_='check')
        batch_op.create_check_constraint(op.f('ck_derivacion_estado_derivacion'), _estados(ESTADOS_DERIVACION))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("DROP INDEX IF EXISTS ix_derivacion_abiertas"))
        op.execute(sa.text("CREATE INDEX ix_derivacion_abiertas ON derivacion (fecha_envio) "
                           "WHERE fecha_atencion IS NULL"))
    _claves_foraneas(True)
