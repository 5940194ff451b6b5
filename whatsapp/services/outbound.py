"""Delivering queued outbound messages through the tenant's own WhatsApp number.

What the WhatsApp adapter (``whatsapp.adapter``) does for the outbox: render a row,
post a body, flag a rejected token. The bookkeeping (row lock, parts already sent,
retries, failures) is the outbox's (``outbound_message_deliver``): one outbound row is never sent twice by our retries,
a second task for the same row waits, then finds it ``sent``. The one ambiguity left is Meta's:
a read timeout after Meta accepted a message is retried as the issue asks, and may
then reach the customer twice.

Every outbound row is free-form (``Message.Type`` text or interactive) or a template
(``TEMPLATE``). Meta delivers free-form messages only within 24 hours of the
customer's last message; a free-form row found outside that window is never tried:
it is sent as the approved template it carries (``payload["template"]``, set by
``reminders``), or recorded ``not_sendable`` for staff to see.
"""

import json
import logging
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from conversations.channels import RenderedReply, ReplyNotSendable
from conversations.models import Conversation, Message
from conversations.replies import Reply
from conversations.services.delivery import customer_window_open
from conversations.services.outbound import SENT_PARTS_KEY
from meta.graph import GraphError, GraphTransientError
from tenants.models import Tenant
from whatsapp.client import WhatsAppClient
from whatsapp.rendering import Recipient, reply_render, template_body
from whatsapp.services.send_rate import THROUGHPUT_ERROR_CODE, whatsapp_number_back_off, whatsapp_send_slot_wait

logger = logging.getLogger(__name__)

# The template form of a free-form row: {"name", "language", "parameters": [...], "buttons": [payloads]}.
TEMPLATE_KEY = "template"
CALLBACK_PREFIX = "lyo-message:"
_CALLBACK = re.compile(re.escape(CALLBACK_PREFIX) + r"(?P<id>\d{1,18})(?::(?P<part>\d{1,3})/(?P<parts>\d{1,3}))?")
WINDOW_CLOSED = (
    "Outside WhatsApp's 24-hour window (the customer last wrote more than 24 hours ago) and no approved "
    "template applies, so it was not sent."
)


@dataclass(frozen=True)
class CallbackTag:
    """Which outbound row, and which part of it, a send was: ``biz_opaque_callback_data``."""

    message_id: int
    part: int = 1  # 1-based
    parts: int = 1


def whatsapp_callback_data(message: Message, *, part: int = 1, parts: int = 1) -> str:
    """What a send carries as ``biz_opaque_callback_data``: Meta echoes it in the message's
    status webhooks, which is how a send cut short by a crash is recognised as accepted.
    A reply sent in several messages tags each with its place: ``lyo-message:7:2/3``."""
    return f"{CALLBACK_PREFIX}{message.pk}" if parts == 1 else f"{CALLBACK_PREFIX}{message.pk}:{part}/{parts}"


def whatsapp_callback_tag(data: str) -> CallbackTag | None:
    """Our outbound row (and part) from a status's ``biz_opaque_callback_data``; None when it is not ours."""
    match = _CALLBACK.fullmatch(data) if data.startswith(CALLBACK_PREFIX) else None
    if match is None:
        return None
    part, parts = int(match["part"] or 1), int(match["parts"] or 1)
    if not 1 <= part <= parts:
        return None
    return CallbackTag(message_id=int(match["id"]), part=part, parts=parts)


def whatsapp_reply_render(message: Message, reply: Reply) -> RenderedReply[Tenant]:
    """The row's message bodies, each tagged with its place, to the tenant's number.

    Called holding the row's lock (see ``outbound_message_deliver``).
    """
    tenant, conversation = message.tenant, message.conversation
    customer = conversation.customer
    recipient = Recipient(phone=customer.phone or "", user_id=customer.channel_user_id or "")
    problem = _unsendable_reason(tenant, recipient) or _window_apply(message, conversation, timezone.now())
    if problem:
        raise ReplyNotSendable(problem)
    bodies = _bodies(message, reply, recipient, language=customer.language or tenant.language)
    bodies = [
        {**body, "biz_opaque_callback_data": whatsapp_callback_data(message, part=number, parts=len(bodies))}
        for number, body in enumerate(bodies, start=1)
    ]
    return RenderedReply(bodies=bodies, destination=tenant)


def _window_apply(message: Message, conversation: Conversation, now: datetime) -> str:
    """Why ``message`` cannot go ("" when it can). Call holding the row's lock.

    A free-form message outside the window is never attempted: one carrying a template
    becomes that template (the row says so: ``type`` template), any other is not sendable.
    """
    if message.type == Message.Type.TEMPLATE or customer_window_open(conversation=conversation, now=now):
        return ""
    payload = message.payload if isinstance(message.payload, dict) else {}
    # Parts of a long reply already delivered: the template would repeat them.
    if not isinstance(payload.get(TEMPLATE_KEY), dict) or payload.get(SENT_PARTS_KEY):
        return WINDOW_CLOSED
    message.type = Message.Type.TEMPLATE
    message.save(update_fields=["type"])
    return ""


def _bodies(message: Message, reply: Reply, recipient: Recipient, *, language: str) -> list[dict]:
    """The message bodies of the row: its template, or its free-form reply rendered within Meta's limits."""
    if message.type == Message.Type.TEMPLATE:
        template = message.payload[TEMPLATE_KEY]
        return [
            template_body(
                recipient, template["name"], template["language"], template.get("parameters") or (),
                button_payloads=template.get("buttons") or (),
            )
        ]
    return reply_render(reply, recipient=recipient, language=language)


def whatsapp_body_post(tenant: Tenant, body: dict) -> str | None:
    """Send one body from the tenant's number; its wamid. Raises ``GraphError``."""
    if settings.LYO_SEND_BACKEND == "console":
        # Development: show what would be sent, and invent a wamid for the status bookkeeping.
        sys.stdout.write(
            "WhatsApp → " + json.dumps({"from": tenant.whatsapp_phone_number_id, **body}, ensure_ascii=False) + "\n"
        )
        return f"console.{uuid.uuid4().hex}"
    phone_number_id = tenant.whatsapp_phone_number_id or ""  # set: _unsendable_reason checked it
    if not whatsapp_send_slot_wait(tenant=tenant):
        # The number is backed off or swamped: the send task retries later, nothing was sent.
        raise GraphTransientError("The number's sending rate is used up; try again later.", code=THROUGHPUT_ERROR_CODE)
    try:
        return WhatsAppClient().message_send(
            phone_number_id=phone_number_id, token=tenant.whatsapp_access_token, body=body
        )
    except GraphError as error:
        if error.code == THROUGHPUT_ERROR_CODE:
            whatsapp_number_back_off(phone_number_id=phone_number_id)
        raise


def _unsendable_reason(tenant: Tenant, recipient: Recipient) -> str:
    if not tenant.is_active:
        return "The tenant is not active."
    if settings.LYO_SEND_BACKEND == "console":
        return "" if recipient else "The customer has neither a phone number nor a user id."
    if not tenant.whatsapp_phone_number_id or not tenant.has_whatsapp_token:
        return "WhatsApp is not configured for this tenant (phone number id or access token missing)."
    if tenant.whatsapp_token_invalid_at:
        return "Meta rejected the tenant's access token; set a new one in the admin."
    if not recipient:
        return "The customer has neither a phone number nor a user id."
    return ""


def whatsapp_token_flag(tenant: Tenant) -> None:
    """Meta rejected the tenant's token (code 190): shown in the admin; every further send for
    this tenant stops until a new token is set."""
    Tenant.objects.filter(pk=tenant.pk, whatsapp_token_invalid_at__isnull=True).update(
        whatsapp_token_invalid_at=timezone.now()
    )
    logger.error("Meta rejected the access token of tenant %s (code 190); flagged in the admin", tenant.pk)
