// The budget ballot's meter: as projects are ticked, says how much the supported projects
// cost together against the budget (a <meter> and a polite live region). Without
// JavaScript the meter stays hidden and the ballot works the same: each project's cost is
// written beside it.
(function () {
  "use strict";

  function start() {
    var meter = document.getElementById("budget-meter");
    var source = document.getElementById("budget-meter-text");
    if (!meter || !source) {
      return;
    }
    var text = JSON.parse(source.textContent);
    var format = new Intl.NumberFormat(text.locale, { maximumFractionDigits: 2 });
    var budget = Number(meter.dataset.budget);
    var bar = document.getElementById("budget-bar");
    var said = document.getElementById("budget-chosen");
    var boxes = Array.prototype.slice.call(
      document.querySelectorAll("input[name='approve'][data-cost]"));

    function update() {
      var total = 0;
      var any = false;
      boxes.forEach(function (box) {
        if (box.checked) {
          total += Number(box.dataset.cost);
          any = true;
        }
      });
      bar.value = Math.min(total, budget);
      var words = any
        ? text.chosen.replace("{total}", format.format(total)).replace("{budget}", format.format(budget))
        : text.none;
      if (total > budget) {
        words += " " + text.over.replace("{over}", format.format(total - budget));
        meter.classList.add("over");
      } else {
        meter.classList.remove("over");
      }
      said.textContent = words;
      meter.dataset.total = String(total);
    }

    boxes.forEach(function (box) { box.addEventListener("change", update); });
    meter.hidden = false;
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
