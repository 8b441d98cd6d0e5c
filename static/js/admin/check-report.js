// Refresh the reference-check panel until the check is over.
(function () {
  "use strict";
  function poll() {
    var panel = document.getElementById("check-report");
    if (!panel || panel.dataset.running !== "1") { return; }
    setTimeout(function () {
      fetch(panel.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) { panel.outerHTML = html; poll(); });
    }, 1500);
  }
  document.addEventListener("DOMContentLoaded", poll);
})();
