"""``/webhooks/chatwoot`` under attack: nothing parsed before the signature, bodies capped, every tenant
on a shared account id routed, replays refused, odd numbers and timestamps a 4xx, digests keyed."""

import hashlib
import json
import time
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.test import override_settings

from chatwoot.models import ChatwootConnection
from chatwoot.services import inbound
from chatwoot.signature import secret_digest
from chatwoot.tests.conftest import SECRET, WEBHOOK, connection_create, incoming, payload_bytes, status_event
from conversations.models import Conversation, Message
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory
from tenants import fields as encrypted_fields


@pytest.fixture
def json_loads_spy():
    with mock.patch("json.loads", wraps=json.loads) as spy:
        yield spy


def test_a_forged_signature_is_refused_without_parsing_the_body(tenant, post_event, json_loads_spy):
    body = payload_bytes("chatwoot_message_created.json")
    response = post_event(body, signature="sha256=" + "0" * 64)
    assert json_loads_spy.call_count == 0
    assert response.status_code == 403


@override_settings(CHATWOOT_WEBHOOK_BODY_MAX_BYTES=1024)
def test_an_oversized_body_is_413_without_being_parsed(tenant, post_event, json_loads_spy):
    body = json.dumps(incoming("x" * 2000)).encode()
    json_loads_spy.reset_mock()
    response = post_event(body)
    assert json_loads_spy.call_count == 0
    assert (response.status_code, response.json()["error"]) == (413, "payload_too_large")
    assert Message.objects.count() == 0


def test_thirteen_tenants_on_account_1_each_land_in_their_own_tenant_decrypting_no_secret_after_the_first(
    db, post_event, chatwoot
):
    secrets = [f"tenant-{n:02d}-secret-0123456789abcdef" for n in range(13)]
    connections = [connection_create(secret=secret, inbox_ids=[]) for secret in secrets]
    decrypted, authenticating = [], []
    real_decrypt, real_authenticate = encrypted_fields.secret_decrypt, inbound.chatwoot_webhook_authenticate

    def decrypt_spy(value):
        plain = real_decrypt(value)
        if authenticating:  # the reply sent afterwards reads its own connection: not routing
            decrypted.append(plain)
        return plain

    def authenticate_spy(**kwargs):
        authenticating.append(True)
        try:
            return real_authenticate(**kwargs)
        finally:
            authenticating.clear()

    with (
        mock.patch.object(encrypted_fields, "secret_decrypt", side_effect=decrypt_spy),
        mock.patch.object(inbound, "chatwoot_webhook_authenticate", side_effect=authenticate_spy),
    ):
        for round_number in range(2):
            decrypted.clear()
            for n, secret in enumerate(secrets):
                response = post_event(incoming("ciao", message_id=1000 * round_number + n), secret=secret)
                assert response.status_code == 200, (n, response.content)
            if round_number == 0:
                # Each secret read once, when its tenant's first request tried it.
                assert sorted(plain for plain in decrypted if plain in secrets) == sorted(secrets)
            else:
                assert [plain for plain in decrypted if plain in secrets] == []
    for connection in connections:
        assert Message.objects.filter(tenant=connection.tenant, direction=Message.Direction.INBOUND).count() == 2


def test_a_replayed_signed_status_event_is_not_applied_again(tenant, post_event, chatwoot):
    customer = CustomerFactory(tenant=tenant, channel="chatwoot", phone=None)
    conversation = ConversationFactory(
        customer=customer, channel_conversation_id="512", status=Conversation.Status.HUMAN
    )
    body = json.dumps(status_event("pending")).encode()
    timestamp = str(int(time.time()))
    assert post_event(body, timestamp=timestamp).json()["status"] == "ok"
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.BOT
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.HUMAN)

    response = post_event(body, timestamp=timestamp)
    assert (response.status_code, response.json()["status"]) == (200, "duplicate")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HUMAN


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("mode", ["signed", "path"])
def test_numbers_postgresql_cannot_store_are_400_and_nothing_is_stored(tenant, post_event, chatwoot, number, mode):
    body = json.dumps(incoming("ciao")).encode()
    body = body.replace(b'"content_attributes": {}', b'"content_attributes": {"x": %s}' % number.encode())
    assert number.encode() in body
    path = WEBHOOK if mode == "signed" else f"{WEBHOOK}/{SECRET}"
    response = post_event(body, path=path)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_payload")
    assert Message.objects.count() == 0


@pytest.mark.parametrize("timestamp", ["²", "١٢٣", " ³ "])
def test_a_timestamp_of_unicode_digits_is_403_not_500(tenant, post_event, timestamp):
    response = post_event(payload_bytes("chatwoot_message_created.json"), timestamp=timestamp, signature="sha256=00")
    assert (response.status_code, response.json()["error"]) == (403, "invalid_signature")


def test_the_secret_digest_is_keyed_not_a_plain_sha256(db):
    connection = connection_create()
    assert connection.webhook_secret_digest == secret_digest(SECRET)
    assert connection.webhook_secret_digest != hashlib.sha256(SECRET.encode()).hexdigest()
    with override_settings(SECRET_KEY="another-key"):
        assert secret_digest(SECRET) != connection.webhook_secret_digest


def test_after_secret_key_rotation_the_secret_in_the_path_still_works_and_its_digest_is_refreshed(
    tenant, connection, post_event, chatwoot
):
    from django.conf import settings

    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="rotated-secret-key", SECRET_KEY_FALLBACKS=[old_key]):
        response = post_event(payload_bytes("chatwoot_message_created.json"), path=f"{WEBHOOK}/{SECRET}")
        assert response.status_code == 200
        connection.refresh_from_db()
        assert connection.webhook_secret_digest == secret_digest(SECRET)


def test_the_migration_recomputes_unsalted_digests_as_keyed_ones(db):
    connection = connection_create()
    ChatwootConnection.objects.filter(pk=connection.pk).update(
        webhook_secret_digest=hashlib.sha256(SECRET.encode()).hexdigest()
    )
    migration = __import__("chatwoot.migrations.0003_address_check_keyed_secret_digest", fromlist=["x"])
    migration.digests_keyed(django_apps, None)
    connection.refresh_from_db()
    assert connection.webhook_secret_digest == secret_digest(SECRET)
