"""One processing task per conversation with work waiting, not one per message.

A task handles every pending message of its conversation (``inbound_message_process``),
so a second task queued behind the first for the same conversation finds nothing to do:
behind a backlog most tasks were such no-ops, each costing the worker a few
milliseconds while the customers' real work waited behind them. So a conversation is
marked in Redis when its task is published, and a message arriving while the mark is
there publishes nothing: the task not started yet will see it. The task takes the mark
off *before* it reads the pending messages under the conversation's lock, so a message
stored after that publishes a task of its own.

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

logger = logging.getLogger(__name__)

QUEUED_MARK_SECONDS = 300


def inbound_coalescing_on() -> bool:
    return bool(settings.INBOUND_TASK_PER_CONVERSATION and settings.REDIS_URL)


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _key(conversation_id: int) -> str:
    return f"lyo:inbound-queued:{conversation_id}"


def conversation_task_mark(conversation_id: int) -> bool | None:
    """Mark the conversation as having a task queued: True if newly marked, False if it already
    was (publish nothing), None if Redis could not tell (publish as if unmarked)."""
    try:
        return bool(_redis(settings.REDIS_URL).set(_key(conversation_id), 1, nx=True, ex=QUEUED_MARK_SECONDS))
    except (redis.RedisError, OSError):
        logger.warning("Could not mark conversation %s as queued", conversation_id, exc_info=True)
        return None


def conversation_task_unmark(conversation_id: int) -> None:
    """The conversation's task starts (or could not be published): the next message publishes again."""
    try:
        _redis(settings.REDIS_URL).delete(_key(conversation_id))
    except (redis.RedisError, OSError):
        # The mark expires by itself; meanwhile the minute sweep covers the conversation.
        logger.warning("Could not unmark conversation %s", conversation_id, exc_info=True)
