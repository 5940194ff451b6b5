"""The fast, deterministic halves of the fault drills in bench/ (issue 9).

The drills kill real processes under load; these pin the properties they rely on:
a database outage answers Meta 5xx and leaves no torn rows, a worker that dies
mid-task leaves nothing half-done and its redelivered task answers once, and the
webhook never waits for a conversation the assistant is busy with.
"""

import json
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.replies import text_reply
from conversations.services.inbound import inbound_message_process
from conversations.services.outbound import SEND_LEASE
from conversations.tasks import inbound_message_process_task
from conversations.tests.factories import ConversationFactory
from customers.models import Customer
from tenants.tests.factories import TenantFactory
from whatsapp.services.outbound import whatsapp_body_post as whatsapp_deliver
from whatsapp.tasks import whatsapp_message_send_task
from whatsapp.tests.conftest import WEBHOOK, payload_bytes, payload_json, sign

INBOUND = Message.Direction.INBOUND
OUTBOUND = Message.Direction.OUTBOUND


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an ``Exception``, so no handler in the task sees it; only the transaction unwinds."""


def test_database_unreachable_answers_503_so_meta_redelivers(tenant, post_webhook, caplog):
    with mock.patch(
        "whatsapp.services.inbound.tenant_for_phone_number_id",
        side_effect=OperationalError("connection refused"),
    ):
        response = post_webhook(payload_bytes("whatsapp_text.json"))

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert response.headers["Retry-After"] == "5"
    assert not Message.objects.exists()
    assert "the database is unavailable" in caplog.text


def test_database_lost_mid_receive_leaves_no_half_written_rows_and_the_redelivery_is_answered_once(
    tenant, post_webhook, graph
):
    body = payload_bytes("whatsapp_text.json")
    # The customer and conversation are written, then the connection drops before the message is.
    with mock.patch(
        "whatsapp.services.inbound.inbound_message_record", side_effect=OperationalError("server closed the connection")
    ):
        assert post_webhook(body).status_code == 503
    assert (Customer.objects.count(), Conversation.objects.count(), Message.objects.count()) == (0, 0, 0)

    assert post_webhook(body).status_code == 200  # Meta's redelivery
    assert Message.objects.filter(direction=INBOUND, processing_status="processed").count() == 1
    assert Message.objects.filter(direction=OUTBOUND, delivery_status="sent").count() == 1
    assert len(graph.sends) == 1


def test_worker_killed_mid_processing_leaves_the_message_pending_and_the_redelivered_task_answers_once(
    tenant, post_webhook, graph, django_capture_on_commit_callbacks
):
    post_webhook(payload_bytes("whatsapp_text.json"), run_on_commit=False)
    inbound = Message.objects.get(direction=INBOUND)
    conversation_before = Conversation.objects.values("state", "last_inbound_at").get()

    # Killed after the assistant answered and while its replies were being stored.
    with (
        mock.patch("conversations.services.inbound.outbound_message_queue", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        inbound_message_process_task.delay(inbound.pk)
    inbound.refresh_from_db()
    assert (inbound.processing_status, inbound.attempts) == ("pending", 0)
    assert not Message.objects.filter(direction=OUTBOUND).exists()
    assert Conversation.objects.values("state", "last_inbound_at").get() == conversation_before

    # Late acknowledgement: the broker hands the same task to the next worker (or the sweep does).
    with django_capture_on_commit_callbacks(execute=True):
        inbound_message_process_task.delay(inbound.pk)
        inbound_message_process_task.delay(inbound.pk)
    assert Message.objects.get(pk=inbound.pk).processing_status == "processed"
    assert Message.objects.filter(direction=OUTBOUND, delivery_status="sent").count() == 1
    assert len(graph.sends) == 1


def _reply_left_queued(post_webhook) -> Message:
    """A customer's message answered, its reply stored but not sent (as if its worker died there)."""
    with mock.patch("conversations.services.outbound.outbound_replies_send"):
        post_webhook(payload_bytes("whatsapp_text.json"))
    return Message.objects.get(direction=OUTBOUND)


def test_worker_killed_before_the_graph_call_leaves_the_reply_marked_and_it_is_sent_once_after_the_lease(
    tenant, post_webhook, graph
):
    # The worker that wrote the reply dies before sending it: the reply stays queued.
    reply = _reply_left_queued(post_webhook)

    with (
        mock.patch("whatsapp.adapter.whatsapp_body_post", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        whatsapp_message_send_task.delay(reply.pk)
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.attempts, reply.channel_message_id) == ("queued", 0, None)
    assert reply.send_started_at is not None  # nobody knows whether Meta took it

    # Redelivered at once: left alone, Meta's status may still settle it.
    whatsapp_message_send_task.delay(reply.pk)
    assert len(graph.sends) == 0

    # No status came: after the lease it is sent, once.
    with time_machine.travel(timezone.now() + SEND_LEASE + timedelta(seconds=1)):
        whatsapp_message_send_task.delay(reply.pk)
        whatsapp_message_send_task.delay(reply.pk)
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.attempts, reply.channel_message_id) == ("sent", 1, "wamid.SENT0001")
    assert reply.send_started_at is None
    assert len(graph.sends) == 1


def test_worker_killed_after_meta_accepted_the_reply_is_settled_by_meta_status_never_sent_twice(
    tenant, post_webhook, graph
):
    reply = _reply_left_queued(post_webhook)

    def accepted_then_killed(tenant, body):
        whatsapp_deliver(tenant, body)  # Meta has it
        raise WorkerKilled

    with (
        mock.patch("whatsapp.adapter.whatsapp_body_post", side_effect=accepted_then_killed),
        pytest.raises(WorkerKilled),
    ):
        whatsapp_message_send_task.delay(reply.pk)
    sent_body = graph.sends[0]["body"]
    assert sent_body["biz_opaque_callback_data"] == f"lyo-message:{reply.pk}"

    # Meta's "sent" status echoes the tag: the row is recorded as sent with Meta's wamid.
    post_webhook(_status_body("wamid.SENT0001", "sent", sent_body["biz_opaque_callback_data"], sent_body["to"]))
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.channel_message_id, reply.send_started_at) == ("sent", "wamid.SENT0001", None)

    with time_machine.travel(timezone.now() + SEND_LEASE + timedelta(minutes=20)):
        call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115
        whatsapp_message_send_task.delay(reply.pk)
    assert len(graph.sends) == 1

    post_webhook(_status_body("wamid.SENT0001", "delivered", sent_body["biz_opaque_callback_data"], sent_body["to"]))
    reply.refresh_from_db()
    assert reply.delivery_status == "delivered"


def test_a_failed_status_for_a_send_cut_short_records_the_failure_and_it_is_never_sent_again(
    tenant, post_webhook, graph
):
    reply = _reply_left_queued(post_webhook)

    def accepted_then_killed(tenant, body):
        whatsapp_deliver(tenant, body)
        raise WorkerKilled

    with (
        mock.patch("whatsapp.adapter.whatsapp_body_post", side_effect=accepted_then_killed),
        pytest.raises(WorkerKilled),
    ):
        whatsapp_message_send_task.delay(reply.pk)
    sent_body = graph.sends[0]["body"]

    # Meta took it, then could not deliver it: its only status is "failed".
    failed = _status_body("wamid.SENT0001", "failed", sent_body["biz_opaque_callback_data"], sent_body["to"])
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": 131026, "title": "Message undeliverable"}
    ]
    post_webhook(failed)
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.channel_message_id, reply.error_code, reply.error_title) == (
        "failed", "wamid.SENT0001", 131026, "Message undeliverable"
    )
    assert reply.send_started_at is None

    with time_machine.travel(timezone.now() + SEND_LEASE + timedelta(minutes=20)):
        call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115
        whatsapp_message_send_task.delay(reply.pk)
    assert len(graph.sends) == 1


def _long_reply(tenant) -> Message:
    """A queued reply long enough to go as two WhatsApp messages."""
    conversation = ConversationFactory(
        tenant=tenant, customer__tenant=tenant, customer__phone="393471112223", last_inbound_at=timezone.now()
    )
    reply = text_reply(("Parola " * 700).strip())  # 4,899 characters: two messages of at most 4,096
    return Message.objects.create(
        tenant=tenant, conversation=conversation, direction=OUTBOUND, channel="whatsapp",
        payload=reply.as_dict(), text=reply.text, delivery_status="queued",
    )


def _send_killed_after(reply: Message, parts_accepted: int) -> None:
    """A worker sends ``parts_accepted`` parts of ``reply``, then dies: before Meta takes the
    next one, or (all parts taken) before it records the send."""
    calls = []

    def send(tenant, body):
        calls.append(body)
        if len(calls) > parts_accepted:
            raise WorkerKilled
        wamid = whatsapp_deliver(tenant, body)
        if len(calls) == parts_accepted == 2:
            raise WorkerKilled
        return wamid

    with mock.patch("whatsapp.adapter.whatsapp_body_post", side_effect=send), pytest.raises(WorkerKilled):
        whatsapp_message_send_task.delay(reply.pk)


def test_a_long_reply_cut_short_after_its_first_part_sends_only_the_second_after_the_lease(
    tenant, post_webhook, graph
):
    reply = _long_reply(tenant)
    _send_killed_after(reply, 1)
    first = graph.sends[0]["body"]
    assert first["biz_opaque_callback_data"] == f"lyo-message:{reply.pk}:1/2"

    # Meta reports the first part: it is not sent again; the row still waits for its second.
    post_webhook(_status_body("wamid.SENT0001", "sent", first["biz_opaque_callback_data"], first["to"]))
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.payload["sent_part_ids"]) == ("queued", ["wamid.SENT0001"])

    with time_machine.travel(timezone.now() + SEND_LEASE + timedelta(seconds=1)):
        whatsapp_message_send_task.delay(reply.pk)
    reply.refresh_from_db()
    assert [send["body"]["biz_opaque_callback_data"] for send in graph.sends] == [
        f"lyo-message:{reply.pk}:1/2", f"lyo-message:{reply.pk}:2/2"
    ]
    assert graph.sends[0]["body"]["text"]["body"] + " " + graph.sends[1]["body"]["text"]["body"] == reply.text
    assert (reply.delivery_status, reply.channel_message_id) == ("sent", "wamid.SENT0002")


def test_a_long_reply_cut_short_after_its_last_part_is_settled_by_that_part_and_never_sent_again(
    tenant, post_webhook, graph
):
    reply = _long_reply(tenant)
    _send_killed_after(reply, 2)
    last = graph.sends[1]["body"]
    post_webhook(_status_body("wamid.SENT0002", "sent", last["biz_opaque_callback_data"], last["to"]))
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.channel_message_id) == ("sent", "wamid.SENT0002")

    # A late status of the first part changes nothing.
    first = graph.sends[0]["body"]
    post_webhook(_status_body("wamid.SENT0001", "sent", first["biz_opaque_callback_data"], first["to"]))
    with time_machine.travel(timezone.now() + SEND_LEASE + timedelta(minutes=20)):
        call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115
        whatsapp_message_send_task.delay(reply.pk)
    reply.refresh_from_db()
    assert (reply.delivery_status, len(graph.sends)) == ("sent", 2)


@pytest.mark.parametrize(
    "data",
    ["lyo-message:", "lyo-message:x", "lyo-message:7:3/2", "lyo-message:7:0/2", "lyo-message:7:1", "other:7",
     "lyo-message:1234567890123456789"],
)
def test_callback_data_that_is_not_ours_or_malformed_names_no_row(data):
    from whatsapp.services.outbound import whatsapp_callback_tag

    assert whatsapp_callback_tag(data) is None


def test_callback_data_names_the_row_and_its_part():
    from whatsapp.services.outbound import CallbackTag, whatsapp_callback_tag

    assert whatsapp_callback_tag("lyo-message:42") == CallbackTag(42, 1, 1)
    assert whatsapp_callback_tag("lyo-message:42:2/3") == CallbackTag(42, 2, 3)


def test_meta_status_arriving_before_the_send_is_recorded_leaves_one_send_and_meta_wamid(
    tenant, post_webhook, graph
):
    reply = _reply_left_queued(post_webhook)

    def accepted_and_reported_at_once(tenant, body):
        wamid = whatsapp_deliver(tenant, body)
        post_webhook(_status_body(wamid, "sent", body["biz_opaque_callback_data"], body["to"]))
        return wamid

    with mock.patch("whatsapp.adapter.whatsapp_body_post", side_effect=accepted_and_reported_at_once):
        whatsapp_message_send_task.delay(reply.pk)
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.channel_message_id, reply.attempts) == ("sent", "wamid.SENT0001", 1)
    assert len(graph.sends) == 1


def test_a_status_tagged_with_another_tenant_row_settles_nothing(tenant, post_webhook, graph):
    other = TenantFactory(whatsapp_phone_number_id="999000111")
    conversation = ConversationFactory(tenant=other, customer__tenant=other)
    theirs = Message.objects.create(
        tenant=other, conversation=conversation, direction=OUTBOUND, channel="whatsapp",
        payload=text_reply("Ciao").as_dict(), delivery_status="queued", send_started_at=timezone.now(),
    )

    post_webhook(_status_body("wamid.FOREIGN", "sent", f"lyo-message:{theirs.pk}", "393331234567"))

    theirs.refresh_from_db()
    assert (theirs.delivery_status, theirs.channel_message_id) == ("queued", None)


def _status_body(wamid: str, status: str, callback_data: str, recipient: str) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "106540352242922"},
        "statuses": [{
            "id": wamid, "status": status, "timestamp": str(int(timezone.now().timestamp())),
            "recipient_id": recipient, "biz_opaque_callback_data": callback_data,
        }],
    }
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}


@pytest.mark.django_db(transaction=True)
def test_the_webhook_stores_a_message_while_the_assistant_holds_its_conversation(client, tenant):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite locks the whole database)")
    first = payload_json("whatsapp_text.json")
    body = json.dumps(first).encode()
    with mock.patch("conversations.services.inbound.inbound_message_enqueue"):
        assert client.post(WEBHOOK, data=body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=sign(body)).status_code == 200
    inbound = Message.objects.get(direction=INBOUND)

    holding, release = threading.Event(), threading.Event()

    def assistant_busy(**kwargs):
        holding.set()
        release.wait(10)
        raise RuntimeError("stop here; the test only needed the lock held")

    def process_in_worker() -> None:
        try:
            with mock.patch("conversations.services.inbound._inbound_handle", side_effect=assistant_busy):
                inbound_message_process(message_id=inbound.pk)
        finally:
            connections.close_all()

    worker = threading.Thread(target=process_in_worker)
    worker.start()
    try:
        assert holding.wait(10), "the worker never took the conversation's lock"
        second = json.loads(body)
        message = second["entry"][0]["changes"][0]["value"]["messages"][0]
        message["id"] = "wamid.SECOND"
        message["timestamp"] = str(int(message["timestamp"]) + 60)
        second_body = json.dumps(second).encode()
        started = time.monotonic()
        with mock.patch("conversations.services.inbound.inbound_message_enqueue"):
            response = client.post(WEBHOOK, data=second_body, content_type="application/json",
                                   HTTP_X_HUB_SIGNATURE_256=sign(second_body))
        # Had the insert waited for the worker's lock, it would have lasted until the worker let go (10 s).
        assert time.monotonic() - started < 5
        assert response.status_code == 200
        assert Message.objects.filter(channel_message_id="wamid.SECOND", conversation=inbound.conversation).exists()
    finally:
        release.set()
        worker.join(15)
