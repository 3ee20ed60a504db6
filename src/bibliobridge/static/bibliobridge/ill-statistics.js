// ILL statistics: requests we borrowed from and lent to each partner, side by side.
(function () {
  "use strict";
  var el = document.getElementById("ill-balance-chart");
  var dataEl = document.getElementById("ill-balance");
  if (!el || !dataEl || !window.echarts) { return; }
  var data = JSON.parse(dataEl.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [data.labels.borrowed, data.labels.lent] },
    grid: { left: 200, right: 20 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.partners, inverse: true },
    series: [
      { name: data.labels.borrowed, type: "bar", data: data.borrowed },
      { name: data.labels.lent, type: "bar", data: data.lent }
    ]
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
