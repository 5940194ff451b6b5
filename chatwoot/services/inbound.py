"""A Chatwoot webhook: authenticated as one tenant's connection, then stored or applied.

Runs inside the webhook request, so it only writes rows (no Chatwoot API call); the
assistant runs when the message's transaction commits, as for every channel.
"""

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction

from chatwoot.models import ChatwootConnection
from chatwoot.parsing import ChatwootEvent, EventKind, webhook_account_hint, webhook_body_load, webhook_event_parse
from chatwoot.selectors import (
    connection_for_path_secret,
    connection_routed,
    conversation_for_chatwoot_conversation,
    webhook_route_candidates,
    webhook_secret_cached,
)
from chatwoot.services.connections import chatwoot_webhook_secret_digest_refresh
from chatwoot.signature import TIMESTAMP_TOLERANCE_SECONDS, chatwoot_signature_is_valid, timestamp_is_fresh
from common.log_context import log_context
from conversations.models import Conversation
from conversations.selectors import inbound_message_exists
from conversations.services.conversations import conversation_get_or_open
from conversations.services.handoff import conversation_hand_back, conversation_hand_to_staff, handoff_mirror
from conversations.services.inbound import inbound_message_record
from customers.models import Channel, Customer
from tenants.scoping import tenant_scope_enter

logger = logging.getLogger(__name__)

CHANNEL = Channel.CHATWOOT
# Chatwoot statuses in which people, not the assistant, answer.
STAFF_STATUSES = frozenset({"open", "snoozed"})
# A signed request is accepted while its timestamp is within the tolerance either side
# of now, so it must be remembered for both sides of that window.
REPLAY_MEMORY_SECONDS = 2 * TIMESTAMP_TOLERANCE_SECONDS + 60


class WebhookRefused(Exception):
    """The request is not authenticated as any tenant's Chatwoot."""


@dataclass
class WebhookSummary:
    stored: int = 0
    duplicates: int = 0
    status_changes: int = 0
    ignored: int = 0
    replayed: bool = False


def chatwoot_webhook_receive(
    *, body: bytes, path_secret: str | None, signature: str | None, timestamp: str | None, now: datetime
) -> WebhookSummary:
    """Authenticate a webhook request, then parse and act on it once.

    ``WebhookRefused`` when no connection sent it, ``PayloadInvalid`` for a body that
    is not a JSON object; a signed request seen before is answered as ``replayed``.
    """
    connection = chatwoot_webhook_authenticate(
        body=body, path_secret=path_secret, signature=signature, timestamp=timestamp, now=now
    )
    replay_key = _replay_key(connection, signature) if path_secret is None else None
    if replay_key is not None and not _replay_claim(replay_key):
        logger.info("Chatwoot webhook replayed within its signature's lifetime: ignored")
        return WebhookSummary(replayed=True)
    try:
        return chatwoot_webhook_handle(connection=connection, data=webhook_body_load(body))
    except Exception:
        # Not acted on: Chatwoot's redelivery of the same request must be.
        if replay_key is not None:
            _replay_release(replay_key)
        raise


def chatwoot_webhook_authenticate(
    *, body: bytes, path_secret: str | None, signature: str | None, timestamp: str | None, now: datetime
) -> ChatwootConnection:
    """The connection that sent ``body``, decided before any of it is parsed.

    Older Chatwoot: the secret in the URL names and authenticates the connection.
    Signing Chatwoot: a fresh timestamp, and a signature over the raw bytes that
    verifies with the secret of one of the connections to the account the body names
    (every connection's, when it names none; ``webhook_account_hint``), so a forged
    body costs one HMAC per candidate and no JSON parsing. ``WebhookRefused`` otherwise.
    """
    if path_secret is not None:
        connection = connection_for_path_secret(path_secret)
        if connection is None:
            raise WebhookRefused("No connection has this webhook secret.")
        tenant_scope_enter(connection.tenant_id)
        chatwoot_webhook_secret_digest_refresh(connection=connection, secret=path_secret)
        return connection
    if not signature or timestamp is None or not timestamp_is_fresh(timestamp, now=now):
        raise WebhookRefused("X-Chatwoot-Signature is missing or X-Chatwoot-Timestamp is missing or stale.")
    for connection_id, digest in webhook_route_candidates(webhook_account_hint(body)):
        secret = webhook_secret_cached(connection_id, digest)
        if chatwoot_signature_is_valid(body, timestamp=timestamp, header=signature, secret=secret):
            connection = connection_routed(connection_id)
            if connection is not None:
                return connection
    raise WebhookRefused("X-Chatwoot-Signature is wrong.")


def _replay_key(connection: ChatwootConnection, signature: str | None) -> str:
    # The signature covers the timestamp and the body: the same signature is the same request.
    return f"chatwoot:webhook-seen:{connection.pk}:{hashlib.sha256((signature or '').encode()).hexdigest()}"


def _replay_claim(key: str) -> bool:
    """``False`` when the key was claimed before; atomic (``cache.add``) on Redis."""
    try:
        return cache.add(key, 1, timeout=REPLAY_MEMORY_SECONDS)
    except Exception:
        # The cache being down must not stop every tenant's messages; message ids still dedupe.
        logger.warning("Chatwoot replay check skipped: the cache is unavailable", exc_info=True)
        return True


def _replay_release(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.warning("Chatwoot replay mark not released: the cache is unavailable", exc_info=True)


def chatwoot_webhook_handle(*, connection: ChatwootConnection, data: dict) -> WebhookSummary:
    """Act on one authenticated event: a customer's message is stored, a status change applied."""
    summary = WebhookSummary()
    event = webhook_event_parse(data)
    tenant_scope_enter(connection.tenant_id)
    with log_context(tenant_id=connection.tenant_id):
        problem = event.reason or _foreign_reason(connection, event)
        if problem:
            logger.info("Chatwoot %s event ignored: %s", event.name or "unnamed", problem)
            summary.ignored += 1
        elif event.kind == EventKind.MESSAGE:
            stored = chatwoot_message_receive(connection=connection, event=event)
            summary.stored += stored
            summary.duplicates += not stored
        elif event.kind == EventKind.STATUS:
            summary.status_changes += chatwoot_status_receive(connection=connection, event=event)
    return summary


def chatwoot_message_receive(*, connection: ChatwootConnection, event: ChatwootEvent) -> bool:
    """Store a customer's message with its customer (one per Chatwoot contact) and conversation.

    ``False`` when it was stored before (Chatwoot redelivered it).
    """
    tenant = connection.tenant
    assert event.inbound is not None  # a MESSAGE event carries its message
    # Message ids are unique within one Chatwoot installation only; tenants may use different ones.
    inbound = dataclasses.replace(
        event.inbound, channel_message_id=f"{tenant.pk}:{event.inbound.channel_message_id}"
    )
    if inbound_message_exists(channel=CHANNEL, channel_message_id=inbound.channel_message_id):
        return False
    with transaction.atomic():
        customer, created = Customer.objects.get_or_create(
            tenant=tenant, channel=CHANNEL, channel_user_id=event.contact_id,
            defaults={"display_name": event.contact_name},
        )
        if not created and event.contact_name and customer.display_name != event.contact_name:
            customer.display_name = event.contact_name
            customer.save(update_fields=["display_name", "updated_at"])
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        _chatwoot_conversation_follow(conversation=conversation, chatwoot_conversation_id=event.conversation_id)
        stored = inbound_message_record(
            tenant=tenant,
            customer=customer,
            conversation=conversation,
            inbound=inbound,
            message_type=event.message_type,
            channel_payload=event.raw or {},
        )
    if stored is None:
        return False
    with log_context(conversation_id=conversation.pk, message_id=stored.pk):
        logger.info("Stored inbound Chatwoot message (%s)", stored.type)
    return True


def chatwoot_status_receive(*, connection: ChatwootConnection, event: ChatwootEvent) -> bool:
    """Agents moved the conversation in Chatwoot: open or snoozed, people answer; pending or
    resolved, the assistant does again. ``True`` when Lyo's status changed."""
    conversation = conversation_for_chatwoot_conversation(
        tenant=connection.tenant, chatwoot_conversation_id=event.conversation_id
    )
    if conversation is None:
        return False
    # Chatwoot already shows this status: nothing to mirror back.
    if event.status in STAFF_STATUSES:
        return conversation_hand_to_staff(conversation=conversation, mirror=False)
    return conversation_hand_back(conversation=conversation, mirror=False)


def _foreign_reason(connection: ChatwootConnection, event: ChatwootEvent) -> str:
    """Why an authenticated event is still not this connection's to act on, if it is not."""
    if event.account_id is not None and event.account_id != connection.account_id:
        return f"account {event.account_id} is not the connection's ({connection.account_id})"
    if connection.inbox_ids and event.inbox_id is not None and event.inbox_id not in connection.inbox_ids:
        return f"inbox {event.inbox_id} is not one the assistant answers in"
    return ""


def _chatwoot_conversation_follow(*, conversation: Conversation, chatwoot_conversation_id: str) -> None:
    """Replies go to the Chatwoot conversation the customer last wrote in."""
    if conversation.channel_conversation_id == chatwoot_conversation_id:
        return
    conversation.channel_conversation_id = chatwoot_conversation_id
    conversation.save(update_fields=["channel_conversation_id", "updated_at"])
    if conversation.status == Conversation.Status.HUMAN:
        # A new Chatwoot conversation starts as the bot's: show it is the people's, as Lyo says.
        handoff_mirror(conversation=conversation)
