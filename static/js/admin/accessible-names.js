// Accessible names for admin controls that Django and django-ace render without one
// (axe-core rules `label` and `link-name`; tests/browser/test_accessibility.py).
//
// - Inputs in table cells (tabular inlines, list_editable changelists) have their column's
//   header as the only visible label: each gets an aria-label "<header>, <row>" unless it
//   already has a name.
// - Django's split date/time widget (AdminSplitDateTime) writes "Date:" and "Time:" as plain
//   text, and its field's <label> has no `for`: each input gets "<field>, date" or ", time".
// - django-ace's full-screen toggle is an empty link: it gets a name and a title.
(function () {
  "use strict";

  function text(node) {
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function hasName(control) {
    if (control.getAttribute("aria-label") || control.getAttribute("aria-labelledby")) {
      return true;
    }
    return Boolean(control.id && document.querySelector('label[for="' + CSS.escape(control.id) + '"]'));
  }

  function columnHeader(cell) {
    var table = cell.closest("table");
    if (!table || !table.tHead) {
      return "";
    }
    var row = table.tHead.rows[table.tHead.rows.length - 1];
    var index = 0;
    for (var sibling = cell.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
      index += sibling.colSpan || 1;
    }
    var position = 0;
    for (var i = 0; i < row.cells.length; i += 1) {
      if (position === index) {
        // A sortable changelist header also holds sort links and a priority number.
        return text(row.cells[i].querySelector(".text") || row.cells[i]);
      }
      position += row.cells[i].colSpan || 1;
    }
    return "";
  }

  // The row's own name: an inline row's object (its text, not its "View on site" link), or a
  // changelist row's first column.
  function rowName(row, number) {
    var name = "";
    var original = row.querySelector("td.original p");
    if (original) {
      original.childNodes.forEach(function (node) {
        if (node.nodeType === Node.TEXT_NODE) {
          name += node.textContent;
        }
      });
      name = name.replace(/\s+/g, " ").trim();
    } else {
      name = text(row.querySelector("th"));
    }
    return name || "row " + number;
  }

  // "date" or "time" for an input of a split date/time widget (the text just before it), else "".
  function splitPart(control) {
    var before = control.previousSibling;
    if (!control.closest("p.datetime") || !before || before.nodeType !== Node.TEXT_NODE) {
      return "";
    }
    return before.textContent.replace(/[\s:]+/g, " ").trim().toLowerCase();
  }

  function nameSplitDateTimes(root) {
    root.querySelectorAll("p.datetime input:not([type=hidden])").forEach(function (input) {
      var field = input.closest(".flex-container");
      var label = field ? text(field.querySelector("label")).replace(/:$/, "") : "";
      var part = splitPart(input);
      // In a table cell the column names the field (nameTableControls).
      if (hasName(input) || !label || !part || input.closest("table")) {
        return;
      }
      input.setAttribute("aria-label", label + ", " + part);
    });
  }

  function nameTableControls(root) {
    var controls = root.querySelectorAll(
      "table td input:not([type=hidden]), table td select, table td textarea"
    );
    controls.forEach(function (control) {
      if (hasName(control)) {
        return;
      }
      var cell = control.closest("td");
      var row = control.closest("tr");
      var header = columnHeader(cell) || control.name;
      var number = row && row.parentNode ? Array.prototype.indexOf.call(row.parentNode.rows, row) + 1 : 0;
      var part = splitPart(control);
      control.setAttribute(
        "aria-label", header + ", " + rowName(row, number) + (part ? ", " + part : "")
      );
    });
  }

  function nameEditorToggles(root) {
    root.querySelectorAll("a.django-ace-max_min").forEach(function (link) {
      if (!text(link) && !link.getAttribute("aria-label")) {
        link.setAttribute("aria-label", "Toggle full-screen editor");
        link.setAttribute("title", "Toggle full-screen editor");
        link.setAttribute("role", "button");
      }
    });
  }

  function fix(root) {
    nameSplitDateTimes(root);
    nameTableControls(root);
    nameEditorToggles(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    fix(document);
  });
  // Rows that "Add another" inserts into an inline formset.
  document.addEventListener("formset:added", function (event) {
    fix(event.target || document);
  });
})();
