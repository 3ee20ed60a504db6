// World map of partners by country: ECharts with the vendored world GeoJSON keyed by ISO code.
(function () {
  "use strict";
  var el = document.getElementById("partner-map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || !window.echarts) { return; }
  var rows = JSON.parse(dataEl.textContent);
  var labels = {};
  var max = 1;
  rows.forEach(function (row) { labels[row.name] = row.label; if (row.value > max) { max = row.value; } });
  fetch(el.dataset.geo).then(function (response) { return response.json(); }).then(function (geo) {
    echarts.registerMap("world", geo);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) { return (labels[p.name] || p.name) + ": " + (isNaN(p.value) ? 0 : p.value); }
      },
      visualMap: { min: 0, max: max, left: "left", bottom: 10, calculable: true, inRange: { color: ["#f3e3d3", "#8a1c1c"] } },
      series: [{
        name: el.dataset.series, type: "map", map: "world", nameProperty: "iso_a2", roam: true,
        emphasis: { label: { show: false } }, data: rows
      }]
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
