// Select the whole value of a read-only field (the fresh API token) when it gets focus.
document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
  "use strict";
  field.addEventListener("focus", function () { field.select(); });
});
