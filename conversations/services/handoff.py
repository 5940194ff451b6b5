"""Hand-off: staff take a conversation over, and hand it back to the assistant.

One concept across channels: the conversation's status says who answers. While it
is ``human`` the assistant stays silent; the admin's "needs a person" filter lists
those conversations.
"""

from django.db import transaction

from conversations.models import Conversation


def conversation_hand_to_staff(*, conversation: Conversation) -> bool:
    """Staff take over; ``False`` when they already had it (or it is closed)."""
    with transaction.atomic():
        changed = Conversation.objects.filter(pk=conversation.pk, status=Conversation.Status.BOT).update(
            status=Conversation.Status.HUMAN
        )
    if changed:
        conversation.status = Conversation.Status.HUMAN
    return bool(changed)


def conversation_hand_back(*, conversation: Conversation) -> bool:
    """The assistant answers again, starting afresh; ``False`` when it already was answering."""
    with transaction.atomic():
        # Locked so a message being handled right now finishes with the old status first.
        locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        if locked is None or locked.status != Conversation.Status.HUMAN:
            return False
        locked.status = Conversation.Status.BOT
        locked.state = {}
        locked.save(update_fields=["status", "state", "updated_at"])
    conversation.status, conversation.state = locked.status, locked.state
    return True
