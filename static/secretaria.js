/* Teclado primero: en un formulario, el foco empieza en el primer campo (o en el primero con error),
   para llenarlo con Tab y enviarlo con Enter sin tocar el ratón. */
(function ($) {
  $(window).on('load', function () {  // tras form.js (select2 crea sus campos al cargar)
    var form = document.querySelector('form.admin-form');
    if (!form || (document.activeElement && document.activeElement !== document.body)) { return; }
    var campos = form.querySelectorAll('input:not([type=hidden]):not([disabled]), select:not(.select2-offscreen), textarea');
    var error = form.querySelector('.is-invalid, .has-error');
    var elegido = null;
    for (var i = 0; i < campos.length && !elegido; i++) {
      var c = campos[i];
      if (c.offsetParent === null && !c.classList.contains('select2-focusser')) { continue; }
      if (!error || (error.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING) || error.contains(c)) {
        elegido = c;
      }
    }
    if (elegido) { elegido.focus(); }
  });
})(window.jQuery);

/* Acciones irreversibles: un diálogo claro antes de enviar (botones con data-confirmar). */
document.addEventListener('submit', function (e) {
  var boton = e.submitter;
  var texto = boton && boton.getAttribute('data-confirmar');
  if (texto && !window.confirm(texto)) { e.preventDefault(); }
}, true);

/* «Todos presentes», «Todos a favor»: marca de una vez; luego se corrigen las excepciones. */
document.addEventListener('click', function (e) {
  var boton = e.target.closest('[data-todos]');
  if (!boton) { return; }
  var valor = boton.getAttribute('data-valor');
  document.querySelectorAll(boton.getAttribute('data-todos')).forEach(function (campo) {
    if (campo.type === 'radio') { campo.checked = true; } else { campo.value = valor; }
  });
});

/* Accesibilidad (WCAG 2.1 AA): nombre accesible para lo que dibujan las bibliotecas sin él. Los campos con
   autocompletado (select2) toman la etiqueta de su campo; los selectores de mes y año del calendario, el suyo; el
   ícono «?» de la ayuda de una columna, el texto de la ayuda. Se repite cuando la biblioteca redibuja. */
(function () {
  var n = 0;
  function idDeEtiqueta(id) {  // el id de la <label> del campo (se le da uno si no tiene)
    var label = id && document.querySelector('label[for="' + id + '"]');
    if (!label) { return null; }
    if (!label.id) { label.id = 'etiqueta-' + id + '-' + (n++); }
    return label.id;
  }
  function etiquetar(raiz) {
    raiz.querySelectorAll('.select2-container[id^="s2id_"]').forEach(function (c) {
      var etiqueta = idDeEtiqueta(c.id.slice(5));
      if (!etiqueta) { return; }
      // el nombre = la etiqueta del campo + lo elegido (lo que se ve), como pide WCAG 2.5.3
      c.querySelectorAll('a.select2-choice').forEach(function (a) {
        var elegido = a.querySelector('.select2-chosen');
        if (elegido && !elegido.id) { elegido.id = 'elegido-' + (n++); }
        a.setAttribute('aria-labelledby', etiqueta + (elegido ? ' ' + elegido.id : ''));
      });
      c.querySelectorAll('input.select2-focusser, input.select2-input').forEach(function (el) {
        if (!el.getAttribute('aria-labelledby')) { el.setAttribute('aria-labelledby', etiqueta); }
      });
    });
    raiz.querySelectorAll('select.monthselect:not([aria-label])').forEach(function (s) { s.setAttribute('aria-label', 'Mes'); });
    raiz.querySelectorAll('select.yearselect:not([aria-label])').forEach(function (s) { s.setAttribute('aria-label', 'Año'); });
    raiz.querySelectorAll('select.hourselect:not([aria-label])').forEach(function (s) { s.setAttribute('aria-label', 'Hora'); });
    raiz.querySelectorAll('select.minuteselect:not([aria-label])').forEach(function (s) { s.setAttribute('aria-label', 'Minutos'); });
    raiz.querySelectorAll('select.secondselect:not([aria-label])').forEach(function (s) { s.setAttribute('aria-label', 'Segundos'); });
    raiz.querySelectorAll('select.ampmselect:not([aria-label])').forEach(function (s) { s.setAttribute('aria-label', 'a. m. o p. m.'); });
    raiz.querySelectorAll('a[data-role="tooltip"]:not([aria-label])').forEach(function (a) {
      var texto = a.getAttribute('title') || a.getAttribute('data-original-title');
      if (texto) { a.setAttribute('aria-label', texto); }
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    etiquetar(document);
    new MutationObserver(function (cambios) {
      cambios.forEach(function (c) {
        c.addedNodes.forEach(function (n) { if (n.nodeType === 1) { etiquetar(n.parentNode || n); } });
      });
    }).observe(document.body, {childList: true, subtree: true});
  });
  window.addEventListener('load', function () { etiquetar(document); });
})();
/* Nuevo ingreso: al elegir el procedimiento TUPA, la unidad de destino se llena con su unidad resolutora (si la
   persona no eligió otra). */
(function ($) {
  if (!$) { return; }
  $(function () {
    var $proc = $('form.admin-form #procedimiento'), $destino = $('form.admin-form #unidad_actual');
    if (!$proc.length || !$destino.length || !/\/expediente\/new\/?$/.test(window.location.pathname)) { return; }
    var puesta = null;  // la unidad que llenó el procedimiento: otra elegida a mano no se reemplaza
    $proc.on('change', function () {
      var id = $proc.val();
      if (!id) { return; }
      $.getJSON(window.location.pathname.replace(/new\/?$/, 'procedimiento/'), {id: id}, function (datos) {
        var actual = $destino.val();
        if (!datos.unidad || (actual && actual !== puesta)) { return; }
        $destino.select2('data', {id: datos.unidad[0], text: datos.unidad[1]});
        puesta = String(datos.unidad[0]);
      });
    });
  });
})(window.jQuery);
