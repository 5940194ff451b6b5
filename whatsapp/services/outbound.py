"""Delivering queued outbound messages through the tenant's own WhatsApp number.

The row is locked for the whole send: a second task for the same row (a retry, the
sweep, a redelivered task) waits, then finds it ``sent`` and does nothing. So one
outbound row is never sent twice by our retries. The one ambiguity left is Meta's:
a read timeout after Meta accepted a message is retried as the issue asks, and may
then reach the customer twice.
"""

import json
import logging
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.db import transaction
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
from whatsapp.rendering import Recipient, reply_render

logger = logging.getLogger(__name__)

# Backoff between attempts: 2 s doubling to at most 5 minutes, each with up to half
# taken off at random so a burst of failures does not retry in lockstep.
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 300
# Wamids of the parts already sent, when a long reply needs several messages.
SENT_PARTS_KEY = "whatsapp_sent_ids"


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
        customer = Customer.objects.get(pk=Conversation.objects.get(pk=message.conversation_id).customer_id)
        recipient = Recipient(phone=customer.phone or "", user_id=customer.channel_user_id or "")

        problem = _unsendable_reason(tenant, recipient)
        bodies: list[dict] = []
        if not problem:
            try:
                reply = Reply.from_dict(message.payload)
                bodies = reply_render(reply, recipient=recipient, language=customer.language or tenant.language)
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
