"""Las jornadas largas en un navegador de verdad: una sesión del concejo de principio a fin (crear, agenda, citar,
asistencia, votos, acta), una sesión de comisión (sus dictámenes), el archivo de la serie al préstamo devuelto y
los reportes de control. Cada una cuenta las acciones del usuario como `tests/test_e2e.py` (Contador)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tests.e2e import Contador, ingresar, servir

ACCIONES: dict[str, int] = {}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def servidor(plantilla_sqlite, tmp_path_factory):
    from tests.e2e import exigir_navegador

    exigir_navegador()
    srv, detener = servir(plantilla_sqlite, tmp_path_factory.mktemp("e2e_jornadas"), preparar=_preparar)
    yield srv
    detener()
    print("\nAcciones del usuario por recorrido:", ACCIONES)


def _preparar():
    """Lo que la jornada encuentra hecho: una comisión que ya dictaminó dos expedientes (para la agenda del
    concejo), dos expedientes recibidos en la Secretaría General para la comisión y uno atendido en GDU."""
    from models import (
        ZONA_LIMA,
        Comision,
        Expediente,
        Persona,
        PuntoAgenda,
        SesionConcejo,
        TipoDocumento,
        UnidadOrganica,
        Usuario,
        ahora,
        db,
    )
    from services import concejo
    from services.semilla import cargar_concejo_demo, cargar_expedientes_sinteticos
    from services.tramite import atender, derivar, recibir, registrar_ingreso

    cargar_expedientes_sinteticos(60)
    periodo = cargar_concejo_demo()
    unidad = {u.sigla: u for u in db.session.scalars(sa.select(UnidadOrganica))}
    usuario = {u.username: u for u in db.session.scalars(sa.select(Usuario))}
    persona = Persona(tipo_documento="DNI", numero_documento="40671299", nombres="Marco", apellidos="Ríos Paz")
    tipo = db.session.scalar(sa.select(TipoDocumento).where(TipoDocumento.abreviatura == "SOL"))

    def expediente(asunto: str, destino: str) -> Expediente:
        exp = Expediente(persona=persona, asunto=asunto, folios=4, unidad_actual=unidad["UTD"], tipo_documento=tipo)
        registrar_ingreso(exp)
        db.session.add(exp)
        db.session.flush()
        d = derivar(exp, unidad[destino], "atender", "Para su trámite.", usuario=usuario["mesa_partes"])
        recibir(d, usuario["secretaria_general" if destino == "SG" else "unidad"])
        return exp

    # dos expedientes que la comisión de Desarrollo Urbano ya dictaminó (listos para el concejo)
    comision = db.session.scalar(sa.select(Comision).where(Comision.nombre.like("%Desarrollo Urbano%")))
    pasada = SesionConcejo(periodo=periodo, comision=comision, tipo="ordinaria", lugar="Sala de comisiones",
                           fecha_hora=datetime.combine(ahora().astimezone(ZONA_LIMA).date() - timedelta(days=3),
                                                       time(9), ZONA_LIMA))
    concejo.numerar_sesion(pasada)
    db.session.add(pasada)
    for i, asunto in enumerate(("Propuesta de ordenanza de ornato del centro histórico E2E",
                                "Pedido de donación de terreno para local comunal E2E"), start=1):
        exp = expediente(asunto, "SG")
        pasada.puntos.append(PuntoAgenda(orden=i, titulo=asunto, expediente=exp))
    db.session.flush()
    concejo.registrar_asistencia(pasada, {m.id: ("presente", None) for m in pasada.miembros})
    db.session.flush()
    db.session.expire(pasada, ["asistencias"])
    concejo.instalar(pasada)
    for p in pasada.puntos:
        concejo.votar(p, {m.id: ("favor", None) for m in pasada.miembros})
    pasada.estado = "levantada"
    # dos expedientes recibidos en la Secretaría General que la comisión de Economía dictaminará hoy
    for asunto in ("Modificación presupuestal para el programa de vaso de leche E2E",
                   "Exoneración de arbitrios a comedores populares E2E"):
        expediente(asunto, "SG")
    # uno atendido en GDU, para archivarlo
    exp = expediente("Solicita certificado de numeración para archivar E2E", "GDU")
    atender(exp, usuario["unidad"])


def _select2(u: Contador, campo, valor: str) -> None:
    """Abrir una lista con búsqueda y elegir una opción: dos acciones (se fija el valor por la API de select2)."""
    u.n += 2
    campo.evaluate("(el, v) => { $(el).select2('val', v); $(el).trigger('change'); }", valor)


def _select2_ajax(u: Contador, pagina, campo: str, texto: str) -> None:
    """Lista con búsqueda en el servidor: abrirla, escribir y elegir la primera coincidencia (tres acciones)."""
    u.clic(pagina.locator(f"#s2id_{campo}"))
    u.teclear(texto)
    pagina.locator(".select2-result-label", has_text=texto).first.wait_for()
    u.tecla("Enter")


def _ahora_lima():
    from models import ZONA_LIMA

    return datetime.now(ZONA_LIMA).replace(second=0, microsecond=0)


def _menu(u: Contador, pagina, categoria: str, href: str) -> None:
    u.clic(pagina.locator(".navbar .dropdown-toggle", has_text=re.compile(f"^\\s*{categoria}\\s*$")))
    u.clic_y_esperar(pagina.locator(f'.navbar a[href="{href}"]'))


def _guardar(u: Contador, pagina, boton: str = "Guardar") -> None:
    u.clic_y_esperar(pagina.locator(f"input[type=submit][value='{boton}'], button:text-is('{boton}')").first)


def test_sesion_del_concejo_de_principio_a_fin(servidor, pagina, bd, tmp_path):
    """Crear la sesión, armar la agenda (dos dictámenes y un pedido), citar con cargo, asistencia, instalar, votar
    los tres puntos, levantar y descargar el acta en Word."""
    from models import Dictamen, SesionConcejo

    dictamenes = bd.session.scalars(sa.select(Dictamen).order_by(Dictamen.id)).all()
    assert len(dictamenes) == 2
    ingresar(pagina, servidor, "secretaria_general")
    u = Contador(pagina)
    _menu(u, pagina, "Concejo", "/admin/sesion_concejo/")
    u.clic_y_esperar(pagina.get_by_role("link", name="Crear", exact=True))
    u.escribir(pagina.locator("#fecha_hora"), f"{_ahora_lima() - timedelta(minutes=1):%d/%m/%Y %H:%M}")
    u.escribir(pagina.locator("#lugar"), "Salón consistorial E2E")
    _guardar(u, pagina)
    pagina.wait_for_url(re.compile(r".*/conducir/.*"))
    sesion_id = int(re.search(r"id=(\d+)", pagina.url).group(1))

    # la agenda: los dos dictámenes que esperan al concejo (con su materia) y un pedido escrito ahí mismo
    agenda = pagina.locator("#agregar-a-la-agenda")
    for d, materia in zip(dictamenes, ("ordenanza", "bienes_municipales"), strict=True):
        u.clic(agenda.locator(f"input[value='d-{d.id}']"))
        u.elegir(agenda.locator(f"select[name='materia_d-{d.id}']"), materia)
    u.escribir(agenda.locator("#titulo_nuevo"), "Pedido de informe sobre el mercado municipal")
    u.clic_y_esperar(agenda.get_by_role("button", name="Agregar a la agenda"))
    assert "3 puntos agregados a la agenda." in pagina.locator(".alert").first.inner_text()
    puntos = [1, 2, 3]

    u.clic_y_esperar(pagina.get_by_role("button", name="Generar citaciones"))
    u.clic_y_esperar(pagina.get_by_role("button", name=re.compile("Registrar cargo de todas")))
    u.clic(pagina.get_by_role("button", name="Todos presentes"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Guardar asistencia"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Instalar la sesión"))
    for _ in puntos:
        tarjeta = pagina.locator(".card", has=pagina.get_by_role("button", name="Registrar votación")).first
        u.clic(tarjeta.get_by_role("button", name="Todos a favor"))
        u.clic_y_esperar(tarjeta.get_by_role("button", name="Registrar votación"))
    votacion = pagina.locator("#votacion ~ .card").first.inner_text()
    assert "→ Aprobado" in votacion and "Aprobado Aprobado" not in votacion  # un solo resultado por punto
    u.clic_y_esperar(pagina.get_by_role("button", name="Levantar la sesión"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Generar borrador"))
    with pagina.expect_download() as descarga:
        u.clic(pagina.get_by_role("link", name="Word"))
    descarga.value.save_as(tmp_path / "acta.docx")
    ACCIONES["sesión del concejo de principio a fin"] = u.n

    bd.session.expire_all()
    sesion = bd.session.get(SesionConcejo, sesion_id)
    assert sesion.estado.value == "levantada" and sesion.acta is not None
    assert [p.resultado.value for p in sesion.puntos] == ["aprobado"] * 3
    assert {p.dictamen_id for p in sesion.puntos} == {d.id for d in dictamenes} | {None}
    assert all(c.fecha_recepcion for c in sesion.citaciones) and len(sesion.citaciones) == 10


def test_sesion_de_comision_y_sus_dictamenes(servidor, pagina, bd):
    """La comisión de Economía sesiona hoy sobre dos expedientes de la Secretaría General: cada punto votado queda
    como dictamen."""
    from models import Dictamen, Expediente, SesionConcejo

    ingresar(pagina, servidor, "secretaria_general")
    u = Contador(pagina)
    _menu(u, pagina, "Concejo", "/admin/sesion_comision/")
    u.clic_y_esperar(pagina.get_by_role("link", name="Crear", exact=True))
    comision = pagina.locator("#comision option", has_text="Economía").get_attribute("value")
    _select2(u, pagina.locator("#comision"), comision)
    u.escribir(pagina.locator("#fecha_hora"), f"{_ahora_lima() - timedelta(minutes=1):%d/%m/%Y %H:%M}")
    _guardar(u, pagina)
    pagina.wait_for_url(re.compile(r".*/conducir/.*"))
    sesion_id = int(re.search(r"id=(\d+)", pagina.url).group(1))
    asuntos = ["vaso de leche", "comedores populares"]
    # la agenda: los dos expedientes que la Secretaría General tiene para la comisión, marcados en la lista
    agenda = pagina.locator("#agregar-a-la-agenda")
    for asunto in asuntos:
        u.clic(agenda.locator("tr", has=pagina.locator(f"input[value*='{asunto}']")).locator("input[name=listo]"))
    u.clic_y_esperar(agenda.get_by_role("button", name="Agregar a la agenda"))
    assert "2 puntos agregados a la agenda." in pagina.locator(".alert").first.inner_text()
    u.clic_y_esperar(pagina.get_by_role("button", name="Generar citaciones"))
    u.clic_y_esperar(pagina.get_by_role("button", name=re.compile("Registrar cargo de todas")))
    u.clic(pagina.get_by_role("button", name="Todos presentes"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Guardar asistencia"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Instalar la sesión"))
    for _ in asuntos:
        tarjeta = pagina.locator(".card", has=pagina.get_by_role("button", name="Registrar votación")).first
        u.clic(tarjeta.get_by_role("button", name="Todos a favor"))
        u.clic_y_esperar(tarjeta.get_by_role("button", name="Registrar votación"))
    u.clic_y_esperar(pagina.get_by_role("button", name="Levantar la sesión"))
    ACCIONES["sesión de comisión"] = u.n

    bd.session.expire_all()
    sesion = bd.session.get(SesionConcejo, sesion_id)
    assert sesion.estado.value == "levantada" and sesion.comision.nombre.endswith("Economía y Presupuesto")
    dictamenes = bd.session.scalars(sa.select(Dictamen).join(Dictamen.punto).where(
        Dictamen.punto.has(sesion_id=sesion_id))).all()
    assert len(dictamenes) == 2 and all(d.sentido.value == "favorable" for d in dictamenes)
    assert {d.expediente.asunto for d in dictamenes} == set(bd.session.scalars(sa.select(Expediente.asunto).where(
        sa.or_(*(Expediente.asunto.like(f"%{a} E2E") for a in asuntos)))))


def test_archivo_de_la_serie_al_prestamo_devuelto(servidor, navegador, bd):
    """El archivo crea la serie y el estante; la unidad archiva su expediente en una caja nueva y la transfiere; el
    archivo la recibe y ubica, la presta y registra la devolución."""
    from models import Expediente, Prestamo

    def pagina_de(usuario):
        ctx = navegador.new_context(locale="es-PE", timezone_id="America/Lima", viewport={"width": 1366,
                                                                                            "height": 768})
        p = ctx.new_page()
        p.on("dialog", lambda d: d.accept())
        p.set_default_timeout(15_000)
        ingresar(p, servidor, usuario)
        return p

    hoy = _ahora_lima().date()
    archivo = pagina_de("archivo")
    u = Contador(archivo)
    # 1. la serie documental (Programa de Control de Documentos)
    _menu(u, archivo, "Archivo", "/admin/serie_documental/")
    u.clic_y_esperar(archivo.get_by_role("link", name="Crear", exact=True))
    u.escribir(archivo.locator("#codigo"), "GDU-E2E")
    u.escribir(archivo.locator("#nombre"), "Certificados de numeración")
    _select2_ajax(u, archivo, "unidad", "GDU")
    u.escribir(archivo.locator("#retencion_gestion_anios"), "2")
    u.escribir(archivo.locator("#retencion_central_anios"), "8")
    _guardar(u, archivo)
    # 2. dos niveles de un estante: el segundo repite depósito, ambiente, estante, cuerpo y capacidad
    _menu(u, archivo, "Archivo", "/admin/ubicacion/")
    u.clic_y_esperar(archivo.get_by_role("link", name="Crear", exact=True))
    for campo, valor in (("deposito", "9"), ("ambiente", "1"), ("estante", "1"), ("cuerpo", "1"), ("nivel", "1"),
                         ("capacidad", "12")):
        u.escribir(archivo.locator(f"#{campo}"), valor)
    _guardar(u, archivo, "Guardar y agregar otro")
    assert archivo.locator("#estante").input_value() == "1" and archivo.locator("#nivel").input_value() == ""
    u.escribir(archivo.locator("#nivel"), "2")
    _guardar(u, archivo)

    # 3. la unidad archiva su expediente atendido en una caja nueva de la serie y transfiere la caja
    unidad = pagina_de("unidad")
    u.page = unidad
    exp = bd.session.scalar(sa.select(Expediente).where(Expediente.asunto.like("%para archivar E2E")))
    _menu(u, unidad, "Trámite", "/admin/expediente/")
    u.escribir(unidad.locator("input[name=search]"), exp.codigo)
    with unidad.expect_navigation():
        u.tecla("Enter")
    u.clic_y_esperar(unidad.locator("tbody tr", has_text=exp.codigo).get_by_role("link", name=exp.codigo))
    nueva = unidad.locator("#caja option", has_text="Caja nueva · GDU-E2E").get_attribute("value")
    u.elegir(unidad.locator("#caja"), nueva)
    u.clic_y_esperar(unidad.get_by_role("button", name="Archivar"))
    bd.session.expire_all()
    codigo_caja = bd.session.get(Expediente, exp.id).unidad_conservacion.codigo
    _menu(u, unidad, "Archivo", "/admin/unidad_conservacion/")
    u.clic(unidad.locator("tbody tr", has_text=codigo_caja).locator("input.action-checkbox"))
    u.clic(unidad.get_by_role("button", name="Con seleccionados"))
    u.clic_y_esperar(unidad.get_by_role("link", name="Transferir al archivo central"))
    assert "programada con 1 caja" in unidad.locator(".alert").first.inner_text()

    # 4. el archivo la recibe (la ubicación viene propuesta), la presta desde ahí y registra su devolución
    u.page = archivo
    _menu(u, archivo, "Archivo", "/admin/transferencia/")
    u.clic_y_esperar(archivo.locator("tbody tr", has_text="Programada").first.locator("a[title='Recibir u observar']"))
    assert archivo.locator("select[name^=ubicacion_] option:checked").first.inner_text().startswith("D9-A1-E01-C1-N1")
    u.clic_y_esperar(archivo.get_by_role("button", name="Recibir y ubicar"))
    assert "recibida; 1 cajas ubicadas" in archivo.locator(".alert").first.inner_text()
    u.clic_y_esperar(archivo.locator("#cajas-recibidas tr", has_text=codigo_caja).get_by_role("link", name="Prestar"))
    u.escribir(archivo.locator("#solicitante"), "Carlos Díaz Ramos")
    _guardar(u, archivo)
    fila = archivo.locator("tbody tr", has_text=codigo_caja)
    u.clic(fila.locator("input.action-checkbox"))
    u.clic(archivo.get_by_role("button", name="Con seleccionados"))
    u.clic_y_esperar(archivo.get_by_role("link", name="Devuelta hoy"))
    ACCIONES["archivo: de la serie al préstamo devuelto"] = u.n

    bd.session.expire_all()
    exp = bd.session.get(Expediente, exp.id)
    assert exp.estado.value == "archivado" and exp.unidad_conservacion.codigo == codigo_caja
    caja = exp.unidad_conservacion
    assert caja.estado.value == "en_archivo" and caja.ubicacion.codigo == "D9-A1-E01-C1-N1"
    prestamo = bd.session.scalar(sa.select(Prestamo).where(Prestamo.unidad_conservacion_id == caja.id))
    assert prestamo.fecha_devolucion == hoy
    for p in (archivo, unidad):
        p.context.close()


def test_reportes_de_control(servidor, pagina, tmp_path):
    """La Secretaría General revisa el cumplimiento de plazos del mes, abre lo vencido de una unidad y descarga el
    Excel con gráficos; luego el flujo documentario del año."""
    import openpyxl

    hoy = _ahora_lima().date()
    ingresar(pagina, servidor, "secretaria_general")
    u = Contador(pagina)
    _menu(u, pagina, "Control", "/admin/reporte_cumplimiento/")
    u.escribir(pagina.locator("[name=desde]"), f"{hoy.replace(day=1):%d/%m/%Y}")
    u.escribir(pagina.locator("[name=hasta]"), f"{hoy:%d/%m/%Y}")
    u.clic_y_esperar(pagina.get_by_role("button", name="Ver", exact=True))
    assert f"del {hoy.replace(day=1):%d/%m/%Y} al {hoy:%d/%m/%Y}" in pagina.locator("body").inner_text()
    with pagina.expect_download() as descarga:
        u.clic(pagina.get_by_role("link", name=re.compile("Excel")).first)
    ruta = tmp_path / "cumplimiento.xlsx"
    descarga.value.save_as(ruta)
    assert "Portada" in openpyxl.load_workbook(ruta).sheetnames
    _menu(u, pagina, "Control", "/admin/reporte_flujo/")
    assert "Flujo" in pagina.locator("body").inner_text()
    ACCIONES["reportes de control"] = u.n
