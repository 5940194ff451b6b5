"""``/webhooks/chatwoot``: authenticated per tenant, customers' messages answered, everything else ignored."""

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatwoot.tests.conftest import (
    BOT_TOKEN,
    PAYLOADS,
    SECRET,
    WEBHOOK,
    chatwoot_sign,
    connection_create,
    incoming,
    payload_bytes,
    payload_json,
)
from common import metrics
from conversations.models import Conversation, Message
from customers.models import Customer
from tenants.tests.factories import TenantFactory
from whatsapp.tests.test_webhook_view import _mutations

SAMPLES = sorted(p.name for p in PAYLOADS.glob("*.json"))


def stored() -> tuple[int, int]:
    return Message.objects.count(), Customer.objects.count()


# --- Acceptance: a customer's message is answered in the right Chatwoot conversation -------------


def test_message_created_is_answered_in_its_chatwoot_conversation_with_the_tenants_token(
    tenant, post_event, chatwoot
):
    response = post_event(payload_bytes("chatwoot_message_created.json"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stored": 1, "duplicates": 0}

    (reply,) = chatwoot.messages
    assert (reply["account_id"], reply["conversation_id"], reply["token"]) == (1, 512, BOT_TOKEN)
    assert reply["body"]["message_type"] == "outgoing"
    assert reply["body"]["private"] is False

    customer = Customer.objects.get(tenant=tenant)
    assert (customer.channel, customer.channel_user_id, customer.display_name) == ("chatwoot", "77", "Marco Bianchi")
    conversation = Conversation.objects.get(customer=customer)
    assert (conversation.channel, conversation.channel_conversation_id) == ("chatwoot", "512")
    inbound = Message.objects.get(direction=Message.Direction.INBOUND)
    assert (inbound.channel, inbound.text, inbound.processing_status) == (
        "chatwoot", "Buongiorno, avete posto sabato sera per 3?", "processed"
    )
    outbound = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert (outbound.delivery_status, outbound.channel_message_id) == ("sent", f"{tenant.pk}:9001")
    assert reply["body"]["content"] == outbound.text


@pytest.mark.parametrize("path", [WEBHOOK, WEBHOOK + "/"])
def test_with_and_without_trailing_slash(tenant, post_event, chatwoot, path):
    assert post_event(payload_bytes("chatwoot_message_created.json"), path=path).status_code == 200
    assert len(chatwoot.messages) == 1


# --- Authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=" + "0" * 64, "sha256=", "md5=abc", chatwoot_sign(b"another body", "1"), "sha256=é"],
)
def test_missing_or_wrong_signature_is_403_and_stores_nothing(tenant, post_event, chatwoot, signature):
    before = metrics.webhook_signature_failures.labels(channel="chatwoot")._value.get()
    response = post_event(payload_bytes("chatwoot_message_created.json"), signature=signature)
    assert (response.status_code, response.json()["error"]) == (403, "invalid_signature")
    assert stored() == (0, 0)
    assert chatwoot.messages == []
    assert metrics.webhook_signature_failures.labels(channel="chatwoot")._value.get() == before + 1


def test_another_tenants_secret_is_403(tenant, post_event, chatwoot):
    connection_create(secret="other-tenants-secret-0123456789", account_id=2)
    response = post_event(payload_bytes("chatwoot_message_created.json"), secret="other-tenants-secret-0123456789")
    assert response.status_code == 403
    assert stored() == (0, 0)


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_stale_or_future_timestamp_is_403(tenant, post_event, chatwoot, offset):
    response = post_event(payload_bytes("chatwoot_message_created.json"), timestamp=str(int(time.time()) + offset))
    assert response.status_code == 403
    assert stored() == (0, 0)


@pytest.mark.parametrize("timestamp", ["", "soon", "1.5", "-1"])
def test_malformed_timestamp_is_403(tenant, post_event, timestamp):
    assert post_event(payload_bytes("chatwoot_message_created.json"), timestamp=timestamp).status_code == 403


def test_timestamp_is_part_of_what_is_signed(tenant, client):
    raw = payload_bytes("chatwoot_message_created.json")
    now = str(int(time.time()))
    response = client.post(
        WEBHOOK, data=raw, content_type="application/json",
        HTTP_X_CHATWOOT_TIMESTAMP=str(int(now) - 1), HTTP_X_CHATWOOT_SIGNATURE=chatwoot_sign(raw, now),
    )
    assert response.status_code == 403


def test_signature_is_checked_over_the_raw_bytes(tenant, client):
    raw = payload_bytes("chatwoot_message_created.json")
    now = str(int(time.time()))
    compact = json.dumps(json.loads(raw), separators=(",", ":")).encode()
    response = client.post(
        WEBHOOK, data=compact, content_type="application/json",
        HTTP_X_CHATWOOT_TIMESTAMP=now, HTTP_X_CHATWOOT_SIGNATURE=chatwoot_sign(raw, now),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("suffix", ["", "/"])
def test_older_chatwoot_authenticates_with_the_secret_in_the_path(tenant, post_event, chatwoot, suffix):
    response = post_event(
        payload_bytes("chatwoot_message_created.json"), signature=None, timestamp="", path=f"{WEBHOOK}/{SECRET}{suffix}"
    )
    assert response.status_code == 200
    assert len(chatwoot.messages) == 1


@pytest.mark.parametrize("path_secret", ["wrong-secret-0123456789abcdef", SECRET[:-1], SECRET + "x", "x"])
def test_wrong_secret_in_the_path_is_403_and_stores_nothing(tenant, post_event, chatwoot, path_secret):
    response = post_event(payload_bytes("chatwoot_message_created.json"), path=f"{WEBHOOK}/{path_secret}")
    assert response.status_code == 403
    assert stored() == (0, 0)


def test_inactive_connection_or_tenant_is_refused(tenant, connection, post_event, chatwoot):
    connection.is_active = False
    connection.save()
    assert post_event(payload_bytes("chatwoot_message_created.json")).status_code == 403
    connection.is_active = True
    connection.save()
    tenant.is_active = False
    tenant.save()
    assert post_event(payload_bytes("chatwoot_message_created.json")).status_code == 403
    assert stored() == (0, 0)


def test_body_that_is_not_a_json_object_is_400_in_path_mode(tenant, post_event):
    response = post_event(b"[1, 2]", path=f"{WEBHOOK}/{SECRET}")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_payload")


# --- Cross-tenant ------------------------------------------------------------------------------


def test_two_chatwoot_installations_with_the_same_account_id_each_reach_their_tenant(post_event, chatwoot, db):
    first = connection_create(secret="first-installation-secret-0123", inbox_ids=[])
    second = connection_create(
        secret="second-installation-secret-0123", inbox_ids=[], bot_access_token="cw-bot-token-second"
    )
    post_event(incoming("vorrei prenotare", message_id=1), secret="first-installation-secret-0123")
    post_event(incoming("vorrei prenotare", message_id=1), secret="second-installation-secret-0123")

    # The same message id in two installations is two messages, one per tenant.
    for connection in (first, second):
        assert Message.objects.filter(tenant=connection.tenant, direction=Message.Direction.INBOUND).count() == 1
        assert Customer.objects.filter(tenant=connection.tenant).count() == 1
    assert sorted(call["token"] for call in chatwoot.messages) == sorted([BOT_TOKEN, "cw-bot-token-second"])


def test_an_authenticated_event_for_another_account_is_ignored(tenant, post_event, chatwoot):
    response = post_event(incoming("ciao", account_id=2), path=f"{WEBHOOK}/{SECRET}")
    assert response.status_code == 200
    assert stored() == (0, 0)
    assert chatwoot.messages == []


def test_messages_from_inboxes_the_assistant_does_not_answer_are_ignored(tenant, post_event, chatwoot):
    assert post_event(incoming("ciao", inbox_id=4)).status_code == 200
    assert stored() == (0, 0)


# --- Ignored and repeated events ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["chatwoot_message_outgoing.json", "chatwoot_private_note.json"])
def test_outgoing_private_and_bot_messages_are_ignored(tenant, post_event, chatwoot, name):
    response = post_event(payload_bytes(name))
    assert response.status_code == 200
    assert stored() == (0, 0)
    assert chatwoot.messages == []


def test_an_incoming_private_note_is_ignored(tenant, post_event, chatwoot):
    assert post_event({**incoming("nota"), "private": True}).status_code == 200
    assert stored() == (0, 0)


@pytest.mark.parametrize("sender_type", ["agent_bot", "user"])
def test_an_incoming_message_sent_by_the_bot_or_an_agent_is_ignored(tenant, post_event, chatwoot, sender_type):
    # Only contacts are answered: the bot answering its own message, whatever its type, would loop.
    body = incoming("Ciao! Come posso aiutarti?")
    body["sender"] = {"id": 12, "name": "Lyo", "type": sender_type}
    assert post_event(body).status_code == 200
    assert stored() == (0, 0)
    assert chatwoot.messages == []


def test_redelivered_event_is_answered_once(tenant, post_event, chatwoot):
    for _ in range(3):
        assert post_event(payload_bytes("chatwoot_message_created.json")).status_code == 200
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1
    assert len(chatwoot.messages) == 1


def test_other_events_are_answered_200_and_ignored(tenant, post_event, chatwoot):
    events = ({"event": "webwidget_triggered", "account": {"id": 1}}, {**incoming("x"), "event": "message_updated"})
    for event in events:
        assert post_event(event).status_code == 200
    assert stored() == (0, 0)


def test_numeric_message_types_of_older_chatwoot_are_understood(tenant, post_event, chatwoot):
    post_event({**incoming("vorrei prenotare"), "message_type": 0})
    post_event({**incoming("Certo!"), "message_type": 1})
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1


# --- Never a 500 --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_payload_is_answered_200(tenant, post_event, chatwoot, name):
    assert post_event(payload_bytes(name)).status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_type_confused_payloads_never_cause_a_500(tenant, post_event, chatwoot, data):
    mutated = payload_json(data.draw(st.sampled_from(SAMPLES)))
    for _ in range(data.draw(st.integers(1, 4))):
        mutated = _mutations(mutated, data)
    path = data.draw(st.sampled_from([WEBHOOK, f"{WEBHOOK}/{SECRET}"]))
    assert post_event(json.dumps(mutated).encode(), path=path).status_code in (200, 400, 403)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_payloads_never_cause_a_500(tenant, post_event, chatwoot, data):
    raw = payload_bytes(data.draw(st.sampled_from(SAMPLES)))
    cut = data.draw(st.integers(0, len(raw) - 1))
    try:
        json.loads(raw[:cut])
    except ValueError:
        expected = 400
    else:
        expected = 200  # only trailing whitespace was cut
    assert post_event(raw[:cut], path=f"{WEBHOOK}/{SECRET}").status_code == expected


@pytest.mark.parametrize(
    "text", ["nul \x00 inside", "lone \ud800 surrogate", "x" * 20000], ids=["nul", "surrogate", "long"]
)
def test_text_no_database_column_accepts_is_cleaned_not_a_500(tenant, post_event, chatwoot, text):
    body = incoming(text)
    body["sender"]["name"] = text
    assert post_event(json.dumps(body).encode()).status_code == 200


def test_a_tenant_without_chatwoot_is_never_reached(db, post_event, chatwoot):
    TenantFactory()
    assert post_event(payload_bytes("chatwoot_message_created.json")).status_code == 403
