/* Draws a procedure's state diagram with ECharts from data-diagram (see workflows/diagram.py). */
(function () {
  "use strict";
  document.querySelectorAll("[data-diagram]").forEach(function (el) {
    if (!window.echarts) return;
    var data = JSON.parse(el.getAttribute("data-diagram"));
    var current = el.getAttribute("data-current");
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return p.dataType === "edge" ? p.data.label : (p.data.role ? p.data.name + "（" + p.data.role + "）" : p.data.name); } },
      series: [{
        type: "graph",
        layout: "none",
        roam: true,
        symbol: "roundRect",
        symbolSize: [128, 40],
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 8,
        label: { show: true, fontSize: 12 },
        edgeLabel: { show: true, fontSize: 10, formatter: function (p) { return p.data.label; } },
        data: data.nodes.map(function (n) {
          var isCurrent = n.id === current;
          return {
            id: n.id, name: n.label, role: n.role, x: n.x, y: n.y,
            itemStyle: {
              color: isCurrent ? "#a61b1b" : (n.final ? "#e9ecef" : "#dbe7f5"),
              borderColor: isCurrent ? "#7a1010" : "#6c757d", borderWidth: isCurrent ? 3 : 1
            },
            label: { color: isCurrent ? "#fff" : "#212529", fontWeight: isCurrent ? "bold" : "normal" }
          };
        }),
        links: data.links.map(function (l) {
          return { source: l.source, target: l.target, label: l.label,
                   lineStyle: { curveness: l.curveness, type: l.system ? "dashed" : "solid", color: "#6c757d" } };
        })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
