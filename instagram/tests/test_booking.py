"""Acceptance: a whole booking made in Instagram DMs, through signed webhooks and the fake Send API."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.models import Appointment
from conversations.models import Conversation
from customers.models import Customer
from instagram.tests.conftest import SAMPLE_ACCOUNT_ID, SAMPLE_IGSID, direct_message, payload_bytes
from operators.demo import demo_tenants_seed
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

# A Wednesday afternoon at the demo trattoria (open 19:00-23:30, last seating 22:00).
NOW = datetime(2026, 11, 25, 17, 0, tzinfo=ZoneInfo("Europe/Rome"))


@pytest.fixture
def trattoria(db):
    demo_tenants_seed()
    tenant = Tenant.objects.get(slug="trattoria-demo")
    tenant.instagram_account_id = SAMPLE_ACCOUNT_ID
    tenant.instagram_access_token = "IGAA-trattoria-token"
    tenant.save()
    return tenant


def quick_replies(message: dict) -> dict[str, str]:
    """Title → payload of the quick replies on a sent message."""
    return {q["title"]: q["payload"] for q in message.get("quick_replies", [])}


@time_machine.travel(NOW, tick=False)
def test_instagram_dm_books_a_table_with_quick_replies(trattoria, post_webhook, instagram):
    # The shared sample, signed as Meta signs it: "vorrei prenotare per 2 stasera alle 21".
    assert post_webhook(payload_bytes("instagram_text.json")).status_code == 200

    (question,) = instagram.sends
    assert question["token"] == "IGAA-trattoria-token"
    assert question["body"]["recipient"] == {"id": SAMPLE_IGSID}
    assert question["body"]["messaging_type"] == "RESPONSE"
    message = question["body"]["message"]
    assert "tavolo per 2" in message["text"]
    assert "alle 21:00" in message["text"]
    options = quick_replies(message)
    assert options == {"Sì, prenota": "yes", "Altro orario": "other", "Annulla": "no"}
    assert all(len(q["title"]) <= 20 for q in message["quick_replies"])

    # The customer taps "Sì, prenota": Instagram sends the title as text and the payload as quick_reply.
    assert post_webhook(direct_message("Sì, prenota", quick_reply=options["Sì, prenota"])).status_code == 200

    # One message: the confirmation with the booking code and how to cancel or move it.
    assert len(instagram.sends) == 2
    confirmation = instagram.messages[1]["text"]
    assert "Fatto!" in confirmation
    assert 'scrivi "disdici" o "sposta"' in confirmation
    (appointment,) = Appointment.objects.filter(tenant=trattoria)
    assert (appointment.channel, appointment.party_size, appointment.status) == ("instagram", 2, "confirmed")
    assert appointment.starts_at == datetime(2026, 11, 25, 21, 0, tzinfo=ZoneInfo("Europe/Rome"))
    assert appointment.reference in confirmation
    customer = Customer.objects.get(tenant=trattoria)
    assert (customer.channel, customer.channel_user_id) == ("instagram", SAMPLE_IGSID)
    assert appointment.customer == customer
    assert Conversation.objects.get(customer=customer).channel == "instagram"


@time_machine.travel(NOW, tick=False)
def test_step_by_step_booking_taps_quick_replies_for_every_answer(trattoria, post_webhook, instagram):
    post_webhook(direct_message("vorrei prenotare un tavolo"))
    party = quick_replies(instagram.messages[-1])
    assert "2 persone" in party

    post_webhook(direct_message("2 persone", quick_reply=party["2 persone"]))
    days = quick_replies(instagram.messages[-1])
    assert "Oggi" in days

    post_webhook(direct_message("Oggi", quick_reply=days["Oggi"]))
    times = quick_replies(instagram.messages[-1])
    assert "21:00" in times

    post_webhook(direct_message("21:00", quick_reply=times["21:00"]))
    confirm = quick_replies(instagram.messages[-1])
    post_webhook(direct_message("Sì, prenota", quick_reply=confirm["Sì, prenota"]))

    assert "Fatto!" in instagram.messages[-1]["text"]
    (appointment,) = Appointment.objects.filter(tenant=trattoria)
    assert (appointment.channel, appointment.party_size) == ("instagram", 2)
    assert appointment.starts_at == datetime(2026, 11, 25, 21, 0, tzinfo=ZoneInfo("Europe/Rome"))
