"""A paid booking cancelled before the policy's cut-off gets its deposit back; after it, the deposit is kept."""

from datetime import timedelta

import pytest

from bookings.models import Appointment
from bookings.services import appointment_cancel, appointment_staff_change
from bookings.tests.factories import AppointmentFactory
from payments.models import Payment
from payments.tests.conftest import AT_20, NOW
from payments.tests.factories import PaymentPolicyFactory

pytestmark = pytest.mark.django_db


def _paid(policy, *, kind=Payment.Kind.DEPOSIT):
    booking = AppointmentFactory(tenant=policy.tenant, starts_at=AT_20, party_size=4)
    deposit = Payment.objects.create(
        tenant=policy.tenant, appointment=booking, customer=booking.customer, kind=kind,
        status=Payment.Status.SUCCEEDED, amount_cents=5000, currency="eur", checkout_session_id=f"cs_{booking.pk}",
        payment_intent_id="pi_paid",
    )
    return booking, deposit


def test_a_cancellation_before_the_cut_off_refunds_the_deposit_in_full(
    policy, fake, django_capture_on_commit_callbacks,
):
    fake.answer("POST", "/v1/refunds", {"id": "re_cancel", "object": "refund"})
    booking, deposit = _paid(policy)  # cut-off 24 hours: until Thursday 20:00
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=policy.tenant, appointment=booking, now=NOW)
    deposit.refresh_from_db()
    refund = deposit.refund
    assert (deposit.status, refund.status, refund.amount_cents, refund.refund_id) == (
        "refunded", "succeeded", 5000, "re_cancel"
    )
    form = fake.requests[0][2]
    assert (form["payment_intent"], form["amount"]) == (["pi_paid"], ["5000"])


def test_a_cancellation_after_the_cut_off_keeps_the_deposit(policy, fake, django_capture_on_commit_callbacks):
    booking, deposit = _paid(policy)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=policy.tenant, appointment=booking, now=AT_20 - timedelta(hours=23))
    deposit.refresh_from_db()
    assert deposit.status == "succeeded"
    assert not Payment.objects.filter(kind="refund").exists() and not fake.requests


def test_staff_cancelling_before_the_cut_off_refund_it_too(policy, fake, django_capture_on_commit_callbacks):
    fake.answer("POST", "/v1/refunds", {"id": "re_staff", "object": "refund"})
    booking, deposit = _paid(policy)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_staff_change(tenant=policy.tenant, appointment=booking, status=Appointment.Status.CANCELLED,
                                 now=NOW)
    deposit.refresh_from_db()
    assert (deposit.status, deposit.refund.refund_id) == ("refunded", "re_staff")


def test_a_card_guarantee_has_nothing_to_refund(policy, fake, django_capture_on_commit_callbacks):
    booking, _guarantee = _paid(policy, kind=Payment.Kind.GUARANTEE)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=policy.tenant, appointment=booking, now=NOW)
    assert not Payment.objects.filter(kind="refund").exists() and not fake.requests


def test_another_tenants_cancellation_leaves_our_deposit_alone(policy, fake, django_capture_on_commit_callbacks):
    _booking, deposit = _paid(policy)
    other = PaymentPolicyFactory(stripe_secret_key="sk_test_other")
    elsewhere = AppointmentFactory(tenant=other.tenant, starts_at=AT_20)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=other.tenant, appointment=elsewhere, now=NOW)
    deposit.refresh_from_db()
    assert deposit.status == "succeeded"
    assert not Payment.objects.filter(kind="refund").exists() and not fake.requests
