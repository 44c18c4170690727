// Tell the server the reader's time zone, so that pages show times in it (rada/web/times.py).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var current = document.cookie.split("; ").filter(function (c) { return c.indexOf("rada_tz=") === 0; })[0];
  if (current === "rada_tz=" + zone) return;
  document.cookie = "rada_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
})();
