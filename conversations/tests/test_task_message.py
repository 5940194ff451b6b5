"""The task the webhook writes itself (``task_message_json``) is the task Celery would have written."""

import base64
import json
import os

import pytest
import redis
from celery import Celery
from django.conf import settings

from conversations.services.broker import task_message_json
from conversations.services.inbound import INBOUND_PROCESS_TASK

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")

QUEUE = "lyo-test-task-message"


@pytest.fixture
def celerys_own():
    """The message Celery's own publish puts on QUEUE for the inbound task, decoded."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(QUEUE)
    app = Celery("probe", broker=settings.REDIS_URL, set_as_current=False)
    app.conf.task_default_queue = QUEUE
    app.send_task(INBOUND_PROCESS_TASK, args=(5,), kwargs={"conversation_id": 7}, ignore_result=True)
    (raw,) = client.lrange(QUEUE, 0, -1)
    client.delete(QUEUE)
    app.close()
    return json.loads(raw)


def _body(message: dict) -> list:
    return json.loads(base64.b64decode(message["body"]))


def test_the_task_written_by_hand_has_celerys_fields_and_values(celerys_own):
    ours = json.loads(task_message_json(task=INBOUND_PROCESS_TASK, args=(5,), kwargs={"conversation_id": 7},
                                        queue=QUEUE))

    assert ours.keys() == celerys_own.keys()
    assert _body(ours) == _body(celerys_own) == [[5], {"conversation_id": 7},
                                                 {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]
    for part in ("content-encoding", "content-type"):
        assert ours[part] == celerys_own[part]

    assert ours["headers"].keys() == celerys_own["headers"].keys()
    unique = {"id", "root_id"}
    assert {k: v for k, v in ours["headers"].items() if k not in unique} == {
        k: v for k, v in celerys_own["headers"].items() if k not in unique
    }
    assert ours["headers"]["root_id"] == ours["headers"]["id"]

    assert ours["properties"].keys() == celerys_own["properties"].keys()
    per_message = {"correlation_id", "reply_to", "delivery_tag"}
    assert {k: v for k, v in ours["properties"].items() if k not in per_message} == {
        k: v for k, v in celerys_own["properties"].items() if k not in per_message
    }
    assert ours["properties"]["correlation_id"] == ours["headers"]["id"]


def test_each_task_written_has_ids_of_its_own():
    first, second = (json.loads(task_message_json(task=INBOUND_PROCESS_TASK, args=(5,), kwargs={}, queue=QUEUE))
                     for _ in range(2))
    assert first["headers"]["id"] != second["headers"]["id"]
    assert first["properties"]["delivery_tag"] != second["properties"]["delivery_tag"]
