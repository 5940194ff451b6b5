"""Handling stored inbound messages: the assistant's result applied, in order, once."""

import json
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from conversations.assistant.engine import AssistantResult
from conversations.inbound import InboundKind, InboundMessage, Location
from conversations.models import Conversation, Message
from conversations.replies import Option, Reply, ReplyType, text_reply
from conversations.services.inbound import (
    PROCESS_MAX_ATTEMPTS,
    inbound_message_as_dict,
    inbound_message_from_dict,
    inbound_message_process,
)
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

ASSISTANT = "conversations.services.inbound.assistant_handle"


def pending(conversation, text="Ciao", minutes_ago=0, **kwargs):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return MessageFactory(conversation=conversation, text=text, channel_timestamp=at, **kwargs)


def test_result_state_language_and_handoff_are_applied():
    conversation = ConversationFactory(customer__language="")
    message = pending(conversation)
    result = AssistantResult(
        replies=[text_reply("Ti passo a una persona."), Reply(ReplyType.BUTTONS, "Ok?", (Option("y", "Sì"),))],
        state={"step": "handoff"}, handoff=True, language="en",
    )
    with mock.patch(ASSISTANT, return_value=result) as assistant:
        assert inbound_message_process(message_id=message.pk).processed == 1
    assert assistant.call_args.kwargs["inbound"].kind == InboundKind.UNSUPPORTED  # factory rows carry no inbound form

    conversation.refresh_from_db()
    assert (conversation.state, conversation.status) == ({"step": "handoff"}, Conversation.Status.HUMAN)
    assert conversation.customer.language == "en"
    message.refresh_from_db()
    assert (message.processing_status, message.attempts) == ("processed", 1)
    replies = list(Message.objects.filter(reply_to=message).order_by("sequence"))
    assert [(r.sequence, r.type, r.delivery_status, r.payload["type"]) for r in replies] == [
        (0, "text", "queued", "text"), (1, "interactive", "queued", "buttons")
    ]


def test_processing_twice_queues_one_set_of_replies():
    message = pending(ConversationFactory())
    result = AssistantResult(replies=[text_reply("Ciao!"), text_reply("Come posso aiutarti?")], state={})
    with mock.patch(ASSISTANT, return_value=result) as assistant:
        assert inbound_message_process(message_id=message.pk).processed == 1
        assert inbound_message_process(message_id=message.pk).processed == 0
    assert assistant.call_count == 1
    assert list(Message.objects.filter(reply_to=message).values_list("sequence", flat=True)) == [0, 1]


def test_pending_messages_of_a_conversation_are_handled_in_timestamp_order():
    conversation = ConversationFactory()
    later = pending(conversation, "secondo", minutes_ago=1)
    earlier = pending(conversation, "primo", minutes_ago=2)
    seen = []

    def assistant(**kwargs):
        seen.append(kwargs["inbound"].text)
        return AssistantResult(replies=[], state={})

    with mock.patch(ASSISTANT, side_effect=assistant):
        # The task of the later message runs first; it handles both, oldest first.
        assert inbound_message_process(message_id=later.pk).processed == 2
        assert inbound_message_process(message_id=earlier.pk).processed == 0
    assert seen == ["primo", "secondo"]


def test_a_failing_message_is_retried_then_marked_failed_and_the_next_one_goes_on():
    conversation = ConversationFactory()
    bad = pending(conversation, "rotto", minutes_ago=2)
    good = pending(conversation, "ok", minutes_ago=1)

    def assistant(**kwargs):
        if kwargs["inbound"].text == "rotto":
            raise RuntimeError("bug")
        return AssistantResult(replies=[text_reply("ok")], state={})

    with mock.patch(ASSISTANT, side_effect=assistant):
        for attempt in range(1, PROCESS_MAX_ATTEMPTS):
            result = inbound_message_process(message_id=bad.pk)
            assert (result.retry, result.attempts) == (True, attempt)
            # Order is kept: the next message waits while the first may still succeed.
            assert Message.objects.get(pk=good.pk).processing_status == "pending"
        assert inbound_message_process(message_id=bad.pk).processed == 1

    assert Message.objects.get(pk=bad.pk).processing_status == "failed"
    assert Message.objects.get(pk=good.pk).processing_status == "processed"
    assert Message.objects.filter(reply_to=bad).count() == 0


def test_inbound_form_round_trips_through_the_stored_payload():
    inbound = InboundMessage(
        kind=InboundKind.LOCATION, channel_message_id="wamid.L", timestamp=timezone.now(),
        location=Location(45.1, 9.2, "Duomo"), channel_type="location", extra={"context_id": "wamid.X"},
    )
    stored = json.loads(json.dumps(inbound_message_as_dict(inbound)))  # as the JSON column keeps it
    assert inbound_message_from_dict(stored) == inbound


def test_process_pending_takes_only_messages_older_than_a_minute(django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    message = pending(conversation)
    with mock.patch(ASSISTANT, return_value=AssistantResult(replies=[], state={})) as assistant:
        call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert assistant.call_count == 0
        with time_machine.travel(timezone.now() + timedelta(seconds=61)):
            call_command("process_pending", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert assistant.call_count == 1
    assert Message.objects.get(pk=message.pk).processing_status == "processed"


def test_process_pending_with_enqueue_hands_messages_to_the_workers():
    message = pending(ConversationFactory())
    with (
        mock.patch("conversations.tasks.inbound_message_process_task.delay") as delay,
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
    ):
        call_command("process_pending", "--enqueue", stdout=open("/dev/null", "w"))  # noqa: SIM115
    delay.assert_called_once_with(message.pk)


def test_periodic_sweep_is_scheduled_every_minute():
    from django.conf import settings

    from lyo.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE.values()
    (entry,) = [e for e in schedule if e["task"] == "conversations.messages_pending_sweep"]
    assert entry["schedule"] == 60.0
    assert "conversations.messages_pending_sweep" in app.tasks


def test_periodic_sweep_reenqueues_old_pending_inbound_and_never_tried_replies():
    from conversations.tasks import messages_pending_sweep_task

    conversation = ConversationFactory()
    old = pending(conversation)
    reply = Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, payload=text_reply("Ciao").as_dict(), delivery_status="queued",
    )
    with (
        mock.patch("conversations.tasks.inbound_message_process_task.delay") as process,
        mock.patch("whatsapp.tasks.whatsapp_message_send_task.apply_async") as send,
    ):
        messages_pending_sweep_task.delay()
        assert (process.call_count, send.call_count) == (0, 0)  # younger than a minute: still in the broker
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            messages_pending_sweep_task.delay()
    process.assert_called_once_with(old.pk)
    send.assert_called_once_with((reply.pk,), countdown=None)


def test_the_sweep_stacks_no_copies_while_the_queue_already_holds_as_many_tasks():
    from conversations.tasks import messages_pending_sweep_task

    conversation = ConversationFactory()
    pending(conversation)
    Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, payload=text_reply("Ciao").as_dict(), delivery_status="queued",
    )
    with (
        mock.patch("conversations.services.broker._queue_length", return_value=2),
        mock.patch("conversations.tasks.inbound_message_process_task.delay") as process,
        mock.patch("whatsapp.tasks.whatsapp_message_send_task.apply_async") as send,
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
    ):
        messages_pending_sweep_task.delay()

    # The workers are behind (or stopped), the broker lost nothing: no copies in front of new messages.
    assert (process.call_count, send.call_count) == (0, 0)


def test_the_sweep_enqueues_when_the_queue_holds_fewer_tasks_than_are_waiting():
    from conversations.tasks import messages_pending_sweep_task

    conversation = ConversationFactory()
    first, second = pending(conversation), pending(conversation)
    with (
        mock.patch("conversations.services.broker._queue_length", return_value=1),  # one was lost
        mock.patch("conversations.tasks.inbound_message_process_task.delay") as process,
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
    ):
        messages_pending_sweep_task.delay()

    assert sorted(call.args[0] for call in process.call_args_list) == sorted([first.pk, second.pk])


def test_the_sweep_enqueues_when_the_broker_cannot_say_how_long_its_queue_is():
    from conversations.services.broker import broker_holds_at_least

    with mock.patch("conversations.services.broker._queue_length", side_effect=OSError("connection refused")):
        assert broker_holds_at_least(1, tasks=["conversations.inbound_message_process"]) is False
    with mock.patch("conversations.services.broker._queue_length", return_value=0):
        assert broker_holds_at_least(0, tasks=["conversations.inbound_message_process"]) is False  # nothing to decide


def test_the_sweep_asks_the_queues_the_tasks_are_routed_to():
    """With tasks on queues of their own (docs/deploy.md), the sweep counts them where they wait."""
    from conversations.tasks import messages_pending_sweep_task
    from lyo.celery import app

    conversation = ConversationFactory()
    pending(conversation)
    Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, payload=text_reply("Ciao").as_dict(), delivery_status="queued",
    )
    lengths = {"inbound": 1, "outbound": 1, "celery": 0}
    asked = []

    def queue_length(queue):
        asked.append(queue)
        return lengths[queue]

    routes = {
        "conversations.inbound_message_process": {"queue": "inbound"},
        "whatsapp.message_send": {"queue": "outbound"},
    }
    # Set and put back by hand: patching the configuration mapping as a whole would write
    # every setting back on exit, over what other tests change later (task_eager_propagates).
    routes_before = app.conf.task_routes
    app.conf.task_routes = routes
    try:
        with (
            mock.patch("conversations.services.broker._queue_length", side_effect=queue_length),
            mock.patch("conversations.tasks.inbound_message_process_task.delay") as process,
            mock.patch("whatsapp.tasks.whatsapp_message_send_task.apply_async") as send,
            time_machine.travel(timezone.now() + timedelta(minutes=2)),
        ):
            messages_pending_sweep_task.delay()
            assert sorted(asked) == ["inbound", "outbound"]
            assert (process.call_count, send.call_count) == (0, 0)  # both still wait in their queues

            lengths["outbound"] = 0  # the outbound queue lost its task (default queue still empty)
            messages_pending_sweep_task.delay()
    finally:
        app.conf.task_routes = routes_before
    assert (process.call_count, send.call_count) == (0, 1)
