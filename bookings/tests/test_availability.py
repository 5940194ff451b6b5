from datetime import UTC, date, time, timedelta
from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.availability import available_slots
from bookings.errors import NoTableFits, ServiceNotOffered
from bookings.models import Appointment, OpeningHours
from bookings.services import booking_request_check
from bookings.tests.conftest import NOW, ROME, rome
from bookings.tests.factories import AppointmentFactory, ClosureFactory, OpeningHoursFactory, ResourceFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 12, 4)


def _times(slots):
    return [f"{slot.start:%H:%M}" for slot in slots]


def _quarter_hours(first: str, last: str) -> list[str]:
    h, m = map(int, first.split(":"))
    current, end = h * 60 + m, int(last[:2]) * 60 + int(last[3:])
    out = []
    while current <= end:
        out.append(f"{current // 60:02d}:{current % 60:02d}")
        current += 15
    return out


def _book(tenant, resource, start, minutes=90, party_size=2, **extra):
    return AppointmentFactory(
        tenant=tenant, resource=resource, starts_at=start, ends_at=start + timedelta(minutes=minutes),
        party_size=party_size, **extra,
    )


def test_lunch_and_dinner_ranges_give_their_own_slots(restaurant, tables):
    slots = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
    # Lunch: up to the last seating (14:00). Dinner: a 90-minute sitting must end by 23:00.
    assert _times(slots) == _quarter_hours("12:00", "14:00") + _quarter_hours("19:00", "21:30")
    assert {slot.resource for slot in slots} == {tables[2]}
    first = slots[0]
    assert first.start == rome(2026, 12, 4, 12) and first.start.tzinfo.key == "Europe/Rome"
    assert first.end - first.start == timedelta(minutes=90)


def test_a_range_past_midnight_belongs_to_the_day_it_opens(restaurant, tables):
    OpeningHours.objects.filter(tenant=restaurant).delete()
    OpeningHoursFactory(tenant=restaurant, weekday=FRIDAY.weekday(), opens=time(19), closes=time(1))
    restaurant.default_duration_minutes = 60
    restaurant.save()
    friday = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
    saturday = available_slots(
        restaurant, party_size=2, start_date=FRIDAY + timedelta(days=1), end_date=FRIDAY + timedelta(days=1), now=NOW
    )
    assert _times(friday) == [*_quarter_hours("19:00", "23:59"), "00:00"]
    assert friday[-1].start == rome(2026, 12, 5, 0, 0)
    assert friday[-1].end == rome(2026, 12, 5, 1, 0)
    assert saturday == []


def test_a_closure_wins_over_opening_hours(restaurant, tables):
    ClosureFactory(tenant=restaurant, starts_at=rome(2026, 12, 4, 20), ends_at=rome(2026, 12, 4, 23), reason="Evento")
    ClosureFactory(tenant=restaurant, starts_at=rome(2026, 12, 8), ends_at=rome(2026, 12, 9), reason="Immacolata")
    friday = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
    # Every dinner sitting would run into the private event at 20:00; lunch is untouched.
    assert _times(friday) == _quarter_hours("12:00", "14:00")
    holiday = date(2026, 12, 8)
    assert available_slots(restaurant, party_size=2, start_date=holiday, end_date=holiday, now=NOW) == []


def test_minimum_notice_hides_the_next_hours(restaurant, tables):
    now = rome(2026, 12, 4, 11, 0)  # notice 120 minutes: nothing before 13:00
    slots = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=now)
    assert _times(slots)[:5] == ["13:00", "13:15", "13:30", "13:45", "14:00"]
    staff = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=now, by_staff=True)
    assert _times(staff)[0] == "12:00"


def test_maximum_days_ahead_is_the_last_bookable_day(restaurant, tables):
    last = NOW.date() + timedelta(days=60)
    slots = available_slots(
        restaurant, party_size=2, start_date=last - timedelta(days=1), end_date=last + timedelta(days=5), now=NOW
    )
    assert {slot.start.date() for slot in slots} == {last - timedelta(days=1), last}
    assert available_slots(restaurant, party_size=2, start_date=last + timedelta(days=1),
                           end_date=last + timedelta(days=1), now=NOW) == []


def test_a_party_gets_the_smallest_free_table_that_fits(restaurant, tables):
    def at_20(party_size):
        slots = available_slots(restaurant, party_size=party_size, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
        return next(slot.resource for slot in slots if slot.start == rome(2026, 12, 4, 20))

    assert at_20(2) == tables[2]
    assert at_20(3) == tables[4]
    assert at_20(5) == tables[6]
    assert at_20(4) == tables[4]  # the tables for four and for six both seat four: the smaller one
    _book(restaurant, tables[2], rome(2026, 12, 4, 19, 30))
    assert at_20(2) == tables[4]  # the table for two is taken: the next smallest that seats two
    with pytest.raises(NoTableFits):
        booking_request_check(tenant=restaurant, party_size=7)
    assert available_slots(restaurant, party_size=7, start_date=FRIDAY, end_date=FRIDAY, now=NOW) == []


def test_a_cancelled_booking_frees_its_table(restaurant, tables):
    _book(restaurant, tables[2], rome(2026, 12, 4, 19, 30), status=Appointment.Status.CANCELLED)
    slots = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
    assert next(s.resource for s in slots if s.start == rome(2026, 12, 4, 20)) == tables[2]


def test_a_requested_table_is_the_only_one_offered(restaurant, tables):
    _book(restaurant, tables[4], rome(2026, 12, 4, 19, 0))
    slots = available_slots(
        restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, resource=tables[4], now=NOW
    )
    assert {slot.resource for slot in slots} == {tables[4]}
    assert _times(slots) == _quarter_hours("12:00", "14:00") + _quarter_hours("20:30", "21:30")


def test_salon_offers_only_qualified_staff_and_keeps_the_buffer(salon):
    tenant, cut, colour, giulia, marco = (salon[k] for k in ("tenant", "cut", "colour", "giulia", "marco"))
    day = date(2026, 12, 2)
    colour_slots = available_slots(tenant, service=colour, start_date=day, end_date=day, now=NOW)
    assert {slot.resource for slot in colour_slots} == {giulia}
    assert _times(colour_slots) == _quarter_hours("09:00", "17:30")  # 90 minutes end by 19:00
    # Giulia cuts 10:00-10:30 and then cleans until 10:40: her next cut starts at 10:45.
    Appointment.objects.create(
        tenant=tenant, resource=giulia, service=cut, starts_at=rome(2026, 12, 2, 10), ends_at=rome(2026, 12, 2, 10, 30),
        blocks_until=rome(2026, 12, 2, 10, 40), reference="AAAAAA",
    )
    with_giulia = available_slots(tenant, service=cut, start_date=day, end_date=day, resource=giulia, now=NOW)
    # ...and a cut at 09:30 would still be cleaning at 10:00.
    assert "09:15" in _times(with_giulia) and "09:30" not in _times(with_giulia)
    assert "10:30" not in _times(with_giulia) and "10:45" in _times(with_giulia)
    any_staff = {f"{s.start:%H:%M}": s.resource for s in available_slots(
        tenant, service=cut, start_date=day, end_date=day, now=NOW
    )}
    assert [any_staff[t] for t in ("09:15", "09:30", "10:00", "10:45")] == [giulia, marco, marco, giulia]
    everyone = available_slots(tenant, service=cut, start_date=day, end_date=day, now=NOW, per_resource=True)
    assert [s.resource for s in everyone if s.start == rome(2026, 12, 2, 9)] == [giulia, marco]
    assert available_slots(tenant, service=colour, start_date=day, end_date=day, resource=marco, now=NOW) == []
    with pytest.raises(ServiceNotOffered):
        booking_request_check(tenant=tenant, service=colour, resource=marco)


def test_pacing_limits_covers_starting_in_one_slot(restaurant, tables):
    restaurant.pacing_max_covers = 6
    restaurant.save()
    _book(restaurant, tables[6], rome(2026, 12, 4, 20), party_size=5)

    def starts(party_size):
        slots = available_slots(restaurant, party_size=party_size, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
        return _times(slots)

    assert "20:00" in starts(1)  # 5 + 1 = 6 covers
    assert "20:00" not in starts(2) and "19:45" in starts(2) and "20:15" in starts(2)


def _dst_bar(kind="restaurant", weekday=5):
    tenant = TenantFactory(kind=kind, slot_minutes=15, min_notice_minutes=0, max_days_ahead=366,
                           default_duration_minutes=60)
    OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(22), closes=time(4))
    table = ResourceFactory(tenant=tenant, min_seats=1, max_seats=4)
    return tenant, table


def _assert_exact_quarter_hours(slots):
    instants = [slot.start.astimezone(UTC) for slot in slots]
    assert len(set(instants)) == len(instants)
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(instants))
    assert all(slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(minutes=60) for slot in slots)


def test_spring_forward_night_loses_no_slot_and_duplicates_none():
    tenant, _ = _dst_bar()
    saturday = date(2026, 3, 28)  # 02:00 becomes 03:00 in the night to Sunday the 29th
    slots = available_slots(tenant, start_date=saturday, end_date=saturday, now=rome(2026, 3, 1))
    # 22:00 CET to 04:00 CEST is five real hours: 60-minute bookings start every 15
    # minutes from 22:00 to 03:00 (CEST), and no wall time between 02:00 and 03:00 exists.
    assert _times(slots) == _quarter_hours("22:00", "23:45") + _quarter_hours("00:00", "01:45") + ["03:00"]
    assert len(slots) == 17
    _assert_exact_quarter_hours(slots)
    assert slots[-1].end == rome(2026, 3, 29, 4, 0)


def test_fall_back_night_offers_each_real_quarter_hour_once():
    tenant, _ = _dst_bar()
    saturday = date(2026, 10, 24)  # 03:00 becomes 02:00 in the night to Sunday the 25th
    slots = available_slots(tenant, start_date=saturday, end_date=saturday, now=rome(2026, 10, 1))
    # 22:00 CEST to 04:00 CET is seven real hours: the hour from 02:00 happens twice and
    # each of its real quarter hours is offered once (different UTC offsets).
    assert len(slots) == 25
    _assert_exact_quarter_hours(slots)
    twice = [slot.start for slot in slots if f"{slot.start:%H:%M}" == "02:00"]
    assert [s.utcoffset() for s in twice] == [timedelta(hours=2), timedelta(hours=1)]
    assert slots[-1].start == rome(2026, 10, 25, 3, 0) and slots[-1].end == rome(2026, 10, 25, 4, 0)


@pytest.mark.parametrize("sunday", [date(2026, 3, 29), date(2026, 10, 25)])
def test_a_dst_sunday_has_the_same_daytime_slots_as_any_sunday(salon, sunday):
    tenant, cut = salon["tenant"], salon["cut"]
    now = rome(2026, 3, 1) if sunday.month == 3 else rome(2026, 10, 1)
    tenant.max_days_ahead = 60
    tenant.save()
    dst = available_slots(tenant, service=cut, start_date=sunday, end_date=sunday, now=now)
    normal = available_slots(tenant, service=cut, start_date=sunday + timedelta(days=7),
                             end_date=sunday + timedelta(days=7), now=now)
    assert _times(dst) == _times(normal) == _quarter_hours("09:00", "18:30")
    assert all(s.end - s.start == timedelta(minutes=30) for s in dst)


def test_limit_returns_the_first_free_slots_across_days(restaurant, tables):
    slots = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY + timedelta(days=30),
                            limit=25, now=NOW)
    assert len(slots) == 25
    assert slots[20].start == rome(2026, 12, 5, 12, 0)
    assert [s.start for s in slots] == sorted(s.start for s in slots)


def test_query_count_does_not_grow_with_resources(restaurant, tables):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY + timedelta(days=29), now=NOW)
        return len(queries)

    for index in range(3):
        _book(restaurant, tables[2], rome(2026, 12, 5 + index, 20))
    few = count_queries()
    for index in range(30):
        table = ResourceFactory(tenant=restaurant, name=f"Extra {index}", min_seats=1, max_seats=2 + index % 5)
        _book(restaurant, table, rome(2026, 12, 5 + index % 20, 19, 0))
    many = count_queries()
    assert few == many <= 5


def test_query_count_is_fixed_for_a_limited_search(salon, django_assert_max_num_queries):
    for index in range(12):
        staff = ResourceFactory(tenant=salon["tenant"], kind="staff", name=f"Staff {index}")
        staff.services.add(salon["cut"])
    with django_assert_max_num_queries(6):
        slots = available_slots(salon["tenant"], service=salon["cut"], start_date=NOW.date(),
                                end_date=NOW.date() + timedelta(days=29), limit=500, now=NOW)
    assert len(slots) == 500


def test_slot_times_are_in_the_tenants_zone(restaurant, tables):
    restaurant.timezone = "America/New_York"
    restaurant.save()
    restaurant.refresh_from_db()
    slots = available_slots(restaurant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
    assert slots[0].start.tzinfo.key == "America/New_York"
    assert f"{slots[0].start:%H:%M}" == "12:00"
    assert slots[0].start.astimezone(ROME).hour == 18


def test_alternatives_can_offer_the_same_time_on_the_following_days(salon):
    from bookings.availability import slot_alternatives
    from bookings.services import appointment_book

    tenant, colour, giulia = salon["tenant"], salon["colour"], salon["giulia"]
    # Giulia (the only colourist) is busy on Wednesday from 14:00 to 15:30.
    appointment_book(tenant=tenant, start=rome(2026, 12, 2, 14), service=colour, resource=giulia,
                     channel="admin", by_staff=True, now=NOW)
    alternatives = slot_alternatives(
        tenant, near=rome(2026, 12, 2, 14), service=colour, now=NOW, count=2, same_time_other_days=2
    )
    assert [(s.start.day, s.start.hour, s.start.minute) for s in alternatives] == [
        (2, 12, 30), (2, 15, 30), (3, 14, 0), (4, 14, 0),
    ]
