"""A verified Instagram webhook: routed to tenants, stored durably and idempotently.

Runs inside the webhook request, so it only writes rows: no Graph API call, and the
processing is enqueued when each message's transaction commits (the same path as
WhatsApp's, from ``inbound_message_record`` on).
"""

import logging
from dataclasses import dataclass

from django.db import transaction

from common import metrics
from common.log_context import log_context
from conversations.selectors import inbound_message_exists
from conversations.services.conversations import conversation_get_or_open
from conversations.services.inbound import inbound_message_record
from conversations.services.outbound import outbound_status_apply
from customers.models import Channel, Customer
from instagram.parsing import InstagramEntry, InstagramMessage, InstagramReceipt, webhook_entries_parse
from instagram.selectors import tenant_for_instagram_account_id
from meta.receiving import ReceiveOutcome
from tenants.models import Tenant
from tenants.scoping import tenant_scope_enter

logger = logging.getLogger(__name__)

CHANNEL = Channel.INSTAGRAM


@dataclass
class WebhookSummary:
    stored: int = 0
    duplicates: int = 0
    echoes: int = 0
    ignored: int = 0
    receipts: int = 0
    unknown_tenants: int = 0
    rejected: int = 0  # events holding a number JSON cannot carry


def instagram_webhook_handle(*, data: dict) -> WebhookSummary:
    """Handle every entry and messaging event of one webhook POST (possibly several tenants)."""
    summary = WebhookSummary()
    for entry in webhook_entries_parse(data):
        summary.echoes += entry.echoes
        summary.ignored += entry.ignored
        if entry.rejected:
            # Answered 200 all the same: the same bytes redelivered would be refused again.
            logger.warning(
                "Instagram webhook for account id %r: %d event(s) rejected, holding a number JSON cannot"
                " carry (NaN, Infinity or out of range)", entry.account_id, entry.rejected,
            )
            summary.rejected += entry.rejected
        if not entry.messages and not entry.receipts:
            continue  # only echoes or events we do not act on: no tenant needed
        tenant = tenant_for_instagram_account_id(entry.account_id) if entry.account_id else None
        if tenant is None:
            # Answered 200 all the same: Meta would otherwise redeliver for days.
            logger.warning(
                "Instagram webhook for account id %r, which no active tenant owns; ignored", entry.account_id
            )
            metrics.webhook_unknown_tenant.labels(channel=CHANNEL).inc()
            summary.unknown_tenants += 1
            continue
        tenant_scope_enter(tenant)
        with log_context(tenant_id=tenant.pk):
            _entry_handle(tenant=tenant, entry=entry, summary=summary)
    return summary


def _entry_handle(*, tenant: Tenant, entry: InstagramEntry, summary: WebhookSummary) -> None:
    # Oldest first: Meta batches and redelivers out of order.
    for message in sorted(entry.messages, key=lambda m: m.timestamp):
        outcome = instagram_message_receive(tenant=tenant, message=message)
        if outcome == ReceiveOutcome.STORED:
            summary.stored += 1
        elif outcome == ReceiveOutcome.DUPLICATE:
            summary.duplicates += 1
        else:
            summary.ignored += 1
    for receipt in entry.receipts:
        summary.receipts += instagram_receipt_receive(tenant=tenant, receipt=receipt)


def instagram_message_receive(*, tenant: Tenant, message: InstagramMessage) -> ReceiveOutcome:
    """Store one message with its customer (one per IGSID and tenant) and conversation."""
    if inbound_message_exists(channel=CHANNEL, channel_message_id=message.id):
        return ReceiveOutcome.DUPLICATE
    with transaction.atomic():
        # An Instagram customer is not a WhatsApp customer: identity is per channel.
        # get_or_create settles a concurrent creation by reading the winner's row.
        customer, _ = Customer.objects.get_or_create(
            tenant=tenant, channel=CHANNEL, channel_user_id=message.sender_id
        )
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        stored = inbound_message_record(
            tenant=tenant,
            customer=customer,
            conversation=conversation,
            inbound=message.inbound,
            message_type=message.message_type,
            channel_payload=message.raw,
        )
    if stored is None:
        return ReceiveOutcome.DUPLICATE
    with log_context(conversation_id=conversation.pk, message_id=stored.pk):
        logger.info("Stored inbound Instagram message (%s)", stored.type)
    return ReceiveOutcome.STORED


def instagram_receipt_receive(*, tenant: Tenant, receipt: InstagramReceipt) -> int:
    """Move the tenant's outbound messages to delivered or read (only ever forward); how many changed."""
    return sum(
        outbound_status_apply(
            tenant=tenant, channel=CHANNEL, channel_message_id=mid, status=str(receipt.kind), at=receipt.timestamp
        )
        for mid in receipt.mids
    )
