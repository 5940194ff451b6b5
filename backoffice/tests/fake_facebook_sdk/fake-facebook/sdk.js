// A stand-in for the Facebook JS SDK, served by the test server: FB.login answers at once,
// as Meta's Embedded Signup does when the owner finishes its window, with the window's
// WA_EMBEDDED_SIGNUP message first and then the login callback with a one-time code.
(function () {
  "use strict";
  window.FB = {
    init: function (options) { window.fakeFacebookInit = options; },
    login: function (callback, options) {
      window.fakeFacebookLogin = options;
      var coexistence = options.extras && options.extras.featureType === "whatsapp_business_app_onboarding";
      var cancel = window.fakeFacebookCancel === true;
      setTimeout(function () {
        var message = cancel
          ? {type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", data: {current_step: "PHONE_NUMBER_SETUP"}, version: "3"}
          : {type: "WA_EMBEDDED_SIGNUP",
             event: coexistence ? "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING" : "FINISH",
             data: {phone_number_id: "106540352242922", waba_id: "102290129340398", business_id: "55501"},
             version: "3"};
        window.postMessage(JSON.stringify(message), window.location.origin);
        setTimeout(function () {
          callback(cancel ? {authResponse: null, status: "unknown"}
                          : {authResponse: {code: "AQD-signup-code-4f8Jk2LmQ"}, status: "connected"});
        }, 20);
      }, 20);
    },
  };
  if (typeof window.fbAsyncInit === "function") { window.fbAsyncInit(); }
}());
