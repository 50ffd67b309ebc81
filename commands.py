"""Comandos de consola (`flask --app app …`): demo, crear-usuario, feriados, servir, tramite-diario, alertas,
firma-demo, respaldo, restaurar, archivos (migrar, verificar)."""

from __future__ import annotations

import gc
import os
import secrets
import signal
import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from models import ErrorDeRegla, Rol, UnidadOrganica, Usuario, db
from services import archivos, escribir_privado, registro, semilla, tareas
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
    """Carga los feriados nacionales del Perú de ese año (idempotente); los plazos se recalculan al guardarlos."""
    nuevos = semilla.cargar_feriados(anio)
    db.session.commit()
    click.echo(f"{nuevos} feriados nuevos para {anio}.")


@click.command("servir")
@click.option("--sin-demo", is_flag=True, help="Producción: no carga la demo aunque la base esté vacía.")
@click.option("--hilos", default=8, show_default=True, type=click.IntRange(1, 64), help="Hilos de waitress.")
@with_appcontext
def servir(sin_demo: bool, hilos: int) -> None:
    """Carga la demo si la base está vacía (salvo --sin-demo) y sirve la aplicación con waitress (make run; en
    producción, la unidad de systemd de docs/despliegue.md)."""
    from waitress import serve

    instancia = Path(current_app.instance_path)
    archivo = instancia / "demo_password"
    if not sin_demo and not semilla.hay_datos_reales():
        from services.demo import cargar_demo_viva, cargar_expedir_demo

        clave = secrets.token_urlsafe(9)
        click.echo("Base vacía: cargando la municipalidad demo (unos meses de trabajo, con las reglas de siempre)…")
        semilla.cargar_demo(clave)
        semilla.cargar_casilla_demo(clave)  # dos ciudadanos con casilla electrónica
        db.session.commit()
        # una demo con trabajo en cada módulo, hecha con los servicios: bandejas, vencidos, observados, digitales,
        # documentos y notificaciones, transparencia, fedatario, archivo, concejo y normas (services/demo.py)
        cuenta = cargar_demo_viva(int(os.environ.get("EXPEDIENTES_DEMO", "300")))
        # Expedir: la PKI demo en instance/ y documentos firmados y por firmar (la contraseña de los .p12 es esta)
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
        cuenta.update(cargar_expedir_demo(clave, f"http://{host}:{port}/"))
        escribir_privado(archivo, clave.encode())
        click.echo("Municipalidad demo cargada: " + ", ".join(f"{n} {que}" for que, n in cuenta.items()) + ".")
    from services.calendario import asegurar_feriados

    if asegurar_feriados():  # feriados nacionales del año y del siguiente, siempre
        db.session.commit()
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    click.echo(f"\n  Secretaría General en http://{host}:{port}/")
    if archivo.exists():
        click.echo(f"  Usuarios demo: {', '.join(semilla.USUARIOS_DEMO)}")
        click.echo(f"  Contraseña de todos: {archivo.read_text().strip()}   (guardada en {archivo})")
        click.echo(f"  Casilla electrónica: http://{host}:{port}/casilla/ingresar con DNI "
                   f"{' o '.join(c[0] for c in semilla.CASILLA_DEMO)} y la misma contraseña")
        click.echo(f"  Firma digital: certificados demo (sin validez) en {instancia / 'firma_demo'}, uno por usuario "
                   "(<usuario>.p12), con la misma contraseña\n")
    click.echo("  Para detenerla: Ctrl+C\n")
    gc.collect()
    gc.freeze()  # lo cargado al arrancar no se vuelve a recorrer en cada colección completa (pausas de 100+ ms)
    devolver_terminal = _terminal_propia()
    try:
        serve(current_app._get_current_object(), host=host, port=port, threads=hilos)
    except KeyboardInterrupt:
        pass
    finally:
        devolver_terminal()
    click.echo("Secretaría detenida.")


def _terminal_propia():
    """Ctrl+C detiene el servidor sin que `make run` lo informe como un error («make: *** [run] Interrupt»).

    La terminal envía Ctrl+C a todo el grupo de procesos en primer plano, `make` incluido; así que el servidor
    pasa a un grupo propio y toma la terminal: Ctrl+C le llega solo a él, termina con código 0 y devuelve la
    terminal al grupo de `make`. Fuera de una terminal (servicio, Windows) no hace nada. Devuelve la función
    que devuelve la terminal."""
    if os.name != "posix" or not sys.stdin.isatty():
        return lambda: None
    try:
        original = os.tcgetpgrp(sys.stdin.fileno())
        if original != os.getpgrp():
            return lambda: None  # en segundo plano: la terminal no es nuestra
        os.setpgid(0, 0)
        _en_primer_plano(os.getpgrp())
    except OSError:
        return lambda: None
    return lambda: _en_primer_plano(original)


def _en_primer_plano(grupo: int) -> None:
    anterior = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # un grupo en segundo plano puede tomar la terminal
    try:
        os.tcsetpgrp(sys.stdin.fileno(), grupo)
    except OSError:
        pass
    finally:
        signal.signal(signal.SIGTTOU, anterior)


OPCION_DIARIA = click.option(
    "--diaria", is_flag=True,
    help="Corrida programada (temporizador o cron de cada nodo): si la tarea ya se hizo hoy, no hace nada.")


def _exclusiva(nombre: str, diaria: bool, cuerpo) -> None:
    """Corre `cuerpo(r)` una sola vez entre todos los nodos (services/tareas.py) y deja una línea JSON de la corrida;
    si otra corrida está en curso o (con --diaria) ya se hizo hoy, lo dice y termina sin error."""
    with registro.tarea(nombre, diaria=diaria) as r:
        try:
            with tareas.exclusiva(nombre, diaria=diaria):
                cuerpo(r)
        except tareas.TareaOmitida as e:
            r["resultado"], r["motivo"] = "omitida", str(e)
            click.echo(str(e))


@click.command("tramite-diario")
@OPCION_DIARIA
@with_appcontext
def tramite_diario(diaria: bool) -> None:
    """Tarea diaria (cron): feriados nacionales del año y del siguiente (si faltan); observaciones sin subsanar
    en plazo → «no presentado» (expedientes y solicitudes de acceso); normas publicadas cuya fecha de vigencia
    llegó → «vigente»; rehace el resumen de derivaciones atendidas de los reportes de cumplimiento; lista los
    préstamos de cajas del archivo vencidos. Con varios nodos corre en uno solo (bloqueo consultivo)."""
    from services.archivo import prestamos_vencidos
    from services.calendario import asegurar_feriados
    from services.control import actualizar_resumen
    from services.normas import actualizar_vigencias
    from services.tramite import vencer_observaciones
    from services.transparencia import vencer_observaciones as vencer_solicitudes

    def cuerpo(r):
        f = asegurar_feriados()
        n = vencer_observaciones()
        s = vencer_solicitudes()
        m = actualizar_vigencias()
        db.session.commit()
        click.echo(f"{f} feriados nacionales cargados; {n} expedientes pasaron a «no presentado»; "
                   f"{s} solicitudes de acceso pasaron a «no presentada»; {m} normas entraron en vigencia.")
        resumen = actualizar_resumen()
        db.session.commit()
        click.echo(f"Resumen de cumplimiento rehecho: {resumen} grupos de derivaciones atendidas hasta ayer.")
        vencidos = prestamos_vencidos()
        click.echo(f"{len(vencidos)} préstamos de cajas del archivo vencidos.")
        for p in vencidos:
            click.echo(f"  {p.unidad_conservacion.codigo} · {p.unidad_solicitante.sigla} · {p.solicitante} · "
                       f"debía volver el {p.fecha_devolucion_prevista:%d/%m/%Y}")
        r.update(feriados=f, no_presentados=n, solicitudes_no_presentadas=s, normas_vigentes=m, grupos_resumen=resumen,
                 prestamos_vencidos=len(vencidos))

    _exclusiva("tramite-diario", diaria, cuerpo)


@click.command("alertas")
@click.option("--dias", default=2, show_default=True, type=click.IntRange(0, 30),
              help="Días hábiles de anticipación para «por vencer».")
@OPCION_DIARIA
@with_appcontext
def alertas(dias: int, diaria: bool) -> None:
    """Tarea diaria (cron / Programador de tareas): por unidad, lo vencido y lo que vence pronto (expedientes,
    derivaciones, solicitudes de acceso, notificaciones); con correo configurado, un mensaje al día al jefe de
    cada unidad; siempre, el resumen en pantalla y en la auditoría. Con varios nodos corre en uno solo."""
    from services import alertas as servicio

    def cuerpo(r):
        c = servicio.ejecutar(dias_aviso=dias, eco=click.echo)
        if not c["unidades"]:
            click.echo("Nada vencido ni por vencer.")
        click.echo(f"Unidades con alertas: {c['unidades']}; correos enviados: {c['correos']}"
                   + (f", {c['omitidos']} ya enviados hoy" if c["omitidos"] else "")
                   + (f", {c['fallidos']} no enviados" if c["fallidos"] else "") + ".")
        r.update(unidades=c["unidades"], correos=c["correos"], correos_fallidos=c["fallidos"])

    _exclusiva("alertas", diaria, cuerpo)


@click.command("respaldo")
@click.argument("destino", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def respaldo(destino: Path) -> None:
    """Respaldo completo en la carpeta DESTINO (nueva o vacía): la base (pg_dump o copia de SQLite) y cada archivo,
    con un manifiesto de filas por tabla y SHA-256 por archivo."""
    from services.respaldo import ErrorRespaldo, respaldar

    with registro.tarea("respaldo", destino=str(destino)) as r:
        try:
            m = respaldar(destino, eco=click.echo)
        except ErrorRespaldo as e:
            raise click.ClickException(str(e)) from e
        r.update(filas=sum(m["tablas"].values()), archivos=len(m["archivos"]), faltan=len(m["faltan"]))
        if m["faltan"]:
            raise click.ClickException(f"{len(m['faltan'])} archivos que usa la base no estaban en el almacén "
                                       "(el respaldo quedó escrito; revise con `flask archivos verificar`).")


@click.command("restaurar")
@click.argument("origen", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restaurar(origen: Path) -> None:
    """Restaura el respaldo ORIGEN en una base vacía (DATABASE_URL) y en el almacén (ARCHIVOS_URL / ADJUNTOS_DIR) y
    compara cada tabla (filas) y cada archivo (SHA-256) con el manifiesto."""
    from services.respaldo import ErrorRespaldo
    from services.respaldo import restaurar as restaurar_respaldo

    with registro.tarea("restaurar", origen=str(origen)) as r:
        try:
            resultado = restaurar_respaldo(origen, eco=click.echo)
        except ErrorRespaldo as e:
            raise click.ClickException(str(e)) from e
        r.update(tablas=len(resultado["tablas"]), archivos=resultado["archivos"])


@click.group("archivos")
def archivos_cli() -> None:
    """Almacén de archivos (ARCHIVOS_URL): mudarlo de la carpeta a un bucket S3 y verificarlo."""


@archivos_cli.command("migrar")
@click.argument("destino")
@click.option("--origen", default=None, help="Carpeta o URL de origen (por defecto, el almacén configurado).")
@with_appcontext
def archivos_migrar(destino: str, origen: str | None) -> None:
    """Copia cada archivo al almacén DESTINO (`s3://bucket/prefijo`), comprobando su SHA-256 al leerlo y al releerlo
    del destino, y luego que estén todos los que nombra la base. Se puede repetir: lo ya copiado se comprueba."""
    fuente = archivos.crear_almacen(origen, None) if origen else archivos.almacen()
    meta = archivos.crear_almacen(destino, None)
    with registro.tarea("archivos-migrar", origen=fuente.descripcion, destino=meta.descripcion) as r:
        meta.comprobar()
        click.echo(f"{fuente.descripcion} → {meta.descripcion}")
        copiados, estaban, errores = archivos.copiar_todo(fuente, meta, eco=click.echo)
        faltan = sorted(c for c in archivos.claves_en_uso() if not meta.existe(c))
        r.update(copiados=copiados, ya_estaban=estaban, errores=len(errores), faltan=len(faltan))
        click.echo(f"{copiados} copiados y {estaban} que ya estaban, todos con su SHA-256 comprobado en el destino.")
        for e in errores[:50]:
            click.echo(f"  ERROR {e}")
        for c in faltan[:50]:
            click.echo(f"  FALTA {c} (lo usa la base y no está en el destino)")
        if errores or faltan:
            raise click.ClickException(f"{len(errores)} errores y {len(faltan)} archivos faltantes: no cambie "
                                       "ARCHIVOS_URL todavía.")
        click.echo(f"Listo. Configure ARCHIVOS_URL={destino} en cada nodo y reinícielos uno por uno.")


@archivos_cli.command("verificar")
@click.option("--sin-leer", is_flag=True, help="Solo la lista (no lee el contenido para calcular su SHA-256).")
@click.option("--borrar-huerfanos", is_flag=True,
              help="Borra los archivos que ninguna fila usa y tienen más de un día (altas que fallaron al confirmar).")
@with_appcontext
def archivos_verificar(sin_leer: bool, borrar_huerfanos: bool) -> None:
    """Cada archivo del almacén contra su SHA-256 y contra la base: faltantes, alterados y huérfanos."""
    with registro.tarea("archivos-verificar") as r:
        rev = archivos.verificar(leer_contenido=not sin_leer)
        r.update(revisados=rev.revisados, faltan=len(rev.faltan), alterados=len(rev.alterados),
                 huerfanos=len(rev.huerfanos))
        click.echo(f"{rev.revisados} archivos en {archivos.almacen().descripcion}; {len(rev.faltan)} faltan, "
                   f"{len(rev.alterados)} alterados, {len(rev.huerfanos)} sin fila que los use.")
        for c in rev.faltan[:50]:
            click.echo(f"  FALTA {c}")
        for c in rev.alterados[:50]:
            click.echo(f"  ALTERADO {c}")
        borrados = 0
        if borrar_huerfanos:
            for c in rev.huerfanos:
                try:
                    archivos.borrar_huerfano(c)
                    borrados += 1
                except ErrorDeRegla as e:
                    click.echo(f"  {c}: {e}")
            click.echo(f"{borrados} huérfanos borrados.")
        r["huerfanos_borrados"] = borrados
        if rev.faltan or rev.alterados:
            raise click.ClickException("Hay archivos faltantes o alterados: restáurelos desde el último respaldo.")


@click.command("tabla-roles")
@click.option("--readme", "en_readme", is_flag=True, help="Reescribe la tabla en README.md en vez de imprimirla.")
@with_appcontext
def tabla_roles(en_readme: bool) -> None:
    """Imprime la tabla de roles del README, calculada de los permisos que declara cada pantalla; con `--readme`
    (o `make readme`), la reescribe en README.md."""
    tabla = semilla.tabla_roles_markdown()
    if not en_readme:
        click.echo(tabla)
        return
    readme = Path(current_app.root_path) / "README.md"
    lineas = readme.read_text(encoding="utf-8").split("\n")
    inicio = lineas.index(tabla.split("\n")[0])
    fin = next((i for i in range(inicio, len(lineas)) if not lineas[i].startswith("|")), len(lineas))
    readme.write_text("\n".join([*lineas[:inicio], tabla, *lineas[fin:]]), encoding="utf-8")
    click.echo(f"Tabla de roles reescrita en {readme}.")


@click.command("firma-demo")
@click.option("--password", required=True, help="Contraseña de los certificados (la de los usuarios demo).")
@with_appcontext
def firma_demo(password: str) -> None:
    """Certificados de firma de la demo («DEMO – SIN VALIDEZ»): una CA y un PKCS#12 por usuario demo en
    instance/firma_demo, con la contraseña dada; la CA queda entre las raíces de FIRMA_RAICES_DIR. Idempotente."""
    from services.firma_digital import generar_pki_demo

    rutas = generar_pki_demo(password, {u: nombre for u, (nombre, _) in semilla.USUARIOS_DEMO.items()})
    carpeta = next(iter(rutas.values())).parent
    click.echo(f"{len(rutas)} certificados demo (sin validez legal) en {carpeta}; la CA demo en "
               f"{current_app.config['FIRMA_RAICES_DIR']}.")


def init_app(app) -> None:
    for comando in (demo, crear_usuario, feriados, servir, tramite_diario, alertas, tabla_roles, firma_demo, respaldo,
                    restaurar, archivos_cli):
        app.cli.add_command(comando)
