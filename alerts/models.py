"""Staff alerts: what happened that a person should know now, and how each staff member hears of it.

``Alert`` is one event (a conversation handed to staff, a large party, a last-minute
change, a message that failed), unique per (tenant, kind, event key) so a signal or a
task that runs twice records it once. ``AlertDelivery`` is one way one staff member
hears of it (email or WhatsApp), unique per (alert, user, medium) so it is sent once;
its ``seen_at`` takes the alert off that user's home page.
"""

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant, TenantOwnedModel

DEFAULT_LARGE_PARTY_THRESHOLD = 8
DEFAULT_LAST_MINUTE_HOURS = 3


class AlertKind(models.TextChoices):
    NEEDS_PERSON = "needs_person", _("A conversation needs a person")
    LARGE_PARTY = "large_party", _("A large party asks")
    LAST_MINUTE = "last_minute", _("A last-minute change")
    SEND_FAILED = "send_failed", _("A message failed to send")


class Medium(models.TextChoices):
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")


class AlertSettings(TenantOwnedModel):
    """The business's thresholds; one row per tenant, created when an owner first changes a default."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="alert_settings", verbose_name=_("tenant")
    )
    large_party_threshold = models.PositiveSmallIntegerField(
        _("large party (more than this many guests)"), default=DEFAULT_LARGE_PARTY_THRESHOLD,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("Staff are told when a customer asks for a table for more guests than this."),
    )
    last_minute_hours = models.PositiveSmallIntegerField(
        _("last minute (hours before)"), default=DEFAULT_LAST_MINUTE_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_("Staff are told when a customer books, moves or cancels a booking starting within this many "
                    "hours."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_alert_settings"
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(_("Alert settings"))


class AlertPreference(TenantOwnedModel):
    """How one staff member hears of each kind of alert for one business (defaults: email on, WhatsApp off)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preferences", verbose_name=_("user")
    )
    email_needs_person = models.BooleanField(_("email: a conversation needs a person"), default=True)
    email_large_party = models.BooleanField(_("email: a large party asks"), default=True)
    email_last_minute = models.BooleanField(_("email: a last-minute change"), default=True)
    email_send_failed = models.BooleanField(_("email: a message failed to send"), default=True)
    whatsapp_needs_person = models.BooleanField(_("WhatsApp: a conversation needs a person"), default=False)
    whatsapp_large_party = models.BooleanField(_("WhatsApp: a large party asks"), default=False)
    whatsapp_last_minute = models.BooleanField(_("WhatsApp: a last-minute change"), default=False)
    whatsapp_send_failed = models.BooleanField(_("WhatsApp: a message failed to send"), default=False)
    # E.164 digits without "+", as WhatsApp's wa_id (customers.services.phone_normalise).
    phone = models.CharField(_("WhatsApp number"), max_length=20, blank=True)
    # Empty: the user's own address.
    email = models.EmailField(_("email address"), blank=True)
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_alert_preferences"
        verbose_name = _("alert preference")
        verbose_name_plural = _("alert preferences")
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="uniq_alert_preference_user_tenant")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant_id}"

    def wants(self, kind: str, medium: str) -> bool:
        return bool(getattr(self, f"{medium}_{kind}"))

    @property
    def quiet_hours(self) -> tuple[time, time] | None:
        if self.quiet_hours_start is None or self.quiet_hours_end is None:
            return None
        if self.quiet_hours_start == self.quiet_hours_end:
            return None
        return self.quiet_hours_start, self.quiet_hours_end

    def email_address(self) -> str:
        return self.email or getattr(self.user, "email", "") or ""


class Alert(TenantOwnedModel):
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    # What happened, named so the same event always gets the same key: "message:123:failed".
    event_key = models.CharField(_("event"), max_length=200)
    # The facts the summary is written from, in the reader's language (alerts.texts).
    data = models.JSONField(_("details"), default=dict, blank=True)
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("conversation"),
    )
    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("booking"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "lyo_alerts"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            # One alert per event, however many times its signal or task runs.
            models.UniqueConstraint(fields=["tenant", "kind", "event_key"], name="uniq_alert_event"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.event_key})"


class AlertDelivery(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held for quiet hours")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("alert"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_deliveries", verbose_name=_("user")
    )
    medium = models.CharField(_("medium"), max_length=8, choices=Medium.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Held: when the recipient's quiet hours end (the beat task sends it then).
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "lyo_alert_deliveries"
        ordering = ["pk"]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        constraints = [
            # Sent once per person and medium, however many times the task runs.
            models.UniqueConstraint(fields=["alert", "user", "medium"], name="uniq_alert_delivery"),
        ]
        indexes = [
            models.Index(fields=["status", "hold_until"], name="alert_delivery_held_idx"),
            models.Index(fields=["user", "seen_at"], name="alert_delivery_unseen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.user_id} ({self.medium}: {self.status})"
