"""Reads for the Chatwoot channel: which tenant's connection a webhook belongs to, and its conversations."""

from django.db.models import QuerySet

from chatwoot.models import ChatwootConnection
from chatwoot.signature import path_secret_is_valid, secret_digest
from conversations.models import Channel, Conversation
from tenants.models import Tenant

# Connections sharing one Chatwoot account id (several Chatwoot installations each
# have an account 1) whose secrets a signed request is checked against; more than a
# handful means misconfiguration, not a reason to try hundreds of secrets.
ROUTE_CANDIDATES_MAX = 10


def _usable() -> QuerySet[ChatwootConnection]:
    return ChatwootConnection.objects.select_related("tenant").filter(is_active=True, tenant__is_active=True)


def connection_for_path_secret(secret: str) -> ChatwootConnection | None:
    """The active connection whose webhook secret is ``secret`` (older Chatwoot puts it in the URL)."""
    connection = _usable().filter(webhook_secret_digest=secret_digest(secret)).first()
    if connection is None or not path_secret_is_valid(secret, connection.webhook_secret):
        return None
    return connection


def connections_for_account(account_id: int | None) -> list[ChatwootConnection]:
    """Active connections to a Chatwoot account id with a webhook secret: whose secret may sign its events."""
    if account_id is None:
        return []
    return list(_usable().filter(account_id=account_id).exclude(webhook_secret="")[:ROUTE_CANDIDATES_MAX])


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
