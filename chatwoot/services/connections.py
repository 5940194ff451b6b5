"""Writes about a tenant's Chatwoot connection."""

from chatwoot.models import ChatwootConnection
from chatwoot.signature import secret_digest


def chatwoot_webhook_secret_set(*, connection: ChatwootConnection, secret: str) -> None:
    """Set (``""``: remove) the webhook secret with the digest that finds it; the caller saves the row."""
    connection.webhook_secret = secret
    connection.webhook_secret_digest = secret_digest(secret) if secret else None


def chatwoot_bot_token_set(*, connection: ChatwootConnection, token: str) -> None:
    """Set (``""``: remove) the agent bot's access token, forgetting that Chatwoot rejected the old one."""
    connection.bot_access_token = token
    connection.token_invalid_at = None


def chatwoot_webhook_secret_digest_refresh(*, connection: ChatwootConnection, secret: str) -> None:
    """Store the digest under the current ``SECRET_KEY`` when it was found under a fallback key."""
    digest = secret_digest(secret)
    if connection.webhook_secret_digest != digest:
        ChatwootConnection.objects.filter(pk=connection.pk).update(webhook_secret_digest=digest)
        connection.webhook_secret_digest = digest
