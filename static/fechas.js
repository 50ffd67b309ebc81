/* Fechas que se escriben, se pegan o se eligen en el calendario: una sola regla para todo campo y filtro de fecha.

   Flask-Admin usa daterangepicker 1.3, que en cada tecla reinterpreta lo escrito y lo reescribe (al teclear
   «01/01/2027» quedaba «01/12/2026/01/2027»; en un filtro, «Invalid date al …») y abre el calendario al entrar
   al campo, tapando lo que está debajo (el botón Guardar). Aquí, para cada selector de fecha:
   - lo escrito o pegado no se toca mientras se escribe; si ya es una fecha completa, el calendario la muestra, y
     al salir del campo se escribe en la forma dd/mm/aaaa (acepta 1/1/2027, 01-01-2027, 01.01.2027, 01012027,
     01/01/27 y 2027-01-01: la misma regla que el servidor, admin_views/entradas.leer_fecha);
   - el calendario se abre con su botón (o Alt+↓ / F4 desde el campo), hacia arriba si abajo no cabe o taparía
     los botones del formulario, y se cierra con Esc, al elegir o al salir.
   Los campos de las páginas propias (sin form.js) se marcan con data-fecha="fecha" o data-fecha="momento". */
(function ($) {
  if (!$ || !$.fn.daterangepicker || !window.moment) { return; }
  var moment = window.moment;
  var SEPARADOR = /\s+(?:al|to|-|–)\s+/;
  var DMA = /^(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4}|\d{2})$/;
  var PEGADA = /^(\d{2})(\d{2})(\d{4}|\d{2})$/;
  var ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
  var HORA = /^(\d{1,2}):(\d{2})$/;

  function anio(texto) {
    var n = parseInt(texto, 10);
    return texto.length === 2 ? (n < 70 ? 2000 + n : 1900 + n) : n;
  }

  function leerFecha(texto) {
    var t = $.trim(texto || ''), m, dia, mes, a;
    if ((m = ISO.exec(t))) {
      a = +m[1]; mes = +m[2]; dia = +m[3];
    } else if ((m = DMA.exec(t) || PEGADA.exec(t))) {
      dia = +m[1]; mes = +m[2]; a = anio(m[3]);
    } else {
      return null;
    }
    var f = moment([a, mes - 1, dia]);
    return f.isValid() && f.date() === dia && f.month() === mes - 1 ? f : null;
  }

  function leerMomento(texto) {
    var partes = $.trim(texto || '').split(/\s+/);
    var f = partes.length === 2 ? leerFecha(partes[0]) : null;
    var h = partes.length === 2 ? HORA.exec(partes[1]) : null;
    if (!f || !h || +h[1] > 23 || +h[2] > 59) { return null; }
    return f.hour(+h[1]).minute(+h[2]);
  }

  function mejorar($el) {
    var picker = $el.data('daterangepicker');
    if (!picker || String(picker.format).indexOf('DD') < 0) { return; }  // solo fechas (no horas sueltas)
    var conHora = !!picker.timePicker, rango = !picker.singleDatePicker;

    function leer(texto) {
      var l = conHora ? leerMomento : leerFecha;
      if (!rango) {
        var f = l(texto);
        return f ? [f, f.clone()] : null;
      }
      var p = $.trim(texto || '').split(SEPARADOR);
      var a = p.length === 2 ? l(p[0]) : null, b = p.length === 2 ? l(p[1]) : null;
      return a && b && !b.isBefore(a) ? [a, b] : null;
    }
    function texto(fechas) {
      return rango ? fechas[0].format(picker.format) + picker.separator + fechas[1].format(picker.format)
        : fechas[1].format(picker.format);
    }
    function sincronizar() {  // el calendario muestra lo escrito, sin reescribir el campo
      var fechas = leer($el.val());
      if (!fechas) { return; }
      picker.startDate = conHora ? fechas[0] : fechas[0].startOf('day');
      picker.endDate = conHora ? fechas[1] : fechas[1].endOf('day');
      picker.oldStartDate = picker.startDate.clone();
      picker.oldEndDate = picker.endDate.clone();
      picker.updateView();
      picker.updateCalendars();
    }
    function normalizar() {
      var fechas = leer($el.val());
      if (fechas && texto(fechas) !== $el.val()) { $el.val(texto(fechas)).trigger('change'); }
    }
    function abrir() {
      sincronizar();
      picker.drops = 'down';
      picker.show();
      var campo = $el[0].getBoundingClientRect(), alto = picker.container.outerHeight();
      var boton = $el.closest('form').find('[type=submit]:visible').get(0);
      var tapa = boton && (function (b) { return b.top < campo.bottom + alto && b.bottom > campo.bottom; })(
        boton.getBoundingClientRect());
      var noCabe = window.innerHeight - campo.bottom < alto + 8;
      if ((tapa || noCabe) && campo.top > alto + 8) {
        picker.drops = 'up';
        picker.move();
      }
    }

    // lo que daterangepicker hace en el campo: abrir al entrar o al hacer clic, y reescribir en cada tecla
    $el.off('focus.daterangepicker click.daterangepicker keyup.daterangepicker .fecha');
    $el.attr('autocomplete', 'off');
    if (!$el.attr('placeholder')) {
      $el.attr('placeholder', conHora ? 'dd/mm/aaaa hh:mm' : (rango ? 'dd/mm/aaaa al dd/mm/aaaa' : 'dd/mm/aaaa'));
    }
    $el.on('input.fecha keyup.fecha', sincronizar);
    $el.on('blur.fecha', normalizar);
    $el.on('keydown.fecha', function (e) {
      if ((e.altKey && e.key === 'ArrowDown') || e.key === 'F4') {
        e.preventDefault();
        abrir();
      } else if (e.key === 'Escape' && picker.isShowing) {
        e.preventDefault();
        picker.hide();
      }
    });
    if (!$el.parent().hasClass('grupo-fecha')) {
      var conFoco = document.activeElement === $el[0];  // mover el campo en la página le quita el foco
      var $grupo = $('<div class="input-group grupo-fecha"></div>').addClass(conHora ? 'con-hora' : (rango ? 'rango' : ''));
      if ($el.hasClass('form-control-sm')) { $grupo.addClass('input-group-sm'); }
      $el.after($grupo);
      $grupo.append($el);
      $('<div class="input-group-append"><button type="button" class="btn btn-outline-secondary" tabindex="-1">' +
        '<i class="fa fa-calendar" aria-hidden="true"></i></button></div>').appendTo($grupo).find('button')
        .attr({title: 'Elegir en el calendario', 'aria-label': 'Elegir en el calendario'});
      $grupo.nextAll('.invalid-feedback').appendTo($grupo);  // el error sigue junto al campo
      if (conFoco) { $el[0].focus(); }
    }
    $el.parent().find('.input-group-append button').off('.fecha')
      .on('mousedown.fecha', function (e) { e.stopPropagation(); })  // no es un clic «fuera» del calendario
      .on('click.fecha', function () {
        if (picker.isShowing) { picker.hide(); } else { abrir(); }
      });
  }

  var anterior = $.fn.daterangepicker;
  $.fn.daterangepicker = function (options, callback) {
    var resultado = anterior.call(this, options, callback);
    this.each(function () { mejorar($(this)); });
    return resultado;
  };

  // campos de fecha de las páginas propias (sin form.js): <input data-fecha="fecha"> o data-fecha="momento"
  $(function () {
    $('input[data-fecha]').each(function () {
      var $el = $(this), hora = $el.attr('data-fecha') === 'momento';
      if ($el.data('daterangepicker')) { return; }
      $el.daterangepicker({singleDatePicker: true, showDropdowns: true, timePicker: hora, timePicker12Hour: false,
                           timePickerIncrement: 1, format: hora ? 'DD/MM/YYYY HH:mm' : 'DD/MM/YYYY'});
    });
  });
})(window.jQuery);
