"""Hand-off: staff take a conversation over, and hand it back to the assistant.

One concept across channels: the conversation's status says who answers. While it
is ``human`` the assistant stays silent; the admin's "needs a person" filter lists
those conversations. Lyo's status is the single truth; a channel with a status of
its own (Chatwoot's open / pending) mirrors it from its adapter's ``handoff_mirror``
(``conversations.channels``), so this module never imports a channel. Every change of
status, whoever makes it (the assistant, staff in the admin, agents in the channel),
goes through ``handoff_mirror`` once.
"""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from conversations.channels import channel_adapters
from conversations.models import Conversation
from conversations.signals import conversation_needs_person
from tenants.models import Tenant


def handoff_mirror(*, conversation: Conversation) -> None:
    """Call inside the transaction that changed the status: once it commits, the channel shows it."""
    adapter = channel_adapters().get(conversation.channel)
    if adapter is not None:
        transaction.on_commit(partial(adapter.handoff_mirror, conversation.pk))


def conversation_needs_person_announce(
    *, tenant: Tenant, conversation: Conversation, reason: str, message_id: int | None, now: datetime
) -> None:
    """Tell the apps above (``conversations.signals``) that a person must answer; nothing when staff took it.

    Call inside the transaction that set the status ``human``, after it is written.
    """
    if reason == Conversation.HandoffReason.STAFF:
        return  # staff chose to answer: nobody needs telling
    conversation_needs_person.send(
        sender=Conversation, tenant=tenant, conversation=conversation, reason=reason, message_id=message_id, now=now
    )


def conversation_hand_to_staff(*, conversation: Conversation, mirror: bool = True) -> bool:
    """Staff take over; ``False`` when they already had it (or it is closed).

    ``mirror=False`` when the channel itself reported the change (it already shows it).
    """
    now = timezone.now()
    with transaction.atomic():
        # ``staff_active_at``: the idle hand-back (Tenant.staff_hand_back_hours) counts from the takeover.
        changed = Conversation.objects.filter(pk=conversation.pk, status=Conversation.Status.BOT).update(
            status=Conversation.Status.HUMAN, handoff_reason=Conversation.HandoffReason.STAFF,
            staff_active_at=now, updated_at=now,
        )
        if changed:
            conversation.status = Conversation.Status.HUMAN
            conversation.handoff_reason = Conversation.HandoffReason.STAFF
            conversation.staff_active_at = now
            if mirror:
                handoff_mirror(conversation=conversation)
    return bool(changed)


def conversation_hand_back(*, conversation: Conversation, mirror: bool = True) -> bool:
    """The assistant answers again, starting afresh; ``False`` when it already was answering."""
    with transaction.atomic():
        # Locked so a message being handled right now finishes with the old status first.
        locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        if locked is None or locked.status != Conversation.Status.HUMAN:
            return False
        locked.status = Conversation.Status.BOT
        locked.state = {}
        locked.handoff_reason = ""
        locked.save(update_fields=["status", "state", "handoff_reason", "updated_at"])
        if mirror:
            handoff_mirror(conversation=locked)
    conversation.status, conversation.state = locked.status, locked.state
    conversation.handoff_reason = ""
    return True
