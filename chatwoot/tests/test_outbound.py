"""Replies rendered for Chatwoot and posted with retries; a rejected token stops the tenant's calls."""

import pytest
from django.test import override_settings

from chatwoot.adapter import ChatwootAdapter
from chatwoot.rendering import reply_render
from chatwoot.services.handoff import chatwoot_conversation_status_sync
from chatwoot.tasks import chatwoot_message_send_task
from chatwoot.tests.conftest import connection_create
from conversations.models import Conversation, Message
from conversations.replies import TEXT_MAX, Option, Reply, ReplyType, text_reply
from conversations.services.outbound import SEND_MAX_ATTEMPTS
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel
from customers.tests.factories import CustomerFactory
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory


def queued_reply(tenant: Tenant, reply: Reply | None = None, chatwoot_conversation_id: str = "512") -> Message:
    customer = CustomerFactory(tenant=tenant, channel=Channel.CHATWOOT, phone=None)
    conversation = ConversationFactory(customer=customer, channel_conversation_id=chatwoot_conversation_id)
    inbound = MessageFactory(conversation=conversation)
    reply = reply or text_reply("Grazie!")
    return Message.objects.create(
        tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND, channel=Channel.CHATWOOT,
        text=reply.text, payload=reply.as_dict(), delivery_status=Message.Delivery.QUEUED, reply_to=inbound,
    )


# --- Rendering ------------------------------------------------------------------------------


def test_text_reply_is_one_outgoing_public_message():
    assert reply_render(text_reply("Ciao!")) == [
        {"content": "Ciao!", "message_type": "outgoing", "private": False, "content_type": "text"}
    ]


def test_options_are_numbered_under_the_text_with_a_hint_in_the_customers_language():
    rows = (Option("svc:1", "Taglio donna", "45 minutes"), Option("svc:2", "Piega"))
    (body,) = reply_render(Reply(ReplyType.LIST, "Which service?", rows, "Services"), language="en")
    assert body["content"] == "Which service?\n\n1. Taglio donna — 45 minutes\n2. Piega\n\nReply with the number."


def test_long_text_is_split_within_the_text_limit():
    bodies = reply_render(text_reply(("Una frase lunga. " * 600).strip()))
    assert len(bodies) > 1
    assert all(len(body["content"]) <= TEXT_MAX for body in bodies)


# --- Sending --------------------------------------------------------------------------------


def test_reply_goes_to_the_conversations_chatwoot_conversation(connection, chatwoot):
    message = queued_reply(connection.tenant, chatwoot_conversation_id="777")
    assert ChatwootAdapter().send(message_id=message.pk).outcome == "sent"
    (call,) = chatwoot.messages
    assert (call["account_id"], call["conversation_id"], call["body"]["content"]) == (1, 777, "Grazie!")
    message.refresh_from_db()
    assert message.channel_message_id == f"{connection.tenant_id}:9001"


def test_server_errors_retry_up_to_the_limit(connection, chatwoot, celery_retries_inline):
    message = queued_reply(connection.tenant)
    for _ in range(SEND_MAX_ATTEMPTS + 2):
        chatwoot.fail_next(503)
    chatwoot_message_send_task.delay(message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.attempts, message.error_code) == ("failed", SEND_MAX_ATTEMPTS, 503)
    assert len(chatwoot.messages) == SEND_MAX_ATTEMPTS


def test_500_then_200_ends_in_one_sent_message(connection, chatwoot, celery_retries_inline):
    message = queued_reply(connection.tenant)
    chatwoot.fail_next(500)
    chatwoot_message_send_task.delay(message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.attempts) == ("sent", 2)


@pytest.mark.parametrize("status", [404, 422])
def test_a_conversation_chatwoot_does_not_know_fails_at_once_with_a_fixed_error_text(connection, chatwoot, status):
    message = queued_reply(connection.tenant)
    chatwoot.fail_next(status, "Resource could not be found")
    chatwoot_message_send_task.delay(message.pk)
    message.refresh_from_db()
    # Staff see Lyo's text, never the remote body (the address may not be Chatwoot's).
    assert (message.delivery_status, message.error_code, message.error_title) == (
        "failed", status, f"Chatwoot refused the request (HTTP {status})."
    )


def test_rejected_token_flags_the_connection_and_stops_its_calls(connection, chatwoot):
    first, second = queued_reply(connection.tenant), queued_reply(connection.tenant)
    chatwoot.fail_next(401, "Invalid Access Token")
    chatwoot_message_send_task.delay(first.pk)
    connection.refresh_from_db()
    assert connection.token_invalid_at is not None

    chatwoot_message_send_task.delay(second.pk)
    second.refresh_from_db()
    assert second.delivery_status == Message.Delivery.NOT_SENDABLE
    assert chatwoot_conversation_status_sync(conversation_id=second.conversation_id) == "not_sendable"
    assert len(chatwoot.messages) == 1


def test_a_tenant_without_a_chatwoot_connection_cannot_send(db, chatwoot):
    message = queued_reply(TenantFactory())
    assert ChatwootAdapter().send(message_id=message.pk).outcome == "not_sendable"
    assert chatwoot.messages == []


def test_a_conversation_without_a_chatwoot_conversation_cannot_send(connection, chatwoot):
    message = queued_reply(connection.tenant, chatwoot_conversation_id="")
    assert ChatwootAdapter().send(message_id=message.pk).outcome == "not_sendable"


def test_replies_never_use_another_tenants_connection(db, chatwoot):
    connection_create(bot_access_token="cw-bot-token-of-someone-else")
    message = queued_reply(TenantFactory())
    ChatwootAdapter().send(message_id=message.pk)
    assert chatwoot.messages == []


@override_settings(LYO_SEND_BACKEND="console")
def test_console_backend_prints_replies_and_status_changes(connection, chatwoot, capsys):
    message = queued_reply(connection.tenant)
    assert ChatwootAdapter().send(message_id=message.pk).outcome == "sent"
    Conversation.objects.filter(pk=message.conversation_id).update(status=Conversation.Status.HUMAN)
    assert chatwoot_conversation_status_sync(conversation_id=message.conversation_id) == "sent"
    out = capsys.readouterr().out
    assert "Chatwoot → conversation 512: " in out
    assert "status open" in out
    assert chatwoot.messages == chatwoot.statuses == []


@pytest.mark.parametrize(
    ("status", "expected"), [("human", "open"), ("bot", "pending"), ("closed", "resolved")]
)
def test_the_chatwoot_status_follows_lyos(connection, chatwoot, status, expected):
    message = queued_reply(connection.tenant)
    Conversation.objects.filter(pk=message.conversation_id).update(status=status)
    assert chatwoot_conversation_status_sync(conversation_id=message.conversation_id) == "sent"
    assert [call["body"] for call in chatwoot.statuses] == [{"status": expected}]
