// Rapport console: draw a report's chart with Chart.js (vendored as
// chart.umd.min.js). The data is the page's <script type="application/json"
// id="report-chart-data"> block (the CSP allows no inline script); the
// table below the chart holds the same figures without JavaScript.
(function () {
  'use strict';
  var canvas = document.getElementById('report-chart');
  var source = document.getElementById('report-chart-data');
  if (!canvas || !source || typeof Chart === 'undefined') return;
  var spec = JSON.parse(source.textContent);
  var palette = ['#1d4ed8', '#b45309', '#047857', '#9d174d', '#4338ca', '#0f766e', '#a16207', '#6d28d9'];
  var format;
  if (spec.currency) {
    format = new Intl.NumberFormat(spec.lang, { style: 'currency', currency: spec.currency, maximumFractionDigits: 0 });
  } else {
    format = new Intl.NumberFormat(spec.lang, { maximumFractionDigits: 2 });
  }
  var show = function (v) { return spec.percent ? format.format(v) + ' %' : format.format(v); };
  var line = spec.type === 'line';
  var datasets = spec.datasets.map(function (ds, i) {
    var colour = palette[i % palette.length];
    return {
      label: ds.label, data: ds.data, borderColor: colour, backgroundColor: line ? colour : colour + 'cc',
      borderWidth: line ? 2 : 0, pointRadius: line ? 3 : 0, tension: 0.2
    };
  });
  var chart = new Chart(canvas, {
    type: spec.type,
    data: { labels: spec.labels, datasets: datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      locale: spec.lang,
      plugins: {
        legend: { display: datasets.length > 1, position: 'bottom' },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + show(c.parsed.y); } } }
      },
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return show(v); } } } }
    }
  });
  canvas.dataset.drawn = String(chart.id);
})();
