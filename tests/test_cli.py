"""Comandos de consola (README, «Cómo se hace»): demo y crear-usuario."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import sqlalchemy as sa

from models import ZONA_LIMA, Derivacion, Expediente, Feriado, ProcedimientoTupa, Usuario, db
from tests.conftest import CLAVE, Navegador


def _contar(modelo) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(modelo))


# ------------------------------------------------------------------------------------------- demo
def test_demo_se_niega_si_la_base_tiene_datos(app, runner):
    hash_antes = db.session.scalar(sa.select(Usuario.password_hash).where(Usuario.username == "admin"))
    r = runner.invoke(args=["demo", "--password", "otra-clave-123"])
    assert r.exit_code != 0
    assert "La base ya tiene datos" in r.output and "--force" in r.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Usuario.password_hash).where(Usuario.username == "admin")) == hash_antes
    assert _contar(Expediente) == 0


def test_demo_force_con_expedientes(app, runner, crear_expediente):
    previo = crear_expediente()  # uno real antes de la carga: la numeración debe continuar
    ids_antes = set(db.session.scalars(sa.select(Expediente.id)))

    r = runner.invoke(args=["demo", "--password", "otra-clave-123", "--force", "--expedientes", "300"])
    assert r.exit_code == 0, r.output
    assert "300 expedientes sintéticos" in r.output
    db.session.expire_all()
    # el concejo demo: período vigente, una sesión celebrada con acta y su ordenanza en vigor, y la próxima
    from models import Acta, MiembroConcejo, NormaMunicipal, SesionConcejo

    assert db.session.scalar(sa.select(sa.func.count()).select_from(MiembroConcejo)) == 10
    estados = db.session.scalars(sa.select(SesionConcejo.estado).order_by(SesionConcejo.fecha_hora)).all()
    assert [e.value for e in estados] == ["levantada", "convocada"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Acta)) == 1
    assert db.session.scalar(sa.select(NormaMunicipal.estado)).value == "vigente"

    filas = db.session.execute(sa.select(
        Expediente.id, Expediente.anio, Expediente.numero, Expediente.codigo, Expediente.fecha_recepcion,
        Expediente.fecha_presentacion, Expediente.plazo_dias_habiles, Expediente.fecha_vencimiento,
        Expediente.unidad_actual_id, Expediente.estado, Expediente.silencio_positivo_desde,
        ProcedimientoTupa.silencio).outerjoin(ProcedimientoTupa, ProcedimientoTupa.id == Expediente.procedimiento_id)
    ).all()
    # además de los 300 sintéticos, los trámites de los dos ciudadanos con casilla electrónica de la demo
    from models import Persona
    from services.semilla import CASILLA_DEMO

    de_la_casilla = set(db.session.scalars(sa.select(Expediente.id).join(Expediente.persona).where(
        Persona.numero_documento.in_([c[0] for c in CASILLA_DEMO]))))
    nuevas = [f for f in filas if f.id not in ids_antes and f.id not in de_la_casilla]
    assert len(nuevas) == 300 and len(filas) == len(ids_antes) + 300 + len(de_la_casilla)
    assert len(de_la_casilla) == 3

    # numeración por año: única y sin huecos (1..máximo), el código la refleja
    por_anio = defaultdict(list)
    for f in filas:
        por_anio[f.anio].append(f.numero)
        assert f.codigo == f"EXP-{f.anio}-{f.numero:06d}"
        assert f.fecha_recepcion.astimezone(ZONA_LIMA).year == f.anio
    for anio, numeros in por_anio.items():
        assert sorted(numeros) == list(range(1, len(numeros) + 1)), anio
    assert len({f.codigo for f in filas}) == len(filas)

    # fechas legales coherentes con el calendario de la base (oráculo numpy)
    cal = np.busdaycalendar(holidays=np.array(sorted(db.session.scalars(sa.select(Feriado.fecha))),
                                              dtype="datetime64[D]"))
    for f in nuevas:
        assert f.fecha_presentacion >= f.fecha_recepcion.astimezone(ZONA_LIMA).date()
        assert np.is_busday(np.datetime64(f.fecha_presentacion, "D"), busdaycal=cal), f
        if f.estado.value == "observado":  # observado: sin vencimiento hasta que se subsane (art. 136.3)
            assert f.fecha_vencimiento is None and f.silencio_positivo_desde is None, f
            continue
        esperado = np.busday_offset(np.datetime64(f.fecha_presentacion, "D"), f.plazo_dias_habiles,
                                    roll="backward", busdaycal=cal).astype(object)
        assert f.fecha_vencimiento == esperado >= f.fecha_presentacion, f
        # con silencio positivo, el día siguiente a los 5 días hábiles para notificar (LPAG arts. 24.1 y 199.1)
        if f.silencio is not None and f.silencio.value == "positivo":
            notificar = np.busday_offset(np.datetime64(esperado, "D"), 5, roll="backward", busdaycal=cal)
            assert f.silencio_positivo_desde == (notificar + np.timedelta64(1, "D")).astype(object), f
        else:
            assert f.silencio_positivo_desde is None, f

    # cada expediente sintético tiene derivaciones; la última llega a su unidad actual
    ders = db.session.execute(sa.select(Derivacion.expediente_id, Derivacion.unidad_destino_id)
                              .order_by(Derivacion.expediente_id, Derivacion.fecha_envio, Derivacion.id)).all()
    destino_final = {}
    for exp_id, destino in ders:
        destino_final[exp_id] = destino
    for f in nuevas:
        assert destino_final.get(f.id) == f.unidad_actual_id, f

    # después de la carga el ingreso normal sigue: número siguiente y sin choque de ids (secuencias en PG)
    siguiente = crear_expediente(asunto="Ingreso posterior a la carga")
    assert siguiente.anio == previo.anio
    assert siguiente.numero == max(por_anio[previo.anio]) + 1
    assert siguiente.id > max(f.id for f in filas)

    # la demo puso la clave nueva a los usuarios demo
    admin = db.session.scalar(sa.select(Usuario).where(Usuario.username == "admin"))
    assert admin.check_password("otra-clave-123") and not admin.check_password(CLAVE)


# ------------------------------------------------------------------------------------------- crear-usuario
def test_crear_usuario_y_entrar(app, runner):
    r = runner.invoke(args=["crear-usuario", "Pepe", "--rol", "unidad", "--unidad", "GDU", "--nombre",
                            "José Pérez Ramos"], input="Vidrio-az-71q\nVidrio-az-71q\n")
    assert r.exit_code == 0, r.output
    assert "Usuario pepe creado" in r.output
    assert "Vidrio-az-71q" not in r.output  # la contraseña no se muestra
    db.session.expire_all()
    u = db.session.scalar(sa.select(Usuario).where(Usuario.username == "pepe"))
    assert u is not None
    assert u.password_hash.startswith("scrypt:")
    assert u.rol.codigo == "unidad" and u.unidad.sigla == "GDU" and u.nombre == "José Pérez Ramos"

    n = Navegador(app.test_client())
    r = n.login("pepe", "Vidrio-az-71q")
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
    assert n.get("/admin/").status_code == 200


def test_crear_usuario_claves_distintas(app, runner):
    r = runner.invoke(args=["crear-usuario", "pepe", "--rol", "unidad", "--unidad", "GDU"],
                      input="Vidrio-az-71q\nclave99999\nVidrio-az-71q\nVidrio-az-71q\n")
    # click vuelve a preguntar tras un error de confirmación
    assert r.exit_code == 0, r.output
    assert "Usuario pepe creado" in r.output


def test_crear_usuario_errores(app, runner):
    """Rol o unidad inexistentes, clave corta o usuario repetido: error, código != 0 y nada creado."""
    antes = _contar(Usuario)
    casos = [
        (["pepe", "--rol", "alcalde_supremo", "--unidad", "GDU"], "Vidrio-az-71q\nVidrio-az-71q\n", "no existe el rol"),
        (["pepe", "--rol", "unidad", "--unidad", "XYZ"], "Vidrio-az-71q\nVidrio-az-71q\n", "no existe la unidad"),
        (["pepe", "--rol", "unidad", "--unidad", "GDU"], "corta\ncorta\n", "al menos 10 caracteres"),
        (["admin", "--rol", "unidad", "--unidad", "GDU"], "Vidrio-az-71q\nVidrio-az-71q\n", "ya existe"),
    ]
    for args, entrada, mensaje in casos:
        r = runner.invoke(args=["crear-usuario", *args], input=entrada)
        assert r.exit_code != 0, (args, r.output)
        assert mensaje in r.output, (args, r.output)
    assert "alcalde_supremo" in runner.invoke(args=["crear-usuario", "pepe", "--rol", "alcalde_supremo", "--unidad",
                                                    "GDU"], input="Vidrio-az-71q\nVidrio-az-71q\n").output
    db.session.rollback()
    assert _contar(Usuario) == antes
    assert db.session.scalar(sa.select(Usuario.id).where(Usuario.username == "pepe")) is None


# ------------------------------------------------------------------------------------------- make run y Ctrl+C
def test_ctrl_c_en_make_run_detiene_sin_informar_un_error(tmp_path):
    """`make run` y Ctrl+C en la terminal: el servidor termina bien y `make` no imprime «*** … Interrupt» (la
    terminal manda Ctrl+C a todo el grupo en primer plano; el servidor toma la terminal para él solo)."""
    import os
    import pty
    import select
    import shutil
    import sys
    import time
    from pathlib import Path

    import pytest

    if os.name != "posix" or shutil.which("make") is None:
        pytest.skip("sin make ni terminal POSIX")
    raiz = Path(__file__).resolve().parent.parent
    guion = tmp_path / "servidor.py"
    guion.write_text(f"import sys, time\nsys.path.insert(0, {str(raiz)!r})\nfrom commands import _terminal_propia\n"
                     "devolver = _terminal_propia()\n"
                     # el aviso dentro del try, como `servir` (el Ctrl+C puede llegar mientras se escribe)
                     "try:\n    print('escuchando', flush=True)\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
                     "    pass\nfinally:\n    devolver()\n"
                     "print('detenida', flush=True)\n")
    (tmp_path / "Makefile").write_text(f"run:\n\t{sys.executable} {guion}\n")
    pid, fd = pty.fork()
    if pid == 0:  # el hijo: `make run` en una terminal propia
        os.chdir(tmp_path)
        os.execvp("make", ["make", "-s", "run"])
    salida, enviado, inicio = b"", False, time.monotonic()
    while time.monotonic() - inicio < 60:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                trozo = os.read(fd, 4096)
            except OSError:
                break
            if not trozo:
                break
            salida += trozo
        if not enviado and b"escuchando" in salida:
            os.write(fd, b"\x03")  # Ctrl+C desde el teclado
            enviado = True
    _, estado = os.waitpid(pid, 0)
    texto = salida.decode(errors="replace")
    assert enviado and "detenida" in texto, texto
    assert "Interrupt" not in texto and os.waitstatus_to_exitcode(estado) == 0, texto
