"""Writes of what a tenant offers: its weekly opening hours and its closures.

The owner's settings pages call these; the rules (a range ends after it starts, the
ranges of a day do not overlap, a closure covers whole days in the business's zone)
live here, not in the forms. Every write bumps the tenant's ``config_version``
(``bookings.signals`` for single rows, ``tenant_config_changed`` for bulk ones), so the
assistant reads the new hours at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from bookings.models import Closure, OpeningHours
from bookings.signals import appointment_capacity_freed
from tenants.models import Tenant
from tenants.services import tenant_config_changed

__all__ = [
    "ClosureInvalid",
    "OpeningHoursInvalid",
    "OpeningRange",
    "closure_add",
    "closure_delete",
    "opening_hours_replace",
    "opening_hours_week",
    "opening_ranges_check",
]

# A closing time earlier than the opening time is read as "after midnight" only up to
# this hour: 19:00-01:00 is a late evening, while 19:00-15:00 is a typo, refused.
LATEST_CLOSING_AFTER_MIDNIGHT = time(6, 0)
MINUTES_PER_DAY = 24 * 60
# A closure longer than this is almost certainly a mistyped year.
CLOSURE_MAX_DAYS = 366


class OpeningHoursInvalid(Exception):
    """Some ranges of a week are not hours a business can open; ``errors`` per weekday."""

    def __init__(self, errors: dict[int, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class ClosureInvalid(Exception):
    """A closure that cannot be saved (it ends before it starts, or lasts too long)."""


@dataclass(frozen=True)
class OpeningRange:
    opens: time
    closes: time
    last_start: time | None = None

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens

    def minutes(self) -> tuple[int, int]:
        """Start and end in minutes from the day's midnight (the end past 1440 after midnight)."""
        start = self.opens.hour * 60 + self.opens.minute
        end = self.closes.hour * 60 + self.closes.minute
        return start, end + MINUTES_PER_DAY if self.crosses_midnight else end


def opening_hours_week(*, tenant: Tenant) -> dict[int, list[OpeningRange]]:
    """The tenant's opening ranges per weekday (0 = Monday), each day's in order; closed days empty."""
    week: dict[int, list[OpeningRange]] = {day: [] for day in range(7)}
    for row in OpeningHours.objects.filter(tenant=tenant).order_by("weekday", "opens"):
        week[row.weekday].append(OpeningRange(row.opens, row.closes, row.last_start))
    return week


def opening_ranges_check(ranges: list[OpeningRange]) -> list[str]:
    """What is wrong with one day's ranges, in the active language (empty when they are fine)."""
    errors = []
    for opening in ranges:
        if opening.closes == opening.opens:
            errors.append(gettext("%(opens)s–%(closes)s: the closing time must differ from the opening time.")
                          % _range_words(opening))
        elif opening.closes < opening.opens and opening.closes > LATEST_CLOSING_AFTER_MIDNIGHT:
            errors.append(gettext(
                "%(opens)s–%(closes)s: the closing time must be after the opening time "
                "(after midnight only up to %(latest)s)."
            ) % {**_range_words(opening), "latest": f"{LATEST_CLOSING_AFTER_MIDNIGHT:%H:%M}"})
        elif opening.last_start is not None and not _last_start_fits(opening):
            errors.append(gettext("%(opens)s–%(closes)s: the last start must be within the opening hours.")
                          % _range_words(opening))
    if errors:
        return errors
    spans = sorted(opening.minutes() for opening in ranges)
    for (_start, end), (next_start, _end) in pairwise(spans):
        if next_start < end:
            errors.append(gettext("The opening ranges of one day must not overlap."))
            break
    return errors


def _last_start_fits(opening: OpeningRange) -> bool:
    assert opening.last_start is not None
    start, end = opening.minutes()
    last = opening.last_start.hour * 60 + opening.last_start.minute
    if last < start:
        last += MINUTES_PER_DAY  # a last seating after midnight
    return start <= last <= end


def _range_words(opening: OpeningRange) -> dict[str, str]:
    return {"opens": f"{opening.opens:%H:%M}", "closes": f"{opening.closes:%H:%M}"}


def opening_hours_replace(*, tenant: Tenant, week: dict[int, list[OpeningRange]]) -> bool:
    """Make ``week`` the tenant's opening hours (days missing from it are closed).

    Raises ``OpeningHoursInvalid`` (nothing written) when a day's ranges are refused.
    Returns False, and writes nothing, when the hours are already these.
    """
    errors = {day: found for day, ranges in week.items() if (found := opening_ranges_check(ranges))}
    if errors:
        raise OpeningHoursInvalid(errors)
    wanted = {day: sorted(ranges, key=lambda r: r.opens) for day, ranges in week.items() if ranges}
    with transaction.atomic():
        # The tenant's row first: two owners saving at once write one week after the other.
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        current = {day: ranges for day, ranges in opening_hours_week(tenant=tenant).items() if ranges}
        if current == wanted:
            return False
        OpeningHours.objects.filter(tenant=tenant).delete()
        OpeningHours.objects.bulk_create([
            OpeningHours(tenant=tenant, weekday=day, opens=r.opens, closes=r.closes, last_start=r.last_start)
            for day, ranges in sorted(wanted.items()) for r in ranges
        ])
        # bulk_create sends no signal (bookings.signals): the bump is ours to make.
        tenant_config_changed(tenant.pk)
    return True


def closure_add(*, tenant: Tenant, first_day: date, last_day: date, reason: str = "") -> Closure:
    """The business is closed from ``first_day`` to ``last_day`` included, midnight to midnight in its zone."""
    if last_day < first_day:
        raise ClosureInvalid(gettext("The last day of the closure cannot be before its first day."))
    if (last_day - first_day).days >= CLOSURE_MAX_DAYS:
        raise ClosureInvalid(gettext("A closure can last at most a year."))
    zone = tenant.tzinfo
    starts = datetime.combine(first_day, time(0), tzinfo=zone)
    ends = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    closure = Closure(tenant=tenant, starts_at=starts, ends_at=ends, reason=reason.strip()[:200])
    closure.full_clean()
    closure.save()  # the post_save signal bumps config_version
    return closure


def closure_delete(*, tenant: Tenant, closure_id: int, now: datetime | None = None) -> bool:
    """Remove one of the tenant's closures; False when it has none with that id (another tenant's included).

    The days it closed are open again: after commit the waitlist is offered what is free in
    them (``appointment_capacity_freed`` over the closure's span, every resource).
    """
    now = now or timezone.now()
    with transaction.atomic():
        closure = Closure.objects.filter(tenant=tenant, pk=closure_id).first()
        if closure is None:
            return False
        starts_at, ends_at = closure.starts_at, closure.ends_at
        closure.delete()  # sends post_delete: bump
        if ends_at > now:
            transaction.on_commit(lambda: appointment_capacity_freed.send(
                sender=Closure, tenant=tenant, starts_at=max(starts_at, now), ends_at=ends_at, resource_id=None,
                now=now,
            ))
    return True
