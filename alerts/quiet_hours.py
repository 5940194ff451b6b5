"""Quiet hours on the business's wall clock, which may wrap midnight (22:00-07:00).

Computed with zoneinfo in the business's zone, so the end of a night that crosses a
change of clocks (last Sunday of March 02:00 -> 03:00, of October 03:00 -> 02:00 in
Rome) is the right UTC instant: 07:00 local is 05:00 UTC after the March change and
06:00 UTC after the October one.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_hours_end_at(*, now: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet hours that ``now`` falls in end (aware); ``None`` when ``now`` is not in them.

    The window is [start, end): a message due at exactly ``end`` goes out.
    """
    if start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= clock < end, local.date()
    else:
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    # combine() then astimezone(): the offset is that of the end's own date, not of now.
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)
