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
from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common import metrics
from common.log_context import log_context
from meta.signature import verification_challenge, webhook_signature_check

logger = logging.getLogger(__name__)


class WebhookCounts(Protocol):
    """What a product's handler returns (its summary): the counts Meta's answer carries."""

    stored: int
    duplicates: int
    rejected: int


class MetaWebhookView(APIView):
    # Meta authenticates by signature (the app secret signs every product's webhooks),
    # not by session or token, and sends no CSRF token.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    # Not part of the public API schema.
    schema = None

    channel: str
    label: str  # for log lines: "WhatsApp", "Instagram"
    verification_setting: str
    payload_invalid: type[Exception]
    # Parses the raw body (raises ``payload_invalid``); stores and enqueues, returning a summary.
    body_load: Callable[[bytes], dict]
    handle: Callable[..., WebhookCounts]

    def get(self, request: Request) -> HttpResponse:
        """Subscription check: echo ``hub.challenge`` when the verify token matches."""
        verify_token = getattr(settings, self.verification_setting)
        challenge = verification_challenge(request.query_params, verify_token)
        if challenge is not None:
            return HttpResponse(challenge, content_type="text/plain")
        logger.warning("%s webhook verification refused (mode %r)", self.label, request.query_params.get("hub.mode"))
        return Response({"error": "verification_failed", "detail": "Wrong mode or verify token."}, status=403)

    def post(self, request: Request) -> Response:
        """Verify, store and enqueue; answers within milliseconds (no Graph API call here)."""
        with log_context():
            body = request.body
            if not webhook_signature_check(body, request.headers.get("X-Hub-Signature-256")):
                metrics.webhook_signature_failures.labels(channel=self.channel).inc()
                logger.warning("%s webhook with a missing or wrong signature refused", self.label)
                return Response(
                    {"error": "invalid_signature", "detail": "X-Hub-Signature-256 is missing or wrong."}, status=403
                )
            try:
                data = self.body_load(body)
            except self.payload_invalid as exc:
                return Response({"error": "invalid_payload", "detail": str(exc)}, status=400)
            try:
                summary = self.handle(data=data)
            except (OperationalError, InterfaceError):
                # The database is unreachable (restarting, failing over): nothing was stored,
                # each message's transaction rolled back whole. Not 200, so Meta delivers it
                # again (for up to 7 days); one warning line, not a traceback per request.
                logger.warning("%s webhook not stored: the database is unavailable; Meta will redeliver", self.label)
                return Response(
                    {"error": "unavailable", "detail": "Temporarily unable to store the event; retry later."},
                    status=503, headers={"Retry-After": "5"},
                )
            return Response({
                "status": "ok", "stored": summary.stored, "duplicates": summary.duplicates,
                "rejected": summary.rejected,
            })
