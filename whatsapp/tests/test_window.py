"""WhatsApp's 24-hour window: a free-form message outside it is never attempted.

Meta delivers free-form messages only within 24 hours of the customer's last message;
after that only approved templates. A free-form row found outside the window goes as
the template it carries, or is recorded ``not_sendable`` for staff to see.
"""

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from kombu.exceptions import OperationalError

from conversations.models import Message
from conversations.replies import Option, Reply, ReplyType, text_reply
from conversations.services.delivery import customer_window_open
from conversations.tasks import inbound_message_process_task
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory
from whatsapp.adapter import WhatsAppAdapter
from whatsapp.services.outbound import WINDOW_CLOSED
from whatsapp.tasks import whatsapp_message_send_task
from whatsapp.tests.conftest import payload_bytes

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
TEMPLATE = {
    "name": "booking_changed", "language": "it", "parameters": ["Giulia", "venerdì 4 dicembre", "20:00"],
    "buttons": [],
}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _conversation(tenant, last_inbound_at):
    customer = CustomerFactory(tenant=tenant, phone="393471234567", display_name="Giulia")
    conversation = ConversationFactory(customer=customer, last_inbound_at=last_inbound_at)
    if last_inbound_at is not None:
        MessageFactory(
            conversation=conversation, channel_timestamp=last_inbound_at, processing_status="processed"
        )
    return conversation


def _queued(conversation, reply: Reply, **payload) -> Message:
    """An outbound free-form row, as the assistant or a notification stores it."""
    return Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, type=Message.Type.TEXT if reply.type == ReplyType.TEXT else "interactive",
        text=reply.text, payload={**reply.as_dict(), **payload}, delivery_status=Message.Delivery.QUEUED,
    )


def test_a_free_form_reply_after_25_hours_of_silence_is_recorded_not_sendable_and_never_sent(tenant, graph):
    message = _queued(_conversation(tenant, NOW - timedelta(hours=25)), text_reply("Ci sei ancora?"))
    whatsapp_message_send_task.delay(message.pk)

    message.refresh_from_db()
    assert graph.sends == []
    assert (message.delivery_status, message.type, message.attempts) == ("not_sendable", "text", 1)
    assert message.error_title == WINDOW_CLOSED
    assert message.failed_at == NOW


def test_a_free_form_message_after_25_hours_goes_as_the_template_it_carries(tenant, graph):
    message = _queued(
        _conversation(tenant, NOW - timedelta(hours=25)), text_reply("Abbiamo spostato la prenotazione."),
        template=TEMPLATE,
    )
    whatsapp_message_send_task.delay(message.pk)

    message.refresh_from_db()
    assert (message.delivery_status, message.type, message.channel_message_id) == ("sent", "template", "wamid.SENT0001")
    (send,) = graph.sends
    assert send["body"] == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "393471234567", "type": "template",
        "template": {
            "name": "booking_changed", "language": {"code": "it"},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": "Giulia"}, {"type": "text", "text": "venerdì 4 dicembre"},
                {"type": "text", "text": "20:00"},
            ]}],
        },
        # Echoed by Meta's status webhooks: settles a send a crash cut short.
        "biz_opaque_callback_data": f"lyo-message:{message.pk}",
    }


def test_a_reply_produced_25_hours_after_the_customer_wrote_is_not_sent_free_form(
    tenant, graph, post_webhook, django_capture_on_commit_callbacks
):
    # The customer writes; the broker is down, so the message waits, stored and pending.
    with mock.patch.object(inbound_message_process_task, "delay", side_effect=OperationalError("redis down")):
        assert post_webhook(payload_bytes("whatsapp_text.json")).status_code == 200
    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    assert inbound.processing_status == "pending"

    # 25 hours of silence later the sweep answers it: the answer may not go free-form any more.
    with (
        time_machine.travel(NOW + timedelta(hours=25)),  # ticking: the outbox sends rows older than now
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("process_pending", stdout=StringIO())
    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert reply.reply_to == inbound
    assert (reply.delivery_status, reply.error_title) == ("not_sendable", WINDOW_CLOSED)
    assert graph.sends == []


def test_inside_the_window_the_free_form_message_goes_as_it_is(tenant, graph):
    buttons = Reply(ReplyType.BUTTONS, "Confermi?", (Option("yes", "Sì"), Option("no", "No")))
    message = _queued(_conversation(tenant, NOW - timedelta(hours=23, minutes=59)), buttons, template=TEMPLATE)
    whatsapp_message_send_task.delay(message.pk)

    message.refresh_from_db()
    assert (message.delivery_status, message.type) == ("sent", "interactive")
    assert [s["body"]["type"] for s in graph.sends] == ["interactive"]


def test_the_window_is_judged_when_sending_not_when_queueing(tenant, graph):
    conversation = _conversation(tenant, NOW - timedelta(hours=23))
    message = _queued(conversation, text_reply("Grazie!"))
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        assert WhatsAppAdapter().send(message_id=message.pk).outcome == "not_sendable"
    assert graph.sends == []


def test_a_stored_message_not_yet_handled_opens_the_window(tenant):
    conversation = _conversation(tenant, None)
    assert customer_window_open(conversation=conversation, now=NOW) is False
    MessageFactory(conversation=conversation, channel_timestamp=NOW - timedelta(minutes=1))
    assert customer_window_open(conversation=conversation, now=NOW) is True


def test_the_window_closes_24_hours_after_the_customers_timestamp(tenant):
    conversation = _conversation(tenant, NOW - timedelta(hours=24))
    assert customer_window_open(conversation=conversation, now=NOW) is False
    assert customer_window_open(conversation=conversation, now=NOW - timedelta(seconds=1)) is True


def test_a_template_row_is_sent_as_a_template_whatever_the_window(tenant, graph):
    conversation = _conversation(tenant, None)
    template = {**TEMPLATE, "buttons": ["remind:confirm:K7M3QD"]}
    message = _queued(conversation, text_reply("Promemoria"), template=template)
    Message.objects.filter(pk=message.pk).update(type=Message.Type.TEMPLATE)
    whatsapp_message_send_task.delay(message.pk)

    (send,) = graph.sends
    components = send["body"]["template"]["components"]
    assert components[1] == {
        "type": "button", "sub_type": "quick_reply", "index": "0",
        "parameters": [{"type": "payload", "payload": "remind:confirm:K7M3QD"}],
    }


def test_staff_see_the_message_that_could_not_be_sent_and_why(tenant, graph, client):
    message = _queued(_conversation(tenant, NOW - timedelta(hours=25)), text_reply("Ci sei ancora?"))
    whatsapp_message_send_task.delay(message.pk)
    client.force_login(MembershipFactory(tenant=tenant).user)

    page = client.get(reverse("admin:conversations_message_changelist"), {"delivery_status__exact": "not_sendable"})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [message]
    assert "24-hour window" in page.content.decode()

    conversation_page = client.get(reverse("admin:conversations_conversation_change", args=[message.conversation_id]))
    assert "24-hour window" in conversation_page.content.decode()
