"""``/webhooks/chatwoot``: the agent-bot events of every tenant's Chatwoot."""

import logging

from django.conf import settings
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chatwoot.parsing import PayloadInvalid
from chatwoot.services.inbound import WebhookRefused, chatwoot_webhook_receive
from common import metrics
from common.log_context import log_context

logger = logging.getLogger(__name__)


class ChatwootWebhookView(APIView):
    # Chatwoot authenticates per tenant (signature or secret URL), not by session or token.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    # A webhook for Chatwoot, not part of the public API schema.
    schema = None

    def post(self, request: Request, token: str | None = None) -> Response:
        """Authenticate, store and enqueue; answers at once (no Chatwoot API call here)."""
        with log_context():
            # Refused before it is read when it says it is too large, and after when it was.
            limit = settings.CHATWOOT_WEBHOOK_BODY_MAX_BYTES
            if _content_length(request) > limit or len(body := request.body) > limit:
                return Response(
                    {"error": "payload_too_large", "detail": f"The body is larger than {limit} bytes."}, status=413
                )
            try:
                summary = chatwoot_webhook_receive(
                    body=body,
                    path_secret=token,
                    signature=request.headers.get("X-Chatwoot-Signature"),
                    timestamp=request.headers.get("X-Chatwoot-Timestamp"),
                    now=timezone.now(),
                )
            except WebhookRefused as exc:
                metrics.webhook_signature_failures.labels(channel="chatwoot").inc()
                logger.warning("Chatwoot webhook refused: %s", exc)
                return Response({"error": "invalid_signature", "detail": str(exc)}, status=403)
            except PayloadInvalid as exc:
                return Response({"error": "invalid_payload", "detail": str(exc)}, status=400)
            if summary.replayed:
                return Response({"status": "duplicate", "stored": 0, "duplicates": 0})
            return Response({"status": "ok", "stored": summary.stored, "duplicates": summary.duplicates})


def _content_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
