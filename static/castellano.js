/* Selectores de fecha en castellano (daterangepicker 1.3 de Flask-Admin): meses, días, Aplicar/Cancelar;
   en los filtros, fechas dd/mm/aaaa y rangos «01/11/2026 al 30/11/2026» (el servidor acepta ambos formatos). */
(function ($) {
  if (!$ || !$.fn.daterangepicker) { return; }
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
