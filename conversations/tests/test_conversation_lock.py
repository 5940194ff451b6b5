"""Two messages of one customer are handled one after the other: the conversation's row lock.

A second worker that picks up the next message while the first is still inside the
assistant waits for it, then finds its own message and handles it once.
"""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections

from conversations.assistant.engine import AssistantResult
from conversations.models import Message
from conversations.services.inbound import inbound_message_process
from conversations.tests.factories import ConversationFactory, MessageFactory

ASSISTANT = "conversations.services.inbound.assistant_handle"


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_waits_for_the_first_on_the_same_conversation():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    conversation = ConversationFactory()
    first = MessageFactory(conversation=conversation, text="primo")
    second = MessageFactory(conversation=conversation, text="secondo")

    holding, release = threading.Event(), threading.Event()
    calls: list[str] = []
    calls_lock = threading.Lock()

    def assistant(**kwargs):
        with calls_lock:
            calls.append(kwargs["inbound"].text)
            is_first_call = len(calls) == 1
        if is_first_call:
            holding.set()
            release.wait(10)
        return AssistantResult(replies=[], state={})

    def work(message_id: int) -> None:
        try:
            inbound_message_process(message_id=message_id)
        finally:
            connections.close_all()

    with mock.patch(ASSISTANT, side_effect=assistant):
        worker_a = threading.Thread(target=work, args=(first.pk,))
        worker_a.start()
        assert holding.wait(10), "the first worker never reached the assistant"
        worker_b = threading.Thread(target=work, args=(second.pk,))
        worker_b.start()
        time.sleep(1.5)
        # While the first worker is inside the assistant, nobody else may run it on this conversation.
        with calls_lock:
            during_hold = list(calls)
        release.set()
        worker_a.join(15)
        worker_b.join(15)

    assert during_hold == ["primo"]
    assert sorted(calls) == ["primo", "secondo"]  # each message handled exactly once
    assert set(Message.objects.filter(pk__in=[first.pk, second.pk]).values_list("processing_status", flat=True)) == {
        "processed"
    }
