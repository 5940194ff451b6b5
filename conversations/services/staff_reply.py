"""Staff write to the customer from the conversation page, through the assistant's own outbox.

A staff reply is an outbound ``Message`` like any other: stored ``queued`` (with the
staff user who wrote it, ``sent_by``), handed to the channel's send task once the
transaction commits, retried, swept and updated by the channel's status reports
exactly like the assistant's replies. Writing takes the conversation over first (as
"Take over" does), so the assistant stays silent while staff answer; it answers again
when staff hand it back, or by itself after ``Tenant.staff_hand_back_hours`` without a
staff reply (``conversations_staff_idle_hand_back``).

Meta's customer service window decides what may go: within 24 hours of the customer's
last message anything free-form; after it, on WhatsApp only an approved template (the
caller brings it filled in: templates live in ``reminders``, a floor above), and on
Instagram nothing at all.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import DateTimeField
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from common import metrics
from conversations.models import Conversation, Message
from conversations.replies import TEXT_MAX, text_length, text_reply
from conversations.services.delivery import customer_window_open
from conversations.services.handoff import conversation_hand_back, conversation_hand_to_staff, handoff_mirror
from conversations.services.outbound import outbound_message_enqueue
from customers.models import Channel
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# The longest text each channel takes in one message: WhatsApp's text body is 4096
# characters (Cloud API "Text messages"), Instagram's Send API message.text under 1000.
# Staff see the limit instead of a reply cut into pieces they did not write.
INSTAGRAM_TEXT_MAX = 1000
STAFF_TEXT_MAX: dict[str, int] = {
    Channel.WHATSAPP: TEXT_MAX,
    Channel.INSTAGRAM: INSTAGRAM_TEXT_MAX,
}
# Where the channel enforces no window of its own that Lyo knows of (Chatwoot relays, the test chat).
WINDOW_CHANNELS = frozenset({Channel.WHATSAPP, Channel.INSTAGRAM})
# Outside the window a WhatsApp row is sent as the template in its payload under this key
# (``whatsapp.services.outbound.TEMPLATE_KEY``, which this app does not import).
TEMPLATE_KEY = "template"


class StaffReplyRefused(Exception):
    """The reply cannot be sent; ``str(error)`` is the reason, in words the page shows."""


@dataclass(frozen=True)
class StaffTemplate:
    """An approved WhatsApp template filled in for this customer (``reminders.services.message_template_fill``)."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()
    # What the transcript shows for it: the template's name and what fills it.
    summary: str = ""
    # What Meta bills it as (utility, marketing), kept on the row for the count of what Lyo sends.
    category: str = ""

    def as_payload(self) -> dict:
        payload = {
            "name": self.name, "language": self.language,
            "parameters": list(self.parameters), "buttons": list(self.buttons),
        }
        if self.category:
            payload["category"] = self.category
        return payload


@dataclass(frozen=True)
class StaffReplyOptions:
    """What staff may send on the conversation now: the reply box is drawn from this."""

    window_open: bool
    free_form: bool  # a typed text may go
    template_only: bool  # only an approved WhatsApp template may go
    # Why nothing typed can go ("" when it can); shown on the page.
    reason: str
    text_max: int


def staff_reply_options(*, conversation: Conversation, now: datetime) -> StaffReplyOptions:
    """What may be sent on ``conversation`` now (Meta's 24-hour window, the channel's limit)."""
    text_max = STAFF_TEXT_MAX.get(conversation.channel, TEXT_MAX)
    if conversation.status == Conversation.Status.CLOSED:
        return StaffReplyOptions(False, False, False, _("This conversation is closed."), text_max)
    window_open = conversation.channel not in WINDOW_CHANNELS or customer_window_open(
        conversation=conversation, now=now
    )
    if window_open:
        return StaffReplyOptions(True, True, False, "", text_max)
    if conversation.channel == Channel.WHATSAPP:
        return StaffReplyOptions(False, False, True, _(
            "The customer last wrote more than 24 hours ago: WhatsApp now delivers only an approved message "
            "template."
        ), text_max)
    return StaffReplyOptions(False, False, False, _(
        "The customer last wrote more than 24 hours ago: Instagram does not allow a business to write to them "
        "now. The reply box opens again when they write."
    ), text_max)


def conversation_staff_reply(
    *, conversation: Conversation, user: AbstractBaseUser, text: str, now: datetime,
    template: StaffTemplate | None = None,
) -> Message:
    """Queue what ``user`` wrote to the customer; it is sent once committed, like the assistant's replies.

    Free-form ``text`` within the customer's window; outside it (WhatsApp only) the
    approved ``template``. A conversation the assistant still answers is taken over
    first. Raises ``StaffReplyRefused`` with the reason when nothing may be sent.
    """
    options = staff_reply_options(conversation=conversation, now=now)
    if template is not None:
        if conversation.channel != Channel.WHATSAPP:
            raise StaffReplyRefused(_("Message templates can be sent on WhatsApp only."))
        if conversation.status == Conversation.Status.CLOSED:
            raise StaffReplyRefused(options.reason)
        body = template.summary or template.name
    else:
        body = (text or "").strip()
        if not body:
            raise StaffReplyRefused(_("Type a message first."))
        if not options.free_form:
            raise StaffReplyRefused(options.reason)
        if text_length(body) > options.text_max:
            raise StaffReplyRefused(_(
                "The message is too long: %(length)s characters, and this channel takes at most %(max)s."
            ) % {"length": text_length(body), "max": options.text_max})

    with transaction.atomic():
        # Locked in the order the assistant and the hand-back lock it: a customer message
        # handled right now finishes first, and an idle hand-back cannot slip in between.
        locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        if locked is None or locked.status == Conversation.Status.CLOSED:
            raise StaffReplyRefused(_("This conversation is closed."))
        if locked.status == Conversation.Status.BOT:
            conversation_hand_to_staff(conversation=locked)
        elif locked.handoff_reason != Conversation.HandoffReason.STAFF:
            # Handed over by the assistant (asked for a person, not understood...): staff answer now.
            locked.handoff_reason = Conversation.HandoffReason.STAFF
            locked.save(update_fields=["handoff_reason", "updated_at"])
            handoff_mirror(conversation=locked)
        locked.staff_active_at = now
        locked.save(update_fields=["staff_active_at", "updated_at"])
        reply = text_reply(body)
        payload = reply.as_dict()
        if template is not None:
            payload[TEMPLATE_KEY] = template.as_payload()
        message = Message.objects.create(
            tenant_id=locked.tenant_id,
            conversation=locked,
            direction=Message.Direction.OUTBOUND,
            channel=locked.channel,
            type=Message.Type.TEMPLATE if template is not None else Message.Type.TEXT,
            text=body,
            payload=payload,
            delivery_status=Message.Delivery.QUEUED,
            sent_by=user,
        )
        metrics.outbound_messages.labels(channel=message.channel, status=Message.Delivery.QUEUED).inc()
        # Through the channel's send task (a worker, with its retries), never in the web request.
        transaction.on_commit(partial(outbound_message_enqueue, message.pk, message.channel))
    conversation.status, conversation.handoff_reason = locked.status, locked.handoff_reason
    conversation.staff_active_at = locked.staff_active_at
    return message


# --- Handing back idle conversations ---------------------------------------------------------


def conversation_staff_idle_hand_back(*, conversation: Conversation, now: datetime) -> bool:
    """Hand ``conversation`` back to the assistant if staff have not written in it for the tenant's
    ``staff_hand_back_hours``; ``False`` when they have, it is not theirs, or the setting is 0 (never)."""
    hours = conversation.tenant.staff_hand_back_hours
    if not hours:
        return False
    with transaction.atomic():
        # Checked again under the lock: a reply written a moment ago keeps the conversation with staff.
        locked = Conversation.objects.select_for_update().filter(
            pk=conversation.pk, status=Conversation.Status.HUMAN, handoff_reason=Conversation.HandoffReason.STAFF,
        ).first()
        if locked is None:
            return False
        active = locked.staff_active_at or locked.updated_at
        if now - active < timedelta(hours=hours):
            return False
        handed = conversation_hand_back(conversation=locked)
    if handed:
        logger.info("Conversation %s handed back to the assistant after %s hours without staff", locked.pk, hours)
    return handed


def conversations_staff_idle_hand_back(*, now: datetime) -> int:
    """Every tenant's conversations staff took over and left idle go back to the assistant; how many.

    Only conversations staff took over or wrote in (``handoff_reason`` staff): one the
    assistant handed over and nobody has answered yet stays on the "needs a person" list.
    Safe to run again or twice at once: each is checked again under its lock.
    """
    handed = 0
    for tenant in Tenant.objects.filter(staff_hand_back_hours__gt=0).order_by("pk"):
        cutoff = now - timedelta(hours=tenant.staff_hand_back_hours)
        idle = (
            Conversation.objects.filter(
                tenant=tenant, status=Conversation.Status.HUMAN, handoff_reason=Conversation.HandoffReason.STAFF
            )
            # Taken over before staff activity was recorded: their last change stands in for it.
            .annotate(active=Coalesce("staff_active_at", "updated_at", output_field=DateTimeField()))
            .filter(active__lte=cutoff)
            .order_by("pk")
        )
        for conversation in idle:
            conversation.tenant = tenant
            handed += conversation_staff_idle_hand_back(conversation=conversation, now=now)
    return handed
