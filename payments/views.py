"""``/webhooks/stripe``: the events of every tenant's Stripe account."""

import logging

from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.log_context import log_context
from payments.webhooks import WebhookRefused, stripe_webhook_receive

logger = logging.getLogger(__name__)

# Stripe's events are a few kilobytes; anything far larger is not one.
BODY_MAX_BYTES = 256 * 1024


class StripeWebhookView(APIView):
    # Stripe authenticates by signing the body with the tenant's secret, not by session or token.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    schema = None

    def post(self, request: Request) -> Response:
        with log_context():
            body = request.body
            if len(body) > BODY_MAX_BYTES:
                return Response({"error": "payload_too_large"}, status=413)
            try:
                outcome = stripe_webhook_receive(
                    body=body, signature=request.headers.get("Stripe-Signature", ""), now=timezone.now()
                )
            except WebhookRefused as error:
                logger.warning("Stripe webhook refused: %s", error)
                return Response({"error": "refused", "detail": str(error)}, status=400)
            return Response({"status": str(outcome)})
