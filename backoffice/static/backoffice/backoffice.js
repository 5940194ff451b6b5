// Lyo staff pages: small conveniences; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Day view: picking a date shows it at once.
    var date = document.getElementById("lyo-date");
    if (date) {
      date.addEventListener("change", function () {
        if (date.value) { date.form.submit(); }
      });
    }
    // Day view: start at the first opening hour (or at the booking just made).
    var day = document.getElementById("lyo-day");
    if (day && !window.location.hash) {
      var firstOpen = day.querySelector("[data-first-open]");
      if (firstOpen) {
        firstOpen.scrollIntoView({ block: "start" });
        // Keep the opening hour clear of the sticky column headers.
        window.scrollBy(0, -3 * firstOpen.offsetHeight - 40);
      }
    }
    // Chats: show the latest message.
    var chat = document.getElementById("lyo-chat");
    if (chat) { chat.scrollTop = chat.scrollHeight; }
    var text = document.getElementById("lyo-chat-text");
    if (text) { text.focus(); }
  });
})();
