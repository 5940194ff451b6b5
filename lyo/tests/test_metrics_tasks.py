"""The task retry and failure counters move when the real tasks retry and give up.

Each test runs a signed WhatsApp webhook through the real pipeline (inbound stored,
processed by the in-process task, the reply sent against a fake Graph API) and
compares the counters' values before and after.

A reply's first attempt is made by the worker that wrote it, right after processing;
a transient error hands it to the send task, which makes the later attempts. That
hand-off is an enqueue, not a task retry: only the send task's own retries count.
"""

from unittest import mock

import pytest
from prometheus_client import REGISTRY

from conversations.models import Message
from conversations.services.inbound import PROCESS_MAX_ATTEMPTS
from conversations.services.outbound import SEND_MAX_ATTEMPTS
from whatsapp.tests.conftest import payload_bytes

pytestmark = pytest.mark.django_db

# The task label each task counts under (what dashboards and alerts select on).
SEND_TASK = "whatsapp_message_send"
PROCESS_TASK = "inbound_message_process"
ASSISTANT = "conversations.services.inbound.assistant_handle"


def _counts(task: str) -> tuple[float, float]:
    """(retries, failures) counted so far for ``task``."""
    return tuple(
        REGISTRY.get_sample_value(name, {"task": task}) or 0.0
        for name in ("lyo_task_retries_total", "lyo_task_failures_total")
    )


def _failed_sends() -> float:
    return REGISTRY.get_sample_value("lyo_outbound_messages_total", {"channel": "whatsapp", "status": "failed"}) or 0.0


def _delta(before: tuple[float, float], task: str) -> tuple[float, float]:
    after = _counts(task)
    return (after[0] - before[0], after[1] - before[1])


def _reply() -> Message:
    return Message.objects.get(direction=Message.Direction.OUTBOUND)


def test_a_send_retried_after_graph_500s_counts_each_retry_and_no_failure(
    tenant, graph, post_webhook, celery_retries_inline
):
    before = _counts(SEND_TASK)
    graph.fail_next(500)
    graph.fail_next(500)
    post_webhook(payload_bytes("whatsapp_text.json"))

    # First attempt (500) hands it to the task; the task's attempt (500) retries; its retry is sent.
    assert (_reply().delivery_status, _reply().attempts, len(graph.sends)) == ("sent", 3, 3)
    assert _delta(before, SEND_TASK) == (1, 0)


def test_a_send_that_gives_up_after_its_bounded_attempts_counts_one_failure(
    tenant, graph, post_webhook, celery_retries_inline
):
    before = _counts(SEND_TASK)
    assert SEND_MAX_ATTEMPTS == 8
    for _ in range(SEND_MAX_ATTEMPTS + 2):
        graph.fail_next(500)
    post_webhook(payload_bytes("whatsapp_text.json"))

    assert (_reply().delivery_status, _reply().attempts, len(graph.sends)) == ("failed", 8, 8)
    # One attempt before the task, SEND_MAX_ATTEMPTS - 1 in it: each but its last retries, the last gives up.
    assert _delta(before, SEND_TASK) == (SEND_MAX_ATTEMPTS - 2, 1)


def test_a_permanent_graph_error_is_a_failed_message_not_a_failed_task(
    tenant, graph, post_webhook, celery_retries_inline
):
    # The task did its job (Meta refused the message for good): the message counts as
    # failed in lyo_outbound_messages_total; the task neither retries nor fails.
    before, failed_before = _counts(SEND_TASK), _failed_sends()
    graph.fail_next(400, 131026, "Message undeliverable")
    post_webhook(payload_bytes("whatsapp_text.json"))

    assert (_reply().delivery_status, _reply().error_code, len(graph.sends)) == ("failed", 131026, 1)
    assert _delta(before, SEND_TASK) == (0, 0)
    assert _failed_sends() - failed_before == 1


def test_an_inbound_message_whose_processing_keeps_raising_counts_its_retries_then_one_failure(
    tenant, graph, post_webhook, celery_retries_inline
):
    before = _counts(PROCESS_TASK)
    with mock.patch(ASSISTANT, side_effect=RuntimeError("assistant bug")) as assistant:
        post_webhook(payload_bytes("whatsapp_text.json"))

    assert assistant.call_count == PROCESS_MAX_ATTEMPTS == 3
    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    assert (inbound.processing_status, inbound.attempts) == ("failed", PROCESS_MAX_ATTEMPTS)
    assert graph.sends == []
    assert _delta(before, PROCESS_TASK) == (PROCESS_MAX_ATTEMPTS - 1, 1)
