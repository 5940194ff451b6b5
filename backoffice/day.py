"""The day view's grid: one column per table or staff member, time down the side.

Rows are real instants, not wall-clock labels, stepped in UTC: a spring-forward day
has 23 hours and a fall-back day 25 (its repeated hour is labelled with the zone's
abbreviation, e.g. 02:00 CEST then 02:00 CET). Appointments are placed by instant
too, so a booking keeps its real length whatever the clocks do.

The grid shows the day's opening hours with an hour either side, on whole hours
(``day_window``), not all 24: a day without hours shows 08:00-22:00, and any booking
outside the window widens it, so nothing booked is ever out of sight. It never goes
past the day's own midnights.

The service: each booking shows how its visit stands (``visit_state``: expected,
late, arrived, seated, left, no-show) and the steps staff may tap; ``day_totals``
counts covers and bookings per service period.

Shading (open / closed) is for the eye; free times are offered only where a booking
could start (not after the last seating), and whether one can be made is decided by
``bookings.services.appointment_staff_book`` when staff click it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

from bookings.availability import start_windows
from bookings.models import Appointment, Closure, OpeningHours, Resource
from bookings.selectors import appointments_for_tenant, customer_no_show_counts, opening_hours_for_week
from bookings.services import VISIT_EARLIEST, VisitStep
from payments.no_show_fees import no_show_fee_offers
from tenants.models import Tenant

# Row heights the eye can follow on a tablet; slot lengths that do not divide an
# hour (e.g. 25 minutes) fall back to quarter hours.
ROW_MINUTES_CHOICES = (5, 10, 15, 20, 30, 60)
ROW_MINUTES_FALLBACK = 15
# A DST gap is at most a couple of hours; a boundary inside it moves to the change.
_GAP_SEARCH_MINUTES = 4 * 60
# The grid's margin around the opening hours, and its window on a day without any.
WINDOW_MARGIN = timedelta(hours=1)
DEFAULT_WINDOW = (time(8), time(22))
# A confirmed booking whose guest has not arrived this long after its start is late.
LATE_AFTER = timedelta(minutes=15)
# A booking needs this many rows (of the grid) to carry its next step as a button of
# its own (a 44 px tap target, over its last STEP_BUTTON_ROWS rows, under its text);
# shorter ones are run from the service list.
STEP_BUTTON_MIN_ROWS = 5
STEP_BUTTON_ROWS = 3
# Opening ranges that open before this hour are lunch, the others dinner (restaurants).
DINNER_FROM = time(16)


class Visit:
    """Where a booking's visit stands, as the day view shows it."""

    EXPECTED = "expected"
    LATE = "late"
    ARRIVED = "arrived"
    SEATED = "seated"
    LEFT = "left"
    NO_SHOW = "no_show"
    COMPLETED = "completed"  # its time ran out with no arrival marked
    CANCELLED = "cancelled"


def visit_state(appointment: Appointment, *, now: datetime) -> str:
    """The visit's state (a ``Visit`` value) at ``now``: late from 15 minutes after the start."""
    # A hold nobody confirmed never became a visit: shown with the cancelled ones.
    if appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.EXPIRED):
        return Visit.CANCELLED
    if appointment.status == Appointment.Status.NO_SHOW:
        return Visit.NO_SHOW
    if appointment.left_at is not None:
        return Visit.LEFT
    if appointment.seated_at is not None:
        return Visit.SEATED
    if appointment.arrived_at is not None:
        return Visit.ARRIVED
    if appointment.status == Appointment.Status.COMPLETED:
        return Visit.COMPLETED
    return Visit.LATE if now >= appointment.starts_at + LATE_AFTER else Visit.EXPECTED


def visit_steps(appointment: Appointment, *, now: datetime) -> list[VisitStep]:
    """The steps staff are offered on a booking now (``appointment_visit_mark`` decides each tap)."""
    state = visit_state(appointment, now=now)
    if state == Visit.CANCELLED:
        return []
    steps = []
    soon = appointment.starts_at - now <= VISIT_EARLIEST
    if appointment.status == Appointment.Status.CONFIRMED and soon:
        if state in (Visit.EXPECTED, Visit.LATE):
            steps.append(VisitStep.ARRIVED)
        if state in (Visit.EXPECTED, Visit.LATE, Visit.ARRIVED):
            steps.append(VisitStep.SEATED)
    if state in (Visit.ARRIVED, Visit.SEATED) and soon:
        steps.append(VisitStep.LEFT)
    if state in (Visit.EXPECTED, Visit.LATE) and appointment.starts_at <= now:
        steps.append(VisitStep.NO_SHOW)
    if state in (Visit.ARRIVED, Visit.SEATED, Visit.LEFT, Visit.NO_SHOW):
        steps.append(VisitStep.UNDO)
    return steps


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
    visit: str = Visit.EXPECTED  # a ``Visit`` value
    steps: tuple[VisitStep, ...] = ()
    # The guest's no-shows at their other bookings: staff see them flagged before the guest comes.
    no_shows: int = 0
    # A no-show whose card, saved as a guarantee, may be charged: the fee's amount ("45,00 €").
    no_show_fee: str = ""

    @property
    def is_late(self) -> bool:
        return self.visit == Visit.LATE

    @property
    def next_step(self) -> VisitStep | None:
        """The one step the block carries as its own button: arrived, then seated, then left."""
        if self.row_to - self.row_from < STEP_BUTTON_MIN_ROWS:
            return None
        return next((step for step in (VisitStep.ARRIVED, VisitStep.SEATED, VisitStep.LEFT) if step in self.steps),
                    None)

    @property
    def step_row_from(self) -> int:
        return self.row_to - STEP_BUTTON_ROWS


@dataclass(frozen=True)
class DayCell:
    """A free, open, future time of one resource: clicking it books it."""

    column: int
    row: DayRow
    resource: Resource


@dataclass(frozen=True)
class PeriodTotals:
    """What one service period (an opening range) holds; cancelled bookings count only as cancelled."""

    name: str
    opens: datetime | None  # in the tenant's zone; None for "other times" and the whole day
    closes: datetime | None
    bookings: int = 0
    covers: int = 0
    arrived: int = 0  # bookings whose guests have arrived (seated and left included)
    arrived_covers: int = 0
    expected: int = 0  # confirmed, not arrived yet (the late ones included)
    late: int = 0
    no_shows: int = 0
    # A no-show whose card, saved as a guarantee, may be charged: the fee's amount ("45,00 €").
    no_show_fee: str = ""
    walk_ins: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class StaffTotals:
    """A salon's staff member's day: bookings (not cancelled) and the hours they fill."""

    resource: Resource
    bookings: int
    hours: float


@dataclass(frozen=True)
class DayTotals:
    periods: list[PeriodTotals]
    day: PeriodTotals
    staff: list[StaffTotals]


@dataclass
class DayGrid:
    tenant: Tenant
    day: date
    starts_at: datetime  # the window shown (the tenant's zone)
    ends_at: datetime
    row_minutes: int
    rows: list[DayRow]
    resources: list[Resource]
    blocks: list[DayBlock]
    free_cells: list[DayCell]
    shaded_rows: list[DayRow]
    cancelled: list[Appointment] = field(default_factory=list)
    day_starts_at: datetime | None = None  # the day's own midnights (the tenant's zone)
    day_ends_at: datetime | None = None
    totals: DayTotals | None = None

    @property
    def hours(self) -> float:
        """How long the day is (23, 24 or 25 hours), whatever part of it the grid shows."""
        starts, ends = self.day_starts_at or self.starts_at, self.day_ends_at or self.ends_at
        # In UTC: two datetimes of one zone subtract as wall-clock times (always 24 hours).
        return (ends.astimezone(UTC) - starts.astimezone(UTC)) / timedelta(hours=1)

    @property
    def service_blocks(self) -> list[DayBlock]:
        """The day's bookings in order of start, for the service list."""
        return sorted(self.blocks, key=lambda block: (block.appointment.starts_at, block.column))

    @property
    def first_open_row(self) -> DayRow | None:
        return next((row for row in self.rows if row.is_open), None)


def day_grid(*, tenant: Tenant, day: date, now: datetime) -> DayGrid:
    """Everything the day view draws for ``day`` (a date in the tenant's zone)."""
    tz = tenant.tzinfo
    day_starts_at = local_instant(datetime.combine(day, time()), tz)
    day_ends_at = local_instant(datetime.combine(day + timedelta(days=1), time()), tz)
    row_minutes = tenant.slot_minutes if tenant.slot_minutes in ROW_MINUTES_CHOICES else ROW_MINUTES_FALLBACK
    step = timedelta(minutes=row_minutes)
    week = opening_hours_for_week(tenant=tenant)
    open_spans = open_intervals(tenant=tenant, day=day, week=week)
    appointments = list(
        appointments_for_tenant(tenant=tenant, starts_before=day_ends_at).filter(ends_at__gt=day_starts_at)
    )
    starts_at, ends_at = day_window(
        tenant=tenant, day=day, week=week,
        booked=[(a.starts_at, a.ends_at) for a in appointments if a.status != Appointment.Status.CANCELLED],
    )

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
    no_shows = customer_no_show_counts(tenant=tenant, appointments=appointments)
    fees = no_show_fee_offers(tenant=tenant, appointments=appointments)
    for appointment in appointments:
        if appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.EXPIRED):
            cancelled.append(appointment)
            continue
        if appointment.status == Appointment.Status.PENDING:
            continue  # a request that keeps no table: listed under the grid (_day_waitlist.html)
        first = row_at(appointment.starts_at, math.floor)
        last = max(row_at(appointment.ends_at, math.ceil), first + 1)
        blocks.append(
            DayBlock(
                appointment=appointment,
                column=column_of[appointment.resource_id],
                row_from=first + 2,
                row_to=last + 2,
                starts_before_day=appointment.starts_at < day_starts_at,
                ends_after_day=appointment.ends_at > day_ends_at,
                visit=visit_state(appointment, now=now),
                steps=tuple(visit_steps(appointment, now=now)),
                no_shows=no_shows.get(appointment.pk, 0),
                no_show_fee=fees[appointment.pk].amount_text if appointment.pk in fees else "",
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
        day_starts_at=day_starts_at.astimezone(tz),
        day_ends_at=day_ends_at.astimezone(tz),
        totals=day_totals(tenant=tenant, day=day, now=now, week=week, appointments=appointments, resources=resources),
    )


def day_window(
    *,
    tenant: Tenant,
    day: date,
    week: dict[int, list[OpeningHours]] | None = None,
    booked: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[datetime, datetime]:
    """The part of ``day`` the grid shows (UTC instants): the opening ranges that reach into it
    (closures not taken out, so a closed evening shows shaded), an hour either side, widened to
    every booking in ``booked`` and to whole hours of the tenant's zone; within the day's midnights."""
    tz = tenant.tzinfo
    day_start = local_instant(datetime.combine(day, time()), tz)
    day_end = local_instant(datetime.combine(day + timedelta(days=1), time()), tz)
    spans = _range_spans(tenant=tenant, day=day, week=week)
    if spans:
        starts = min(opens for opens, _closes in spans) - WINDOW_MARGIN
        ends = max(closes for _opens, closes in spans) + WINDOW_MARGIN
    else:
        starts = local_instant(datetime.combine(day, DEFAULT_WINDOW[0]), tz)
        ends = local_instant(datetime.combine(day, DEFAULT_WINDOW[1]), tz)
    for booking_starts, booking_ends in booked:
        starts, ends = min(starts, booking_starts), max(ends, booking_ends)
    starts, ends = max(starts, day_start), min(ends, day_end)
    return max(_hour_floor(starts, tz), day_start), min(_hour_ceil(ends, tz), day_end)


def _hour_floor(instant: datetime, tz: ZoneInfo) -> datetime:
    # On the tenant's wall clock (a zone half an hour off UTC still gets whole local hours).
    return instant.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def _hour_ceil(instant: datetime, tz: ZoneInfo) -> datetime:
    floor = _hour_floor(instant, tz)
    return floor if floor == instant else floor + timedelta(hours=1)


def _period_names(tenant: Tenant, ranges: list[OpeningHours]) -> list[str]:
    """Lunch and dinner for a restaurant's ranges (by when they open); else, or when two would
    share a name, "Range 1", "Range 2"."""
    if tenant.kind == Tenant.Kind.RESTAURANT:
        names = [gettext("Lunch") if row.opens < DINNER_FROM else gettext("Dinner") for row in ranges]
        if len(set(names)) == len(names):
            return names
    return [gettext("Range %(number)s") % {"number": number} for number in range(1, len(ranges) + 1)]


def day_totals(
    *,
    tenant: Tenant,
    day: date,
    now: datetime,
    week: dict[int, list[OpeningHours]] | None = None,
    appointments: list[Appointment] | None = None,
    resources: list[Resource] | None = None,
) -> DayTotals:
    """Covers and bookings of ``day`` per service period (each opening range that opens that day), and
    for a salon per staff member. A booking belongs to the range its start falls in; one that starts
    outside every range (the hours changed since) is counted under "Other times". Bookings that
    started the day before are the day before's."""
    tz = tenant.tzinfo
    week = week if week is not None else opening_hours_for_week(tenant=tenant)
    day_start = local_instant(datetime.combine(day, time()), tz)
    day_end = local_instant(datetime.combine(day + timedelta(days=1), time()), tz)
    if appointments is None:
        appointments = list(appointments_for_tenant(tenant=tenant, starts_from=day_start, starts_before=day_end))
    todays = [a for a in appointments if day_start <= a.starts_at < day_end]
    ranges = list(week[day.weekday()])
    spans = []
    for row in ranges:
        closes_day = day + timedelta(days=1) if row.crosses_midnight else day
        spans.append((local_instant(datetime.combine(day, row.opens), tz),
                      local_instant(datetime.combine(closes_day, row.closes), tz)))
    buckets: list[list[Appointment]] = [[] for _ in spans]
    others: list[Appointment] = []
    for appointment in todays:
        index = next((i for i, (opens, closes) in enumerate(spans) if opens <= appointment.starts_at < closes), None)
        (others if index is None else buckets[index]).append(appointment)
    periods = [
        _period_totals(name, bucket, now=now, opens=opens.astimezone(tz), closes=closes.astimezone(tz))
        for name, bucket, (opens, closes) in zip(_period_names(tenant, ranges), buckets, spans, strict=True)
    ]
    if others:
        periods.append(_period_totals(gettext("Other times"), others, now=now))
    staff = []
    if tenant.kind == Tenant.Kind.SALON:
        for resource in resources if resources is not None else Resource.objects.filter(tenant=tenant, is_active=True):
            theirs = [a for a in todays if a.resource_id == resource.pk and a.status != Appointment.Status.CANCELLED]
            booked = sum(((a.ends_at - a.starts_at) for a in theirs), timedelta())
            staff.append(StaffTotals(resource=resource, bookings=len(theirs), hours=booked / timedelta(hours=1)))
    return DayTotals(periods=periods, day=_period_totals(gettext("Whole day"), todays, now=now), staff=staff)


def _period_totals(
    name: str, appointments: list[Appointment], *, now: datetime, opens: datetime | None = None,
    closes: datetime | None = None,
) -> PeriodTotals:
    held = [a for a in appointments if a.status != Appointment.Status.CANCELLED]
    arrived = [a for a in held if a.arrived_at is not None]
    states = [visit_state(a, now=now) for a in held]
    return PeriodTotals(
        name=name,
        opens=opens,
        closes=closes,
        bookings=len(held),
        covers=sum(a.party_size for a in held),
        arrived=len(arrived),
        arrived_covers=sum(a.party_size for a in arrived),
        expected=sum(1 for state in states if state in (Visit.EXPECTED, Visit.LATE)),
        late=states.count(Visit.LATE),
        no_shows=states.count(Visit.NO_SHOW),
        walk_ins=sum(1 for a in held if a.walk_in),
        cancelled=len(appointments) - len(held),
    )


def open_intervals(
    *, tenant: Tenant, day: date, week: dict[int, list[OpeningHours]] | None = None
) -> list[tuple[datetime, datetime]]:
    """When the business is open during ``day`` (UTC instants), closures taken out.

    A range that closes after midnight belongs to the day it opens, so yesterday's
    late range may reach into this morning.
    """
    tz = tenant.tzinfo
    day_start = local_instant(datetime.combine(day, time()), tz)
    day_end = local_instant(datetime.combine(day + timedelta(days=1), time()), tz)
    spans = _range_spans(tenant=tenant, day=day, week=week)
    closures = Closure.objects.filter(tenant=tenant, starts_at__lt=day_end, ends_at__gt=day_start)
    for closure in closures:
        spans = [piece for span in spans for piece in _minus(span, (closure.starts_at, closure.ends_at))]
    return sorted(spans)


def _range_spans(
    *, tenant: Tenant, day: date, week: dict[int, list[OpeningHours]] | None = None
) -> list[tuple[datetime, datetime]]:
    """The opening ranges that reach into ``day`` (yesterday's late one too), cut to the day; closures kept."""
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
