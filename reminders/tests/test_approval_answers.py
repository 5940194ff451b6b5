"""A big party's customer hears staff's answer: free-form in the 24-hour window, else the template, else nothing."""

from datetime import timedelta

import pytest
import time_machine

from bookings.approvals import appointment_approval_accept, appointment_approval_decline, appointment_approval_request
from bookings.tasks import holds_expire_task
from bookings.tests.conftest import NOW, rome
from conversations.models import Message
from conversations.services.conversations import conversation_get_or_open
from customers.tests.factories import CustomerFactory
from reminders.models import MessageTemplate, Purpose

pytestmark = pytest.mark.django_db

AT_20_30 = rome(2026, 12, 5, 20, 30)  # a Saturday


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _request(restaurant, *, name="Giulia Rossi", language="it", wrote_hours_ago=1, hours=2, start=AT_20_30,
             **fields):
    restaurant.approval_party_size, restaurant.approval_hold_hours = 6, hours
    restaurant.save(update_fields=["approval_party_size", "approval_hold_hours"])
    customer = CustomerFactory(tenant=restaurant, display_name=name, language=language, **fields)
    conversation = conversation_get_or_open(tenant=restaurant, customer=customer)
    conversation.last_inbound_at = NOW - timedelta(hours=wrote_hours_ago)
    conversation.save(update_fields=["last_inbound_at"])
    return appointment_approval_request(
        tenant=restaurant, start=start, party_size=6, customer=customer, channel="whatsapp", now=NOW,
    )


def _told(restaurant):
    return list(
        Message.objects.filter(tenant=restaurant, direction=Message.Direction.OUTBOUND).order_by("pk")
    )


def test_an_approval_is_told_in_the_window_as_a_message(restaurant, tables, django_capture_on_commit_callbacks):
    request = _request(restaurant)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_approval_accept(tenant=restaurant, appointment=request, now=NOW + timedelta(minutes=20))
    (message,) = _told(restaurant)
    assert message.text == (
        f"Buone notizie Giulia: {restaurant.name} ha confermato il tuo tavolo per 6 sabato 5 dicembre alle 20:30. "
        f"Codice prenotazione: {request.reference}."
    )
    assert (message.payload["purpose"], "template" in message.payload) == ("staff_booked", False)


def test_a_refusal_is_told_in_english_to_an_english_customer(restaurant, tables, django_capture_on_commit_callbacks):
    request = _request(restaurant, name="Emma Smith", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        appointment_approval_decline(tenant=restaurant, appointment=request, now=NOW + timedelta(minutes=20))
    (message,) = _told(restaurant)
    assert message.text == (
        f"Hi Emma, we're sorry: {restaurant.name} cannot take the table for 6 Saturday 5 December at 20:30. "
        "If you like, write to me for another day or time."
    )


def test_outside_the_window_the_answer_carries_the_staff_template(
    restaurant, tables, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.create(
        tenant=restaurant, purpose=Purpose.STAFF_CANCELLED, name="prenotazione_annullata", language="it",
        parameters="customer_name,date,time",
    )
    request = _request(restaurant, wrote_hours_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_approval_decline(tenant=restaurant, appointment=request, now=NOW + timedelta(minutes=20))
    (message,) = _told(restaurant)
    assert message.payload["template"]["name"] == "prenotazione_annullata"


def test_outside_the_window_without_a_template_or_to_an_opted_out_customer_nothing_is_sent(
    restaurant, tables, django_capture_on_commit_callbacks
):
    silent = _request(restaurant, wrote_hours_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_approval_accept(tenant=restaurant, appointment=silent, now=NOW + timedelta(minutes=20))
    opted_out = _request(restaurant, opted_out_at=NOW - timedelta(days=1), start=rome(2026, 12, 5, 13))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_approval_decline(tenant=restaurant, appointment=opted_out, now=NOW + timedelta(minutes=20))
    assert _told(restaurant) == []
    silent.refresh_from_db()
    assert silent.status == "confirmed"


def test_a_request_nobody_answered_is_declined_politely_when_its_hold_runs_out(
    restaurant, tables, django_capture_on_commit_callbacks
):
    request = _request(restaurant, wrote_hours_ago=0)
    later = NOW + timedelta(hours=2, minutes=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        holds_expire_task()
    request.refresh_from_db()
    (message,) = _told(restaurant)
    assert request.status == "expired"
    assert message.text == (
        f"Ciao Giulia, mi dispiace: {restaurant.name} non è riuscito a confermare in tempo il tavolo per 6 "
        "sabato 5 dicembre alle 20:30, quindi non è prenotato. Scrivimi se vuoi provare un altro orario."
    )
