// Record the lesson as read on the learner's first interaction with the page (scrolling,
// a key, a click or a tap), by posting the "Mark this lesson as read" form in the background.
// Opening the page alone (a prefetch, a crawler, a link preview) records nothing.
(function () {
  "use strict";
  var form = document.querySelector("[data-read-lesson]");
  if (!form) { return; }
  var events = ["scroll", "keydown", "pointerdown", "touchstart"];
  var sent = false;
  function send() {
    if (sent) { return; }
    sent = true;
    events.forEach(function (name) { window.removeEventListener(name, send, true); });
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok) { form.hidden = true; }
    }).catch(function () { sent = false; });
  }
  events.forEach(function (name) {
    window.addEventListener(name, send, { capture: true, passive: true });
  });
})();
