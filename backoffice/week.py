"""The week view's grid and the printable list of a day: bookings by service period.

A *period* is one opening range of a day (lunch, dinner). A booking belongs to the
period whose range holds its start, and to that range's day: a range that closes
after midnight belongs to the day it opens, so a table at 00:30 in Friday's
19:00-01:00 range is Friday's dinner. A booking outside every range (staff may book
any time) belongs to its own calendar day, in no period.

Days are the business's: each runs from its local midnight to the next one, as UTC
instants, so the week of a daylight-saving change has one day of 23 (or 25) hours
and every booking still falls on the day its clock shows. Durations are subtracted
as instants, so a booking across the change counts its real length.

Cancelled bookings are not counted and not shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from django.utils.translation import gettext as _

from backoffice.day import local_instant, open_intervals
from bookings.models import Appointment, OpeningHours, Resource
from bookings.selectors import appointments_for_tenant, opening_hours_for_week
from customers.services import tenant_phone_region
from tenants.models import Tenant

# A range that opens before this (local) time is lunch, from it on dinner.
DINNER_FROM = time(16, 0)
# What the printable list shows: the bookings of the service (done ones too, for a past day).
SHEET_STATUSES = (Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED)
# Staff write the walk-in's name first, then the notes (``backoffice.services.staff_booking_make``).
WALK_IN_NOTES_SEPARATOR = " · "


class PeriodNotFound(LookupError):
    """The day has no period with that number."""


@dataclass(frozen=True)
class Period:
    """One opening range of one day, as local instants."""

    number: int  # 1, 2, ... in opening order within the day
    name: str  # "Lunch", "Dinner", or the range's times when those would not tell periods apart
    opens_at: datetime
    closes_at: datetime

    def holds(self, instant: datetime) -> bool:
        return self.opens_at <= instant < self.closes_at


@dataclass(frozen=True)
class WeekBooking:
    appointment: Appointment
    day: date  # the business day it belongs to
    period: int  # the number of its period, 0 outside the opening hours
    starts_at: datetime  # in the business's zone

    @property
    def who(self) -> str:
        return booking_who(self.appointment)

    @property
    def minutes(self) -> int:
        # Instants, not wall clocks: a booking across a daylight-saving change keeps its real length.
        length = self.appointment.ends_at.astimezone(UTC) - self.appointment.starts_at.astimezone(UTC)
        return int(length / timedelta(minutes=1))


@dataclass(frozen=True)
class PeriodCovers:
    period: Period
    covers: int
    bookings: int


@dataclass(frozen=True)
class WeekCell:
    """One table or staff member on one day."""

    resource: Resource
    bookings: list[WeekBooking]

    @property
    def minutes(self) -> int:
        return sum(booking.minutes for booking in self.bookings)

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)

    @property
    def covers(self) -> int:
        return sum(booking.appointment.party_size for booking in self.bookings)


@dataclass(frozen=True)
class WeekDay:
    day: date
    is_today: bool
    is_open: bool  # some opening hours left once closures are taken out
    periods: list[PeriodCovers]
    outside_covers: int  # covers booked outside every opening range
    cells: list[WeekCell]

    @property
    def bookings(self) -> list[WeekBooking]:
        return sorted((b for cell in self.cells for b in cell.bookings), key=lambda b: (b.starts_at, b.appointment.pk))

    @property
    def covers(self) -> int:
        return sum(cell.covers for cell in self.cells)

    @property
    def minutes(self) -> int:
        return sum(cell.minutes for cell in self.cells)

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)

    @property
    def bookings_count(self) -> int:
        return sum(len(cell.bookings) for cell in self.cells)


@dataclass
class WeekGrid:
    tenant: Tenant
    monday: date
    resources: list[Resource]
    days: list[WeekDay] = field(default_factory=list)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def is_salon(self) -> bool:
        return self.tenant.kind == Tenant.Kind.SALON

    @property
    def covers(self) -> int:
        return sum(day.covers for day in self.days)

    @property
    def minutes(self) -> int:
        return sum(day.minutes for day in self.days)

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)

    @property
    def bookings_count(self) -> int:
        return sum(day.bookings_count for day in self.days)


@dataclass(frozen=True)
class SheetRow:
    """One line of the printable list."""

    appointment: Appointment
    starts_at: datetime  # local
    who: str
    phone: str  # formatted for reading, "" when the booking has no number
    resource: str
    party_size: int
    service: str
    notes: str


@dataclass(frozen=True)
class DaySheet:
    tenant: Tenant
    day: date
    periods: list[Period]
    period: Period | None  # None: the whole day
    rows: list[SheetRow]

    @property
    def covers(self) -> int:
        return sum(row.party_size for row in self.rows)


def hours_of(minutes: int) -> Decimal:
    """Minutes as hours to the hundredth, with no trailing zeros: 135 → 2.25, 30 → 0.5, 120 → 2."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for places in (Decimal(1), Decimal("0.1")):
        if hours == hours.quantize(places):
            return hours.quantize(places)
    return hours


def week_monday(day: date) -> date:
    """The Monday of ``day``'s week (weeks start on Monday)."""
    return day - timedelta(days=day.weekday())


def week_grid(*, tenant: Tenant, day: date, now: datetime) -> WeekGrid:
    """The seven days (Monday to Sunday) of ``day``'s week: each day's bookings per table or
    staff member, its covers per period and each staff member's booked time."""
    tz = tenant.tzinfo
    monday = week_monday(day)
    week_days = [monday + timedelta(days=offset) for offset in range(7)]
    hours = opening_hours_for_week(tenant=tenant)
    bookings = _bookings_by_day(tenant=tenant, first=monday, last=week_days[-1], hours=hours)
    resources = list(Resource.objects.filter(tenant=tenant, is_active=True).order_by("position", "name", "pk"))
    # A booking on a table taken out of service still shows, in its own row.
    known = {resource.pk for resource in resources}
    for booking in (b for day_bookings in bookings.values() for b in day_bookings):
        if booking.appointment.resource_id not in known:
            resources.append(booking.appointment.resource)
            known.add(booking.appointment.resource_id)

    today = now.astimezone(tz).date()
    grid = WeekGrid(tenant=tenant, monday=monday, resources=resources)
    for one_day in week_days:
        day_bookings = bookings.get(one_day, [])
        by_resource: dict[int, list[WeekBooking]] = defaultdict(list)
        for booking in day_bookings:
            by_resource[booking.appointment.resource_id].append(booking)
        periods = [
            PeriodCovers(
                period=period,
                covers=sum(b.appointment.party_size for b in day_bookings if b.period == period.number),
                bookings=sum(1 for b in day_bookings if b.period == period.number),
            )
            for period in day_periods(tenant=tenant, day=one_day, hours=hours)
        ]
        grid.days.append(
            WeekDay(
                day=one_day,
                is_today=one_day == today,
                is_open=bool(open_intervals(tenant=tenant, day=one_day, week=hours)),
                periods=periods,
                outside_covers=sum(b.appointment.party_size for b in day_bookings if b.period == 0),
                cells=[
                    WeekCell(resource=resource, bookings=by_resource.get(resource.pk, [])) for resource in resources
                ],
            )
        )
    return grid


def day_periods(*, tenant: Tenant, day: date, hours: dict[int, list[OpeningHours]] | None = None) -> list[Period]:
    """The day's opening ranges in opening order, numbered from 1 and named.

    Restaurants: a range opening before 16:00 is "Lunch", a later one "Dinner"; when two
    ranges of the day would get the same name (or for a salon) each is named by its times.
    """
    tz = tenant.tzinfo
    hours = hours if hours is not None else opening_hours_for_week(tenant=tenant)
    ranges = hours[day.weekday()]
    spans = []
    for row in ranges:
        closes_day = day + timedelta(days=1) if row.crosses_midnight else day
        opens_at = local_instant(datetime.combine(day, row.opens), tz).astimezone(tz)
        closes_at = local_instant(datetime.combine(closes_day, row.closes), tz).astimezone(tz)
        spans.append((row, opens_at, closes_at))
    names = [_("Lunch") if row.opens < DINNER_FROM else _("Dinner") for row, _opens, _closes in spans]
    if tenant.kind != Tenant.Kind.RESTAURANT or len(set(names)) < len(names):
        names = [f"{row.opens:%H:%M}–{row.closes:%H:%M}" for row, _opens, _closes in spans]
    return [
        Period(number=number, name=name, opens_at=opens_at, closes_at=closes_at)
        for number, (name, (_row, opens_at, closes_at)) in enumerate(zip(names, spans, strict=True), start=1)
    ]


def day_sheet(*, tenant: Tenant, day: date, period_number: int | None = None) -> DaySheet:
    """The printable list of ``day`` (or of one of its periods): its confirmed bookings by
    time, with who, their phone, the table or staff member, the party and the notes.

    ``PeriodNotFound`` when the day has no period ``period_number``.
    """
    hours = opening_hours_for_week(tenant=tenant)
    periods = day_periods(tenant=tenant, day=day, hours=hours)
    period = None
    if period_number is not None:
        period = next((p for p in periods if p.number == period_number), None)
        if period is None:
            raise PeriodNotFound(period_number)
    bookings = _bookings_by_day(tenant=tenant, first=day, last=day, hours=hours).get(day, [])
    region = tenant_phone_region(tenant)
    rows = [
        SheetRow(
            appointment=booking.appointment,
            starts_at=booking.starts_at,
            who=booking.who,
            phone=phone_for_reading(booking.appointment.customer.phone or "", region=region)
            if booking.appointment.customer
            else "",
            resource=booking.appointment.resource.name,
            party_size=booking.appointment.party_size,
            service=booking.appointment.service.name(tenant.language) if booking.appointment.service else "",
            notes=booking.appointment.notes,
        )
        for booking in sorted(
            bookings, key=lambda b: (b.starts_at, b.appointment.resource.position, b.appointment.resource.name)
        )
        if booking.appointment.status in SHEET_STATUSES and (period is None or booking.period == period.number)
    ]
    return DaySheet(tenant=tenant, day=day, periods=periods, period=period, rows=rows)


def booking_who(appointment: Appointment) -> str:
    """The name staff know a booking by: the customer's, a walk-in's (the head of the notes), else its reference."""
    if appointment.customer is not None:
        if appointment.customer.display_name:
            return appointment.customer.display_name
    elif appointment.notes.strip():
        return appointment.notes.strip().split(WALK_IN_NOTES_SEPARATOR, 1)[0].strip()
    return appointment.reference


def phone_for_reading(phone: str, *, region: str) -> str:
    """A stored number (E.164 digits, ``393471234567``) as people read it: "347 123 4567" in the
    business's own country, "+44 7700 900123" from elsewhere; anything unparseable as stored."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone if phone.startswith("+") else f"+{phone}", None)
    except phonenumbers.NumberParseException:
        return phone
    if not phonenumbers.is_valid_number(number):
        return phone
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _bookings_by_day(
    *, tenant: Tenant, first: date, last: date, hours: dict[int, list[OpeningHours]]
) -> dict[date, list[WeekBooking]]:
    """The tenant's bookings that are not cancelled, from ``first`` to ``last`` (business days), by day."""
    tz = tenant.tzinfo
    # The day before may run a range past midnight into ``first``; ``last``'s may run into the next day.
    candidates = [first - timedelta(days=1) + timedelta(days=offset) for offset in range((last - first).days + 2)]
    periods = {one_day: day_periods(tenant=tenant, day=one_day, hours=hours) for one_day in candidates}
    starts_from = local_instant(datetime.combine(first - timedelta(days=1), time()), tz)
    starts_before = local_instant(datetime.combine(last + timedelta(days=2), time()), tz)
    appointments = appointments_for_tenant(tenant=tenant, starts_from=starts_from, starts_before=starts_before).exclude(
        status=Appointment.Status.CANCELLED
    )
    by_day: dict[date, list[WeekBooking]] = defaultdict(list)
    for appointment in appointments:
        start = appointment.starts_at.astimezone(tz)
        owner, number = start.date(), 0
        for one_day, day_ranges in periods.items():
            period = next((p for p in day_ranges if p.holds(start)), None)
            if period is not None:
                owner, number = one_day, period.number
                break
        if first <= owner <= last:
            by_day[owner].append(WeekBooking(appointment=appointment, day=owner, period=number, starts_at=start))
    return dict(by_day)
