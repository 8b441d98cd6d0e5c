// Live Markdown previews (typeset by MathJax) and a small POST helper for the admin pages.
(function () {
  "use strict";
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  window.unrolledPost = function (url, data) {
    var body = new FormData();
    Object.keys(data).forEach(function (key) { body.append(key, data[key]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRFToken": csrfToken() } })
      .then(function (response) { return response.json(); });
  };
  window.unrolledTypeset = function (element) {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(function () {
        if (mj.typesetClear) { mj.typesetClear([element]); }
        return mj.typesetPromise([element]);
      });
    } else {
      setTimeout(function () { window.unrolledTypeset(element); }, 200);
    }
  };
  function attach(textarea) {
    if (textarea.dataset.previewAttached) { return; }
    textarea.dataset.previewAttached = "1";
    var box = document.createElement("div");
    box.className = "markdown-preview";
    box.setAttribute("aria-live", "polite");
    textarea.insertAdjacentElement("afterend", box);
    var timer = null;
    function update() {
      window.unrolledPost(textarea.dataset.markdownPreview, { text: textarea.value })
        .then(function (data) { box.innerHTML = data.html; window.unrolledTypeset(box); });
    }
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 300);
    });
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-markdown-preview]").forEach(attach);
  });
})();
