// Run or submit without a reload, then poll the submission's status until the verdict is final.
// Without JS the form posts normally and the page shows the verdict after a reload.
(function () {
  "use strict";
  var POLL_MS = 300;
  var FINAL = ["passed", "failed", "error"];
  var form = document.querySelector("[data-solution-form]");
  var result = document.getElementById("result");
  var errorBox = document.getElementById("form-error");
  if (!form || !result) { return; }

  function editor() {
    var widget = form.querySelector(".django-ace-widget");
    return widget && widget.editor;
  }

  window.addEventListener("load", function () {
    var ed = editor();
    if (ed) {
      var input = ed.textInput && ed.textInput.getElement();
      if (input) { input.setAttribute("aria-labelledby", "code-label"); }
    }
    var pending = result.querySelector("[data-final=false]");
    if (pending) {
      poll("/api/submissions/" + pending.dataset.submission, pending.dataset.resultUrl);
    }
  });

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function setBusy(busy) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = busy; });
  }

  function showPending(id, kind, status, message) {
    result.innerHTML = "";
    var article = document.createElement("article");
    article.className = "verdict " + status;
    article.dataset.submission = id;
    var heading = document.createElement("h3");
    heading.textContent = (kind === "run" ? "Run of the examples" : "Submission") + " #" + id + ": ";
    var word = document.createElement("span");
    word.className = "status-word";
    word.textContent = status;
    heading.appendChild(word);
    var line = document.createElement("p");
    line.textContent = message;
    article.appendChild(heading);
    article.appendChild(line);
    result.appendChild(article);
    return { word: word, line: line, article: article };
  }

  // The verdict fragment carries the submission's history row; put it in place, newest first.
  function updateHistory() {
    var template = result.querySelector("template[data-history-row-of]");
    var section = document.querySelector("[data-history]");
    var rows = section && section.querySelector("[data-history-rows]");
    var fresh = template && template.content.querySelector("tr");
    if (!rows || !fresh) { return; }
    var id = Number(template.dataset.historyRowOf);
    var row = document.importNode(fresh, true);
    var same = rows.querySelector('tr[data-history-row="' + id + '"]');
    if (same) {
      rows.replaceChild(row, same);
    } else {
      var older = Array.prototype.find.call(rows.rows, function (r) {
        return Number(r.dataset.historyRow) < id;
      });
      rows.insertBefore(row, older || null);
    }
    section.hidden = false;
  }

  function loadResult(resultUrl) {
    return fetch(resultUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (html) {
        result.innerHTML = html;
        updateHistory();
        setBusy(false);
        var heading = result.querySelector("h3");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: false }); }
      });
  }

  function poll(statusUrl, resultUrl, view) {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        if (FINAL.indexOf(data.status) >= 0) { return loadResult(resultUrl); }
        if (view) {
          view.word.textContent = data.status;
          view.article.className = "verdict " + data.status;
          if (data.message) { view.line.textContent = data.message; }
        }
        window.setTimeout(function () { poll(statusUrl, resultUrl, view); }, POLL_MS);
      })
      .catch(function () {
        // A dropped connection: keep trying, more slowly.
        window.setTimeout(function () { poll(statusUrl, resultUrl, view); }, POLL_MS * 5);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var kind = (event.submitter && event.submitter.value) || "submit";
    var data = new FormData(form);
    var ed = editor();
    if (ed) { data.set("code", ed.getValue()); }
    data.set("kind", kind);
    showError("");
    setBusy(true);
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) {
        showError(answer.body.error || "Your code could not be sent; try again.");
        setBusy(false);
        return;
      }
      var view = showPending(answer.body.id, kind, answer.body.status, "Waiting for a grader…");
      poll(answer.body.status_url, answer.body.result_url, view);
    }).catch(function () {
      showError("Your code could not be sent (network problem); try again.");
      setBusy(false);
    });
  });
})();
