"""Celery settings the crash drills rely on (bench/drill-worker-kill.sh, issue 9)."""

from django.conf import settings

from conversations.services.outbound import RETRY_MAX_SECONDS


def test_a_task_is_acknowledged_only_once_done_so_a_killed_worker_loses_nothing():
    # Acknowledged after the run, and put back when the pool process running it dies:
    # the broker (or the sweep) hands it to another worker; the task is idempotent.
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    # A worker holds one task beyond those it runs: a crash strands no queue of them.
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_an_unacknowledged_task_is_not_redelivered_while_its_retry_is_still_waiting():
    # Redis redelivers a task not acknowledged within the visibility timeout. A send
    # retry waits up to RETRY_MAX_SECONDS (held, unacknowledged, by the worker): a
    # shorter timeout would deliver it a second time while the first still waits.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert visibility > RETRY_MAX_SECONDS


def test_a_publish_to_a_dead_broker_gives_up_within_a_second():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    worst = options["interval_start"] + options["max_retries"] * options["interval_max"]
    assert worst < 1.0
