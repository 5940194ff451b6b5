"""The business's limits per customer: future bookings, and bookings on one day (not for staff, not for moves)."""

import contextlib
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings

from bookings.errors import CustomerBookingLimitReached
from bookings.models import Appointment
from bookings.services import appointment_book, appointment_cancel, appointment_reschedule
from bookings.tests.conftest import NOW, rome
from bookings.tests.racing import threads_race
from customers.tests.factories import CustomerFactory

AT_20 = rome(2026, 12, 4, 20, 0)


def _book(tenant, customer, start=AT_20, **kwargs):
    return appointment_book(
        tenant=tenant, start=start, party_size=2, customer=customer, channel=Appointment.Channel.WHATSAPP,
        now=kwargs.pop("now", NOW), **kwargs,
    )


def _evenings(count: int) -> list:
    return [AT_20 + timedelta(days=day) for day in range(count)]


@pytest.mark.django_db
def test_the_fourth_future_booking_of_a_customer_is_refused(restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    for start in _evenings(3):
        _book(restaurant, customer, start)

    with pytest.raises(CustomerBookingLimitReached) as refused:
        _book(restaurant, customer, AT_20 + timedelta(days=3))

    assert (refused.value.code, refused.value.limit, refused.value.maximum) == ("customer_booking_limit", "active", 3)
    assert refused.value.message == "This customer already has 3 upcoming bookings, as many as the business allows."
    assert Appointment.objects.filter(customer=customer).count() == 3


@pytest.mark.django_db
def test_a_second_booking_on_the_same_day_is_refused(restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    _book(restaurant, customer, rome(2026, 12, 4, 13, 0))

    with pytest.raises(CustomerBookingLimitReached) as refused:
        _book(restaurant, customer, AT_20)

    assert (refused.value.limit, refused.value.maximum) == ("day", 1)
    assert refused.value.message == "This customer already has 1 booking on that day, as many as the business allows."
    _book(restaurant, customer, AT_20 + timedelta(days=1))  # the next day is another day


@pytest.mark.django_db
def test_the_limits_are_the_businesss_settings(restaurant, tables):
    restaurant.max_active_bookings_per_customer = 5
    restaurant.max_bookings_per_customer_per_day = 2
    customer = CustomerFactory(tenant=restaurant)
    _book(restaurant, customer, rome(2026, 12, 4, 13, 0))
    _book(restaurant, customer, AT_20)
    with pytest.raises(CustomerBookingLimitReached, match="2 bookings on that day"):
        _book(restaurant, customer, AT_20 + timedelta(hours=1, minutes=30))
    for start in _evenings(4)[1:]:
        _book(restaurant, customer, start)
    with pytest.raises(CustomerBookingLimitReached, match="5 upcoming bookings"):
        _book(restaurant, customer, AT_20 + timedelta(days=4))


@pytest.mark.django_db
def test_staff_book_for_a_customer_over_the_limits(restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    for start in _evenings(3):
        _book(restaurant, customer, start)

    _book(restaurant, customer, AT_20 + timedelta(days=3), by_staff=True)
    _book(restaurant, customer, AT_20 + timedelta(hours=1, minutes=30), by_staff=True)  # a second that day

    assert Appointment.objects.filter(customer=customer, status="confirmed").count() == 5


@pytest.mark.django_db
def test_cancelled_and_past_bookings_do_not_count(restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    first, *_ = [_book(restaurant, customer, start) for start in _evenings(3)]
    appointment_cancel(tenant=restaurant, appointment=first, now=NOW)

    _book(restaurant, customer, AT_20)  # the cancelled one's evening is free again, for the customer too

    # The next evening, once the first two have started, only the third is still ahead: two more fit.
    later = AT_20 + timedelta(days=1, hours=3)
    _book(restaurant, customer, AT_20 + timedelta(days=5), now=later)
    _book(restaurant, customer, AT_20 + timedelta(days=6), now=later)
    with pytest.raises(CustomerBookingLimitReached):
        _book(restaurant, customer, AT_20 + timedelta(days=7), now=later)


@pytest.mark.django_db
def test_moving_a_booking_is_not_a_new_booking(restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    bookings = [_book(restaurant, customer, start) for start in _evenings(3)]

    moved = appointment_reschedule(
        tenant=restaurant, appointment=bookings[2], new_start=AT_20 + timedelta(days=10), now=NOW
    )

    assert moved.starts_at == AT_20 + timedelta(days=10)


@pytest.mark.django_db
def test_a_booking_without_a_customer_is_not_limited(restaurant, tables):
    for start in _evenings(4):
        _book(restaurant, None, start)
    _book(restaurant, None, AT_20 + timedelta(hours=1, minutes=30))
    assert Appointment.objects.filter(tenant=restaurant, customer=None).count() == 5


# --- concurrent bookings by one customer: PostgreSQL only (SQLite serialises every writer) ---------

THREADS = 12


def _race(tenant, customer) -> Counter:
    """THREADS bookings by ``customer`` at once, each on an evening of its own."""
    evenings = _evenings(THREADS)
    return threads_race(
        lambda index: _book(tenant, customer, evenings[index]),
        threads=THREADS,
        refusals={CustomerBookingLimitReached: "refused"},
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL: concurrent transactions and row locks",
)
@pytest.mark.parametrize("tenant_lock", [True, False], ids=["with the tenant lock", "customer lock alone"])
def test_concurrent_bookings_by_one_customer_give_exactly_the_limit(restaurant, tables, tenant_lock):
    customer = CustomerFactory(tenant=restaurant)
    # Without the tenant's booking lock, the customer's row lock alone keeps the count exact.
    patch = mock.patch("bookings.services._booking_lock") if not tenant_lock else contextlib.nullcontext()
    with patch:
        outcomes = _race(restaurant, customer)

    assert outcomes == Counter({"booked": 3, "refused": THREADS - 3})
    assert Appointment.objects.filter(customer=customer, status="confirmed").count() == 3
