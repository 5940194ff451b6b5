"""Old messages lose their text and payload after the retention period; bookings and rows stay."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from conversations.models import Message
from conversations.services.retention import messages_retention_apply
from conversations.tasks import messages_retention_apply_task
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
PAYLOAD = {"contacts": [{"profile": {"name": "Giulietta"}, "wa_id": "393471234567"}]}


def _message(conversation, *, age_days: float, **fields) -> Message:
    message = MessageFactory(conversation=conversation, text="Sono Giulietta", payload=PAYLOAD, **fields)
    Message.objects.filter(pk=message.pk).update(created_at=NOW - timedelta(days=age_days))
    return message


def _old_messages(conversation, count: int) -> None:
    Message.objects.bulk_create(
        Message(tenant=conversation.tenant, conversation=conversation, direction="in", channel="whatsapp",
                text=f"old {n}", payload=PAYLOAD)
        for n in range(count)
    )
    Message.objects.filter(conversation=conversation).update(created_at=NOW - timedelta(days=400))


def test_messages_past_the_retention_period_are_blanked_and_recent_ones_kept():
    conversation = ConversationFactory()
    old = _message(conversation, age_days=366)
    reply = _message(conversation, age_days=366, direction="out", reply_to=old, delivery_status="read")
    recent = _message(conversation, age_days=364)
    booking = AppointmentFactory(tenant=conversation.tenant, customer=conversation.customer, notes="window")

    result = messages_retention_apply(now=NOW, days=365)

    assert result.messages == 2
    old.refresh_from_db()
    reply.refresh_from_db()
    recent.refresh_from_db()
    assert (old.text, old.payload) == ("", {})
    # The row stays: the reply still points at it, its delivery status is kept.
    assert (reply.text, reply.payload, reply.reply_to_id, reply.delivery_status) == ("", {}, old.pk, "read")
    assert (recent.text, recent.payload) == ("Sono Giulietta", PAYLOAD)
    assert Appointment.objects.get(pk=booking.pk).notes == "window"
    assert Message.objects.count() == 3


def test_the_retention_runs_in_bounded_batches_and_a_second_run_changes_nothing():
    conversation = ConversationFactory()
    _old_messages(conversation, 2500)
    with CaptureQueriesContext(connection) as queries:
        result = messages_retention_apply(now=NOW, batch_size=1000, days=365)
    assert (result.batches, result.messages) == (3, 2500)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 3
    assert not Message.objects.exclude(text="", payload={}).exists()
    again = messages_retention_apply(now=NOW, batch_size=1000, days=365)
    assert (again.batches, again.messages) == (0, 0)


def test_the_setting_decides_the_period_and_zero_keeps_messages_for_ever(settings):
    conversation = ConversationFactory()
    message = _message(conversation, age_days=40)
    settings.LYO_MESSAGE_RETENTION_DAYS = 0
    assert messages_retention_apply(now=NOW).messages == 0
    settings.LYO_MESSAGE_RETENTION_DAYS = 30
    assert messages_retention_apply(now=NOW).messages == 1
    message.refresh_from_db()
    assert message.text == ""


def test_the_daily_task_is_scheduled_and_applies_the_setting(settings):
    assert settings.CELERY_BEAT_SCHEDULE["messages-retention"] == {
        "task": "conversations.messages_retention_apply", "schedule": 24 * 3600.0,
    }
    conversation = ConversationFactory()
    message = MessageFactory(conversation=conversation, text="ancient", payload=PAYLOAD)
    Message.objects.filter(pk=message.pk).update(created_at=datetime.now(UTC) - timedelta(days=400))
    messages_retention_apply_task.delay()
    message.refresh_from_db()
    assert (message.text, message.payload) == ("", {})


def test_the_default_retention_is_a_year():
    assert settings.LYO_MESSAGE_RETENTION_DAYS == 365
