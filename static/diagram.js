/* Draws a procedure's state diagram with ECharts from data-diagram (see workflows/diagram.py). */
(function () {
  "use strict";
  document.querySelectorAll("[data-diagram]").forEach(function (el) {
    if (!window.echarts) return;
    var data = JSON.parse(el.getAttribute("data-diagram"));
    var current = el.getAttribute("data-current");
    // Height follows the rows of states at about the scale of the width, so a procedure
    // with many outcomes in one column (养老保险) keeps readable boxes and the arcs of
    // the ways back keep their room above the first row.
    var maxX = Math.max.apply(null, data.nodes.map(function (n) { return n.x; }));
    var maxY = Math.max.apply(null, data.nodes.map(function (n) { return n.y; }));
    var scale = Math.min(1, (el.clientWidth - 144) / Math.max(maxX, 1));
    el.style.height = Math.max(300, Math.round(136 + maxY * scale)) + "px";
    var crowded = data.links.length > 10;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return p.dataType === "edge" ? p.data.label : (p.data.role ? p.data.name + "（" + p.data.role + "）" : p.data.name); } },
      series: [{
        type: "graph",
        layout: "none",
        // Room above the nodes for the arcs of the ways back (退回补正) and their labels.
        top: 96, bottom: 40, left: 72, right: 72,
        roam: true,
        symbol: "roundRect",
        symbolSize: [128, 40],
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 8,
        label: { show: true, fontSize: 12 },
        // Where edges crowd (养老保险, 最低生活保障) their labels would cover each other:
        // there they show for the edges of the state under the pointer (and every edge
        // names its action in the tooltip).
        edgeLabel: { show: crowded === false, fontSize: 10, formatter: function (p) { return p.data.label; } },
        emphasis: { focus: "adjacency", edgeLabel: { show: true } },
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
