"""Running the service from the day view: steps, late, walk-ins, totals, tenancy, bad input."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from backoffice.day import day_grid
from backoffice.tests.conftest import ROME
from bookings.models import Appointment, Resource
from bookings.services import appointment_book

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 12, 4, tzinfo=ROME).date()


def rome(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 4, hour, minute, tzinfo=ROME)


def _book(tenant, start, party_size=2) -> Appointment:
    return appointment_book(tenant=tenant, start=start, party_size=party_size, channel="whatsapp",
                            now=rome(8), by_staff=True)


def _visit_url(appointment) -> str:
    return reverse("admin:backoffice_day_visit", args=[appointment.pk])


def test_a_tap_marks_arrived_and_comes_back_to_the_booking(staff, restaurant):
    booking = _book(restaurant, rome(20))
    with time_machine.travel(rome(20, 5), tick=False):
        response = staff.post(_visit_url(booking), {"step": "arrived"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:backoffice_day')}?date=2026-12-04#booking-{booking.pk}"
    booking.refresh_from_db()
    assert booking.arrived_at == rome(20, 5)


def test_a_bad_step_is_400_and_another_tenants_booking_404(staff, restaurant, other_restaurant):
    ours, theirs = _book(restaurant, rome(20)), _book(other_restaurant, rome(20))
    assert staff.post(_visit_url(ours), {"step": "dance"}).status_code == 400
    assert staff.post(_visit_url(theirs), {"step": "arrived"}).status_code == 404
    assert staff.get(_visit_url(ours)).status_code == 405
    theirs.refresh_from_db()
    assert theirs.arrived_at is None


def test_a_refused_step_is_a_message(staff, restaurant):
    booking = _book(restaurant, rome(20))
    staff.cookies["django_language"] = "en"
    with time_machine.travel(rome(19), tick=False):
        response = staff.post(_visit_url(booking), {"step": "no_show"}, follow=True)
    assert "A booking that has not started yet cannot be a no-show." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_late_from_fifteen_minutes_after_the_start(restaurant):
    booking = _book(restaurant, rome(20))
    [block] = day_grid(tenant=restaurant, day=DAY, now=rome(20, 15) - timedelta(microseconds=1)).blocks
    assert (block.appointment, block.visit) == (booking, "expected")
    [block] = day_grid(tenant=restaurant, day=DAY, now=rome(20, 15)).blocks
    assert block.visit == "late" and block.is_late


def test_walk_in_from_the_day_view(staff, restaurant):
    with time_machine.travel(rome(19, 10), tick=False):
        response = staff.post(reverse("admin:backoffice_day_walk_in"), {"walk_in-party_size": 3,
                                                                         "walk_in-name": "Rossi"})
        assert response.status_code == 302
        walk_in = Appointment.objects.get(tenant=restaurant)
        assert (walk_in.resource.name, walk_in.starts_at, walk_in.walk_in) == ("Trattoria Uno T4", rome(19, 10), True)
        assert staff.post(reverse("admin:backoffice_day_walk_in"), {"walk_in-party_size": "x"}).status_code == 400
    # Closed at 16:00: refused with the reason, nothing booked.
    staff.cookies["django_language"] = "en"
    with time_machine.travel(rome(16), tick=False):
        response = staff.post(reverse("admin:backoffice_day_walk_in"), {"walk_in-party_size": 2}, follow=True)
    assert "No walk-in now: The business is not open at that time." in response.content.decode()
    assert Appointment.objects.filter(tenant=restaurant).count() == 1


def test_totals_per_period(restaurant):
    t2 = Resource.objects.get(tenant=restaurant, name="Trattoria Uno T2")
    lunch = _book(restaurant, rome(12, 30), party_size=2)
    _book(restaurant, rome(13), party_size=4)
    dinner = _book(restaurant, rome(20), party_size=6)
    late = _book(restaurant, rome(19, 30), party_size=2)
    assert late.resource == t2
    from bookings.services import appointment_cancel, appointment_visit_mark, appointment_walk_in

    appointment_visit_mark(tenant=restaurant, appointment=lunch, step="arrived", now=rome(12, 31))
    appointment_visit_mark(tenant=restaurant, appointment=dinner, step="no_show", now=rome(20, 30))
    appointment_walk_in(tenant=restaurant, party_size=3, now=rome(20, 31))
    cancelled = _book(restaurant, rome(21), party_size=2)
    appointment_cancel(tenant=restaurant, appointment=cancelled, by_staff=True, now=rome(9))
    totals = day_grid(tenant=restaurant, day=DAY, now=rome(20, 40)).totals
    lunch_t, dinner_t = totals.periods
    assert (lunch_t.name, lunch_t.opens.time(), lunch_t.closes.time()) == ("Lunch", time(12), time(15))
    assert dinner_t.name == "Dinner"
    assert (lunch_t.bookings, lunch_t.covers, lunch_t.arrived, lunch_t.arrived_covers, lunch_t.no_shows) == (
        2, 6, 1, 2, 0
    )
    assert (dinner_t.bookings, dinner_t.covers, dinner_t.arrived, dinner_t.expected, dinner_t.late,
            dinner_t.no_shows, dinner_t.walk_ins, dinner_t.cancelled) == (3, 11, 1, 1, 1, 1, 1, 1)
    assert (totals.day.bookings, totals.day.covers) == (5, 17)
