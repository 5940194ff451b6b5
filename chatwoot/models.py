"""A tenant's Chatwoot account, in which Lyo's assistant answers as an agent bot."""

from django.db import models

from tenants.fields import EncryptedTextField
from tenants.models import TenantOwnedModel


class ChatwootConnection(TenantOwnedModel):
    """Where a tenant's Chatwoot lives and how Lyo and Chatwoot authenticate to each other.

    Secrets are set or replaced in the admin, never shown: the agent bot's access
    token (Lyo → Chatwoot) and the webhook secret (Chatwoot → Lyo: the HMAC key of
    ``X-Chatwoot-Signature``, or the last segment of the webhook URL for Chatwoot
    versions that do not sign).
    """

    base_url = models.URLField(help_text="Chatwoot's address, e.g. https://app.chatwoot.com")
    account_id = models.PositiveIntegerField(help_text="The Chatwoot account id (in Chatwoot's URLs).")
    inbox_ids = models.JSONField(
        default=list, blank=True,
        help_text="Inboxes the assistant answers in; empty: every inbox the agent bot is connected to.",
    )
    bot_access_token = EncryptedTextField(blank=True, default="")
    webhook_secret = EncryptedTextField(blank=True, default="")
    # SHA-256 of the webhook secret: finds the connection of a request whose URL carries
    # the secret without decrypting every tenant's (the secret itself is never stored in clear).
    webhook_secret_digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    # Set when Chatwoot rejects the bot token (401); cleared when a new one is set.
    token_invalid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lyo_chatwoot_connections"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="uniq_chatwoot_connection_tenant")]

    def __str__(self) -> str:
        return f"Chatwoot account {self.account_id} ({self.base_url})"

    @property
    def has_bot_token(self) -> bool:
        return bool(self.bot_access_token)
