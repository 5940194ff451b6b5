"""The business's payments list: every money movement, newest first, its own only."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.tests.conftest import NOW
from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from payments.models import Payment
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # 1 December 2026, 10:00 Rome

URL = reverse("admin:backoffice_payments")


def _movement(tenant, kind, status, cents, *, booking_status=Appointment.Status.CONFIRMED, **fields):
    booking = fields.pop("appointment", None) or AppointmentFactory(
        tenant=tenant, status=booking_status, starts_at=NOW + timedelta(days=2)
    )
    return Payment.objects.create(
        tenant=tenant,
        appointment=booking,
        customer=booking.customer,
        kind=kind,
        status=status,
        amount_cents=cents,
        currency="eur",
        **fields,
    )


def test_every_movement_is_listed_with_its_exact_amount(client, restaurant, other_restaurant):
    user = MembershipFactory(tenant=restaurant).user
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    deposit = _movement(restaurant, "deposit", "refunded", 5000, booking_status="cancelled")
    _movement(restaurant, "refund", "succeeded", 5000, appointment=deposit.appointment, refund_of=deposit)
    kept = _movement(restaurant, "deposit", "succeeded", 2050, booking_status="cancelled")
    fee = _movement(
        restaurant,
        "no_show_fee",
        "failed",
        4500,
        booking_status="no_show",
        actor=user,
        failure="Your card was declined.",
    )
    refunding = _movement(restaurant, "deposit", "succeeded", 1000, booking_status="cancelled")
    _movement(restaurant, "refund", "pending", 1000, appointment=refunding.appointment, refund_of=refunding)
    theirs = _movement(other_restaurant, "deposit", "succeeded", 9900)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for payment in (deposit, kept, fee):
        assert f'id="payment-{payment.pk}"' in html
    assert f'id="payment-{theirs.pk}"' not in html and "99,00 €" not in html
    assert html.count("50,00 €") == 2 and "20,50 €" in html and "45,00 €" in html
    assert "Paid, refunded" in html and "Your card was declined." in html
    assert html.count("Paid, kept") == 1  # the deposit being refunded is not kept
    assert kept.appointment.reference in html


def test_another_business_s_staff_see_none_of_it(client, restaurant, other_restaurant):
    mine = _movement(restaurant, "deposit", "succeeded", 5000)
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    html = client.get(URL).content.decode()
    assert f'id="payment-{mine.pk}"' not in html and 'id="lyo-payments-none"' in html
    assert client.get(URL, {"tenant": restaurant.slug}).status_code == 404


def test_the_home_page_links_to_it(staff):
    assert 'id="lyo-payments-link"' in staff.get(reverse("admin:index")).content.decode()
