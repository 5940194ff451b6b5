import datetime
import zoneinfo

import pytest

ROME = zoneinfo.ZoneInfo("Europe/Rome")


@pytest.fixture
def now() -> datetime.datetime:
    """Wednesday 25 November 2026, 19:00 in Rome: the "now" of every table here."""
    return datetime.datetime(2026, 11, 25, 19, 0, tzinfo=ROME)
