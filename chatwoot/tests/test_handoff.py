"""Acceptance: the assistant answers in Chatwoot, hands off to people there, and stays silent until handed back."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment
from chatwoot.tests.conftest import BOT_TOKEN, connection_create, incoming, payload_bytes, status_event
from conversations.models import Conversation, Message
from operators.demo import demo_tenants_seed
from tenants.models import Tenant
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# A Wednesday evening at the demo trattoria (2026-11-25).
NOW = datetime(2026, 11, 25, 17, 0, tzinfo=ZoneInfo("Europe/Rome"))


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def trattoria(db):
    demo_tenants_seed()
    tenant = Tenant.objects.get(slug="trattoria-demo")
    connection_create(tenant)
    return tenant


def conversation() -> Conversation:
    return Conversation.objects.get(channel="chatwoot", channel_conversation_id="512")


def replies_to(text_fragment: str) -> int:
    return Message.objects.filter(direction=Message.Direction.OUTBOUND, reply_to__text__contains=text_fragment).count()


def test_a_booking_question_is_answered_in_its_chatwoot_conversation(trattoria, post_event, chatwoot):
    # "Buongiorno, avete posto sabato sera per 3?"
    post_event(payload_bytes("chatwoot_message_created.json"))

    (reply,) = chatwoot.messages
    assert (reply["account_id"], reply["conversation_id"], reply["token"]) == (1, 512, BOT_TOKEN)
    content = reply["body"]["content"]
    assert "sabato 28 novembre" in content
    # The free times are offered as a numbered list the customer answers by number.
    assert "\n1. " in content
    assert content.endswith("Rispondi con il numero.")


def test_a_numbered_answer_picks_the_option_and_books(trattoria, post_event, chatwoot):
    post_event(incoming("vorrei prenotare per 2 stasera alle 21"))
    assert "1. Sì, prenota" in chatwoot.contents[-1]

    post_event(incoming("1"))

    assert "Fatto!" in chatwoot.contents[-1]
    (appointment,) = Appointment.objects.filter(tenant=trattoria)
    assert (appointment.channel, appointment.party_size) == ("chatwoot", 2)
    assert {call["conversation_id"] for call in chatwoot.messages} == {512}


def test_asking_for_a_person_opens_the_conversation_and_silences_the_assistant(trattoria, post_event, chatwoot):
    post_event(incoming("voglio parlare con una persona"))

    assert conversation().status == Conversation.Status.HUMAN
    assert "Ti metto in contatto con una persona dello staff" in chatwoot.contents[-1]
    (toggle,) = chatwoot.statuses
    assert toggle == {"account_id": 1, "conversation_id": 512, "token": BOT_TOKEN, "body": {"status": "open"}}

    # Later messages are stored for the people, and get no answer from the assistant.
    sent_before = len(chatwoot.messages)
    for text in ("ci siete?", "vorrei prenotare per 2 domani alle 20"):
        assert post_event(incoming(text)).status_code == 200
    assert len(chatwoot.messages) == sent_before
    assert replies_to("ci siete?") == replies_to("domani alle 20") == 0
    assert Message.objects.filter(direction=Message.Direction.INBOUND, processing_status="processed").count() == 3
    assert len(chatwoot.statuses) == 1


def test_agents_set_the_conversation_pending_and_the_assistant_answers_again(trattoria, post_event, chatwoot):
    post_event(incoming("voglio parlare con una persona"))
    post_event(status_event("pending"))

    assert conversation().status == Conversation.Status.BOT
    assert conversation().state == {}
    assert len(chatwoot.statuses) == 1  # Chatwoot already shows it: nothing sent back

    sent_before = len(chatwoot.messages)
    post_event(incoming("vorrei prenotare per 2 domani alle 20"))
    assert len(chatwoot.messages) == sent_before + 1
    assert "Confermo?" in chatwoot.contents[-1]


def test_resolving_in_chatwoot_hands_back_too(trattoria, post_event, chatwoot):
    post_event(incoming("voglio parlare con una persona"))
    post_event(status_event("resolved", event="conversation_resolved"))
    assert conversation().status == Conversation.Status.BOT


def test_hand_back_in_lyos_admin_sets_chatwoot_pending(
    trattoria, post_event, chatwoot, client, django_capture_on_commit_callbacks
):
    post_event(incoming("voglio parlare con una persona"))
    client.force_login(MembershipFactory(tenant=trattoria).user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:conversations_conversation_changelist"),
            {"action": "hand_back_to_assistant", "_selected_action": [conversation().pk]},
        )

    assert conversation().status == Conversation.Status.BOT
    assert [call["body"] for call in chatwoot.statuses] == [{"status": "open"}, {"status": "pending"}]
    post_event(incoming("vorrei prenotare per 2 domani alle 20"))
    assert "Confermo?" in chatwoot.contents[-1]


def test_an_agent_opening_the_conversation_in_chatwoot_silences_the_assistant(trattoria, post_event, chatwoot):
    post_event(incoming("ciao"))
    post_event(status_event("open", event="conversation_opened"))

    assert conversation().status == Conversation.Status.HUMAN
    assert chatwoot.statuses == []  # the change came from Chatwoot
    sent_before = len(chatwoot.messages)
    post_event(incoming("vorrei prenotare"))
    assert len(chatwoot.messages) == sent_before


def test_a_new_chatwoot_conversation_of_a_handed_off_customer_is_opened_for_people(trattoria, post_event, chatwoot):
    post_event(incoming("voglio parlare con una persona"))
    post_event(incoming("sono ancora qui", conversation_id=600))

    assert Conversation.objects.get(tenant=trattoria).channel_conversation_id == "600"
    assert [(call["conversation_id"], call["body"]) for call in chatwoot.statuses] == [
        (512, {"status": "open"}), (600, {"status": "open"})
    ]
    assert replies_to("sono ancora qui") == 0


def test_a_status_event_for_another_tenants_conversation_changes_nothing(trattoria, post_event, chatwoot):
    post_event(incoming("voglio parlare con una persona"))
    other = connection_create(secret="other-tenants-secret-0123456789", account_id=1, inbox_ids=[])
    post_event(status_event("pending"), secret="other-tenants-secret-0123456789")

    assert conversation().status == Conversation.Status.HUMAN
    assert not Conversation.objects.filter(tenant=other.tenant).exists()


def test_showing_the_hand_off_retries_when_chatwoot_is_down(trattoria, post_event, chatwoot, celery_retries_inline):
    chatwoot.fail_next(502, "bad gateway")  # the first call: the status change, made when the hand-off commits
    post_event(incoming("voglio parlare con una persona"))
    assert [call["body"] for call in chatwoot.statuses] == [{"status": "open"}, {"status": "open"}]
    assert len(chatwoot.messages) == 1
