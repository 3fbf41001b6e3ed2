/* Draws the supervisors' dashboard charts with ECharts from data-chart (see
   templates/supervision/_charts.html). Clicking a bar opens the filtered overdue list.
   Without ECharts, the data tables under the charts are opened instead. */
(function () {
  "use strict";
  var blocks = document.querySelectorAll("[data-chart]");
  function openTables() {
    document.querySelectorAll("details.chart-data").forEach(function (d) { d.open = true; });
  }
  if (!window.echarts) { openTables(); return; }
  window.addEventListener("beforeprint", openTables);
  var charts = [];
  blocks.forEach(function (el) {
    var data = JSON.parse(el.getAttribute("data-chart"));
    var bar = data.type === "bar";
    var categories = bar ? data.categories : data.categories.map(function (d) { return d.slice(5); });
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var valueAxis = { type: "value", minInterval: 1 };
    // Category labels wrap within about a third of the chart (English names are long)
    // rather than being cut; the tooltip and the data table below carry them in full.
    var labelWidth = Math.max(96, Math.round(el.clientWidth * 0.34));
    var categoryAxis = { type: "category", data: categories, inverse: bar,
                         axisLabel: bar ? { fontSize: 11, width: labelWidth, overflow: "break", lineHeight: 13 }
                                        : { fontSize: 11, hideOverlap: true } };
    chart.setOption({
      animation: false,
      color: data.series.map(function (s) { return s.color; }),
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: bar ? 36 : 16, top: 30, bottom: 4, containLabel: true },
      xAxis: bar ? valueAxis : categoryAxis,
      yAxis: bar ? categoryAxis : valueAxis,
      series: data.series.map(function (s) {
        return bar
          ? { type: "bar", name: s.name, data: s.data, barMaxWidth: 14, cursor: "pointer",
              label: { show: true, position: "right", fontSize: 10 } }
          : { type: "line", name: s.name, data: s.data, symbolSize: 5 };
      })
    });
    if (bar && data.link) {
      chart.on("click", function (p) {
        var key = data.keys[p.dataIndex];
        if (key) window.location.href = data.link.replace("__KEY__", encodeURIComponent(key));
      });
    }
    el.setAttribute("data-drawn", "1");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
