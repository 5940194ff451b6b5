"""Publishing tasks without letting a broker outage slow down every webhook.

A publish to an unreachable broker takes a good half second before it gives up
(``CELERY_BROKER_TRANSPORT_OPTIONS``). One POST may carry many messages, and Meta wants
answers within a second, so after one failure this process stops trying for a few
seconds: the rows stay pending or queued, and the sweep picks them up later.
"""

import logging
import time
from collections.abc import Callable, Iterable

from celery import current_app
from celery.app.routes import Router, prepare
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
    except OperationalError:
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
