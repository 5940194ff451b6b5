"""One open conversation per customer."""

import pytest

from conversations.models import Conversation
from conversations.services.conversations import conversation_get_or_open
from conversations.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_one_open_conversation_per_customer_and_a_new_one_after_closing():
    conversation = ConversationFactory()
    customer, tenant = conversation.customer, conversation.tenant
    assert conversation_get_or_open(tenant=tenant, customer=customer) == conversation
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    reopened = conversation_get_or_open(tenant=tenant, customer=customer)
    assert reopened.pk != conversation.pk
    assert reopened.status == Conversation.Status.BOT
