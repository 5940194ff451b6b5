// Printable list: a button that opens the browser's print dialogue (the page prints without it too).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("lyo-print");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    }
  });
})();
