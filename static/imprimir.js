/* Botón «Imprimir» de las hojas para imprimir (sin JavaScript en línea: data-imprimir). */
document.addEventListener('click', function (e) {
  if (e.target.closest('[data-imprimir]')) { window.print(); }
});
