// Spending by city (ECharts, served from static/vendor: no CDN). The tables carry the figures;
// the chart only draws them.
(function () {
  "use strict";
  var source = document.getElementById("spending-chart-data");
  var node = document.getElementById("spending-chart");
  if (!source || !node || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  if (!data.labels.length) return;
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 60, right: 16, top: 36, bottom: 48 },
    legend: { top: 0 },
    // Drawn in the chart, not as HTML: the HTML tooltip is markup with style attributes,
    // which the Content-Security-Policy (style-src 'self') blocks.
    tooltip: { trigger: "axis", renderMode: "richText" },
    xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", name: data.unit },
    series: [
      { name: data.approved_label, type: "bar", data: data.approved.map(Number) },
      { name: data.paid_label, type: "bar", data: data.paid.map(Number) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
