"""Publishing tasks without letting a broker outage slow down every webhook.

A publish to an unreachable broker takes a good half second before it gives up
(``CELERY_BROKER_TRANSPORT_OPTIONS``). One POST may carry many messages, and Meta wants
answers within a second, so after one failure this process stops trying for a few
seconds: the rows stay pending or queued, and the sweep picks them up later.
"""

import logging
import time
from collections.abc import Callable

from celery import current_app
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


def broker_holds_at_least(count: int) -> bool:
    """Does the broker's queue already hold ``count`` tasks or more?

    The minute sweep asks before re-enqueueing what is still waiting: when the queue
    holds at least that many tasks, the broker has not lost them, the workers are
    behind (or stopped), and enqueueing them again would only stack copies in front of
    new messages. ``False`` when the broker cannot be asked: then the sweep enqueues.
    """
    if count <= 0:
        return False
    try:
        waiting = _queue_length(current_app.conf.task_default_queue)
    except Exception:
        logger.warning("Could not read the length of the task queue; the sweep enqueues", exc_info=True)
        return False
    return waiting >= count


def _queue_length(queue: str) -> int:
    with current_app.connection_for_read() as connection:
        try:
            return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
        except connection.channel_errors:
            return 0  # no such queue: nothing waiting
