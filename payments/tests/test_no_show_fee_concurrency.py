"""Staff clicking "Charge" twice at once (two tabs, two members of staff): one charge (PostgreSQL)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from bookings.tests.racing import threads_race
from payments.models import Payment, PaymentPolicy
from payments.no_show_fees import NoShowFeeNotChargeable, no_show_fee_charge
from payments.tests.conftest import AT_20
from payments.tests.factories import PaymentPolicyFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: concurrent transactions",
    ),
]


@pytest.mark.parametrize("attempt", range(3))
def test_two_confirmations_at_once_charge_the_card_once(fake, attempt):
    fake.answer("POST", "/v1/payment_intents", {"id": "pi_fee", "object": "payment_intent", "status": "succeeded"})
    policy = PaymentPolicyFactory(
        mode=PaymentPolicy.Mode.GUARANTEE, amount_cents=2000, stripe_secret_key="sk_test_tenant"
    )
    booking = AppointmentFactory(tenant=policy.tenant, starts_at=AT_20, status=Appointment.Status.NO_SHOW)
    Payment.objects.create(
        tenant=policy.tenant,
        appointment=booking,
        kind=Payment.Kind.GUARANTEE,
        status=Payment.Status.SUCCEEDED,
        amount_cents=4000,
        currency="eur",
        provider_customer_id="cus_1",
        payment_method_id="pm_1",
    )

    def action(index: int) -> object:
        return no_show_fee_charge(tenant=policy.tenant, appointment=booking, actor=None, now=AT_20 + timedelta(hours=1))

    outcomes = threads_race(action, threads=2, refusals={NoShowFeeNotChargeable: "refused"})
    assert outcomes == Counter({"booked": 1, "refused": 1})
    fees = list(Payment.objects.filter(kind="no_show_fee").values_list("status", "amount_cents"))
    assert fees == [("succeeded", 4000)]
    assert [path for _method, path, _form, _headers in fake.requests] == ["/v1/payment_intents"]
