"""Publishing tasks without letting a broker outage slow down every webhook.

A publish to an unreachable broker takes a good half second before it gives up
(``CELERY_BROKER_TRANSPORT_OPTIONS``). One POST may carry many messages, and Meta wants
answers within a second, so after one failure this process stops trying for a few
seconds: the rows stay pending or queued, and the sweep picks them up later.
"""

import logging
import time
from collections.abc import Callable

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
