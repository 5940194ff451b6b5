"""When a reminder is due: N elapsed hours before, moved to the end of the quiet hours, right across DST."""

from datetime import UTC, datetime, time

import pytest

from reminders.tests.conftest import ROME, rome
from reminders.timing import quiet_hours_end, reminder_due_at

NIGHT = {"start": time(22), "end": time(8), "tz": ROME}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "end"),
    [
        (rome(2026, 12, 3, 21, 59), None),
        (rome(2026, 12, 3, 22, 0), rome(2026, 12, 4, 8, 0)),
        (rome(2026, 12, 3, 23, 30), rome(2026, 12, 4, 8, 0)),
        (rome(2026, 12, 4, 0, 30), rome(2026, 12, 4, 8, 0)),
        (rome(2026, 12, 4, 7, 59), rome(2026, 12, 4, 8, 0)),
        (rome(2026, 12, 4, 8, 0), None),
        (rome(2026, 12, 4, 12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(moment, end):
    assert quiet_hours_end(moment, **NIGHT) == (end.astimezone(UTC) if end else None)


def test_quiet_hours_within_one_day():
    siesta = {"start": time(13), "end": time(15), "tz": ROME}
    assert quiet_hours_end(rome(2026, 12, 3, 14), **siesta) == rome(2026, 12, 3, 15).astimezone(UTC)
    assert quiet_hours_end(rome(2026, 12, 3, 15), **siesta) is None
    assert quiet_hours_end(rome(2026, 12, 3, 12, 59), **siesta) is None


def test_a_quiet_night_when_the_clocks_go_back_ends_at_eight_winter_time():
    # 25 October 2026: 03:00 CEST becomes 02:00 CET. 00:30 CEST is 22:30 UTC; the night
    # is 8 wall-clock hours but 9 real ones, and ends at 08:00 CET = 07:00 UTC.
    assert quiet_hours_end(utc(2026, 10, 24, 22, 30), **NIGHT) == utc(2026, 10, 25, 7, 0)


def test_a_quiet_night_when_the_clocks_go_forward_ends_at_eight_summer_time():
    # 29 March 2026: 02:00 CET becomes 03:00 CEST; 08:00 CEST = 06:00 UTC.
    assert quiet_hours_end(utc(2026, 3, 28, 22, 0), **NIGHT) == utc(2026, 3, 29, 6, 0)


def test_an_end_that_the_clocks_skip_is_read_with_the_offset_before_the_change():
    skipped = {"start": time(22), "end": time(2, 30), "tz": ROME}
    assert quiet_hours_end(utc(2026, 3, 28, 22, 0), **skipped) == utc(2026, 3, 29, 1, 30)  # 03:30 CEST


def test_an_end_that_happens_twice_is_the_first_one():
    twice = {"start": time(22), "end": time(2, 30), "tz": ROME}
    assert quiet_hours_end(utc(2026, 10, 24, 21, 0), **twice) == utc(2026, 10, 25, 0, 30)  # 02:30 CEST


def test_due_time_is_elapsed_hours_before_the_start():
    # 24 hours before 20:00 CET on the Sunday the clocks go back is 21:00 CEST on Saturday.
    starts_at = rome(2026, 10, 25, 20)
    assert reminder_due_at(starts_at=starts_at, hours_before=24, tz=ROME) == utc(2026, 10, 24, 19, 0)


def test_due_time_in_quiet_hours_moves_to_their_end():
    starts_at = rome(2026, 10, 25, 20)
    due = reminder_due_at(starts_at=starts_at, hours_before=24, tz=ROME, quiet_start=time(21), quiet_end=time(9))
    assert due == rome(2026, 10, 25, 9).astimezone(UTC) == utc(2026, 10, 25, 8, 0)
