"""A WhatsApp message end to end: every line Lyo logs names its tenant, conversation and message.

The lines are caught at the console handler that ``LOGGING`` installs, after its filters
(``LogContextFilter`` among them), and read back through its formatter: what production
writes. The webhook is signed, processing and sending run in-process; the assistant
raises once and Meta answers 500 twice, so that processing and sending log lines too.
"""

import json
import logging
from unittest import mock

import pytest

from common.log_context import LogContextFilter
from conversations.assistant.engine import assistant_handle
from conversations.models import Message
from whatsapp.tests.conftest import payload_bytes

pytestmark = pytest.mark.django_db

ASSISTANT = "conversations.services.inbound.assistant_handle"


@pytest.fixture
def console_lines(monkeypatch):
    """What the production console handler writes during the test, as parsed JSON lines."""
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    assert any(isinstance(f, LogContextFilter) for f in console.filters)
    lines = []
    # ``handle`` runs the handler's filters, then ``emit``: catch the line emit would write.
    monkeypatch.setattr(console, "emit", lambda record: lines.append(json.loads(console.format(record))))
    return lines


def _assistant_failing_once():
    calls = []

    def assistant(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("assistant bug")
        return assistant_handle(**kwargs)

    return assistant


def test_every_line_of_a_webhook_round_trip_carries_tenant_conversation_and_message_ids(
    tenant, graph, post_webhook, celery_retries_inline, console_lines
):
    graph.fail_next(500)  # the first send, right after processing: handed to the send task
    graph.fail_next(500)  # the send task's first attempt: it retries, and the retry is sent
    with mock.patch(ASSISTANT, side_effect=_assistant_failing_once()):
        assert post_webhook(payload_bytes("whatsapp_text.json")).status_code == 200

    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert (inbound.processing_status, reply.delivery_status, len(graph.sends)) == ("processed", "sent", 3)

    def ids(message: Message) -> dict:
        return {"tenant_id": str(tenant.pk), "conversation_id": str(message.conversation_id),
                "message_id": str(message.pk)}

    # Celery's own lines ("Task ... succeeded", "... retry") are written by the worker
    # around the task, outside the task's scope: they name the task id instead.
    lyo_lines = [line for line in console_lines if not line["logger"].startswith("celery.")]
    assert [
        (line["logger"], line["message"], {key: line.get(key) for key in ids(inbound)}) for line in lyo_lines
    ] == [
        ("whatsapp.services.inbound", "Stored inbound WhatsApp message (text)", ids(inbound)),
        ("conversations.services.inbound", f"Handling inbound message {inbound.pk} failed", ids(inbound)),
        (
            "conversations.services.delivery",
            f"Sending outbound message {reply.pk} failed (will retry, attempt 1): Graph API error - (HTTP 500): error",
            ids(reply),
        ),
        (
            "conversations.services.delivery",
            f"Sending outbound message {reply.pk} failed (will retry, attempt 2): Graph API error - (HTTP 500): error",
            ids(reply),
        ),
    ]
