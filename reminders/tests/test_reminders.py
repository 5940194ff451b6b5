"""Reminders: N hours before each confirmed booking, each exactly once, never at night, never for a cancellation."""

import threading
from datetime import UTC, datetime, time, timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from bookings.models import Appointment
from bookings.services import appointment_cancel
from bookings.tests.factories import ServiceFactory
from conversations.models import Message
from customers.tests.factories import CustomerFactory
from reminders import services
from reminders.selectors import ReminderKind, reminders_due
from reminders.services import reminder_send, reminders_send_due
from reminders.tasks import reminders_send_due_task
from reminders.tests.conftest import book, reminder_settings, rome
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)  # a Friday evening


def _outbound(**filters):
    return Message.objects.filter(direction=Message.Direction.OUTBOUND, **filters)


def _run(at: datetime) -> list:
    with time_machine.travel(at, tick=False):
        return reminders_send_due()


def test_a_reminder_goes_24_hours_before_and_only_once(trattoria, customer, django_capture_on_commit_callbacks):
    appointment = book(trattoria, customer, AT_20)

    assert _run(AT_20 - timedelta(hours=24, minutes=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        sent = _run(AT_20 - timedelta(hours=24))
    assert [(s.reminder.appointment.pk, s.reminder.kind) for s in sent] == [(appointment.pk, ReminderKind.FIRST)]
    assert _run(AT_20 - timedelta(hours=23)) == []
    assert _run(AT_20 - timedelta(minutes=1)) == []

    appointment.refresh_from_db()
    assert appointment.reminder_sent_at == AT_20 - timedelta(hours=24)
    message = _outbound().get()
    assert (message.tenant, message.conversation.customer, message.reply_to) == (trattoria, customer, None)
    assert message.payload["purpose"] == "reminder" and message.payload["reference"] == appointment.reference
    assert [o["id"] for o in message.payload["options"]] == [
        f"remind:confirm:{appointment.reference}", f"remind:cancel:{appointment.reference}"
    ]
    assert "Ciao Giulia, ti ricordiamo la prenotazione da Trattoria Da Mario" in message.text
    assert "venerdì 4 dicembre alle 20:00" in message.text


def test_no_reminder_for_a_cancelled_booking(trattoria, customer):
    appointment = book(trattoria, customer, AT_20)
    appointment_cancel(tenant=trattoria, appointment=appointment, by_staff=True, now=AT_20 - timedelta(days=2))
    assert _run(AT_20 - timedelta(hours=24)) == []
    assert _run(AT_20 - timedelta(hours=1)) == []
    assert not _outbound().exists()


def test_a_booking_cancelled_after_it_was_found_due_is_not_reminded(trattoria, customer):
    book(trattoria, customer, AT_20)
    now = AT_20 - timedelta(hours=24)
    (due,) = reminders_due(now=now)
    appointment_cancel(tenant=trattoria, appointment=due.appointment, by_staff=True, now=now)
    assert reminder_send(reminder=due, now=now) is None
    assert not _outbound().exists()


def test_no_reminder_for_a_booking_without_customer_or_of_an_inactive_tenant(trattoria, customer):
    book(trattoria, None, AT_20)
    other = TenantFactory(is_active=False)
    book(other, CustomerFactory(tenant=other), AT_20)
    assert _run(AT_20 - timedelta(hours=2)) == []


def test_a_second_reminder_two_hours_before(trattoria, customer):
    reminder_settings(trattoria, hours_before=24, second_hours_before=2)
    appointment = book(trattoria, customer, AT_20)

    assert [s.reminder.kind for s in _run(AT_20 - timedelta(hours=24))] == [ReminderKind.FIRST]
    assert _run(AT_20 - timedelta(hours=3)) == []
    assert [s.reminder.kind for s in _run(AT_20 - timedelta(hours=2))] == [ReminderKind.SECOND]
    assert _run(AT_20 - timedelta(minutes=30)) == []
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at and appointment.second_reminder_sent_at
    assert _outbound().count() == 2


def test_after_an_outage_only_the_latest_reminder_goes(trattoria, customer):
    reminder_settings(trattoria, hours_before=24, second_hours_before=2)
    appointment = book(trattoria, customer, AT_20)
    assert [s.reminder.kind for s in _run(AT_20 - timedelta(hours=1))] == [ReminderKind.SECOND]
    assert _run(AT_20 - timedelta(minutes=50)) == []
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None
    assert _outbound().count() == 1


def test_a_booking_made_after_its_reminder_time_gets_only_the_later_reminder(trattoria, customer):
    reminder_settings(trattoria, hours_before=24, second_hours_before=2)
    book(trattoria, customer, AT_20, booked_at=AT_20 - timedelta(hours=10))
    assert _run(AT_20 - timedelta(hours=9)) == []
    assert [s.reminder.kind for s in _run(AT_20 - timedelta(hours=2))] == [ReminderKind.SECOND]


def test_no_reminder_when_the_tenant_turned_them_off(trattoria, customer):
    reminder_settings(trattoria, reminders_enabled=False)
    book(trattoria, customer, AT_20)
    assert _run(AT_20 - timedelta(hours=1)) == []


def test_quiet_hours_hold_the_reminder_until_they_end_across_the_clock_change(trattoria, customer):
    # Sunday 25 October 2026, 20:00 CET: 24 hours before is Saturday 21:00 CEST, inside
    # the quiet hours 21:00-09:00. The clocks go back that night, so the quiet hours end
    # at 09:00 CET = 08:00 UTC (an hour after 09:00 summer time would have been).
    reminder_settings(trattoria, quiet_hours_start=time(21), quiet_hours_end=time(9))
    starts_at = rome(2026, 10, 25, 20)
    appointment = book(trattoria, customer, starts_at)

    assert _run(datetime(2026, 10, 24, 19, 0, tzinfo=UTC)) == []  # 21:00 CEST: quiet
    assert _run(datetime(2026, 10, 25, 3, 0, tzinfo=UTC)) == []
    assert _run(datetime(2026, 10, 25, 7, 0, tzinfo=UTC)) == []  # 08:00 CET (09:00 by summer time)
    assert _run(datetime(2026, 10, 25, 7, 59, tzinfo=UTC)) == []
    assert len(_run(datetime(2026, 10, 25, 8, 0, tzinfo=UTC))) == 1  # 09:00 CET
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at == rome(2026, 10, 25, 9)


def test_quiet_hours_when_the_clocks_go_forward(trattoria, customer):
    reminder_settings(trattoria, quiet_hours_start=time(19), quiet_hours_end=time(9))
    book(trattoria, customer, rome(2026, 3, 29, 20))  # 24 h before: Saturday 20:00 CET, quiet
    assert _run(datetime(2026, 3, 29, 6, 59, tzinfo=UTC)) == []  # 08:59 CEST
    assert len(_run(datetime(2026, 3, 29, 7, 0, tzinfo=UTC))) == 1  # 09:00 CEST


def test_quiet_hours_that_end_after_the_start_skip_the_reminder(trattoria, customer):
    reminder_settings(trattoria, hours_before=2, quiet_hours_start=time(22), quiet_hours_end=time(10))
    book(trattoria, customer, rome(2026, 12, 4, 9, 30))  # 2 h before is 07:30: quiet until 10:00
    assert _run(rome(2026, 12, 4, 7, 30)) == []
    assert _run(rome(2026, 12, 4, 9, 29)) == []
    assert not _outbound().exists()


def test_each_tenant_is_reminded_by_its_own_settings_in_its_own_conversations(trattoria, customer):
    other = TenantFactory(name="Salone Luca", kind="salon", timezone="Europe/London")
    other_customer = CustomerFactory(tenant=other, phone=customer.phone, display_name="Luca", language="en")
    reminder_settings(trattoria, reminders_enabled=False)
    mine = book(trattoria, customer, AT_20)
    theirs = book(other, other_customer, AT_20)

    sent = _run(AT_20 - timedelta(hours=24))
    assert [s.reminder.appointment.pk for s in sent] == [theirs.pk]
    message = _outbound().get()
    assert (message.tenant, message.conversation.customer) == (other, other_customer)
    assert "Hi Luca, a reminder of your booking at Salone Luca" in message.text
    assert "Friday 4 December at 19:00" in message.text  # London time
    mine.refresh_from_db()
    assert mine.reminder_sent_at is None


def test_a_crash_after_the_claim_leaves_nothing_claimed_and_the_next_run_sends_it(trattoria, customer):
    appointment = book(trattoria, customer, AT_20)
    with (
        mock.patch.object(services, "_notification_queue", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError),
    ):
        _run(AT_20 - timedelta(hours=24))
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None and not _outbound().exists()

    assert len(_run(AT_20 - timedelta(hours=23, minutes=59))) == 1
    assert _run(AT_20 - timedelta(hours=23, minutes=58)) == []
    assert _outbound().count() == 1


def test_the_periodic_task_queues_the_due_reminders(trattoria, customer):
    book(trattoria, customer, AT_20)
    with time_machine.travel(AT_20 - timedelta(hours=24), tick=False):
        reminders_send_due_task.delay()
    assert _outbound().count() == 1
    assert "reminders-send-due" in settings.CELERY_BEAT_SCHEDULE


def test_send_due_reminders_dry_run_lists_and_sends_nothing(trattoria, customer):
    appointment = book(trattoria, customer, AT_20)
    out = StringIO()
    with time_machine.travel(AT_20 - timedelta(hours=20), tick=False):
        call_command("send_due_reminders", "--dry-run", stdout=out)
    assert f"{trattoria.slug} {appointment.reference} 2026-12-04 20:00 (Europe/Rome) 24 h reminder" in out.getvalue()
    assert "1 reminder(s) due (dry run: nothing sent)." in out.getvalue()
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is None and not _outbound().exists()

    out = StringIO()
    with time_machine.travel(AT_20 - timedelta(hours=20), tick=False):
        call_command("send_due_reminders", stdout=out)
        call_command("send_due_reminders", stdout=out)
    assert "1 reminder(s) queued." in out.getvalue() and "0 reminder(s) queued." in out.getvalue()
    assert _outbound().count() == 1


def test_send_due_reminders_for_one_tenant(trattoria, customer):
    other = TenantFactory()
    book(trattoria, customer, AT_20)
    book(other, CustomerFactory(tenant=other), AT_20)
    out = StringIO()
    with time_machine.travel(AT_20 - timedelta(hours=20), tick=False):
        call_command("send_due_reminders", "--tenant", other.slug, stdout=out)
    assert _outbound().get().tenant == other


# --- Two beat instances at once (PostgreSQL) -----------------------------------------

needs_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so there is no race to lose",
)


def _in_two_threads(run) -> list:
    barrier = threading.Barrier(2)
    results: list = []

    def target():
        try:
            results.append(run(barrier))
        except Exception as error:  # reported by the callers' assertions
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def six_due(transactional_db):
    tenant = TenantFactory()
    appointments = [book(tenant, CustomerFactory(tenant=tenant), AT_20 + timedelta(minutes=15 * i)) for i in range(6)]
    return tenant, appointments, AT_20 - timedelta(hours=22)  # every one of them is due then


@needs_postgresql
@override_settings(LYO_SEND_BACKEND="console")
def test_two_runs_that_found_the_same_reminders_send_each_exactly_once(six_due):
    tenant, appointments, now = six_due

    def run(barrier):
        barrier.wait(timeout=30)
        due = reminders_due(now=now)
        barrier.wait(timeout=30)  # both have found every reminder due before either claims one
        return [reminder_send(reminder=reminder, now=now) for reminder in due]

    results = _in_two_threads(run)
    assert all(isinstance(result, list) and len(result) == len(appointments) for result in results), results
    assert sum(message is not None for result in results for message in result) == len(appointments)
    assert _outbound().count() == len(appointments)
    assert not Appointment.objects.filter(tenant=tenant, reminder_sent_at__isnull=True).exists()


@needs_postgresql
@override_settings(LYO_SEND_BACKEND="console")
def test_the_task_running_twice_at_once_sends_each_reminder_exactly_once(six_due):
    _, appointments, now = six_due

    def run(barrier):
        barrier.wait(timeout=30)
        return reminders_send_due(now=now)

    results = _in_two_threads(run)
    assert all(isinstance(result, list) for result in results), results
    assert sorted(sent.reminder.appointment.pk for result in results for sent in result) == sorted(
        a.pk for a in appointments
    )
    assert _outbound().count() == len(appointments)


def test_a_visit_of_two_services_is_reminded_once_naming_both(trattoria, customer, django_capture_on_commit_callbacks):
    colour = ServiceFactory(tenant=trattoria, name_it="Colore")
    blow_dry = ServiceFactory(tenant=trattoria, name_it="Piega")
    first = book(trattoria, customer, AT_20, service=colour)
    book(trattoria, customer, first.blocks_until, service=blow_dry, visit_first=first)
    with django_capture_on_commit_callbacks(execute=True):
        sent = _run(AT_20 - timedelta(hours=24))
    assert [s.reminder.appointment.pk for s in sent] == [first.pk]
    assert "Trattoria Da Mario: Colore e piega, venerdì 4 dicembre alle 20:00" in _outbound().get().text
