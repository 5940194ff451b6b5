"""The conversation page's "Save this booking" under the owner's app message: one tap, once, politely refused."""

from datetime import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.tests.conftest import NOW, ROME
from bookings.models import Appointment, Resource
from bookings.tests.factories import AppointmentFactory
from conversations.models import ConversationBooking
from conversations.services.conversations import conversation_get_or_open
from conversations.services.owner_app import owner_app_message_record
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

SATURDAY_EIGHT = datetime(2026, 12, 5, 20, 0, tzinfo=ROME)


def _app_message(tenant, text: str = "ok vi aspetto sabato alle 20, siete in 4"):
    customer = CustomerFactory(tenant=tenant, phone="393471234567", display_name="Giulia")
    conversation = conversation_get_or_open(tenant=tenant, customer=customer)
    message = owner_app_message_record(
        tenant=tenant,
        conversation=conversation,
        channel_message_id=f"wamid.{tenant.pk.hex[:8]}",
        message_type="text",
        text=text,
        channel_payload={},
        at=NOW,
    )
    return conversation, message


def _urls(conversation, message) -> tuple[str, str]:
    return (
        reverse("admin:backoffice_conversation", args=[conversation.pk]),
        reverse("admin:backoffice_conversation_booking_save", args=[conversation.pk, message.pk]),
    )


def test_the_page_offers_the_booking_and_one_tap_saves_it_once(staff, restaurant):
    conversation, message = _app_message(restaurant)
    page_url, save_url = _urls(conversation, message)
    page = staff.get(page_url).content.decode()
    assert f'id="lyo-suggestion-{message.pk}"' in page
    assert "Salva questa prenotazione" in page or "Save this booking" in page
    assert 'action="' + save_url + '"' in page
    assert not Appointment.objects.filter(tenant=restaurant).exists()  # nothing without the tap

    response = staff.post(save_url, follow=True)
    booked = Appointment.objects.get(tenant=restaurant)
    assert (booked.starts_at, booked.party_size, booked.customer_id) == (SATURDAY_EIGHT, 4, conversation.customer_id)
    assert booked.reference in response.content.decode()
    assert ConversationBooking.objects.get(appointment=booked).conversation_id == conversation.pk
    # The button is gone; the saved booking's code shows instead.
    page = staff.get(page_url).content.decode()
    assert save_url not in page
    assert booked.reference in page

    staff.post(save_url)  # tapped again (a second tab, a double click)
    assert Appointment.objects.filter(tenant=restaurant).count() == 1


def test_a_taken_time_is_explained_and_nothing_is_booked(staff, restaurant):
    for table in Resource.objects.filter(tenant=restaurant):
        AppointmentFactory(tenant=restaurant, resource=table, starts_at=SATURDAY_EIGHT, party_size=2)
    conversation, message = _app_message(restaurant)
    _, save_url = _urls(conversation, message)
    staff.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    response = staff.post(save_url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved:" in page
    assert "Free nearby:" in page  # the nearest free times, as on the day view
    assert Appointment.objects.filter(tenant=restaurant).count() == 3


def test_another_business_staff_cannot_see_or_save_it(client, restaurant, other_restaurant):
    conversation, message = _app_message(restaurant)
    page_url, save_url = _urls(conversation, message)
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    assert client.get(page_url).status_code == 404
    assert client.post(save_url).status_code == 404
    assert not Appointment.objects.exists()


def test_a_message_of_another_conversation_is_a_404(staff, restaurant):
    _, message = _app_message(restaurant)
    other = conversation_get_or_open(tenant=restaurant, customer=CustomerFactory(tenant=restaurant, phone="39333"))
    assert (
        staff.post(reverse("admin:backoffice_conversation_booking_save", args=[other.pk, message.pk])).status_code
        == 404
    )
    assert not Appointment.objects.exists()


def test_saving_needs_a_post(staff, restaurant):
    conversation, message = _app_message(restaurant)
    _, save_url = _urls(conversation, message)
    assert staff.get(save_url).status_code == 405
    assert not Appointment.objects.exists()
