"""Free start times: opening hours, closures, durations, resources and pacing.

Everything is read up front in a fixed number of queries (opening hours, candidate
resources, closures, active bookings) and computed in memory, so the cost does not
grow with the number of tables or staff members (no query per resource or per day).

Times: rows are stored in UTC; opening hours are wall-clock times in the tenant's
zone. Candidate starts are generated on the wall clock (multiples of the tenant's
slot length), then turned into instants: a wall time skipped by a spring-forward
change yields no slot, a wall time repeated by a fall-back change yields one slot
per real instant. Durations are added to instants (UTC), never to wall-clock times,
so a 90-minute booking lasts 90 minutes on a 23- or 25-hour day.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from bookings.models import Appointment, Closure, OpeningHours, Resource, Service
from bookings.setup import BookingSetup, booking_setup_in_use
from tenants.models import Tenant

# The alternatives offered when a time is taken: WhatsApp shows at most 3 reply buttons.
ALTERNATIVES_COUNT = 3
# How many following days are searched for alternatives when the requested day is full.
ALTERNATIVES_FOLLOWING_DAYS = 7
# With ``limit``, the first days are read alone: "the next 20 free slots" rarely needs
# more than a week, and reading two months of bookings for it would be wasted work.
FIRST_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Slot:
    """A free start time (tenant-local, aware) and the resource a booking there would use."""

    start: datetime
    end: datetime
    resource: Resource


class Verdict(enum.Enum):
    FREE = "free"
    TOO_SOON = "too_soon"  # in the past or inside the minimum notice
    TOO_FAR = "too_far"  # after the last bookable day
    OUTSIDE_HOURS = "outside_hours"  # in no opening range
    ENDS_AFTER_CLOSING = "ends_after_closing"  # starts in a range but would end after it closes
    CLOSED = "closed"  # a closure (holiday, private event) overlaps the booking
    OFF_GRID = "off_grid"  # not a multiple of the slot length
    PACING = "pacing"  # too many covers already start in this slot
    TAKEN = "taken"  # every suitable resource is busy
    NO_RESOURCE = "no_resource"  # no table fits the party / nobody does the service


@dataclass(frozen=True)
class StartCheck:
    """The outcome of checking one start time (see :func:`start_check`)."""

    verdict: Verdict
    start: datetime
    end: datetime | None = None
    blocks_until: datetime | None = None
    # The free suitable resources, best first (smallest table / staff order).
    resources: tuple[Resource, ...] = ()
    # For OUTSIDE_HOURS / ENDS_AFTER_CLOSING / CLOSED: what staff should read.
    detail: str = ""


def booking_length(tenant: Tenant, service: Service | None) -> tuple[timedelta, timedelta]:
    """(duration, buffer after) of a booking: the service's, or the tenant's sitting time."""
    if service is not None:
        return timedelta(minutes=service.duration_minutes), timedelta(minutes=service.buffer_minutes)
    return timedelta(minutes=tenant.default_duration_minutes), timedelta(0)


def suitable_resources(
    tenant: Tenant, *, service: Service | None, party_size: int, resource: Resource | None = None
) -> QuerySet[Resource]:
    """Resources that could take the booking at some time, best first.

    Restaurants: active tables seating the party, smallest first. Salons: active
    staff members linked to the service (any staff member without a service).
    """
    queryset = Resource.objects.filter(tenant=tenant, is_active=True)
    if service is not None and (service.tenant_id != tenant.pk or not service.is_active):
        return queryset.none()
    if tenant.kind == Tenant.Kind.RESTAURANT:
        queryset = queryset.filter(
            kind=Resource.Kind.TABLE, min_seats__lte=party_size, max_seats__gte=party_size
        ).order_by("max_seats", "min_seats", "position", "name", "pk")
    else:
        queryset = queryset.filter(kind=Resource.Kind.STAFF).order_by("position", "name", "pk")
    if service is not None and tenant.kind == Tenant.Kind.SALON:
        queryset = queryset.filter(services=service)
    if resource is not None:
        queryset = queryset.filter(pk=resource.pk)
    return queryset


# --- Loading ------------------------------------------------------------------------


@dataclass
class _Plan:
    """What is being booked and the rules that apply, with the rows that do not depend on the window."""

    tenant: Tenant
    tz: ZoneInfo
    duration: timedelta
    buffer: timedelta
    party_size: int
    slot_minutes: int
    hours: Mapping[int, Sequence[OpeningHours]]
    resources: list[Resource]
    now: datetime
    earliest: datetime
    last_day: date | None
    pacing_max_covers: int | None
    exclude_appointment_id: int | None = None
    # The tenant's setup when the caller reads it from the process's cache (``bookings.setup``).
    setup: BookingSetup | None = None


@dataclass
class _Occupancy:
    """Closures and active bookings over one window, ready for quick checks."""

    closures: list[tuple[datetime, datetime]] = field(default_factory=list)
    # resource id -> (starts, ends) of disjoint busy intervals, sorted.
    busy: dict[int, tuple[list[datetime], list[datetime]]] = field(default_factory=dict)
    # pacing bucket start (UTC) -> covers already starting in that slot.
    covers: dict[datetime, int] = field(default_factory=dict)


def _plan_load(
    tenant: Tenant,
    *,
    service: Service | None,
    party_size: int,
    resource: Resource | None,
    now: datetime,
    by_staff: bool,
    exclude_appointment_id: int | None = None,
) -> _Plan:
    duration, buffer = booking_length(tenant, service)
    tz = tenant.tzinfo
    setup = booking_setup_in_use(tenant, now)
    hours: Mapping[int, Sequence[OpeningHours]]
    if setup is not None:
        hours = setup.hours
        resources = setup.suitable_resources(tenant, service=service, party_size=party_size, resource=resource)
    else:
        read: dict[int, list[OpeningHours]] = defaultdict(list)
        for row in OpeningHours.objects.filter(tenant=tenant).order_by("weekday", "opens"):
            read[row.weekday].append(row)
        hours = read
        resources = list(suitable_resources(tenant, service=service, party_size=party_size, resource=resource))
    if by_staff:
        # Staff skip the customer-only rules (minimum notice, how far ahead), never the past.
        earliest, last_day = now, None
    else:
        earliest = now + timedelta(minutes=tenant.min_notice_minutes)
        last_day = now.astimezone(tz).date() + timedelta(days=tenant.max_days_ahead)
    return _Plan(
        tenant=tenant,
        tz=tz,
        duration=duration,
        buffer=buffer,
        party_size=party_size,
        slot_minutes=tenant.slot_minutes,
        hours=hours,
        resources=resources,
        now=now,
        earliest=earliest,
        last_day=last_day,
        pacing_max_covers=tenant.pacing_max_covers or None,
        exclude_appointment_id=exclude_appointment_id,
        setup=setup,
    )


def _occupancy_load(plan: _Plan, window_start: datetime, window_end: datetime) -> _Occupancy:
    """Two queries, whatever the number of resources and days (one with a cached setup)."""
    occupancy = _Occupancy()
    cached = plan.setup.closures_between(window_start, window_end) if plan.setup is not None else None
    occupancy.closures = cached if cached is not None else list(
        Closure.objects.filter(tenant=plan.tenant, starts_at__lt=window_end, ends_at__gt=window_start)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    bookings = Appointment.objects.filter(
        Appointment.occupying(plan.now),
        tenant=plan.tenant,
        blocks_until__gt=window_start,
        starts_at__lt=window_end,
    )
    if plan.exclude_appointment_id is not None:
        # A visit being moved does not stand in its own way: its later services go with it.
        bookings = bookings.exclude(
            Q(pk=plan.exclude_appointment_id) | Q(visit_first_id=plan.exclude_appointment_id)
        )
    if not plan.pacing_max_covers:
        # Pacing counts every table's covers; without it only our resources matter.
        bookings = bookings.filter(resource_id__in=[r.pk for r in plan.resources])
    intervals: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for resource_id, starts_at, blocks_until, party_size in bookings.values_list(
        "resource_id", "starts_at", "blocks_until", "party_size"
    ):
        intervals[resource_id].append((starts_at, blocks_until))
        if plan.pacing_max_covers:
            bucket = _pacing_bucket(plan, starts_at)
            occupancy.covers[bucket] = occupancy.covers.get(bucket, 0) + party_size
    for resource_id, spans in intervals.items():
        occupancy.busy[resource_id] = _merged(spans)
    return occupancy


def _merged(spans: list[tuple[datetime, datetime]]) -> tuple[list[datetime], list[datetime]]:
    # Disjoint intervals make "is it free?" one binary search. Overlaps only exist in
    # rows written around the service (SQLite has no exclusion constraint).
    starts: list[datetime] = []
    ends: list[datetime] = []
    for start, end in sorted(spans):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


# --- Wall clock and instants --------------------------------------------------------


def _instants(local: datetime, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants a naive wall-clock time denotes: none (DST gap), one, or two (DST fold)."""
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if first.astimezone(tz).replace(tzinfo=None) != local:
        return []  # skipped by a spring-forward change
    return [first, second]


def _boundary(local: datetime, tz: ZoneInfo) -> datetime:
    """An opening or closing time as an instant: its first occurrence, or the change itself if skipped."""
    found = _instants(local, tz)
    if found:
        return found[0]
    earlier = local
    while True:  # a DST gap is at most a couple of hours long
        earlier -= timedelta(minutes=1)
        found = _instants(earlier, tz)
        if found:
            # ``earlier`` is the last wall minute before the gap; the change is one minute later.
            return found[-1] + timedelta(minutes=1)


@dataclass(frozen=True)
class _Range:
    """One opening range on one day (the day it opens), as wall times and instants."""

    day: date
    midnight: datetime  # naive wall-clock midnight of ``day``
    opens_wall: datetime
    bound_wall: datetime  # the last wall time a booking could start
    opens: datetime
    closes: datetime
    last_start: datetime | None


def _day_ranges(hours: Mapping[int, Sequence[OpeningHours]], tz: ZoneInfo, day: date) -> list[_Range]:
    midnight = datetime.combine(day, time())
    ranges = []
    for row in hours.get(day.weekday(), []):
        opens_wall = datetime.combine(day, row.opens)
        closes_wall = datetime.combine(day + timedelta(days=1 if row.crosses_midnight else 0), row.closes)
        last_wall = None
        if row.last_start is not None:
            # A last seating earlier than the opening time is after midnight (19:00-01:00, last 00:30).
            last_wall = datetime.combine(day + timedelta(days=1 if row.last_start < row.opens else 0), row.last_start)
        ranges.append(
            _Range(
                day=day,
                midnight=midnight,
                opens_wall=opens_wall,
                bound_wall=last_wall or closes_wall,
                opens=_boundary(opens_wall, tz),
                closes=_boundary(closes_wall, tz),
                last_start=_boundary(last_wall, tz) if last_wall else None,
            )
        )
    return ranges


def _range_admits(plan: _Plan, rng: _Range, start: datetime) -> bool:
    """A booking may start here: after opening, and ending by closing or starting by the last seating."""
    if start < rng.opens:
        return False
    if rng.last_start is not None:
        return start <= rng.last_start
    return start + plan.duration <= rng.closes


def _range_starts(plan: _Plan, rng: _Range) -> list[datetime]:
    """Grid starts of a range (UTC, ascending, each instant once)."""
    step = plan.slot_minutes
    opens_minute = int((rng.opens_wall - rng.midnight).total_seconds() // 60)
    bound_minute = int((rng.bound_wall - rng.midnight).total_seconds() // 60)
    first = -(-opens_minute // step) * step  # bookable starts are multiples of the slot length
    starts: set[datetime] = set()
    for minute in range(first, bound_minute + 1, step):
        for instant in _instants(rng.midnight + timedelta(minutes=minute), plan.tz):
            if _range_admits(plan, rng, instant):
                starts.add(instant)
    return sorted(starts)


def _on_grid(plan: _Plan, rng: _Range, start: datetime) -> bool:
    local = start.astimezone(plan.tz).replace(tzinfo=None)
    minutes = (local - rng.midnight).total_seconds() / 60
    return minutes == int(minutes) and int(minutes) % plan.slot_minutes == 0


def _pacing_bucket(plan: _Plan, start: datetime) -> datetime:
    """The slot a start falls in, on the wall-clock grid (a booking at 20:05 counts in 20:00)."""
    local = start.astimezone(plan.tz)
    minute_of_day = local.hour * 60 + local.minute
    floored = minute_of_day - minute_of_day % plan.slot_minutes
    return local.replace(hour=floored // 60, minute=floored % 60, second=0, microsecond=0).astimezone(UTC)


# --- Checks -------------------------------------------------------------------------


def _closure_overlapping(occupancy: _Occupancy, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    for closure_start, closure_end in occupancy.closures:
        if closure_start < end and closure_end > start:
            return closure_start, closure_end
    return None


def _is_free(occupancy: _Occupancy, resource_id: int, start: datetime, end: datetime) -> bool:
    starts, ends = occupancy.busy.get(resource_id, ((), ()))
    index = bisect_right(ends, start)  # the first busy interval ending after ``start``
    return index == len(ends) or starts[index] >= end


def _pacing_allows(plan: _Plan, occupancy: _Occupancy, start: datetime) -> bool:
    if not plan.pacing_max_covers:
        return True
    return occupancy.covers.get(_pacing_bucket(plan, start), 0) + plan.party_size <= plan.pacing_max_covers


def _free_resources(plan: _Plan, occupancy: _Occupancy, start: datetime, *, first_only: bool) -> list[Resource]:
    blocks_until = start + plan.duration + plan.buffer
    free = []
    for resource in plan.resources:
        if _is_free(occupancy, resource.pk, start, blocks_until):
            free.append(resource)
            if first_only:
                break
    return free


def _window(plan: _Plan, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    # A range that opens on ``last_day`` may close (and its last booking end) the day after.
    start = _boundary(datetime.combine(first_day, time()), plan.tz)
    end = _boundary(datetime.combine(last_day + timedelta(days=2), time()), plan.tz)
    return start, end + plan.duration + plan.buffer


def _slots_for_days(
    plan: _Plan, days: Iterable[date], occupancy: _Occupancy, *, limit: int | None, per_resource: bool
) -> Iterator[Slot]:
    produced = 0
    for day in days:
        if plan.last_day is not None and day > plan.last_day:
            return
        starts: set[datetime] = set()
        for rng in _day_ranges(plan.hours, plan.tz, day):
            starts.update(_range_starts(plan, rng))
        for start in sorted(starts):
            if start < plan.earliest:
                continue
            end = start + plan.duration
            if _closure_overlapping(occupancy, start, end) or not _pacing_allows(plan, occupancy, start):
                continue
            local_start, local_end = start.astimezone(plan.tz), end.astimezone(plan.tz)
            for resource in _free_resources(plan, occupancy, start, first_only=not per_resource):
                yield Slot(start=local_start, end=local_end, resource=resource)
                produced += 1
                if limit is not None and produced >= limit:
                    return


# --- Public API ---------------------------------------------------------------------


def available_slots(
    tenant: Tenant,
    *,
    service: Service | None = None,
    party_size: int = 1,
    start_date: date,
    end_date: date,
    resource: Resource | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    by_staff: bool = False,
    per_resource: bool = False,
    exclude_appointment_id: int | None = None,
    then: Sequence[Service] = (),
) -> list[Slot]:
    """Free start times from ``start_date`` to ``end_date`` (both included), ordered by start.

    Each slot carries the resource a booking there would use: the smallest free table
    that seats the party, the first free qualified staff member, or ``resource`` when
    given (then only that one). ``per_resource`` lists every free resource at each
    start instead. A range past midnight belongs to the day it opens. Customer rules
    (minimum notice, maximum days ahead) apply unless ``by_staff``.

    An impossible request (no table seats the party, nobody does the service, an
    inactive service) gives an empty list; :func:`start_check` says why for a given start
    (its verdict).
    ``exclude_appointment_id`` ignores one booking (the one being moved, with its visit).
    ``then``: services booked back to back after ``service`` in the same visit
    (:func:`visit_part_start`); a start is free when every one of them fits too.
    Queries: at most 6, whatever the number of resources and days (6 per service of a visit).
    """
    now = now or timezone.now()
    if party_size < 1 or end_date < start_date or (limit is not None and limit <= 0):
        return []
    if then:
        return _visit_slots(
            tenant, service=service, then=then, start_date=start_date, end_date=end_date, resource=resource,
            limit=limit, now=now, by_staff=by_staff, per_resource=per_resource,
            exclude_appointment_id=exclude_appointment_id,
        )
    plan = _plan_load(
        tenant, service=service, party_size=party_size, resource=resource, now=now, by_staff=by_staff,
        exclude_appointment_id=exclude_appointment_id,
    )
    if not plan.resources:
        return []
    # Nothing before yesterday can start after now (a range opens at most one day
    # before it closes); nothing after the last bookable day is offered to customers.
    start_date = max(start_date, now.astimezone(plan.tz).date() - timedelta(days=1))
    if plan.last_day is not None:
        end_date = min(end_date, plan.last_day)
    if end_date < start_date:
        return []
    days = [start_date + timedelta(days=n) for n in range((end_date - start_date).days + 1)]
    windows = [days]
    if limit is not None and len(days) > FIRST_WINDOW_DAYS:
        windows = [days[:FIRST_WINDOW_DAYS], days[FIRST_WINDOW_DAYS:]]
    slots: list[Slot] = []
    for window_days in windows:
        occupancy = _occupancy_load(plan, *_window(plan, window_days[0], window_days[-1]))
        remaining = None if limit is None else limit - len(slots)
        slots.extend(_slots_for_days(plan, window_days, occupancy, limit=remaining, per_resource=per_resource))
        if limit is not None and len(slots) >= limit:
            break
    return slots


def start_windows(
    tenant: Tenant, *, day: date, week: dict[int, list[OpeningHours]]
) -> list[tuple[datetime, datetime]]:
    """When a booking may start on ``day`` (UTC instants, both ends included), range by range:
    from opening to the last seating, or to the latest start that still ends by closing.
    ``week``: the tenant's opening hours by weekday (``bookings.selectors.opening_hours_for_week``).

    For a grid that does not know yet what will be booked (the day view): the length is
    the tenant's sitting time, or for a salon its shortest active service. Closures, the
    slot grid and bookings are not applied; the booking services decide each start.
    """
    shortest = (
        Service.objects.filter(tenant=tenant, is_active=True).order_by("duration_minutes").first()
        if tenant.kind == Tenant.Kind.SALON
        else None
    )
    duration, _buffer = booking_length(tenant, shortest)
    windows = []
    # Yesterday's range may run past midnight into ``day``.
    for rng in _day_ranges(week, tenant.tzinfo, day - timedelta(days=1)) + _day_ranges(week, tenant.tzinfo, day):
        latest = rng.last_start if rng.last_start is not None else rng.closes - duration
        if rng.opens <= latest:
            windows.append((rng.opens, latest))
    return windows


def start_check(
    tenant: Tenant,
    *,
    start: datetime,
    service: Service | None = None,
    party_size: int = 1,
    resource: Resource | None = None,
    now: datetime,
    by_staff: bool = False,
    exclude_appointment_id: int | None = None,
) -> StartCheck:
    """Check one start time against every rule; ``resources`` lists the free suitable ones.

    Staff (``by_staff``) may also book off the slot grid. The booking services call
    this while holding the tenant's booking lock.
    """
    plan = _plan_load(
        tenant, service=service, party_size=party_size, resource=resource, now=now, by_staff=by_staff,
        exclude_appointment_id=exclude_appointment_id,
    )
    start = start.astimezone(UTC)
    end = start + plan.duration
    blocks_until = end + plan.buffer

    def verdict(value: Verdict, detail: str = "", resources: Iterable[Resource] = ()) -> StartCheck:
        return StartCheck(value, start, end, blocks_until, tuple(resources), detail)

    if not plan.resources:
        return verdict(Verdict.NO_RESOURCE)
    if start < plan.earliest:
        return verdict(Verdict.TOO_SOON)
    local_day = start.astimezone(plan.tz).date()
    # The start may belong to yesterday's range if that range runs past midnight.
    candidates = [
        rng for day in (local_day - timedelta(days=1), local_day) for rng in _day_ranges(plan.hours, plan.tz, day)
    ]
    admitting = [rng for rng in candidates if _range_admits(plan, rng, start)]
    if not admitting:
        started_in = [rng for rng in candidates if rng.opens <= start < rng.closes]
        if started_in:
            closes = started_in[0].closes.astimezone(plan.tz)
            limit = started_in[0].last_start
            if limit is not None:
                last = f"{limit.astimezone(plan.tz):%H:%M}"
                last_seating = gettext("The last seating is at %(time)s.") % {"time": last}
                return verdict(Verdict.ENDS_AFTER_CLOSING, last_seating)
            ends_after = gettext("It would end after closing time (%(time)s).") % {"time": f"{closes:%H:%M}"}
            return verdict(Verdict.ENDS_AFTER_CLOSING, ends_after)
        return verdict(Verdict.OUTSIDE_HOURS, gettext("The business is not open at that time."))
    rng = admitting[0]
    if plan.last_day is not None and rng.day > plan.last_day:
        return verdict(Verdict.TOO_FAR)
    # From the start of its pacing slot: bookings that started there count as covers.
    occupancy = _occupancy_load(plan, _pacing_bucket(plan, start), blocks_until)
    closure = _closure_overlapping(occupancy, start, end)
    if closure is not None:
        closed_until = closure[1].astimezone(plan.tz)
        return verdict(
            Verdict.CLOSED,
            gettext("The business is closed until %(until)s.") % {"until": f"{closed_until:%Y-%m-%d %H:%M}"},
        )
    if not by_staff and not _on_grid(plan, rng, start):
        return verdict(
            Verdict.OFF_GRID, gettext("Bookings start every %(minutes)s minutes.") % {"minutes": plan.slot_minutes}
        )
    if not _pacing_allows(plan, occupancy, start):
        return verdict(Verdict.PACING)
    free = _free_resources(plan, occupancy, start, first_only=False)
    if not free:
        return verdict(Verdict.TAKEN)
    return verdict(Verdict.FREE, resources=free)


def slot_alternatives(
    tenant: Tenant,
    *,
    near: datetime,
    service: Service | None = None,
    party_size: int = 1,
    resource: Resource | None = None,
    now: datetime,
    by_staff: bool = False,
    exclude_appointment_id: int | None = None,
    count: int = ALTERNATIVES_COUNT,
    same_time_other_days: int = 0,
    then: Sequence[Service] = (),
) -> list[Slot]:
    """Free slots near ``near``: the closest ones on the same day first, then the first of the following days.

    With ``same_time_other_days``, up to that many more follow: one per following day,
    the closest to the same wall-clock time ("Saturday is full at 20:00; Sunday at 20:00?").
    """
    local_near = near.astimezone(tenant.tzinfo)
    day = local_near.date()
    common: dict[str, Any] = {
        "service": service, "party_size": party_size, "resource": resource, "now": now, "by_staff": by_staff,
        "exclude_appointment_id": exclude_appointment_id, "then": then,
    }
    same_day = available_slots(tenant, start_date=day, end_date=day, **common)
    closest = sorted(same_day, key=lambda slot: (abs(slot.start - near), slot.start))[:count]
    alternatives = sorted(closest, key=lambda slot: slot.start)
    following = (day + timedelta(days=1), day + timedelta(days=ALTERNATIVES_FOLLOWING_DAYS))
    if same_time_other_days:
        by_day: dict[date, list[Slot]] = {}
        for slot in available_slots(tenant, start_date=following[0], end_date=following[1], **common):
            by_day.setdefault(slot.start.date(), []).append(slot)
        for other_day in sorted(by_day)[:same_time_other_days]:
            wanted = datetime.combine(other_day, local_near.time(), tzinfo=tenant.tzinfo)
            alternatives.append(min(by_day[other_day], key=lambda slot: (abs(slot.start - wanted), slot.start)))
    elif len(alternatives) < count:
        alternatives += available_slots(
            tenant, start_date=following[0], end_date=following[1], limit=count - len(alternatives), **common,
        )
    return alternatives


# --- Visits: several services back to back ------------------------------------------


def visit_part_start(tenant: Tenant, previous_blocks_until: datetime) -> datetime:
    """When the next service of a visit starts: once the previous one is over, its buffer
    included (the same person may do both), at the next start of the slot grid, so every
    service of a visit starts where a booking may start.
    """
    step = max(tenant.slot_minutes, 1)
    local = previous_blocks_until.astimezone(tenant.tzinfo)
    minutes = local.hour * 60 + local.minute
    ahead = -minutes % step
    if ahead == 0 and (local.second or local.microsecond):
        ahead = step
    return previous_blocks_until.replace(second=0, microsecond=0) + timedelta(minutes=ahead)


def visit_starts(tenant: Tenant, services: Sequence[Service], start: datetime) -> list[tuple[datetime, Service]]:
    """The start of each service of a visit beginning at ``start``, in order."""
    starts = []
    at = start
    for service in services:
        starts.append((at, service))
        duration, buffer = booking_length(tenant, service)
        at = visit_part_start(tenant, at + duration + buffer)
    return starts


def visit_rest_check(
    tenant: Tenant,
    *,
    first_blocks_until: datetime,
    services: Sequence[Service],
    party_size: int = 1,
    now: datetime,
    exclude_appointment_id: int | None = None,
) -> StartCheck:
    """Why the later ``services`` of a visit cannot follow a first one over at ``first_blocks_until``.

    The first refusal among them, each starting when the one before is over; a service
    that would start or end outside the hours makes the visit end after closing (it
    started while open). ``TAKEN`` when every one fits: the whole visit was refused for
    a reason that is none of theirs.
    """
    previous_end = first_blocks_until
    for service in services:
        check = start_check(
            tenant, start=visit_part_start(tenant, previous_end), service=service, party_size=party_size, now=now,
            exclude_appointment_id=exclude_appointment_id,
        )
        if check.verdict in (Verdict.OUTSIDE_HOURS, Verdict.ENDS_AFTER_CLOSING):
            return StartCheck(Verdict.ENDS_AFTER_CLOSING, first_blocks_until)
        if check.verdict is not Verdict.FREE or check.blocks_until is None:
            return check
        previous_end = check.blocks_until
    return StartCheck(Verdict.TAKEN, first_blocks_until)


def _visit_slots(
    tenant: Tenant,
    *,
    service: Service | None,
    then: Sequence[Service],
    start_date: date,
    end_date: date,
    resource: Resource | None,
    limit: int | None,
    now: datetime,
    by_staff: bool,
    per_resource: bool,
    exclude_appointment_id: int | None,
) -> list[Slot]:
    """The first service's free starts where each following service finds someone free at its turn.

    The services of a visit follow one another, so they never overlap: each needs only
    one free qualified person at its own start (the same or another).
    """
    common: dict[str, Any] = {"now": now, "by_staff": by_staff, "exclude_appointment_id": exclude_appointment_id}
    firsts = available_slots(
        tenant, service=service, start_date=start_date, end_date=end_date, resource=resource,
        per_resource=per_resource, **common,
    )
    if not firsts:
        return []
    # A later service may start after midnight when the first one ends late.
    free_at: list[set[datetime]] = [
        {
            slot.start.astimezone(UTC)
            for slot in available_slots(
                tenant, service=later, start_date=start_date, end_date=end_date + timedelta(days=1), **common
            )
        }
        for later in then
    ]
    chosen: list[Slot] = []
    for slot in firsts:
        starts = visit_starts(tenant, [service, *then] if service else list(then), slot.start)[1:]
        if all(at.astimezone(UTC) in free for (at, _later), free in zip(starts, free_at, strict=True)):
            chosen.append(slot)
            if limit is not None and len(chosen) >= limit:
                break
    return chosen
