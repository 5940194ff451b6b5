"""Times in replies: the 24-hour clock, or the 12-hour one for a customer who writes it."""

import datetime

import pytest

from conversations.assistant.formatting import time_short, when_long
from conversations.tests.assistant.support import ROME


@pytest.mark.parametrize(
    "hour, minute, twelve, twenty_four",
    [(20, 0, "8:00 pm", "20:00"), (20, 30, "8:30 pm", "20:30"), (12, 15, "12:15 pm", "12:15"),
     (0, 0, "12:00 am", "00:00"), (9, 5, "9:05 am", "09:05")],
)
def test_time_short_on_either_clock(hour, minute, twelve, twenty_four):
    moment = datetime.time(hour, minute)
    assert time_short(moment, twelve_hour=True) == twelve
    assert time_short(moment) == twenty_four


def test_when_long_in_english_on_the_12_hour_clock():
    moment = datetime.datetime(2026, 11, 26, 20, 0, tzinfo=ROME)
    assert when_long(moment, "en", twelve_hour=True) == "Thursday 26 November at 8:00 pm"
    assert when_long(moment, "en") == "Thursday 26 November at 20:00"
