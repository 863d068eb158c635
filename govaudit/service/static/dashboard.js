/* Draws the dashboard's charts with the vendored ECharts from the JSON each chart's data element carries.
   The data are read with JSON.parse, never evaluated; every label is set as text by ECharts. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var days = {};
    (data.series || []).concat([{ data: data.pass_rate || [] }]).forEach(function (s) {
      s.data.forEach(function (p) { days[p[0]] = true; });
    });
    var axis = Object.keys(days).sort();
    function aligned(points) {
      var byDay = {};
      points.forEach(function (p) { byDay[p[0]] = p[1]; });
      return axis.map(function (d) { return d in byDay ? byDay[d] : null; });
    }
    var series = (data.series || []).map(function (s) {
      return { name: s.name, type: "line", yAxisIndex: 0, data: aligned(s.data), connectNulls: true, symbolSize: 7 };
    });
    var yAxis = [{ type: "value", name: "得分", min: 0, max: 100 }];
    if (data.pass_rate && data.pass_rate.length) {
      series.push({ name: "合格率（%）", type: "bar", yAxisIndex: 1, data: aligned(data.pass_rate), barMaxWidth: 24,
                    itemStyle: { opacity: 0.35 } });
      yAxis.push({ type: "value", name: "合格率（%）", min: 0, max: 100 });
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 60, top: 40, bottom: 30 },
      xAxis: { type: "category", boundaryGap: true, data: axis },
      yAxis: yAxis,
      series: series
    });
    el.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
