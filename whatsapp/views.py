"""``/webhooks/whatsapp``: Meta's verification handshake and its event deliveries."""

from meta.webhook import MetaWebhookView
from whatsapp.parsing import PayloadInvalid, webhook_body_load
from whatsapp.services.inbound import whatsapp_webhook_handle


class WhatsAppWebhookView(MetaWebhookView):
    channel = "whatsapp"
    label = "WhatsApp"
    verification_setting = "WHATSAPP_WEBHOOK_VERIFY_TOKEN"
    payload_invalid = PayloadInvalid
    body_load = staticmethod(webhook_body_load)
    handle = staticmethod(whatsapp_webhook_handle)
