// Lesson 6: lesson 5's two-step network as an unrolled graph. Focusing (Tab) or clicking a
// node highlights every node that depends on it and shows the gradients flowing back into it.
// The numbers are lesson 5's (tests/content checks them against the reference). No inline
// script or style: the page's CSP forbids both.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  // name, label, column, row, value, gradient, how the gradient is built
  var NODES = [
    ["x1", "x₁", 1, 3, "0.5", null, "an input: nothing flows further back from here"],
    ["h0", "h₀", 0, 2, "0", null, "the initial state: w · δ₁ reaches it, but it is not trained"],
    ["z1", "z₁", 1, 2, "0.5", "-0.4937", "δ₁ = ∂L/∂h₁ · (1 − h₁²) = −0.6277 · 0.7864 = −0.4937"],
    ["h1", "h₁", 2, 2, "0.4621", "-0.6277", "∂L/∂h₁ = v · ∂L/∂y₁ + w · δ₂ = −0.7602 + 0.1325 = −0.6277 (two sources)"],
    ["y1", "y₁", 2, 1, "0.4932", "-0.5068", "∂L/∂y₁ = y₁ − d₁ = 0.4932 − 1.0 = −0.5068"],
    ["x2", "x₂", 3, 3, "1.0", null, "an input: nothing flows further back from here"],
    ["z2", "z₂", 3, 2, "1.1311", "0.2650", "δ₂ = ∂L/∂h₂ · (1 − h₂²) = 0.7756 · 0.3417 = 0.2650"],
    ["h2", "h₂", 4, 2, "0.8114", "0.7756", "∂L/∂h₂ = v · ∂L/∂y₂ = 1.5 · 0.5171 = 0.7756 (one source: the last step)"],
    ["y2", "y₂", 4, 1, "1.0171", "0.5171", "∂L/∂y₂ = y₂ − d₂ = 1.0171 − 0.5 = 0.5171"],
    ["L", "L", 3, 0, "0.2621", "1", "the loss itself: ∂L/∂L = 1"]
  ];
  var EDGES = [
    ["x1", "z1", "u"], ["h0", "z1", "w"], ["z1", "h1", "tanh"], ["h1", "y1", "v"],
    ["h1", "z2", "w"], ["x2", "z2", "u"], ["z2", "h2", "tanh"], ["h2", "y2", "v"],
    ["y1", "L", ""], ["y2", "L", ""]
  ];
  var W = 640, H = 380, BOX_W = 84, BOX_H = 50;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function position(node) {
    return { x: 64 + node[2] * 128, y: 32 + node[3] * 105 };
  }
  function dependants(name) {
    var found = {}, stack = [name];
    while (stack.length) {
      var current = stack.pop();
      EDGES.forEach(function (edge) {
        if (edge[0] === current && !found[edge[1]]) { found[edge[1]] = true; stack.push(edge[1]); }
      });
    }
    return Object.keys(found);
  }
  function byName(name) {
    return NODES.filter(function (node) { return node[0] === name; })[0];
  }
  function minus(text) { return text.replace("-", "−"); }

  function build(container) {
    container.textContent = "";
    var help = document.createElement("p");
    help.className = "diagram-help";
    help.id = "bptt-explorer-help";
    help.tabIndex = -1; // a click here starts keyboard navigation just before the graph
    help.textContent = "Tab to a node (or click it): the nodes that depend on it light up, and the panel below shows its value and the gradient flowing back into it.";
    container.appendChild(help);
    var svg = el("svg", {
      viewBox: "0 0 " + W + " " + H, class: "bptt-graph", role: "group",
      "aria-label": "Lesson 5's network unrolled over two steps", "aria-describedby": help.id
    }, container);
    var defs = el("defs", {}, svg);
    var marker = el("marker", {
      id: "bptt-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5",
      markerWidth: "10", markerHeight: "10", markerUnits: "userSpaceOnUse",
      orient: "auto-start-reverse"
    }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }, marker);
    var edgeEls = {};
    EDGES.forEach(function (edge) {
      var a = position(byName(edge[0])), b = position(byName(edge[1]));
      var dx = b.x - a.x, dy = b.y - a.y, len = Math.sqrt(dx * dx + dy * dy);
      // Leave the boxes: stop where the line crosses the box edge, plus a small gap.
      var ax = Math.abs(dx) / (BOX_W / 2 + 3), ay = Math.abs(dy) / (BOX_H / 2 + 3);
      var f = 1 / Math.max(ax, ay);
      var sx = a.x + dx * f, sy = a.y + dy * f, ex = b.x - dx * f, ey = b.y - dy * f;
      var line = el("line", {
        x1: sx, y1: sy, x2: ex, y2: ey, class: "edge", "marker-end": "url(#bptt-arrow)"
      }, svg);
      edgeEls[edge[0] + ">" + edge[1]] = line;
      if (edge[2]) {
        var vertical = Math.abs(dx) < 1;
        var label = el("text", {
          x: (sx + ex) / 2 + (vertical ? 6 : 0), y: (sy + ey) / 2 + (vertical ? 4 : -6),
          class: "edge-label" + (vertical ? "" : " centred")
        }, svg);
        label.textContent = edge[2];
      }
    });
    var panel = document.createElement("div");
    panel.className = "diagram-panel";
    panel.setAttribute("aria-live", "polite");
    panel.textContent = "No node selected yet.";
    var nodeEls = {};
    NODES.forEach(function (node) {
      var p = position(node);
      var description = node[1] + " = " + minus(node[4]) +
        (node[5] === null ? "" : ", gradient " + minus(node[5]));
      var g = el("g", {
        class: "node", tabindex: "0", role: "button", "data-node": node[0],
        "aria-label": description
      }, svg);
      el("rect", { x: p.x - BOX_W / 2, y: p.y - BOX_H / 2, width: BOX_W, height: BOX_H, rx: 6 }, g);
      var name = el("text", { x: p.x, y: p.y - 9, class: "node-name" }, g);
      name.textContent = node[1];
      var value = el("text", { x: p.x, y: p.y + 5, class: "node-value" }, g);
      value.textContent = minus(node[4]);
      var grad = el("text", { x: p.x, y: p.y + 19, class: "node-gradient" }, g);
      grad.textContent = node[5] === null ? "" : "grad " + minus(node[5]);
      nodeEls[node[0]] = g;
      function select() { show(node[0]); }
      g.addEventListener("focus", select);
      g.addEventListener("click", function () { g.focus(); select(); });
      g.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(); }
      });
    });
    container.appendChild(panel);

    function show(name) {
      var node = byName(name), deps = dependants(name);
      Object.keys(nodeEls).forEach(function (key) {
        nodeEls[key].classList.toggle("selected", key === name);
        nodeEls[key].classList.toggle("dependant", deps.indexOf(key) >= 0);
        nodeEls[key].classList.toggle("show-gradient", key === name || deps.indexOf(key) >= 0);
      });
      Object.keys(edgeEls).forEach(function (key) {
        var ends = key.split(">");
        var onPath = (ends[0] === name || deps.indexOf(ends[0]) >= 0) && deps.indexOf(ends[1]) >= 0;
        edgeEls[key].classList.toggle("flowing", onPath);
      });
      var names = deps.map(function (key) { return byName(key)[1]; });
      panel.textContent = "";
      var head = document.createElement("p");
      head.className = "panel-head";
      head.textContent = node[1] + " = " + minus(node[4]) + ". Depends on it: " +
        (names.length ? names.join(", ") : "nothing (it is the loss)") + ".";
      var body = document.createElement("p");
      body.className = "panel-gradient";
      body.textContent = "Gradient flowing back: " + node[6] + ".";
      panel.appendChild(head);
      panel.appendChild(body);
    }
  }

  document.querySelectorAll(".bptt-explorer").forEach(build);
})();
