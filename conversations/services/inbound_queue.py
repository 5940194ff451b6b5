"""One processing task per conversation with work waiting, not one per message.

A task handles every pending message of its conversation (``inbound_message_process``),
so a second task queued behind the first for the same conversation finds nothing to do:
behind a backlog most tasks were such no-ops, each costing the worker a few
milliseconds while the customers' real work waited behind them. So a conversation is
marked in Redis when its task is published, and a message arriving while the mark is
there publishes nothing: the task not started yet will see it. The task takes the mark
off *before* it reads the pending messages under the conversation's lock, so a message
stored after that publishes a task of its own.

Marking and publishing are one Redis script (``conversation_task_publish``): one round
trip per webhook, the mark set only with its task pushed, and the task written as
Celery writes it (``broker.task_message_json``).

Nothing here can lose a message: a mark left behind (a task lost, Redis failing at the
wrong moment) expires after ``QUEUED_MARK_SECONDS``, and the sweep re-enqueues pending
messages older than a minute without looking at marks. With in-process tasks (no
broker) there is nothing to coalesce.
"""

from __future__ import annotations

import logging
from functools import cache

import redis
from django.conf import settings

from conversations.services.broker import task_message_json

logger = logging.getLogger(__name__)

QUEUED_MARK_SECONDS = 300


# KEYS: the conversation's mark, the queue's list; ARGV: the mark's lifetime, the task.
_MARK_AND_PUSH = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


def inbound_coalescing_on() -> bool:
    # The mark and the task go in one script, so the broker must be that same Redis.
    return bool(
        settings.INBOUND_TASK_PER_CONVERSATION and settings.REDIS_URL
        and settings.CELERY_BROKER_URL == settings.REDIS_URL
    )


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _key(conversation_id: int) -> str:
    return f"lyo:inbound-queued:{conversation_id}"


@cache
def _mark_and_push(url: str):
    return _redis(url).register_script(_MARK_AND_PUSH)


def conversation_task_publish(*, conversation_id: int, message_id: int, task: str, queue: str) -> bool:
    """Mark the conversation and push its task, unless a task is queued already: True if pushed.

    False means the conversation's queued task, not started yet, will handle this
    message too. Redis's errors are raised: the broker is this Redis, so nothing could
    have been published (``broker_publish`` leaves the message for the sweep).
    """
    message = task_message_json(task=task, args=(message_id,), kwargs={"conversation_id": conversation_id},
                                queue=queue)
    pushed = _mark_and_push(settings.REDIS_URL)(keys=[_key(conversation_id), queue],
                                                args=[QUEUED_MARK_SECONDS, message])
    return bool(pushed)


def conversation_task_unmark(conversation_id: int) -> None:
    """The conversation's task starts: the next message publishes again."""
    try:
        _redis(settings.REDIS_URL).delete(_key(conversation_id))
    except (redis.RedisError, OSError):
        # The mark expires by itself; meanwhile the minute sweep covers the conversation.
        logger.warning("Could not unmark conversation %s", conversation_id, exc_info=True)
