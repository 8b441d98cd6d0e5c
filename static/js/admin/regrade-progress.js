// Update the regrade counts every 2 seconds until every submission is done. A script rather
// than <meta http-equiv="refresh">: the page keeps its focus and scroll, and screen readers
// hear the change through the live region instead of a reload (WCAG 2.2.1).
(function () {
  "use strict";
  function poll() {
    var status = document.getElementById("regrade-status");
    if (!status || status.dataset.regradeRunning !== "1") { return; }
    setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.getElementById("regrade-status");
          if (!fresh) { return; }
          status.dataset.regradeRunning = fresh.dataset.regradeRunning;
          status.innerHTML = fresh.innerHTML;
          poll();
        })
        .catch(poll);
    }, 2000);
  }
  document.addEventListener("DOMContentLoaded", poll);
})();
