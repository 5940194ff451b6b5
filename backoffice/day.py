"""The day view's grid: one column per table or staff member, time down the side.

Rows are real instants, not wall-clock labels: the day runs from the tenant's local
midnight to the next one, stepped in UTC, so a spring-forward day has 23 hours of
rows and a fall-back day 25 (its repeated hour is labelled with the zone's
abbreviation, e.g. 02:00 CEST then 02:00 CET). Appointments are placed by
instant too, so a booking keeps its real length whatever the clocks do.

Shading (open / closed) is for the eye; free times are offered only where a booking
could start (not after the last seating), and whether one can be made is decided by
``bookings.services.appointment_staff_book`` when staff click it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookings.availability import start_windows
from bookings.models import Appointment, Closure, OpeningHours, Resource
from bookings.selectors import appointments_for_tenant, opening_hours_for_week
from tenants.models import Tenant

# Row heights the eye can follow on a tablet; slot lengths that do not divide an
# hour (e.g. 25 minutes) fall back to quarter hours.
ROW_MINUTES_CHOICES = (5, 10, 15, 20, 30, 60)
ROW_MINUTES_FALLBACK = 15
# A DST gap is at most a couple of hours; a boundary inside it moves to the change.
_GAP_SEARCH_MINUTES = 4 * 60


@dataclass(frozen=True)
class DayRow:
    index: int
    starts_at: datetime  # aware, in the tenant's zone
    label: str  # "HH:MM" on the hour, "" otherwise
    is_open: bool
    is_past: bool

    @property
    def grid_line(self) -> int:
        return self.index + 2  # line 1 is the header row


@dataclass(frozen=True)
class DayBlock:
    appointment: Appointment
    column: int
    row_from: int  # grid lines, header included
    row_to: int
    starts_before_day: bool
    ends_after_day: bool


@dataclass(frozen=True)
class DayCell:
    """A free, open, future time of one resource: clicking it books it."""

    column: int
    row: DayRow
    resource: Resource


@dataclass
class DayGrid:
    tenant: Tenant
    day: date
    starts_at: datetime
    ends_at: datetime
    row_minutes: int
    rows: list[DayRow]
    resources: list[Resource]
    blocks: list[DayBlock]
    free_cells: list[DayCell]
    shaded_rows: list[DayRow]
    cancelled: list[Appointment] = field(default_factory=list)

    @property
    def hours(self) -> float:
        # In UTC: two datetimes of one zone subtract as wall-clock times (always 24 hours).
        return (self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)) / timedelta(hours=1)

    @property
    def first_open_row(self) -> DayRow | None:
        return next((row for row in self.rows if row.is_open), None)


def day_grid(*, tenant: Tenant, day: date, now: datetime) -> DayGrid:
    """Everything the day view draws for ``day`` (a date in the tenant's zone)."""
    tz = tenant.tzinfo
    starts_at = local_instant(datetime.combine(day, time()), tz)
    ends_at = local_instant(datetime.combine(day + timedelta(days=1), time()), tz)
    row_minutes = tenant.slot_minutes if tenant.slot_minutes in ROW_MINUTES_CHOICES else ROW_MINUTES_FALLBACK
    step = timedelta(minutes=row_minutes)
    week = opening_hours_for_week(tenant=tenant)
    open_spans = open_intervals(tenant=tenant, day=day, week=week)

    rows: list[DayRow] = []
    instant = starts_at
    while instant < ends_at:
        local = instant.astimezone(tz)
        rows.append(
            DayRow(
                index=len(rows),
                starts_at=local,
                label=_row_label(local),
                is_open=any(opens <= instant < closes for opens, closes in open_spans),
                is_past=instant < now,  # nobody books a start that has passed, staff included
            )
        )
        instant += step

    appointments = list(
        appointments_for_tenant(tenant=tenant, starts_before=ends_at).filter(ends_at__gt=starts_at)
    )
    resources = list(Resource.objects.filter(tenant=tenant, is_active=True).order_by("position", "name", "pk"))
    # A booking on a table taken out of service still shows, in its own column.
    known = {resource.pk for resource in resources}
    for appointment in appointments:
        if appointment.resource_id not in known:
            resources.append(appointment.resource)
            known.add(appointment.resource_id)
    column_of = {resource.pk: number for number, resource in enumerate(resources, start=2)}

    def row_at(instant: datetime, rounding) -> int:
        offset = (min(max(instant, starts_at), ends_at) - starts_at) / step
        return int(rounding(offset))

    blocks, cancelled = [], []
    busy: dict[int, set[int]] = defaultdict(set)
    for appointment in appointments:
        if appointment.status == Appointment.Status.CANCELLED:
            cancelled.append(appointment)
            continue
        first = row_at(appointment.starts_at, math.floor)
        last = max(row_at(appointment.ends_at, math.ceil), first + 1)
        blocks.append(
            DayBlock(
                appointment=appointment,
                column=column_of[appointment.resource_id],
                row_from=first + 2,
                row_to=last + 2,
                starts_before_day=appointment.starts_at < starts_at,
                ends_after_day=appointment.ends_at > ends_at,
            )
        )
        if appointment.is_active:
            # The resource stays busy until blocks_until (the service's buffer).
            busy[appointment.resource_id].update(range(first, row_at(appointment.blocks_until, math.ceil)))

    # Open is not enough: after the last seating (or too close to closing) nothing can start.
    windows = start_windows(tenant, day=day, week=week)

    def can_start(row: DayRow) -> bool:
        return any(earliest <= row.starts_at <= latest for earliest, latest in windows)

    free_cells = [
        DayCell(column=column_of[resource.pk], row=row, resource=resource)
        for resource in resources
        if resource.is_active
        for row in rows
        if row.is_open and not row.is_past and row.index not in busy[resource.pk] and can_start(row)
    ]
    return DayGrid(
        tenant=tenant,
        day=day,
        starts_at=starts_at.astimezone(tz),
        ends_at=ends_at.astimezone(tz),
        row_minutes=row_minutes,
        rows=rows,
        resources=resources,
        blocks=blocks,
        free_cells=free_cells,
        shaded_rows=[row for row in rows if not row.is_open],
        cancelled=cancelled,
    )


def open_intervals(
    *, tenant: Tenant, day: date, week: dict[int, list[OpeningHours]] | None = None
) -> list[tuple[datetime, datetime]]:
    """When the business is open during ``day`` (UTC instants), closures taken out.

    A range that closes after midnight belongs to the day it opens, so yesterday's
    late range may reach into this morning.
    """
    tz = tenant.tzinfo
    week = week if week is not None else opening_hours_for_week(tenant=tenant)
    day_start = local_instant(datetime.combine(day, time()), tz)
    day_end = local_instant(datetime.combine(day + timedelta(days=1), time()), tz)
    spans = []
    for opening_day in (day - timedelta(days=1), day):
        for row in week[opening_day.weekday()]:
            closes_day = opening_day + timedelta(days=1) if row.crosses_midnight else opening_day
            opens = local_instant(datetime.combine(opening_day, row.opens), tz)
            closes = local_instant(datetime.combine(closes_day, row.closes), tz)
            opens, closes = max(opens, day_start), min(closes, day_end)
            if opens < closes:
                spans.append((opens, closes))
    closures = Closure.objects.filter(tenant=tenant, starts_at__lt=day_end, ends_at__gt=day_start)
    for closure in closures:
        spans = [piece for span in spans for piece in _minus(span, (closure.starts_at, closure.ends_at))]
    return sorted(spans)


def local_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a naive wall-clock time: its first occurrence, or the change itself if skipped."""
    for minutes_back in range(_GAP_SEARCH_MINUTES):
        candidate = wall - timedelta(minutes=minutes_back)
        instant = candidate.replace(tzinfo=tz).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == candidate:
            # ``wall`` itself, or the last wall minute before a gap: the change is a minute later.
            return instant if minutes_back == 0 else instant + timedelta(minutes=1)
    raise ValueError(f"{wall} is not a time in {tz}.")


def _row_label(local: datetime) -> str:
    if local.minute != 0:
        return ""
    label = f"{local:%H:%M}"
    # An hour the clocks repeat (fall back) reads twice: tell the two apart.
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        label += f" {local.tzname()}"
    return label


def _minus(span: tuple[datetime, datetime], cut: tuple[datetime, datetime]) -> list[tuple[datetime, datetime]]:
    (start, end), (cut_start, cut_end) = span, cut
    if cut_end <= start or cut_start >= end:
        return [span]
    return [piece for piece in ((start, cut_start), (cut_end, end)) if piece[0] < piece[1]]
