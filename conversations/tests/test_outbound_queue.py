"""A message's replies: stored in one INSERT, sent in their order by the worker that wrote them."""

from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from conversations import channels
from conversations.models import Message
from conversations.replies import text_reply
from conversations.services.outbound import SendOutcome, SendResult, outbound_message_queue
from conversations.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

CHANNEL = "whatsapp"


class RecordingAdapter:
    """A channel's adapter that answers each send from a script (default: sent) and records what it was asked."""

    def __init__(self, script: dict[int, object] | None = None):
        self.script = script or {}
        self.sent: list[str] = []
        self.enqueued: list[tuple[str, float | None]] = []

    def send(self, message_id: int, *, loaded: Message | None = None) -> SendResult:
        text = Message.objects.get(pk=message_id).text
        answer = self.script.get(len(self.sent) + len(self.enqueued))
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            return answer
        self.sent.append(text)
        return SendResult(SendOutcome.SENT, attempts=1)

    def enqueue(self, message_id: int, countdown: float | None) -> None:
        self.enqueued.append((Message.objects.get(pk=message_id).text, countdown))


def _queue(sender: RecordingAdapter, texts: list[str], django_capture_on_commit_callbacks) -> list[Message]:
    inbound = MessageFactory()
    with (
        mock.patch.dict(channels._adapters, {CHANNEL: sender}),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        return outbound_message_queue(inbound=inbound, replies=[text_reply(t) for t in texts])


def test_replies_are_stored_in_order_and_sent_in_order_without_the_broker(django_capture_on_commit_callbacks):
    sender = RecordingAdapter()
    queued = _queue(sender, ["uno", "due", "tre"], django_capture_on_commit_callbacks)

    assert [(m.sequence, m.text, m.delivery_status) for m in queued] == [
        (0, "uno", "queued"), (1, "due", "queued"), (2, "tre", "queued")
    ]
    assert sender.sent == ["uno", "due", "tre"]
    assert sender.enqueued == []


def test_a_transient_failure_hands_that_reply_and_the_later_ones_to_the_task_after_the_backoff(
    django_capture_on_commit_callbacks,
):
    sender = RecordingAdapter({1: SendResult(SendOutcome.RETRY, attempts=1)})
    with mock.patch("conversations.services.outbound.send_retry_delay", return_value=1.5) as delay:
        _queue(sender, ["uno", "due", "tre"], django_capture_on_commit_callbacks)

    assert sender.sent == ["uno"]
    assert sender.enqueued == [("due", 1.5), ("tre", 1.5)]
    delay.assert_called_once_with(1)


def test_a_bug_while_sending_counts_an_attempt_and_hands_the_reply_on(django_capture_on_commit_callbacks):
    sender = RecordingAdapter({0: RuntimeError("a bug in a channel")})
    queued = _queue(sender, ["uno", "due"], django_capture_on_commit_callbacks)

    assert sender.sent == []
    assert [text for text, _ in sender.enqueued] == ["uno", "due"]
    assert list(Message.objects.filter(pk__in=[m.pk for m in queued]).order_by("sequence").values_list(
        "attempts", flat=True
    )) == [1, 0]


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    sender = RecordingAdapter()
    inbound = MessageFactory()
    with mock.patch.dict(channels._adapters, {CHANNEL: sender}), django_capture_on_commit_callbacks(
        execute=True
    ), pytest.raises(RuntimeError), transaction.atomic():
        outbound_message_queue(inbound=inbound, replies=[text_reply("uno")])
        raise RuntimeError("the handler failed after queueing")

    assert sender.sent == [] and sender.enqueued == []
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_a_second_set_of_replies_to_one_message_is_refused_by_the_database(django_capture_on_commit_callbacks):
    sender = RecordingAdapter()
    first = _queue(sender, ["uno"], django_capture_on_commit_callbacks)
    inbound = Message.objects.get(pk=first[0].reply_to_id)

    with pytest.raises(IntegrityError), transaction.atomic():
        outbound_message_queue(inbound=inbound, replies=[text_reply("ancora")])
    assert list(inbound.replies.values_list("text", flat=True)) == ["uno"]
