"""Benchmark de expedir (issue 26): PDF de un documento de 2 páginas, una firma, un lote de 50 y la verificación.

Pasos, en una sola corrida (no hace falta base de datos: el motor no la usa):

  1. Una app con carpetas temporales, la PKI demo («DEMO – SIN VALIDEZ») en una carpeta temporal y un memorando con
     2 vistos buenos y cuerpo de 2 páginas (plantilla del sistema).
  2. Calentamiento; luego R repeticiones intercaladas de cada medida y de su **ancla** (lo mínimo que cuesta lo
     mismo con la biblioteca sola, medido en la misma corrida):
       - PDF: `expedir.generar_pdf` (PDF/A-2b + campos reservados) ÷ WeasyPrint del mismo HTML a PDF simple.
       - Firma: `firma_digital.firmar` de la firma del titular (abre el .p12, revisa el certificado y la cadena, sello
         visible, número y fecha) ÷ pyHanko firmando el mismo PDF sin sello ni revisiones (con la clave ya abierta).
       - Verificación de las 3 firmas del documento firmado: `firma_digital.verificar_firmas` ÷
         `validate_pdf_signature` de pyHanko sobre las mismas firmas.
     Y L lotes de 50 firmas (`firmar_lote`, una contraseña) ÷ 50 firmas pyHanko puras.
  3. Tabla: p50 y p95 (ms), la meta del issue (no son asserts: siempre sale con 0) y la razón p50 con su ancla.
     Metas: PDF de 2 páginas ≤ 1 s, una firma ≤ 0,5 s, lote de 50 ≤ 60 s.

Uso: .venv/bin/python bench/expedir.py [--repeticiones 20] [--lotes 2]
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
if str(RAIZ) not in sys.path:
    sys.path.insert(0, str(RAIZ))

from bench.comun import argumentos, percentil  # noqa: E402

CLAVE = "bench-demo"
PARRAFO = ("<div>Párrafo {i}: con ñ, tildes áéíóú, ° y «comillas». Lorem ipsum dolor sit amet, consectetur "
           "adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim "
           "veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</div>")


def medir(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main() -> None:
    args = argumentos(__doc__, repeticiones=20, lotes=2)

    from app import create_app
    from services import expedir as ex
    from services import firma_digital as fd

    tmp = Path(tempfile.mkdtemp(prefix="bench-expedir-"))
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp / 'sin.db'}", "SECRET_KEY": "bench",
                      "ADJUNTOS_DIR": str(tmp / "adjuntos"), "FIRMA_RAICES_DIR": str(tmp / "raices"),
                      "URL_PUBLICA": "https://tramite.muni.gob.pe"})
    with app.app_context():
        t = time.perf_counter()
        rutas = fd.generar_pki_demo(CLAVE, {"ana": "Ana Torres", "luis": "Luis Huamán", "carlos": "Carlos Díaz"},
                                    carpeta=tmp / "pki")
        print(f"PKI demo (CA + 3 certificados RSA 2048) en {time.perf_counter() - t:.2f} s", flush=True)
        cred = {u: fd.Credencial(pkcs12=r.read_bytes(), clave=CLAVE) for u, r in rutas.items()}
        datos = ex.DatosDocumento(
            tipo="Memorando", asunto="Remite informe técnico de la licencia de edificación",
            cuerpo_html="".join(PARRAFO.format(i=i) for i in range(1, 15)),
            firmante=ex.Persona("Carlos Díaz", "Gerente de Desarrollo Urbano"),
            municipalidad="Municipalidad Distrital Demo", unidad="Gerencia de Desarrollo Urbano", lugar="Lima",
            destinatario="Rosa Quispe Mamani\nSecretaria General", referencia="EXP-2026-000123",
            denominacion_anio="Año de la Esperanza y el Fortalecimiento de la Democracia",
            vistos=[ex.Persona("Ana Torres", "Asesora legal"), ex.Persona("Luis Huamán", "Subgerente")],
            cc=["Archivo"], anexos=[ex.Anexo("Plano", 2)], codigo_verificacion="AbCdEfGhIjKlMnOp",
            url_verificacion=ex.url_de_verificacion("AbCdEfGhIjKlMnOp"), logo=ex.logo_data_uri())
        html = ex.renderizar_html(datos, vista_previa=False)

        def pdf_puro():
            from weasyprint import HTML

            fuentes, hojas = ex._motor()
            return HTML(string=html, base_url=ex.ESTATICOS.as_uri() + "/", url_fetcher=ex.fetcher_local()).write_pdf(
                stylesheets=hojas, font_config=fuentes)

        def con_vistos():
            b = ex.generar_pdf(datos).datos
            for n, u, nombre in ((1, "ana", "Ana Torres"), (2, "luis", "Luis Huamán")):
                b = fd.firmar(b, cred[u], campo=ex.campo_visto(n), nombre=nombre, motivo=fd.MOTIVO_VISTO_BUENO).datos
            return b

        completar = {ex.CAMPO_CODIGO: "MEMORANDO N° 015-2026-GDU/MDD", ex.CAMPO_FECHA: "Lima, 7 de diciembre de 2026"}

        def firma(b):
            return fd.firmar(b, cred["carlos"], campo=ex.CAMPO_FIRMA, nombre="Carlos Díaz",
                             cargo="Gerente de Desarrollo Urbano", completar=completar).datos

        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign import signers
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext

        from services.firmas import raices_de_confianza

        signer_puro = signers.SimpleSigner.load_pkcs12_data(rutas["carlos"].read_bytes(), [], CLAVE.encode())

        def firma_pura(b):
            w = IncrementalPdfFileWriter(io.BytesIO(b))
            return signers.PdfSigner(signers.PdfSignatureMetadata(field_name="Firma", docmdp_permissions=None),
                                     signer_puro).sign_pdf(w, existing_fields_only=True).getvalue()

        def verificacion_pura(b):
            raices = raices_de_confianza()
            for s in PdfFileReader(io.BytesIO(b)).embedded_signatures:
                validate_pdf_signature(s, ValidationContext(trust_roots=raices))

        documento = ex.generar_pdf(datos)
        print(f"Documento: {documento.paginas} páginas, {len(documento.datos) // 1024} KB", flush=True)
        assert documento.paginas == 2
        vistos = con_vistos()
        firmado = firma(vistos)
        assert [f.integra and f.confiable for f in fd.verificar_firmas(firmado)] == [True, True, True]
        for _ in range(2):  # calentamiento
            pdf_puro(), ex.generar_pdf(datos), firma(vistos), firma_pura(vistos), fd.verificar_firmas(firmado)

        tiempos: dict[str, list[float]] = {k: [] for k in (
            "PDF 2 páginas", "  ancla: WeasyPrint solo", "Una firma (titular)", "  ancla: pyHanko solo",
            "Verificar 3 firmas", "  ancla: pyHanko validar")}
        for _ in range(args.repeticiones):
            tiempos["PDF 2 páginas"].append(medir(lambda: ex.generar_pdf(datos)))
            tiempos["  ancla: WeasyPrint solo"].append(medir(pdf_puro))
            tiempos["Una firma (titular)"].append(medir(lambda: firma(vistos)))
            tiempos["  ancla: pyHanko solo"].append(medir(lambda: firma_pura(vistos)))
            tiempos["Verificar 3 firmas"].append(medir(lambda: fd.verificar_firmas(firmado)))
            tiempos["  ancla: pyHanko validar"].append(medir(lambda: verificacion_pura(firmado)))

        lote = [fd.PedidoFirma(i, vistos, ex.CAMPO_FIRMA, "Carlos Díaz", "Gerente", completar=completar)
                for i in range(50)]
        tiempos["Lote de 50 firmas"], tiempos["  ancla: 50 × pyHanko solo"] = [], []
        for _ in range(args.lotes):
            t = time.perf_counter()
            resultado = fd.firmar_lote(lote, cred["carlos"])
            tiempos["Lote de 50 firmas"].append(time.perf_counter() - t)
            assert len(resultado) == 50 and all(r.ok for r in resultado)
            tiempos["  ancla: 50 × pyHanko solo"].append(medir(lambda: [firma_pura(vistos) for _ in range(50)]))

    metas = {"PDF 2 páginas": 1.0, "Una firma (titular)": 0.5, "Lote de 50 firmas": 60.0}
    anclas = {"PDF 2 páginas": "  ancla: WeasyPrint solo", "Una firma (titular)": "  ancla: pyHanko solo",
              "Verificar 3 firmas": "  ancla: pyHanko validar", "Lote de 50 firmas": "  ancla: 50 × pyHanko solo"}
    print(f"\n{args.repeticiones} repeticiones ({args.lotes} lotes)        p50      p95   meta")
    for nombre, valores in tiempos.items():
        linea = f"  {nombre:32}{percentil(valores, .5) * 1000:>7.0f}ms{percentil(valores, .95) * 1000:>7.0f}ms"
        if nombre in metas:
            linea += f"{metas[nombre]:>6g}s  {'PASS' if percentil(valores, .95) <= metas[nombre] else 'MISS'}"
        if nombre in anclas:
            linea += f"   ({percentil(valores, .5) / percentil(tiempos[anclas[nombre]], .5):.2f}× su ancla)"
        print(linea)
    print(f"  por firma en el lote: {percentil(tiempos['Lote de 50 firmas'], .5) / 50 * 1000:.0f} ms", flush=True)


if __name__ == "__main__":
    main()
