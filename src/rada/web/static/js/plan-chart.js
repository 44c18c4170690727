// Draws the plan page's chart from the JSON the server put in #plan-chart-data:
// labour used and supplied as bars (left axis), fulfilment as a line (right axis, per cent).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("plan-chart-data");
    var canvas = document.getElementById("plan-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var names = data.names;
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: names.labourUsed, data: data.labourUsed, yAxisID: "labour",
            backgroundColor: "#9b1c1c", order: 2 },
          { type: "bar", label: names.labourSupply, data: data.labourSupply, yAxisID: "labour",
            backgroundColor: "#8a94a3", order: 3 },
          { type: "line", label: names.fulfilment, data: data.fulfilment, yAxisID: "fulfilment",
            borderColor: "#0b4f9c", backgroundColor: "#0b4f9c", borderWidth: 3, pointRadius: 4,
            order: 1 },
        ],
      },
      options: {
        locale: data.locale,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          labour: { type: "linear", position: "left", beginAtZero: true,
            title: { display: true, text: names.labourAxis } },
          fulfilment: { type: "linear", position: "right", beginAtZero: false,
            suggestedMin: 90, suggestedMax: 100,
            grid: { drawOnChartArea: false },
            title: { display: true, text: names.fulfilmentAxis } },
        },
      },
    });
    canvas.dataset.ready = "true";
    window.radaPlanChart = chart;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
