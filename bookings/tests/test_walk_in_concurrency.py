"""Two walk-ins at once for the last free table: one is seated, the other is refused (PostgreSQL only)."""

from collections import Counter
from datetime import time, timedelta

import pytest
from django.conf import settings

from bookings.errors import SlotUnavailable
from bookings.models import Appointment
from bookings.services import appointment_walk_in
from bookings.tests.conftest import rome
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

NOW = rome(2026, 12, 4, 20, 10)


@pytest.fixture
def last_table():
    """A restaurant at 20:10 whose table for two is taken until 21:30: only the table for four is free."""
    tenant = TenantFactory(kind="restaurant", min_notice_minutes=0)
    OpeningHoursFactory(tenant=tenant, weekday=NOW.weekday(), opens=time(19), closes=time(23))
    small = ResourceFactory(tenant=tenant, name="T2", min_seats=1, max_seats=2)
    large = ResourceFactory(tenant=tenant, name="T4", min_seats=1, max_seats=4)
    AppointmentFactory(tenant=tenant, resource=small, starts_at=rome(2026, 12, 4, 20))
    return tenant, large


@pytest.mark.parametrize("threads", [2, 10])
def test_walk_ins_racing_for_the_last_free_table_seat_exactly_one(last_table, threads):
    tenant, large = last_table
    outcomes = threads_race(
        lambda index: appointment_walk_in(tenant=tenant, party_size=2, name=f"Guest {index}", now=NOW),
        threads=threads, refusals={SlotUnavailable: "refused"},
    )
    assert outcomes == Counter({"booked": 1, "refused": threads - 1})
    seated = Appointment.objects.filter(tenant=tenant, walk_in=True)
    assert seated.count() == 1
    walk_in = seated.get()
    assert (walk_in.resource, walk_in.status, walk_in.starts_at) == (large, "confirmed", NOW)
    assert (walk_in.arrived_at, walk_in.seated_at) == (NOW, NOW)
    assert walk_in.ends_at == NOW + timedelta(minutes=90)
