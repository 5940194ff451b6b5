"""Publishing tasks without letting a broker outage slow down every webhook.

A publish to an unreachable broker takes a good half second before it gives up
(``CELERY_BROKER_TRANSPORT_OPTIONS``). One POST may carry many messages, and Meta wants
answers within a second, so after one failure this process stops trying for a few
seconds: the rows stay pending or queued, and the sweep picks them up later.
"""

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from functools import cache

import redis
from celery import current_app
from celery.app.routes import Router, prepare
from celery.utils.nodenames import anon_nodename
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_DOWN_PAUSE_SECONDS = 10.0

_down_until = 0.0


def broker_publish(publish: Callable[[], object], *, what: str) -> bool:
    """Run ``publish``; ``False`` when the broker is (presumed) down or publishing failed."""
    global _down_until
    if time.monotonic() < _down_until:
        logger.warning("Broker presumed down; %s left for the sweep", what)
        return False
    try:
        publish()
    except (OperationalError, redis.RedisError, OSError):
        # kombu's error, or Redis's own from a publish written for Redis (task_message_json).
        _down_until = time.monotonic() + BROKER_DOWN_PAUSE_SECONDS
        logger.warning("Broker unreachable; %s left for the sweep", what, exc_info=True)
        return False
    except Exception:
        # In-process tasks (no broker configured) raise their own errors here; the row
        # stays as it is for the sweep, and the caller (a webhook) still answers.
        logger.exception("Enqueueing %s failed; left for the sweep", what)
        return False
    return True


def broker_pause_reset() -> None:
    """Forget an outage (tests, or once the broker is known to be back)."""
    global _down_until
    _down_until = 0.0


def broker_holds_at_least(count: int, *, tasks: Iterable[str]) -> bool:
    """Do the queues that ``tasks`` are routed to already hold ``count`` tasks or more?

    The minute sweep asks before re-enqueueing what is still waiting: when the queues
    hold at least that many tasks, the broker has not lost them, the workers are
    behind (or stopped), and enqueueing them again would only stack copies in front of
    new messages. Each task is looked up in ``CELERY_TASK_ROUTES``, so tasks routed to
    queues of their own are counted where they wait. ``False`` when the broker cannot
    be asked: then the sweep enqueues.
    """
    if count <= 0:
        return False
    try:
        queues = {task_queue_name(task) for task in tasks}
        waiting = sum(_queue_length(queue) for queue in sorted(queues))
    except Exception:
        logger.warning("Could not read the length of the task queues; the sweep enqueues", exc_info=True)
        return False
    return waiting >= count


def task_queue_name(task: str) -> str:
    """The queue a task named ``task`` is published to (its route, else the default queue)."""
    # Built from the settings each time (a dictionary lookup or two), not the app's cached
    # router, so a route set after start-up (tests, a shell) is seen.
    router = Router(prepare(current_app.conf.task_routes), current_app.amqp.queues, app=current_app)
    return router.route({}, task)["queue"].name


def _queue_length(queue: str) -> int:
    with current_app.connection_for_read() as connection:
        try:
            # The stubs type the channel as kombu's abstract StdChannel; a transport's has queue_declare.
            channel = connection.default_channel
            return channel.queue_declare(queue=queue, passive=True).message_count  # type: ignore[attr-defined]
        except connection.channel_errors:
            return 0  # no such queue: nothing waiting


def task_message_json(*, task: str, args: tuple, kwargs: dict, queue: str, ignore_result: bool = True) -> str:
    """A task as Celery (message protocol 2) and kombu's Redis transport put it on ``queue``'s list.

    For a publish that has to share one Redis round trip with something else (the
    webhook's per-conversation mark, ``inbound_queue``): going through ``apply_async``
    cost the webhook about a sixth of its CPU and two round trips. The worker reads it
    as any other task; ``conversations/tests/test_task_message.py`` compares it field by
    field with what Celery itself writes, so an upgrade that changes the format fails there.
    """
    task_id = str(uuid.uuid4())
    embed = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
    body = json.dumps([list(args), kwargs, embed])
    return json.dumps({
        "body": base64.b64encode(body.encode()).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py", "task": task, "id": task_id, "shadow": None, "eta": None, "expires": None,
            "group": None, "group_index": None, "retries": 0, "timelimit": [None, None], "root_id": task_id,
            "parent_id": None, "argsrepr": repr(args), "kwargsrepr": repr(kwargs), "origin": _origin(),
            "ignore_result": ignore_result, "replaced_task_nesting": 0, "stamped_headers": None, "stamps": {},
        },
        "properties": {
            "correlation_id": task_id, "reply_to": current_app.thread_oid, "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0, "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        },
    })


@cache
def _origin() -> str:
    return anon_nodename()
