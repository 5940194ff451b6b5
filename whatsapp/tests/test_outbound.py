"""The outbox send task: retries, permanent errors, the token flag, never a second send."""

import json
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.test import override_settings
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.replies import Option, Reply, ReplyType, text_reply
from conversations.services.outbound import RETRY_BASE_SECONDS, RETRY_MAX_SECONDS, SEND_MAX_ATTEMPTS, send_retry_delay
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from tenants.models import Tenant
from whatsapp.adapter import WhatsAppAdapter
from whatsapp.tasks import whatsapp_message_send_task
from whatsapp.tests.conftest import payload_bytes


def queued_reply(tenant: Tenant, reply: Reply | None = None, **customer) -> Message:
    conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant, **customer))
    inbound = MessageFactory(conversation=conversation)
    reply = reply or text_reply("Grazie!")
    return Message.objects.create(
        tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND, channel=conversation.channel,
        text=reply.text, payload=reply.as_dict(), delivery_status=Message.Delivery.QUEUED, reply_to=inbound,
    )


def test_graph_500_500_200_ends_in_exactly_one_sent_message_with_the_wamid(
    tenant, post_webhook, graph, celery_retries_inline
):
    graph.fail_next(500)
    graph.fail_next(500)
    post_webhook(payload_bytes("whatsapp_text.json"))

    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert (reply.delivery_status, reply.channel_message_id, reply.attempts) == ("sent", "wamid.SENT0001", 3)
    assert len(graph.sends) == 3
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND, delivery_status="sent").count() == 1


def test_window_closed_131047_fails_at_once_without_retry(tenant, graph):
    message = queued_reply(tenant)
    graph.fail_next(400, 131047, "(#131047) Re-engagement message")
    whatsapp_message_send_task.delay(message.pk)

    message.refresh_from_db()
    assert (message.delivery_status, message.error_code, message.attempts) == ("failed", 131047, 1)
    assert message.error_title == "(#131047) Re-engagement message"
    assert message.failed_at is not None
    assert len(graph.sends) == 1


@pytest.mark.parametrize("code", [100, 131026])
def test_other_permanent_errors_fail_at_once(tenant, graph, code):
    message = queued_reply(tenant)
    graph.fail_next(400, code)
    whatsapp_message_send_task.delay(message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.error_code) == ("failed", code)
    assert len(graph.sends) == 1


def test_invalid_token_190_flags_the_tenant_and_stops_its_sends(tenant, graph):
    first, second = queued_reply(tenant), queued_reply(tenant)
    graph.fail_next(401, 190, "Error validating access token")
    whatsapp_message_send_task.delay(first.pk)

    tenant.refresh_from_db()
    first.refresh_from_db()
    assert tenant.whatsapp_token_invalid_at is not None
    assert (first.delivery_status, first.error_code) == ("failed", 190)

    whatsapp_message_send_task.delay(second.pk)
    second.refresh_from_db()
    assert second.delivery_status == Message.Delivery.NOT_SENDABLE
    assert len(graph.sends) == 1


@pytest.mark.parametrize(("status", "code"), [(429, None), (400, 130429), (400, 131056), (500, 131000), (400, 4)])
def test_transient_errors_retry_a_bounded_number_of_times(tenant, graph, celery_retries_inline, status, code):
    message = queued_reply(tenant)
    for _ in range(SEND_MAX_ATTEMPTS + 2):
        graph.fail_next(status, code)
    whatsapp_message_send_task.delay(message.pk)

    message.refresh_from_db()
    assert (message.delivery_status, message.attempts) == ("failed", SEND_MAX_ATTEMPTS)
    assert len(graph.sends) == SEND_MAX_ATTEMPTS


def test_a_sent_row_is_never_sent_again(tenant, graph):
    message = queued_reply(tenant)
    for _ in range(3):
        whatsapp_message_send_task.delay(message.pk)
    assert len(graph.sends) == 1
    assert Message.objects.get(pk=message.pk).delivery_status == "sent"


def test_parts_of_a_long_reply_already_sent_are_not_sent_again_by_a_retry(tenant, graph):
    # Too long for one reply-buttons body (1024): text parts go first, the buttons last.
    long_text = ("Una frase abbastanza lunga per riempire il messaggio. " * 100).strip()
    message = queued_reply(tenant, Reply(ReplyType.BUTTONS, long_text, (Option("yes", "Sì"), Option("no", "No"))))
    graph.succeed_next()
    graph.succeed_next()
    graph.fail_next(503)

    assert WhatsAppAdapter().send(message_id=message.pk).outcome == "retry"
    assert WhatsAppAdapter().send(message_id=message.pk).outcome == "sent"

    assert [s["body"]["type"] for s in graph.sends] == ["text", "text", "interactive", "interactive"]
    message.refresh_from_db()
    assert (message.channel_message_id, message.attempts) == ("wamid.SENT0003", 2)


def test_retry_delay_grows_exponentially_with_bounded_jitter():
    for attempts in range(1, 12):
        ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempts - 1))
        delays = [send_retry_delay(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert send_retry_delay(30) <= RETRY_MAX_SECONDS


@override_settings(LYO_SEND_BACKEND="console")
def test_console_backend_prints_what_would_be_sent_and_calls_nobody(tenant, capsys):
    message = queued_reply(tenant, Reply(ReplyType.BUTTONS, "Confermi?", (Option("yes", "Sì"), Option("no", "No"))))
    whatsapp_message_send_task.delay(message.pk)

    printed = capsys.readouterr().out
    assert printed.startswith("WhatsApp → ")
    body = json.loads(printed.removeprefix("WhatsApp → "))
    assert body["interactive"]["action"]["buttons"][0]["reply"] == {"id": "yes", "title": "Sì"}
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert message.channel_message_id.startswith("console.")


def test_tenant_without_token_is_not_sendable(tenant, graph):
    tenant.whatsapp_access_token = ""
    tenant.save()
    message = queued_reply(tenant)
    whatsapp_message_send_task.delay(message.pk)
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.NOT_SENDABLE
    assert len(graph.sends) == 0


def test_send_uses_the_phone_number_when_known_else_the_user_id(tenant, graph):
    by_phone = queued_reply(tenant, phone="393470000001", channel_user_id="IT.1")
    by_user = queued_reply(tenant, phone=None, channel_user_id="IT.2")
    whatsapp_message_send_task.delay(by_phone.pk)
    whatsapp_message_send_task.delay(by_user.pk)
    bodies = [s["body"] for s in graph.sends]
    assert (bodies[0].get("to"), bodies[0].get("recipient")) == ("393470000001", None)
    assert (bodies[1].get("to"), bodies[1].get("recipient")) == (None, "IT.2")


def test_the_send_task_retries_a_transient_error_after_an_exponential_jittered_backoff(tenant, graph):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant))
    reply = text_reply("Grazie!")
    message = Message.objects.create(
        tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, text=reply.text, payload=reply.as_dict(),
        delivery_status=Message.Delivery.QUEUED, reply_to=MessageFactory(conversation=conversation),
        attempts=3,  # this failure is the 4th attempt: backoff between 2*2**3/2 = 8 and 16 seconds
    )
    countdowns = []

    def retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return Retry("retry", when=kwargs.get("countdown"))

    graph.fail_next(500)
    with mock.patch.object(whatsapp_message_send_task, "retry", side_effect=retry), pytest.raises(Retry):
        whatsapp_message_send_task.run(message.pk)
    (countdown,) = countdowns
    assert 8 <= countdown <= 16, json.dumps(countdowns)


def _loaded(message: Message) -> Message:
    """The row as the worker that wrote it holds it: tenant, conversation and customer in hand."""
    Conversation.objects.filter(pk=message.conversation_id).update(last_inbound_at=timezone.now())
    conversation = Conversation.objects.select_related("tenant", "customer").get(pk=message.conversation_id)
    message.conversation, message.tenant = conversation, conversation.tenant
    message.reply_to_received_at = message.reply_to.created_at
    return message


def test_the_worker_that_wrote_a_reply_claims_and_sends_it_without_reading_it_again(tenant, graph):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    message = _loaded(queued_reply(tenant))
    with CaptureQueriesContext(connection) as statements:
        result = WhatsAppAdapter().send(message_id=message.pk, loaded=message)

    assert result.outcome == "sent"
    # Claim (queued, never tried), then record: no read of the row, its tenant or customer.
    assert [sql.split()[0] for sql in (q["sql"] for q in statements.captured_queries)] == ["UPDATE", "UPDATE"]
    stored = Message.objects.get(pk=message.pk)
    assert (stored.delivery_status, stored.channel_message_id, stored.send_started_at) == (
        "sent", "wamid.SENT0001", None
    )
    assert len(graph.sends) == 1


def test_a_reply_another_worker_has_started_or_sent_is_not_sent_by_its_writer(tenant, graph):
    started = _loaded(queued_reply(tenant))
    Message.objects.filter(pk=started.pk).update(send_started_at=timezone.now())
    sent = _loaded(queued_reply(tenant))
    Message.objects.filter(pk=sent.pk).update(delivery_status="sent")

    assert WhatsAppAdapter().send(message_id=started.pk, loaded=started).outcome == "skipped"
    assert WhatsAppAdapter().send(message_id=sent.pk, loaded=sent).outcome == "skipped"
    assert graph.sends == []


def test_a_bug_before_the_send_gives_the_claim_back(tenant, graph):
    message = _loaded(queued_reply(tenant))
    with mock.patch("whatsapp.services.outbound._bodies", side_effect=RuntimeError("a bug")), pytest.raises(
        RuntimeError
    ):
        WhatsAppAdapter().send(message_id=message.pk, loaded=message)

    stored = Message.objects.get(pk=message.pk)
    assert (stored.delivery_status, stored.send_started_at) == ("queued", None)  # the task may try at once
    assert whatsapp_message_send_task.delay(message.pk) is not None
    assert Message.objects.get(pk=message.pk).delivery_status == "sent"
    assert len(graph.sends) == 1
