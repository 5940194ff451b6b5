"""Reads for reminders and notifications. Every query is scoped by tenant."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.db.models import Q

from bookings.models import Appointment
from conversations.models import Message
from customers.models import Channel
from reminders.models import MessageTemplate, Purpose, ReminderSettings, TemplateCategory, category_for_purpose
from reminders.timing import reminder_due_at
from tenants.models import Tenant


class ReminderKind(StrEnum):
    FIRST = "first"
    SECOND = "second"

    @property
    def field(self) -> str:
        """The appointment field that records this reminder as sent."""
        return "reminder_sent_at" if self is ReminderKind.FIRST else "second_reminder_sent_at"


@dataclass(frozen=True)
class DueReminder:
    appointment: Appointment
    kind: ReminderKind
    hours_before: int
    # When it became due: N hours before the start, or the end of the quiet hours.
    due_at: datetime


def reminder_settings_get(*, tenant: Tenant) -> ReminderSettings:
    """The tenant's settings; the defaults (unsaved) when staff never changed them."""
    try:
        return tenant.reminder_settings
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(tenant=tenant)


def reconfirm_applies(settings: ReminderSettings, appointment: Appointment) -> bool:
    """Whether ``appointment``'s reminder asks it to reconfirm by a deadline."""
    size = settings.reconfirm_party_size
    return size is not None and appointment.party_size >= size


def reconfirm_deadline(settings: ReminderSettings, appointment: Appointment) -> datetime:
    """By when the customer must tap Confirm (UTC: hours of elapsed time, across clock changes)."""
    return appointment.starts_at.astimezone(UTC) - timedelta(hours=settings.reconfirm_deadline_hours)


def message_template_for(*, tenant: Tenant, purpose: str, language: str) -> MessageTemplate | None:
    """The template for ``purpose`` in the customer's ``language``, else the business's, else any."""
    templates = list(MessageTemplate.objects.filter(tenant=tenant, purpose=purpose).order_by("language", "pk"))
    for wanted in (language, tenant.language):
        for template in templates:
            if template.base_language == wanted:
                return template
    return templates[0] if templates else None


def reminders_due(*, now: datetime, tenant: Tenant | None = None) -> list[DueReminder]:
    """Reminders to send now, at most one per booking, for every active tenant (or ``tenant``)."""
    tenants = Tenant.objects.filter(is_active=True).select_related("reminder_settings").order_by("pk")
    if tenant is not None:
        tenants = tenants.filter(pk=tenant.pk)
    due = []
    for each in tenants:
        due += tenant_reminders_due(tenant=each, settings=reminder_settings_get(tenant=each), now=now)
    return due


def tenant_reminders_due(*, tenant: Tenant, settings: ReminderSettings, now: datetime) -> list[DueReminder]:
    kinds = _kinds(settings)
    if not settings.reminders_enabled or not kinds:
        return []
    # A reminder is never due before its nominal time, and quiet hours only delay it:
    # only bookings starting within the longest lead time can have one due.
    unsent = Q()
    for kind, hours in kinds:
        unsent |= Q(**{f"{kind.field}__isnull": True}, starts_at__lte=now + timedelta(hours=hours))
    if settings.reconfirm_party_size is not None:
        # Parties asked to reconfirm get their first reminder at the reconfirmation's own hour.
        unsent |= Q(
            reminder_sent_at__isnull=True, party_size__gte=settings.reconfirm_party_size,
            starts_at__lte=now + timedelta(hours=settings.reconfirm_hours_before),
        )
    candidates = (
        Appointment.objects.filter(
            tenant=tenant, status=Appointment.Status.CONFIRMED, customer__isnull=False, starts_at__gt=now,
            # A visit of several services is reminded once, by its first one.
            visit_first__isnull=True,
        )
        .filter(unsent)
        .select_related("tenant", "customer", "service")
        .order_by("starts_at", "pk")
    )
    due = []
    for appointment in candidates:
        reminder = _reminder_due(appointment, _kinds_for(appointment, kinds, settings), settings, now)
        if reminder is not None:
            due.append(reminder)
    return due


def _kinds(settings: ReminderSettings) -> list[tuple[ReminderKind, int]]:
    """(kind, hours before), earliest reminder first."""
    kinds = [(ReminderKind.FIRST, settings.hours_before)] if settings.hours_before else []
    second = settings.second_hours_before
    if kinds and second and second < settings.hours_before:
        kinds.append((ReminderKind.SECOND, second))
    return kinds


def _kinds_for(
    appointment: Appointment, kinds: list[tuple[ReminderKind, int]], settings: ReminderSettings
) -> list[tuple[ReminderKind, int]]:
    """A party asked to reconfirm (``reminders.reconfirm``) gets its first reminder at the reconfirmation's hour;
    a second reminder stays only if it comes later."""
    size = settings.reconfirm_party_size
    if size is None or appointment.party_size < size:
        return kinds
    hours = settings.reconfirm_hours_before
    return [(ReminderKind.FIRST, hours)] + [(kind, h) for kind, h in kinds if kind is ReminderKind.SECOND and h < hours]


def _reminder_due(
    appointment: Appointment, kinds: list[tuple[ReminderKind, int]], settings: ReminderSettings, now: datetime
) -> DueReminder | None:
    """The latest of the booking's reminders that is due and still worth sending.

    Skipped: a reminder whose time had passed when the booking was made (the booking's
    own confirmation just told the customer), one that the quiet hours push to the
    start itself, and one a later reminder has overtaken (after an outage, only the
    latest goes out).
    """
    chosen = None
    for kind, hours in kinds:  # earliest first: a later one that is due wins
        if getattr(appointment, kind.field) is not None:
            chosen = None  # sent; anything earlier is overtaken
            continue
        nominal = appointment.starts_at.astimezone(UTC) - timedelta(hours=hours)
        if appointment.created_at and appointment.created_at > nominal:
            continue
        due_at = reminder_due_at(
            starts_at=appointment.starts_at, hours_before=hours, tz=appointment.tenant.tzinfo,
            quiet_start=settings.quiet_hours_start, quiet_end=settings.quiet_hours_end,
        )
        if due_at <= now and due_at < appointment.starts_at:
            chosen = DueReminder(appointment=appointment, kind=kind, hours_before=hours, due_at=due_at)
    return chosen


@dataclass(frozen=True)
class SentByKind:
    """Messages counted by what Meta bills (WhatsApp's "Pricing" page, per message since July 2025)."""

    service_window: int = 0  # free-form, inside the customer's 24-hour window: not billed per message
    utility_templates: int = 0
    marketing_templates: int = 0

    @property
    def total(self) -> int:
        return self.service_window + self.utility_templates + self.marketing_templates

    def plus(self, kind: str) -> "SentByKind":
        return SentByKind(
            self.service_window + (kind == SERVICE_WINDOW), self.utility_templates + (kind == TemplateCategory.UTILITY),
            self.marketing_templates + (kind == TemplateCategory.MARKETING),
        )


SERVICE_WINDOW = "service_window"
# The row of messages that no sender of Lyo's started: the assistant's replies and what staff wrote.
REPLIES = ""


@dataclass(frozen=True)
class MessagesSent:
    """Outbound messages that left for the customer's channel in one month."""

    service_window: int
    utility_templates: int
    marketing_templates: int
    # Every purpose Lyo sends for (reminders, follow-ups...), in or out of the window, and
    # ``REPLIES`` for the rest; in the order of ``Purpose``, replies first.
    by_purpose: dict[str, SentByKind]

    @property
    def total(self) -> int:
        return self.service_window + self.utility_templates + self.marketing_templates


def messages_sent_in_month(*, tenant: Tenant, year: int, month: int) -> MessagesSent:
    """Count the tenant's outbound messages sent (``sent_at``) in ``year``-``month`` of the tenant's calendar.

    A template counts as utility or marketing by the category kept on the row when it was
    queued; a row without one by the tenant's template of that name and language, else by
    the category its purpose is usually approved in.
    """
    # The outbox rows are the record of what went; queued or never-sent rows have no sent_at.
    start = datetime(year, month, 1, tzinfo=tenant.tzinfo)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tenant.tzinfo)
    rows = (
        Message.objects.filter(
            tenant=tenant, direction=Message.Direction.OUTBOUND, sent_at__gte=start.astimezone(UTC),
            sent_at__lt=end.astimezone(UTC),
        )
        # The "try your assistant" chat is marked sent at once but reaches nobody.
        .exclude(channel=Channel.TEST)
        .values_list("type", "payload")
    )
    categories = {
        (name, language): category
        for name, language, category in MessageTemplate.objects.filter(tenant=tenant).values_list(
            "name", "language", "category"
        )
    }
    total = SentByKind()
    by_purpose: dict[str, SentByKind] = {}
    for message_type, payload in rows:
        payload = payload if isinstance(payload, dict) else {}
        purpose = str(payload.get("purpose") or REPLIES)
        kind = SERVICE_WINDOW
        if message_type == Message.Type.TEMPLATE:
            spec = payload.get("template")
            spec = spec if isinstance(spec, dict) else {}
            kind = str(spec.get("category") or "")
            if kind not in TemplateCategory.values:  # rows sent before categories were kept on them
                kind = categories.get((spec.get("name"), spec.get("language"))) or category_for_purpose(purpose)
        total = total.plus(kind)
        by_purpose[purpose] = by_purpose.get(purpose, SentByKind()).plus(kind)
    order = [REPLIES, *Purpose.values]
    return MessagesSent(
        total.service_window, total.utility_templates, total.marketing_templates,
        dict(sorted(by_purpose.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order),
                                                          item[0]))),
    )
