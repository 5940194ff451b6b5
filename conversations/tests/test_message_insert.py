"""The inbound message's INSERT, written once (common.model_rows.ModelInsert), stores what the ORM's would."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.model_rows import ModelInsert
from conversations.models import Message
from conversations.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def _message(conversation, wamid: str) -> Message:
    return Message(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.INBOUND,
        channel=conversation.channel, channel_message_id=wamid, type=Message.Type.TEXT, text="Ciao 👋, alle 20?",
        payload={"message": {"text": "Ciao"}, "inbound": {"kind": "text", "n": [1, 2.5, None]}},
        processing_status=Message.Processing.PENDING,
        channel_timestamp=datetime(2026, 12, 4, 19, 30, tzinfo=UTC),
    )


def test_the_row_is_the_one_the_orm_would_store():
    conversation = ConversationFactory()
    before = timezone.now()
    written = ModelInsert(Message).insert(_message(conversation, "wamid.A"))
    by_orm = Message.objects.create(**{
        f.attname: getattr(_message(conversation, "wamid.B"), f.attname)
        for f in Message._meta.concrete_fields if not f.primary_key
    })
    ours, theirs = Message.objects.get(pk=written.pk), Message.objects.get(pk=by_orm.pk)
    assert written.pk and not written._state.adding
    assert ours.created_at >= before  # auto_now_add, as save() sets it
    skip = {"id", "channel_message_id", "created_at"}
    assert {f.attname: getattr(ours, f.attname) for f in Message._meta.concrete_fields if f.attname not in skip} == {
        f.attname: getattr(theirs, f.attname) for f in Message._meta.concrete_fields if f.attname not in skip
    }
    assert ours.payload["inbound"]["n"] == [1, 2.5, None] and ours.text == "Ciao 👋, alle 20?"


def test_a_redelivery_raises_like_save_and_leaves_the_transaction_usable():
    conversation = ConversationFactory()
    insert = ModelInsert(Message)
    insert.insert(_message(conversation, "wamid.SAME"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert.insert(_message(conversation, "wamid.SAME"))
    assert Message.objects.filter(channel_message_id="wamid.SAME").count() == 1
