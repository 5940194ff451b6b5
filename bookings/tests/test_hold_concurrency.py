"""Taps on one held slot at once, and staff bookings racing a confirm: exactly one booking (PostgreSQL)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from bookings.errors import HoldExpired, SlotUnavailable
from bookings.models import Appointment
from bookings.services import appointment_hold, appointment_hold_confirm, appointment_staff_book
from bookings.tests.conftest import NOW, rome
from bookings.tests.racing import threads_race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: concurrent transactions and the btree_gist exclusion constraint",
    ),
]

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture
def held(restaurant, tables):
    return appointment_hold(
        tenant=restaurant, start=AT_20, minutes=10, reason="waitlist_offer", party_size=4, resource=tables[4],
        channel="whatsapp", now=NOW,
    )


def test_twenty_taps_on_confirm_at_once_make_one_booking(restaurant, held):
    outcomes = threads_race(
        lambda index: appointment_hold_confirm(tenant=restaurant, appointment=held, now=NOW + timedelta(minutes=5)),
        threads=20, refusals={HoldExpired: "expired"},
    )
    assert outcomes == Counter({"booked": 20})
    assert list(Appointment.objects.filter(tenant=restaurant).values_list("status", flat=True)) == ["confirmed"]


def test_a_late_confirm_racing_staff_bookings_of_the_freed_table_ends_with_one_booking(restaurant, tables, held):
    # The hold ran out at 10:10. The customer's taps carry their own clock (10:09:59, in
    # time); the staff's bookings come at 10:11 and sweep the hold first if they win.
    in_time, late = NOW + timedelta(minutes=10) - timedelta(seconds=1), NOW + timedelta(minutes=11)

    def action(index: int) -> object:
        if index % 2:
            return appointment_hold_confirm(tenant=restaurant, appointment=held, now=in_time)
        return appointment_staff_book(
            tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="admin", now=late,
        )

    outcomes = threads_race(action, threads=20, refusals={HoldExpired: "expired", SlotUnavailable: "taken"})
    assert set(outcomes) <= {"booked", "expired", "taken"}, outcomes
    active = Appointment.objects.filter(tenant=restaurant, resource=tables[4], status="confirmed")
    assert active.count() == 1
    winner = active.get()
    if winner.pk == held.pk:  # the customer won: every staff booking was refused, every tap saw it booked
        assert outcomes == Counter({"booked": 10, "taken": 10})
    else:  # staff won: the hold is expired and every tap was told politely
        assert outcomes == Counter({"booked": 1, "expired": 10, "taken": 9})
        held.refresh_from_db()
        assert held.status == "expired"


def test_the_database_refuses_a_booking_over_a_hold(restaurant, tables, held):
    # Past every check of the services: the exclusion constraint itself covers held rows.
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        Appointment.objects.create(
            tenant=restaurant, resource=tables[4], starts_at=AT_20 + timedelta(minutes=30),
            ends_at=AT_20 + timedelta(minutes=120), blocks_until=AT_20 + timedelta(minutes=120),
            party_size=2, reference="ZZZZ9999",
        )
