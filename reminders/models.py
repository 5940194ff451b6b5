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
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant, TenantOwnedModel

# A reminder earlier than a week ahead reminds nobody of anything.
HOURS_BEFORE_MAX = 168


class Purpose(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    STAFF_BOOKED = "staff_booked", _("Booking confirmed by staff")
    STAFF_MOVED = "staff_moved", _("Booking changed by staff")
    STAFF_CANCELLED = "staff_cancelled", _("Booking cancelled by staff")
    # To the business's own staff (alerts), not to customers: its body has two parameters,
    # {{1}} what happened (the kind of alert) and {{2}} the details; ``parameters`` is not read.
    STAFF_ALERT = "staff_alert", _("Staff alert")
    # After the visit: each sent at most once per booking (``FollowUpSent``).
    REVIEW_REQUEST = "review_request", _("Review request")
    REBOOK_NUDGE = "rebook_nudge", _("Rebook nudge")
    NO_SHOW_FOLLOW_UP = "no_show_follow_up", _("No-show follow-up")
    # A freed slot held for a waitlisted customer; its template's Confirm / No thanks buttons
    # are given the held booking's code like a reminder's.
    WAITLIST_OFFER = "waitlist_offer", _("Waitlist offer")


class TemplateCategory(models.TextChoices):
    """What Meta bills a template as (WhatsApp's "Pricing" page): utility serves a booking made,
    marketing invites a new visit and costs more."""

    UTILITY = "utility", _("Utility")
    MARKETING = "marketing", _("Marketing")


# Purposes whose templates Meta approves as marketing: they ask for something new, a review
# or another visit. Every other purpose is about a booking the customer made (utility).
MARKETING_PURPOSES = frozenset({Purpose.REVIEW_REQUEST.value, Purpose.REBOOK_NUDGE.value})


def category_for_purpose(purpose: str) -> str:
    """The category a template of ``purpose`` usually gets approved in."""
    return TemplateCategory.MARKETING if purpose in MARKETING_PURPOSES else TemplateCategory.UTILITY


class TemplateParameter(models.TextChoices):
    """What fills a template's {{1}}, {{2}}, ... (in the order the template lists them)."""

    CUSTOMER_NAME = "customer_name", _("customer's name")
    DATE = "date", _("date (\"giovedì 26 novembre\")")
    TIME = "time", _("time (\"20:00\")")
    PARTY_OR_SERVICE = "party_or_service", _("party size or service (\"2 persone\", \"Taglio\")")
    REFERENCE = "reference", _("booking code")


DEFAULT_PARAMETERS = ",".join(TemplateParameter.values)


def parameters_parse(value: str) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def validate_parameters(value: str) -> None:
    unknown = [name for name in parameters_parse(value) if name not in TemplateParameter.values]
    if unknown:
        raise ValidationError(
            _("Unknown parameter(s): %(unknown)s. Use: %(known)s."),
            params={"unknown": ", ".join(unknown), "known": ", ".join(TemplateParameter.values)},
        )


class ReminderSettings(TenantOwnedModel):
    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="reminder_settings", verbose_name=_("tenant")
    )
    reminders_enabled = models.BooleanField(
        _("reminders on"), default=True,
        help_text=_("Remind customers of their bookings on the channel they booked on."),
    )
    hours_before = models.PositiveSmallIntegerField(
        _("reminder (hours before)"), default=24,
        validators=[MinValueValidator(1), MaxValueValidator(HOURS_BEFORE_MAX)],
    )
    second_hours_before = models.PositiveSmallIntegerField(
        _("second reminder (hours before)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(HOURS_BEFORE_MAX)],
        help_text=_("Optional, e.g. 2; must be fewer hours than the first reminder."),
    )
    quiet_hours_start = models.TimeField(
        _("quiet hours start"), null=True, blank=True,
        help_text=_("Start of the quiet hours, in the business's time zone (e.g. 22:00): no reminder is sent "
                    "from then..."),
    )
    quiet_hours_end = models.TimeField(
        _("quiet hours end"), null=True, blank=True,
        help_text=_("...until this time (e.g. 08:00). A reminder due in between goes out when they end."),
    )
    notify_staff_changes = models.BooleanField(
        _("tell customers about staff changes"), default=True,
        help_text=_("When staff book, move or cancel a booking for a customer, the customer gets a message."),
    )
    review_requests_enabled = models.BooleanField(
        _("ask for a review"), default=False,
        help_text=_("After every completed visit (never only the happy ones: Google forbids choosing), Lyo "
                    "sends the review link."),
    )
    review_delay_hours = models.PositiveSmallIntegerField(
        _("review request (hours after the end)"), default=2, validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    review_link = models.URLField(
        _("review link"), blank=True, help_text=_("E.g. your Google Business Profile's \"ask for reviews\" link."),
    )
    review_every_days = models.PositiveSmallIntegerField(
        _("at most one review request every (days)"), default=90, validators=[MinValueValidator(1)],
    )
    rebook_nudges_enabled = models.BooleanField(
        _("suggest rebooking"), default=False,
        help_text=_("When a service's \"rebook after\" weeks have passed and the customer has no future booking."),
    )
    no_show_follow_up_enabled = models.BooleanField(
        _("write after a no-show"), default=False,
        help_text=_("\"We missed you: shall we find another time?\""),
    )
    # Double confirmation (``reminders.reconfirm``): the reminder asks these parties to confirm by a deadline.
    reconfirm_party_size = models.PositiveSmallIntegerField(
        _("ask parties of this many or more to reconfirm"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("Their reminder asks them to tap Confirm by a deadline (1: everyone; empty: nobody)."),
    )
    reconfirm_hours_before = models.PositiveSmallIntegerField(
        _("ask them to reconfirm (hours before)"), default=24,
        validators=[MinValueValidator(2), MaxValueValidator(HOURS_BEFORE_MAX)],
        help_text=_("Their reminder goes out this many hours before the booking."),
    )
    reconfirm_deadline_hours = models.PositiveSmallIntegerField(
        _("answer due (hours before)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_("Not confirmed this many hours before the booking: staff are alerted."),
    )
    reconfirm_release = models.BooleanField(
        _("release unconfirmed bookings"), default=False,
        help_text=_("At the deadline an unconfirmed booking is cancelled, the customer told, and the table or "
                    "time offered to the waitlist."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_reminder_settings"
        verbose_name = _("reminders and templates")
        verbose_name_plural = _("reminders and templates")

    def __str__(self) -> str:
        if not self.tenant_id:
            return str(_("Reminders"))
        return _("Reminders of %(tenant)s") % {"tenant": self.tenant}

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_hours_start is not None and self.quiet_hours_end is not None

    def clean(self) -> None:
        super().clean()
        errors = {}
        first, second = self.hours_before, self.second_hours_before
        if first is not None and second is not None and second >= first:
            errors["second_hours_before"] = _("The second reminder comes later: fewer hours before than the first.")
        if (
            self.reconfirm_party_size is not None and self.reconfirm_hours_before is not None
            and self.reconfirm_deadline_hours is not None
            and self.reconfirm_deadline_hours >= self.reconfirm_hours_before
        ):
            errors["reconfirm_deadline_hours"] = _("The answer is due after they are asked: fewer hours before.")
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            errors["quiet_hours_end"] = _("Set both the start and the end of the quiet hours, or neither.")
        elif self.has_quiet_hours and self.quiet_hours_start == self.quiet_hours_end:
            errors["quiet_hours_end"] = _("The quiet hours must end at a different time than they start.")
        if errors:
            raise ValidationError(errors)


class MessageTemplate(TenantOwnedModel):
    """An approved WhatsApp template Lyo sends for ``purpose`` outside the 24-hour window."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    name = models.CharField(
        _("name"), max_length=512,
        validators=[RegexValidator(r"^[a-z0-9_]+$", _("Template names have lowercase letters, digits and _ only."))],
        help_text=_("The template's name as approved in WhatsApp Manager, e.g. booking_reminder."),
    )
    language = models.CharField(
        _("language"), max_length=15,
        validators=[
            RegexValidator(r"^[a-z]{2,3}(_[A-Z]{2})?$", _("A language code as Meta writes it: it, en, en_US."))
        ],
        help_text=_("The code of the approved translation (it, en, en_US...). Customers get the template in "
                    "their language when there is one, otherwise in the business's language."),
    )
    parameters = models.CharField(
        _("parameters"), max_length=200, default=DEFAULT_PARAMETERS, validators=[validate_parameters],
        help_text=format_lazy(
            "{what} {names}. {empty}",
            what=_("What fills {{1}}, {{2}}, ... in order, comma-separated, from:"),
            names=", ".join(TemplateParameter.values),
            empty=_("Empty: the template has none."),
        ),
        blank=True,
    )
    category = models.CharField(
        _("category"), max_length=10, choices=TemplateCategory.choices, blank=True,
        help_text=_("As approved in WhatsApp Manager: Meta bills marketing templates at a higher price than "
                    "utility ones. Empty: from the purpose (review requests and rebook nudges are marketing, "
                    "the rest utility)."),
    )
    confirm_cancel_buttons = models.BooleanField(
        _("Confirm / Cancel buttons"), default=False,
        help_text=_("Reminders and waitlist offers: the template has two quick-reply buttons, Confirm first "
                    "and Cancel (or No thanks) second. Lyo then gives each the booking's code, so a tap acts "
                    "on that very booking."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_message_templates"
        ordering = ["purpose", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "purpose", "language"], name="uniq_template_purpose_language"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.name} ({self.language})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.category:
            self.category = category_for_purpose(self.purpose)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def parameter_names(self) -> list[str]:
        return parameters_parse(self.parameters)

    @property
    def base_language(self) -> str:
        """"en_US" → "en": the language the parameters are written in."""
        return self.language.split("_", 1)[0]


class FollowUpSent(TenantOwnedModel):
    """A message after a visit (review request, rebook nudge, no-show follow-up) was queued for a booking.

    The unique constraint is what makes each one go once, however many runs race for it.
    """

    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("booking")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("customer")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        db_table = "lyo_follow_ups_sent"
        verbose_name = _("message after a visit")
        verbose_name_plural = _("messages after a visit")
        constraints = [
            models.UniqueConstraint(fields=["appointment", "purpose"], name="uniq_follow_up_per_booking"),
        ]
        indexes = [models.Index(fields=["tenant", "customer", "purpose", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.appointment_id})"
