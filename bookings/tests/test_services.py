import re
from datetime import UTC, timedelta
from unittest import mock

import pytest

from bookings import services
from bookings.errors import (
    AppointmentNotActive,
    NoTableFits,
    NoticeTooShort,
    OutsideOpeningHours,
    ServiceNotOffered,
    SlotUnavailable,
    TooFarAhead,
    TooLateToCancel,
)
from bookings.models import Appointment
from bookings.references import REFERENCE_ALPHABET
from bookings.services import appointment_book, appointment_cancel, appointment_reschedule, appointment_status_set
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import ClosureFactory
from common import metrics
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20, 0)


def _book(tenant, start=AT_20, **kwargs):
    kwargs.setdefault("party_size", 2)
    kwargs.setdefault("channel", Appointment.Channel.WHATSAPP)
    return appointment_book(tenant=tenant, start=start, now=kwargs.pop("now", NOW), **kwargs)


def _counter(action):
    return metrics.bookings.labels(action=action)._value.get()


def test_booking_takes_the_smallest_fitting_table_and_gets_a_readable_reference(
    restaurant, tables, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(tenant=restaurant)
    before = _counter("created")
    with django_capture_on_commit_callbacks(execute=True):
        appointment = _book(restaurant, customer=customer, notes="window seat")
    appointment.refresh_from_db()
    assert appointment.resource == tables[2]
    assert appointment.starts_at == AT_20
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=90)
    assert appointment.blocks_until == appointment.ends_at
    assert appointment.status == Appointment.Status.CONFIRMED
    assert (appointment.customer, appointment.channel, appointment.notes) == (customer, "whatsapp", "window seat")
    assert len(appointment.reference) == 6 and set(appointment.reference) <= set(REFERENCE_ALPHABET)
    assert not set(appointment.reference) & set("01OIL")
    assert _counter("created") == before + 1


def test_a_requested_table_is_the_only_one_tried(restaurant, tables):
    _book(restaurant, resource=tables[4])
    with pytest.raises(SlotUnavailable):
        _book(restaurant, resource=tables[4])
    assert _book(restaurant).resource == tables[2]


def test_the_last_table_taken_refuses_with_nearby_alternatives(restaurant, tables):
    _book(restaurant, party_size=5)  # the only table for 5 or 6
    with pytest.raises(SlotUnavailable) as refused:
        _book(restaurant, party_size=5, start=rome(2026, 12, 4, 20, 30))
    alternatives = refused.value.alternatives
    # Same day first: the three closest free times for the table of six, in order.
    assert [f"{a.start:%d %H:%M}" for a in alternatives] == ["04 13:45", "04 14:00", "04 21:30"]
    assert {a.resource for a in alternatives} == {tables[6]}


def test_alternatives_come_from_the_following_days_when_the_day_is_full(restaurant, tables):
    ClosureFactory(tenant=restaurant, starts_at=rome(2026, 12, 4, 12), ends_at=rome(2026, 12, 4, 19, 30))
    _book(restaurant, party_size=5, start=rome(2026, 12, 4, 19, 30))
    with pytest.raises(SlotUnavailable) as refused:
        _book(restaurant, party_size=5, start=rome(2026, 12, 4, 20, 0))
    starts = [f"{a.start:%d %H:%M}" for a in refused.value.alternatives]
    # Friday's dinner is taken from 19:30 to 21:00: only 21:00-21:30 remain that day.
    assert starts == ["04 21:00", "04 21:15", "04 21:30"]
    _book(restaurant, party_size=5, start=rome(2026, 12, 4, 21, 0))
    with pytest.raises(SlotUnavailable) as refused:
        _book(restaurant, party_size=5, start=rome(2026, 12, 4, 20, 0))
    assert [f"{a.start:%d %H:%M}" for a in refused.value.alternatives] == ["05 12:00", "05 12:15", "05 12:30"]


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (rome(2026, 12, 4, 16, 0), "not open"),
        (rome(2026, 12, 4, 14, 15), "last seating is at 14:00"),
        (rome(2026, 12, 4, 22, 0), "after closing time (23:00)"),
    ],
)
def test_outside_opening_hours_is_refused(restaurant, tables, start, message):
    with pytest.raises(OutsideOpeningHours, match=re.escape(message)):
        _book(restaurant, start=start)
    with pytest.raises(OutsideOpeningHours):
        _book(restaurant, start=start, by_staff=True)


def test_a_closure_refuses_the_booking(restaurant, tables):
    ClosureFactory(tenant=restaurant, starts_at=rome(2026, 12, 4, 21), ends_at=rome(2026, 12, 5), reason="Evento")
    with pytest.raises(OutsideOpeningHours, match="closed until 2026-12-05 00:00"):
        _book(restaurant, start=rome(2026, 12, 4, 20))
    assert _book(restaurant, start=rome(2026, 12, 4, 19, 30)).starts_at == rome(2026, 12, 4, 19, 30)


def test_minimum_notice_binds_customers_not_staff(restaurant, tables):
    now = rome(2026, 12, 4, 19, 0)
    with pytest.raises(NoticeTooShort) as refused:
        _book(restaurant, start=rome(2026, 12, 4, 20), now=now)
    assert refused.value.min_notice_minutes == 120
    assert _book(restaurant, start=rome(2026, 12, 4, 20), now=now, by_staff=True).pk
    with pytest.raises(NoticeTooShort, match="already passed"):
        _book(restaurant, start=rome(2026, 12, 4, 12), now=now, by_staff=True)


def test_maximum_days_ahead_binds_customers_not_staff(restaurant, tables):
    too_far = rome(2027, 1, 31, 20)  # 61 days after NOW
    with pytest.raises(TooFarAhead) as refused:
        _book(restaurant, start=too_far)
    assert refused.value.max_days_ahead == 60
    assert _book(restaurant, start=rome(2027, 1, 30, 20)).pk
    assert _book(restaurant, start=too_far, by_staff=True).pk


def test_party_too_large_and_service_not_offered(restaurant, tables, salon):
    with pytest.raises(NoTableFits, match="largest seats 6"):
        _book(restaurant, party_size=9)
    with pytest.raises(NoTableFits, match="T2 seats 1-2"):
        _book(restaurant, party_size=3, resource=tables[2])
    tenant = salon["tenant"]
    with pytest.raises(ServiceNotOffered, match="Marco does not do Colore"):
        _book(tenant, party_size=1, service=salon["colour"], resource=salon["marco"])
    salon["cut"].is_active = False
    salon["cut"].save()
    with pytest.raises(ServiceNotOffered):
        _book(tenant, party_size=1, service=salon["cut"])
    with pytest.raises(ServiceNotOffered):
        _book(tenant, party_size=1, service=_other_tenants_service())


def _other_tenants_service():
    from bookings.tests.factories import ServiceFactory

    return ServiceFactory()


def test_salon_booking_keeps_the_buffer_and_picks_a_qualified_person(salon):
    tenant, cut, colour = salon["tenant"], salon["cut"], salon["colour"]
    start = rome(2026, 12, 2, 10)
    first = _book(tenant, start=start, party_size=1, service=cut)
    assert first.resource == salon["giulia"]
    assert (first.ends_at - first.starts_at, first.blocks_until - first.ends_at) == (
        timedelta(minutes=30), timedelta(minutes=10)
    )
    assert _book(tenant, start=start, party_size=1, service=cut).resource == salon["marco"]
    with pytest.raises(SlotUnavailable):
        _book(tenant, start=rome(2026, 12, 2, 10, 30), party_size=1, service=colour)  # Giulia is cleaning
    assert _book(tenant, start=rome(2026, 12, 2, 10, 45), party_size=1, service=colour).resource == salon["giulia"]


def test_off_grid_times_are_for_staff_only(restaurant, tables):
    with pytest.raises(SlotUnavailable, match="every 15 minutes") as refused:
        _book(restaurant, start=rome(2026, 12, 4, 20, 7))
    assert [f"{a.start:%H:%M}" for a in refused.value.alternatives] == ["19:45", "20:00", "20:15"]
    assert _book(restaurant, start=rome(2026, 12, 4, 20, 7), by_staff=True).starts_at == rome(2026, 12, 4, 20, 7)


def test_pacing_refuses_too_many_covers_in_one_slot(restaurant, tables):
    restaurant.pacing_max_covers = 6
    restaurant.save()
    _book(restaurant, party_size=4)
    with pytest.raises(SlotUnavailable, match="Too many guests"):
        _book(restaurant, party_size=3)
    assert _book(restaurant, party_size=2).resource == tables[2]
    assert _book(restaurant, party_size=4, start=rome(2026, 12, 4, 20, 15)).resource == tables[6]


def test_duration_is_exact_across_the_spring_forward_change(restaurant, tables):
    from datetime import time

    from bookings.tests.factories import OpeningHoursFactory

    OpeningHoursFactory(tenant=restaurant, weekday=5, opens=time(23, 30), closes=time(5))
    start = rome(2026, 3, 29, 1, 30)  # Sunday night; at 02:00 the clocks go to 03:00
    appointment = _book(restaurant, start=start, now=rome(2026, 3, 1), by_staff=True)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=90)
    assert appointment.ends_at.astimezone(start.tzinfo).strftime("%H:%M %Z") == "04:00 CEST"


def test_references_are_unique_and_a_collision_is_retried(restaurant, tables):
    taken = _book(restaurant).reference
    with mock.patch("bookings.services.reference_new", side_effect=[taken, taken, "K7M3QD"]):
        again = _book(restaurant, start=rome(2026, 12, 4, 20, 15))
    assert again.reference == "K7M3QD"
    refs = {_book(restaurant, start=rome(2026, 12, 5 + n % 20, 12 + n // 20)).reference for n in range(40)}
    assert len(refs) == 40 and taken not in refs and "K7M3QD" not in refs


def test_customer_cannot_cancel_inside_the_cutoff_but_staff_can(restaurant, tables, django_capture_on_commit_callbacks):
    appointment = _book(restaurant)
    late = AT_20 - timedelta(hours=1)
    with pytest.raises(TooLateToCancel) as refused:
        appointment_cancel(tenant=restaurant, appointment=appointment, now=late)
    assert (refused.value.cutoff_hours, refused.value.contact_phone) == (2, "+39 02 1234567")
    assert "+39 02 1234567" in refused.value.message
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    before = _counter("cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = appointment_cancel(tenant=restaurant, appointment=appointment, by_staff=True, now=late)
    assert cancelled.status == Appointment.Status.CANCELLED and cancelled.cancelled_at == late
    assert appointment.status == Appointment.Status.CANCELLED
    assert _counter("cancelled") == before + 1
    with pytest.raises(AppointmentNotActive):
        appointment_cancel(tenant=restaurant, appointment=appointment, by_staff=True, now=late)


def test_customer_cancels_before_the_cutoff_and_the_table_is_free_again(restaurant, tables):
    appointment = _book(restaurant, party_size=5)
    appointment_cancel(tenant=restaurant, appointment=appointment, now=AT_20 - timedelta(hours=2, minutes=1))
    assert _book(restaurant, party_size=5).resource == tables[6]


def test_another_tenants_appointment_cannot_be_cancelled_or_moved(restaurant, tables, salon):
    appointment = _book(restaurant)
    with pytest.raises(Appointment.DoesNotExist):
        appointment_cancel(tenant=salon["tenant"], appointment=appointment, by_staff=True)
    with pytest.raises(Appointment.DoesNotExist):
        appointment_reschedule(tenant=salon["tenant"], appointment=appointment, new_start=AT_20, by_staff=True)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED and appointment.starts_at == AT_20


def test_reschedule_keeps_the_reference_and_frees_the_old_time(restaurant, tables, django_capture_on_commit_callbacks):
    appointment = _book(restaurant, party_size=5)
    before = _counter("rescheduled")
    with django_capture_on_commit_callbacks(execute=True):
        moved = appointment_reschedule(
            tenant=restaurant, appointment=appointment, new_start=rome(2026, 12, 4, 20, 30), now=NOW
        )
    assert moved.pk == appointment.pk and moved.reference == appointment.reference
    assert appointment.starts_at == moved.starts_at  # the caller's instance follows
    assert moved.starts_at == rome(2026, 12, 4, 20, 30) and moved.ends_at == rome(2026, 12, 4, 22, 0)
    assert moved.resource == tables[6]  # moving by 30 minutes overlaps only itself
    assert _counter("rescheduled") == before + 1
    assert _book(restaurant, party_size=5, start=rome(2026, 12, 4, 19, 0)).resource == tables[6]
    assert Appointment.objects.filter(tenant=restaurant).count() == 2


def test_reschedule_into_a_taken_time_changes_nothing(restaurant, tables):
    first = _book(restaurant, party_size=5)
    second = _book(restaurant, party_size=5, start=rome(2026, 12, 5, 20))
    with pytest.raises(SlotUnavailable) as refused:
        appointment_reschedule(tenant=restaurant, appointment=second, new_start=AT_20, now=NOW)
    assert refused.value.alternatives
    second.refresh_from_db()
    assert second.starts_at == rome(2026, 12, 5, 20) and first.starts_at == AT_20


def test_reschedule_respects_the_cutoff_for_customers_only(restaurant, tables):
    appointment = _book(restaurant)
    late = AT_20 - timedelta(minutes=30)
    with pytest.raises(TooLateToCancel):
        appointment_reschedule(tenant=restaurant, appointment=appointment, new_start=rome(2026, 12, 5, 20), now=late)
    moved = appointment_reschedule(
        tenant=restaurant, appointment=appointment, new_start=rome(2026, 12, 5, 20), now=late, by_staff=True
    )
    assert moved.starts_at == rome(2026, 12, 5, 20)


def test_status_changes_never_reopen_a_booking(restaurant, tables):
    appointment = _book(restaurant)
    done = appointment_status_set(tenant=restaurant, appointment=appointment, status="no_show", now=AT_20)
    assert done.status == "no_show"
    with pytest.raises(AppointmentNotActive):
        appointment_status_set(tenant=restaurant, appointment=appointment, status="confirmed", now=AT_20)


def test_naive_start_or_empty_party_is_a_programming_error(restaurant, tables, salon):
    with pytest.raises(ValueError, match="aware"):
        _book(restaurant, start=AT_20.astimezone(UTC).replace(tzinfo=None))
    with pytest.raises(ValueError, match="party_size"):
        _book(salon["tenant"], start=rome(2026, 12, 2, 10), party_size=0, service=salon["cut"])


def test_services_module_re_exports_the_errors():
    assert services.SlotUnavailable is SlotUnavailable and services.BookingError.__name__ == "BookingError"


def test_new_references_always_mix_letters_and_digits():
    from bookings.references import REFERENCE_ALPHABET, REFERENCE_LENGTH, reference_new

    codes = [reference_new() for _ in range(500)]
    assert all(len(code) == REFERENCE_LENGTH and set(code) <= set(REFERENCE_ALPHABET) for code in codes)
    assert all(any(c.isdigit() for c in code) and any(c.isalpha() for c in code) for code in codes)


def test_a_reminder_is_claimed_once_and_not_for_a_booking_moved_since_it_was_read(restaurant, tables):
    appointment = _book(restaurant)
    read = Appointment.objects.get(pk=appointment.pk)
    assert services.appointment_reminded_mark(appointment=read, field="reminder_sent_at", now=NOW) is True
    assert read.reminder_sent_at == NOW
    assert services.appointment_reminded_mark(appointment=read, field="reminder_sent_at", now=NOW) is False

    stale = Appointment.objects.get(pk=appointment.pk)
    appointment_reschedule(tenant=restaurant, appointment=appointment, new_start=rome(2026, 12, 4, 21), now=NOW)
    assert services.appointment_reminded_mark(appointment=stale, field="second_reminder_sent_at", now=NOW) is False
    assert Appointment.objects.get(pk=appointment.pk).second_reminder_sent_at is None
    with pytest.raises(ValueError, match="Not a reminder"):
        services.appointment_reminded_mark(appointment=stale, field="cancelled_at", now=NOW)


def test_only_the_tenants_test_bookings_are_deleted(restaurant, tables):
    test = _book(restaurant, channel=Appointment.Channel.TEST)
    real = _book(restaurant, start=rome(2026, 12, 5, 20))
    assert services.appointments_trial_delete(tenant=restaurant) == 1
    assert list(Appointment.objects.all()) == [real]
    assert not Appointment.objects.filter(pk=test.pk).exists()
