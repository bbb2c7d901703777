// Trend charts of the dashboard (ECharts, served from static/vendor: no CDN).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof echarts === "undefined") return;
  var charts = JSON.parse(source.textContent);
  // The page's language writes the axis figures (separators; counts without decimals); the
  // periods, tooltips and the target line come written from the server, as the page writes them.
  var language = document.documentElement.lang || "zh-Hans";
  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var data = charts[node.dataset.chart];
    if (!data) return;
    var figures = new Intl.NumberFormat(language, { maximumFractionDigits: data.decimals });
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 50, right: 16, top: 24, bottom: 24 },
      // Drawn in the chart, not as HTML: the HTML tooltip is markup with style attributes,
      // which the Content-Security-Policy (style-src 'self') blocks.
      tooltip: {
        trigger: "axis", renderMode: "richText",
        formatter: function (points) { return data.tooltips[points[0].dataIndex]; }
      },
      xAxis: { type: "category", data: data.periods },
      yAxis: {
        type: "value", name: data.unit, scale: true,
        axisLabel: { formatter: function (value) { return figures.format(value); } }
      },
      series: [
        {
          name: data.name, type: "line", data: data.values, smooth: false,
          markLine: { symbol: "none", label: { formatter: data.target_label },
                      lineStyle: { type: "dashed", color: "#198754" },
                      data: [{ yAxis: data.target }] }
        }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
