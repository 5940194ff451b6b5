"""From webhook POST to the Graph API send, with Celery in-process and Graph faked."""

import json
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError

from conversations.models import Conversation, Message
from conversations.tasks import inbound_message_process_task
from customers.models import Customer
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import payload_bytes, payload_json

INBOUND = Message.Direction.INBOUND
OUTBOUND = Message.Direction.OUTBOUND


def test_batch_yields_two_customers_and_two_replies(tenant, post_webhook, graph):
    assert post_webhook(payload_bytes("whatsapp_batch.json")).status_code == 200

    customers = Customer.objects.filter(tenant=tenant).order_by("phone")
    assert [(c.phone, c.channel_user_id, c.display_name) for c in customers] == [
        ("393480000001", "IT.1000000000000001", "Anna"),
        ("393480000002", "IT.1000000000000002", "Paolo"),
    ]
    assert Message.objects.filter(direction=INBOUND, processing_status=Message.Processing.PROCESSED).count() == 2
    sent = Message.objects.filter(direction=OUTBOUND, delivery_status=Message.Delivery.SENT)
    assert sent.count() == 2
    assert sorted(s["body"]["to"] for s in graph.sends) == ["393480000001", "393480000002"]


def test_username_only_customer_is_answered_by_recipient_id(tenant, post_webhook, graph):
    post_webhook(payload_bytes("whatsapp_username_only.json"))

    customer = Customer.objects.get(tenant=tenant)
    assert (customer.phone, customer.channel_user_id, customer.display_name) == (None, "IT.5550001112223334", "Luca")
    assert len(graph.sends) == 1
    body = graph.sends[0]["body"]
    assert body["recipient"] == "IT.5550001112223334"
    assert "to" not in body


def test_changed_number_leaves_one_customer_with_the_new_number(tenant, post_webhook, graph):
    post_webhook(payload_bytes("whatsapp_text.json"))
    post_webhook(payload_bytes("whatsapp_system_changed_number.json"))

    customer = Customer.objects.get(tenant=tenant)
    assert (customer.phone, customer.channel_user_id) == ("393479999999", "IT.1349875623410987")
    system = Message.objects.get(channel_message_id="wamid.INBOUND0300")
    assert (system.type, system.processing_status) == (Message.Type.SYSTEM, Message.Processing.PROCESSED)
    # The notice is kept for staff but not answered.
    assert Message.objects.filter(direction=OUTBOUND).count() == 1

    # The next message from the new number finds the same customer.
    later = payload_json("whatsapp_text.json")
    message = later["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": "wamid.AFTERCHANGE", "from": "393479999999"})
    later["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "393479999999"
    post_webhook(later)
    assert Customer.objects.filter(tenant=tenant).count() == 1
    assert graph.sends[-1]["body"]["to"] == "393479999999"


def test_changed_number_of_an_unknown_customer_creates_nobody(tenant, post_webhook):
    assert post_webhook(payload_bytes("whatsapp_system_changed_number.json")).status_code == 200
    assert Customer.objects.count() == 0


def test_two_tenants_get_their_own_conversations_and_sends(db, post_webhook, graph):
    first = TenantFactory(whatsapp_phone_number_id="111111111111111", whatsapp_access_token="EAAG-first")
    second = TenantFactory(whatsapp_phone_number_id="222222222222222", whatsapp_access_token="EAAG-second")
    body = json.loads(payload_bytes("whatsapp_text.json"))  # as just received: the replies may go free-form
    entry = body["entry"][0]
    entry["changes"][0]["value"]["metadata"]["phone_number_id"] = first.whatsapp_phone_number_id
    other = json.loads(json.dumps(entry))
    other["changes"][0]["value"]["metadata"]["phone_number_id"] = second.whatsapp_phone_number_id
    other["changes"][0]["value"]["messages"][0]["id"] = "wamid.SECONDTENANT"
    body["entry"].append(other)  # one POST, two tenants

    assert post_webhook(body).status_code == 200

    for tenant in (first, second):
        conversation = Conversation.objects.get(tenant=tenant)
        assert conversation.customer.tenant_id == tenant.pk
        assert Message.objects.filter(conversation=conversation, direction=INBOUND).count() == 1
        assert Message.objects.filter(conversation=conversation, direction=OUTBOUND, tenant=tenant).count() == 1
    assert Customer.objects.count() == 2  # the same person is a separate customer of each tenant
    assert sorted((s["phone_number_id"], s["token"]) for s in graph.sends) == [
        ("111111111111111", "EAAG-first"),
        ("222222222222222", "EAAG-second"),
    ]


def test_same_payload_delivered_five_times_is_stored_once_and_answered_once(tenant, post_webhook, graph):
    for _ in range(5):
        assert post_webhook(payload_bytes("whatsapp_text.json")).status_code == 200

    assert Message.objects.filter(direction=INBOUND).count() == 1
    assert Message.objects.filter(direction=OUTBOUND).count() == 1
    assert len(graph.sends) == 1


def test_processing_task_run_twice_sends_one_set_of_replies(
    tenant, post_webhook, graph, django_capture_on_commit_callbacks
):
    post_webhook(payload_bytes("whatsapp_text.json"))
    inbound = Message.objects.get(direction=INBOUND)
    with django_capture_on_commit_callbacks(execute=True):
        inbound_message_process_task.delay(inbound.pk)
        inbound_message_process_task.delay(inbound.pk)
    assert Message.objects.filter(direction=OUTBOUND).count() == 1
    assert len(graph.sends) == 1


def test_broker_down_answers_200_keeps_the_message_pending_and_process_pending_answers_it(
    tenant, post_webhook, graph, django_capture_on_commit_callbacks
):
    with mock.patch.object(
        inbound_message_process_task, "delay", side_effect=OperationalError("Error 111 connecting to redis")
    ):
        response = post_webhook(payload_bytes("whatsapp_text.json"))
    assert response.status_code == 200
    inbound = Message.objects.get(direction=INBOUND)
    assert inbound.processing_status == Message.Processing.PENDING
    assert len(graph.sends) == 0

    # Within the first minute it is presumed still on its way; after it, picked up.
    call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Message.objects.get(pk=inbound.pk).processing_status == Message.Processing.PENDING
    with (
        time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Message.objects.get(pk=inbound.pk).processing_status == Message.Processing.PROCESSED
    reply = Message.objects.get(direction=OUTBOUND)
    assert reply.delivery_status == Message.Delivery.SENT
    assert len(graph.sends) == 1


def test_broker_down_is_tried_once_per_post_so_a_batch_still_answers_fast(tenant, post_webhook, graph):
    with mock.patch.object(inbound_message_process_task, "delay", side_effect=OperationalError("down")) as delay:
        assert post_webhook(payload_bytes("whatsapp_batch.json")).status_code == 200
    assert delay.call_count == 1
    assert Message.objects.filter(direction=INBOUND, processing_status="pending").count() == 2


def test_the_reply_is_sent_by_the_worker_that_wrote_it_without_the_broker(tenant, post_webhook, graph):
    from whatsapp.tasks import whatsapp_message_send_task

    with mock.patch.object(whatsapp_message_send_task, "apply_async", side_effect=OperationalError("down")) as publish:
        post_webhook(payload_bytes("whatsapp_text.json"))

    reply = Message.objects.get(direction=OUTBOUND)
    assert (reply.delivery_status, reply.attempts) == (Message.Delivery.SENT, 1)
    assert publish.call_count == 0
    assert len(graph.sends) == 1


def test_a_reply_refused_while_the_broker_is_down_stays_queued_and_process_pending_sends_it(
    tenant, post_webhook, graph
):
    from whatsapp.tasks import whatsapp_message_send_task

    graph.fail_next(503, code=2, message="Service temporarily unavailable")
    with mock.patch.object(whatsapp_message_send_task, "apply_async", side_effect=OperationalError("down")):
        post_webhook(payload_bytes("whatsapp_text.json"))
    reply = Message.objects.get(direction=OUTBOUND)
    assert (reply.delivery_status, reply.attempts) == (Message.Delivery.QUEUED, 1)

    # Its retry was never scheduled: the sweep's grace for rows already tried, then sent.
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=20)):
        call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.attempts) == (Message.Delivery.SENT, 2)
    assert len(graph.sends) == 2


@pytest.mark.parametrize(
    ("name", "expected_type", "expected_text"),
    [
        ("whatsapp_button_reply.json", Message.Type.INTERACTIVE, "Conferma"),
        ("whatsapp_list_reply.json", Message.Type.INTERACTIVE, "20:00"),
        ("whatsapp_template_button.json", Message.Type.BUTTON, "Annulla"),
        ("whatsapp_location.json", Message.Type.LOCATION, ""),
        ("whatsapp_image.json", Message.Type.IMAGE, "questo taglio"),
        ("whatsapp_reaction.json", Message.Type.REACTION, "👍"),
        ("whatsapp_unsupported.json", Message.Type.UNSUPPORTED, ""),
        ("whatsapp_flow_reply.json", Message.Type.INTERACTIVE, ""),
    ],
)
def test_every_sample_message_type_is_stored_and_handled(
    tenant, post_webhook, graph, name, expected_type, expected_text
):
    post_webhook(payload_bytes(name))
    inbound = Message.objects.get(direction=INBOUND)
    assert (inbound.type, inbound.text, inbound.processing_status) == (
        expected_type, expected_text, Message.Processing.PROCESSED
    )
    assert inbound.payload["message"]["id"] == inbound.channel_message_id


def test_contact_profile_name_updates_the_display_name(tenant, post_webhook, graph):
    post_webhook(payload_bytes("whatsapp_text.json"))
    renamed = payload_json("whatsapp_text.json")
    value = renamed["entry"][0]["changes"][0]["value"]
    value["messages"][0]["id"] = "wamid.RENAMED"
    value["contacts"][0]["profile"]["name"] = "Giulia R."
    post_webhook(renamed)
    assert list(Customer.objects.values_list("display_name", flat=True)) == ["Giulia R."]


def test_conversation_handed_to_staff_gets_no_reply(tenant, post_webhook, graph):
    post_webhook(payload_bytes("whatsapp_text.json"))
    Conversation.objects.update(status=Conversation.Status.HUMAN)
    later = payload_json("whatsapp_text.json")
    later["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = "wamid.WHILEHUMAN"
    post_webhook(later)
    assert Message.objects.get(channel_message_id="wamid.WHILEHUMAN").processing_status == "processed"
    assert Message.objects.filter(direction=OUTBOUND).count() == 1
