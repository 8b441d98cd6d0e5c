// Answer questions without a page reload; the plain form POST still works without JS.
(function () {
  "use strict";
  function typeset(el) {
    if (window.MathJax && window.MathJax.typesetPromise) { window.MathJax.typesetPromise([el]); }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-answer-form]")) { return; }
    event.preventDefault();
    var section = form.closest("[data-question]");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 403) { window.location.href = form.action; return null; }
      return response.text();
    }).then(function (html) {
      if (html === null) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var fresh = holder.firstElementChild;
      if (!fresh) { throw new Error("empty response"); }
      section.replaceWith(fresh);
      typeset(fresh);
      var focus = fresh.querySelector("[role=alert], [data-feedback]");
      if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
    }).catch(function () {
      // Fall back to the ordinary form submission.
      form.submit();
    });
  });
})();
