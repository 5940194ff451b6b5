import factory

from conversations.models import Channel, Conversation, Customer, Message
from tenants.tests.factories import TenantFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    tenant = factory.SubFactory(TenantFactory)
    channel = Channel.WHATSAPP
    phone = factory.Sequence(lambda n: f"3934700{n:05d}")
    channel_user_id = factory.Sequence(lambda n: f"IT.{n:012d}")
    display_name = factory.Faker("first_name")


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
