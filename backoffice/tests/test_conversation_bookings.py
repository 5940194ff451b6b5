"""A conversation lists the bookings made in it; a booking's admin page links back to its conversation."""

from datetime import datetime

import pytest
from django.urls import reverse

from backoffice.tests.conftest import ROME
from bookings.models import Appointment
from bookings.services import appointment_book
from conversations.models import Conversation, ConversationBooking
from conversations.services.conversations import conversation_booking_link
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TRY_URL = reverse("admin:backoffice_try")


def _chat_url(conversation) -> str:
    return reverse("admin:backoffice_conversation", args=[conversation.pk])


def _booking_url(appointment) -> str:
    return reverse("admin:bookings_appointment_change", args=[appointment.pk])


def _book(tenant, customer, hour: int) -> Appointment:
    return appointment_book(
        tenant=tenant, start=datetime(2026, 12, 4, hour, tzinfo=ROME), party_size=2, customer=customer,
        channel="whatsapp",
    )


def test_a_booking_the_assistant_makes_is_linked_to_its_conversation_both_ways(staff, restaurant):
    for step in ({"text": "vorrei prenotare un tavolo"}, {"choice": "party:2"}, {"choice": "day:2026-12-04"},
                 {"choice": "slot:2026-12-04T20:00"}, {"choice": "yes"}):
        assert staff.post(TRY_URL, step).status_code == 302
    booking = Appointment.objects.get(tenant=restaurant)
    conversation = Conversation.objects.get(tenant=restaurant)
    link = ConversationBooking.objects.get()
    assert (link.conversation, link.appointment, link.tenant) == (conversation, booking, restaurant)

    chat = staff.get(_chat_url(conversation)).content.decode()
    assert "Prenotazioni fatte in questa conversazione:" in chat
    assert f'<a href="{_booking_url(booking)}">{booking.reference} · Ven 4 Dic 20:00</a>' in chat

    page = staff.get(_booking_url(booking)).content.decode()
    assert f'<a href="{_chat_url(conversation)}" id="lyo-booking-conversation">Conversazione</a>' in page


def test_linking_twice_keeps_the_conversation_the_booking_was_made_in(restaurant):
    customer = CustomerFactory(tenant=restaurant)
    first = ConversationFactory(customer=customer)
    booking = _book(restaurant, customer, 20)
    conversation_booking_link(conversation=first, appointment=booking)
    first.status = Conversation.Status.CLOSED
    first.save()
    later = ConversationFactory(customer=customer)
    conversation_booking_link(conversation=later, appointment=booking)  # e.g. moved in a later chat
    assert list(ConversationBooking.objects.values_list("conversation", flat=True)) == [first.pk]


def test_a_conversation_lists_only_its_own_bookings(staff, restaurant):
    customer = CustomerFactory(tenant=restaurant)
    conversation = ConversationFactory(customer=customer)
    made_here = _book(restaurant, customer, 20)
    by_staff = appointment_book(  # booked by phone: no conversation
        tenant=restaurant, start=datetime(2026, 12, 4, 13, tzinfo=ROME), party_size=2, customer=customer,
        channel="admin", by_staff=True,
    )
    conversation_booking_link(conversation=conversation, appointment=made_here)
    chat = staff.get(_chat_url(conversation)).content.decode()
    assert _booking_url(made_here) in chat
    assert _booking_url(by_staff) not in chat
    assert 'id="lyo-booking-conversation"' not in staff.get(_booking_url(by_staff)).content.decode()


def test_a_conversation_without_bookings_shows_no_bookings_line(staff, restaurant):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=restaurant))
    assert 'id="lyo-conversation-bookings"' not in staff.get(_chat_url(conversation)).content.decode()


def test_another_business_sees_neither_the_conversation_nor_the_booking(client, restaurant, other_restaurant):
    customer = CustomerFactory(tenant=restaurant)
    conversation = ConversationFactory(customer=customer)
    booking = _book(restaurant, customer, 20)
    conversation_booking_link(conversation=conversation, appointment=booking)
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    assert client.get(_chat_url(conversation)).status_code == 404
    assert client.get(_booking_url(booking)).status_code in (302, 404)
    assert ConversationBooking.objects.get().conversation == conversation
