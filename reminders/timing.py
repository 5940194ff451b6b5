"""When a reminder goes out: N hours before the booking, moved out of the tenant's quiet hours.

Pure functions of aware datetimes. "N hours before" is elapsed time (24 hours before
a booking the morning after a clock change is 23 or 25 wall-clock hours earlier);
quiet hours are wall-clock times in the tenant's zone, so they mean the same to the
customer whatever the season.
"""

from datetime import UTC, datetime, time, timedelta, tzinfo


def quiet_hours_end(moment: datetime, *, start: time, end: time, tz: tzinfo) -> datetime | None:
    """The instant the quiet hours containing ``moment`` end; ``None`` when ``moment`` is not in them.

    ``start`` after ``end`` (22:00-08:00) spans midnight. An end that falls in a clock
    change's gap (02:30 on the night the clocks jump from 02:00 to 03:00) is read, as
    zoneinfo reads it, with the offset before the change: 03:30 that night.
    """
    local = moment.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= wall < end:
            return None
        day = local.date()
    else:
        if end <= wall < start:
            return None
        # Before midnight, the quiet hours end tomorrow; after it, today.
        day = local.date() if wall < end else local.date() + timedelta(days=1)
    # A calendar date plus a wall-clock time, then to UTC: correct on 23- and 25-hour days.
    # On the night the clocks go back, fold=0 picks the first of the two 02:30s.
    return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def reminder_due_at(
    *, starts_at: datetime, hours_before: int, tz: tzinfo, quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> datetime:
    """When the reminder ``hours_before`` a booking starting at ``starts_at`` is due (UTC)."""
    # In UTC: arithmetic on a zoned datetime is wall-clock arithmetic, 25 real hours across a change.
    due = starts_at.astimezone(UTC) - timedelta(hours=hours_before)
    if quiet_start is not None and quiet_end is not None and quiet_start != quiet_end:
        deferred = quiet_hours_end(due, start=quiet_start, end=quiet_end, tz=tz)
        if deferred is not None:
            due = deferred
    return due.astimezone(UTC)
