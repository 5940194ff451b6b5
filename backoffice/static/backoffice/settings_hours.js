// Opening hours page: "same hours every day" and "copy a day" fill the boxes in place.
// Without this file the same buttons post the form and the server copies the hours.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("lyo-hours-form");
    if (!form) { return; }
    var ranges = parseInt(form.getAttribute("data-ranges"), 10) || 2;
    var note = document.getElementById("lyo-hours-note");

    function field(day, name) { return form.elements.namedItem("d" + day + "_" + name); }

    function copyDay(source, target) {
      if (source === target) { return; }
      field(target, "closed").checked = field(source, "closed").checked;
      for (var i = 0; i < ranges; i++) {
        ["opens", "closes", "last"].forEach(function (name) {
          var from = field(source, i + "_" + name), to = field(target, i + "_" + name);
          if (from && to) { to.value = from.value; }
        });
      }
    }

    // Typing hours into a day marked closed means it opens: untick "closed" for the owner.
    form.addEventListener("input", function (event) {
      var match = /^d(\d)_\d+_(opens|closes)$/.exec(event.target.name || "");
      if (match && event.target.value) { field(match[1], "closed").checked = false; }
    });

    function say(text) { if (note) { note.textContent = text; } }

    var applyAll = document.getElementById("lyo-hours-apply-all");
    if (applyAll) {
      applyAll.addEventListener("click", function (event) {
        event.preventDefault();
        for (var day = 1; day < 7; day++) { copyDay(0, day); }
        say(applyAll.getAttribute("data-done"));
      });
    }
    var copy = document.getElementById("lyo-hours-copy-button");
    if (copy) {
      copy.addEventListener("click", function (event) {
        event.preventDefault();
        var source = parseInt(form.elements.namedItem("copy-copy_from").value, 10);
        var copied = 0;
        Array.prototype.forEach.call(form.querySelectorAll("input[name='copy-copy_to']:checked"), function (box) {
          copyDay(source, parseInt(box.value, 10));
          copied++;
        });
        say(copy.getAttribute(copied ? "data-done" : "data-none"));
      });
    }
  });
})();
