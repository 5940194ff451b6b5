"""The locking reads of the message path are written as SQL; what they load is what the ORM loads."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from conversations.models import Conversation, Message
from conversations.replies import text_reply
from conversations.selectors import (
    conversation_inbound_pending,
    conversation_lock_for_message,
    outbound_message_lock,
)
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Customer
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _same(loaded, model) -> None:
    fresh = model.objects.get(pk=loaded.pk)
    fields = [field.attname for field in model._meta.concrete_fields]
    assert {name: getattr(loaded, name) for name in fields} == {name: getattr(fresh, name) for name in fields}


def test_the_conversation_lock_loads_conversation_tenant_and_customer_as_the_orm_does():
    conversation = ConversationFactory(state={"step": "party", "options": [["p:2", "2"]]}, last_inbound_at=T0)
    inbound = MessageFactory(conversation=conversation)

    with transaction.atomic():
        locked = conversation_lock_for_message(message_id=inbound.pk)

    _same(locked, Conversation)
    _same(locked.tenant, Tenant)
    _same(locked.customer, Customer)
    assert locked.state == {"step": "party", "options": [["p:2", "2"]]}  # JSON read back as data
    assert locked.tenant.whatsapp_access_token == conversation.tenant.whatsapp_access_token  # decrypted
    assert locked.last_inbound_at == T0


def test_the_conversation_lock_finds_nothing_for_an_outbound_or_unknown_message():
    conversation = ConversationFactory()
    outbound = MessageFactory(conversation=conversation, direction=Message.Direction.OUTBOUND)
    with transaction.atomic():
        assert conversation_lock_for_message(message_id=outbound.pk) is None
        assert conversation_lock_for_message(message_id=outbound.pk + 1000) is None


def test_pending_messages_come_in_the_channels_order_and_only_the_pending_inbound_ones():
    conversation = ConversationFactory()
    later = MessageFactory(conversation=conversation, channel_timestamp=T0 + timedelta(seconds=5))
    earlier = MessageFactory(conversation=conversation, channel_timestamp=T0)
    MessageFactory(conversation=conversation, channel_timestamp=T0, processing_status=Message.Processing.PROCESSED)
    MessageFactory(conversation=conversation, direction=Message.Direction.OUTBOUND)
    MessageFactory(channel_timestamp=T0)  # someone else's conversation

    pending = conversation_inbound_pending(conversation=conversation)

    assert [message.pk for message in pending] == [earlier.pk, later.pk]
    _same(pending[0], Message)
    assert pending[0].conversation is conversation


def test_the_outbound_lock_loads_the_row_its_conversation_and_when_the_answered_message_came_in():
    conversation = ConversationFactory()
    inbound = MessageFactory(conversation=conversation)
    reply = Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, reply_to=inbound, payload=text_reply("Ciao!").as_dict(), text="Ciao!",
        delivery_status=Message.Delivery.QUEUED,
    )

    with transaction.atomic():
        locked = outbound_message_lock(message_id=reply.pk, channel=conversation.channel)

    _same(locked, Message)
    _same(locked.conversation, Conversation)
    _same(locked.conversation.customer, Customer)
    _same(locked.tenant, Tenant)
    assert locked.payload == {"type": "text", "text": "Ciao!"}
    assert locked.reply_to_received_at == Message.objects.get(pk=inbound.pk).created_at
    assert model_to_dict(locked.conversation.customer) == model_to_dict(conversation.customer)


def test_the_outbound_lock_needs_the_right_channel_and_direction():
    conversation = ConversationFactory()
    notice = Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, payload=text_reply("Promemoria").as_dict(), text="Promemoria",
        delivery_status=Message.Delivery.QUEUED,
    )
    inbound = MessageFactory(conversation=conversation)
    with transaction.atomic():
        assert outbound_message_lock(message_id=notice.pk, channel="instagram") is None
        assert outbound_message_lock(message_id=inbound.pk, channel=conversation.channel) is None
        assert outbound_message_lock(message_id=notice.pk, channel=conversation.channel).reply_to_received_at is None
