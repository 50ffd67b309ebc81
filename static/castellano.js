/* Castellano en los componentes de Flask-Admin (se carga en toda página, antes de form.js):
   - selectores de fecha (daterangepicker 1.3): meses, días, Aplicar/Cancelar; en los filtros, fechas dd/mm/aaaa y
     rangos «01/11/2026 al 30/11/2026» (el servidor acepta también el formato ISO de los enlaces guardados);
   - listas con búsqueda (select2 3.5): «Escriba…», «Buscando…», «Sin resultados». */
(function ($) {
  if (!$) { return; }
  if ($.fn.select2) {
    var plural = function (n, uno, varios) { return n + ' ' + (n === 1 ? uno : varios); };
    $.fn.select2.locales = $.fn.select2.locales || {};
    $.fn.select2.locales.es = {
      formatMatches: function (n) {
        return n === 1 ? 'Un resultado: pulse Enter para elegirlo.'
          : n + ' resultados: use las flechas arriba y abajo para recorrerlos.';
      },
      formatNoMatches: function () { return 'Sin resultados'; },
      formatInputTooShort: function (texto, minimo) {
        return 'Escriba ' + plural(minimo - texto.length, 'letra o número', 'letras o números') + ' para buscar';
      },
      formatInputTooLong: function (texto, maximo) {
        return 'Borre ' + plural(texto.length - maximo, 'carácter', 'caracteres');
      },
      formatSelectionTooBig: function (limite) { return 'Puede elegir ' + plural(limite, 'opción', 'opciones'); },
      formatLoadMore: function () { return 'Cargando más resultados…'; },
      formatSearching: function () { return 'Buscando…'; },
      formatAjaxError: function () { return 'No se pudo buscar: revise la conexión y vuelva a intentar.'; }
    };
    $.extend($.fn.select2.defaults, $.fn.select2.locales.es);
  }
  if (!$.fn.daterangepicker) { return; }
  var original = $.fn.daterangepicker;
  var LOCALE = {
    applyLabel: 'Aplicar', cancelLabel: 'Cancelar', fromLabel: 'Desde', toLabel: 'Hasta', weekLabel: 'S',
    customRangeLabel: 'Personalizado', firstDay: 1,
    daysOfWeek: ['Do', 'Lu', 'Ma', 'Mi', 'Ju', 'Vi', 'Sá'],
    monthNames: ['Enero', 'Febrero', 'Marzo', 'Abril', 'Mayo', 'Junio', 'Julio', 'Agosto', 'Septiembre',
                 'Octubre', 'Noviembre', 'Diciembre']
  };
  var ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
  function aDMA(texto) {
    var m = ISO.exec($.trim(texto));
    return m ? m[3] + '/' + m[2] + '/' + m[1] : texto;
  }
  $.fn.daterangepicker = function (options, callback) {
    options = $.extend({}, options);
    options.locale = $.extend({}, LOCALE, options.locale);
    if (options.separator === ' to ') { options.separator = ' al '; }
    this.each(function () {
      var $el = $(this);
      if ($el.hasClass('filter-val') && options.format === 'YYYY-MM-DD') {
        $el.val($.map(($el.val() || '').split(/ to | al /), aDMA).join(' al ').replace(/^ al $/, ''));
      }
    });
    if (this.hasClass('filter-val') && options.format === 'YYYY-MM-DD') { options.format = 'DD/MM/YYYY'; }
    return original.call(this, options, callback);
  };
})(window.jQuery);
