"""Meta's 24-hour window holds for Instagram DMs too, and Instagram has no templates:
outside it a message is recorded as not sendable (staff see it), never attempted."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bookings.tests.factories import AppointmentFactory, ResourceFactory
from conversations.models import Message
from conversations.replies import text_reply
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel
from customers.tests.factories import CustomerFactory
from instagram.adapter import InstagramAdapter
from reminders.services import reminders_send_due

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def _instagram_conversation(tenant, last_inbound_at):
    customer = CustomerFactory(tenant=tenant, channel=Channel.INSTAGRAM, phone=None, channel_user_id="6543210987654321")
    conversation = ConversationFactory(customer=customer, last_inbound_at=last_inbound_at)
    MessageFactory(
        conversation=conversation, channel_message_id="aWdfAUDIT1", channel_timestamp=last_inbound_at,
        processing_status="processed",
    )
    return conversation


def _sent_at_now(conversation, text: str) -> Message:
    """A free-form reply queued on ``conversation``, sent (or not) at ``NOW``."""
    reply = text_reply(text)
    message = Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=Channel.INSTAGRAM, text=reply.text, payload=reply.as_dict(), delivery_status=Message.Delivery.QUEUED,
    )
    with time_machine.travel(NOW, tick=False):
        InstagramAdapter().send(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_a_free_form_instagram_reply_after_25_hours_of_silence_is_never_attempted(tenant, instagram):
    conversation = _instagram_conversation(tenant, NOW - timedelta(hours=25))
    message = _sent_at_now(conversation, "Ci sei ancora?")
    assert instagram.sends == [], "a free-form Instagram DM was attempted outside the 24-hour window"
    assert message.delivery_status == Message.Delivery.NOT_SENDABLE
    assert "24-hour window" in message.error_title


def test_an_instagram_reminder_24_hours_ahead_of_a_booking_made_days_ago_is_not_sent_free_form(
    tenant, instagram, django_capture_on_commit_callbacks
):
    conversation = _instagram_conversation(tenant, NOW - timedelta(days=6))
    starts_at = NOW + timedelta(hours=24)
    with time_machine.travel(NOW - timedelta(days=6), tick=False):
        AppointmentFactory(
            tenant=tenant, customer=conversation.customer, resource=ResourceFactory(tenant=tenant),
            starts_at=starts_at, channel=Channel.INSTAGRAM,
        )
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        (sent,) = reminders_send_due()
    assert instagram.sends == [], "the reminder went to Instagram free-form, six days after the customer's last message"
    sent.message.refresh_from_db()
    assert sent.message.delivery_status == Message.Delivery.NOT_SENDABLE


def test_an_instagram_reply_within_the_window_is_sent(tenant, instagram):
    conversation = _instagram_conversation(tenant, NOW - timedelta(hours=23, minutes=59))
    message = _sent_at_now(conversation, "Certo!")
    assert message.delivery_status == Message.Delivery.SENT
    assert [send["body"]["message"]["text"] for send in instagram.sends] == ["Certo!"]
