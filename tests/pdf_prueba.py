"""PDFs de prueba construidos con pypdf: uno válido y otros con contenido activo (JavaScript, lanzamiento)."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def _bytes(escritor: PdfWriter) -> bytes:
    salida = io.BytesIO()
    escritor.write(salida)
    return salida.getvalue()


def pdf_valido(paginas: int = 1) -> bytes:
    w = PdfWriter()
    for _ in range(paginas):
        w.add_blank_page(595, 842)
    return _bytes(w)


def pdf_con_javascript() -> bytes:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    accion = w._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                              NameObject("/JS"): TextStringObject("app.alert('hola');")}))
    arbol = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("js0"), accion])})
    w._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): w._add_object(arbol)})
    return _bytes(w)


def pdf_que_lanza_programa() -> bytes:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    return _bytes(w)


def pdf_con_javascript_al_abrir() -> bytes:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    accion = w._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                              NameObject("/JS"): TextStringObject("this.exportDataObject()")}))
    w._root_object[NameObject("/OpenAction")] = accion
    return _bytes(w)


def pdf_con_accion(tipo: str, **extra) -> bytes:
    """Un PDF que al abrirse ejecuta la acción `tipo` (/URI, /GoToR, /SubmitForm…) con los datos `extra`."""
    w = PdfWriter()
    w.add_blank_page(595, 842)
    accion = {NameObject("/S"): NameObject(tipo)}
    accion.update({NameObject(f"/{k}"): TextStringObject(v) for k, v in extra.items()})
    w._root_object[NameObject("/OpenAction")] = DictionaryObject(accion)
    return _bytes(w)


def pdf_con_enlace(uri: str = "https://malo.example/descarga.exe") -> bytes:
    """Un PDF con un enlace (anotación) que abre una dirección de internet."""
    w = PdfWriter()
    w.add_blank_page(595, 842)
    enlace = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                               NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                                                   NameObject("/URI"): TextStringObject(uri)})})
    w.pages[0][NameObject("/Annots")] = ArrayObject([w._add_object(enlace)])
    return _bytes(w)


def pdf_con_ejecutable() -> bytes:
    """Un PDF con un archivo incrustado (un .exe) en su catálogo."""
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.add_attachment("factura.exe", b"MZ\x90\x00" + b"\x00" * 60)
    return _bytes(w)


def pdf_unico(texto: str, relleno: int = 0) -> bytes:
    """Un PDF válido distinto para cada `texto` (va en los metadatos); `relleno` bytes más (un flujo sin comprimir)
    para probar archivos grandes."""
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.add_metadata({"/Title": texto})
    if relleno:
        from pypdf.generic import DecodedStreamObject

        flujo = DecodedStreamObject()
        flujo.set_data(b"%" + (texto.encode() * (relleno // max(1, len(texto)) + 1))[:relleno])
        w._root_object[NameObject("/Relleno")] = w._add_object(flujo)
    return _bytes(w)
