"""Admin login throttling (django-axes): whose failures count together."""

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# Django-axes' own status for a locked-out login: Too Many Requests.
LOCKOUT_STATUS = 429


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address for login throttling (``AXES_CLIENT_IP_CALLABLE``).

    ``X-Forwarded-For`` is written by the client as much as by the proxies: only the
    entries our own ``TRUSTED_PROXY_COUNT`` proxies appended (the rightmost ones) are
    believed, so a forged header cannot pick someone else's address to lock out or
    dodge the lockout with. Without trusted proxies, the socket's address.
    """
    trusted = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        return remote  # not through all our proxies: the header is not theirs
    return hops[-trusted]


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """The admin's lockout page (``AXES_LOCKOUT_CALLABLE``), in the admin's frame and the visitor's language."""
    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "title": "",
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return TemplateResponse(request, "backoffice/lockout.html", context, status=LOCKOUT_STATUS).render()
