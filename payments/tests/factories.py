import factory

from payments.models import PaymentPolicy
from tenants.tests.factories import TenantFactory


class PaymentPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentPolicy

    tenant = factory.SubFactory(TenantFactory)
    mode = PaymentPolicy.Mode.DEPOSIT
    amount_cents = 1000
    per = PaymentPolicy.Per.PERSON
