"""Posting queued replies into the customer's Chatwoot conversation, as the tenant's agent bot.

What the Chatwoot adapter (``chatwoot.adapter``) does for the outbox: render a row,
post a body, flag a rejected token. The bookkeeping (row lock, parts already sent,
retries, failures) is the outbox's (``outbound_message_deliver``); this says how a
reply reaches a Chatwoot conversation.
"""

import json
import logging
import sys
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from chatwoot.client import ChatwootClient, ChatwootError, ChatwootTokenInvalid
from chatwoot.models import ChatwootConnection
from chatwoot.rendering import reply_render
from chatwoot.selectors import connection_for_tenant
from conversations.channels import RenderedReply, ReplyNotSendable
from conversations.models import Message
from conversations.replies import Reply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatwootThread:
    """Where a reply goes: the tenant's connection (address, account, bot token) and the Chatwoot conversation."""

    connection: ChatwootConnection
    conversation_id: str


def chatwoot_connection_problem(connection: ChatwootConnection | None) -> str:
    """Why Lyo cannot call this tenant's Chatwoot now; empty when it can."""
    if connection is None or not connection.tenant.is_active or not connection.is_active:
        return "Chatwoot is not connected for this tenant (or the tenant or connection is not active)."
    if settings.LYO_SEND_BACKEND == "console":
        return ""
    if not connection.has_bot_token:
        return "Chatwoot is not configured for this tenant (bot access token missing)."
    if connection.token_invalid_at:
        return "Chatwoot rejected the bot's access token; set a new one in the admin."
    return ""


def chatwoot_client(connection: ChatwootConnection) -> ChatwootClient:
    return ChatwootClient(base_url=connection.base_url, token=connection.bot_access_token)


def chatwoot_refused(connection: ChatwootConnection, error: ChatwootError) -> None:
    """Chatwoot refused for good; a rejected token stops every further call until a new one is set."""
    if isinstance(error, ChatwootTokenInvalid):
        chatwoot_token_flag(connection)


def chatwoot_token_flag(connection: ChatwootConnection) -> None:
    """Chatwoot rejected the bot token (401): shown in the admin; every further call stops until a new one is set."""
    ChatwootConnection.objects.filter(pk=connection.pk, token_invalid_at__isnull=True).update(
        token_invalid_at=timezone.now()
    )
    logger.error("Chatwoot rejected the bot token of tenant %s (401); flagged in the admin", connection.tenant_id)


def chatwoot_reply_render(message: Message, reply: Reply) -> RenderedReply[ChatwootThread]:
    """The row's message bodies, into the customer's Chatwoot conversation, through the tenant's connection."""
    conversation = message.conversation
    connection = connection_for_tenant(conversation.tenant)
    problem = chatwoot_connection_problem(connection)
    if not problem and not conversation.channel_conversation_id:
        problem = "The conversation has no Chatwoot conversation to reply in."
    if problem or connection is None:  # no connection is a problem already: said for the type checker
        raise ReplyNotSendable(problem)
    language = conversation.customer.language or conversation.tenant.language
    return RenderedReply(
        bodies=reply_render(reply, language=language),
        destination=ChatwootThread(connection=connection, conversation_id=conversation.channel_conversation_id),
    )


def chatwoot_body_post(thread: ChatwootThread, body: dict) -> str | None:
    """Post one body as the agent bot; Chatwoot's message id, namespaced. Raises ``ChatwootError``."""
    connection, chatwoot_conversation_id = thread.connection, thread.conversation_id
    if settings.LYO_SEND_BACKEND == "console":
        sys.stdout.write(
            f"Chatwoot → conversation {chatwoot_conversation_id}: " + json.dumps(body, ensure_ascii=False) + "\n"
        )
        return f"console.{uuid.uuid4().hex}"
    message_id = chatwoot_client(connection).message_create(
        account_id=connection.account_id, conversation_id=chatwoot_conversation_id, body=body
    )
    # Namespaced like inbound ids: Chatwoot's ids are unique within one installation only.
    return f"{connection.tenant_id}:{message_id}" if message_id else None
