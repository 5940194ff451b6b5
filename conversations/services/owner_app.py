"""Messages the owner writes to a customer from the channel's own app (WhatsApp Business app).

The channel tells us of them after the fact (an echo): they are stored as outbound
messages already sent — never queued, so the outbox can never send them again — and the
assistant falls silent in that conversation for ``Tenant.owner_app_silence_minutes``,
counted from the owner's last such message. The silence is the staff take-over (status
``human``) with its own reason, so every place that keeps the assistant quiet for staff
keeps it quiet for the owner too; whatever the assistant had half-asked is dropped, so it
can never confirm a booking over the owner.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField
from django.db.models.functions import Coalesce

from conversations.models import Conversation, Message
from conversations.services.handoff import conversation_hand_back, handoff_mirror
from conversations.services.owner_bookings import booking_suggestion_payload, booking_suggestion_reread
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# ``Message.payload`` key marking a message the owner wrote in the channel's own app.
SENT_FROM_APP = "sent_from_app"


def owner_app_message_record(
    *, tenant: Tenant, conversation: Conversation, channel_message_id: str, message_type: str, text: str,
    channel_payload: dict, at: datetime,
) -> Message | None:
    """Store the owner's app message once and silence the assistant; ``None`` when stored before.

    A redelivery is answered by the unique channel message id, inside a savepoint.
    """
    try:
        with transaction.atomic():
            message = Message.objects.create(
                tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
                channel=conversation.channel, channel_message_id=channel_message_id, type=message_type, text=text,
                payload={
                    SENT_FROM_APP: True, "channel_payload": channel_payload,
                    # "ok vi aspetto sabato alle 20, siete in 4": a booking staff may save with one tap.
                    **booking_suggestion_payload(tenant=tenant, text=text, at=at),
                },
                delivery_status=Message.Delivery.SENT, sent_at=at, channel_timestamp=at,
            )
    except IntegrityError:
        return None
    owner_app_silence_start(conversation=conversation, at=at)
    return message


def owner_app_silence_start(*, conversation: Conversation, at: datetime) -> None:
    """The assistant stops answering ``conversation`` from ``at`` (the owner's message), its draft dropped.

    Locked, so an inbound message being handled right now by another worker either
    finished before (and its draft is dropped here) or sees the conversation silenced.
    A conversation staff already hold stays theirs; only its last activity moves on.
    """
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        if locked is None or locked.status == Conversation.Status.CLOSED:
            return
        latest = max(at, locked.staff_active_at) if locked.staff_active_at else at
        if locked.status == Conversation.Status.BOT:
            locked.status = Conversation.Status.HUMAN
            locked.handoff_reason = Conversation.HandoffReason.OWNER_APP
            handoff_mirror(conversation=locked)
        locked.state = {}
        locked.staff_active_at = latest
        locked.save(update_fields=["status", "handoff_reason", "state", "staff_active_at", "updated_at"])
    conversation.status, conversation.handoff_reason = locked.status, locked.handoff_reason
    conversation.state, conversation.staff_active_at = locked.state, locked.staff_active_at


def owner_app_message_edit(*, tenant: Tenant, channel: str, channel_message_id: str, text: str) -> bool:
    """The owner edited an app message: the stored one shows the new text; ``False`` when unknown."""
    return _owner_app_message_update(
        tenant=tenant, channel=channel, channel_message_id=channel_message_id, text=text, revoked=False
    )


def owner_app_message_revoke(*, tenant: Tenant, channel: str, channel_message_id: str) -> bool:
    """The owner deleted an app message for everyone: its text goes; ``False`` when unknown."""
    return _owner_app_message_update(
        tenant=tenant, channel=channel, channel_message_id=channel_message_id, text="", revoked=True
    )


def _owner_app_message_update(
    *, tenant: Tenant, channel: str, channel_message_id: str, text: str, revoked: bool
) -> bool:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(tenant=tenant, channel=channel, channel_message_id=channel_message_id,
                    direction=Message.Direction.OUTBOUND)
            .first()
        )
        if message is None or not message.payload.get(SENT_FROM_APP):
            return False
        message.text = text
        payload = booking_suggestion_reread(tenant=tenant, message=message, text=text, revoked=revoked)
        message.payload = {**payload, ("revoked" if revoked else "edited"): True}
        message.save(update_fields=["text", "payload"])
    return True


def owner_app_silence_ended(*, conversation: Conversation, now: datetime) -> bool:
    """Hand ``conversation`` back to the assistant once the owner's silence window has passed."""
    minutes = conversation.tenant.owner_app_silence_minutes
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().filter(
            pk=conversation.pk, status=Conversation.Status.HUMAN,
            handoff_reason=Conversation.HandoffReason.OWNER_APP,
        ).first()
        if locked is None:
            return False
        active = locked.staff_active_at or locked.updated_at
        if now - active < timedelta(minutes=minutes):
            return False
        return conversation_hand_back(conversation=locked)


def conversations_owner_app_silence_end(*, now: datetime) -> int:
    """Every tenant's conversations whose owner silence window has passed go back to the assistant; how many."""
    handed = 0
    for tenant in Tenant.objects.order_by("pk"):
        cutoff = now - timedelta(minutes=tenant.owner_app_silence_minutes)
        silent = (
            Conversation.objects.filter(
                tenant=tenant, status=Conversation.Status.HUMAN, handoff_reason=Conversation.HandoffReason.OWNER_APP
            )
            .annotate(active=Coalesce("staff_active_at", "updated_at", output_field=DateTimeField()))
            .filter(active__lte=cutoff)
            .order_by("pk")
        )
        for conversation in silent:
            conversation.tenant = tenant
            handed += owner_app_silence_ended(conversation=conversation, now=now)
    return handed
