"""No double booking under concurrent requests: PostgreSQL only (SQLite serialises every writer)."""

import threading
from collections import Counter
from datetime import time, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from bookings.errors import SlotUnavailable
from bookings.models import Appointment
from bookings.services import appointment_book, appointment_reschedule
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory
from bookings.tests.racing import threads_race
from tenants.tests.factories import TenantFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: concurrent transactions and the btree_gist exclusion constraint",
    ),
]

AT_20 = rome(2026, 12, 4, 20)
THREADS = 20


@pytest.fixture
def last_table():
    """A restaurant whose table for two is taken at 20:00: only the table for four is left."""
    tenant = TenantFactory(kind="restaurant", min_notice_minutes=0)
    OpeningHoursFactory(tenant=tenant, weekday=AT_20.weekday(), opens=time(19), closes=time(23))
    small = ResourceFactory(tenant=tenant, name="T2", min_seats=1, max_seats=2)
    large = ResourceFactory(tenant=tenant, name="T4", min_seats=2, max_seats=4)
    AppointmentFactory(tenant=tenant, resource=small, starts_at=AT_20)
    return tenant, large


def _race(action) -> Counter:
    return threads_race(lambda _index: action(), threads=THREADS, refusals={SlotUnavailable: "unavailable"})


def _book_at_20(tenant):
    return lambda: appointment_book(tenant=tenant, start=AT_20, party_size=2, channel="whatsapp", now=NOW)


def test_twenty_customers_racing_for_the_last_table_get_exactly_one_booking(last_table):
    tenant, large = last_table
    outcomes = _race(_book_at_20(tenant))
    assert outcomes == Counter({"booked": 1, "unavailable": THREADS - 1})
    booked = Appointment.objects.filter(tenant=tenant, resource=large, status="confirmed")
    assert booked.count() == 1


def test_without_the_lock_the_exclusion_constraint_still_allows_one(last_table):
    # The database, not the service's check, is what guarantees it: with the tenant
    # lock disabled every thread sees the table free, and PostgreSQL refuses all but one.
    tenant, large = last_table
    with mock.patch("bookings.services._booking_lock"):
        outcomes = _race(_book_at_20(tenant))
    assert outcomes == Counter({"booked": 1, "unavailable": THREADS - 1})
    assert Appointment.objects.filter(tenant=tenant, resource=large, status="confirmed").count() == 1


def test_twenty_bookings_racing_to_move_into_the_last_table_move_exactly_one(last_table):
    tenant, large = last_table
    movers = iter([
        AppointmentFactory(tenant=tenant, resource=large, starts_at=AT_20 + timedelta(days=day)) for day in range(1, 21)
    ])
    pick = threading.Lock()

    def move():
        with pick:
            mover = next(movers)
        appointment_reschedule(tenant=tenant, appointment=mover, new_start=AT_20, now=NOW)

    assert _race(move) == Counter({"booked": 1, "unavailable": THREADS - 1})
    assert Appointment.objects.filter(tenant=tenant, resource=large, starts_at=AT_20).count() == 1
    assert Appointment.objects.filter(tenant=tenant, resource=large).count() == 20


def test_the_database_refuses_an_overlapping_row_written_around_the_service(last_table):
    tenant, large = last_table
    AppointmentFactory(tenant=tenant, resource=large, starts_at=AT_20, reference="AAAAAA")
    # Back to back is fine: ranges are half-open.
    AppointmentFactory(tenant=tenant, resource=large, starts_at=AT_20 + timedelta(minutes=90), reference="BBBBBB")
    AppointmentFactory(tenant=tenant, resource=large, starts_at=AT_20, status="cancelled", reference="CCCCCC")
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        AppointmentFactory(tenant=tenant, resource=large, starts_at=AT_20 + timedelta(minutes=30), reference="DDDDDD")
