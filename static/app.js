// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  // Reveal a question only when the answer it depends on (on this page) is chosen.
  function updateConditional() {
    document.querySelectorAll("[data-show-when]").forEach(function (group) {
      var name = group.getAttribute("data-show-when");
      var wanted = group.getAttribute("data-show-values").split(" ");
      var chosen = Array.prototype.some.call(
        document.querySelectorAll('input[name="' + name + '"]:checked'),
        function (input) { return wanted.indexOf(input.value) !== -1; }
      );
      group.hidden = !chosen;
      var note = group.querySelector(".hint");
      if (note) { note.hidden = true; }
    });
  }

  // "None of these" / "I don't know" clear the other boxes, and the other way round.
  function exclusive(event) {
    var input = event.target;
    if (input.type !== "checkbox" || !input.checked) { return; }
    var boxes = document.querySelectorAll('input[type=checkbox][name="' + input.name + '"]');
    boxes.forEach(function (box) {
      if (box === input) { return; }
      if (input.hasAttribute("data-exclusive") || box.hasAttribute("data-exclusive")) {
        box.checked = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    updateConditional();
    document.addEventListener("change", function (event) {
      exclusive(event);
      updateConditional();
    });

    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }

    document.querySelectorAll("[data-prevent-double-click]").forEach(function (button) {
      button.form.addEventListener("submit", function () {
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });

    var print = document.querySelector("[data-print]");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  });

  // Print every citation's quote, whatever was open on screen.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) {
      d.setAttribute("data-was-open", d.open ? "1" : "");
      d.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-was-open]").forEach(function (d) {
      d.open = d.getAttribute("data-was-open") === "1";
      d.removeAttribute("data-was-open");
    });
  });
})();
