"""One processing task per conversation with work waiting (real Redis; the suite's default is one per message)."""

import base64
import json
import os
from unittest import mock

import pytest
import redis
from django.conf import settings

from common import metrics
from conversations.services import inbound_queue
from conversations.services.broker import task_queue_name
from conversations.services.inbound import INBOUND_PROCESS_TASK, inbound_message_enqueue
from conversations.services.inbound_queue import conversation_task_unmark

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")

CONVERSATION = 987_654_321


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _clean(queue: str) -> None:
    _client().delete(queue, *(f"lyo:inbound-queued:{CONVERSATION + n}" for n in range(2)))


@pytest.fixture
def coalescing(settings):
    """The tasks pushed onto the inbound task's queue, as (args, kwargs); tasks published through Celery apart."""
    settings.INBOUND_TASK_PER_CONVERSATION = True
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    queue = task_queue_name(INBOUND_PROCESS_TASK)
    _clean(queue)
    delayed = []
    task = mock.Mock()
    task.delay.side_effect = lambda *args, **kwargs: delayed.append((args, kwargs))

    def pushed() -> list[tuple[tuple, dict]]:
        tasks = []
        for raw in reversed(_client().lrange(queue, 0, -1)):  # LPUSH: the oldest is last
            args, kwargs, _ = json.loads(base64.b64decode(json.loads(raw)["body"]))
            tasks.append((tuple(args), kwargs))
        return tasks

    with mock.patch("conversations.services.inbound.current_app") as app:
        app.tasks = {INBOUND_PROCESS_TASK: task}
        yield pushed, delayed
    _clean(queue)


def test_messages_arriving_while_the_conversations_task_waits_publish_nothing(coalescing):
    pushed, delayed = coalescing
    coalesced = metrics.inbound_tasks_coalesced.labels(task=INBOUND_PROCESS_TASK)
    before = coalesced._value.get()
    assert inbound_message_enqueue(1, conversation_id=CONVERSATION) is True
    assert inbound_message_enqueue(2, conversation_id=CONVERSATION) is True
    assert inbound_message_enqueue(3, conversation_id=CONVERSATION) is True
    assert pushed() == [((1,), {"conversation_id": CONVERSATION})]
    assert delayed == []
    assert coalesced._value.get() - before == 2


def test_a_message_after_the_task_started_publishes_a_task_of_its_own(coalescing):
    pushed, _ = coalescing
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    conversation_task_unmark(CONVERSATION)  # what the task does first
    inbound_message_enqueue(2, conversation_id=CONVERSATION)
    assert [args for args, _ in pushed()] == [(1,), (2,)]


def test_other_conversations_and_the_sweep_are_not_held_back(coalescing):
    pushed, delayed = coalescing
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    inbound_message_enqueue(2, conversation_id=CONVERSATION + 1)
    inbound_message_enqueue(3)  # the minute sweep: no conversation, always published, through Celery
    assert [args for args, _ in pushed()] == [(1,), (2,)]
    assert delayed == [((3,), {})]


def test_redis_failing_leaves_the_message_pending_and_no_mark(coalescing):
    pushed, delayed = coalescing
    broken = mock.Mock(side_effect=redis.ConnectionError("down"))
    with mock.patch.object(inbound_queue, "_mark_and_push", return_value=broken):
        assert inbound_message_enqueue(1, conversation_id=CONVERSATION) is False
    assert not _client().exists(f"lyo:inbound-queued:{CONVERSATION}")
    # Once Redis answers again (the broker's pause over), the next message publishes.
    from conversations.services.broker import broker_pause_reset

    broker_pause_reset()
    assert inbound_message_enqueue(2, conversation_id=CONVERSATION) is True
    assert [args for args, _ in pushed()] == [(2,)]
    assert delayed == []


def test_the_mark_expires_by_itself(coalescing):
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    ttl = _client().ttl(f"lyo:inbound-queued:{CONVERSATION}")
    assert 0 < ttl <= inbound_queue.QUEUED_MARK_SECONDS


def test_off_with_in_process_tasks(coalescing, settings):
    pushed, delayed = coalescing
    settings.INBOUND_TASK_PER_CONVERSATION = False
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    inbound_message_enqueue(2, conversation_id=CONVERSATION)
    assert delayed == [((1,), {}), ((2,), {})]
    assert pushed() == []


def test_off_when_the_broker_is_not_that_redis(coalescing, settings):
    pushed, delayed = coalescing
    settings.CELERY_BROKER_URL = "amqp://guest@127.0.0.1//"
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    assert delayed == [((1,), {})]
    assert pushed() == []
