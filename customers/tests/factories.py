import factory

from customers.models import Channel, Customer
from tenants.tests.factories import TenantFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    tenant = factory.SubFactory(TenantFactory)
    channel = Channel.WHATSAPP
    phone = factory.Sequence(lambda n: f"3934700{n:05d}")
    channel_user_id = factory.Sequence(lambda n: f"IT.{n:012d}")
    display_name = factory.Faker("first_name")
