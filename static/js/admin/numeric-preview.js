// The numeric question's preview: one stored variant (computed by the workers), with the
// drafted prompt and worked solution filled with its numbers.
(function () {
  "use strict";
  var box = document.getElementById("numeric-preview");
  if (!box) { return; }
  var url = box.dataset.previewUrl;
  function value(name) {
    var field = document.querySelector("[name=" + name + "]");
    return field ? field.value : "";
  }
  function block(html) {
    var div = document.createElement("div");
    div.className = "markdown-preview";
    div.innerHTML = html;
    return div;
  }
  document.getElementById("numeric-preview-run").addEventListener("click", function () {
    var out = document.getElementById("numeric-preview-result");
    out.textContent = "Loading…";
    window.unrolledPost(url, {
      question: box.dataset.question,
      variant: document.getElementById("numeric-variant").value,
      prompt: value("prompt"),
      solution: value("solution")
    }).then(function (data) {
      out.textContent = "";
      if (data.error && !data.parameters) { out.textContent = "Error: " + data.error; return; }
      var meta = document.createElement("p");
      meta.textContent = "Variant " + data.variant + " of " + data.count + ": parameters " +
        JSON.stringify(data.parameters) + ", answer " + data.answer + ", wrong methods " +
        JSON.stringify(data.mistakes);
      out.appendChild(meta);
      if (data.error) {
        var problem = document.createElement("p");
        problem.textContent = "Error: " + data.error;
        out.appendChild(problem);
        return;
      }
      var prompt = block(data.html);
      var solution = block(data.solution_html);
      out.appendChild(prompt);
      out.appendChild(solution);
      window.unrolledTypeset(prompt);
      window.unrolledTypeset(solution);
    });
  });
})();
