// The ranked ballot, as you type: says the order the numbers give ("Your order: 1. Bo;
// 2. Cy") and what is wrong (a number out of range, two candidates with the same rank) in a
// polite live region, and marks the boxes at fault. The server checks the ballot again and
// says the same; without JavaScript the form works unchanged.
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("ranked-ballot-text");
    var said = document.getElementById("rank-order");
    if (!source || !said) {
      return;
    }
    var text = JSON.parse(source.textContent);
    var inputs = Array.prototype.slice.call(document.querySelectorAll("input[id^='rank-']"));
    var most = inputs.length;

    function labelOf(input) {
      var label = document.querySelector("label[for='" + input.id + "']");
      return label ? label.textContent.trim() : input.name;
    }

    function update(event) {
      var ranked = [];
      var problem = "";
      var byRank = {};
      if (event) {
        // Typing clears the marks; the server's marks stay until then.
        inputs.forEach(function (input) { input.removeAttribute("aria-invalid"); });
      }
      inputs.forEach(function (input) {
        var value = input.value.trim();
        if (!value) {
          return;
        }
        var rank = /^[0-9]+$/.test(value) ? Number(value) : NaN;
        if (!(rank >= 1 && rank <= most)) {
          input.setAttribute("aria-invalid", "true");
          problem = problem || text.range;
          return;
        }
        if (byRank[rank]) {
          input.setAttribute("aria-invalid", "true");
          byRank[rank].setAttribute("aria-invalid", "true");
          problem = problem || text.duplicate;
          return;
        }
        byRank[rank] = input;
        ranked.push([rank, labelOf(input)]);
      });
      ranked.sort(function (a, b) { return a[0] - b[0]; });
      var words = ranked.length
        ? text.order + " " + ranked.map(function (r, i) { return (i + 1) + ". " + r[1]; }).join("; ")
        : text.none;
      said.textContent = problem ? problem + " " + words : words;
      said.classList.toggle("problem", Boolean(problem));
    }

    inputs.forEach(function (input) { input.addEventListener("input", update); });
    said.hidden = false;
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
