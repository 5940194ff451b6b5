"""A guest who did not show before is flagged on their new bookings: the day view and the booking page."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.tests.conftest import ROME
from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # 1 December 2026, 10:00 Rome

TONIGHT = datetime(2026, 12, 1, 20, 0, tzinfo=ROME)


@pytest.fixture
def staff(staff):
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return staff


def _booking(tenant, customer, *, start=TONIGHT, status=Appointment.Status.CONFIRMED):
    resource = tenant.resource_set.order_by("position").last()
    return AppointmentFactory(tenant=tenant, customer=customer, resource=resource, starts_at=start, status=status)


def _missed(tenant, customer, times: int) -> list[Appointment]:
    return [
        _booking(tenant, customer, start=TONIGHT - timedelta(days=7 * (n + 1)), status=Appointment.Status.NO_SHOW)
        for n in range(times)
    ]


def test_the_day_view_flags_a_guest_with_no_shows_on_the_block_and_the_service_row(staff, restaurant):
    flaky, reliable = CustomerFactory(tenant=restaurant), CustomerFactory(tenant=restaurant)
    _missed(restaurant, flaky, 2)
    flagged = _booking(restaurant, flaky)
    clean = _booking(restaurant, reliable, start=TONIGHT + timedelta(hours=2))
    html = staff.get(reverse("admin:backoffice_day"), {"date": "2026-12-01"}).content.decode()
    block = html.split(f'id="booking-{flagged.pk}"', 1)[1].split("</a>", 1)[0]
    row = html.split(f'id="service-{flagged.pk}"', 1)[1].split("</li>", 1)[0]
    assert "2 no-shows" in block and "2 no-shows" in row
    assert "no-show" not in html.split(f'id="service-{clean.pk}"', 1)[1].split("</li>", 1)[0]


def test_the_booking_page_flags_them_and_a_no_show_does_not_count_itself(staff, restaurant):
    guest = CustomerFactory(tenant=restaurant)
    (missed,) = _missed(restaurant, guest, 1)
    booking = _booking(restaurant, guest)
    page = staff.get(reverse("admin:bookings_appointment_change", args=[booking.pk])).content.decode()
    assert 'id="lyo-booking-no-shows"' in page and "1 no-show" in page
    # The missed booking itself: its guest has no other no-show.
    page = staff.get(reverse("admin:bookings_appointment_change", args=[missed.pk])).content.decode()
    assert 'id="lyo-booking-no-shows"' not in page


def test_no_shows_at_another_business_are_not_theirs_to_see(staff, restaurant, other_restaurant):
    elsewhere = CustomerFactory(tenant=other_restaurant, phone="+393471234567")
    _missed(other_restaurant, elsewhere, 3)
    here = CustomerFactory(tenant=restaurant, phone="+393471234567")
    booking = _booking(restaurant, here)
    html = staff.get(reverse("admin:backoffice_day"), {"date": "2026-12-01"}).content.decode()
    assert "no-shows" not in html.split(f'id="service-{booking.pk}"', 1)[1].split("</li>", 1)[0]
    page = staff.get(reverse("admin:bookings_appointment_change", args=[booking.pk])).content.decode()
    assert 'id="lyo-booking-no-shows"' not in page
