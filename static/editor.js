/* El editor de texto (Trix, vendorizado en static/vendor/trix) sobre cada <textarea data-editor="trix">: el
   textarea sigue siendo el campo que se envía (Trix escribe en él) y el servidor lo sanea igual que el acta. */
(function () {
  if (!window.Trix) { return; }
  Object.assign(Trix.config.lang, {
    bold: 'Negrita', italic: 'Cursiva', strike: 'Tachado', link: 'Enlace', heading1: 'Título', quote: 'Cita',
    code: 'Código', bullets: 'Viñetas', numbers: 'Numeración', outdent: 'Reducir sangría',
    indent: 'Aumentar sangría', undo: 'Deshacer', redo: 'Rehacer', urlPlaceholder: 'Dirección (URL)',
    linkUnlink: 'Quitar enlace', attachFiles: 'Adjuntar', captionPlaceholder: 'Leyenda', remove: 'Quitar',
    url: 'URL'
  });
  document.addEventListener('trix-file-accept', function (e) { e.preventDefault(); });  // sin adjuntos
  document.querySelectorAll('textarea[data-editor="trix"]').forEach(function (campo) {
    var etiqueta = document.querySelector('label[for="' + campo.id + '"]');
    campo.style.display = 'none';
    var editor = document.createElement('trix-editor');
    editor.setAttribute('input', campo.id);
    editor.setAttribute('aria-label', etiqueta ? etiqueta.textContent.trim() : 'Texto');
    editor.className = 'trix-content';
    campo.parentNode.insertBefore(editor, campo.nextSibling);
  });
})();
