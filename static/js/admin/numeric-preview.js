// The numeric question's preview: its numbers and answer for a sample learner.
(function () {
  "use strict";
  var box = document.getElementById("numeric-preview");
  if (!box) { return; }
  var url = box.dataset.previewUrl;
  function value(name) {
    var field = document.querySelector("[name=" + name + "]");
    return field ? field.value : "";
  }
  document.getElementById("numeric-preview-run").addEventListener("click", function () {
    var out = document.getElementById("numeric-preview-result");
    out.textContent = "Computing…";
    window.unrolledPost(url, {
      seed: document.getElementById("numeric-seed").value,
      prompt: value("prompt"),
      parameters_code: value("parameters_code"),
      answer_code: value("answer_code")
    }).then(function (data) {
      out.textContent = "";
      if (data.error) { out.textContent = "Error: " + data.error; return; }
      var meta = document.createElement("p");
      meta.textContent = "Seed " + data.seed + ": parameters " + JSON.stringify(data.parameters) +
        ", expected answer " + data.answer;
      var prompt = document.createElement("div");
      prompt.className = "markdown-preview";
      prompt.innerHTML = data.html;
      out.appendChild(meta);
      out.appendChild(prompt);
      window.unrolledTypeset(prompt);
    });
  });
})();
