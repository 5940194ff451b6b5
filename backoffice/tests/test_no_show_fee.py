"""A no-show charged on the card saved as a guarantee: one confirmation, one charge, an audit record.

Against the local fake Stripe API; amounts exact in cents.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.tests.conftest import NOW
from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from payments import no_show_fees
from payments.models import Payment, PaymentPolicy
from payments.no_show_fees import NoShowFeeNotChargeable, no_show_fee_charge
from payments.tests.conftest import fake  # noqa: F401 (the fake Stripe server)
from payments.tests.factories import PaymentPolicyFactory
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # 1 December 2026, 10:00 Rome

INTENTS = "/v1/payment_intents"
YESTERDAY = NOW - timedelta(hours=15)  # 30 November, 19:00


@pytest.fixture
def staff(staff):
    # In English: the Italian of these pages is added to the catalogue with the release.
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return staff


@pytest.fixture
def policy(restaurant):
    return PaymentPolicyFactory(
        tenant=restaurant,
        mode=PaymentPolicy.Mode.GUARANTEE,
        amount_cents=1500,
        per=PaymentPolicy.Per.PERSON,
        stripe_secret_key="sk_test_tenant",
        stripe_webhook_secret="whsec_test",
    )


def _guaranteed(tenant, *, status=Appointment.Status.NO_SHOW, amount_cents=4500):
    """Last night's booking for 3 whose guest saved a card (15,00 € a person) and did not come."""
    booking = AppointmentFactory(tenant=tenant, status=status, party_size=3, starts_at=YESTERDAY)
    guarantee = Payment.objects.create(
        tenant=tenant,
        appointment=booking,
        customer=booking.customer,
        kind=Payment.Kind.GUARANTEE,
        status=Payment.Status.SUCCEEDED,
        amount_cents=amount_cents,
        currency="eur",
        checkout_session_id=f"cs_{booking.pk}",
        setup_intent_id="seti_1",
        provider_customer_id="cus_1",
        payment_method_id="pm_1",
    )
    return booking, guarantee


def _url(booking):
    return reverse("admin:backoffice_no_show_fee", args=[booking.pk])


def _booking_page(booking):
    return reverse("admin:bookings_appointment_change", args=[booking.pk])


def test_staff_are_asked_once_to_confirm_the_amount(staff, policy, fake):  # noqa: F811
    booking, _guarantee = _guaranteed(policy.tenant)
    page = staff.get(_booking_page(booking)).content.decode()
    assert f'href="{_url(booking)}" id="lyo-no-show-fee"' in page
    assert "Charge the 45,00 € no-show fee" in page
    response = staff.get(_url(booking))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Charge 45,00 € no-show fee?" in html
    assert 'id="lyo-no-show-fee-submit"' in html
    assert not fake.requests and not Payment.objects.filter(kind="no_show_fee").exists()


def test_confirming_charges_the_saved_card_off_session_and_records_who(staff, policy, fake):  # noqa: F811
    fake.answer("POST", INTENTS, {"id": "pi_fee", "object": "payment_intent", "status": "succeeded"})
    booking, _guarantee = _guaranteed(policy.tenant)
    response = staff.post(_url(booking))
    assert response.status_code == 302 and response["Location"] == _booking_page(booking)
    fee = Payment.objects.get(kind="no_show_fee")
    user = response.wsgi_request.user
    assert (fee.status, fee.amount_cents, fee.currency, fee.payment_intent_id, fee.actor, fee.appointment) == (
        "succeeded",
        4500,
        "eur",
        "pi_fee",
        user,
        booking,
    )
    method, path, form, headers = fake.requests[0]
    assert (method, path) == ("POST", INTENTS)
    assert (form["amount"], form["currency"], form["customer"], form["payment_method"]) == (
        ["4500"],
        ["eur"],
        ["cus_1"],
        ["pm_1"],
    )
    assert (form["off_session"], form["confirm"]) == (["true"], ["true"])
    assert headers["Idempotency-Key"] == f"lyo-{policy.tenant_id}-no-show-fee-{fee.pk}"
    page = staff.get(_booking_page(booking)).content.decode()
    assert "No-show fee of 45,00 € charged." in page
    assert f'id="payment-{fee.pk}" data-kind="no_show_fee" data-status="succeeded"' in page
    assert 'id="lyo-no-show-fee"' not in page  # charged: not offered again


def test_a_double_click_charges_once(staff, policy, fake):  # noqa: F811
    fake.answer("POST", INTENTS, {"id": "pi_fee", "object": "payment_intent", "status": "succeeded"})
    booking, _guarantee = _guaranteed(policy.tenant)
    staff.post(_url(booking))
    second = staff.post(_url(booking))
    assert second.status_code == 302
    assert len(fake.requests) == 1 and Payment.objects.filter(kind="no_show_fee").count() == 1
    assert "The no-show fee of this booking has already been charged, or is being charged." in (
        staff.get(_booking_page(booking)).content.decode()
    )


def test_two_charges_at_once_meet_the_database_constraint(policy, fake, monkeypatch):  # noqa: F811
    # Both passed the check before either wrote its row: the unique constraint lets one through.
    booking, _guarantee = _guaranteed(policy.tenant)
    offer = no_show_fees.no_show_fee_offer(tenant=policy.tenant, appointment=booking)
    Payment.objects.create(
        tenant=policy.tenant, appointment=booking, kind=Payment.Kind.NO_SHOW_FEE, amount_cents=4500, currency="eur"
    )
    monkeypatch.setattr(no_show_fees, "no_show_fee_offer", lambda **kwargs: offer)
    with pytest.raises(NoShowFeeNotChargeable):
        no_show_fee_charge(tenant=policy.tenant, appointment=booking, actor=None, now=YESTERDAY)
    assert not fake.requests and Payment.objects.filter(kind="no_show_fee").count() == 1


def test_a_declined_card_is_recorded_and_shown_never_a_500(staff, policy, fake):  # noqa: F811
    fake.answer(
        "POST",
        INTENTS,
        {
            "error": {
                "type": "card_error",
                "code": "card_declined",
                "message": "Your card was declined.",
                "payment_intent": {
                    "id": "pi_declined",
                    "object": "payment_intent",
                    "status": "requires_payment_method",
                },
            }
        },
        status=402,
    )
    booking, _guarantee = _guaranteed(policy.tenant)
    response = staff.post(_url(booking), follow=True)
    assert response.status_code == 200
    fee = Payment.objects.get(kind="no_show_fee")
    assert (fee.status, fee.amount_cents, fee.payment_intent_id, fee.failure) == (
        "failed",
        4500,
        "pi_declined",
        "Your card was declined.",
    )
    html = response.content.decode()
    assert "The no-show fee of 45,00 € was not charged: Your card was declined." in html
    assert f'id="payment-{fee.pk}" data-kind="no_show_fee" data-status="failed"' in html


def test_stripe_refusing_the_request_is_recorded_as_failed(staff, policy, fake):  # noqa: F811
    fake.answer(
        "POST", INTENTS, {"error": {"type": "invalid_request_error", "message": "No such customer"}}, status=400
    )
    booking, _guarantee = _guaranteed(policy.tenant)
    assert staff.post(_url(booking)).status_code == 302
    assert Payment.objects.get(kind="no_show_fee").status == "failed"


@pytest.mark.parametrize("status", [Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED])
def test_only_a_no_show_can_be_charged(staff, policy, fake, status):  # noqa: F811
    booking, _guarantee = _guaranteed(policy.tenant, status=status)
    assert staff.get(_url(booking)).status_code == 302
    assert staff.post(_url(booking)).status_code == 302
    assert not fake.requests and not Payment.objects.filter(kind="no_show_fee").exists()
    assert 'id="lyo-no-show-fee"' not in staff.get(_booking_page(booking)).content.decode()


def test_a_booking_without_a_saved_card_cannot_be_charged(staff, policy, fake):  # noqa: F811
    booking, guarantee = _guaranteed(policy.tenant)
    Payment.objects.filter(pk=guarantee.pk).update(status=Payment.Status.EXPIRED)
    staff.post(_url(booking))
    assert not fake.requests and not Payment.objects.filter(kind="no_show_fee").exists()


def test_another_business_s_no_show_is_a_404_and_nothing_is_charged(
    client,
    policy,
    other_restaurant,
    fake,  # noqa: F811
):
    booking, _guarantee = _guaranteed(policy.tenant)
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    assert client.get(_url(booking)).status_code == 404
    assert client.post(_url(booking)).status_code == 404
    assert not fake.requests and not Payment.objects.filter(kind="no_show_fee").exists()


def test_the_day_view_offers_the_fee_on_the_no_show_s_row_until_it_is_charged(staff, policy, fake):  # noqa: F811
    fake.answer("POST", INTENTS, {"id": "pi_fee", "object": "payment_intent", "status": "succeeded"})
    booking, _guarantee = _guaranteed(policy.tenant)
    came, _other = _guaranteed(policy.tenant, status=Appointment.Status.COMPLETED)
    day = reverse("admin:backoffice_day")
    html = staff.get(day, {"date": "2026-11-30"}).content.decode()
    assert f'href="{_url(booking)}" id="fee-{booking.pk}">Charge the 45,00 € no-show fee</a>' in html
    assert f'id="fee-{came.pk}"' not in html
    staff.post(_url(booking))
    assert f'id="fee-{booking.pk}"' not in staff.get(day, {"date": "2026-11-30"}).content.decode()


def test_after_a_refusal_staff_may_try_again_and_both_attempts_stay_on_record(staff, policy, fake):  # noqa: F811
    fake.answer(
        "POST",
        INTENTS,
        {"error": {"type": "card_error", "code": "card_declined", "message": "Your card has insufficient funds."}},
        status=402,
    )
    booking, _guarantee = _guaranteed(policy.tenant)
    staff.post(_url(booking))
    assert 'id="lyo-no-show-fee"' in staff.get(_booking_page(booking)).content.decode()  # offered again
    fake.answer("POST", INTENTS, {"id": "pi_fee", "object": "payment_intent", "status": "succeeded"})
    staff.post(_url(booking))
    staff.post(_url(booking))  # and once charged, never again
    attempts = list(Payment.objects.filter(kind="no_show_fee").order_by("pk").values_list("status", "amount_cents"))
    assert attempts == [("failed", 4500), ("succeeded", 4500)]
    keys = [headers["Idempotency-Key"] for _method, _path, _form, headers in fake.requests]
    assert len(keys) == 2 and keys[0] != keys[1]
