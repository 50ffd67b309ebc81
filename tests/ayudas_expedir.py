"""Ayudas de las pruebas de Expedir (redacción, V° B°, firma): usuarios con su certificado de prueba, el formulario
de redacción por HTTP y los POST con archivo (armados en memoria)."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import Redaccion, Rol, TipoDocumento, UnidadOrganica, Usuario, db
from tests.conftest import CLAVE, id_de
from tests.pki_prueba import CA, CLAVE_P12

# usuario → (nombre, unidad, rol, cargo, DNI); «unidad» (Carlos Díaz, GDU) ya viene en la demo
PERSONAS = {
    "unidad": ("Carlos Díaz Ramos", "GDU", "unidad", "Especialista en Desarrollo Urbano", None),
    "asesor": ("Andrés Calle Rey", "OAJ", "unidad", "Jefe de la Oficina de Asesoría Jurídica", None),
    "gerente": ("Elena Ramos Soto", "GDU", "unidad", "Gerente de Desarrollo Urbano", "40000021"),
    "secretaria_general": ("Rosa Quispe Mamani", "SG", "secretaria_general", "Secretaria General", None),
    "gat": ("Walter Cárdenas Lino", "GAT", "unidad", "Gerente de Administración Tributaria", None),
}


class Pki:
    """Una CA de confianza (en FIRMA_RAICES_DIR) y otra ajena; un .p12 por persona y los malos."""

    def __init__(self):
        self.ca, self.ajena = CA.nueva("CA de confianza de prueba"), CA.nueva("CA ajena")
        self.p12 = {u: self.ca.emitir(n, dni) for u, (n, _, _, _, dni) in PERSONAS.items()}
        self.vencido = self.ca.emitir("Elena Ramos Soto", "40000021", desde=-400, hasta=-2)
        self.sin_no_repudio = self.ca.emitir("Elena Ramos Soto", "40000021", no_repudio=False)
        self.ajeno = self.ajena.emitir("Elena Ramos Soto", "40000021")


def preparar_personas(app, pki: Pki, raices) -> None:
    """Los usuarios de PERSONAS (los que faltan) con su cargo y DNI; la CA de prueba como raíz de confianza."""
    raices.mkdir(exist_ok=True)
    (raices / "ca.pem").write_bytes(pki.ca.pem)
    app.config["FIRMA_RAICES_DIR"] = str(raices)
    for username, (nombre, sigla, rol, cargo, dni) in PERSONAS.items():
        u = db.session.scalar(sa.select(Usuario).where(Usuario.username == username))
        if u is None:
            u = Usuario(username=username, nombre=nombre,
                        rol=db.session.scalar(sa.select(Rol).where(Rol.codigo == rol)),
                        unidad=db.session.scalar(sa.select(UnidadOrganica).where(UnidadOrganica.sigla == sigla)))
            u.set_password(CLAVE)
            db.session.add(u)
        u.cargo, u.dni = cargo, dni
    db.session.commit()


def post_con_archivos(nav, url: str, datos: dict, archivos: dict[str, tuple[bytes, str]]):
    """POST multipart armado en memoria (el cliente de pruebas dejaría un temporal abierto), con el token CSRF."""
    datos = {"csrf_token": nav.token, **datos}
    for campo, (contenido, nombre) in archivos.items():
        datos[campo] = FileStorage(io.BytesIO(contenido), filename=nombre)
    limite, cuerpo = encode_multipart(datos)
    return nav.c.post(url, data=cuerpo, content_type=f"multipart/form-data; boundary={limite}")


def redactar(nav, *, revisores=("unidad", "asesor"), firmante="gerente", destino="GAT", tipo="Memorando",
             asunto="Remite propuesta de ordenanza de ornato", anexo: bytes | None = None, **extra):
    """POST del formulario de redacción (nombres de campo = atributos; revisores en línea, en su orden)."""
    datos = {"tipo_documento": str(id_de(TipoDocumento, nombre=tipo)), "expediente": "",
             "unidad_destino": str(id_de(UnidadOrganica, sigla=destino)) if destino else "",
             "destinatario": "WALTER CÁRDENAS LINO\nGerente de Administración Tributaria",
             "referencia": "Informe N° 012-2026-GDU", "asunto": asunto,
             "cuerpo": "<div>Me dirijo a usted para <strong>remitirle</strong> la propuesta.</div>"
                       "<ul><li>Primero</li><li>Segundo</li></ul><script>alert(1)</script>",
             "cc": "Archivo\nGerencia Municipal", "firmante": str(id_de(Usuario, username=firmante))}
    for i, u in enumerate(revisores):
        datos[f"revisores-{i}-usuario"] = str(id_de(Usuario, username=u))
    datos.update(extra)
    archivos = {"anexo": (anexo, "anexo.pdf")} if anexo is not None else {}
    return post_con_archivos(nav, "/admin/redaccion/new/", datos, archivos)


def ultima_redaccion() -> Redaccion:
    db.session.expire_all()
    return db.session.scalar(sa.select(Redaccion).order_by(Redaccion.id.desc()).limit(1))


def actuar(nav, rid: int, p12: bytes, clave: str = CLAVE_P12):
    """Doy V° B° / Firmar desde la ficha del proyecto, con el .p12 y su contraseña."""
    return post_con_archivos(nav, f"/admin/redaccion/actuar/?id={rid}", {"clave": clave},
                             {"certificado": (p12, "firma.p12")})


def avisos(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m)).strip()
            for m in re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)]
