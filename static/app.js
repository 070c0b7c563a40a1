// Shows a failed save in the table cell whose checkbox htmx could not save.
(function () {
  function mark(event, text) {
    var elt = event.detail && event.detail.elt;
    var cell = elt && elt.closest ? elt.closest("td") : null;
    var status = cell ? cell.querySelector(".cell-status") : null;
    if (status) { status.textContent = text; status.classList.add("failed"); }
  }
  document.addEventListener("htmx:sendError", function (e) { mark(e, "Not saved: no connection"); });
  document.addEventListener("htmx:responseError", function (e) { mark(e, "Not saved"); });
})();

// "Print this schedule" buttons (no inline script: the CSP forbids it).
document.addEventListener("click", function (e) {
  var button = e.target && e.target.closest ? e.target.closest("[data-print]") : null;
  if (button) { window.print(); }
});

// A suggested value's button puts it in its field (without JavaScript it submits the form,
// and the page comes back with the value in the field). A suggested SKU carries its term, so
// the months field is emptied.
document.addEventListener("click", function (e) {
  var button = e.target && e.target.closest ? e.target.closest("[data-fill]") : null;
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-fill"));
  if (!field) { return; }
  e.preventDefault();
  field.value = button.getAttribute("data-value");
  var months = button.form ? button.form.querySelector("[name=months]") : null;
  if (months) { months.value = ""; }
  field.focus();
  field.dispatchEvent(new Event("input", { bubbles: true }));
});

// Menu sections: one open at a time; Escape or a click elsewhere closes it (focus goes back to
// the section's name after Escape).
(function () {
  function sections() { return document.querySelectorAll(".menu-section details"); }
  document.addEventListener("toggle", function (e) {
    var opened = e.target;
    if (!opened.matches || !opened.matches(".menu-section details") || !opened.open) { return; }
    sections().forEach(function (d) { if (d !== opened) { d.open = false; } });
  }, true);
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    sections().forEach(function (d) {
      if (d.open) { d.open = false; d.querySelector("summary").focus(); }
    });
  });
  document.addEventListener("click", function (e) {
    sections().forEach(function (d) { if (d.open && !d.contains(e.target)) { d.open = false; } });
  });
})();
