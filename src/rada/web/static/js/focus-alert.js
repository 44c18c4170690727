// After a form is sent back with a message, bring the reader to it: the first message
// (role="alert", next to the field it concerns) is scrolled into view and takes the focus,
// so a screen reader says it and nobody has to hunt for it below the fold. Without
// JavaScript the message is still there, next to its field.
(function () {
  "use strict";
  function focusAlert() {
    var alert = document.querySelector("main [role=alert]");
    if (!alert) {
      return;
    }
    var details = alert.closest("details");
    if (details) {
      details.open = true;
    }
    if (!alert.hasAttribute("tabindex")) {
      alert.setAttribute("tabindex", "-1");
    }
    alert.scrollIntoView({ block: "center" });
    alert.focus({ preventScroll: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusAlert);
  } else {
    focusAlert();
  }
})();
