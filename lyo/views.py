"""Service-level endpoints: what this is, and whether it is healthy."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

import lyo
from common.prometheus import MetricsAccessDenied, metrics_access_check, metrics_refusal_headers
from lyo.health import health_checks


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    """What this service is (SPEC: JSON of name, version, links), except for a logged-in
    staff member's browser, which goes to the staff home: the address they type, or the
    admin's "View site", must not land them on a JSON blob. A client that asks for JSON
    (``Accept: application/json``) gets it whoever is logged in."""
    user = getattr(request, "user", None)
    wants_page = request.get_preferred_type(["text/html", "application/json"]) == "text/html"
    if wants_page and user is not None and user.is_authenticated and user.is_staff:
        response: HttpResponse = HttpResponseRedirect(reverse("admin:index"))
    else:
        response = _root_description(request)
    patch_vary_headers(response, ["Accept"])
    return response


def _root_description(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": "Lyo",
            "description": "WhatsApp and Instagram booking assistant for restaurants and salons.",
            "version": lyo.__version__,
            "links": {
                "health": request.build_absolute_uri("/health"),
                "metrics": request.build_absolute_uri("/metrics"),
                "admin": request.build_absolute_uri("/admin/"),
                "api_schema": request.build_absolute_uri("/api/schema/"),
            },
        }
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask ``/favicon.ico`` by themselves (on the JSON pages too): the icon in the
    static files, under its content-hashed name. Temporary, since that name changes with it."""
    return HttpResponseRedirect(static("backoffice/favicon.ico"))


@require_GET
def health_live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers HTTP. No dependency is checked, so a database
    outage never makes an orchestrator restart healthy containers."""
    return JsonResponse({"status": "ok"})


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Readiness: every dependency answers; 503 naming the ones that do not."""
    checks = health_checks()
    healthy = all(check.ok for check in checks)
    body: dict[str, object] = {
        "status": "ok" if healthy else "unavailable",
        "checks": {check.name: check.as_dict() for check in checks},
    }
    if not healthy:
        body["failing"] = [check.name for check in checks if not check.ok]
    return JsonResponse(body, status=200 if healthy else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text for a scraper with the token or from an allowed network (common.prometheus).

    Every spelling of the path that resolves here (``/metrics/``, ``/%6detrics``: the
    path is decoded before routing) gets the same check, whatever a proxy in front filters.
    """
    try:
        metrics_access_check(
            authorization=request.headers.get("Authorization", ""),
            remote_addr=request.META.get("REMOTE_ADDR", ""),
            token=settings.METRICS_TOKEN,
            networks=settings.METRICS_ALLOWED_NETWORKS,
        )
    except MetricsAccessDenied as error:
        response = HttpResponse(b"", status=error.status)
        for name, value in metrics_refusal_headers(error):
            response[name] = value
        return response
    return ExportToDjangoView(request)
