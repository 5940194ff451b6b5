"""One processing task per conversation with work waiting (real Redis; the suite's default is one per message)."""

import os
from unittest import mock

import pytest
import redis
from django.conf import settings

from common import metrics
from conversations.services import inbound_queue
from conversations.services.inbound import inbound_message_enqueue
from conversations.services.inbound_queue import conversation_task_mark, conversation_task_unmark

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")

CONVERSATION = 987_654_321


@pytest.fixture
def coalescing(settings):
    settings.INBOUND_TASK_PER_CONVERSATION = True
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(f"lyo:inbound-queued:{CONVERSATION}")
    published = []
    task = mock.Mock()
    task.delay.side_effect = lambda *args, **kwargs: published.append((args, kwargs))
    with mock.patch("conversations.services.inbound.current_app") as app:
        app.tasks = {"conversations.inbound_message_process": task}
        yield published
    client.delete(f"lyo:inbound-queued:{CONVERSATION}")


def test_messages_arriving_while_the_conversations_task_waits_publish_nothing(coalescing):
    coalesced = metrics.inbound_tasks_coalesced.labels(task="conversations.inbound_message_process")
    before = coalesced._value.get()
    assert inbound_message_enqueue(1, conversation_id=CONVERSATION) is True
    assert inbound_message_enqueue(2, conversation_id=CONVERSATION) is True
    assert inbound_message_enqueue(3, conversation_id=CONVERSATION) is True
    assert coalescing == [((1,), {"conversation_id": CONVERSATION})]
    assert coalesced._value.get() - before == 2


def test_a_message_after_the_task_started_publishes_a_task_of_its_own(coalescing):
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    conversation_task_unmark(CONVERSATION)  # what the task does first
    inbound_message_enqueue(2, conversation_id=CONVERSATION)
    assert [args for args, _ in coalescing] == [(1,), (2,)]


def test_other_conversations_and_the_sweep_are_not_held_back(coalescing):
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    inbound_message_enqueue(2, conversation_id=CONVERSATION + 1)
    inbound_message_enqueue(3)  # the minute sweep: no conversation, always published
    assert [args for args, _ in coalescing] == [(1,), (2,), (3,)]
    redis.Redis.from_url(settings.REDIS_URL).delete(f"lyo:inbound-queued:{CONVERSATION + 1}")


def test_a_publish_that_failed_leaves_no_mark_behind(coalescing):
    with mock.patch("conversations.services.inbound.broker_publish", return_value=False):
        assert inbound_message_enqueue(1, conversation_id=CONVERSATION) is False
    assert inbound_message_enqueue(2, conversation_id=CONVERSATION) is True
    assert [args for args, _ in coalescing] == [(2,)]


def test_redis_failing_publishes_as_before(coalescing):
    broken = mock.Mock()
    broken.set.side_effect = redis.ConnectionError("down")
    with mock.patch.object(inbound_queue, "_redis", return_value=broken):
        assert conversation_task_mark(CONVERSATION) is None
        inbound_message_enqueue(1, conversation_id=CONVERSATION)
        inbound_message_enqueue(2, conversation_id=CONVERSATION)
    assert [args for args, _ in coalescing] == [(1,), (2,)]


def test_the_mark_expires_by_itself(coalescing):
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    ttl = redis.Redis.from_url(settings.REDIS_URL).ttl(f"lyo:inbound-queued:{CONVERSATION}")
    assert 0 < ttl <= inbound_queue.QUEUED_MARK_SECONDS


def test_off_with_in_process_tasks(coalescing, settings):
    settings.INBOUND_TASK_PER_CONVERSATION = False
    inbound_message_enqueue(1, conversation_id=CONVERSATION)
    inbound_message_enqueue(2, conversation_id=CONVERSATION)
    assert coalescing == [((1,), {}), ((2,), {})]
