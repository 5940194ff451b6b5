"""Service-level endpoints: what this is, and whether it is healthy."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

import lyo
from lyo.health import health_checks


@require_GET
def root(request: HttpRequest) -> JsonResponse:
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
def health_live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers HTTP. No dependency is checked, so a database
    outage never makes an orchestrator restart healthy containers."""
    return JsonResponse({"status": "ok"})


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Readiness: every dependency answers; 503 naming the ones that do not."""
    checks = health_checks()
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {check.name: check.as_dict() for check in checks},
    }
    if not healthy:
        body["failing"] = [check.name for check in checks if not check.ok]
    return JsonResponse(body, status=200 if healthy else 503)
