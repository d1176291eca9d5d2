// Draw every chart on the page with the Plotly bundled by the app (vendor/plotly/plotly.min.js).
// A chart is <div class="chart" data-chart="ID"></div> plus {{ figure|json_script:"ID" }}, where
// the JSON holds {"data": [...], "layout": {...}}. No inline script is ever needed.
(function () {
  function draw(root) {
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.chart);
      if (!source || !window.Plotly) { return; }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign({ margin: { t: 30, r: 10, b: 40, l: 50 }, autosize: true }, figure.layout || {});
      window.Plotly.react(element, figure.data || [], layout, { displaylogo: false, responsive: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
