"""After the fact: ended bookings become completed, staff record no-shows, customers confirm, moves re-arm reminders."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from bookings.errors import AppointmentNotActive
from bookings.models import Appointment
from bookings.services import (
    appointment_book,
    appointment_cancel,
    appointment_customer_confirm,
    appointment_reschedule,
    appointment_status_set,
    appointments_past_complete,
)
from bookings.tasks import appointments_complete_task
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


def _book(tenant, start=AT_20):
    return appointment_book(tenant=tenant, start=start, party_size=2, channel="whatsapp", now=NOW)


def test_bookings_that_have_ended_become_completed(restaurant, tables):
    ended = _book(restaurant)
    running = _book(restaurant, start=rome(2026, 12, 4, 21))
    cancelled = _book(restaurant, start=rome(2026, 12, 4, 12))
    appointment_cancel(tenant=restaurant, appointment=cancelled, now=NOW)

    assert appointments_past_complete(now=ended.ends_at - timedelta(seconds=1)) == 0  # lunch was cancelled
    assert appointments_past_complete(now=ended.ends_at) == 1
    assert appointments_past_complete(now=ended.ends_at) == 0
    assert dict(Appointment.objects.values_list("pk", "status")) == {
        ended.pk: "completed", running.pk: "confirmed", cancelled.pk: "cancelled",
    }


def test_the_periodic_task_completes_ended_bookings(restaurant, tables):
    ended = _book(restaurant)
    with time_machine.travel(ended.ends_at + timedelta(minutes=1), tick=False):
        appointments_complete_task.delay()
    ended.refresh_from_db()
    assert ended.status == "completed"
    assert "appointments-complete" in settings.CELERY_BEAT_SCHEDULE


def test_a_no_show_needs_the_booking_to_have_started(restaurant, tables):
    appointment = _book(restaurant)
    before = AT_20 - timedelta(minutes=1)
    with pytest.raises(AppointmentNotActive, match="not started"):
        appointment_status_set(tenant=restaurant, appointment=appointment, status="no_show", now=before)
    done = appointment_status_set(tenant=restaurant, appointment=appointment, status="no_show", now=AT_20)
    assert done.status == appointment.status == "no_show"


def test_staff_turn_an_automatically_completed_booking_into_a_no_show_and_back(restaurant, tables):
    appointment = _book(restaurant)
    appointments_past_complete(now=appointment.ends_at)
    later = appointment.ends_at + timedelta(hours=1)
    assert appointment_status_set(tenant=restaurant, appointment=appointment, status="no_show", now=later).status == (
        "no_show"
    )
    assert appointment_status_set(tenant=restaurant, appointment=appointment, status="completed", now=later).status == (
        "completed"
    )
    with pytest.raises(AppointmentNotActive):
        appointment_status_set(tenant=restaurant, appointment=appointment, status="confirmed", now=later)


def test_a_cancelled_booking_is_never_a_no_show(restaurant, tables):
    appointment = _book(restaurant)
    appointment_cancel(tenant=restaurant, appointment=appointment, now=NOW)
    with pytest.raises(AppointmentNotActive):
        appointment_status_set(tenant=restaurant, appointment=appointment, status="no_show", now=AT_20)


def test_the_customer_confirms_once_and_only_a_booking_still_to_come(restaurant, tables):
    appointment = _book(restaurant)
    appointment_customer_confirm(tenant=restaurant, appointment=appointment, now=NOW)
    appointment_customer_confirm(tenant=restaurant, appointment=appointment, now=NOW + timedelta(hours=1))
    appointment.refresh_from_db()
    assert appointment.customer_confirmed_at == NOW
    with pytest.raises(AppointmentNotActive):
        appointment_customer_confirm(tenant=restaurant, appointment=appointment, now=AT_20)


def test_confirming_another_tenants_booking_finds_nothing(restaurant, tables):
    foreign = AppointmentFactory(starts_at=AT_20)
    with pytest.raises(Appointment.DoesNotExist):
        appointment_customer_confirm(tenant=restaurant, appointment=foreign, now=NOW)
    foreign.refresh_from_db()
    assert foreign.customer_confirmed_at is None


def test_a_move_re_arms_the_reminders_and_asks_for_a_new_confirmation(restaurant, tables):
    appointment = _book(restaurant)
    Appointment.objects.filter(pk=appointment.pk).update(
        reminder_sent_at=NOW, second_reminder_sent_at=NOW, customer_confirmed_at=NOW
    )
    appointment.refresh_from_db()

    same_time = appointment_reschedule(
        tenant=restaurant, appointment=appointment, new_start=AT_20, party_size=3, by_staff=True, now=NOW
    )
    assert (same_time.reminder_sent_at, same_time.customer_confirmed_at) == (NOW, NOW)

    moved = appointment_reschedule(
        tenant=restaurant, appointment=appointment, new_start=rome(2026, 12, 5, 20), by_staff=True, now=NOW
    )
    assert (moved.reminder_sent_at, moved.second_reminder_sent_at, moved.customer_confirmed_at) == (None, None, None)
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None and appointment.customer_confirmed_at is None
