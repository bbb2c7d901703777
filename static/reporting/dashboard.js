// Trend charts of the dashboard (ECharts, served from static/vendor: no CDN).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof echarts === "undefined") return;
  var charts = JSON.parse(source.textContent);
  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var data = charts[node.dataset.chart];
    if (!data) return;
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 50, right: 16, top: 24, bottom: 24 },
      // Drawn in the chart, not as HTML: the HTML tooltip is markup with style attributes,
      // which the Content-Security-Policy (style-src 'self') blocks.
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", name: data.unit, scale: true },
      series: [
        {
          name: data.name, type: "line", data: data.values, smooth: false,
          markLine: { symbol: "none", label: { formatter: "目标 {c}" },
                      lineStyle: { type: "dashed", color: "#198754" },
                      data: [{ yAxis: data.target }] }
        }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
