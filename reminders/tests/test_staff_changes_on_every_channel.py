"""Staff book, move or cancel in the admin: the customer hears of it on the channel they use.

An Instagram customer gets it as an Instagram direct message while Meta's 24-hour
window is open, and never outside it (Instagram has no templates); a Chatwoot customer
gets it posted into their own Chatwoot conversation by the tenant's agent bot.
"""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tests.conftest import NOW, rome
from chatwoot.tests.conftest import BOT_TOKEN, connection_create
from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:bookings_appointment_add")
IGSID = "6543210987654321"
INSTAGRAM_TOKEN = "IGAA-trattoria-token"
# Not Chatwoot's first conversation: the notice must go to the customer's own one.
CHATWOOT_CONVERSATION = 733
# The admin's three changes a customer is told about, and the notice each one sends.
CHANGES = ["book", "move", "cancel"]
PURPOSE = {"book": "staff_booked", "move": "staff_moved", "cancel": "staff_cancelled"}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(client, restaurant):
    client.force_login(MembershipFactory(tenant=restaurant).user)
    return client


def _customer_on(restaurant, channel: str, *, last_wrote, user_id: str, chatwoot_conversation: str = ""):
    """A customer of ``channel`` whose last message (stored and handled) reached us at ``last_wrote``."""
    customer = CustomerFactory(
        tenant=restaurant, channel=channel, channel_user_id=user_id, phone=None, display_name="Giulia",
        language="it",
    )
    conversation = ConversationFactory(
        customer=customer, last_inbound_at=last_wrote, channel_conversation_id=chatwoot_conversation
    )
    with time_machine.travel(last_wrote, tick=False):
        MessageFactory(
            conversation=conversation, channel_message_id=f"{channel}-in-1", channel_timestamp=last_wrote,
            processing_status=Message.Processing.PROCESSED,
        )
    return customer


def _instagram_customer(restaurant, *, last_wrote):
    restaurant.instagram_account_id = "17841400000000001"
    restaurant.instagram_access_token = INSTAGRAM_TOKEN
    restaurant.save()
    return _customer_on(restaurant, Channel.INSTAGRAM, last_wrote=last_wrote, user_id=IGSID)


def _staff_change(staff, restaurant, customer, change: str) -> Appointment:
    """Staff make ``change`` in the admin for ``customer``; only the admin's own notice is on the commit queue."""
    if change == "book":
        response = staff.post(ADD_URL, {
            "tenant": restaurant.pk, "customer": customer.pk, "starts_at_0": "2026-12-04", "starts_at_1": "20:00",
            "party_size": 2, "notes": "", "service": "", "resource": "",
        })
        assert response.status_code == 302, response.context["adminform"].form.errors
        return Appointment.objects.get(tenant=restaurant)
    appointment = appointment_book(
        tenant=restaurant, start=rome(2026, 12, 4, 20), party_size=2, channel=customer.channel, customer=customer
    )
    data = {
        "customer": customer.pk, "service": "", "resource": appointment.resource_id, "starts_at_0": "2026-12-04",
        "starts_at_1": "21:00" if change == "move" else "20:00", "party_size": 2,
        "status": "cancelled" if change == "cancel" else "confirmed", "notes": "",
    }
    response = staff.post(reverse("admin:bookings_appointment_change", args=[appointment.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return appointment


def _notices():
    return Message.objects.filter(direction=Message.Direction.OUTBOUND)


@pytest.mark.parametrize("change", CHANGES)
def test_an_instagram_customer_who_wrote_today_gets_the_notice_as_one_instagram_message(
    staff, restaurant, tables, instagram, django_capture_on_commit_callbacks, change
):
    customer = _instagram_customer(restaurant, last_wrote=NOW - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = _staff_change(staff, restaurant, customer, change)

    notice = _notices().get()
    assert (notice.conversation.customer, notice.channel) == (customer, "instagram")
    assert (notice.payload["purpose"], notice.payload["reference"]) == (PURPOSE[change], appointment.reference)
    assert notice.text.startswith(f"Ciao Giulia, {restaurant.name} ha ")
    assert notice.delivery_status == "sent"
    assert instagram.sends == [{
        "token": INSTAGRAM_TOKEN,
        "body": {"recipient": {"id": IGSID}, "messaging_type": "RESPONSE", "message": {"text": notice.text}},
    }]
    assert notice.channel_message_id == "mid.SENT0001"


@pytest.mark.parametrize("change", CHANGES)
def test_a_chatwoot_customer_gets_the_notice_posted_into_their_own_chatwoot_conversation(
    staff, restaurant, tables, chatwoot, django_capture_on_commit_callbacks, change
):
    connection_create(restaurant, account_id=4)
    customer = _customer_on(
        restaurant, Channel.CHATWOOT, last_wrote=NOW - timedelta(hours=2), user_id="77",
        chatwoot_conversation=str(CHATWOOT_CONVERSATION),
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment = _staff_change(staff, restaurant, customer, change)

    notice = _notices().get()
    assert (notice.conversation.customer, notice.channel) == (customer, "chatwoot")
    assert (notice.payload["purpose"], notice.payload["reference"]) == (PURPOSE[change], appointment.reference)
    assert notice.delivery_status == "sent"
    assert chatwoot.messages == [{
        "account_id": 4, "conversation_id": CHATWOOT_CONVERSATION, "token": BOT_TOKEN,
        "body": {"content": notice.text, "message_type": "outgoing", "private": False, "content_type": "text"},
    }]
    assert chatwoot.statuses == []
    assert notice.channel_message_id == f"{restaurant.pk}:9001"


@pytest.mark.parametrize("change", CHANGES)
def test_an_instagram_customer_silent_for_3_days_gets_the_notice_recorded_not_sendable_and_never_attempted(
    staff, restaurant, tables, instagram, django_capture_on_commit_callbacks, change
):
    customer = _instagram_customer(restaurant, last_wrote=NOW - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        _staff_change(staff, restaurant, customer, change)

    notice = _notices().get()
    assert (notice.channel, notice.payload["purpose"]) == ("instagram", PURPOSE[change])
    assert notice.delivery_status == "not_sendable"
    assert "24-hour window" in notice.error_title
    assert instagram.sends == []
