// Draws every chart of a dashboard page with the vendored Chart.js, from the JSON blocks the page
// carries (<canvas data-chart="ID"> reads <script type="application/json" id="ID">). A click on a
// bar or slice opens the case list behind it (the same link as in the chart's table). The tables
// stay the accessible, no-JavaScript view of the numbers: once a chart is drawn, its table folds
// into a <details> the reader may open. After an htmx swap the new charts are drawn and the old
// ones released.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return; // no charts without the library: the tables remain

  function spec(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function dataset(d, s) {
    var round = s.type === "doughnut" || s.type === "pie";
    return {
      label: d.label,
      data: d.data,
      backgroundColor: d.color || "#2457c5",
      borderColor: round ? "#fff" : d.color || "#2457c5",
      borderWidth: round ? 2 : 0,
      links: d.links,
      maxBarThickness: 36
    };
  }

  function config(s) {
    var round = s.type === "doughnut" || s.type === "pie";
    var axis = { stacked: s.stacked, beginAtZero: true, ticks: { precision: 0 } };
    var cfg = {
      type: s.type,
      data: { labels: s.labels, datasets: s.datasets.map(function (d) { return dataset(d, s); }) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: s.horizontal ? "y" : "x",
        plugins: {
          legend: { display: round || s.datasets.length > 1, position: round && window.innerWidth > 520 ? "right" : "top" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.formattedValue + (s.unit ? " " + s.unit : "");
                return (item.dataset.label && !round ? item.dataset.label + ": " : item.label + ": ") + value;
              }
            }
          }
        },
        onClick: function (event, elements, chart) {
          if (!elements.length) return;
          var el = elements[0];
          var links = chart.data.datasets[el.datasetIndex].links || [];
          if (links[el.index]) window.location.href = links[el.index];
        },
        onHover: function (event, elements, chart) {
          var link = elements.length && (chart.data.datasets[elements[0].datasetIndex].links || [])[elements[0].index];
          chart.canvas.style.cursor = link ? "pointer" : "default";
        }
      }
    };
    if (round) {
      cfg.options.cutout = s.type === "doughnut" ? "55%" : 0;
    } else {
      cfg.options.scales = { x: Object.assign({}, axis), y: Object.assign({}, axis) };
      if (s.horizontal) cfg.options.scales.y = { stacked: s.stacked, ticks: { autoSkip: false } };
      else cfg.options.scales.x = { stacked: s.stacked, ticks: { autoSkip: s.labels.length > 8, maxRotation: 45 } };
    }
    return cfg;
  }

  function draw(root) {
    var canvases = (root || document).querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      if (window.Chart.getChart(canvas)) continue;
      var s = spec(canvas);
      if (!s) continue;
      canvas.parentNode.hidden = false;
      new window.Chart(canvas, config(s));
      var figure = canvas.closest("figure");
      var table = figure && figure.querySelector("details[data-collapse]");
      if (table) table.open = false;
    }
  }

  function release(root) {
    if (!root || !root.querySelectorAll) return;
    var canvases = root.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) {
      var chart = window.Chart.getChart(canvases[i]);
      if (chart) chart.destroy();
    }
  }

  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.color = "#5b6676";
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { draw(); });
  else draw();
  document.body.addEventListener("htmx:beforeSwap", function (event) { release(event.detail.target); });
  document.body.addEventListener("htmx:afterSettle", function () { draw(); });
})();
