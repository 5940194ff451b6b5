"""A verified WhatsApp webhook: routed to tenants, stored durably and idempotently.

Runs inside the webhook request, so it only writes rows: no Graph API call, and the
processing is enqueued when each message's transaction commits.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from common import metrics
from common.log_context import log_context
from conversations.models import Conversation, Message
from conversations.selectors import whatsapp_open_conversation_for_identity
from conversations.services.conversations import conversation_get_or_open
from conversations.services.inbound import InboundRecord, inbound_message_record, inbound_messages_record_bulk
from conversations.services.outbound import outbound_send_parts_settle, outbound_send_settle, outbound_status_apply
from customers.models import Channel, Customer
from customers.services import customer_display_name_set, customer_get_or_create_for_whatsapp, customer_number_change
from meta.receiving import ReceiveOutcome
from tenants.models import Tenant
from tenants.scoping import tenant_scope_enter
from tenants.selectors import tenant_for_phone_number_id
from whatsapp.parsing import (
    StatusKind,
    WebhookContact,
    WebhookMessage,
    WebhookStatus,
    WebhookValue,
    webhook_app_syncs_parse,
    webhook_echoes_parse,
    webhook_values_parse,
)
from whatsapp.services.app_sync import whatsapp_app_sync_enqueue
from whatsapp.services.echoes import whatsapp_echoes_receive
from whatsapp.services.outbound import whatsapp_callback_tag

logger = logging.getLogger(__name__)

CHANNEL = Channel.WHATSAPP
# A change (one phone number's events) with at least this many messages is stored in
# bulk: a few queries whatever its size. Below it, one message at a time, which for the
# usual single message is fewer queries (one look-up and one INSERT).
BULK_MIN_MESSAGES = 20


@dataclass
class WebhookSummary:
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    statuses: int = 0
    unknown_tenants: int = 0
    rejected: int = 0  # events holding a number JSON cannot carry
    echoes: int = 0  # the owner's messages, edits and revokes from the WhatsApp Business app


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
        tenant_scope_enter(tenant)
        with log_context(tenant_id=tenant.pk):
            _value_handle(tenant=tenant, value=value, summary=summary)
    for echoes in webhook_echoes_parse(data):
        tenant = tenant_for_phone_number_id(echoes.phone_number_id) if echoes.phone_number_id else None
        if tenant is None:
            logger.warning("WhatsApp app echoes for phone number id %r, which no active tenant owns; ignored",
                           echoes.phone_number_id)
            summary.unknown_tenants += 1
            continue
        tenant_scope_enter(tenant)
        with log_context(tenant_id=tenant.pk):
            outcomes = whatsapp_echoes_receive(tenant=tenant, echoes=echoes.echoes)
        summary.echoes += outcomes[ReceiveOutcome.STORED]
        summary.duplicates += outcomes[ReceiveOutcome.DUPLICATE]
        summary.ignored += outcomes[ReceiveOutcome.IGNORED]
    syncing: set[object] = set()
    for sync in webhook_app_syncs_parse(data):
        tenant = tenant_for_phone_number_id(sync.phone_number_id) if sync.phone_number_id else None
        if tenant is None or not (sync.contacts or sync.threads) or tenant.pk in syncing:
            continue
        syncing.add(tenant.pk)
        # The whole body goes along; the task keeps only what is addressed to this tenant's number.
        whatsapp_app_sync_enqueue(tenant=tenant, data=data)
    return summary


def _value_handle(*, tenant: Tenant, value: WebhookValue, summary: WebhookSummary) -> None:
    for error in value.errors:
        logger.warning("WhatsApp webhook reports error %s: %s %s", error.code, error.title, error.details)
        metrics.webhook_value_errors.labels(channel=CHANNEL).inc()
    # Oldest first: Meta batches and redelivers out of order.
    messages = sorted(value.messages, key=lambda m: m.timestamp)
    if len(messages) >= BULK_MIN_MESSAGES and not any(m.changed_number_to for m in messages):
        # A number change moves a customer between identities: such a batch keeps the
        # one-at-a-time path, where each message sees the one before it.
        outcomes = whatsapp_messages_receive_bulk(tenant=tenant, messages=messages, contacts=value.contacts)
    else:
        outcomes = Counter(
            whatsapp_message_receive(tenant=tenant, message=message, contacts=value.contacts) for message in messages
        )
    summary.stored += outcomes[ReceiveOutcome.STORED]
    summary.duplicates += outcomes[ReceiveOutcome.DUPLICATE]
    summary.ignored += outcomes[ReceiveOutcome.IGNORED]
    for status in value.statuses:
        if whatsapp_status_receive(tenant=tenant, status=status):
            summary.statuses += 1


def whatsapp_message_receive(
    *, tenant: Tenant, message: WebhookMessage, contacts: tuple[WebhookContact, ...] = ()
) -> ReceiveOutcome:
    """Store one inbound message with its customer (the identity rules in docs/channels.md) and conversation.

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


def whatsapp_messages_receive_bulk(
    *, tenant: Tenant, messages: list[WebhookMessage], contacts: tuple[WebhookContact, ...] = ()
) -> Counter[ReceiveOutcome]:
    """Store a large batch of one tenant's messages in one INSERT per table; how many had each outcome.

    Same guarantees as ``whatsapp_message_receive`` one at a time: a message id stored
    before (or twice in the batch) is a duplicate and enqueues nothing; each new message
    is enqueued once, after the commit. Customers known by exactly their identity get
    their open conversation; brand-new customers and their conversations are created in
    bulk; anyone the identity rules have work for (a learned id, a recycled number, no
    open conversation) takes the one-at-a-time path. A concurrent request storing one of
    the same messages fails the bulk INSERT whole, and the batch is then stored one at a
    time (the unique message id settles who stored what).
    """
    outcomes: Counter[ReceiveOutcome] = Counter()
    identities = _senders(messages, contacts)
    seen: set[str] = set()
    fresh: list[WebhookMessage] = []
    for message in messages:
        if message.id in seen:
            outcomes[ReceiveOutcome.DUPLICATE] += 1
        elif not any(identities[message.id][:2]):
            logger.warning("WhatsApp message %s without any sender id; ignored", message.id)
            outcomes[ReceiveOutcome.IGNORED] += 1
        else:
            fresh.append(message)
        seen.add(message.id)
    stored_before = set(
        Message.objects.filter(channel=CHANNEL, channel_message_id__in=[m.id for m in fresh])
        .values_list("channel_message_id", flat=True)
    )
    outcomes[ReceiveOutcome.DUPLICATE] += len(stored_before)
    fresh = [message for message in fresh if message.id not in stored_before]
    if not fresh:
        return outcomes

    # The latest name a sender shows wins, as it does one message at a time.
    names = {identities[m.id][:2]: identities[m.id][2] for m in fresh}
    conversations, new_identities, one_at_a_time = _bulk_identities_resolve(tenant=tenant, names=names)
    bulk = [m for m in fresh if identities[m.id][:2] not in one_at_a_time]
    try:
        with transaction.atomic():
            _bulk_customers_open(tenant=tenant, new_identities=new_identities, conversations=conversations)
            inbound_messages_record_bulk(tenant=tenant, records=[
                InboundRecord(
                    conversation=conversations[identities[message.id][:2]], inbound=message.inbound,
                    message_type=message.message_type, channel_payload=message.raw,
                    # System notices (number changed, ...) are kept for staff, not answered.
                    needs_reply=message.message_type != Message.Type.SYSTEM,
                )
                for message in bulk
            ])
    except IntegrityError:
        logger.info("WhatsApp batch met a concurrent delivery of the same messages; stored one at a time")
        one_at_a_time, bulk = {identities[m.id][:2] for m in fresh}, []
    outcomes[ReceiveOutcome.STORED] += len(bulk)
    if bulk:
        logger.info("Stored %d inbound WhatsApp messages in one batch", len(bulk))
    for message in fresh:
        if identities[message.id][:2] in one_at_a_time:
            outcomes[whatsapp_message_receive(tenant=tenant, message=message, contacts=contacts)] += 1
    return outcomes


def _senders(
    messages: list[WebhookMessage], contacts: tuple[WebhookContact, ...]
) -> dict[str, tuple[str, str, str]]:
    """Each message id's sender as (user id, phone number, name), contacts matched by index.

    ``_contact_for`` scans the contacts for each message; with thousands of both that
    scan alone would take seconds.
    """
    by_user = {c.user_id: c for c in reversed(contacts) if c.user_id}
    by_phone = {c.wa_id: c for c in reversed(contacts) if c.wa_id}
    only = contacts[0] if len(contacts) == 1 else None
    senders = {}
    for message in messages:
        contact = (by_user.get(message.from_user_id) if message.from_user_id else None) or (
            by_phone.get(message.from_wa_id) if message.from_wa_id else None
        )
        if contact is None and not message.from_user_id and not message.from_wa_id:
            contact = only
        user_id = message.from_user_id or (contact.user_id if contact else "")
        wa_id = message.from_wa_id or (contact.wa_id if contact else "")
        senders[message.id] = (user_id, wa_id, contact.name if contact else "")
    return senders


def _bulk_identities_resolve(
    *, tenant: Tenant, names: dict[tuple[str, str], str]
) -> tuple[dict[tuple[str, str], Conversation], dict[tuple[str, str], str], set[tuple[str, str]]]:
    """Sort a batch's senders: (open conversation by identity, new identities with their names, the rest).

    Two queries whatever the batch's size. "Known exactly" is the rule of
    ``whatsapp_open_conversation_for_identity``: the user id (when given) and the phone
    number (when given) both on file for one customer with an open conversation.
    """
    user_ids = {user_id for user_id, _ in names if user_id}
    wa_ids = {wa_id for _, wa_id in names if wa_id}
    matching = Q(channel_user_id__in=user_ids) | Q(phone__in=wa_ids)
    known = list(
        Customer.objects.filter(matching, tenant=tenant, channel=CHANNEL).values_list("channel_user_id", "phone")
    )
    known_users = {user_id for user_id, _ in known if user_id}
    known_phones = {phone for _, phone in known if phone}
    open_conversations = (
        Conversation.objects.filter(tenant=tenant, channel=CHANNEL)
        .exclude(status=Conversation.Status.CLOSED)
        .filter(Q(customer__channel_user_id__in=user_ids) | Q(customer__phone__in=wa_ids))
        .select_related("customer")
    ) if known else []
    by_user, by_phone = {}, {}
    for open_conversation in open_conversations:
        if open_conversation.customer.channel_user_id:
            by_user[open_conversation.customer.channel_user_id] = open_conversation
        if open_conversation.customer.phone:
            by_phone[open_conversation.customer.phone] = open_conversation

    conversations: dict[tuple[str, str], Conversation] = {}
    new_identities: dict[tuple[str, str], str] = {}
    one_at_a_time: set[tuple[str, str]] = set()
    renamed: list[Customer] = []
    claimed_users, claimed_phones = set(), set()
    for key, name in names.items():
        user_id, wa_id = key
        conversation = by_user.get(user_id) if user_id else by_phone.get(wa_id)
        customer = conversation.customer if conversation else None
        if conversation and customer and (not user_id or customer.channel_user_id == user_id) and (
            not wa_id or customer.phone == wa_id
        ):
            conversations[key] = conversation
            if name and customer.display_name != name:
                customer.display_name = name
                renamed.append(customer)
        elif (user_id and (user_id in known_users or user_id in claimed_users)) or (
            wa_id and (wa_id in known_phones or wa_id in claimed_phones)
        ):
            # Known in part, or a second identity of one new sender within the batch.
            one_at_a_time.add(key)
        else:
            new_identities[key] = name
            if user_id:
                claimed_users.add(user_id)
            if wa_id:
                claimed_phones.add(wa_id)
    if renamed:
        now = timezone.now()
        for customer in renamed:
            customer.updated_at = now
        Customer.objects.bulk_update(renamed, ["display_name", "updated_at"])
    return conversations, new_identities, one_at_a_time


def _bulk_customers_open(
    *, tenant: Tenant, new_identities: dict[tuple[str, str], str], conversations: dict[tuple[str, str], Conversation]
) -> None:
    """Create the batch's new customers and their conversations: one INSERT each, adding to ``conversations``."""
    if not new_identities:
        return
    keys = list(new_identities)
    customers = Customer.objects.bulk_create([
        Customer(
            tenant=tenant, channel=CHANNEL, channel_user_id=user_id or None, phone=wa_id or None,
            display_name=new_identities[(user_id, wa_id)],
        )
        for user_id, wa_id in keys
    ])
    opened = Conversation.objects.bulk_create(
        [Conversation(tenant=tenant, customer=customer, channel=CHANNEL) for customer in customers]
    )
    conversations.update(zip(keys, opened, strict=True))


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
