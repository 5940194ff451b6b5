"""The waitlist: a freed slot is held for the oldest request it can serve; confirm books it, a no goes to the next."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bookings.errors import HoldExpired
from bookings.models import Appointment, WaitlistRequest
from bookings.services import appointment_book, appointment_cancel, appointment_reschedule, holds_expired_release
from bookings.signals import waitlist_offered
from bookings.tasks import waitlist_expire_task
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import ResourceFactory
from bookings.waitlist import (
    waitlist_expired_close,
    waitlist_join,
    waitlist_offer_accept,
    waitlist_offer_decline,
    waitlist_offer_skip,
    waitlist_withdraw,
)
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


def _full_evening(restaurant, tables):
    """Every table that seats four is booked at 20:00; the booking on T4 is returned."""
    appointment_book(tenant=restaurant, start=AT_20, party_size=6, resource=tables[6], channel="whatsapp", now=NOW)
    return appointment_book(
        tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="whatsapp",
        customer=CustomerFactory(tenant=restaurant), now=NOW,
    )


def _join(restaurant, *, party_size=4, now=NOW, start=AT_20):
    return waitlist_join(
        tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=start, party_size=party_size, now=now,
    )


def _cancel(restaurant, booking, captured, now=NOW):
    with captured(execute=True):
        appointment_cancel(tenant=restaurant, appointment=booking, now=now)


@pytest.fixture
def offers():
    sent: list[int] = []

    def receiver(sender, tenant, request_id, now, **kwargs):
        sent.append(request_id)

    waitlist_offered.connect(receiver, dispatch_uid="test_offers")
    yield sent
    waitlist_offered.disconnect(dispatch_uid="test_offers")


def test_join_then_a_cancellation_offers_the_held_slot_and_confirm_books_it(
    restaurant, tables, offers, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        booking = _full_evening(restaurant, tables)
        too_big = _join(restaurant, party_size=6)  # older, but T4 cannot seat six
        request = _join(restaurant, party_size=4, now=NOW + timedelta(minutes=1))
        assert (request.status, request.window_starts_at, request.window_ends_at) == (
            "waiting", rome(2026, 12, 4, 19), rome(2026, 12, 4, 21),
        )
        _cancel(restaurant, booking, django_capture_on_commit_callbacks, now=NOW + timedelta(minutes=2))
    request.refresh_from_db()
    too_big.refresh_from_db()
    held = request.offer
    assert (request.status, too_big.status) == ("offered", "waiting")
    assert offers == [request.pk]
    assert (held.status, held.resource, held.starts_at, held.customer, held.party_size, held.hold_expires_at) == (
        "held", tables[4], AT_20, request.customer, 4, NOW + timedelta(minutes=12),
    )
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        booked = waitlist_offer_accept(tenant=restaurant, request=request)
    request.refresh_from_db()
    assert (booked.pk, booked.status, booked.customer, request.status) == (
        held.pk, "confirmed", request.customer, "booked",
    )


def test_a_decline_offers_the_slot_to_the_next_request(restaurant, tables, offers, django_capture_on_commit_callbacks):
    booking = _full_evening(restaurant, tables)
    first = _join(restaurant)
    second = _join(restaurant, now=NOW + timedelta(minutes=1))
    _cancel(restaurant, booking, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    first_hold = first.offer
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist_offer_decline(tenant=restaurant, request=first, now=NOW + timedelta(minutes=3))
    first.refresh_from_db()
    second.refresh_from_db()
    first_hold.refresh_from_db()
    assert (first.status, first_hold.status, second.status) == ("declined", "expired", "offered")
    assert (second.offer.starts_at, second.offer.status, second.offer.hold_expires_at) == (
        AT_20, "held", NOW + timedelta(minutes=13),
    )
    assert offers == [first.pk, second.pk]
    # A second "No thanks" changes nothing.
    assert not waitlist_offer_decline(tenant=restaurant, request=first, now=NOW + timedelta(minutes=4))


def test_an_unanswered_offer_expires_and_goes_to_the_next(restaurant, tables, django_capture_on_commit_callbacks):
    booking = _full_evening(restaurant, tables)
    first = _join(restaurant)
    second = _join(restaurant, now=NOW + timedelta(minutes=1))
    _cancel(restaurant, booking, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expired_release(now=NOW + timedelta(minutes=9, seconds=59)) == []
        released = holds_expired_release(now=NOW + timedelta(minutes=10))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (released, first.status, second.status) == ([first.offer_id], "missed", "offered")
    # The late tap on the first offer: politely too late, with what is free now.
    with pytest.raises(HoldExpired) as late:
        waitlist_offer_accept(tenant=restaurant, request=first, now=NOW + timedelta(minutes=11))
    assert late.value.message == "Sorry, that time has already been taken."
    assert late.value.alternatives and AT_20 not in [slot.start for slot in late.value.alternatives]


def test_the_hold_expires_ten_real_minutes_later_across_the_autumn_clock_change(
    restaurant, django_capture_on_commit_callbacks
):
    # 25 October 2026, Rome: 03:00 summer time becomes 02:00 winter time. An offer made at
    # 02:55 summer time is held until 02:05 winter time, ten minutes later, not 03:05.
    table = ResourceFactory(tenant=restaurant, name="T9", min_seats=1, max_seats=4)
    dinner = rome(2026, 10, 25, 20)
    offered_at = rome(2026, 10, 25, 2, 55)  # fold 0: summer time, 00:55 UTC
    assert offered_at.astimezone(UTC) == datetime(2026, 10, 25, 0, 55, tzinfo=UTC)
    booking = appointment_book(tenant=restaurant, start=dinner, party_size=2, resource=table, channel="whatsapp",
                               now=offered_at - timedelta(days=2))
    first = _join(restaurant, party_size=2, start=dinner, now=offered_at - timedelta(days=1))
    second = _join(restaurant, party_size=2, start=dinner, now=offered_at - timedelta(hours=1))
    _cancel(restaurant, booking, django_capture_on_commit_callbacks, now=offered_at)
    first.refresh_from_db()
    # Compared in UTC: Python never calls a time of the repeated hour equal to another zone's.
    assert first.offer.hold_expires_at == rome(2026, 10, 25, 2, 5, fold=1).astimezone(UTC)
    assert first.offer.hold_expires_at == datetime(2026, 10, 25, 1, 5, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expired_release(now=rome(2026, 10, 25, 2, 4, fold=1)) == []
        assert holds_expired_release(now=rome(2026, 10, 25, 2, 5, fold=1)) == [first.offer_id]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("missed", "offered")


def test_an_offer_that_cannot_reach_the_customer_is_skipped_for_the_next(
    restaurant, tables, offers, django_capture_on_commit_callbacks
):
    booking = _full_evening(restaurant, tables)
    first = _join(restaurant)
    second = _join(restaurant, now=NOW + timedelta(minutes=1))
    _cancel(restaurant, booking, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist_offer_skip(tenant=restaurant, request=first, now=NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, offers) == ("skipped", "offered", [first.pk, second.pk])


def test_withdrawing_an_offered_request_frees_the_slot_for_the_next(
    restaurant, tables, django_capture_on_commit_callbacks
):
    booking = _full_evening(restaurant, tables)
    first = _join(restaurant)
    second = _join(restaurant, now=NOW + timedelta(minutes=1))
    _cancel(restaurant, booking, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist_withdraw(tenant=restaurant, request=first, now=NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.offer.status, second.status) == ("withdrawn", "expired", "offered")
    assert not waitlist_withdraw(tenant=restaurant, request=first, now=NOW)


def test_asking_again_for_the_same_day_moves_the_request_and_a_past_time_is_refused(restaurant):
    customer = CustomerFactory(tenant=restaurant)
    first = waitlist_join(tenant=restaurant, customer=customer, start=AT_20, party_size=2, now=NOW)
    again = waitlist_join(tenant=restaurant, customer=customer, start=AT_20 + timedelta(minutes=30), party_size=3,
                          now=NOW)
    assert (again.pk, again.party_size, again.window_starts_at) == (first.pk, 3, rome(2026, 12, 4, 19, 30))
    assert WaitlistRequest.objects.filter(tenant=restaurant).count() == 1
    # Asked at 19:30 for 20:00: the window starts now, not in the past.
    late = waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=AT_20,
                         now=rome(2026, 12, 4, 19, 30))
    assert late.window_starts_at == rome(2026, 12, 4, 19, 30)
    with pytest.raises(ValueError, match="passed"):
        waitlist_join(tenant=restaurant, customer=customer, start=NOW - timedelta(hours=1), now=NOW)


def test_a_request_lapses_when_its_window_starts(restaurant):
    request = _join(restaurant)
    assert waitlist_expired_close(now=rome(2026, 12, 4, 18, 59)) == 0
    with time_machine.travel(rome(2026, 12, 4, 19), tick=False):
        waitlist_expire_task()
    request.refresh_from_db()
    assert request.status == "expired"


def test_another_tenants_cancellation_offers_nothing_and_its_requests_are_out_of_reach(
    restaurant, tables, django_capture_on_commit_callbacks
):
    from bookings.tests.conftest import OpeningHoursFactory, TenantFactory
    other = TenantFactory(kind="restaurant", slot_minutes=15, default_duration_minutes=90)
    for weekday in range(7):
        OpeningHoursFactory(tenant=other, weekday=weekday, opens=rome(2026, 1, 1, 19).time(),
                            closes=rome(2026, 1, 1, 23).time())
    other_table = ResourceFactory(tenant=other, name="O4", min_seats=1, max_seats=4)
    other_booking = appointment_book(tenant=other, start=AT_20, party_size=4, resource=other_table,
                                     channel="whatsapp", now=NOW)
    _full_evening(restaurant, tables)
    mine = _join(restaurant)
    _cancel(other, other_booking, django_capture_on_commit_callbacks)
    mine.refresh_from_db()
    assert (mine.status, Appointment.objects.filter(tenant=other, status="held").count()) == ("waiting", 0)
    with pytest.raises(WaitlistRequest.DoesNotExist):
        waitlist_offer_accept(tenant=other, request=mine, now=NOW)
    with pytest.raises(ValueError):
        waitlist_join(tenant=other, customer=mine.customer, start=AT_20, now=NOW)


def test_moving_a_booking_away_offers_its_old_time(restaurant, tables, offers, django_capture_on_commit_callbacks):
    booking = _full_evening(restaurant, tables)
    request = _join(restaurant)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(tenant=restaurant, appointment=booking, new_start=rome(2026, 12, 4, 13),
                               now=NOW)
    request.refresh_from_db()
    assert (request.status, request.offer.starts_at, request.offer.resource, offers) == (
        "offered", AT_20, tables[4], [request.pk],
    )


def test_the_offer_is_held_for_the_tenants_minutes(restaurant, tables, django_capture_on_commit_callbacks):
    restaurant.waitlist_hold_minutes = 25
    restaurant.save(update_fields=["waitlist_hold_minutes"])
    booking = _full_evening(restaurant, tables)
    request = _join(restaurant)
    _cancel(restaurant, booking, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert (request.status, request.offer.hold_expires_at) == ("offered", NOW + timedelta(minutes=25))
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expired_release(now=NOW + timedelta(minutes=24, seconds=59)) == []
        assert holds_expired_release(now=NOW + timedelta(minutes=25)) == [request.offer_id]
