"""Per-tenant settings for the messages Lyo starts itself: reminders and news of staff changes.

WhatsApp delivers a free-form message only within 24 hours of the customer's last
message; outside that window only a template the business had approved by Meta
(Meta's "Templates" and "Customer service windows" pages). ``MessageTemplate`` names
the approved template Lyo uses for each purpose, per language.

Kept out of the tenant table on purpose: one row per tenant (``ReminderSettings``),
created when staff first change a default.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from tenants.models import Tenant, TenantOwnedModel

# A reminder earlier than a week ahead reminds nobody of anything.
HOURS_BEFORE_MAX = 168


class Purpose(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    STAFF_BOOKED = "staff_booked", "Booking confirmed by staff"
    STAFF_MOVED = "staff_moved", "Booking changed by staff"
    STAFF_CANCELLED = "staff_cancelled", "Booking cancelled by staff"


class TemplateParameter(models.TextChoices):
    """What fills a template's {{1}}, {{2}}, ... (in the order the template lists them)."""

    CUSTOMER_NAME = "customer_name", "customer's name"
    DATE = "date", "date (\"giovedì 26 novembre\")"
    TIME = "time", "time (\"20:00\")"
    PARTY_OR_SERVICE = "party_or_service", "party size or service (\"2 persone\", \"Taglio\")"
    REFERENCE = "reference", "booking code"


DEFAULT_PARAMETERS = ",".join(TemplateParameter.values)


def parameters_parse(value: str) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def validate_parameters(value: str) -> None:
    unknown = [name for name in parameters_parse(value) if name not in TemplateParameter.values]
    if unknown:
        raise ValidationError(
            f"Unknown parameter(s): {', '.join(unknown)}. Use: {', '.join(TemplateParameter.values)}."
        )


class ReminderSettings(TenantOwnedModel):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="reminder_settings")
    reminders_enabled = models.BooleanField(
        default=True, help_text="Remind customers of their bookings on the channel they booked on."
    )
    hours_before = models.PositiveSmallIntegerField(
        "reminder (hours before)", default=24,
        validators=[MinValueValidator(1), MaxValueValidator(HOURS_BEFORE_MAX)],
    )
    second_hours_before = models.PositiveSmallIntegerField(
        "second reminder (hours before)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(HOURS_BEFORE_MAX)],
        help_text="Optional, e.g. 2; must be fewer hours than the first reminder.",
    )
    quiet_hours_start = models.TimeField(
        null=True, blank=True,
        help_text="Start of the quiet hours, in the business's time zone (e.g. 22:00): no reminder is sent "
        "from then...",
    )
    quiet_hours_end = models.TimeField(
        null=True, blank=True,
        help_text="...until this time (e.g. 08:00). A reminder due in between goes out when they end.",
    )
    notify_staff_changes = models.BooleanField(
        "tell customers about staff changes", default=True,
        help_text="When staff book, move or cancel a booking for a customer, the customer gets a message.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lyo_reminder_settings"
        verbose_name = "reminders and templates"
        verbose_name_plural = "reminders and templates"

    def __str__(self) -> str:
        return f"Reminders of {self.tenant}" if self.tenant_id else "Reminders"

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_hours_start is not None and self.quiet_hours_end is not None

    def clean(self) -> None:
        super().clean()
        errors = {}
        first, second = self.hours_before, self.second_hours_before
        if first is not None and second is not None and second >= first:
            errors["second_hours_before"] = "The second reminder comes later: fewer hours before than the first."
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            errors["quiet_hours_end"] = "Set both the start and the end of the quiet hours, or neither."
        elif self.has_quiet_hours and self.quiet_hours_start == self.quiet_hours_end:
            errors["quiet_hours_end"] = "The quiet hours must end at a different time than they start."
        if errors:
            raise ValidationError(errors)


class MessageTemplate(TenantOwnedModel):
    """An approved WhatsApp template Lyo sends for ``purpose`` outside the 24-hour window."""

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    name = models.CharField(
        max_length=512,
        validators=[RegexValidator(r"^[a-z0-9_]+$", "Template names have lowercase letters, digits and _ only.")],
        help_text="The template's name as approved in WhatsApp Manager, e.g. booking_reminder.",
    )
    language = models.CharField(
        max_length=15,
        validators=[RegexValidator(r"^[a-z]{2,3}(_[A-Z]{2})?$", "A language code as Meta writes it: it, en, en_US.")],
        help_text="The code of the approved translation (it, en, en_US...). Customers get the template in "
        "their language when there is one, otherwise in the business's language.",
    )
    parameters = models.CharField(
        max_length=200, default=DEFAULT_PARAMETERS, validators=[validate_parameters],
        help_text="What fills {{1}}, {{2}}, ... in order, comma-separated, from: "
        + ", ".join(TemplateParameter.values) + ". Empty: the template has none.",
        blank=True,
    )
    confirm_cancel_buttons = models.BooleanField(
        "Confirm / Cancel buttons", default=False,
        help_text="Reminders: the template has two quick-reply buttons, Confirm first and Cancel second. "
        "Lyo then gives each the booking's code, so a tap acts on that very booking.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lyo_message_templates"
        ordering = ["purpose", "language"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "purpose", "language"], name="uniq_template_purpose_language"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.name} ({self.language})"

    @property
    def parameter_names(self) -> list[str]:
        return parameters_parse(self.parameters)

    @property
    def base_language(self) -> str:
        """"en_US" → "en": the language the parameters are written in."""
        return self.language.split("_", 1)[0]
