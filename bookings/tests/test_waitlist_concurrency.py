"""Taps on one waitlist offer at once, and a staff booking racing a late confirm: exactly one booking (PostgreSQL)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings

from bookings.errors import HoldExpired, SlotUnavailable
from bookings.models import Appointment, WaitlistRequest
from bookings.services import appointment_staff_book
from bookings.tests.conftest import NOW, rome
from bookings.tests.racing import threads_race
from bookings.waitlist import waitlist_join, waitlist_match, waitlist_offer_accept
from customers.tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: concurrent transactions and the btree_gist exclusion constraint",
    ),
]

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture
def offered(restaurant, tables):
    waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=AT_20, party_size=4, now=NOW)
    request = waitlist_match(tenant=restaurant, start=AT_20, resource=tables[4], now=NOW)
    assert request is not None and request.status == "offered"
    return request


def test_twenty_taps_on_one_offer_make_one_booking(restaurant, offered):
    outcomes = threads_race(
        lambda index: waitlist_offer_accept(tenant=restaurant, request=offered, now=NOW + timedelta(minutes=5)),
        threads=20, refusals={HoldExpired: "expired"},
    )
    assert outcomes == Counter({"booked": 20})
    assert list(Appointment.objects.filter(tenant=restaurant).values_list("status", flat=True)) == ["confirmed"]
    assert WaitlistRequest.objects.get(pk=offered.pk).status == "booked"


def test_a_late_confirm_racing_staff_bookings_of_the_freed_table_ends_with_one_booking(restaurant, tables, offered):
    in_time, late = NOW + timedelta(minutes=10) - timedelta(seconds=1), NOW + timedelta(minutes=11)

    def action(index: int) -> object:
        if index % 2:
            return waitlist_offer_accept(tenant=restaurant, request=offered, now=in_time)
        return appointment_staff_book(
            tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="admin", now=late,
        )

    outcomes = threads_race(action, threads=20, refusals={HoldExpired: "expired", SlotUnavailable: "taken"})
    assert set(outcomes) <= {"booked", "expired", "taken"}, outcomes
    active = Appointment.objects.filter(tenant=restaurant, resource=tables[4], status="confirmed")
    assert active.count() == 1
    request = WaitlistRequest.objects.get(pk=offered.pk)
    if active.get().pk == offered.offer_id:
        assert (outcomes, request.status) == (Counter({"booked": 10, "taken": 10}), "booked")
    else:
        assert (outcomes, request.status) == (Counter({"booked": 1, "expired": 10, "taken": 9}), "missed")
