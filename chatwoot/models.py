"""A tenant's Chatwoot account, in which Lyo's assistant answers as an agent bot."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from chatwoot.addresses import chatwoot_base_url_validate
from tenants.fields import EncryptedTextField
from tenants.models import TenantOwnedModel


class ChatwootConnection(TenantOwnedModel):
    """Where a tenant's Chatwoot lives and how Lyo and Chatwoot authenticate to each other.

    Secrets are set or replaced in the admin, never shown: the agent bot's access
    token (Lyo → Chatwoot) and the webhook secret (Chatwoot → Lyo: the HMAC key of
    ``X-Chatwoot-Signature``, or the last segment of the webhook URL for Chatwoot
    versions that do not sign).
    """

    # Lyo posts the bot token there: only to https and public addresses (chatwoot.addresses).
    base_url = models.URLField(
        _("address"), help_text=_("Chatwoot's address, e.g. https://app.chatwoot.com"),
        validators=[chatwoot_base_url_validate],
    )
    account_id = models.PositiveIntegerField(
        _("account id"), help_text=_("The Chatwoot account id (in Chatwoot's URLs).")
    )
    inbox_ids = models.JSONField(
        _("inbox ids"), default=list, blank=True,
        help_text=_("Inboxes the assistant answers in; empty: every inbox the agent bot is connected to."),
    )
    bot_access_token = EncryptedTextField(_("bot access token"), blank=True, default="")
    webhook_secret = EncryptedTextField(_("webhook secret"), blank=True, default="")
    # HMAC-SHA256 of the webhook secret under a key derived from SECRET_KEY
    # (``chatwoot.signature.secret_digest``): finds the connection of a request whose URL
    # carries the secret without decrypting every tenant's; a database dump alone
    # cannot test guesses against it (the secret itself is never stored in clear).
    webhook_secret_digest = models.CharField(
        _("webhook secret digest"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set when Chatwoot rejects the bot token (401); cleared when a new one is set.
    token_invalid_at = models.DateTimeField(_("token rejected at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_chatwoot_connections"
        verbose_name = _("Chatwoot connection")
        verbose_name_plural = _("Chatwoot connections")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="uniq_chatwoot_connection_tenant")]

    def __str__(self) -> str:
        return _("Chatwoot account %(id)s (%(url)s)") % {"id": self.account_id, "url": self.base_url}

    @property
    def has_bot_token(self) -> bool:
        return bool(self.bot_access_token)
