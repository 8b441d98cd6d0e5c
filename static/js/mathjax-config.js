// MathJax's configuration, loaded before MathJax itself (no inline script: the CSP forbids it).
// Only \( \) and \[ \] delimit math: the renderer wraps every formula in them, so a dollar sign
// in prose or code never turns into math. Lesson and prompt text is written by instructors and
// read by everyone, so TeX must not reach HTML: the `html` package (\href, \class, \style,
// \cssId) is neither loaded, autoloaded nor requirable, and `ui/safe` filters what is left
// (URLs limited to http, https and mailto; no classes, ids or styles from TeX).
// A page that typesets what it loads later (the admin's live preview) sets data-typeset="later".
(function () {
  "use strict";
  var script = document.currentScript;
  var later = script && script.dataset.typeset === "later";
  window.MathJax = {
    loader: { load: ["ui/safe"] },
    tex: {
      inlineMath: [["\\(", "\\)"]],
      displayMath: [["\\[", "\\]"]],
      processEscapes: false,
      autoload: { html: [] },
      require: { allow: { html: false } }
    },
    options: {
      ignoreHtmlClass: "no-math|codehilite",
      safeOptions: {
        allow: { URLs: "safe", classes: "none", cssIDs: "none", styles: "none" },
        safeProtocols: { http: true, https: true, mailto: true, file: false, javascript: false, data: false }
      }
    },
    startup: { typeset: !later }
  };
})();
