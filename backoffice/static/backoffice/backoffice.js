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
    // Conversation page: the transcript opens at its newest message, and stays there when htmx
    // refreshes it (every few seconds), unless staff scrolled up to read something older.
    var chatBottom = function (chat) { return chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40; };
    var chatAt = { bottom: true, top: 0 };
    var firstChat = document.querySelector("#lyo-live #lyo-chat");
    if (firstChat) { firstChat.scrollTop = firstChat.scrollHeight; }
    document.addEventListener("htmx:beforeSwap", function (event) {
      // Signed out meanwhile: the refresh was sent to the login page; show it as a page, not in the chat.
      var xhr = event.detail && event.detail.xhr;
      if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/admin/login/") !== -1) {
        event.detail.shouldSwap = false;
        window.location.reload();
        return;
      }
      var chat = document.querySelector("#lyo-live #lyo-chat");
      if (chat) { chatAt = { bottom: chatBottom(chat), top: chat.scrollTop }; }
    });
    document.addEventListener("htmx:load", function (event) {
      var chat = event.target.querySelector && event.target.querySelector("#lyo-chat");
      if (chat && event.target.id === "lyo-live") {
        chat.scrollTop = chatAt.bottom ? chat.scrollHeight : chatAt.top;
      }
    });
    // Conversation page: a quick reply fills the reply box (staff may still edit it before sending).
    document.addEventListener("click", function (event) {
      var quick = event.target.closest && event.target.closest("[data-lyo-fill]");
      var box = document.getElementById("lyo-reply-text");
      if (!quick || !box) { return; }
      box.value = quick.getAttribute("data-lyo-fill");
      box.focus();
    });
    // Day view: a visit step or a walk-in is posted in the background and the day is
    // swapped in place (the page keeps its scroll); without fetch the form posts as usual.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.classList || !form.classList.contains("lyo-visit-form") || !window.fetch || !window.DOMParser) {
        return;
      }
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("lyo-day-live");
          var current = document.getElementById("lyo-day-live");
          if (fresh && current) { current.replaceWith(fresh); } else { window.location.reload(); }
        })
        .catch(function () { window.location.reload(); });
    });
    // Chats: show the latest message.
    var chat = document.getElementById("lyo-chat");
    if (chat) { chat.scrollTop = chat.scrollHeight; }
    var text = document.getElementById("lyo-chat-text");
    if (text) { text.focus(); }
  });
})();
