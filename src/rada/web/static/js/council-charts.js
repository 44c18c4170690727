// Draws the chart of a counted vote from the JSON the server put in #council-chart-data:
// for an STV election, each candidate's votes at the end of each stage as stacked bars (the
// quota as a line); for a participatory budget, each project's cost (funded projects dark)
// and its supporters. The page's tables hold the same figures, for screen readers and when
// JavaScript is off.
(function () {
  "use strict";

  var COLOURS = ["#0b4f9c", "#9b1c1c", "#0f5c2e", "#8a6d00", "#5b2a86", "#00656b",
    "#a3440a", "#4a5360", "#b0306a", "#2f6f3e"];

  function stv(data) {
    var datasets = data.series.map(function (s, i) {
      return { type: "bar", label: s.label, data: s.data, stack: "votes",
        backgroundColor: COLOURS[i % COLOURS.length], order: 2 };
    });
    if (data.exhausted.data.some(function (v) { return v > 0; })) {
      datasets.push({ type: "bar", label: data.exhausted.label, data: data.exhausted.data,
        stack: "votes", backgroundColor: "#c9d0d9", order: 2 });
    }
    if (data.quota.some(function (v) { return v !== null; })) {
      datasets.push({ type: "line", label: data.names.quota, data: data.quota,
        borderColor: "#1b1f24", backgroundColor: "#1b1f24", borderDash: [6, 4],
        pointRadius: 0, borderWidth: 2, order: 1 });
    }
    return {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        locale: data.locale, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true,
            title: { display: true, text: data.names.votes } },
        },
      },
    };
  }

  function budget(data) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: data.names.funded, yAxisID: "cost", order: 2,
            data: data.cost.map(function (c, i) { return data.funded[i] ? c : null; }),
            backgroundColor: "#0f5c2e", stack: "cost" },
          { type: "bar", label: data.names.unfunded, yAxisID: "cost", order: 2,
            data: data.cost.map(function (c, i) { return data.funded[i] ? null : c; }),
            backgroundColor: "#8a94a3", stack: "cost" },
          { type: "line", label: data.names.approvals, yAxisID: "approvals", order: 1,
            data: data.approvals, borderColor: "#0b4f9c", backgroundColor: "#0b4f9c",
            borderWidth: 3, pointRadius: 5, showLine: false },
        ],
      },
      options: {
        locale: data.locale, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true },
          cost: { type: "linear", position: "left", beginAtZero: true, stacked: true,
            title: { display: true, text: data.names.costAxis } },
          approvals: { type: "linear", position: "right", beginAtZero: true,
            ticks: { precision: 0 }, grid: { drawOnChartArea: false },
            title: { display: true, text: data.names.approvalsAxis } },
        },
      },
    };
  }

  function draw() {
    var source = document.getElementById("council-chart-data");
    var canvas = document.getElementById("council-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var config = data.kind === "stv" ? stv(data) : budget(data);
    window.radaCouncilChart = new window.Chart(canvas, config);
    canvas.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
