"""The owner's messages from the WhatsApp Business app (``smb_message_echoes``) on a coexistence number."""

import json
import threading
from datetime import datetime, time, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.services import inbound as inbound_service
from conversations.services.inbound import inbound_message_process
from conversations.services.owner_app import SENT_FROM_APP, conversations_owner_app_silence_end
from tenants.tests.factories import TenantFactory
from whatsapp.services.inbound import whatsapp_webhook_handle
from whatsapp.tests.conftest import payload_bytes

APP_WAMID = "wamid.APPECHO0001"


def _app_message(tenant) -> Message:
    return Message.objects.get(tenant=tenant, channel_message_id=APP_WAMID)


def test_app_message_is_stored_once_as_sent_from_the_app(tenant, post_webhook, graph):
    body = payload_bytes("whatsapp_smb_echo_text.json")
    assert post_webhook(body).status_code == 200
    assert post_webhook(body).status_code == 200  # Meta redelivers

    message = _app_message(tenant)
    assert Message.objects.filter(tenant=tenant).count() == 1
    assert message.direction == Message.Direction.OUTBOUND
    assert message.delivery_status == Message.Delivery.SENT
    assert message.text == "ok vi aspetto sabato alle 20, siete in 4"
    assert message.payload[SENT_FROM_APP] is True
    assert message.conversation.customer.phone == "393471234567"
    assert graph.sends == []  # never sent again


def test_assistant_stays_silent_and_drops_its_draft_after_the_owner_writes(tenant, post_webhook, graph):
    post_webhook(payload_bytes("whatsapp_text.json"))  # the customer asks; the assistant answers
    answered = len(graph.sends)
    assert answered >= 1
    conversation = Conversation.objects.get(tenant=tenant)
    conversation.state = {"draft": {"party": 4}}
    conversation.save(update_fields=["state"])

    post_webhook(payload_bytes("whatsapp_smb_echo_text.json"))
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HUMAN
    assert conversation.handoff_reason == Conversation.HandoffReason.OWNER_APP
    assert conversation.state == {}

    body = payload_bytes("whatsapp_text.json").replace(b"wamid.HBgM", b"wamid.AGAIN")
    post_webhook(body)  # the customer writes again inside the window
    assert len(graph.sends) == answered


def test_silence_window_counts_from_the_owners_last_message(tenant, post_webhook):
    tenant.owner_app_silence_minutes = 30
    tenant.save(update_fields=["owner_app_silence_minutes"])
    post_webhook(payload_bytes("whatsapp_smb_echo_text.json"))
    conversation = Conversation.objects.get(tenant=tenant)
    written_at = conversation.staff_active_at

    assert conversations_owner_app_silence_end(now=written_at + timedelta(minutes=29)) == 0
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HUMAN

    assert conversations_owner_app_silence_end(now=written_at + timedelta(minutes=30)) == 1
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.BOT
    assert conversation.handoff_reason == ""


def test_edit_from_the_app_updates_the_stored_message(tenant, post_webhook):
    post_webhook(payload_bytes("whatsapp_smb_echo_text.json"))
    post_webhook(payload_bytes("whatsapp_smb_echo_edit.json"))
    message = _app_message(tenant)
    assert message.text == "ok vi aspetto sabato alle 21, siete in 4"
    assert message.payload["edited"] is True
    assert Message.objects.filter(tenant=tenant).count() == 1


def test_revoke_from_the_app_clears_the_stored_message(tenant, post_webhook):
    post_webhook(payload_bytes("whatsapp_smb_echo_text.json"))
    post_webhook(payload_bytes("whatsapp_smb_echo_revoke.json"))
    message = _app_message(tenant)
    assert message.text == ""
    assert message.payload["revoked"] is True


def test_an_edit_never_touches_another_tenants_message(tenant, post_webhook):
    other = TenantFactory(whatsapp_phone_number_id="999000111222", whatsapp_access_token="EAAG-other")
    post_webhook(payload_bytes("whatsapp_smb_echo_text.json"))
    edit = payload_bytes("whatsapp_smb_echo_edit.json").replace(b"106540352242922", b"999000111222")
    assert post_webhook(edit).status_code == 200
    assert _app_message(tenant).text == "ok vi aspetto sabato alle 20, siete in 4"
    assert not Message.objects.filter(tenant=other).exists()


@pytest.mark.parametrize("name", ["whatsapp_smb_echo_text.json"])
def test_echo_for_an_unknown_number_is_ignored(db, post_webhook, name):
    assert post_webhook(payload_bytes(name)).status_code == 200
    assert not Message.objects.exists()


def test_owner_writing_again_extends_the_silence(tenant, post_webhook):
    post_webhook(payload_bytes("whatsapp_smb_echo_text.json"))
    conversation = Conversation.objects.get(tenant=tenant)
    first = conversation.staff_active_at
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        later = payload_bytes("whatsapp_smb_echo_text.json").replace(b"APPECHO0001", b"APPECHO0009")
        post_webhook(later)
    conversation.refresh_from_db()
    assert conversation.staff_active_at >= first + timedelta(minutes=19)
    assert conversations_owner_app_silence_end(now=first + timedelta(minutes=31)) == 0


@pytest.mark.django_db(transaction=True)
def test_silence_holds_across_two_workers(tenant, graph):
    """An app message arriving while another worker's assistant is mid-answer silences it right after."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite locks the whole database)")
    with mock.patch("conversations.services.inbound.inbound_message_enqueue"):
        whatsapp_webhook_handle(data=json.loads(payload_bytes("whatsapp_text.json")))
    inbound = Message.objects.get(tenant=tenant, direction=Message.Direction.INBOUND)
    real_handle = inbound_service._inbound_handle
    holding, release = threading.Event(), threading.Event()

    def assistant_slow(**kwargs):
        holding.set()
        release.wait(10)
        return real_handle(**kwargs)

    def in_worker(work) -> None:
        try:
            work()
        finally:
            connections.close_all()

    def assistant_worker() -> None:
        with mock.patch("conversations.services.inbound._inbound_handle", side_effect=assistant_slow):
            inbound_message_process(message_id=inbound.pk)

    def webhook_worker() -> None:
        whatsapp_webhook_handle(data=json.loads(payload_bytes("whatsapp_smb_echo_text.json")))

    first = threading.Thread(target=in_worker, args=(assistant_worker,))
    first.start()
    assert holding.wait(10), "the assistant never took the conversation's lock"
    second = threading.Thread(target=in_worker, args=(webhook_worker,))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the silence must wait for the assistant holding the conversation"
    release.set()
    first.join(15)
    second.join(15)

    conversation = Conversation.objects.get(tenant=tenant)
    assert conversation.status == Conversation.Status.HUMAN
    assert conversation.handoff_reason == Conversation.HandoffReason.OWNER_APP
    assert conversation.state == {}
    assistant_replies = Message.objects.filter(
        tenant=tenant, direction=Message.Direction.OUTBOUND, sent_by__isnull=True
    ).exclude(payload__has_key=SENT_FROM_APP).count()

    again = json.loads(payload_bytes("whatsapp_text.json").replace(b"wamid.HBgM", b"wamid.AGAIN"))
    with mock.patch("conversations.services.inbound.inbound_message_enqueue"):
        whatsapp_webhook_handle(data=again)
    later = Message.objects.get(tenant=tenant, channel_message_id__startswith="wamid.AGAIN")
    inbound_message_process(message_id=later.pk)
    assert Message.objects.filter(
        tenant=tenant, direction=Message.Direction.OUTBOUND, sent_by__isnull=True
    ).exclude(payload__has_key=SENT_FROM_APP).count() == assistant_replies


def test_an_app_message_confirming_a_booking_is_kept_as_a_suggestion_and_books_nothing(tenant, post_webhook):
    from bookings.models import Appointment
    from conversations.services.owner_bookings import BOOKING_SUGGESTION

    body = payload_bytes("whatsapp_smb_echo_text.json")  # "ok vi aspetto sabato alle 20, siete in 4"
    post_webhook(body)
    post_webhook(body)  # redelivered: still one message, one suggestion
    message = _app_message(tenant)
    suggestion = message.payload[BOOKING_SUGGESTION]
    # The first Saturday after the owner wrote (today when it is Saturday morning), at 20:00 in Rome, for four.
    written = message.channel_timestamp.astimezone(tenant.tzinfo)
    starts_at = datetime.fromisoformat(suggestion["starts_at"])
    assert starts_at.weekday() == 5
    assert starts_at > written
    assert (starts_at - written).days < 7
    assert (starts_at.astimezone(tenant.tzinfo).time(), suggestion["party_size"]) == (time(20), 4)
    assert suggestion["appointment_id"] is None
    assert not Appointment.objects.filter(tenant=tenant).exists()
