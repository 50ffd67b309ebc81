"""Comandos de consola (`flask --app app …`): demo, crear-usuario, feriados, servir, tramite-diario, alertas."""

from __future__ import annotations

import gc
import os
import secrets
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from models import Rol, UnidadOrganica, Usuario, db
from services import semilla
from services.seguridad import error_clave


@click.command("demo")
@click.option("--password", required=True, help="Contraseña de todos los usuarios demo.")
@click.option("--expedientes", default=0, show_default=True, help="Expedientes sintéticos a cargar.")
@click.option("--force", is_flag=True, help="Cargar aunque la base ya tenga datos.")
@with_appcontext
def demo(password: str, expedientes: int, force: bool) -> None:
    """Municipalidad demo: unidades, un usuario por rol, TUPA, feriados y expedientes sintéticos."""
    if semilla.hay_datos_reales() and not force:
        raise click.ClickException("La base ya tiene datos; use --force para cargar la demo de todos modos.")
    inicio = time.perf_counter()
    semilla.cargar_demo(password)
    semilla.cargar_sesiones_demo()
    semilla.cargar_casilla_demo(password)
    db.session.commit()
    if expedientes:
        semilla.cargar_expedientes_sinteticos(expedientes)
        db.session.commit()
    click.echo(f"Demo cargada en {time.perf_counter() - inicio:.1f} s "
               f"({expedientes} expedientes sintéticos). Usuarios: {', '.join(semilla.USUARIOS_DEMO)}")


@click.command("crear-usuario")
@click.argument("username")
@click.option("--rol", "codigo_rol", required=True, help="Código del rol (admin, mesa_partes, …).")
@click.option("--unidad", "sigla", required=True, help="Sigla de la unidad orgánica.")
@click.option("--nombre", default=None, help="Nombre completo (por defecto, el usuario).")
@click.option("--nombre-unidad", default=None,
              help="Si la unidad no existe, crearla con este nombre (primera instalación).")
@click.password_option("--password", prompt="Contraseña", confirmation_prompt="Repita la contraseña")
@with_appcontext
def crear_usuario(username: str, codigo_rol: str, sigla: str, nombre: str | None, nombre_unidad: str | None,
                  password: str) -> None:
    """Crea un usuario (pide la contraseña dos veces). Crea los roles por defecto si faltan."""
    semilla.asegurar_roles()
    username = username.strip().lower()
    rol = db.session.scalar(sa.select(Rol).where(Rol.codigo == codigo_rol))
    unidad = db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == sigla))
    if rol is None:
        raise click.BadParameter(f"no existe el rol {codigo_rol!r}", param_hint="--rol")
    if unidad is None and nombre_unidad:
        unidad = UnidadOrganica(sigla=sigla, nombre=nombre_unidad, tipo="organo_apoyo")
        db.session.add(unidad)
    if unidad is None:
        raise click.BadParameter(f"no existe la unidad con sigla {sigla!r} (use --nombre-unidad para crearla)",
                                 param_hint="--unidad")
    error = error_clave(password, username)
    if error:
        raise click.BadParameter(error, param_hint="--password")
    if db.session.scalar(sa.select(Usuario.id).where(Usuario.username == username)):
        raise click.ClickException(f"El usuario {username!r} ya existe.")
    u = Usuario(username=username, nombre=nombre or username, rol=rol, unidad=unidad)
    u.set_password(password)
    db.session.add(u)
    db.session.commit()
    click.echo(f"Usuario {username} creado ({rol.nombre}, {unidad.sigla}).")


@click.command("feriados")
@click.option("--anio", type=int, required=True, help="Año (AAAA).")
@with_appcontext
def feriados(anio: int) -> None:
    """Carga los feriados nacionales del Perú de ese año (idempotente) y recalcula plazos."""
    from datetime import date

    from services.calendario import recalcular_plazos

    nuevos = semilla.cargar_feriados(anio)
    if nuevos:
        recalcular_plazos([date(anio, 1, 1)])
    db.session.commit()
    click.echo(f"{nuevos} feriados nuevos para {anio}.")


@click.command("servir")
@with_appcontext
def servir() -> None:
    """Carga la demo si la base está vacía y sirve la aplicación con waitress (make run)."""
    from waitress import serve

    instancia = Path(current_app.instance_path)
    archivo = instancia / "demo_password"
    if not semilla.hay_datos_reales():
        clave = secrets.token_urlsafe(9)
        semilla.cargar_demo(clave)
        semilla.cargar_sesiones_demo()
        semilla.cargar_casilla_demo(clave)
        db.session.commit()
        semilla.cargar_expedientes_sinteticos(int(os.environ.get("EXPEDIENTES_DEMO", "300")))
        db.session.commit()  # una demo con trabajo: bandejas, vencidos, observados y digitales en cada unidad
        archivo.write_text(clave)
        archivo.chmod(0o600)
        click.echo("Base vacía: se cargó la municipalidad demo.")
    from services.calendario import asegurar_feriados

    if asegurar_feriados():  # feriados nacionales del año y del siguiente, siempre
        db.session.commit()
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    click.echo(f"\n  Secretaría General en http://{host}:{port}/")
    if archivo.exists():
        click.echo(f"  Usuarios demo: {', '.join(semilla.USUARIOS_DEMO)}")
        click.echo(f"  Contraseña de todos: {archivo.read_text().strip()}   (guardada en {archivo})")
        click.echo(f"  Casilla electrónica: http://{host}:{port}/casilla/ingresar con DNI "
                   f"{' o '.join(c[0] for c in semilla.CASILLA_DEMO)} y la misma contraseña\n")
    gc.collect()
    gc.freeze()  # lo cargado al arrancar no se vuelve a recorrer en cada colección completa (pausas de 100+ ms)
    serve(current_app._get_current_object(), host=host, port=port, threads=8)


@click.command("tramite-diario")
@with_appcontext
def tramite_diario() -> None:
    """Tarea diaria (cron): feriados nacionales del año y del siguiente (si faltan); observaciones sin subsanar
    en plazo → «no presentado» (expedientes y solicitudes de acceso); normas publicadas cuya fecha de vigencia
    llegó → «vigente»; rehace el resumen de derivaciones atendidas de los reportes de cumplimiento; lista los
    préstamos de cajas del archivo vencidos."""
    from services.calendario import asegurar_feriados
    from services.control import actualizar_resumen
    from services.normas import actualizar_vigencias
    from services.tramite import vencer_observaciones
    from services.transparencia import vencer_observaciones as vencer_solicitudes

    f = asegurar_feriados()
    n = vencer_observaciones()
    s = vencer_solicitudes()
    m = actualizar_vigencias()
    db.session.commit()
    click.echo(f"{f} feriados nacionales cargados; {n} expedientes pasaron a «no presentado»; "
               f"{s} solicitudes de acceso pasaron a «no presentada»; {m} normas entraron en vigencia.")
    r = actualizar_resumen()
    db.session.commit()
    click.echo(f"Resumen de cumplimiento rehecho: {r} grupos de derivaciones atendidas hasta ayer.")
    from services.archivo import prestamos_vencidos

    vencidos = prestamos_vencidos()
    click.echo(f"{len(vencidos)} préstamos de cajas del archivo vencidos.")
    for p in vencidos:
        click.echo(f"  {p.unidad_conservacion.codigo} · {p.unidad_solicitante.sigla} · {p.solicitante} · "
                   f"debía volver el {p.fecha_devolucion_prevista:%d/%m/%Y}")


@click.command("alertas")
@click.option("--dias", default=2, show_default=True, type=click.IntRange(0, 30),
              help="Días hábiles de anticipación para «por vencer».")
@with_appcontext
def alertas(dias: int) -> None:
    """Tarea diaria (cron / Programador de tareas): por unidad, lo vencido y lo que vence pronto (expedientes,
    derivaciones, solicitudes de acceso, notificaciones); con correo configurado, un mensaje al día al jefe de
    cada unidad; siempre, el resumen en pantalla y en la auditoría."""
    from services import alertas as servicio

    c = servicio.ejecutar(dias_aviso=dias, eco=click.echo)
    if not c["unidades"]:
        click.echo("Nada vencido ni por vencer.")
    click.echo(f"Unidades con alertas: {c['unidades']}; correos enviados: {c['correos']}"
               + (f", {c['omitidos']} ya enviados hoy" if c["omitidos"] else "")
               + (f", {c['fallidos']} no enviados" if c["fallidos"] else "") + ".")


@click.command("tabla-roles")
@with_appcontext
def tabla_roles() -> None:
    """Imprime la tabla de roles del README, calculada de los permisos que declara cada pantalla."""
    click.echo(semilla.tabla_roles_markdown())


def init_app(app) -> None:
    for comando in (demo, crear_usuario, feriados, servir, tramite_diario, alertas, tabla_roles):
        app.cli.add_command(comando)
