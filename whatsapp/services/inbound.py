"""A verified WhatsApp webhook: routed to tenants, stored durably and idempotently.

Runs inside the webhook request, so it only writes rows: no Graph API call, and the
processing is enqueued when each message's transaction commits.
"""

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from django.db import transaction

from conversations.models import Channel, Conversation, Customer, Message
from conversations.selectors import whatsapp_open_conversation_for_identity
from conversations.services.customers import (
    conversation_get_or_open,
    customer_display_name_set,
    customer_get_or_create_for_whatsapp,
    customer_number_change,
)
from conversations.services.inbound import inbound_message_record
from conversations.services.outbound import outbound_send_parts_settle, outbound_send_settle, outbound_status_apply
from lyo import metrics
from lyo.log_context import log_context
from tenants.models import Tenant
from tenants.selectors import tenant_for_phone_number_id
from whatsapp.parsing import (
    StatusKind,
    WebhookContact,
    WebhookMessage,
    WebhookStatus,
    WebhookValue,
    webhook_values_parse,
)
from whatsapp.services.outbound import whatsapp_callback_tag

logger = logging.getLogger(__name__)

CHANNEL = Channel.WHATSAPP


class ReceiveOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # stored before: Meta redelivered it
    IGNORED = "ignored"  # nobody to attach it to


@dataclass
class WebhookSummary:
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    statuses: int = 0
    unknown_tenants: int = 0
    rejected: int = 0  # events holding a number JSON cannot carry


def whatsapp_webhook_handle(*, data: dict) -> WebhookSummary:
    """Handle every entry, change, message and status of one webhook POST (possibly several tenants)."""
    summary = WebhookSummary()
    for value in webhook_values_parse(data):
        if value.rejected:
            # Answered 200 all the same: the same bytes redelivered would be refused again.
            logger.warning(
                "WhatsApp webhook for phone number id %r: %d event(s) rejected, holding a number JSON cannot"
                " carry (NaN, Infinity or out of range)", value.phone_number_id, value.rejected,
            )
            summary.rejected += value.rejected
        tenant = tenant_for_phone_number_id(value.phone_number_id) if value.phone_number_id else None
        if tenant is None:
            # Answered 200 all the same: Meta would otherwise redeliver for days.
            logger.warning(
                "WhatsApp webhook for phone number id %r, which no active tenant owns; ignored",
                value.phone_number_id,
            )
            metrics.webhook_unknown_tenant.labels(channel=CHANNEL).inc()
            summary.unknown_tenants += 1
            continue
        with log_context(tenant_id=tenant.pk):
            _value_handle(tenant=tenant, value=value, summary=summary)
    return summary


def _value_handle(*, tenant: Tenant, value: WebhookValue, summary: WebhookSummary) -> None:
    for error in value.errors:
        logger.warning("WhatsApp webhook reports error %s: %s %s", error.code, error.title, error.details)
        metrics.webhook_value_errors.labels(channel=CHANNEL).inc()
    # Oldest first: Meta batches and redelivers out of order.
    for message in sorted(value.messages, key=lambda m: m.timestamp):
        outcome = whatsapp_message_receive(tenant=tenant, message=message, contacts=value.contacts)
        if outcome == ReceiveOutcome.STORED:
            summary.stored += 1
        elif outcome == ReceiveOutcome.DUPLICATE:
            summary.duplicates += 1
        else:
            summary.ignored += 1
    for status in value.statuses:
        if whatsapp_status_receive(tenant=tenant, status=status):
            summary.statuses += 1


def whatsapp_message_receive(
    *, tenant: Tenant, message: WebhookMessage, contacts: tuple[WebhookContact, ...] = ()
) -> ReceiveOutcome:
    """Store one inbound message with its customer (SPEC §4 identity rules) and conversation.

    A redelivery (Meta retries for days) is answered by the unique constraint on the
    message id, not by a query before it: most messages are new.
    """
    contact = _contact_for(message, contacts)
    user_id = message.from_user_id or (contact.user_id if contact else "")
    wa_id = message.from_wa_id or (contact.wa_id if contact else "")
    name = contact.name if contact else ""

    if not message.changed_number_to:
        # A customer writing again, as they most often do: one query, then the insert, each
        # its own transaction (nothing else is written, so nothing can be half-written).
        conversation = whatsapp_open_conversation_for_identity(tenant=tenant, user_id=user_id, wa_id=wa_id)
        if conversation is not None:
            if name and conversation.customer.display_name != name:
                customer_display_name_set(customer=conversation.customer, name=name)
            stored = _record(tenant=tenant, customer=conversation.customer, conversation=conversation, message=message)
            return _outcome(stored, conversation)

    with transaction.atomic():
        if message.changed_number_to:
            # ``from`` is the old number here: the customer moves, nobody new is created.
            customer = customer_number_change(
                tenant=tenant, user_id=user_id, old_wa_id=wa_id, new_wa_id=message.changed_number_to
            )
            if customer is None:
                logger.info("Number change for a customer this tenant does not know; nothing to update")
                return ReceiveOutcome.IGNORED
        elif user_id or wa_id:
            customer = customer_get_or_create_for_whatsapp(tenant=tenant, user_id=user_id, wa_id=wa_id, name=name)
        else:
            logger.warning("WhatsApp message %s without any sender id; ignored", message.id)
            return ReceiveOutcome.IGNORED
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        stored = _record(tenant=tenant, customer=customer, conversation=conversation, message=message)
        if stored is None:
            # Stored before: nothing of this delivery is kept (e.g. a conversation opened for it).
            transaction.set_rollback(True)
    return _outcome(stored, conversation)


def _record(
    *, tenant: Tenant, customer: Customer, conversation: Conversation, message: WebhookMessage
) -> Message | None:
    return inbound_message_record(
        tenant=tenant,
        customer=customer,
        conversation=conversation,
        inbound=message.inbound,
        message_type=message.message_type,
        channel_payload=message.raw,
        # System notices (number changed, ...) are kept for staff, not answered.
        needs_reply=message.message_type != Message.Type.SYSTEM,
    )


def _outcome(stored: Message | None, conversation: Conversation) -> ReceiveOutcome:
    if stored is None:
        return ReceiveOutcome.DUPLICATE
    with log_context(conversation_id=conversation.pk, message_id=stored.pk):
        logger.info("Stored inbound WhatsApp message (%s)", stored.type)
    return ReceiveOutcome.STORED


def whatsapp_status_receive(*, tenant: Tenant, status: WebhookStatus) -> bool:
    """Move the tenant's outbound message forward (sent → delivered → read, or failed)."""
    if status.status == StatusKind.UNKNOWN:
        return False
    error = status.errors[0] if status.errors else None
    if status.status == StatusKind.FAILED:
        logger.warning(
            "WhatsApp reports outbound %s failed: %s %s", status.id, error and error.code, error and error.title
        )
    apply = partial(
        outbound_status_apply,
        tenant=tenant,
        channel=CHANNEL,
        channel_message_id=status.id,
        status=str(status.status),
        at=status.timestamp,
        error_code=error.code if error else None,
        error_title=(error.title or error.details) if error else "",
    )
    if apply():
        return True
    # No row has this wamid yet: was it one whose send a crash cut short? Meta echoes the
    # row id we sent along; such a row is recorded as sent (not sent again), then moved on
    # — to "failed" too: Meta took it and could not deliver it, and sending it again
    # would only fail again. A reply sent in several messages is settled by its last
    # part; an earlier part only spares itself and the parts before it a second send.
    tag = whatsapp_callback_tag(status.callback_data)
    if tag is None:
        return False
    if tag.part < tag.parts:
        return outbound_send_parts_settle(
            tenant=tenant, channel=CHANNEL, message_id=tag.message_id, parts_sent=tag.part,
            channel_message_id=status.id,
        )
    settled = outbound_send_settle(
        tenant=tenant, channel=CHANNEL, message_id=tag.message_id, channel_message_id=status.id, at=status.timestamp
    )
    return apply() or settled


def _contact_for(message: WebhookMessage, contacts: tuple[WebhookContact, ...]) -> WebhookContact | None:
    """The ``contacts[]`` entry of the message's sender (matched by user id or phone number)."""
    for contact in contacts:
        if (message.from_user_id and contact.user_id == message.from_user_id) or (
            message.from_wa_id and contact.wa_id == message.from_wa_id
        ):
            return contact
    if not message.from_user_id and not message.from_wa_id and len(contacts) == 1:
        return contacts[0]
    return None
