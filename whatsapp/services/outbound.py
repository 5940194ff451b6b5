"""Delivering queued outbound messages through the tenant's own WhatsApp number.

The row is locked for the whole send: a second task for the same row (a retry, the
sweep, a redelivered task) waits, then finds it ``sent`` and does nothing. So one
outbound row is never sent twice by our retries. The one ambiguity left is Meta's:
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
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations.models import Channel, Conversation, Customer, Message
from conversations.replies import Reply
from conversations.services.outbound import (
    SEND_MAX_ATTEMPTS,
    outbound_message_record_failure,
    outbound_message_record_sent,
)
from lyo.log_context import log_context_bind
from tenants.models import Tenant
from whatsapp.client import GraphClient, GraphError, GraphTokenInvalid
from whatsapp.rendering import Recipient, reply_render, template_body

logger = logging.getLogger(__name__)

# Backoff between attempts: 2 s doubling to at most 5 minutes, each with up to half
# taken off at random so a burst of failures does not retry in lockstep.
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 300
# Wamids of the parts already sent, when a long reply needs several messages.
SENT_PARTS_KEY = "whatsapp_sent_ids"
# The template form of a free-form row: {"name", "language", "parameters": [...], "buttons": [payloads]}.
TEMPLATE_KEY = "template"
# Meta's customer service window: free-form messages are delivered only within 24 hours
# of the customer's last message (Cloud API "Send messages"); after it, only templates.
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
WINDOW_CLOSED = (
    "Outside WhatsApp's 24-hour window (the customer last wrote more than 24 hours ago) and no approved "
    "template applies, so it was not sent."
)


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    NOT_SENDABLE = "not_sendable"
    SKIPPED = "skipped"  # gone, or already sent / failed


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    attempts: int = 0
    # A transient error that used up every attempt.
    exhausted: bool = False


def send_retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: exponential, capped, with jitter."""
    ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


def whatsapp_outbound_send(*, message_id: int) -> SendResult:
    """Send one queued WhatsApp outbound message and record the wamid or the error."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, channel=Channel.WHATSAPP, direction=Message.Direction.OUTBOUND)
            .first()
        )
        if message is None or message.delivery_status != Message.Delivery.QUEUED:
            return SendResult(SendOutcome.SKIPPED)
        log_context_bind(tenant_id=message.tenant_id, conversation_id=message.conversation_id)
        tenant = Tenant.objects.get(pk=message.tenant_id)
        conversation = Conversation.objects.get(pk=message.conversation_id)
        customer = Customer.objects.get(pk=conversation.customer_id)
        recipient = Recipient(phone=customer.phone or "", user_id=customer.channel_user_id or "")

        problem = _unsendable_reason(tenant, recipient) or _window_apply(message, conversation, now)
        bodies: list[dict] = []
        if not problem:
            try:
                bodies = _bodies(message, recipient, language=customer.language or tenant.language)
            except (KeyError, TypeError, ValueError, AttributeError):
                logger.exception("Outbound message %s has an unreadable reply", message.pk)
                problem = "The stored reply cannot be read."
            else:
                problem = "" if bodies else "The reply is empty."
        if problem:
            outbound_message_record_failure(
                message=message, code=None, title=problem, final=True, now=now,
                status=Message.Delivery.NOT_SENDABLE,
            )
            logger.warning("Outbound message %s not sendable: %s", message.pk, problem)
            return SendResult(SendOutcome.NOT_SENDABLE, attempts=message.attempts)

        sent_ids = list(message.payload.get(SENT_PARTS_KEY, []))
        try:
            for body in bodies[len(sent_ids):]:
                sent_ids.append(_deliver(tenant, body))
        except GraphError as error:
            if sent_ids:
                # The parts already accepted are never sent again by a retry.
                message.payload = {**message.payload, SENT_PARTS_KEY: sent_ids}
                message.save(update_fields=["payload"])
            return _failure_record(message=message, tenant=tenant, error=error, now=now)

        outbound_message_record_sent(message=message, channel_message_id=sent_ids[-1], now=now)
        return SendResult(SendOutcome.SENT, attempts=message.attempts)


def whatsapp_window_open(*, conversation: Conversation, now: datetime) -> bool:
    """Is the customer's 24-hour window open: did they write on this conversation in the last 24 hours?"""
    last = conversation.last_inbound_at
    if last is None or now - last >= CUSTOMER_SERVICE_WINDOW:
        # A message stored but not handled yet (it is what the reply answers) counts too;
        # Meta's timestamp is when the customer wrote, which is what the window runs from.
        stored = Message.objects.filter(conversation=conversation, direction=Message.Direction.INBOUND).aggregate(
            last=Max(Coalesce("channel_timestamp", "created_at"))
        )["last"]
        last = max(filter(None, (last, stored)), default=None)
    return last is not None and now - last < CUSTOMER_SERVICE_WINDOW


def _window_apply(message: Message, conversation: Conversation, now: datetime) -> str:
    """Why ``message`` cannot go ("" when it can). Call holding the row's lock.

    A free-form message outside the window is never attempted: one carrying a template
    becomes that template (the row says so: ``type`` template), any other is not sendable.
    """
    if message.type == Message.Type.TEMPLATE or whatsapp_window_open(conversation=conversation, now=now):
        return ""
    payload = message.payload if isinstance(message.payload, dict) else {}
    # Parts of a long reply already delivered: the template would repeat them.
    if not isinstance(payload.get(TEMPLATE_KEY), dict) or payload.get(SENT_PARTS_KEY):
        return WINDOW_CLOSED
    message.type = Message.Type.TEMPLATE
    message.save(update_fields=["type"])
    return ""


def _bodies(message: Message, recipient: Recipient, *, language: str) -> list[dict]:
    """The message bodies of the row: its template, or its free-form reply rendered within Meta's limits."""
    if message.type == Message.Type.TEMPLATE:
        template = message.payload[TEMPLATE_KEY]
        return [
            template_body(
                recipient, template["name"], template["language"], template.get("parameters") or (),
                button_payloads=template.get("buttons") or (),
            )
        ]
    return reply_render(Reply.from_dict(message.payload), recipient=recipient, language=language)


def _deliver(tenant: Tenant, body: dict) -> str | None:
    if settings.LYO_SEND_BACKEND == "console":
        # Development: show what would be sent, and invent a wamid for the status bookkeeping.
        sys.stdout.write(
            "WhatsApp → " + json.dumps({"from": tenant.whatsapp_phone_number_id, **body}, ensure_ascii=False) + "\n"
        )
        return f"console.{uuid.uuid4().hex}"
    return GraphClient().message_send(
        phone_number_id=tenant.whatsapp_phone_number_id, token=tenant.whatsapp_access_token, body=body
    )


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


def _failure_record(*, message: Message, tenant: Tenant, error: GraphError, now: datetime) -> SendResult:
    if isinstance(error, GraphTokenInvalid):
        # Shown in the admin; every further send for this tenant stops until a new token is set.
        Tenant.objects.filter(pk=tenant.pk, whatsapp_token_invalid_at__isnull=True).update(
            whatsapp_token_invalid_at=now
        )
        logger.error("Meta rejected the access token of tenant %s (code 190); flagged in the admin", tenant.pk)
    exhausted = error.transient and message.attempts + 1 >= SEND_MAX_ATTEMPTS
    final = not error.transient or exhausted
    outbound_message_record_failure(message=message, code=error.code, title=error.title, final=final, now=now)
    logger.warning(
        "Sending outbound message %s failed (%s, attempt %s): %s",
        message.pk, "gives up" if final else "will retry", message.attempts, error,
    )
    outcome = SendOutcome.FAILED if final else SendOutcome.RETRY
    return SendResult(outcome, attempts=message.attempts, exhausted=exhausted)
