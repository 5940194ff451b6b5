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
