/* Gráficos de los reportes (Chart.js, vendorizado en vendor/chartjs): cada <canvas data-grafico='{…}'> trae su
   tipo, etiquetas y series. Al imprimir, cada gráfico se reemplaza por su imagen (nítida y sin animación). */
(function () {
  if (!window.Chart) { return; }
  Chart.defaults.locale = 'es';  // 67,2: coma decimal, como en las pantallas, el Excel y el Word
  var paleta = ['#2c6fbb', '#2e9e5b', '#f0ad4e', '#d9534f', '#5bc0de', '#8e6bbf', '#a7b7cc', '#e377c2'];
  var graficos = [];
  document.querySelectorAll('canvas[data-grafico]').forEach(function (lienzo) {
    var g = JSON.parse(lienzo.getAttribute('data-grafico'));
    var circular = g.tipo === 'pie' || g.tipo === 'doughnut';
    g.datasets.forEach(function (d, i) {
      var color = d.color || paleta[i % paleta.length];
      d.backgroundColor = circular ? (d.colores || paleta) : color;
      d.borderColor = circular ? '#fff' : color;
      if (g.tipo === 'line') { d.fill = false; d.tension = 0.2; }
    });
    var ejes = circular ? {} : {x: {stacked: !!g.apilado}, y: {stacked: !!g.apilado, beginAtZero: true,
                                                                   ticks: {precision: 0}}};
    graficos.push(new Chart(lienzo, {
      type: g.tipo,
      data: {labels: g.etiquetas, datasets: g.datasets},
      options: {animation: false, responsive: true, maintainAspectRatio: false, indexAxis: g.horizontal ? 'y' : 'x',
                scales: ejes, plugins: {title: {display: !!g.titulo, text: g.titulo}, legend: {position: 'bottom'}}}
    }));
  });
  window.addEventListener('beforeprint', function () {
    graficos.forEach(function (g) {
      var img = document.createElement('img');
      img.className = 'grafico-impreso';
      img.alt = g.canvas.getAttribute('aria-label') || '';
      img.src = g.toBase64Image('image/png', 1);
      g.canvas.parentNode.appendChild(img);
    });
  });
  window.addEventListener('afterprint', function () {
    document.querySelectorAll('img.grafico-impreso').forEach(function (img) { img.remove(); });
  });
})();
