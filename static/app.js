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
    });
  }

  // With JavaScript the question appears only when it applies, so its "Answer this
  // only if…" note is hidden. A hidden element named in aria-describedby is still
  // read out, so the fieldset stops naming it too.
  function hideConditionNotes() {
    document.querySelectorAll("[data-condition-note]").forEach(function (note) {
      note.hidden = true;
      var fieldset = note.closest("fieldset");
      var ids = (fieldset.getAttribute("aria-describedby") || "").split(" ").filter(
        function (id) { return id && id !== note.id; }
      );
      if (ids.length) {
        fieldset.setAttribute("aria-describedby", ids.join(" "));
      } else {
        fieldset.removeAttribute("aria-describedby");
      }
    });
  }

  // The GOV.UK error summary: a link goes to the question's first input; show the
  // question (its legend) too, not only the input, then put the focus on the input.
  // Without JavaScript the link is an ordinary anchor to the input.
  function goToError(event) {
    var link = event.target.closest("a[href^='#']");
    var input = link && document.getElementById(link.getAttribute("href").slice(1));
    var fieldset = input && input.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    if (!legend) { return; }
    event.preventDefault();
    history.pushState(null, "", link.hash);  // the address an anchor would give
    legend.scrollIntoView();
    input.focus({ preventScroll: true });
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
    hideConditionNotes();
    updateConditional();
    document.addEventListener("change", function (event) {
      exclusive(event);
      updateConditional();
    });

    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", goToError);
    }

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

})();
