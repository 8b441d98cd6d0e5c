// Code blocks that scroll sideways must be reachable with the keyboard (WCAG 2.1.1): give
// each overflowing <pre> a tab stop and a name, and take them away again when it fits.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("pre").forEach(function (pre) {
      if (pre.scrollWidth > pre.clientWidth + 1) {
        pre.tabIndex = 0;
        pre.setAttribute("role", "region");
        pre.setAttribute("aria-label", "Code (scrolls sideways)");
      } else if (pre.getAttribute("role") === "region") {
        pre.removeAttribute("tabindex");
        pre.removeAttribute("role");
        pre.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
  new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });
})();
