"""Double confirmation: big parties (or everyone) are asked in their reminder to confirm by a deadline;
unanswered, staff are alerted and, if the business chose it, the booking is released and the customer told."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from alerts.models import Alert
from bookings.models import Appointment
from bookings.services import appointment_customer_confirm
from bookings.signals import appointment_capacity_freed
from conversations.models import Message
from customers.tests.factories import CustomerFactory
from reminders.reconfirm import reconfirmations_missed_handle
from reminders.tasks import reminders_send_due_task
from reminders.tests.conftest import book, reminder_settings, rome

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)  # a Friday evening


@pytest.fixture
def freed():
    heard: list[tuple] = []

    def receiver(sender, tenant, starts_at, resource_id, now, **kwargs):
        heard.append((starts_at, resource_id))

    appointment_capacity_freed.connect(receiver, dispatch_uid="test_reconfirm_freed")
    yield heard
    appointment_capacity_freed.disconnect(dispatch_uid="test_reconfirm_freed")


def _tick(at, capture):
    with time_machine.travel(at, tick=False), capture(execute=True):
        reminders_send_due_task()


def _texts(customer):
    return [m.text for m in Message.objects.filter(
        conversation__customer=customer, direction=Message.Direction.OUTBOUND).order_by("pk")]


def test_a_big_party_is_asked_at_its_own_hour_to_confirm_by_the_deadline(
    trattoria, customer, django_capture_on_commit_callbacks
):
    reminder_settings(trattoria, reconfirm_party_size=6, reconfirm_hours_before=48, reconfirm_deadline_hours=4)
    big = book(trattoria, customer, AT_20, party_size=6)
    small_customer = CustomerFactory(tenant=trattoria, display_name="Luca", language="it")
    small = book(trattoria, small_customer, AT_20, party_size=2)
    _tick(AT_20 - timedelta(hours=48), django_capture_on_commit_callbacks)
    (asked,) = _texts(customer)
    assert "Per favore conferma entro venerdì 4 dicembre alle 16:00 con il pulsante qui sotto" in asked
    assert _texts(small_customer) == []  # its reminder keeps the usual 24 hours, without the deadline
    _tick(AT_20 - timedelta(hours=24), django_capture_on_commit_callbacks)
    (reminded,) = _texts(small_customer)
    assert "Per favore conferma" not in reminded
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.reminder_sent_at, small.reminder_sent_at) == (AT_20 - timedelta(hours=48), AT_20 - timedelta(hours=24))


def test_a_confirmed_booking_passes_its_deadline_quietly(trattoria, customer, django_capture_on_commit_callbacks):
    reminder_settings(trattoria, reconfirm_party_size=1, reconfirm_release=True)
    booking = book(trattoria, customer, AT_20, party_size=2)
    _tick(AT_20 - timedelta(hours=24), django_capture_on_commit_callbacks)
    appointment_customer_confirm(tenant=trattoria, appointment=booking, now=AT_20 - timedelta(hours=20))
    _tick(AT_20 - timedelta(hours=3), django_capture_on_commit_callbacks)
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert not Alert.objects.filter(tenant=trattoria).exists()


def test_unanswered_by_the_deadline_staff_are_alerted_once_and_the_booking_stays(
    trattoria, customer, django_capture_on_commit_callbacks
):
    reminder_settings(trattoria, reconfirm_party_size=6, reconfirm_deadline_hours=3)
    booking = book(trattoria, customer, AT_20, party_size=8)
    _tick(AT_20 - timedelta(hours=24), django_capture_on_commit_callbacks)
    _tick(AT_20 - timedelta(hours=3, minutes=1), django_capture_on_commit_callbacks)
    assert not Alert.objects.filter(tenant=trattoria).exists()
    _tick(AT_20 - timedelta(hours=3), django_capture_on_commit_callbacks)
    _tick(AT_20 - timedelta(hours=2), django_capture_on_commit_callbacks)
    alert = Alert.objects.get(tenant=trattoria)
    assert (alert.kind, alert.event_key, alert.data["change"]) == (
        "last_minute", f"appointment:{booking.pk}:unconfirmed", "unconfirmed",
    )
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_with_release_the_booking_is_cancelled_freed_for_the_waitlist_and_the_customer_told(
    trattoria, customer, freed, django_capture_on_commit_callbacks
):
    reminder_settings(trattoria, reconfirm_party_size=6, reconfirm_deadline_hours=3, reconfirm_release=True)
    booking = book(trattoria, customer, AT_20, party_size=6)
    _tick(AT_20 - timedelta(hours=24), django_capture_on_commit_callbacks)
    # The customer wrote back (not a tap) in the last 24 hours: the news goes free-form.
    conversation = Message.objects.filter(conversation__customer=customer).first().conversation
    conversation.last_inbound_at = AT_20 - timedelta(hours=10)
    conversation.save(update_fields=["last_inbound_at"])
    _tick(AT_20 - timedelta(hours=3), django_capture_on_commit_callbacks)
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_at) == ("cancelled", AT_20 - timedelta(hours=3))
    assert freed == [(booking.starts_at, booking.resource_id)]
    assert _texts(customer)[-1] == (
        "Ciao Giulia, non avendo ricevuto la tua conferma, Trattoria Da Mario ha liberato la prenotazione "
        f"{booking.reference} (venerdì 4 dicembre alle 20:00). Se vuoi ancora venire, scrivimi e cerchiamo un posto."
    )
    assert Alert.objects.get(tenant=trattoria).data["change"] == "released"
    # Once: a cancelled booking is no longer a candidate.
    assert reconfirmations_missed_handle(now=AT_20 - timedelta(hours=2)) == []


def test_a_booking_made_after_the_ask_was_never_asked_and_is_never_released(
    trattoria, customer, django_capture_on_commit_callbacks
):
    reminder_settings(trattoria, reconfirm_party_size=1, reconfirm_release=True)
    booking = book(trattoria, customer, AT_20, party_size=2, booked_at=AT_20 - timedelta(hours=5))
    _tick(AT_20 - timedelta(hours=3), django_capture_on_commit_callbacks)
    booking.refresh_from_db()
    assert (booking.status, booking.reminder_sent_at) == ("confirmed", None)


def test_another_tenants_settings_release_nothing_here(trattoria, customer, django_capture_on_commit_callbacks):
    from tenants.tests.factories import TenantFactory

    other = TenantFactory()
    reminder_settings(other, reconfirm_party_size=1, reconfirm_release=True)
    booking = book(trattoria, customer, AT_20, party_size=2)
    _tick(AT_20 - timedelta(hours=24), django_capture_on_commit_callbacks)
    _tick(AT_20 - timedelta(hours=2), django_capture_on_commit_callbacks)
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.CONFIRMED


def test_the_deadline_must_come_after_the_ask(trattoria):
    settings = reminder_settings(trattoria, reconfirm_party_size=4, reconfirm_hours_before=4,
                                 reconfirm_deadline_hours=4)
    with pytest.raises(ValidationError):
        settings.full_clean()
