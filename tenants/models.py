"""Tenants (the businesses that use Lyo) and the staff who work for them."""

import uuid
import zoneinfo
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tenants.fields import EncryptedTextField
from tenants.scoping import TenantScopedManager


def validate_timezone_name(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone name (e.g. Europe/Rome)."), params={"value": repr(value)}
        )


class Language(models.TextChoices):
    # Each language is named in itself, whatever the reader's language.
    ITALIAN = "it", "Italiano"
    ENGLISH = "en", "English"


class Tenant(models.Model):
    class Kind(models.TextChoices):
        RESTAURANT = "restaurant", _("Restaurant")
        SALON = "salon", _("Salon")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Rome", validators=[validate_timezone_name]
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ITALIAN,
        help_text=_("Language for customers whose own language is not known yet."),
    )
    address = models.TextField(_("address"), blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=32, blank=True,
        help_text=_("Number customers can call, e.g. to cancel late."),
    )

    whatsapp_phone_number_id = models.CharField(
        _("WhatsApp phone number id"), max_length=32, unique=True, null=True, blank=True,
        help_text=_("Meta's phone number id (not the display number, not the business account id)."),
    )
    whatsapp_business_account_id = models.CharField(_("WhatsApp business account id"), max_length=32, blank=True)
    whatsapp_display_phone_number = models.CharField(_("WhatsApp display number"), max_length=32, blank=True)
    whatsapp_access_token = EncryptedTextField(_("WhatsApp access token"), blank=True, default="")
    # Set when the Graph API rejects the token (code 190); cleared when a new one is set.
    # A number that stays in the WhatsApp Business app (coexistence): Meta allows it 20
    # messages a second, not the Cloud API's 80.
    whatsapp_coexistence = models.BooleanField(
        _("number also in the WhatsApp Business app"), default=False,
        help_text=_("The number joined the Cloud API while staying in the WhatsApp Business app (coexistence)."),
    )
    whatsapp_send_rate_per_second = models.PositiveSmallIntegerField(
        _("WhatsApp messages per second"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Leave empty for Meta's limit: 80 a second, 20 for a number also in the Business app."),
    )
    whatsapp_token_invalid_at = models.DateTimeField(_("WhatsApp token rejected at"), null=True, blank=True)

    instagram_account_id = models.CharField(
        _("Instagram account id"), max_length=32, unique=True, null=True, blank=True,
        help_text=_("The Instagram professional account's id (the entry id of Meta's Instagram webhooks)."),
    )
    instagram_access_token = EncryptedTextField(_("Instagram access token"), blank=True, default="")
    # Like the WhatsApp one: set when Meta rejects the token, cleared when a new one is set.
    instagram_token_invalid_at = models.DateTimeField(_("Instagram token rejected at"), null=True, blank=True)

    is_active = models.BooleanField(_("active"), default=True)

    # Booking settings.
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot (minutes)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Bookable start times fall on multiples of this many minutes."),
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=120,
        help_text=_("No booking may start sooner than this after now."),
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("bookable days ahead"), default=60, validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("How far ahead customers may book."),
    )
    default_duration_minutes = models.PositiveSmallIntegerField(
        _("default duration (minutes)"), default=90, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text=_("How long a booking lasts when no service sets it (a restaurant sitting)."),
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("cancellation cut-off (hours)"), default=2,
        help_text=_("Customers cannot cancel or move a booking closer than this to its start."),
    )
    pacing_max_covers = models.PositiveSmallIntegerField(
        _("most guests per slot"), null=True, blank=True,
        help_text=_("Restaurants: at most this many guests may start in one slot (empty: no limit)."),
    )
    waitlist_hold_minutes = models.PositiveSmallIntegerField(
        _("waitlist offer held for (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A freed time offered to a waitlisted customer is kept for them this long; unanswered, it goes "
                    "to the next."),
    )
    approval_party_size = models.PositiveSmallIntegerField(
        _("parties of this many or more need approval"), null=True, blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(500)],
        help_text=_("The assistant takes such a booking as a request that staff approve or decline (empty: never)."),
    )
    approval_hold_hours = models.PositiveSmallIntegerField(
        _("hold the table while waiting for approval (hours)"), default=2, validators=[MaxValueValidator(72)],
        help_text=_("The table is kept this long for a request staff have not answered; then the request is "
                    "declined and the customer told. 0: nothing is kept, and approving books the time only if "
                    "it is still free (unanswered, the request lapses at the booking's time)."),
    )
    conversation_timeout_minutes = models.PositiveSmallIntegerField(
        _("conversation timeout (minutes)"), default=30,
        help_text=_("A half-finished conversation is forgotten after this much silence."),
    )

    # Limits on the assistant that a real customer never meets and a bot loop never
    # escapes (two assistants relaying to each other, a flood of "grazie").
    reply_limit_per_minute = models.PositiveSmallIntegerField(
        _("replies per minute, per conversation"), default=8, validators=[MinValueValidator(1)],
        help_text=_("The assistant stops answering a conversation that asks for more; staff are told."),
    )
    reply_limit_per_hour = models.PositiveSmallIntegerField(
        _("replies per hour, per conversation"), default=60, validators=[MinValueValidator(1)],
        help_text=_("The assistant stops answering a conversation that asks for more; staff are told."),
    )
    staff_hand_back_hours = models.PositiveSmallIntegerField(
        _("hand back to the assistant after (hours)"), default=12,
        help_text=_("A conversation staff took over goes back to the assistant after this many hours without "
                    "a staff reply (0: never)."),
    )
    owner_app_silence_minutes = models.PositiveSmallIntegerField(
        _("silence after the owner writes from the app (minutes)"), default=30,
        help_text=_("After the owner writes to a customer from the WhatsApp Business app, the assistant stays "
                    "silent in that conversation for this many minutes from the owner's last message."),
    )
    max_active_bookings_per_customer = models.PositiveSmallIntegerField(
        _("future bookings per customer"), default=3, validators=[MinValueValidator(1)],
        help_text=_("The assistant books no more future bookings than this for one customer."),
    )
    max_bookings_per_customer_per_day = models.PositiveSmallIntegerField(
        _("bookings per customer per day"), default=1, validators=[MinValueValidator(1)],
        help_text=_("The assistant books no more than this for one customer on the same day."),
    )

    # Bumped (tenants.services.tenant_config_changed) whenever what the assistant reads
    # about the tenant changes: services, resources, opening hours, closures. Caches
    # key on it, so a changed configuration is read again instead of served stale.
    config_version = models.PositiveIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_tenants"
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Only tenant_config_changed writes config_version, with an UPDATE that adds one.
        # A plain save() of an instance loaded before a bump would write the old number
        # back, and a cache could then take a changed configuration for one it has seen.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.attname for field in self._meta.concrete_fields
                if not field.primary_key and field.attname != "config_version" and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_time_text(self, moment: datetime) -> str:
        """``moment`` as staff read it: the business's wall clock, in the active language ("3 dic 2026 20:00")."""
        return date_format(moment.astimezone(self.tzinfo), "j M Y H:i")

    @property
    def has_whatsapp_token(self) -> bool:
        return bool(self.whatsapp_access_token)

    @property
    def has_instagram_token(self) -> bool:
        return bool(self.instagram_access_token)


class TenantMembership(models.Model):
    """A Django user working for a tenant; it decides what the user sees in the admin."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tenant_memberships", verbose_name=_("user")
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("tenant"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "lyo_tenant_memberships"
        verbose_name = _("tenant membership")
        verbose_name_plural = _("tenant memberships")
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="uniq_membership_user_tenant")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"


class TenantOwnedModel(models.Model):
    """Base for every row that belongs to a tenant.

    ``clean()`` refuses a row that points at another tenant's rows, so no form, even
    one for a user of several tenants, can mix two tenants' data.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, verbose_name=_("tenant"))

    # The tenant-scoping tripwire (tenants/scoping.py); relations use the plain base manager.
    objects = TenantScopedManager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if not self.tenant_id:
            return
        errors = {}
        for field in self._meta.concrete_fields:
            if not field.is_relation or field.name == "tenant":
                continue
            related = getattr(self, field.name, None)
            related_tenant_id = getattr(related, "tenant_id", None)
            if related_tenant_id is not None and related_tenant_id != self.tenant_id:
                errors[field.name] = _("Belongs to another tenant.")
        if errors:
            raise ValidationError(errors)


class AuditEvent(models.Model):
    """Who exported or erased a customer's data, or changed a tenant's secrets, and when.

    Written only by ``tenants.audit.audit_record``; never edited or deleted through the
    admin. Holds ids and labels, never a customer's name or phone number (an erased
    customer must leave no trace here either) and never a token.
    """

    class Action(models.TextChoices):
        PERSONAL_DATA_EXPORT = "personal_data_export", _("Personal data exported")
        PERSONAL_DATA_ERASE = "personal_data_erase", _("Personal data erased")
        TOKEN_SET = "token_set", _("Token or secret set")
        TOKEN_CLEARED = "token_cleared", _("Token or secret removed")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_events", verbose_name=_("tenant"))
    # Null for an operator at the command line (``actor_label`` says which command).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("who"),
    )
    # The username at the time (kept if the user is deleted later), or e.g. "manage.py erase_customer".
    actor_label = models.CharField(_("who (as recorded)"), max_length=150)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    # What it was about, by id only: "customer 42", "WhatsApp access token".
    target = models.CharField(_("about"), max_length=200)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "lyo_audit_events"
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [models.Index(fields=["tenant", "created_at"], name="audit_tenant_created_idx")]

    def __str__(self) -> str:
        # On the business's wall clock, as everything staff read.
        when = self.tenant.local_time_text(self.created_at) if self.created_at else ""
        return f"{when} {self.actor_label}: {self.get_action_display()} ({self.target})"
