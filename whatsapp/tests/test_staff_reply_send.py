"""A staff reply goes out through the WhatsApp sender like the assistant's: Graph payload, ticks, failures."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from conversations.models import Message
from conversations.services.staff_reply import StaffTemplate, conversation_staff_reply
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from whatsapp.tests.conftest import payload_json

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def user(db):
    return User.objects.create_user("maria", is_staff=True)


def _conversation(tenant, last_wrote: timedelta):
    customer = CustomerFactory(tenant=tenant, phone="393471234567", display_name="Giulia")
    conversation = ConversationFactory(customer=customer, last_inbound_at=NOW - last_wrote)
    MessageFactory(conversation=conversation, channel_timestamp=NOW - last_wrote, processing_status="processed")
    return conversation


def _status(wamid: str, status: str) -> dict:
    body = payload_json(f"whatsapp_status_{status}.json")
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = wamid
    return body


def test_a_staff_reply_reaches_graph_from_the_tenants_number_and_its_ticks_follow(
    tenant, graph, user, post_webhook, django_capture_on_commit_callbacks
):
    conversation = _conversation(tenant, timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        message = conversation_staff_reply(conversation=conversation, user=user, text="Vi aspettiamo alle 20!", now=NOW)

    (send,) = graph.sends
    assert (send["phone_number_id"], send["token"]) == (tenant.whatsapp_phone_number_id, "EAAG-sample-token")
    assert send["body"] == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "393471234567", "type": "text",
        "text": {"body": "Vi aspettiamo alle 20!", "preview_url": False},
        "biz_opaque_callback_data": f"lyo-message:{message.pk}",
    }
    message.refresh_from_db()
    assert (message.delivery_status, message.channel_message_id, message.sent_by) == ("sent", "wamid.SENT0001", user)

    post_webhook(_status("wamid.SENT0001", "delivered"))
    message.refresh_from_db()
    assert message.delivery_status == "delivered"


def test_a_template_picked_outside_the_window_reaches_graph_as_that_template(tenant, graph, user,
                                                                             django_capture_on_commit_callbacks):
    conversation = _conversation(tenant, timedelta(hours=30))
    template = StaffTemplate(name="staff_follow_up", language="it", parameters=("Giulia",), summary="x")
    with django_capture_on_commit_callbacks(execute=True):
        message = conversation_staff_reply(conversation=conversation, user=user, text="", now=NOW, template=template)
    (send,) = graph.sends
    assert send["body"]["type"] == "template"
    assert send["body"]["template"] == {
        "name": "staff_follow_up", "language": {"code": "it"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Giulia"}]}],
    }
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_a_staff_reply_graph_refuses_is_failed_with_metas_reason(tenant, graph, user,
                                                                django_capture_on_commit_callbacks):
    conversation = _conversation(tenant, timedelta(hours=2))
    graph.fail_next(400, code=131026, message="Message undeliverable")
    with django_capture_on_commit_callbacks(execute=True):
        message = conversation_staff_reply(conversation=conversation, user=user, text="Ciao", now=NOW)
    message.refresh_from_db()
    assert (message.delivery_status, message.error_code) == (Message.Delivery.FAILED, 131026)
    assert "undeliverable" in message.error_title
