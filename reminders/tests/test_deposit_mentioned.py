"""A reminder and the news of what staff changed say what became of the booking's deposit."""

from datetime import timedelta

import pytest

from bookings.models import Appointment
from bookings.services import appointment_staff_change
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import AppointmentFactory
from conversations.models import Message
from customers.tests.factories import CustomerFactory
from payments.models import Payment
from payments.tests.factories import PaymentPolicyFactory
from reminders.models import Purpose
from reminders.services import appointment_change_notify, notification_content

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)  # cut-off 24 hours: until Thursday 3 December, 20:00


@pytest.fixture
def booking(restaurant):
    PaymentPolicyFactory(tenant=restaurant, amount_cents=1000, stripe_secret_key="sk_test_tenant")
    giulia = CustomerFactory(tenant=restaurant, display_name="Giulia", language="it", phone="393471234567")
    return AppointmentFactory(tenant=restaurant, customer=giulia, starts_at=AT_20, party_size=2)


def _paid(booking, cents=2000, *, kind=Payment.Kind.DEPOSIT):
    return Payment.objects.create(
        tenant=booking.tenant,
        appointment=booking,
        customer=booking.customer,
        kind=kind,
        status=Payment.Status.SUCCEEDED,
        amount_cents=cents,
        currency="eur",
        payment_intent_id="pi_1",
    )


def _text(booking, purpose):
    reply, _template = notification_content(tenant=booking.tenant, appointment=booking, purpose=purpose)
    return reply.text


def test_a_reminder_and_a_move_by_staff_say_the_deposit_is_paid(booking):
    _paid(booking)
    assert "(codice " in _text(booking, Purpose.REMINDER)
    assert f"(codice {booking.reference}). Caparra di 20,00 € versata. Confermi?" in _text(booking, Purpose.REMINDER)
    assert _text(booking, Purpose.STAFF_MOVED).endswith(". Caparra di 20,00 € versata.")
    booking.customer.language = "en"
    assert f"(code {booking.reference}). Deposit of 20,00 € paid. Will you be there?" in _text(
        booking, Purpose.REMINDER
    )


@pytest.mark.parametrize("kind", [None, Payment.Kind.GUARANTEE])
def test_without_a_deposit_nothing_is_said_of_one(booking, kind):
    if kind:
        _paid(booking, kind=kind)  # a card saved moves no money: nothing to tell
    assert f"(codice {booking.reference}). Confermi?" in _text(booking, Purpose.REMINDER)
    assert "aparra" not in _text(booking, Purpose.STAFF_MOVED)


def test_a_deposit_still_unpaid_is_not_said_to_be_paid(booking):
    Payment.objects.create(
        tenant=booking.tenant, appointment=booking, kind=Payment.Kind.DEPOSIT, amount_cents=2000, currency="eur"
    )
    assert "aparra" not in _text(booking, Purpose.REMINDER)


def _cancelled_by_staff(booking, now):
    appointment_staff_change(tenant=booking.tenant, appointment=booking, status=Appointment.Status.CANCELLED, now=now)
    return Message.objects.get(direction=Message.Direction.OUTBOUND, payload__purpose="staff_cancelled").text


def test_staff_cancelling_before_the_cut_off_tell_the_deposit_comes_back(booking):
    _paid(booking)
    text = _cancelled_by_staff(booking, NOW)
    assert " La caparra di 20,00 € ti viene restituita per intero. Per prenotare di nuovo" in text
    assert Payment.objects.get(kind="refund").amount_cents == 2000


def test_staff_cancelling_after_it_tell_the_deposit_is_kept(booking, time_machine):
    _paid(booking)
    late = AT_20 - timedelta(hours=3)
    time_machine.move_to(late, tick=False)
    text = _cancelled_by_staff(booking, late)
    assert " La caparra di 20,00 € è trattenuta, come dalle condizioni della prenotazione." in text
    assert not Payment.objects.filter(kind="refund").exists()


def test_another_business_s_deposit_is_never_told(booking, restaurant):
    theirs = AppointmentFactory(starts_at=AT_20)
    Payment.objects.create(
        tenant=theirs.tenant,
        appointment=theirs,
        kind=Payment.Kind.DEPOSIT,
        status=Payment.Status.SUCCEEDED,
        amount_cents=9900,
        currency="eur",
    )
    assert appointment_change_notify(tenant=restaurant, appointment=booking, purpose=Purpose.STAFF_MOVED, now=NOW)
    assert "aparra" not in Message.objects.get(payload__purpose="staff_moved").text
