"""Tenants (the businesses that use Lyo) and the staff who work for them."""

import uuid
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tenants.fields import EncryptedTextField


def validate_timezone_name(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name (e.g. Europe/Rome).")


class Language(models.TextChoices):
    ITALIAN = "it", "Italiano"
    ENGLISH = "en", "English"


class Tenant(models.Model):
    class Kind(models.TextChoices):
        RESTAURANT = "restaurant", "Restaurant"
        SALON = "salon", "Salon"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    timezone = models.CharField(max_length=64, default="Europe/Rome", validators=[validate_timezone_name])
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ITALIAN,
        help_text="Language for customers whose own language is not known yet.",
    )
    address = models.TextField(blank=True)
    contact_phone = models.CharField(
        max_length=32, blank=True, help_text="Number customers can call, e.g. to cancel late."
    )

    whatsapp_phone_number_id = models.CharField(
        max_length=32, unique=True, null=True, blank=True,
        help_text="Meta's phone number id (not the display number, not the business account id).",
    )
    whatsapp_business_account_id = models.CharField(max_length=32, blank=True)
    whatsapp_display_phone_number = models.CharField(max_length=32, blank=True)
    whatsapp_access_token = EncryptedTextField(blank=True, default="")
    # Set when the Graph API rejects the token (code 190); cleared when a new one is set.
    whatsapp_token_invalid_at = models.DateTimeField(null=True, blank=True)

    instagram_account_id = models.CharField(
        max_length=32, unique=True, null=True, blank=True,
        help_text="The Instagram professional account's id (the entry id of Meta's Instagram webhooks).",
    )
    instagram_access_token = EncryptedTextField(blank=True, default="")
    # Like the WhatsApp one: set when Meta rejects the token, cleared when a new one is set.
    instagram_token_invalid_at = models.DateTimeField(null=True, blank=True)

    is_active = models.BooleanField(default=True)

    # Booking settings.
    slot_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Bookable start times fall on multiples of this many minutes.",
    )
    min_notice_minutes = models.PositiveIntegerField(
        default=120, help_text="No booking may start sooner than this after now."
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="How far ahead customers may book.",
    )
    default_duration_minutes = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text="How long a booking lasts when no service sets it (a restaurant sitting).",
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        default=2, help_text="Customers cannot cancel or move a booking closer than this to its start.",
    )
    pacing_max_covers = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="Restaurants: at most this many guests may start in one slot (empty: no limit).",
    )
    conversation_timeout_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="A half-finished conversation is forgotten after this much silence.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lyo_tenants"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def has_whatsapp_token(self) -> bool:
        return bool(self.whatsapp_access_token)

    @property
    def has_instagram_token(self) -> bool:
        return bool(self.instagram_access_token)


class TenantMembership(models.Model):
    """A Django user working for a tenant; it decides what the user sees in the admin."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tenant_memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "lyo_tenant_memberships"
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="uniq_membership_user_tenant")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"


class TenantOwnedModel(models.Model):
    """Base for every row that belongs to a tenant.

    ``clean()`` refuses a row that points at another tenant's rows, so no form, even
    one for a user of several tenants, can mix two tenants' data.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)

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
                errors[field.name] = "Belongs to another tenant."
        if errors:
            raise ValidationError(errors)
