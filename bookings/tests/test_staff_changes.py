"""Staff edits of a booking: all or nothing, and exactly the one change the customer must hear of is announced.

The announcement is ``bookings.signals.appointment_staff_changed``; what the customer is
then sent (reminders) is tested where it is sent.
"""

import pytest

from bookings.errors import AppointmentNotActive, OutsideOpeningHours, SlotUnavailable
from bookings.models import Appointment
from bookings.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_staff_book,
    appointment_staff_change,
)
from bookings.signals import StaffChange, appointment_staff_changed
from bookings.tests.conftest import NOW, rome
from conversations.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture
def announced():
    """Every announcement sent during the test: (appointment id, change, the row's start as sent)."""
    calls = []

    def receiver(sender, *, tenant, appointment, change, now, **kwargs):
        assert appointment.tenant_id == tenant.pk and now == NOW
        calls.append((appointment.pk, change, appointment.starts_at))

    appointment_staff_changed.connect(receiver, sender=Appointment, weak=False, dispatch_uid="test_announced")
    yield calls
    appointment_staff_changed.disconnect(sender=Appointment, dispatch_uid="test_announced")


@pytest.fixture
def giulia(restaurant):
    return CustomerFactory(tenant=restaurant, display_name="Giulia")


def _booked(restaurant, customer, start=AT_20, party_size=2):
    return appointment_book(
        tenant=restaurant, start=start, party_size=party_size, customer=customer, channel="whatsapp", now=NOW
    )


def _change(restaurant, appointment, **changes):
    return appointment_staff_change(tenant=restaurant, appointment=appointment, now=NOW, **changes)


def test_a_staff_booking_is_announced_as_booked_with_staff_rules(restaurant, tables, giulia, announced):
    # 12:05 today: inside the minimum notice and off the grid, which only staff may use.
    appointment = appointment_staff_book(
        tenant=restaurant, start=rome(2026, 12, 1, 12, 5), party_size=2, customer=giulia, channel="admin", now=NOW
    )
    assert (appointment.starts_at, appointment.channel, appointment.customer) == (
        rome(2026, 12, 1, 12, 5), "admin", giulia
    )
    assert announced == [(appointment.pk, StaffChange.BOOKED, appointment.starts_at)]


def test_a_refused_staff_booking_writes_and_announces_nothing(restaurant, tables, giulia, announced):
    with pytest.raises(OutsideOpeningHours):
        appointment_staff_book(tenant=restaurant, start=rome(2026, 12, 4, 16), customer=giulia, channel="admin",
                               now=NOW)
    assert not Appointment.objects.exists()
    assert announced == []


def test_a_customers_own_booking_and_changes_announce_nothing(restaurant, tables, giulia, announced):
    appointment = _booked(restaurant, giulia)
    appointment_reschedule(tenant=restaurant, appointment=appointment, new_start=rome(2026, 12, 4, 21), now=NOW)
    appointment_cancel(tenant=restaurant, appointment=appointment, now=NOW)
    assert Appointment.objects.get(pk=appointment.pk).status == "cancelled"
    assert announced == []


def test_a_move_is_announced_once_even_with_other_changes(restaurant, tables, giulia, announced):
    appointment = _booked(restaurant, giulia)
    moved = _change(restaurant, appointment, start=rome(2026, 12, 4, 21), party_size=3, notes="window")
    assert (moved.starts_at, moved.party_size, moved.notes) == (rome(2026, 12, 4, 21), 3, "window")
    assert announced == [(appointment.pk, StaffChange.MOVED, rome(2026, 12, 4, 21))]
    # The caller's instance follows the row, as with appointment_reschedule.
    assert appointment.starts_at == rome(2026, 12, 4, 21)


@pytest.mark.parametrize("change", ["notes", "table", "same time"])
def test_what_the_customer_does_not_see_is_not_announced(restaurant, tables, giulia, announced, change):
    appointment = _booked(restaurant, giulia)
    changes = {"notes": {"notes": "birthday"}, "table": {"resource": tables[4]}, "same time": {"start": AT_20}}
    changed = _change(restaurant, appointment, **changes[change])
    assert (changed.notes, changed.resource, changed.starts_at) == (
        "birthday" if change == "notes" else "", tables[4] if change == "table" else tables[2], AT_20
    )
    assert announced == []


def test_a_cancellation_is_announced_before_anything_else_that_changed(restaurant, tables, giulia, announced):
    appointment = _booked(restaurant, giulia)
    cancelled = _change(restaurant, appointment, start=rome(2026, 12, 4, 21), status=Appointment.Status.CANCELLED)
    assert (cancelled.status, cancelled.starts_at, cancelled.cancelled_at) == ("cancelled", rome(2026, 12, 4, 21), NOW)
    assert announced == [(appointment.pk, StaffChange.CANCELLED, rome(2026, 12, 4, 21))]


def test_giving_a_booking_to_a_customer_is_announced_as_booked_for_them(restaurant, tables, giulia, announced):
    appointment = _booked(restaurant, None)
    _change(restaurant, appointment, customer=giulia, start=rome(2026, 12, 4, 21))
    assert announced == [(appointment.pk, StaffChange.BOOKED, rome(2026, 12, 4, 21))]
    assert Appointment.objects.get(pk=appointment.pk).customer == giulia


def test_a_booking_no_longer_active_announces_nothing(restaurant, tables, giulia, announced):
    past = appointment_book(tenant=restaurant, start=rome(2026, 11, 30, 12), party_size=2, customer=giulia,
                            channel="whatsapp", now=rome(2026, 11, 29, 12))
    marked = _change(restaurant, past, status=Appointment.Status.NO_SHOW)
    assert marked.status == "no_show"
    assert announced == []


def test_a_refused_step_undoes_the_earlier_ones_and_announces_nothing(restaurant, tables, giulia, announced):
    appointment = _booked(restaurant, giulia)
    # The move would succeed; a no-show before the booking starts is refused: nothing of it stays.
    with pytest.raises(AppointmentNotActive):
        _change(restaurant, appointment, start=rome(2026, 12, 4, 21), notes="late", status=Appointment.Status.NO_SHOW)
    row = Appointment.objects.get(pk=appointment.pk)
    assert (row.starts_at, row.notes, row.status) == (AT_20, "", "confirmed")
    assert announced == []


def test_a_refused_move_announces_nothing(restaurant, tables, giulia, announced):
    _booked(restaurant, None, party_size=5)
    later = _booked(restaurant, giulia, start=rome(2026, 12, 4, 21, 30), party_size=5)
    with pytest.raises(SlotUnavailable):
        _change(restaurant, later, start=rome(2026, 12, 4, 20, 15))
    assert Appointment.objects.get(pk=later.pk).starts_at == rome(2026, 12, 4, 21, 30)
    assert announced == []


def test_nothing_given_changes_nothing_and_announces_nothing(restaurant, tables, giulia, announced):
    appointment = _booked(restaurant, giulia)
    before = Appointment.objects.get(pk=appointment.pk).updated_at
    assert _change(restaurant, appointment).updated_at == before
    assert announced == []
