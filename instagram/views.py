"""``/webhooks/instagram``: Meta's verification handshake and its Instagram messaging deliveries."""

import logging

from django.conf import settings
from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from instagram.parsing import PayloadInvalid, webhook_body_load
from instagram.services.inbound import instagram_webhook_handle
from lyo import metrics
from lyo.log_context import log_context
from whatsapp.signature import verification_challenge, webhook_signature_check

logger = logging.getLogger(__name__)


class InstagramWebhookView(APIView):
    # Meta authenticates by signature (the app secret signs every product's webhooks), not by session.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> HttpResponse:
        """Subscription check: echo ``hub.challenge`` when the verify token matches."""
        challenge = verification_challenge(request.query_params, settings.INSTAGRAM_WEBHOOK_VERIFY_TOKEN)
        if challenge is not None:
            return HttpResponse(challenge, content_type="text/plain")
        logger.warning("Instagram webhook verification refused (mode %r)", request.query_params.get("hub.mode"))
        return Response({"error": "verification_failed", "detail": "Wrong mode or verify token."}, status=403)

    def post(self, request: Request) -> Response:
        """Verify, store and enqueue; answers within milliseconds (no Graph API call here)."""
        with log_context():
            body = request.body
            if not webhook_signature_check(body, request.headers.get("X-Hub-Signature-256")):
                metrics.webhook_signature_failures.labels(channel="instagram").inc()
                logger.warning("Instagram webhook with a missing or wrong signature refused")
                return Response(
                    {"error": "invalid_signature", "detail": "X-Hub-Signature-256 is missing or wrong."}, status=403
                )
            try:
                data = webhook_body_load(body)
            except PayloadInvalid as exc:
                return Response({"error": "invalid_payload", "detail": str(exc)}, status=400)
            summary = instagram_webhook_handle(data=data)
            return Response({"status": "ok", "stored": summary.stored, "duplicates": summary.duplicates})
