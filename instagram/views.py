"""``/webhooks/instagram``: Meta's verification handshake and its Instagram messaging deliveries."""

from instagram.parsing import PayloadInvalid, webhook_body_load
from instagram.services.inbound import instagram_webhook_handle
from meta.webhook import MetaWebhookView


class InstagramWebhookView(MetaWebhookView):
    channel = "instagram"
    label = "Instagram"
    verification_setting = "INSTAGRAM_WEBHOOK_VERIFY_TOKEN"
    payload_invalid = PayloadInvalid
    body_load = staticmethod(webhook_body_load)
    handle = staticmethod(instagram_webhook_handle)
