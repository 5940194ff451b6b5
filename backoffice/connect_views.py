"""Connect WhatsApp: the owner connects the business's number with Meta's Embedded Signup.

The page loads the Facebook JS SDK (the one script any staff page loads from another
host: its Content-Security-Policy says so for this page only) and runs Meta's dialog;
its script posts what the dialog returned to ``whatsapp_connect_finish``, which calls
one service and answers JSON the page shows. Owners only (staff get a 403); the tenant
is resolved as on every settings page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.settings_views import _is_owner
from backoffice.views import _render, _tenant, _tenant_choice, _tenant_query, _tenant_slug
from tenants.models import Tenant
from whatsapp.services.embedded_signup import (
    EmbeddedSignupFailed,
    EmbeddedSignupNotConfigured,
    NumberConnectedElsewhere,
    SignupStep,
    embedded_signup_configured,
    signup_session_parse,
    whatsapp_embedded_signup_complete,
)

# What the SDK's login dialog needs besides its script: its frames and its calls home.
FACEBOOK_FRAME_ORIGINS = ["https://www.facebook.com", "https://web.facebook.com", "https://staticxx.facebook.com"]
FACEBOOK_CONNECT_ORIGINS = ["https://graph.facebook.com", "https://www.facebook.com"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def facebook_sdk_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """This page's own exceptions to the site's policy: the SDK's script, frames and calls, and its popup.

    Django's default Cross-Origin-Opener-Policy (same-origin) would cut the login popup
    off from the page, and the SDK would never hear back from it.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        policy = {
            "script-src": [_origin(settings.META_SDK_URL)],
            "frame-src": FACEBOOK_FRAME_ORIGINS,
            "connect-src": ["'self'", *FACEBOOK_CONNECT_ORIGINS],
            "img-src": ["https://www.facebook.com"],
        }
        response = csp_update(policy)(view)(request, *args, **kwargs)
        response["Cross-Origin-Opener-Policy"] = "same-origin-allow-popups"
        return response

    return wrapped


def _owner_tenant(request: HttpRequest) -> Tenant | None:
    tenant = _tenant(request)
    if tenant is not None and not _is_owner(request.user, tenant):
        raise PermissionDenied("Only the business's owner connects its WhatsApp number.")
    return tenant


@facebook_sdk_allowed
def whatsapp_connect(request: HttpRequest) -> HttpResponse:
    tenant = _owner_tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Connect WhatsApp"))
    fresh = Tenant.objects.get(pk=tenant.pk)
    return _render(
        request,
        "backoffice/whatsapp_connect.html",
        {
            "title": _("Connect WhatsApp"),
            "tenant": fresh,
            "tenant_slug": _tenant_slug(request, tenant),
            "index_query": _tenant_query(request, tenant),
            "channels_url": f"{reverse('admin:backoffice_settings_section', args=['channels'])}"
            f"{_tenant_query(request, tenant)}",
            "configured": embedded_signup_configured(),
            "app_id": settings.META_APP_ID,
            "config_id": settings.META_EMBEDDED_SIGNUP_CONFIG_ID,
            "graph_version": settings.GRAPH_API_VERSION,
            "sdk_url": settings.META_SDK_URL,
            "login_origins": " ".join(settings.META_LOGIN_ORIGINS),
            "finish_url": reverse("admin:backoffice_whatsapp_connect_finish"),
            "is_nav_sidebar_enabled": False,
        },
        tenant,
    )


# What the owner reads when a step fails; the detail goes to the log, not to the page.
def _failure_text(failed: EmbeddedSignupFailed) -> str:
    if isinstance(failed, NumberConnectedElsewhere):
        return _("This number is already connected to another business on Lyo. Nothing was changed.")
    if failed.step == SignupStep.CHECK:
        return _(
            "Meta's window did not return everything needed (or the PIN is not six digits). "
            "Nothing was changed: please try again."
        )
    texts = {
        SignupStep.CODE_EXCHANGE: _("Meta did not accept the sign-in. Nothing was changed: please try again."),
        SignupStep.SUBSCRIBE: _("Meta refused to send this account's messages to Lyo. Nothing was changed."),
        SignupStep.REGISTER: _("Meta refused to register the number (check the PIN). Nothing was changed."),
        SignupStep.NUMBER_READ: _("Meta did not let Lyo read the number. Nothing was changed."),
    }
    text = texts.get(failed.step, _("The number was not connected. Nothing was changed."))
    if failed.transient:
        text = f"{text} {_('Meta seems busy: try again in a few minutes.')}"
    return text


@require_POST
def whatsapp_connect_finish(request: HttpRequest) -> JsonResponse:
    """The page's script posts the dialog's code and session info here (with the CSRF token)."""
    tenant = _owner_tenant(request)
    if tenant is None:
        raise Http404("Choose a business first.")
    user = request.user
    assert isinstance(user, User)  # behind the admin's login
    try:
        session = signup_session_parse(
            code=request.POST.get("code", ""),
            business_account_id=request.POST.get("waba_id", ""),
            phone_number_id=request.POST.get("phone_number_id", ""),
            flavour=request.POST.get("flavour", ""),
            pin=request.POST.get("pin", ""),
        )
        connected = whatsapp_embedded_signup_complete(tenant=tenant, session=session, actor=user)
    except EmbeddedSignupNotConfigured:
        return JsonResponse(
            {
                "connected": False,
                "message": _("Connecting a number here is not set up yet: ask Lyo's operator to connect it."),
            },
            status=503,
        )
    except EmbeddedSignupFailed as failed:
        return JsonResponse(
            {"connected": False, "step": failed.step, "message": _failure_text(failed)},
            status=409 if isinstance(failed, NumberConnectedElsewhere) else 400,
        )
    if connected.coexistence:
        message = _("Connected: %(number)s now answers on Lyo and stays in your WhatsApp Business app.") % {
            "number": connected.display_phone_number or connected.phone_number_id
        }
    else:
        message = _("Connected: %(number)s now answers on Lyo.") % {
            "number": connected.display_phone_number or connected.phone_number_id
        }
    return JsonResponse(
        {
            "connected": True,
            "message": message,
            "display_phone_number": connected.display_phone_number,
            "verified_name": connected.verified_name,
            "coexistence": connected.coexistence,
        }
    )
