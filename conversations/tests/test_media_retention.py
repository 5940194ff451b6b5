"""The copies of photos and documents kept for the conversation page go with the retention period."""

from datetime import UTC, datetime, timedelta

import pytest

from conversations.models import Message, MessageMedia
from conversations.services.media import message_media_store
from conversations.services.retention import messages_retention_apply
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


def _photo(conversation, *, age_days: float, payload: dict | None = None) -> Message:
    message = MessageFactory(conversation=conversation, type="image", payload={"message": {"type": "image"}}
                             if payload is None else payload)
    Message.objects.filter(pk=message.pk).update(created_at=NOW - timedelta(days=age_days))
    message_media_store(message=message, content=b"\x89PNG", mime_type="image/png", now=NOW)
    return message


def test_media_of_messages_past_the_period_is_deleted_and_recent_media_kept():
    conversation = ConversationFactory()
    old = _photo(conversation, age_days=366)
    already_blank = _photo(conversation, age_days=400, payload={})  # blanked earlier, copied in between
    recent = _photo(conversation, age_days=10)
    result = messages_retention_apply(now=NOW, days=365)
    assert (result.messages, result.media) == (2, 2)
    assert list(MessageMedia.objects.values_list("message", flat=True)) == [recent.pk]
    assert Message.objects.filter(pk__in=[old.pk, already_blank.pk]).count() == 2  # the rows stay
    assert messages_retention_apply(now=NOW, days=365).media == 0


def test_storing_the_same_media_twice_keeps_one_copy():
    message = MessageFactory(type="image")
    first = message_media_store(message=message, content=b"abc", mime_type="image/jpeg", now=NOW)
    second = message_media_store(message=message, content=b"abc", mime_type="image/jpeg", now=NOW)
    assert first.pk == second.pk
    assert (second.size, second.sha256) == (3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
