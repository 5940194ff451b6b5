"""What a tenant offers (services, hours, tables or staff) and what customers booked."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.models import TenantOwnedModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Service(TenantOwnedModel):
    """Something a customer books: a haircut, a colour, a beard trim (salons)."""

    name_it = models.CharField(_("name (Italian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    aliases = models.TextField(
        _("aliases"), blank=True,
        help_text=_("Other words customers use for it, one per line or comma-separated "
                    "(e.g. haircut, piega, blow dry)."),
    )
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), validators=[MinValueValidator(5)])
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer (minutes)"), default=0, help_text=_("Time kept free after the service (cleaning, setting up).")
    )
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2, null=True, blank=True)
    rebook_after_weeks = models.PositiveSmallIntegerField(
        _("rebook after (weeks)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Salons: this many weeks after a visit Lyo suggests booking the same again (e.g. colour 6). "
                    "Empty: never."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order in lists shown to customers.")
    )

    class Meta:
        db_table = "lyo_services"
        ordering = ["position", "name_it"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [models.UniqueConstraint(fields=["tenant", "name_it"], name="uniq_service_name_it")]

    def __str__(self) -> str:
        return self.name_it

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_it

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("\n", ",").split(",") if a.strip()]


class OpeningHours(TenantOwnedModel):
    """One opening range on a weekday. Several per day (lunch, dinner) are normal.

    ``closes`` earlier than ``opens`` means the range ends after midnight; such a range
    belongs to the day it opens (Friday 19:00-01:00 is Friday evening).
    """

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    last_start = models.TimeField(
        _("last start"), null=True, blank=True,
        help_text=_("Restaurants: last seating time; bookings may start up to it even if "
                    "they end after closing. Empty: a booking must end by closing time."),
    )

    class Meta:
        db_table = "lyo_opening_hours"
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens

    def clean(self) -> None:
        super().clean()
        if self.opens is not None and self.opens == self.closes:
            raise ValidationError({"closes": _("Closing time must differ from opening time.")})


class Closure(TenantOwnedModel):
    """The business is closed from ``starts_at`` to ``ends_at`` (a holiday, a private event)."""

    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        db_table = "lyo_closures"
        ordering = ["starts_at"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="closure_ends_after_start")
        ]

    def __str__(self) -> str:
        # In the business's zone: a closure named in UTC reads an hour off in Rome.
        starts, ends = self.tenant.local_time_text(self.starts_at), self.tenant.local_time_text(self.ends_at)
        return f"{starts} → {ends} {self.reason}".strip()

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The closure must end after it starts.")})


class Resource(TenantOwnedModel):
    """What a booking occupies: a restaurant table, or a salon's staff member / chair."""

    class Kind(models.TextChoices):
        TABLE = "table", _("Table")
        STAFF = "staff", _("Staff member")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    min_seats = models.PositiveSmallIntegerField(
        _("minimum seats"), default=1, help_text=_("Tables: smallest party seated here.")
    )
    max_seats = models.PositiveSmallIntegerField(
        _("maximum seats"), default=1, help_text=_("Tables: largest party seated here.")
    )
    services = models.ManyToManyField(
        Service, blank=True, related_name="resources", db_table="lyo_resource_services",
        verbose_name=_("services"), help_text=_("Staff: the services this person can do."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        db_table = "lyo_resources"
        ordering = ["position", "name"]
        verbose_name = _("table or staff member")
        verbose_name_plural = _("tables and staff")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="uniq_resource_name"),
            models.CheckConstraint(condition=Q(max_seats__gte=models.F("min_seats")), name="resource_seats_range"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.TABLE:
            return f"{self.name} ({self.min_seats}-{self.max_seats})"
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.min_seats is not None and self.max_seats is not None and self.max_seats < self.min_seats:
            raise ValidationError({"max_seats": _("Must be at least the minimum seats.")})


class Appointment(TenantOwnedModel):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")
        # Kept for one customer until ``hold_expires_at`` (a freed slot offered to them, a
        # big party waiting for approval): it occupies the resource like a confirmed booking.
        HELD = "held", _("Held")
        # A hold nobody confirmed in time: the resource is free again.
        EXPIRED = "expired", _("Hold expired")
        # A big party's request waiting for staff approval with nothing kept for it
        # (``bookings.approvals``): it occupies nothing; approving books it if still free.
        PENDING = "pending", _("Waiting for approval")

    class HoldReason(models.TextChoices):
        WAITLIST_OFFER = "waitlist_offer", _("Offered from the waitlist")
        APPROVAL = "approval", _("Waiting for staff approval")
        # A deposit or card guarantee asked by the payment policy: held while the customer pays.
        PAYMENT = "payment", _("Waiting for payment")

    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp"
        INSTAGRAM = "instagram", "Instagram"
        CHATWOOT = "chatwoot", "Chatwoot"
        TEST = "test", _("Test")
        ADMIN = "admin", _("Staff (admin)")
        API = "api", "API"

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments",
        verbose_name=_("customer"),
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments",
        verbose_name=_("service"),
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("table or staff member")
    )
    starts_at = models.DateTimeField(_("starts at"))
    # When the customer's booking ends (the service's duration or the sitting time).
    ends_at = models.DateTimeField(_("ends at"))
    # When the resource is free again: ``ends_at`` plus the service's buffer (cleaning,
    # setting up). Overlap is checked, and on PostgreSQL excluded by the database, on
    # [starts_at, blocks_until).
    blocks_until = models.DateTimeField(_("occupied until"))
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1, validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    # Short code customers read out and type; unique per tenant.
    reference = models.CharField(_("reference"), max_length=8)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ADMIN)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The customer tapped "Confirm" on a reminder (cleared when the booking moves).
    customer_confirmed_at = models.DateTimeField(_("confirmed by customer at"), null=True, blank=True)
    # Each reminder goes out once: the sender claims it by setting its time with a
    # conditional UPDATE (``reminders.services``). Cleared when the booking moves, so
    # the new time is reminded too.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    second_reminder_sent_at = models.DateTimeField(_("second reminder sent at"), null=True, blank=True)
    # The visit as staff follow it on the day view (``bookings.services.appointment_visit_mark``):
    # each step keeps the first time it was marked, and a later step implies the earlier ones.
    # ``status`` stays the booking's outcome (confirmed, completed, no-show, cancelled).
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    seated_at = models.DateTimeField(_("seated at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    # Booked on the spot for a guest who came in without booking (the day view's "Walk-in").
    walk_in = models.BooleanField(_("walk-in"), default=False)
    # A held booking: until when, and why (``bookings.services.appointment_hold``). Past
    # this time the hold no longer blocks availability, even before the sweep marks it expired.
    hold_expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    hold_reason = models.CharField(_("held because"), max_length=20, choices=HoldReason.choices, blank=True)
    # Two services in one visit ("colore e piega") are booked back to back, one row per
    # service: the later ones point to the first, which is the visit the customer sees
    # (its code, its reminder). Cancelling or moving the first takes the rest along.
    visit_first = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="visit_parts",
        verbose_name=_("part of the visit"),
    )

    # Statuses that occupy the resource. A no-show frees the table for walk-ins; a
    # completed booking is in the past. A held one only until ``hold_expires_at``.
    ACTIVE_STATUSES = (Status.CONFIRMED, Status.HELD)

    class Meta:
        db_table = "lyo_appointments"
        ordering = ["starts_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="uniq_appointment_reference"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=Q(blocks_until__gte=models.F("ends_at")), name="appointment_blocks_after_end"
            ),
            # Seated implies arrived, left implies seated: the day view never shows half a visit.
            # A hold always says until when.
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False), name="appointment_held_expires"
            ),
            # A request pending approval says until when staff may answer.
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(hold_expires_at__isnull=False), name="appointment_pending_expires"
            ),
            models.CheckConstraint(
                condition=Q(seated_at__isnull=True) | Q(arrived_at__isnull=False), name="appointment_seated_arrived"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(seated_at__isnull=False), name="appointment_left_seated"
            ),
            # On PostgreSQL, migration 0003 adds the exclusion constraint ``appointment_no_overlap``
            # (btree_gist). It lives in the migration only: SQLite cannot build it.
        ]
        indexes = [
            models.Index(fields=["tenant", "starts_at"], name="appointment_tenant_start_idx"),
            # Availability reads the active bookings that end after a window starts; past
            # rows pile up over the years and must not be scanned.
            models.Index(
                fields=["tenant", "blocks_until"], name="appointment_active_blocks_idx",
                condition=Q(status__in=["confirmed", "held"]),
            ),
        ]

    def __str__(self) -> str:
        # The page heading, breadcrumb and messages of a booking: in the business's zone.
        return f"{self.reference} {self.tenant.local_time_text(self.starts_at)}"

    @classmethod
    def occupying(cls, now: datetime) -> Q:
        """The bookings that occupy their resource at ``now``: confirmed, or held and not yet past due.

        An expired hold the sweep has not reached yet (``holds_expired_release``) already frees the slot.
        """
        return Q(status=cls.Status.CONFIRMED) | Q(status=cls.Status.HELD, hold_expires_at__gt=now)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


# A waitlist request covers this much either side of the asked time (``bookings.waitlist.waitlist_join``).
WAITLIST_WINDOW_MINUTES = 60


class WaitlistRequest(TenantOwnedModel):
    """A customer asked to be told if a full time frees up ("avvisami se si libera").

    The request covers a window around the asked time on one day; it is offered a freed
    slot inside the window (``bookings.waitlist.waitlist_match``), oldest request first,
    and lapses by itself when the window starts (``expires_at``).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        # A freed slot is held for the customer (``offer``) until they answer or it expires.
        OFFERED = "offered", _("Offered a slot")
        BOOKED = "booked", _("Booked")
        DECLINED = "declined", _("Declined the offer")
        # The offer's hold ran out unanswered, or was tapped too late.
        MISSED = "missed", _("Offer expired")
        # The offer could not reach the customer (outside the 24-hour window, no approved template).
        SKIPPED = "skipped", _("Could not be reached")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    OPEN_STATUSES = (Status.WAITING, Status.OFFERED)

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="waitlist_requests", verbose_name=_("customer"),
    )
    window_starts_at = models.DateTimeField(_("from"))
    window_ends_at = models.DateTimeField(_("until"))
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1, validators=[MinValueValidator(1)])
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist_requests",
        verbose_name=_("service"),
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist_requests",
        verbose_name=_("staff member"), help_text=_("Salons: only this person; empty: anyone who does the service."),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Appointment.Channel.choices, default=Appointment.Channel.WHATSAPP
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    # The held booking offered to the customer (the latest offer).
    offer = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_request",
        verbose_name=_("offered booking"),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_waitlist_requests"
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist request")
        verbose_name_plural = _("waitlist requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(window_ends_at__gte=models.F("window_starts_at")), name="waitlist_window_ordered"
            ),
            # An offered request always points at the held slot it was offered.
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer__isnull=False), name="waitlist_offered_has_offer"
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "window_starts_at"], name="waitlist_open_window_idx",
                condition=Q(status__in=["waiting", "offered"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant.local_time_text(self.window_starts_at)} x{self.party_size}"

    @property
    def asked_at(self) -> datetime:
        """The time the customer asked for: the window ends ``WAITLIST_WINDOW_MINUTES`` after it."""
        return self.window_ends_at - timedelta(minutes=WAITLIST_WINDOW_MINUTES)

    @property
    def expires_at(self) -> datetime:
        """The request lapses when its window starts: a freed slot later than that is still offered until then."""
        return self.window_starts_at
