"""The day view's window (opening hours an hour either side, widened to every booking) and a
salon's totals: per opening range ("Range 1, 2") and per staff member (bookings, booked hours)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import translation

from backoffice.day import day_grid
from backoffice.tests.conftest import ROME
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory, ServiceFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 12, 4, tzinfo=ROME).date()  # a Friday


def rome(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 4, hour, minute, tzinfo=ROME)


def _window(grid) -> tuple[str, str]:
    return grid.starts_at.astimezone(ROME).strftime("%H:%M"), grid.ends_at.astimezone(ROME).strftime("%d %H:%M")


def test_a_day_without_hours_shows_eight_to_ten_widened_to_every_booking():
    tenant = TenantFactory(kind="restaurant", slot_minutes=15)
    table = ResourceFactory(tenant=tenant, name="T4")
    assert _window(day_grid(tenant=tenant, day=DAY, now=rome(6))) == ("08:00", "04 22:00")
    early = AppointmentFactory(tenant=tenant, resource=table, customer=None, starts_at=rome(6, 30))
    late = AppointmentFactory(tenant=tenant, resource=table, customer=None, starts_at=rome(21, 10))
    grid = day_grid(tenant=tenant, day=DAY, now=rome(6))
    # 06:30 starts the window at 06:00; 21:10 + 90 minutes = 22:40 ends it at 23:00.
    assert _window(grid) == ("06:00", "04 23:00")
    assert {block.appointment for block in grid.blocks} == {early, late}


def test_the_window_is_the_opening_hours_an_hour_either_side_but_never_past_midnight():
    tenant = TenantFactory(kind="restaurant", slot_minutes=15)
    OpeningHoursFactory(tenant=tenant, weekday=DAY.weekday(), opens=time(12), closes=time(15))
    OpeningHoursFactory(tenant=tenant, weekday=DAY.weekday(), opens=time(19), closes=time(23, 30))
    ResourceFactory(tenant=tenant, name="T4")
    assert _window(day_grid(tenant=tenant, day=DAY, now=rome(6))) == ("11:00", "05 00:00")


@pytest.fixture
def salon():
    tenant = TenantFactory(kind="salon", slot_minutes=15)
    OpeningHoursFactory(tenant=tenant, weekday=DAY.weekday(), opens=time(9), closes=time(13))
    OpeningHoursFactory(tenant=tenant, weekday=DAY.weekday(), opens=time(14), closes=time(19))
    cut = ServiceFactory(tenant=tenant, duration_minutes=30)
    giulia = ResourceFactory(tenant=tenant, kind="staff", name="Giulia", position=0)
    marco = ResourceFactory(tenant=tenant, kind="staff", name="Marco", position=1)
    return tenant, cut, giulia, marco


def _appointment(tenant, resource, service, start, minutes, **fields):
    return AppointmentFactory(tenant=tenant, resource=resource, service=service, customer=None, starts_at=start,
                              ends_at=start + timedelta(minutes=minutes), party_size=1, **fields)


def test_a_salons_totals_per_range_and_per_staff_member(salon):
    tenant, cut, giulia, marco = salon
    _appointment(tenant, giulia, cut, rome(9, 30), 30)
    _appointment(tenant, giulia, cut, rome(15), 90, arrived_at=rome(15))
    _appointment(tenant, marco, cut, rome(10), 45, status="no_show")
    _appointment(tenant, marco, cut, rome(16), 60, status="cancelled", cancelled_at=rome(8))
    with translation.override("en"):
        totals = day_grid(tenant=tenant, day=DAY, now=rome(17)).totals
    morning, afternoon = totals.periods
    assert (morning.name, morning.bookings, morning.arrived, morning.expected, morning.no_shows) == (
        "Range 1", 2, 0, 1, 1
    )
    assert (afternoon.name, afternoon.bookings, afternoon.arrived, afternoon.expected, afternoon.cancelled) == (
        "Range 2", 1, 1, 0, 1
    )
    assert (totals.day.bookings, totals.day.no_shows, totals.day.cancelled) == (3, 1, 1)
    # The cancelled booking fills no hours; the no-show's still count (its time was booked).
    assert [(row.resource, row.bookings, row.hours) for row in totals.staff] == [(giulia, 2, 2.0), (marco, 1, 0.75)]
