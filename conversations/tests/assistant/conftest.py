import datetime

import pytest

from conversations.tests.assistant.support import NOW


@pytest.fixture
def now() -> datetime.datetime:
    """Wednesday 25 November 2026, 19:00 in Rome: the "now" of every table here."""
    return NOW
