"""``/webhooks/whatsapp``: Meta's verification handshake and its event deliveries."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lyo import metrics
from lyo.log_context import log_context
from whatsapp.parsing import PayloadInvalid, webhook_body_load
from whatsapp.services.inbound import whatsapp_webhook_handle
from whatsapp.signature import verification_challenge, webhook_signature_check

logger = logging.getLogger(__name__)


class WhatsAppWebhookView(APIView):
    # Meta authenticates by signature, not by session or token (and sends no CSRF token).
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> HttpResponse:
        """Subscription check: echo ``hub.challenge`` when the verify token matches."""
        challenge = verification_challenge(request.query_params, settings.WHATSAPP_WEBHOOK_VERIFY_TOKEN)
        if challenge is not None:
            return HttpResponse(challenge, content_type="text/plain")
        logger.warning("WhatsApp webhook verification refused (mode %r)", request.query_params.get("hub.mode"))
        return Response({"error": "verification_failed", "detail": "Wrong mode or verify token."}, status=403)

    def post(self, request: Request) -> Response:
        """Verify, store and enqueue; answers within milliseconds (no Graph API call here)."""
        with log_context():
            body = request.body
            if not webhook_signature_check(body, request.headers.get("X-Hub-Signature-256")):
                metrics.webhook_signature_failures.labels(channel="whatsapp").inc()
                logger.warning("WhatsApp webhook with a missing or wrong signature refused")
                return Response(
                    {"error": "invalid_signature", "detail": "X-Hub-Signature-256 is missing or wrong."}, status=403
                )
            try:
                data = webhook_body_load(body)
            except PayloadInvalid as exc:
                return Response({"error": "invalid_payload", "detail": str(exc)}, status=400)
            try:
                summary = whatsapp_webhook_handle(data=data)
            except (OperationalError, InterfaceError):
                # The database is unreachable (restarting, failing over). Each message is
                # stored in a transaction of its own, so none is half-written. Not 200, so Meta
                # delivers the POST again (for up to 7 days) and the messages stored before the
                # failure are recognised as duplicates. One warning line, not a traceback each.
                logger.warning("WhatsApp webhook not stored: the database is unavailable; Meta will redeliver")
                return Response(
                    {"error": "unavailable", "detail": "Temporarily unable to store the event; retry later."},
                    status=503, headers={"Retry-After": "5"},
                )
            return Response({"status": "ok", "stored": summary.stored, "duplicates": summary.duplicates})
