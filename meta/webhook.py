"""The edge every Meta product's webhook shares (WhatsApp, Instagram): handshake, signature, storage.

A product's view names its channel, verify-token setting, payload loader and handler;
the checks, their order (signature over the raw bytes before any parsing) and the
answers Meta gets are the same for all of them.
"""

import logging
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from common import metrics
from common.log_context import log_context
from meta.signature import verification_challenge, webhook_signature_check

logger = logging.getLogger(__name__)


class WebhookCounts(Protocol):
    """What a product's handler returns (its summary): the counts Meta's answer carries."""

    stored: int
    duplicates: int
    rejected: int


@method_decorator(csrf_exempt, name="dispatch")
class MetaWebhookView(View):
    """A plain Django view, not DRF's: Meta authenticates by signature (the app secret signs
    every product's webhooks), not by session or token, sends no CSRF token and wants JSON
    back, so DRF's authentication, negotiation and rendering were cost without use (about
    5% of a status update's CPU at Meta's rates)."""

    http_method_names = ["get", "post"]

    channel: str
    label: str  # for log lines: "WhatsApp", "Instagram"
    verification_setting: str
    payload_invalid: type[Exception]
    # Parses the raw body (raises ``payload_invalid``); stores and enqueues, returning a summary.
    body_load: Callable[[bytes], dict]
    handle: Callable[..., WebhookCounts]

    def get(self, request: HttpRequest) -> HttpResponse:
        """Subscription check: echo ``hub.challenge`` when the verify token matches."""
        verify_token = getattr(settings, self.verification_setting)
        challenge = verification_challenge(request.GET, verify_token)
        if challenge is not None:
            return HttpResponse(challenge, content_type="text/plain")
        logger.warning("%s webhook verification refused (mode %r)", self.label, request.GET.get("hub.mode"))
        return JsonResponse({"error": "verification_failed", "detail": "Wrong mode or verify token."}, status=403)

    def post(self, request: HttpRequest) -> HttpResponse:
        """Verify, store and enqueue; answers within milliseconds (no Graph API call here)."""
        with log_context():
            body = request.body
            if not webhook_signature_check(body, request.headers.get("X-Hub-Signature-256")):
                metrics.webhook_signature_failures.labels(channel=self.channel).inc()
                logger.warning("%s webhook with a missing or wrong signature refused", self.label)
                return JsonResponse(
                    {"error": "invalid_signature", "detail": "X-Hub-Signature-256 is missing or wrong."}, status=403
                )
            try:
                data = self.body_load(body)
            except self.payload_invalid as exc:
                return JsonResponse({"error": "invalid_payload", "detail": str(exc)}, status=400)
            try:
                summary = self.handle(data=data)
            except (OperationalError, InterfaceError):
                # The database is unreachable (restarting, failing over): nothing was stored,
                # each message's transaction rolled back whole. Not 200, so Meta delivers it
                # again (for up to 7 days); one warning line, not a traceback per request.
                logger.warning("%s webhook not stored: the database is unavailable; Meta will redeliver", self.label)
                return JsonResponse(
                    {"error": "unavailable", "detail": "Temporarily unable to store the event; retry later."},
                    status=503, headers={"Retry-After": "5"},
                )
            return JsonResponse({
                "status": "ok", "stored": summary.stored, "duplicates": summary.duplicates,
                "rejected": summary.rejected,
            })
