"""A booking that needs a deposit: held for the policy's minutes while the customer pays, expired unpaid."""

from datetime import time, timedelta

import pytest

from bookings.errors import CustomerBookingLimitReached, SlotUnavailable
from bookings.models import Appointment
from bookings.services import appointment_hold, appointment_staff_book, holds_expired_release
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory
from customers.tests.factories import CustomerFactory
from payments.deposits import deposit_checkout_start
from payments.models import Payment, PaymentPolicy
from payments.providers import ProviderError
from payments.services import payment_policy_applies
from payments.tests.conftest import AT_20, NOW
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _start(policy, party_size=4):
    quote = payment_policy_applies(tenant=policy.tenant, start=AT_20, party_size=party_size, service=None,
                                   customer=None)
    return deposit_checkout_start(
        tenant=policy.tenant, quote=quote, start=AT_20, party_size=party_size, description="Tavolo per 4",
        channel="whatsapp", now=NOW,
    )


def test_the_slot_is_held_for_the_policys_minutes_and_the_checkout_asks_exact_cents(policy, tables, fake):
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_1", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_1"})
    payment = _start(policy)
    held = payment.appointment
    assert (held.status, held.hold_reason, held.hold_expires_at) == ("held", "payment", NOW + timedelta(minutes=15))
    assert (payment.kind, payment.status, payment.amount_cents, payment.currency) == ("deposit", "pending", 5000, "eur")
    assert (payment.checkout_session_id, payment.checkout_url) == ("cs_1", "https://checkout.test/cs_1")
    form = fake.requests[0][2]
    assert form["line_items[0][price_data][unit_amount]"] == ["5000"]
    assert form["metadata[tenant_id]"] == [str(policy.tenant_id)]
    assert form["metadata[payment_id]"] == [str(payment.pk)]
    # Stripe's shortest checkout is 30 minutes: the hold's end closes it earlier.
    assert form["expires_at"] == [str(int((NOW + timedelta(minutes=31)).timestamp()))]
    # The hold occupies the table like a booking.
    with pytest.raises(SlotUnavailable):
        appointment_staff_book(tenant=policy.tenant, start=AT_20, party_size=4, resource=tables[4],
                               channel="admin", now=NOW)


def test_a_card_guarantee_opens_a_setup_checkout(policy, tables, fake):
    PaymentPolicy.objects.filter(pk=policy.pk).update(mode=PaymentPolicy.Mode.GUARANTEE)
    fake.answer("POST", "/v1/customers", {"id": "cus_1", "object": "customer"})
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_g", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_g"})
    payment = _start(policy)
    assert (payment.kind, payment.amount_cents, payment.checkout_session_id) == ("guarantee", 5000, "cs_g")
    assert fake.requests[1][2]["mode"] == ["setup"]


def test_a_provider_refusal_releases_the_hold(policy, tables, fake):
    fake.answer("POST", "/v1/checkout/sessions", {"error": {"type": "api_error", "message": "Stripe is down"}},
                status=400)
    with pytest.raises(ProviderError, match="Stripe is down"):
        _start(policy)
    payment = Payment.objects.get()
    assert (payment.status, payment.failure, payment.appointment.status) == ("failed", "Stripe is down", "expired")


def test_an_unpaid_hold_expires_and_closes_the_checkout(policy, tables, fake, django_capture_on_commit_callbacks):
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_1", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_1"})
    fake.answer("POST", "/v1/checkout/sessions/cs_1/expire", {"id": "cs_1", "object": "checkout.session",
                                                               "status": "expired"})
    payment = _start(policy)
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expired_release(now=NOW + timedelta(minutes=15)) == [payment.appointment_id]
    payment.refresh_from_db()
    assert (payment.status, payment.appointment.status) == ("expired", Appointment.Status.EXPIRED)
    assert fake.requests[-1][:2] == ("POST", "/v1/checkout/sessions/cs_1/expire")


def test_another_tenants_expired_hold_leaves_the_payment_alone(policy, tables, fake,
                                                                 django_capture_on_commit_callbacks):
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_1", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_1"})
    payment = _start(policy)
    other = TenantFactory()
    for weekday in range(7):
        OpeningHoursFactory(tenant=other, weekday=weekday, opens=time(19), closes=time(23))
    ResourceFactory(tenant=other, min_seats=1, max_seats=4)
    with django_capture_on_commit_callbacks(execute=True):
        elsewhere = appointment_hold(tenant=other, start=AT_20, minutes=5, reason="approval", party_size=2,
                                     channel="whatsapp", now=NOW)
        assert holds_expired_release(now=NOW + timedelta(minutes=6)) == [elsewhere.pk]
    payment.refresh_from_db()
    assert (payment.status, payment.appointment.status) == ("pending", "held")


def test_a_customer_over_the_businesss_limits_holds_nothing(policy, tables, fake):
    policy.tenant.max_active_bookings_per_customer = 1
    policy.tenant.save()
    customer = CustomerFactory(tenant=policy.tenant)
    AppointmentFactory(tenant=policy.tenant, customer=customer, resource=tables[2], starts_at=AT_20 + timedelta(days=1))
    quote = payment_policy_applies(tenant=policy.tenant, start=AT_20, party_size=4, service=None, customer=customer)
    with pytest.raises(CustomerBookingLimitReached):
        deposit_checkout_start(tenant=policy.tenant, quote=quote, start=AT_20, party_size=4, description="x",
                               customer=customer, channel="whatsapp", now=NOW)
    assert not Payment.objects.exists() and not fake.requests
    assert not Appointment.objects.filter(status="held").exists()
