"""A staff reply on Instagram goes out through the Instagram sender, like the assistant's replies."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from conversations.services.staff_reply import conversation_staff_reply
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_a_staff_reply_reaches_the_send_api_as_a_response_to_the_customer(
    tenant, instagram, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(tenant=tenant, channel=Channel.INSTAGRAM, phone=None, channel_user_id="4242")
    conversation = ConversationFactory(customer=customer, last_inbound_at=NOW - timedelta(hours=1))
    MessageFactory(conversation=conversation, channel_timestamp=NOW - timedelta(hours=1), processing_status="processed")
    user = User.objects.create_user("maria", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        message = conversation_staff_reply(conversation=conversation, user=user, text="Ci vediamo stasera!", now=NOW)

    (send,) = instagram.sends
    assert send["token"] == "IGAA-sample-token"
    assert send["body"] == {"recipient": {"id": "4242"}, "messaging_type": "RESPONSE",
                            "message": {"text": "Ci vediamo stasera!"}}
    message.refresh_from_db()
    assert (message.delivery_status, message.channel_message_id) == ("sent", "mid.SENT0001")
