// Lesson 8: sliders for the recurrent scale s and the length T redraw ‖∂h_T/∂h_t‖_F on a log
// axis, for the lesson's network (H = 2, U = [0.5, −0.5], x_t = 0.1, h0 = 0, b = 0, W = s R).
// Native range inputs, so arrow keys, Home/End and the mouse all work. No inline script/style.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var R = [[0.6, -0.8], [0.8, 0.6]], U = [0.5, -0.5], X = 0.1;
  var W = 640, H = 340, LEFT = 64, RIGHT = 20, TOP = 20, BOTTOM = 50;

  function gradientNorms(s, T) {
    var Wm = [[s * R[0][0], s * R[0][1]], [s * R[1][0], s * R[1][1]]];
    var hs = [], h = [0, 0];
    for (var t = 0; t < T; t++) {
      h = [0, 1].map(function (i) { return Math.tanh(U[i] * X + Wm[i][0] * h[0] + Wm[i][1] * h[1]); });
      hs.push(h);
    }
    var J = [[1, 0], [0, 1]], norms = new Array(T);
    norms[T - 1] = Math.SQRT2;
    for (var k = T - 1; k >= 1; k--) {
      // ∂h_T/∂h_k = ∂h_T/∂h_{k+1} · diag(1 − h_{k+1}²) W, with h_{k+1} = hs[k].
      var d = hs[k].map(function (v) { return 1 - v * v; });
      var step = [[d[0] * Wm[0][0], d[0] * Wm[0][1]], [d[1] * Wm[1][0], d[1] * Wm[1][1]]];
      J = [[J[0][0] * step[0][0] + J[0][1] * step[1][0], J[0][0] * step[0][1] + J[0][1] * step[1][1]],
           [J[1][0] * step[0][0] + J[1][1] * step[1][0], J[1][0] * step[0][1] + J[1][1] * step[1][1]]];
      norms[k - 1] = Math.sqrt(J[0][0] * J[0][0] + J[0][1] * J[0][1] + J[1][0] * J[1][0] + J[1][1] * J[1][1]);
    }
    return norms;
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function slider(container, id, text, min, max, step, value) {
    var row = document.createElement("div");
    row.className = "slider-row";
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = text;
    var input = document.createElement("input");
    input.type = "range"; input.id = id; input.min = min; input.max = max; input.step = step;
    input.value = value;
    var out = document.createElement("output");
    out.setAttribute("for", id);
    row.appendChild(label); row.appendChild(input); row.appendChild(out);
    container.appendChild(row);
    return { input: input, output: out };
  }

  function draw(svg, norms) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var T = norms.length;
    var lo = Math.floor(Math.log10(Math.min.apply(null, norms)));
    var hi = Math.ceil(Math.log10(Math.max.apply(null, norms)));
    if (hi - lo < 2) { lo = hi - 2; }
    function x(t) { return LEFT + (T === 1 ? 0 : (t - 1) * (W - LEFT - RIGHT) / (T - 1)); }
    function y(v) { return TOP + (hi - Math.log10(v)) * (H - TOP - BOTTOM) / (hi - lo); }
    var labelEvery = Math.max(1, Math.ceil((hi - lo) / 8));
    for (var e = lo; e <= hi; e++) {
      el("line", { x1: LEFT, x2: W - RIGHT, y1: y(Math.pow(10, e)), y2: y(Math.pow(10, e)), class: "grid" }, svg);
      if ((e - lo) % labelEvery === 0) {
        var tick = el("text", { x: LEFT - 6, y: y(Math.pow(10, e)) + 4, class: "tick y-tick" }, svg);
        tick.textContent = e >= -3 && e <= 3 ? String(Math.pow(10, e).toPrecision(1) * 1) : "1e" + e;
      }
    }
    var tickEvery = Math.max(1, Math.ceil(T / 10));
    for (var t = 1; t <= T; t++) {
      if ((T - t) % tickEvery === 0) {
        var label = el("text", { x: x(t), y: H - BOTTOM + 18, class: "tick x-tick" }, svg);
        label.textContent = String(t);
      }
    }
    el("path", { d: "M" + LEFT + "," + TOP + " L" + LEFT + "," + (H - BOTTOM) + " L" + (W - RIGHT) + "," + (H - BOTTOM), class: "axis" }, svg);
    var caption = el("text", { x: (LEFT + W - RIGHT) / 2, y: H - 12, class: "tick x-caption" }, svg);
    caption.textContent = "time step t";
    var points = norms.map(function (v, i) { return x(i + 1).toFixed(1) + "," + y(v).toFixed(1); });
    el("polyline", { points: points.join(" "), class: "series" }, svg);
    norms.forEach(function (v, i) { el("circle", { cx: x(i + 1), cy: y(v), r: 3.5, class: "series-dot" }, svg); });
  }

  function build(container) {
    container.textContent = "";
    var controls = document.createElement("div");
    controls.className = "explorer-controls";
    container.appendChild(controls);
    var scale = slider(controls, "explorer-scale", "Recurrent scale s", 0.1, 2.0, 0.1, 1.0);
    var length = slider(controls, "explorer-length", "Sequence length T", 2, 40, 1, 8);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, class: "explorer-plot", role: "img" }, container);
    var summary = document.createElement("p");
    summary.className = "explorer-summary";
    summary.setAttribute("aria-live", "polite");
    container.appendChild(summary);

    function update() {
      var s = Number(scale.input.value), T = Number(length.input.value);
      scale.output.textContent = s.toFixed(1);
      length.output.textContent = String(T);
      var norms = gradientNorms(s, T);
      draw(svg, norms);
      var text = "With s = " + s.toFixed(1) + " and T = " + T + ", ‖∂h_T/∂h_1‖ = " +
        norms[0].toFixed(4) + " against ‖∂h_T/∂h_T‖ = " + norms[T - 1].toFixed(4) + ".";
      svg.setAttribute("aria-label", "Log-scale plot of the gradient norm through time. " + text);
      summary.textContent = text;
      summary.setAttribute("data-first-norm", norms[0].toFixed(4));
    }
    scale.input.addEventListener("input", update);
    length.input.addEventListener("input", update);
    update();
  }

  document.querySelectorAll(".gradient-explorer").forEach(build);
})();
