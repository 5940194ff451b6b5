"""A tenant's customers: who writes to the business, on which channel, known by which identity."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import Language, TenantOwnedModel


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    INSTAGRAM = "instagram", "Instagram"
    CHATWOOT = "chatwoot", "Chatwoot"
    # The admin's "try your assistant" chat, the terminal chat and /api/test-message.
    TEST = "test", _("Test")


class Customer(TenantOwnedModel):
    """A tenant's end customer on one channel.

    On WhatsApp Meta sends a business-scoped user id and, unless the customer uses a
    username, the phone number (``wa_id``). Either may be missing; the customer is
    found by the business-scoped id when present, else by the phone number.
    """

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # Business-scoped user id (WhatsApp), IGSID (Instagram), contact id (Chatwoot).
    channel_user_id = models.CharField(_("channel user id"), max_length=128, null=True, blank=True)
    # E.164 digits without "+", as Meta's ``wa_id``.
    phone = models.CharField(_("phone"), max_length=32, null=True, blank=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, blank=True,
        help_text=_("The language the customer writes in; empty until known."),
    )
    # Set when the customer asked for no more messages Lyo starts itself ("stop"): reminders,
    # rebook nudges and review requests stop; confirmations of their own bookings still go.
    opted_out_at = models.DateTimeField(
        _("no more messages since"), null=True, blank=True,
        help_text=_("The customer asked Lyo to stop writing first: no reminders, rebook nudges or review requests."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_users"
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "channel_user_id"],
                condition=Q(channel_user_id__isnull=False),
                name="uniq_customer_channel_user_id",
            ),
            models.UniqueConstraint(
                fields=["tenant", "channel", "phone"],
                condition=Q(phone__isnull=False),
                name="uniq_customer_channel_phone",
            ),
            models.CheckConstraint(
                condition=Q(channel_user_id__isnull=False) | Q(phone__isnull=False),
                name="customer_has_an_identity",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.phone or self.channel_user_id or f"customer {self.pk}"
