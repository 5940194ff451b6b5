"""The weekly opening hours and the closures an owner writes (bookings.configuration)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bookings.configuration import (
    ClosureInvalid,
    OpeningHoursInvalid,
    OpeningRange,
    closure_add,
    closure_delete,
    opening_hours_replace,
    opening_hours_week,
    opening_ranges_check,
)
from bookings.models import Closure, OpeningHours
from bookings.tests.factories import ClosureFactory, OpeningHoursFactory
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def _range(opens: str, closes: str, last: str | None = None) -> OpeningRange:
    return OpeningRange(time.fromisoformat(opens), time.fromisoformat(closes), last and time.fromisoformat(last))


def _version(tenant: Tenant) -> int:
    return Tenant.objects.get(pk=tenant.pk).config_version


@pytest.mark.parametrize(("ranges", "errors"), [
    ([_range("12:00", "15:00"), _range("19:00", "23:00")], []),
    ([_range("19:00", "01:00")], []),  # a late evening, ending after midnight
    ([_range("19:00", "06:00")], []),
    ([_range("19:00", "06:30")], ["19:00–06:30: the closing time must be after the opening time "
                                  "(after midnight only up to 06:00)."]),
    ([_range("12:00", "12:00")], ["12:00–12:00: the closing time must differ from the opening time."]),
    ([_range("12:00", "15:00"), _range("14:00", "18:00")], ["The opening ranges of one day must not overlap."]),
    ([_range("12:00", "15:00"), _range("15:00", "18:00")], []),  # one ends as the next opens
    ([_range("19:00", "23:00", "22:30")], []),
    ([_range("19:00", "01:00", "00:30")], []),  # a last seating after midnight
    ([_range("19:00", "23:00", "23:30")], ["19:00–23:00: the last start must be within the opening hours."]),
])
def test_a_days_ranges_are_checked(ranges, errors):
    assert opening_ranges_check(ranges) == errors


def test_the_week_is_replaced_and_the_configuration_version_bumped():
    tenant = TenantFactory()
    OpeningHoursFactory(tenant=tenant, weekday=0, opens=time(9), closes=time(12))
    before = _version(tenant)
    assert opening_hours_replace(tenant=tenant, week={
        1: [_range("19:00", "23:00", "22:00"), _range("12:00", "15:00")], 2: [],
    }) is True
    assert opening_hours_week(tenant=tenant) == {
        0: [], 1: [_range("12:00", "15:00"), _range("19:00", "23:00", "22:00")], 2: [], 3: [], 4: [], 5: [], 6: [],
    }
    assert _version(tenant) > before


def test_the_same_week_again_writes_nothing():
    tenant = TenantFactory()
    week = {0: [_range("12:00", "15:00")]}
    opening_hours_replace(tenant=tenant, week=week)
    ids, before = list(OpeningHours.objects.filter(tenant=tenant).values_list("pk", flat=True)), _version(tenant)
    assert opening_hours_replace(tenant=tenant, week=week) is False
    assert list(OpeningHours.objects.filter(tenant=tenant).values_list("pk", flat=True)) == ids
    assert _version(tenant) == before


def test_a_refused_week_writes_nothing_and_says_which_day():
    tenant = TenantFactory()
    OpeningHoursFactory(tenant=tenant, weekday=0, opens=time(9), closes=time(12))
    with pytest.raises(OpeningHoursInvalid) as refused:
        opening_hours_replace(tenant=tenant, week={0: [_range("10:00", "11:00")], 3: [_range("15:00", "12:00")]})
    assert list(refused.value.errors) == [3]
    assert opening_hours_week(tenant=tenant)[0] == [_range("09:00", "12:00")]


def test_another_tenants_hours_stay():
    tenant, other = TenantFactory(), TenantFactory()
    OpeningHoursFactory(tenant=other, weekday=0, opens=time(9), closes=time(12))
    opening_hours_replace(tenant=tenant, week={})
    assert opening_hours_week(tenant=other)[0] == [_range("09:00", "12:00")]


def test_a_closure_covers_whole_local_days_across_a_clock_change():
    tenant = TenantFactory(timezone="Europe/Rome")
    before = _version(tenant)
    # The clocks go forward on 28 March 2027: the closure still ends at midnight in Rome.
    closure = closure_add(tenant=tenant, first_day=date(2027, 3, 27), last_day=date(2027, 3, 28), reason=" Ferie ")
    assert (closure.starts_at, closure.ends_at, closure.reason) == (
        datetime(2027, 3, 27, tzinfo=ROME), datetime(2027, 3, 29, tzinfo=ROME), "Ferie"
    )
    assert _version(tenant) == before + 1


@pytest.mark.parametrize(("first", "last", "message"), [
    (date(2026, 12, 24), date(2026, 12, 23), "The last day of the closure cannot be before its first day."),
    (date(2026, 1, 1), date(2027, 1, 2), "A closure can last at most a year."),
])
def test_a_closure_that_makes_no_sense_is_refused(first, last, message):
    tenant = TenantFactory()
    with pytest.raises(ClosureInvalid, match=message):
        closure_add(tenant=tenant, first_day=first, last_day=last)
    assert not Closure.objects.filter(tenant=tenant).exists()


def test_only_the_tenants_own_closure_is_deleted():
    tenant, other = TenantFactory(), TenantFactory()
    theirs = ClosureFactory(tenant=other)
    assert closure_delete(tenant=tenant, closure_id=theirs.pk) is False
    assert Closure.objects.filter(pk=theirs.pk).exists()
    mine = ClosureFactory(tenant=tenant)
    assert closure_delete(tenant=tenant, closure_id=mine.pk) is True
    assert not Closure.objects.filter(pk=mine.pk).exists()
