"""Reads for the Chatwoot channel: which tenant's connection a webhook belongs to, and its conversations."""

from typing import cast

from django.db.models import QuerySet

from chatwoot.models import ChatwootConnection
from chatwoot.signature import path_secret_is_valid, secret_digests
from conversations.models import Conversation
from customers.models import Channel
from tenants.models import Tenant
from tenants.scoping import cross_tenant

# Decrypted webhook secrets by connection id, with the digest of each: a replaced
# secret has another digest, so a stale entry is never used. One per process, so a
# signed webhook decrypts no secret once each candidate's has been read once (with
# 13 tenants on Chatwoot account 1, every request would otherwise decrypt 13).
_webhook_secrets: dict[int, tuple[str, str]] = {}


def _usable() -> QuerySet[ChatwootConnection]:
    with cross_tenant("a webhook's connection is how its tenant is found"):
        return ChatwootConnection.objects.select_related("tenant").filter(is_active=True, tenant__is_active=True)


def connection_for_path_secret(secret: str) -> ChatwootConnection | None:
    """The active connection whose webhook secret is ``secret`` (older Chatwoot puts it in the URL).

    Found by its digest under ``SECRET_KEY`` or a fallback key (rotation), then compared
    with the secret itself.
    """
    connection = _usable().filter(webhook_secret_digest__in=secret_digests(secret)).first()
    if connection is None or not path_secret_is_valid(secret, connection.webhook_secret):
        return None
    return connection


def webhook_route_candidates(account_id: int | None) -> list[tuple[int, str]]:
    """``(id, secret digest)`` of the active connections with a webhook secret that may have signed an event.

    Those to ``account_id`` (several Chatwoot installations each have an account 1, so
    there may be many), or every one when the event's account is not known. No cap:
    the signature decides, and checking it is cheap with the secrets cached.
    """
    connections = _usable().filter(webhook_secret_digest__isnull=False)
    if account_id is not None:
        connections = connections.filter(account_id=account_id)
    rows = list(connections.order_by("pk").values_list("pk", "webhook_secret_digest"))
    return cast(list[tuple[int, str]], rows)  # no digest is null: filtered above


def webhook_secret_cached(connection_id: int, digest: str) -> str:
    """The connection's webhook secret, decrypted once per process while its digest stays ``digest``."""
    cached = _webhook_secrets.get(connection_id)
    if cached is not None and cached[0] == digest:
        return cached[1]
    with cross_tenant("a webhook's connection is how its tenant is found"):
        row = ChatwootConnection.objects.filter(pk=connection_id).values_list("webhook_secret_digest", "webhook_secret")
    current_digest, secret = row.first() or (None, "")
    if current_digest:
        _webhook_secrets[connection_id] = (current_digest, secret)
    return secret


def webhook_secrets_forget() -> None:
    """Drop the cached secrets (tests: a connection id may come back with another secret)."""
    _webhook_secrets.clear()


def connection_routed(connection_id: int) -> ChatwootConnection | None:
    """The active connection a verified signature names, without decrypting its secrets (not needed here)."""
    return _usable().defer("webhook_secret", "bot_access_token").filter(pk=connection_id).first()


def connection_for_tenant(tenant: Tenant) -> ChatwootConnection | None:
    return ChatwootConnection.objects.select_related("tenant").filter(tenant=tenant).first()


def conversation_for_chatwoot_conversation(*, tenant: Tenant, chatwoot_conversation_id: str) -> Conversation | None:
    """The tenant's open Lyo conversation that replies into this Chatwoot conversation."""
    return (
        Conversation.objects.filter(
            tenant=tenant, channel=Channel.CHATWOOT, channel_conversation_id=chatwoot_conversation_id
        )
        .exclude(status=Conversation.Status.CLOSED)
        .first()
    )
