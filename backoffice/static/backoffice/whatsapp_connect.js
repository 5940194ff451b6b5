// Connect WhatsApp: runs Meta's Embedded Signup with the Facebook JS SDK and hands what it
// returns (a one-time code, and the business account and number ids its window posts to
// this page) to Lyo, which connects the number and answers what to show.
(function () {
  "use strict";
  var page, result, flavour = null, code = null, sessionInfo = null, sent = false, attempts = 0;

  function say(text, kind) {
    result.textContent = text;
    result.className = "lyo-connect-result" + (kind ? " lyo-connect-" + kind : "");
  }

  function buttons(enabled) {
    Array.prototype.forEach.call(page.querySelectorAll("button[data-flavour]"), function (button) {
      button.disabled = !enabled;
    });
  }

  // Both halves arrive in either order: the login's callback (the code) and the window's message (the ids).
  function finishWhenReady() {
    if (sent || !code || !sessionInfo) { return; }
    sent = true;
    say(result.getAttribute("data-text-working"), "");
    var form = new FormData();
    form.append("code", code);
    form.append("waba_id", sessionInfo.waba_id || "");
    form.append("phone_number_id", sessionInfo.phone_number_id || "");
    form.append("flavour", flavour);
    form.append("pin", flavour === "new_number" ? document.getElementById("lyo-connect-pin").value : "");
    if (page.getAttribute("data-tenant")) { form.append("tenant", page.getAttribute("data-tenant")); }
    fetch(page.getAttribute("data-finish-url"), {
      method: "POST", body: form, credentials: "same-origin",
      headers: {"X-CSRFToken": page.querySelector("[name=csrfmiddlewaretoken]").value},
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      say(answer.message, answer.connected ? "success" : "error");
      if (answer.connected) {
        var number = document.getElementById("lyo-whatsapp-number");
        if (number) { number.textContent = answer.display_phone_number; }
        var inApp = document.getElementById("lyo-whatsapp-in-app");
        if (inApp) { inApp.textContent = inApp.getAttribute(answer.coexistence ? "data-text-yes" : "data-text-no"); }
      }
    }).catch(function () {
      say(result.getAttribute("data-text-failed"), "error");
    }).then(function () {
      code = null; sessionInfo = null; sent = false; buttons(true);
    });
  }

  window.addEventListener("message", function (event) {
    var origins = (page && page.getAttribute("data-login-origins") || "").split(" ");
    if (origins.indexOf(event.origin) < 0 || flavour === null) { return; }
    var data;
    try { data = typeof event.data === "string" ? JSON.parse(event.data) : event.data; } catch (e) { return; }
    if (!data || data.type !== "WA_EMBEDDED_SIGNUP") { return; }
    if (data.event === "FINISH" || data.event === "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING") {
      // Meta's window says which kind of onboarding the owner went through.
      if (data.event === "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING") { flavour = "coexistence"; }
      sessionInfo = data.data || {};
      finishWhenReady();
    } else if (data.event === "CANCEL") {
      say(result.getAttribute("data-text-cancel"), "error");
      buttons(true);
    } else if (data.event === "ERROR") {
      say(result.getAttribute("data-text-error"), "error");
      buttons(true);
    }
  });

  function launch(chosen) {
    if (chosen === "new_number" && !/^[0-9]{6}$/.test(document.getElementById("lyo-connect-pin").value)) {
      say(result.getAttribute("data-text-pin"), "error");
      return;
    }
    flavour = chosen; code = null; sessionInfo = null;
    var attempt = ++attempts;
    buttons(false);
    say("", "");
    var extras = {setup: {}, sessionInfoVersion: "3"};
    if (chosen === "coexistence") { extras.featureType = "whatsapp_business_app_onboarding"; }
    window.FB.login(function (response) {
      if (response && response.authResponse && response.authResponse.code) {
        code = response.authResponse.code;
        finishWhenReady();
        // The ids come in the window's message; without them (it never came) nothing can be connected.
        setTimeout(function () {
          if (attempt === attempts && !sent && !sessionInfo && code) {
            code = null;
            say(result.getAttribute("data-text-error"), "error");
            buttons(true);
          }
        }, 15000);
      } else if (!sessionInfo) {
        say(result.getAttribute("data-text-cancel"), "error");
        buttons(true);
      }
    }, {
      config_id: page.getAttribute("data-config-id"),
      response_type: "code",
      override_default_response_type: true,
      extras: extras,
    });
  }

  // The SDK and the page may be ready in either order; the buttons wait for both.
  var sdkLoaded = false, started = false;
  function start() {
    if (started || !sdkLoaded || !page) { return; }
    started = true;
    window.FB.init({
      appId: page.getAttribute("data-app-id"), autoLogAppEvents: true, xfbml: false,
      version: page.getAttribute("data-graph-version"),
    });
    buttons(true);
  }
  window.fbAsyncInit = function () { sdkLoaded = true; start(); };

  document.addEventListener("DOMContentLoaded", function () {
    page = document.getElementById("lyo-whatsapp-connect");
    result = document.getElementById("lyo-connect-result");
    if (!page || !result) { page = null; return; }
    Array.prototype.forEach.call(page.querySelectorAll("button[data-flavour]"), function (button) {
      button.addEventListener("click", function () { launch(button.getAttribute("data-flavour")); });
    });
    start();
  });
}());
