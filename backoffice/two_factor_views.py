"""The admin's two-factor pages (set up an authenticator app, enter its code) and the gate before the admin.

The pages live in the admin site (``backoffice/sites.py``), behind its login; the
middleware keeps a session that still owes a code (or, for an owner when
``LYO_REQUIRE_2FA`` is on, a device) away from every other page.
"""

from collections.abc import Callable
from functools import cache

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device

from backoffice.two_factor import (
    TwoFactorStep,
    session_is_verified,
    totp_device_confirm,
    totp_device_for_code,
    totp_device_pending,
    totp_qr_svg,
    totp_secret_text,
    two_factor_required,
    two_factor_step_pending,
)

STEP_URL_NAMES = {TwoFactorStep.SETUP: "admin:two_factor_setup", TwoFactorStep.VERIFY: "admin:two_factor_verify"}
# Pages a session owing a code may still open: the two-factor pages, logging out, the
# admin's translations for its scripts, and the language switch.
OPEN_URL_NAMES = (*STEP_URL_NAMES.values(), "admin:logout", "admin:jsi18n")
# Machine endpoints (Meta's and Chatwoot's webhooks, probes, metrics) authenticate each
# request by signature or token, never by a staff session: no session is looked up there.
OPEN_PATH_PREFIXES = ("/i18n/", "/webhooks/", "/health", "/metrics")


class TwoFactorCodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"), max_length=10, strip=True,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8,
        }),
        help_text=_("The six digits your authenticator app shows now."),
    )


def _logged_in_user(request: HttpRequest) -> User:
    # The pages are behind the admin's login (``admin_view``): the user is never anonymous.
    user = request.user
    assert isinstance(user, User)
    return user


def _next_url(request: HttpRequest) -> str:
    """Where to go once the code is in: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("admin:index")


def _render(request: HttpRequest, template: str, context: dict) -> TemplateResponse:
    return TemplateResponse(request, template, {
        **admin.site.each_context(request), "next": _next_url(request), **context,
    })


@sensitive_post_parameters("token")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Show a new secret (QR code and text) and switch two-factor on once a code from it is confirmed."""
    user = _logged_in_user(request)
    if user_has_device(user, confirmed=True):
        if not session_is_verified(user):
            # Adding a device is no way around entering the code of the one they have.
            return redirect(f"{reverse('admin:two_factor_verify')}?{urlencode({'next': _next_url(request)})}")
        return _render(request, "backoffice/two_factor_setup.html", {
            "title": gettext("Two-factor authentication"), "already_on": True,
        })
    device = totp_device_pending(user=user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            device.refresh_from_db()
            otp_login(request, device)
            messages.success(request, gettext("Two-factor authentication is on: you will enter a code at each login."))
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", gettext("Wrong or expired code: enter the one your app shows now."))
    return _render(request, "backoffice/two_factor_setup.html", {
        "title": gettext("Set up two-factor authentication"),
        "form": form,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret_text(device),
        "required": two_factor_required(user),
    })


@sensitive_post_parameters("token")
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Enter the authenticator's current code to finish logging in."""
    user = _logged_in_user(request)
    if not user_has_device(user, confirmed=True):
        return HttpResponseRedirect(
            reverse("admin:two_factor_setup") if two_factor_required(user) else _next_url(request)
        )
    if session_is_verified(user):
        return HttpResponseRedirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = totp_device_for_code(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", gettext("Wrong or expired code: enter the one your app shows now."))
    return _render(request, "backoffice/two_factor_verify.html", {
        "title": gettext("Enter your two-factor code"), "form": form,
    })


class TwoFactorRequiredMiddleware:
    """Sends a session that still owes a two-factor step to its page; elsewhere refuses it.

    After ``django_otp.middleware.OTPMiddleware``. A session that logged in with the
    password only is not yet logged in as far as the admin (and the session-authenticated
    API) are concerned.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = None if self._is_open(request.path) else two_factor_step_pending(request.user)
        if step is None:
            return self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            return redirect(f"{reverse(STEP_URL_NAMES[step])}?{urlencode({'next': request.get_full_path()})}")
        return HttpResponseForbidden(gettext("Finish logging in: enter your two-factor code in the admin."))

    @staticmethod
    def _is_open(path: str) -> bool:
        return path.startswith(OPEN_PATH_PREFIXES) or path in _open_paths()


@cache
def _open_paths() -> frozenset[str]:
    """The step pages, logout and the admin's translations: reversed once (the URLconf is fixed)."""
    return frozenset(reverse(name) for name in OPEN_URL_NAMES)
