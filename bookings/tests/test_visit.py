"""The visit as staff run it: arrived, seated, left, no-show, undo; and walk-ins booked now."""

from datetime import timedelta

import pytest

from bookings.errors import NoTableFits, OutsideOpeningHours, SlotUnavailable, VisitStepRefused
from bookings.models import Appointment
from bookings.services import (
    appointment_book,
    appointment_cancel,
    appointment_visit_mark,
    appointment_walk_in,
)
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import AppointmentFactory
from conversations.models import Message
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture
def dinner(restaurant, tables):
    """Maria's table for two at 20:00 (90 minutes), booked on WhatsApp."""
    customer = CustomerFactory(tenant=restaurant, phone="393471234567")
    return appointment_book(
        tenant=restaurant, start=AT_20, party_size=2, customer=customer, channel="whatsapp", now=NOW
    )


def _mark(appointment, step, now):
    return appointment_visit_mark(tenant=appointment.tenant, appointment=appointment, step=step, now=now)


def _visit(appointment) -> tuple:
    appointment.refresh_from_db()
    return appointment.status, appointment.arrived_at, appointment.seated_at, appointment.left_at


def test_arrived_then_seated_then_left_each_keep_their_time(dinner):
    arrived, seated, left = AT_20 + timedelta(minutes=2), AT_20 + timedelta(minutes=5), AT_20 + timedelta(minutes=90)
    _mark(dinner, "arrived", arrived)
    assert _visit(dinner) == ("confirmed", arrived, None, None)
    _mark(dinner, "seated", seated)
    assert _visit(dinner) == ("confirmed", arrived, seated, None)
    _mark(dinner, "left", left)
    assert _visit(dinner) == ("confirmed", arrived, seated, left)
    # At its planned end: nothing is shortened.
    assert (dinner.ends_at, dinner.blocks_until) == (AT_20 + timedelta(minutes=90), AT_20 + timedelta(minutes=90))


def test_a_second_tap_keeps_the_first_time(dinner):
    _mark(dinner, "arrived", AT_20)
    _mark(dinner, "arrived", AT_20 + timedelta(minutes=3))
    assert _visit(dinner)[1] == AT_20


def test_seated_implies_arrived_and_left_implies_seated(dinner):
    seated = AT_20 + timedelta(minutes=1)
    _mark(dinner, "seated", seated)
    assert _visit(dinner) == ("confirmed", seated, seated, None)
    other = appointment_book(tenant=dinner.tenant, start=AT_20, party_size=4, channel="whatsapp", now=NOW)
    left = AT_20 + timedelta(minutes=95)
    _mark(other, "left", left)
    assert _visit(other) == ("confirmed", left, left, left)


def test_leaving_early_frees_the_table_from_then_on(dinner, tables):
    left = AT_20 + timedelta(minutes=50)
    _mark(dinner, "left", left)
    dinner.refresh_from_db()
    assert (dinner.starts_at, dinner.ends_at, dinner.blocks_until) == (AT_20, left, left)
    # The table for two can be booked again at once, staff or customer alike.
    again = appointment_book(
        tenant=dinner.tenant, start=rome(2026, 12, 4, 21), party_size=2, channel="whatsapp", now=NOW
    )
    assert again.resource == tables[2]


def test_leaving_early_keeps_the_services_buffer(salon):
    # A cut lasts 30 minutes plus 10 of buffer: left after 20 minutes, the chair is busy until 10 later.
    start = rome(2026, 12, 4, 10)
    cut = appointment_book(tenant=salon["tenant"], start=start, service=salon["cut"], channel="whatsapp", now=NOW)
    _mark(cut, "left", start + timedelta(minutes=20))
    cut.refresh_from_db()
    assert (cut.ends_at, cut.blocks_until) == (start + timedelta(minutes=20), start + timedelta(minutes=30))


def test_left_is_marked_on_a_completed_booking_too(dinner):
    Appointment.objects.filter(pk=dinner.pk).update(status="completed")
    left = AT_20 + timedelta(minutes=100)
    _mark(dinner, "left", left)
    assert _visit(dinner) == ("completed", left, left, left)
    with pytest.raises(VisitStepRefused, match=r"This booking has ended\."):
        _mark(dinner, "arrived", left)


def test_a_cancelled_booking_refuses_every_step(dinner):
    appointment_cancel(tenant=dinner.tenant, appointment=dinner, by_staff=True, now=NOW)
    for step in ("arrived", "seated", "left", "no_show", "undo"):
        with pytest.raises(VisitStepRefused, match=r"This booking was cancelled\.") as refused:
            _mark(dinner, step, AT_20)
        assert refused.value.step == step
    assert _visit(dinner) == ("cancelled", None, None, None)


def test_a_guest_is_not_marked_arrived_hours_before_the_booking(dinner):
    with pytest.raises(VisitStepRefused, match="This booking starts later"):
        _mark(dinner, "arrived", AT_20 - timedelta(hours=3, minutes=1))
    _mark(dinner, "arrived", AT_20 - timedelta(hours=3))
    assert _visit(dinner)[1] == AT_20 - timedelta(hours=3)


def test_a_no_show_is_the_bookings_status_set_by_staff(dinner):
    _mark(dinner, "no_show", AT_20 + timedelta(minutes=20))
    assert _visit(dinner) == ("no_show", None, None, None)
    # A second tap changes nothing; arriving now needs the no-show undone first.
    _mark(dinner, "no_show", AT_20 + timedelta(minutes=25))
    with pytest.raises(VisitStepRefused, match="no-show: undo that first"):
        _mark(dinner, "arrived", AT_20 + timedelta(minutes=25))


def test_no_show_only_before_arrival_and_once_the_booking_started(dinner):
    with pytest.raises(VisitStepRefused, match="has not started yet"):
        _mark(dinner, "no_show", AT_20 - timedelta(minutes=1))
    _mark(dinner, "arrived", AT_20)
    with pytest.raises(VisitStepRefused, match="This guest has arrived"):
        _mark(dinner, "no_show", AT_20 + timedelta(minutes=20))
    assert _visit(dinner) == ("confirmed", AT_20, None, None)


def test_undo_takes_back_the_last_step_one_at_a_time(dinner):
    times = [AT_20 + timedelta(minutes=m) for m in (1, 2, 95)]
    for step, at in zip(("arrived", "seated", "left"), times, strict=True):
        _mark(dinner, step, at)
    _mark(dinner, "undo", times[2])
    assert _visit(dinner) == ("confirmed", times[0], times[1], None)
    _mark(dinner, "undo", times[2])
    assert _visit(dinner) == ("confirmed", times[0], None, None)
    _mark(dinner, "undo", times[2])
    assert _visit(dinner) == ("confirmed", None, None, None)
    with pytest.raises(VisitStepRefused, match="nothing to undo"):
        _mark(dinner, "undo", times[2])


def test_undo_of_a_no_show_makes_the_booking_expected_again(dinner):
    _mark(dinner, "no_show", AT_20 + timedelta(minutes=20))
    _mark(dinner, "undo", AT_20 + timedelta(minutes=21))
    assert _visit(dinner) == ("confirmed", None, None, None)
    # After its time has passed the guest evidently came: completed, as the periodic run would have made it.
    _mark(dinner, "no_show", AT_20 + timedelta(minutes=30))
    _mark(dinner, "undo", AT_20 + timedelta(hours=3))
    assert _visit(dinner)[0] == "completed"


def test_undo_of_a_no_show_is_refused_once_its_table_is_taken(dinner, tables):
    _mark(dinner, "no_show", AT_20 + timedelta(minutes=20))
    walk_in = appointment_walk_in(tenant=dinner.tenant, party_size=2, now=AT_20 + timedelta(minutes=21))
    assert walk_in.resource == tables[2]
    with pytest.raises(VisitStepRefused, match="T2 has been booked for that time since"):
        _mark(dinner, "undo", AT_20 + timedelta(minutes=22))
    assert _visit(dinner)[0] == "no_show"


def test_an_unknown_step_is_a_value_error(dinner):
    with pytest.raises(ValueError):
        _mark(dinner, "danced", AT_20)


def test_another_tenants_booking_is_not_found(dinner):
    stranger = TenantFactory(kind="restaurant")
    with pytest.raises(Appointment.DoesNotExist):
        appointment_visit_mark(tenant=stranger, appointment=dinner, step="arrived", now=AT_20)
    assert _visit(dinner) == ("confirmed", None, None, None)


def test_the_customer_is_told_nothing_of_the_visit(dinner):
    for step, minutes in (("arrived", 0), ("seated", 1), ("left", 60), ("undo", 61)):
        _mark(dinner, step, AT_20 + timedelta(minutes=minutes))
    other = appointment_book(tenant=dinner.tenant, start=AT_20, party_size=4, channel="whatsapp", now=NOW,
                             customer=CustomerFactory(tenant=dinner.tenant, phone="393470000001"))
    _mark(other, "no_show", AT_20 + timedelta(minutes=20))
    assert not Message.objects.exists()


# --- Walk-ins ---------------------------------------------------------------------------


def test_a_walk_in_is_booked_now_on_the_smallest_free_table_and_seated(restaurant, tables):
    now = rome(2026, 12, 4, 19, 7) + timedelta(seconds=42)
    walk_in = appointment_walk_in(tenant=restaurant, party_size=3, name=" Rossi ", now=now)
    walk_in.refresh_from_db()
    assert walk_in.resource == tables[4]
    assert (walk_in.starts_at, walk_in.ends_at) == (rome(2026, 12, 4, 19, 7), rome(2026, 12, 4, 20, 37))
    assert (walk_in.walk_in, walk_in.arrived_at, walk_in.seated_at, walk_in.left_at) == (True, now, now, None)
    assert (walk_in.customer, walk_in.notes, walk_in.channel, walk_in.status) == (None, "Rossi", "admin", "confirmed")
    assert not Message.objects.exists()


def test_a_walk_in_takes_the_next_table_when_the_smallest_is_busy(restaurant, tables):
    AppointmentFactory(tenant=restaurant, resource=tables[4], starts_at=rome(2026, 12, 4, 19))
    walk_in = appointment_walk_in(tenant=restaurant, party_size=4, now=rome(2026, 12, 4, 19, 30))
    assert walk_in.resource == tables[6]


def test_a_walk_in_is_refused_when_no_table_is_free_now(restaurant, tables):
    for table in (tables[4], tables[6]):
        AppointmentFactory(tenant=restaurant, resource=table, starts_at=rome(2026, 12, 4, 19))
    with pytest.raises(SlotUnavailable, match=r"That time is already booked\."):
        appointment_walk_in(tenant=restaurant, party_size=3, now=rome(2026, 12, 4, 19, 30))
    with pytest.raises(NoTableFits):
        appointment_walk_in(tenant=restaurant, party_size=9, now=rome(2026, 12, 4, 19, 30))
    with pytest.raises(OutsideOpeningHours):
        appointment_walk_in(tenant=restaurant, party_size=2, now=rome(2026, 12, 4, 16))
    assert Appointment.objects.filter(tenant=restaurant, walk_in=True).count() == 0


def test_a_salon_walk_in_goes_to_a_free_staff_member_who_does_the_service(salon):
    now = rome(2026, 12, 4, 10, 3)
    appointment_book(tenant=salon["tenant"], start=rome(2026, 12, 4, 10), service=salon["cut"],
                     resource=salon["giulia"], channel="whatsapp", now=NOW)
    walk_in = appointment_walk_in(tenant=salon["tenant"], service=salon["cut"], now=now)
    assert (walk_in.resource, walk_in.ends_at) == (salon["marco"], rome(2026, 12, 4, 10, 33))
