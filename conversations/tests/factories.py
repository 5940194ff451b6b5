import factory

from conversations.models import Conversation, Message
from customers.tests.factories import CustomerFactory


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    customer = factory.SubFactory(CustomerFactory)
    tenant = factory.SelfAttribute("customer.tenant")
    channel = factory.SelfAttribute("customer.channel")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    tenant = factory.SelfAttribute("conversation.tenant")
    channel = factory.SelfAttribute("conversation.channel")
    direction = Message.Direction.INBOUND
    channel_message_id = factory.Sequence(lambda n: f"wamid.TEST{n:010d}")
    type = Message.Type.TEXT
    text = "Ciao"
    processing_status = Message.Processing.PENDING
