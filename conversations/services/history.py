"""Past messages a channel hands over when a number joins (WhatsApp's ``history`` on onboarding).

Imported as history: customer messages are marked processed (the assistant never
answers them), the owner's are outbound and already sent (never sent again), nothing
is booked or reminded. Idempotent by the channel's message id: a chunk redelivered,
or imported twice, adds nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.services.owner_app import SENT_FROM_APP
from tenants.models import Tenant

HISTORY = "history"


@dataclass(frozen=True)
class PastMessage:
    channel_message_id: str
    from_customer: bool
    message_type: str
    text: str
    at: datetime
    channel_payload: dict


def past_messages_import(*, tenant: Tenant, conversation: Conversation, messages: list[PastMessage]) -> int:
    """Store the messages not stored before in ``conversation``, dated when they were written; how many."""
    ids = {message.channel_message_id for message in messages}
    stored = set(
        Message.objects.filter(channel=conversation.channel, channel_message_id__in=ids)
        .values_list("channel_message_id", flat=True)
    )
    now = timezone.now()
    fresh: dict[str, Message] = {}
    for past in messages:
        if past.channel_message_id in stored or past.channel_message_id in fresh:
            continue
        row = Message(
            tenant=tenant, conversation=conversation, channel=conversation.channel,
            channel_message_id=past.channel_message_id, type=past.message_type, text=past.text,
            channel_timestamp=past.at,
        )
        if past.from_customer:
            row.direction = Message.Direction.INBOUND
            row.payload = {HISTORY: True, **past.channel_payload}
            row.processing_status, row.processed_at = Message.Processing.PROCESSED, now
        else:
            row.direction = Message.Direction.OUTBOUND
            row.payload = {SENT_FROM_APP: True, HISTORY: True, "channel_payload": past.channel_payload}
            row.delivery_status, row.sent_at = Message.Delivery.SENT, past.at
        fresh[past.channel_message_id] = row
    if not fresh:
        return 0
    try:
        with transaction.atomic():
            created = Message.objects.bulk_create(list(fresh.values()))
            # Shown in the order they were written, among the messages since.
            for row in created:
                row.created_at = row.channel_timestamp
            Message.objects.bulk_update(created, ["created_at"])
    except IntegrityError:
        # Another import of the same chunk won the race: whatever it stored stays, once.
        return 0
    return len(created)
