"""The owner's app messages that read like a booking confirmation: read with the assistant's grammar, saved on a tap."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bookings.errors import BookingError, SlotUnavailable
from bookings.models import Appointment, Resource
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory, ServiceFactory
from conversations.models import Message
from conversations.services.conversations import conversation_get_or_open
from conversations.services.owner_app import owner_app_message_edit, owner_app_message_record, owner_app_message_revoke
from conversations.services.owner_bookings import (
    BOOKING_SUGGESTION,
    BookingSuggestion,
    SuggestionMissing,
    owner_booking_suggestion_read,
    owner_booking_suggestion_save,
)
from customers.models import Channel
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ROME)  # a Tuesday morning


def _restaurant(**fields):
    tenant = TenantFactory(kind="restaurant", slot_minutes=15, default_duration_minutes=90, **fields)
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(12), closes=time(15))
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(19), closes=time(23))
    for position, seats in enumerate((2, 4, 6)):
        ResourceFactory(tenant=tenant, name=f"T{seats}", min_seats=1, max_seats=seats, position=position)
    return tenant


@pytest.fixture
def restaurant():
    return _restaurant()


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


# What the owner writes, and the booking it confirms (day of December 2026, time, party), or None.
CONFIRMATIONS = [
    ("ok vi aspetto sabato alle 20, siete in 4", (_at(5, 20), 4)),
    ("perfetto, prenotato per domani alle 13 per 2 persone", (_at(2, 13), 2)),
    ("confermato: venerdì alle 21 in 6", (_at(4, 21), 6)),
    ("ok a sabato alle 20 per 4", (_at(5, 20), 4)),
    ("vi aspettiamo sabato alle 20 in 4", (_at(5, 20), 4)),
    ("ok, ti segno per giovedì 10 alle 19:30, 3 persone", (_at(10, 19, 30), 3)),
    ("ok ci vediamo domani alle 20 siete in 3", (_at(2, 20), 3)),
    ("tavolo per 4 sabato alle 20 confermato", (_at(5, 20), 4)),
    ("see you Saturday at 8pm, table for 4", (_at(5, 20), 4)),
    ("booked you in for tomorrow at 1pm for 2", (_at(2, 13), 2)),
    ("all set for Friday at 7:30 pm, party of 5", (_at(4, 19, 30), 5)),
    ("great, table for two on Thursday at 9pm", (_at(3, 21), 2)),
]
NOT_CONFIRMATIONS = [
    "ciao come stai",
    "grazie a voi!",
    "a sabato!",  # no time, no party
    "sabato siamo pieni alle 20, mi dispiace",
    "purtroppo sabato alle 20 per 4 non abbiamo posto",
    "va bene sabato alle 20 per 4?",  # a question, not a confirmation
    "ho annullato la prenotazione di sabato alle 20 per 4",
    "siamo chiusi lunedì",
    "ok vi aspetto sabato alle 20",  # no party: a restaurant cannot book it
    "sorry, we're full on Saturday at 8pm for 4",
    "unfortunately we are closed on Monday at 8pm",
    "see you soon!",
    "can you come on Saturday at 8pm for 4?",
    "ok, oggi alle 8 di mattina per 2",  # already past when written
]


@pytest.mark.parametrize(("text", "expected"), CONFIRMATIONS)
def test_a_confirmation_reads_as_a_booking(restaurant, text, expected):
    suggestion = owner_booking_suggestion_read(tenant=restaurant, text=text, at=NOW)
    assert suggestion is not None, text
    assert (suggestion.starts_at, suggestion.party_size) == expected


@pytest.mark.parametrize("text", NOT_CONFIRMATIONS)
def test_other_messages_suggest_nothing(restaurant, text):
    assert owner_booking_suggestion_read(tenant=restaurant, text=text, at=NOW) is None


def test_a_salon_confirmation_needs_the_service_it_names():
    salon = TenantFactory(kind="salon")
    OpeningHoursFactory(tenant=salon, weekday=5, opens=time(9), closes=time(19))
    cut = ServiceFactory(tenant=salon, name_it="Taglio", name_en="Haircut")
    suggestion = owner_booking_suggestion_read(tenant=salon, text="ok, taglio sabato alle 10, a presto", at=NOW)
    assert suggestion == BookingSuggestion(starts_at=_at(5, 10), party_size=1, service_id=cut.pk)
    assert owner_booking_suggestion_read(tenant=salon, text="ok, sabato alle 10, a presto", at=NOW) is None


def _app_message(tenant, text: str = "ok vi aspetto sabato alle 20, siete in 4", wamid: str = "wamid.APP1"):
    customer = CustomerFactory(tenant=tenant, phone="393471234567", display_name="Giulia")
    conversation = conversation_get_or_open(tenant=tenant, customer=customer)
    message = owner_app_message_record(
        tenant=tenant,
        conversation=conversation,
        channel_message_id=wamid,
        message_type="text",
        text=text,
        channel_payload={},
        at=NOW,
    )
    assert message is not None
    return conversation, message


def test_the_app_message_keeps_its_suggestion_and_nothing_is_booked(restaurant):
    _, message = _app_message(restaurant)
    message.refresh_from_db()
    assert message.payload[BOOKING_SUGGESTION] == {
        "starts_at": _at(5, 20).isoformat(),
        "party_size": 4,
        "service_id": None,
        "staff_id": None,
        "appointment_id": None,
    }
    assert not Appointment.objects.filter(tenant=restaurant).exists()


def test_a_tap_books_through_the_booking_rules_and_a_second_tap_books_nothing_more(restaurant):
    conversation, message = _app_message(restaurant)
    first = owner_booking_suggestion_save(tenant=restaurant, conversation=conversation, message_id=message.pk, now=NOW)
    again = owner_booking_suggestion_save(tenant=restaurant, conversation=conversation, message_id=message.pk, now=NOW)

    assert first.already is False and again.already is True
    assert again.appointment.pk == first.appointment.pk
    booked = Appointment.objects.get(tenant=restaurant)
    assert (booked.starts_at, booked.party_size, booked.customer_id) == (_at(5, 20), 4, conversation.customer_id)
    assert booked.resource.name == "T4"  # the smallest table that seats four
    message.refresh_from_db()
    assert message.payload[BOOKING_SUGGESTION]["appointment_id"] == booked.pk


def test_a_taken_time_is_refused_and_nothing_is_booked(restaurant):
    for table in Resource.objects.filter(tenant=restaurant):  # every table taken at 20:00 on Saturday
        AppointmentFactory(tenant=restaurant, resource=table, starts_at=_at(5, 20), party_size=2)
    conversation, message = _app_message(restaurant)
    booked_before = Appointment.objects.filter(tenant=restaurant).count()
    with pytest.raises(SlotUnavailable):
        owner_booking_suggestion_save(tenant=restaurant, conversation=conversation, message_id=message.pk, now=NOW)
    assert booked_before == 3
    assert Appointment.objects.filter(tenant=restaurant).count() == booked_before
    message.refresh_from_db()
    assert message.payload[BOOKING_SUGGESTION]["appointment_id"] is None


def test_a_closed_time_is_refused(restaurant):
    conversation, message = _app_message(restaurant, text="ok vi aspetto sabato alle 17, siete in 4")
    with pytest.raises(BookingError):
        owner_booking_suggestion_save(tenant=restaurant, conversation=conversation, message_id=message.pk, now=NOW)
    assert not Appointment.objects.filter(tenant=restaurant).exists()


def test_another_business_message_cannot_be_saved(restaurant):
    other = _restaurant()
    _, message = _app_message(restaurant)
    other_conversation = conversation_get_or_open(tenant=other, customer=CustomerFactory(tenant=other))
    with pytest.raises(SuggestionMissing):
        owner_booking_suggestion_save(tenant=other, conversation=other_conversation, message_id=message.pk, now=NOW)
    assert not Appointment.objects.exists()


def test_a_message_without_a_suggestion_cannot_be_saved(restaurant):
    conversation, message = _app_message(restaurant, text="ciao, a presto")
    with pytest.raises(SuggestionMissing):
        owner_booking_suggestion_save(tenant=restaurant, conversation=conversation, message_id=message.pk, now=NOW)


def test_an_edit_reads_the_new_text_and_a_revoke_drops_the_suggestion(restaurant):
    _, message = _app_message(restaurant)
    owner_app_message_edit(
        tenant=restaurant,
        channel=Channel.WHATSAPP,
        channel_message_id="wamid.APP1",
        text="ok vi aspetto domenica alle 21, siete in 2",
    )
    message.refresh_from_db()
    assert (message.payload[BOOKING_SUGGESTION]["starts_at"], message.payload[BOOKING_SUGGESTION]["party_size"]) == (
        _at(6, 21).isoformat(),
        2,
    )
    owner_app_message_revoke(tenant=restaurant, channel=Channel.WHATSAPP, channel_message_id="wamid.APP1")
    message.refresh_from_db()
    assert BOOKING_SUGGESTION not in message.payload


def test_a_saved_booking_survives_an_edit(restaurant):
    conversation, message = _app_message(restaurant)
    saved = owner_booking_suggestion_save(tenant=restaurant, conversation=conversation, message_id=message.pk, now=NOW)
    owner_app_message_edit(tenant=restaurant, channel=Channel.WHATSAPP, channel_message_id="wamid.APP1", text="ciao")
    message.refresh_from_db()
    assert message.payload[BOOKING_SUGGESTION]["appointment_id"] == saved.appointment.pk
    assert Message.objects.get(pk=message.pk).text == "ciao"


@pytest.mark.django_db(transaction=True)
def test_two_taps_at_once_book_once():
    """Two staff (or a double click reaching two workers) tap together: the message's row lock lets one book."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    restaurant = _restaurant()
    conversation, message = _app_message(restaurant)
    start = threading.Barrier(2)
    results: list[bool] = []

    def tap() -> None:
        try:
            start.wait(10)
            saved = owner_booking_suggestion_save(
                tenant=restaurant, conversation=conversation, message_id=message.pk, now=NOW
            )
            results.append(saved.already)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=tap) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)

    assert sorted(results) == [False, True]
    assert Appointment.objects.filter(tenant=restaurant).count() == 1
