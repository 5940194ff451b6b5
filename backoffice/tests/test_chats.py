""""Try your assistant", clearing test data, and the conversation view with hand-off."""

import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.tests.conftest import ROME
from bookings.models import Appointment
from bookings.services import appointment_book
from conversations.models import Conversation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel, Customer
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TRY_URL = reverse("admin:backoffice_try")
CLEAR_URL = reverse("admin:backoffice_try_clear")


def _chat_url(conversation) -> str:
    return reverse("admin:backoffice_conversation", args=[conversation.pk])


def _handoff_url(conversation) -> str:
    return reverse("admin:backoffice_conversation_handoff", args=[conversation.pk])


def _say(staff, **data) -> str:
    response = staff.post(TRY_URL, data)
    assert response.status_code == 302 and response["Location"] == f"{TRY_URL}#latest"
    return staff.get(TRY_URL).content.decode()


def _choices(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<button type="submit" form="lyo-chat-form" name="choice" value="([^"]+)" class="lyo-option">'
                      r"([^<]+)", html)


# --- Try your assistant ----------------------------------------------------------------


def test_staff_chat_with_their_assistant_until_a_booking_is_made(staff, restaurant):
    html = _say(staff, text="vorrei prenotare un tavolo")
    assert "Per quante persone?" in html
    assert ("party:2", "2 persone") in _choices(html)
    html = _say(staff, choice="party:2")
    days = _choices(html)
    assert days[0] == ("day:2026-12-01", "Oggi")  # buttons and list rows are tappable choices
    html = _say(staff, choice="day:2026-12-04")
    times = _choices(html)
    assert ("slot:2026-12-04T20:00", "20:00") in times
    # Choices offered before the customer's last message are shown, but no longer tappable.
    assert 'class="lyo-option lyo-option-past">Oggi' in html
    html = _say(staff, choice="slot:2026-12-04T20:00")
    assert [value for value, _title in _choices(html)] == ["yes", "other", "no"]
    html = _say(staff, choice="yes")
    assert "Fatto!" in html
    booking = Appointment.objects.get(tenant=restaurant)
    assert (booking.channel, booking.party_size) == ("test", 2)
    assert booking.starts_at == datetime(2026, 12, 4, 20, tzinfo=ROME)
    assert booking.reference in html
    # The staff user chats as their own test customer.
    customer = Customer.objects.get(tenant=restaurant)
    assert (customer.channel, customer.channel_user_id) == ("test", f"staff-{staff.session['_auth_user_id']}")
    assert "Prenotazioni di prova" in html and booking.reference in html.split('id="lyo-test-bookings"')[1]


def test_staff_can_write_in_english(staff, restaurant):
    html = _say(staff, text="what are your opening hours?")
    assert "Our opening hours" in html


def test_the_chat_shows_what_the_assistant_understood(staff, restaurant):
    html = _say(staff, text="un tavolo per 4 venerdì")
    draft = re.search(r'id="lyo-draft">(.*?)</section>', html, re.S).group(1)
    assert "una nuova prenotazione" in draft
    assert re.search(r"<dt>Persone</dt>\s*<dd>4</dd>", draft)
    assert re.search(r"<dt>Data</dt>\s*<dd>2026-12-04</dd>", draft)
    assert "Scelte proposte" in draft


def test_staff_of_another_business_cannot_use_its_test_chat(staff, other_restaurant):
    response = staff.post(TRY_URL, {"tenant": other_restaurant.slug, "text": "ciao"})
    assert response.status_code == 404
    assert staff.get(TRY_URL, {"tenant": other_restaurant.slug}).status_code == 404
    assert not Message.objects.exists() and not Customer.objects.exists()


def test_the_test_chat_lists_only_this_business_test_bookings(staff, restaurant, other_restaurant):
    ours = appointment_book(tenant=restaurant, start=datetime(2026, 12, 4, 21, tzinfo=ROME), party_size=2,
                            channel="test")
    our_real = appointment_book(tenant=restaurant, start=datetime(2026, 12, 4, 20, tzinfo=ROME), party_size=2,
                                channel="whatsapp")
    theirs = appointment_book(tenant=other_restaurant, start=datetime(2026, 12, 4, 20, tzinfo=ROME), party_size=2,
                              channel="test")
    html = staff.get(TRY_URL).content.decode()
    listed = re.search(r'id="lyo-test-bookings">(.*?)</section>', html, re.S).group(1)
    assert '<span class="lyo-count">1</span>' in listed and ours.reference in listed
    assert our_real.reference not in html
    assert theirs.reference not in html and "Osteria Due" not in html


def test_the_test_chat_needs_the_csrf_token(restaurant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(MembershipFactory(tenant=restaurant).user)
    assert client.post(TRY_URL, {"text": "ciao"}).status_code == 403
    assert client.post(CLEAR_URL).status_code == 403
    assert not Message.objects.exists()


def test_clear_removes_only_this_business_test_bookings_and_chats(staff, restaurant, other_restaurant):
    _say(staff, text="ciao")
    test_booking = appointment_book(tenant=restaurant, start=datetime(2026, 12, 4, 20, tzinfo=ROME), party_size=2,
                                    channel="test")
    real_booking = appointment_book(tenant=restaurant, start=datetime(2026, 12, 4, 21, tzinfo=ROME), party_size=2,
                                    channel="whatsapp")
    real_chat = ConversationFactory(customer=CustomerFactory(tenant=restaurant))
    MessageFactory(conversation=real_chat)
    their_test = appointment_book(tenant=other_restaurant, start=datetime(2026, 12, 4, 20, tzinfo=ROME),
                                  party_size=2, channel="test")
    their_test_chat = ConversationFactory(customer=CustomerFactory(tenant=other_restaurant, channel=Channel.TEST))

    assert staff.get(CLEAR_URL).status_code == 405  # a click on a button (POST), never a link
    response = staff.post(CLEAR_URL)
    assert response.status_code == 302 and response["Location"] == TRY_URL
    html = staff.get(TRY_URL).content.decode()
    assert "Dati di prova cancellati: prenotazioni 1, conversazioni 1." in html
    assert "Ancora nessun messaggio." in html
    assert not Appointment.objects.filter(pk=test_booking.pk).exists()
    assert set(Appointment.objects.values_list("pk", flat=True)) == {real_booking.pk, their_test.pk}
    assert set(Conversation.objects.values_list("pk", flat=True)) == {real_chat.pk, their_test_chat.pk}
    assert Message.objects.filter(conversation=real_chat).count() == 1


# --- Conversation view -----------------------------------------------------------------


@pytest.fixture
def conversation(restaurant):
    conversation = ConversationFactory(
        customer=CustomerFactory(tenant=restaurant, display_name="Lucia", phone="393470000123"),
        state={"flow": "book", "step": "time", "draft": {"party": 3, "date": "2026-12-04", "period": "evening"},
               "options": [["slot:2026-12-04T20:00", "20:00"], ["slot:2026-12-04T20:30", "20:30"]]},
    )
    MessageFactory(conversation=conversation, text="Un tavolo per 3 venerdì sera")
    MessageFactory(conversation=conversation, direction="out", processing_status="", delivery_status="read",
                   channel_message_id="wamid.OUT1", text="A che ora?",
                   payload={"type": "list", "text": "A che ora?", "button_label": "Orari",
                            "options": [{"id": "slot:2026-12-04T20:00", "title": "20:00"}]})
    MessageFactory(conversation=conversation, direction="out", processing_status="", delivery_status="failed",
                   channel_message_id="wamid.OUT2", text="Ti aspettiamo!", error_code=131047,
                   error_title="Re-engagement message")
    return conversation


def test_the_conversation_reads_like_a_chat(staff, conversation):
    html = staff.get(_chat_url(conversation)).content.decode()
    bubbles = re.findall(r'<li class="lyo-bubble ([^"]+)"[^>]*>\s*<div class="lyo-bubble-text">([^<]+)<', html)
    assert bubbles == [
        ("lyo-in", "Un tavolo per 3 venerdì sera"),
        ("lyo-out", "A che ora?"),
        ("lyo-out lyo-bubble-failed", "Ti aspettiamo!"),
    ]
    assert 'class="lyo-ticks lyo-ticks-read" title="Letto">✓✓' in html
    assert "Non consegnato: Re-engagement message (131047)" in html
    assert "☰ Orari" in html and 'class="lyo-option lyo-option-past">20:00' in html
    draft = re.search(r'id="lyo-draft">(.*?)</section>', html, re.S).group(1)
    for expected in ("una nuova prenotazione", "l'orario", "<dd>3</dd>", "<dd>2026-12-04</dd>",
                     "<dd>evening</dd>", "<li>20:30</li>"):
        assert expected in draft
    assert "Lucia" in html and "+393470000123" in html


def test_staff_take_over_and_hand_back_a_conversation(staff, conversation):
    html = staff.get(_chat_url(conversation)).content.decode()
    assert 'value="take"' in html and 'value="back"' not in html
    response = staff.post(_handoff_url(conversation), {"action": "take"})
    assert response.status_code == 302 and response["Location"] == _chat_url(conversation)
    conversation.refresh_from_db()
    assert conversation.status == "human"
    html = staff.get(_chat_url(conversation)).content.decode()
    assert "Serve una persona" in html and 'value="back"' in html
    staff.post(_handoff_url(conversation), {"action": "back"})
    conversation.refresh_from_db()
    assert (conversation.status, conversation.state) == ("bot", {})
    assert staff.post(_handoff_url(conversation), {"action": "explode"}).status_code == 400


def test_staff_of_another_business_get_404_on_its_conversations(client, conversation, other_restaurant):
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    assert client.get(_chat_url(conversation)).status_code == 404
    assert client.post(_handoff_url(conversation), {"action": "take"}).status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == "bot"
    assert client.get(reverse("admin:backoffice_conversation", args=[999999])).status_code == 404


def test_the_conversation_admin_page_links_to_the_chat_view(staff, conversation):
    html = staff.get(reverse("admin:conversations_conversation_change", args=[conversation.pk])).content.decode()
    assert f'href="{_chat_url(conversation)}"' in html


def test_anonymous_users_cannot_see_chats(client, conversation):
    for url in (_chat_url(conversation), TRY_URL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_owners_app_messages_show_as_sent_from_the_app(staff, conversation):
    MessageFactory(conversation=conversation, direction="out", processing_status="", delivery_status="sent",
                   channel_message_id="wamid.APP1", text="ok vi aspetto alle 21",
                   payload={"sent_from_app": True, "edited": True})
    MessageFactory(conversation=conversation, direction="out", processing_status="", delivery_status="sent",
                   channel_message_id="wamid.APP2", text="", payload={"sent_from_app": True, "revoked": True})
    html = staff.get(_chat_url(conversation)).content.decode()
    assert "ok vi aspetto alle 21" in html
    assert html.count('class="lyo-from-app"') == 2
    assert "inviato dall'app · modificato" in html
    assert "<em>Eliminato nell'app</em>" in html
