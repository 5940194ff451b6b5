import factory
from django.contrib.auth import get_user_model

from tenants.models import Tenant, TenantMembership


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    kind = Tenant.Kind.RESTAURANT
    timezone = "Europe/Rome"
    language = "it"
    whatsapp_phone_number_id = factory.Sequence(lambda n: f"1065400000{n:05d}")
    whatsapp_access_token = factory.Sequence(lambda n: f"EAAG-test-token-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantMembership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = TenantMembership.Role.STAFF
