"""The assistant's cached setup: the database's answers, never older than the tenant row, never for a write."""

from contextlib import nullcontext
from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.availability import available_slots, start_check, suitable_resources
from bookings.errors import BookingError, OutsideOpeningHours
from bookings.models import Appointment, Closure, Resource
from bookings.selectors import (
    closure_at,
    closure_covering,
    closures_upcoming,
    largest_table_seats,
    opening_hours_for_week,
    service_active_get,
    services_active,
    staff_active_get,
    staff_doing_service,
)
from bookings.services import appointment_book
from bookings.setup import booking_setup_cached, booking_setup_in_use
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import ClosureFactory, OpeningHoursFactory, ResourceFactory, ServiceFactory
from customers.tests.factories import CustomerFactory
from payments.models import PaymentPolicy
from payments.selectors import payment_policy_get
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 12, 4)
SETUP_TABLES = {"lyo_opening_hours", "lyo_resources", "lyo_resource_services", "lyo_closures", "lyo_services",
                "lyo_payment_policies"}


def _fresh(tenant: Tenant) -> Tenant:
    """The tenant as a message loads it: with the config_version every write bumped."""
    return Tenant.objects.get(pk=tenant.pk)


def _times(slots):
    return [f"{slot.start:%H:%M}" for slot in slots]


def _tables_read(queries) -> set[str]:
    return {table for q in queries for table in SETUP_TABLES if f'"{table}"' in q["sql"]}


def test_cached_resources_are_the_databases_in_the_same_order(restaurant, tables, salon):
    # Same seats and positions, names out of order: the order is the database's, not Python's.
    ResourceFactory(tenant=restaurant, name="a4", min_seats=2, max_seats=4, position=2)
    ResourceFactory(tenant=restaurant, name="Z off", min_seats=1, max_seats=8, is_active=False)
    for tenant, cases in (
        (_fresh(restaurant), [dict(service=None, party_size=n, resource=None) for n in range(1, 9)]),
        (_fresh(salon["tenant"]), [
            dict(service=salon["cut"], party_size=1, resource=None),
            dict(service=salon["colour"], party_size=1, resource=None),
            dict(service=salon["colour"], party_size=1, resource=salon["marco"]),
            dict(service=None, party_size=1, resource=salon["giulia"]),
        ]),
    ):
        expected = [list(suitable_resources(tenant, **case)) for case in cases]
        with booking_setup_cached():
            setup = booking_setup_in_use(tenant, NOW)
            got = [setup.suitable_resources(tenant, **case) for case in cases]
        assert [[r.pk for r in rs] for rs in got] == [[r.pk for r in rs] for rs in expected]


def test_a_warm_turn_reads_no_setup_rows_and_gives_the_same_slots(restaurant, tables):
    tenant = _fresh(restaurant)
    ClosureFactory(tenant=tenant, starts_at=rome(2026, 12, 4, 19), ends_at=rome(2026, 12, 4, 20))
    PaymentPolicy.objects.create(tenant=tenant)
    tenant = _fresh(tenant)
    uncached = available_slots(tenant, party_size=4, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
    with booking_setup_cached():
        available_slots(tenant, party_size=4, start_date=FRIDAY, end_date=FRIDAY, now=NOW)  # warms it
        payment_policy_get(tenant=tenant)
        with CaptureQueriesContext(connection) as warm:
            cached = available_slots(tenant, party_size=4, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
            check = start_check(tenant, start=rome(2026, 12, 4, 19, 15), party_size=4, now=NOW)
            assert largest_table_seats(tenant=tenant) == 6
            assert opening_hours_for_week(tenant=tenant)[FRIDAY.weekday()][1].opens == time(19)
            assert payment_policy_get(tenant=tenant) is not None
    assert _times(cached) == _times(uncached) and "19:15" not in _times(cached)
    assert check.verdict.value == "closed"
    assert _tables_read(warm.captured_queries) == set()


@pytest.mark.parametrize("change", ["hours", "closure", "table", "table_off", "service", "staff_link", "policy"])
def test_every_setup_write_is_read_by_the_next_message(change, restaurant, tables, salon):
    is_salon = change in ("service", "staff_link")
    tenant = _fresh(salon["tenant"] if is_salon else restaurant)
    service = salon["colour"] if is_salon else None

    def friday_times(t):
        resource = salon["marco"] if change == "staff_link" else None
        return _times(available_slots(t, service=service, resource=resource, party_size=4 if not is_salon else 1,
                                      start_date=FRIDAY, end_date=FRIDAY, now=NOW))

    with booking_setup_cached():
        before = friday_times(tenant)
        policy_before = payment_policy_get(tenant=tenant)
        offered_before = service_active_get(tenant=tenant, pk=salon["colour"].pk) if is_salon else None
        if change == "hours":
            OpeningHoursFactory(tenant=tenant, weekday=FRIDAY.weekday(), opens=time(16), closes=time(18))
        elif change == "closure":
            ClosureFactory(tenant=tenant, starts_at=rome(2026, 12, 4, 0), ends_at=rome(2026, 12, 5, 0))
        elif change == "table":
            Resource.objects.filter(tenant=tenant, max_seats__gte=4).delete()
        elif change == "table_off":
            for table in Resource.objects.filter(tenant=tenant, max_seats__gte=4):
                table.is_active = False
                table.save()
        elif change == "service":
            row = type(service).objects.get(pk=service.pk)
            row.is_active = False
            row.save()
        elif change == "staff_link":
            salon["marco"].services.add(service)
        elif change == "policy":
            PaymentPolicy.objects.create(tenant=tenant)
        # The message that loaded ``tenant`` still sees what it saw; the next one sees the change.
        assert friday_times(tenant) == before
        after = friday_times(_fresh(tenant))
        policy_after = payment_policy_get(tenant=_fresh(tenant))
        offered_after = service_active_get(tenant=_fresh(tenant), pk=salon["colour"].pk) if is_salon else None
    if change == "service":
        assert offered_before == service and offered_after is None
    elif change == "policy":
        assert policy_before is None and policy_after is not None
    elif change == "hours":
        assert set(after) - set(before) == {"16:00", "16:15", "16:30"}
    elif change == "staff_link":
        assert before == [] and after != []
    else:
        assert before != [] and after == []


def test_a_booking_inside_a_turn_checks_the_database_not_the_cache(restaurant, tables):
    tenant = _fresh(restaurant)
    customer = CustomerFactory(tenant=tenant)
    start = rome(2026, 12, 4, 20)
    with booking_setup_cached():
        assert "20:00" in _times(available_slots(tenant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW))
        # A write the cache cannot hear of (a bulk insert sends no signal, bumps no version).
        Closure.objects.bulk_create([Closure(tenant=tenant, starts_at=start, ends_at=start + timedelta(hours=3))])
        assert "20:00" in _times(available_slots(tenant, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW))
        with pytest.raises(BookingError) as refused:
            appointment_book(tenant=tenant, customer=customer, start=start, party_size=2, channel="test", now=NOW)
    assert isinstance(refused.value, OutsideOpeningHours)
    assert not Appointment.objects.filter(tenant=tenant).exists()


def test_cached_rows_are_looked_up_like_the_database(salon):
    tenant = _fresh(salon["tenant"])
    off = ServiceFactory(tenant=tenant, name_it="Vecchio", is_active=False)
    tenant = _fresh(tenant)
    for cached in (False, True):
        with booking_setup_cached() if cached else nullcontext():
            assert service_active_get(tenant=tenant, pk=salon["cut"].pk) == salon["cut"]
            assert service_active_get(tenant=tenant, pk=off.pk) is None
            assert staff_active_get(tenant=tenant, pk=salon["marco"].pk) == salon["marco"]
            assert largest_table_seats(tenant=tenant) == 0


def test_another_tenants_setup_is_never_served(restaurant, tables, salon):
    restaurant_row, salon_row = _fresh(restaurant), _fresh(salon["tenant"])
    with booking_setup_cached():
        assert available_slots(restaurant_row, party_size=2, start_date=FRIDAY, end_date=FRIDAY, now=NOW)
        assert largest_table_seats(tenant=salon_row) == 0
        assert service_active_get(tenant=restaurant_row, pk=salon["cut"].pk) is None
        assert staff_active_get(tenant=restaurant_row, pk=salon["marco"].pk) is None
        assert [r.pk for r in suitable_resources(salon_row, service=None, party_size=2)] == [
            salon["giulia"].pk, salon["marco"].pk
        ]


def test_the_assistants_reads_give_the_same_rows_cached_or_not(salon, restaurant):
    tenant = salon["tenant"]
    ServiceFactory(tenant=tenant, name_it="Barba", position=0)
    ServiceFactory(tenant=tenant, name_it="Spento", is_active=False)
    christmas = ClosureFactory(tenant=tenant, starts_at=rome(2026, 12, 25), ends_at=rome(2026, 12, 26), reason="Natale")
    ClosureFactory(tenant=tenant, starts_at=rome(2026, 12, 31, 15), ends_at=rome(2026, 12, 31, 19), reason="")
    ClosureFactory(tenant=restaurant, starts_at=rome(2026, 12, 24), ends_at=rome(2026, 12, 27), reason="Altro")
    tenant = _fresh(tenant)

    def reads():
        return (
            [s.name_it for s in services_active(tenant=tenant)],
            [s.name_it for s in services_active(tenant=tenant, pks=[salon["colour"].pk, salon["cut"].pk])],
            [r.name for r in staff_doing_service(tenant=tenant, service=salon["cut"])],
            [r.name for r in staff_doing_service(tenant=tenant, service=salon["colour"])],
            closure_at(tenant=tenant, moment=rome(2026, 12, 25, 12)),
            closure_at(tenant=tenant, moment=rome(2026, 12, 24, 12)),
            closure_covering(tenant=tenant, start=rome(2026, 12, 25), end=rome(2026, 12, 26)),
            closure_covering(tenant=tenant, start=rome(2026, 12, 31), end=rome(2027, 1, 1)),
            [c.reason for c in closures_upcoming(tenant=tenant, now=NOW, until=rome(2027, 1, 31), limit=5)],
            [c.reason for c in closures_upcoming(tenant=tenant, now=NOW, until=rome(2027, 1, 31), limit=1)],
        )

    expected = (
        ["Barba", "Colore", "Taglio"], ["Colore", "Taglio"], ["Giulia", "Marco"], ["Giulia"],
        christmas, None, christmas, None, ["Natale", ""], ["Natale"],
    )
    assert reads() == expected
    with booking_setup_cached():
        assert reads() == expected
