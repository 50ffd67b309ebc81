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
