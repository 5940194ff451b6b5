"""``row_update`` (common.model_rows) leaves a row as the ORM's ``filter(...).update(...)`` would."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from common.model_rows import row_update
from conversations.models import Message
from conversations.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

COMPARED = ("delivery_status", "sent_at", "attempts", "error_code", "error_title", "send_started_at",
            "channel_message_id")


def _outbound(**fields) -> Message:
    values = {"direction": Message.Direction.OUTBOUND, "processing_status": "",
              "delivery_status": Message.Delivery.QUEUED, "attempts": 2, "error_code": 131047,
              "error_title": "Re-engagement message", "send_started_at": timezone.now()}
    return MessageFactory(**{**values, **fields})


def test_values_an_increment_and_conditions_as_the_orm_sets_them():
    now = timezone.now() - timedelta(seconds=5)
    ours, theirs = _outbound(), _outbound()
    changes = {"channel_message_id": None, "delivery_status": Message.Delivery.SENT, "sent_at": now,
               "error_code": None, "error_title": "", "send_started_at": None}
    assert row_update(Message, ours.pk, where={"delivery_status": Message.Delivery.QUEUED},
                      increment=("attempts",), **changes) == 1
    assert Message.objects.filter(pk=theirs.pk, delivery_status=Message.Delivery.QUEUED).update(
        attempts=F("attempts") + 1, **changes) == 1
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert [getattr(ours, f) for f in COMPARED] == [getattr(theirs, f) for f in COMPARED]
    assert (ours.attempts, ours.sent_at, ours.error_code) == (3, now, None)


def test_a_condition_that_does_not_hold_changes_nothing():
    message = _outbound()
    assert row_update(Message, message.pk, where={"delivery_status": Message.Delivery.SENT}, attempts=9) == 0
    assert row_update(Message, message.pk, where={"send_started_at": None}, attempts=9) == 0  # IS NULL, not = NULL
    message.refresh_from_db()
    assert message.attempts == 2


def test_a_null_condition_matches_a_null_column_and_only_that_row_changes():
    claimed, other = _outbound(send_started_at=None), _outbound(send_started_at=None)
    at = timezone.now()
    assert row_update(Message, claimed.pk, where={"send_started_at": None}, send_started_at=at) == 1
    claimed.refresh_from_db()
    other.refresh_from_db()
    assert (claimed.send_started_at, other.send_started_at) == (at, None)
