"""Run one booking action in many threads at once and count how each ended (PostgreSQL tests)."""

import threading
from collections import Counter
from collections.abc import Callable

from django.db import connection


def threads_race(
    action: Callable[[int], object], *, threads: int, refusals: dict[type[Exception], str]
) -> Counter:
    """``action(i)`` in ``threads`` threads released together: "booked", the label of a refusal, or the error.

    Each thread has its own database connection (closed at the end), so the
    transactions really overlap; any other exception is reported by the caller's assertion.
    """
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            action(index)
            outcomes.append("booked")
        except tuple(refusals) as refusal:
            outcomes.append(refusals[type(refusal)])
        except Exception as error:  # any other outcome is reported by the assertion
            outcomes.append(repr(error))
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return Counter(outcomes)
