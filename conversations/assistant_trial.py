"""The test channel: talk to a tenant's assistant without WhatsApp.

Used by ``manage.py chat``, ``POST /api/test-message`` and the admin's "try your
assistant" page. A test message takes the same path as a real one (stored, handled
under the conversation lock, replies queued in the outbox); the test channel
"delivers" a reply by handing it back to the caller, so it is marked sent at once.
Bookings made here carry the channel ``test``.
"""

import uuid

from django.db import transaction
from django.utils import timezone

from conversations.channels import RefusalKind, RenderedReply
from conversations.inbound import InboundKind, InboundMessage
from conversations.models import Conversation, Message
from conversations.replies import Reply
from conversations.services.conversations import conversation_get_or_open
from conversations.services.inbound import inbound_message_process, inbound_message_record
from conversations.services.outbound import SendOutcome, SendResult, outbound_message_record_sent
from customers.models import Channel, Customer
from tenants.models import Tenant


def trial_customer_get_or_create(*, tenant: Tenant, sender_id: str, display_name: str = "") -> Customer:
    customer, _ = Customer.objects.get_or_create(
        tenant=tenant, channel=Channel.TEST, channel_user_id=sender_id, defaults={"display_name": display_name}
    )
    return customer


def assistant_trial_turn(
    *, tenant: Tenant, sender_id: str, text: str = "", choice_id: str = "", display_name: str = ""
) -> list[Reply]:
    """Send one test message (typed ``text`` or a tapped ``choice_id``) and return the assistant's replies."""
    customer = trial_customer_get_or_create(tenant=tenant, sender_id=sender_id, display_name=display_name)
    conversation = conversation_get_or_open(tenant=tenant, customer=customer)
    return trial_message_send(tenant=tenant, customer=customer, inbound=_inbound(conversation, text, choice_id))


def trial_message_send(*, tenant: Tenant, customer: Customer, inbound: InboundMessage) -> list[Reply]:
    """Store ``inbound`` as the test customer's message, handle it now, and return the replies."""
    with transaction.atomic():
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        message = inbound_message_record(
            tenant=tenant,
            customer=customer,
            conversation=conversation,
            inbound=inbound,
            message_type=_MESSAGE_TYPES.get(inbound.kind, Message.Type.UNKNOWN),
            channel_payload={"text": inbound.text, "choice": inbound.choice_id},
        )
    if message is None:  # the same test message id twice: already answered
        return []
    inbound_message_process(message_id=message.pk)
    replies = list(Message.objects.filter(reply_to=message, direction=Message.Direction.OUTBOUND).order_by("sequence"))
    for reply in replies:
        # Handing the replies back is the delivery; don't wait for the outbox's on-commit hook.
        _test_reply_delivered(reply.pk)
    return [Reply.from_dict(reply.payload) for reply in replies]


_MESSAGE_TYPES = {
    InboundKind.TEXT: Message.Type.TEXT,
    InboundKind.CHOICE: Message.Type.INTERACTIVE,
    InboundKind.LOCATION: Message.Type.LOCATION,
    InboundKind.MEDIA: Message.Type.IMAGE,
    InboundKind.REACTION: Message.Type.REACTION,
    InboundKind.UNSUPPORTED: Message.Type.UNSUPPORTED,
}


def trial_message_id() -> str:
    return f"test-{uuid.uuid4().hex}"


def _inbound(conversation: Conversation, text: str, choice_id: str) -> InboundMessage:
    message_id = trial_message_id()
    now = timezone.now()
    if choice_id:
        # The title of the option as the customer saw it, so a stale id still reads as text.
        titles = dict(tuple(option) for option in (conversation.state or {}).get("options", []))
        return InboundMessage(
            kind=InboundKind.CHOICE, channel_message_id=message_id, timestamp=now,
            choice_id=choice_id, choice_title=titles.get(choice_id, ""), channel_type="choice",
        )
    return InboundMessage(kind=InboundKind.TEXT, channel_message_id=message_id, timestamp=now, text=text)


def _test_reply_delivered(message_id: int) -> SendResult:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.delivery_status != Message.Delivery.QUEUED:
            return SendResult(SendOutcome.SKIPPED)
        outbound_message_record_sent(message=message, channel_message_id=None, now=timezone.now())
        return SendResult(SendOutcome.SENT, attempts=message.attempts)


class TrialChannelAdapter:
    """The test channel for the outbox (registered by ``ConversationsConfig.ready``).

    The caller reads the replies from the database (``trial_message_send``), so sending
    one is marking it sent: no task, no channel to call, no status of its own to show.
    """

    channel = Channel.TEST
    send_task = None

    def render(self, message: Message, reply: Reply) -> RenderedReply[None]:
        return RenderedReply(bodies=[reply.as_dict()], destination=None)

    def post(self, rendered: RenderedReply, body: dict) -> str | None:
        return None

    def send(self, message_id: int, *, loaded: Message | None = None) -> SendResult:
        return _test_reply_delivered(message_id)

    def refusal(self, error: Exception) -> RefusalKind | None:
        return None  # nothing to refuse

    def token_refused(self, rendered: RenderedReply) -> None:
        return None

    def enqueue(self, message_id: int, countdown: float | None = None) -> SendResult:
        # No worker to hand it to, and nothing worth waiting for: delivered at once.
        return self.send(message_id)

    def handoff_mirror(self, conversation_id: int) -> None:
        return None
