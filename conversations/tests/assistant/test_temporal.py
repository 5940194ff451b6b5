"""The temporal grammar: each phrase and the date, time and part of the day it means.

"Now" is Wednesday 2026-11-25 19:00 Europe/Rome unless a test says otherwise.
"""

import datetime

import pytest

from conversations.assistant.understanding import DayPeriod, understand
from conversations.tests.assistant.support import ROME, SALON, TRATTORIA

D = datetime.date
T = datetime.time
MORNING, LUNCH, AFTERNOON, EVENING = DayPeriod.MORNING, DayPeriod.LUNCH, DayPeriod.AFTERNOON, DayPeriod.EVENING

GRAMMAR = [
    # Relative days
    ("oggi", D(2026, 11, 25), None, None),
    ("domani", D(2026, 11, 26), None, None),
    ("dommani", D(2026, 11, 26), None, None),
    ("dopodomani", D(2026, 11, 27), None, None),
    ("dopo domani alle 13", D(2026, 11, 27), T(13), None),
    ("tomorrow", D(2026, 11, 26), None, None),
    ("tmrw", D(2026, 11, 26), None, None),
    ("the day after tomorrow", D(2026, 11, 27), None, None),
    ("tra 3 giorni", D(2026, 11, 28), None, None),
    ("in a week", D(2026, 12, 2), None, None),
    # Weekdays: the coming one
    ("venerdì", D(2026, 11, 27), None, None),
    ("venerdi'", D(2026, 11, 27), None, None),
    ("friday", D(2026, 11, 27), None, None),
    ("fri", D(2026, 11, 27), None, None),
    ("giovedì", D(2026, 11, 26), None, None),
    ("martedi", D(2026, 12, 1), None, None),
    ("sabto", D(2026, 11, 28), None, None),
    # "prossimo" / "next" / "this": the coming one too, not a week later
    ("sabato prossimo", D(2026, 11, 28), None, None),
    ("il prossimo sabato", D(2026, 11, 28), None, None),
    ("next Saturday", D(2026, 11, 28), None, None),
    ("this saturday", D(2026, 11, 28), None, None),
    ("sabato della prossima settimana", D(2026, 12, 5), None, None),
    ("saturday next week", D(2026, 12, 5), None, None),
    # Today's weekday: today only while the time given is still ahead
    ("mercoledì", D(2026, 12, 2), None, None),
    ("mercoledì alle 21", D(2026, 11, 25), T(21), None),
    ("mercoledì alle 18", D(2026, 12, 2), T(18), None),
    ("mercoledì sera", D(2026, 11, 25), None, EVENING),
    ("mercoledì a pranzo", D(2026, 12, 2), None, LUNCH),
    ("mercoledì prossimo alle 21", D(2026, 12, 2), T(21), None),
    ("next wednesday", D(2026, 12, 2), None, None),
    # Day of the month: the next such day, today included
    ("il 15", D(2026, 12, 15), None, None),
    ("il 25", D(2026, 11, 25), None, None),
    ("il 24", D(2026, 12, 24), None, None),
    ("il 30", D(2026, 11, 30), None, None),
    ("il 31", D(2026, 12, 31), None, None),
    ("il primo", D(2026, 12, 1), None, None),
    ("on the 3rd", D(2026, 12, 3), None, None),
    ("the 15th", D(2026, 12, 15), None, None),
    ("l'8", D(2026, 12, 8), None, None),
    ("venerdì 27", D(2026, 11, 27), None, None),
    ("sabato 28 a cena", D(2026, 11, 28), None, EVENING),
    # A weekday with a day that is not that weekday: no date (the assistant asks which: see below)
    ("sabato 21", None, None, None),
    # Day and month: this year, or next year once passed
    ("15/12", D(2026, 12, 15), None, None),
    ("15-12", D(2026, 12, 15), None, None),
    ("il 15.12", D(2026, 12, 15), None, None),
    ("15/01", D(2027, 1, 15), None, None),
    ("25/11", D(2026, 11, 25), None, None),
    ("24/11", D(2027, 11, 24), None, None),
    ("15/12/2027", D(2027, 12, 15), None, None),
    ("15/12/26", D(2026, 12, 15), None, None),
    ("15 dicembre", D(2026, 12, 15), None, None),
    ("15 dic", D(2026, 12, 15), None, None),
    ("15 gennaio", D(2027, 1, 15), None, None),
    ("1 maggio", D(2027, 5, 1), None, None),
    ("il 4 dicembre alle 19:30", D(2026, 12, 4), T(19, 30), None),
    ("sabato 5 dicembre", D(2026, 12, 5), None, None),
    ("Dec 15", D(2026, 12, 15), None, None),
    ("December 15th", D(2026, 12, 15), None, None),
    ("15th of December", D(2026, 12, 15), None, None),
    ("on the 2nd of December", D(2026, 12, 2), None, None),
    ("15 marzo", D(2027, 3, 15), None, None),
    # Dates that do not exist: no date, no exception
    ("31/02", None, None, None),
    ("29/02", None, None, None),
    ("30 febbraio", None, None, None),
    ("il 45", None, None, None),
    ("il 0", None, None, None),
    ("15/13", None, None, None),
    ("32/12", None, None, None),
    # Times
    ("alle 20", None, T(20), None),
    ("20:30", None, T(20, 30), None),
    ("20.30", None, T(20, 30), None),
    ("ore 13", None, T(13), None),
    ("h 21", None, T(21), None),
    ("21h30", None, T(21, 30), None),
    ("alle 8 di sera", None, T(20), EVENING),
    ("alle 8", None, T(20), None),
    ("at 7.30", None, T(19, 30), None),
    ("at 7", None, T(19), None),
    ("alle 8 di mattina", None, T(8), MORNING),
    ("alle 10 del mattino", None, T(10), MORNING),
    ("alle 3 del pomeriggio", None, T(15), AFTERNOON),
    ("8pm", None, T(20), None),
    ("8 pm", None, T(20), None),
    ("8 p.m.", None, T(20), None),
    ("7.30pm", None, T(19, 30), None),
    ("8am", None, T(8), None),
    ("at 7:30am", None, T(7, 30), None),
    ("12pm", None, T(12), None),
    ("12am", None, T(0), None),
    ("09:30", None, T(9, 30), None),
    ("alle 12", None, T(12), None),
    ("mezzogiorno", None, T(12), None),
    ("a mezzogiorno", None, T(12), None),
    ("noon", None, T(12), None),
    ("a mezzanotte", None, T(0), None),
    ("alle 8 e mezza", None, T(20, 30), None),
    ("alle otto", None, T(20), None),
    ("alle otto e un quarto", None, T(20, 15), None),
    ("alle 20 e 30", None, T(20, 30), None),
    ("all'una", None, T(13), None),
    ("half past seven", None, T(19, 30), None),
    ("7ish", None, T(19), None),
    ("verso le 21", None, T(21), None),
    ("per le 8", None, T(20), None),
    # Minutes after a comma, a glued "e", in words or before the hour
    ("alle 21,15", None, T(21, 15), None),
    ("per le 20,30", None, T(20, 30), None),
    ("20e45", None, T(20, 45), None),
    ("alle 20e30", None, T(20, 30), None),
    ("h20.15", None, T(20, 15), None),
    ("h 20.15", None, T(20, 15), None),
    ("alle 9 e un quarto di sera", None, T(21, 15), EVENING),
    ("alle 9 e 10", None, T(21, 10), None),
    ("alle 20 e 10", None, T(20, 10), None),
    ("alle 8 e venti", None, T(20, 20), None),
    ("alle 8 e cinque", None, T(20, 5), None),
    ("le 8 meno un quarto", None, T(19, 45), None),
    ("alle 9 meno dieci", None, T(20, 50), None),
    ("alle 21 meno un quarto", None, T(20, 45), None),
    ("alle 8 meno un quarto di mattina", None, T(7, 45), MORNING),
    ("alle 1 meno un quarto", None, T(12, 45), None),
    # ... but not a price or a count of people
    ("costa 2,50 euro", None, None, None),
    ("alle 8 e 10 persone", None, T(20), None),
    ("alle 25", None, None, None),
    ("25:00", None, None, None),
    ("20:75", None, None, None),
    ("13pm", None, None, None),
    # Parts of the day
    ("stasera", D(2026, 11, 25), None, EVENING),
    ("stsera", D(2026, 11, 25), None, EVENING),
    ("tonight", D(2026, 11, 25), None, EVENING),
    ("tonite", D(2026, 11, 25), None, EVENING),
    ("stasera alle 9", D(2026, 11, 25), T(21), EVENING),
    ("stasera 21", D(2026, 11, 25), T(21), EVENING),
    ("domani sera", D(2026, 11, 26), None, EVENING),
    ("domattina", D(2026, 11, 26), None, MORNING),
    ("domani mattina alle 10", D(2026, 11, 26), T(10), MORNING),
    ("stamattina alle 11", D(2026, 11, 25), T(11), MORNING),
    ("domani pomeriggio", D(2026, 11, 26), None, AFTERNOON),
    ("a pranzo", None, None, LUNCH),
    ("lunch", None, None, LUNCH),
    ("pranzo alle 1", None, T(13), LUNCH),
    ("dinner", None, None, EVENING),
    ("a cena", None, None, EVENING),
    ("tomorrow night", D(2026, 11, 26), None, EVENING),
    # Greetings name a part of the day but not the booking's
    ("buonasera", None, None, None),
    ("buona sera, domani?", D(2026, 11, 26), None, None),
    ("good morning, tomorrow at 8 please", D(2026, 11, 26), T(20), None),
    # Numbers of people are not dates or times, and the other way round
    ("per 4 domani alle 20", D(2026, 11, 26), T(20), None),
    ("il 15 per 2", D(2026, 12, 15), None, None),
    ("prenotazione x 2 domani sera", D(2026, 11, 26), None, EVENING),
    ("sabato 4 persone", D(2026, 11, 28), None, None),
    ("table for 4 at 8", None, T(20), None),
    ("siamo in 4 alle 9", None, T(21), None),
]


@pytest.mark.parametrize(("text", "date", "time", "period"), GRAMMAR, ids=[row[0] for row in GRAMMAR])
def test_temporal_grammar(text, date, time, period, now):
    result = understand(text, now=now)
    assert (result.date, result.time, result.period) == (date, time, period)


@pytest.mark.parametrize(
    ("text", "vocabulary", "time"),
    [
        ("alle 10", SALON, T(10)),  # a salon open 9-19: the morning
        ("alle 5", SALON, T(17)),
        ("alle 9.30", SALON, T(9, 30)),
        ("alle 10 di sera", SALON, T(22)),  # said explicitly: kept even when closed
        ("alle 1", TRATTORIA, T(13)),  # open 12-15 and 19-23:30
        ("alle 8", TRATTORIA, T(20)),
        ("alle 11", TRATTORIA, T(23)),
        ("domani mattina alle 11", TRATTORIA, T(11)),
    ],
)
def test_bare_hour_takes_the_reading_inside_opening_hours(text, vocabulary, time, now):
    assert understand(text, now=now, vocabulary=vocabulary).time == time


def test_bare_hour_is_evening_when_opening_hours_are_unknown(now):
    assert understand("alle 10", now=now).time == T(22)


def test_opening_range_past_midnight_counts_for_the_small_hours(now):
    late_bar = SALON.__class__(opening_ranges=((T(18), T(2)),))
    assert understand("alle 1", now=now, vocabulary=late_bar).time == T(1)
    assert understand("alle 11", now=now, vocabulary=late_bar).time == T(23)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("il 5", D(2027, 1, 5)),
        ("15/01", D(2027, 1, 15)),
        ("3 gennaio", D(2027, 1, 3)),
        ("Jan 3rd", D(2027, 1, 3)),
        ("domani", D(2026, 12, 31)),
        ("dopodomani", D(2027, 1, 1)),
        ("next friday", D(2027, 1, 1)),
        ("il 31", D(2026, 12, 31)),
    ],
)
def test_dates_roll_over_into_the_next_year(text, date):
    new_years_eve_eve = datetime.datetime(2026, 12, 30, 12, 0, tzinfo=ROME)
    assert understand(text, now=new_years_eve_eve).date == date


def test_day_of_month_skips_months_without_it():
    end_of_january = datetime.datetime(2027, 1, 31, 12, 0, tzinfo=ROME)
    assert understand("il 30", now=end_of_january).date == D(2027, 3, 30)


def test_relative_dates_follow_the_tenant_calendar_across_the_dst_change():
    # 24 October 2026, the evening before clocks go back in Rome.
    before_dst_end = datetime.datetime(2026, 10, 24, 22, 0, tzinfo=ROME)
    result = understand("domani alle 20", now=before_dst_end)
    assert (result.date, result.time) == (D(2026, 10, 25), T(20))


@pytest.mark.parametrize(
    ("text", "date", "time"),
    [
        ("tra un'ora", D(2026, 11, 25), T(20)),
        ("fra un'oretta", D(2026, 11, 25), T(20)),
        ("fra mezz'ora", D(2026, 11, 25), T(19, 30)),
        ("tra mezzora", D(2026, 11, 25), T(19, 30)),
        ("tra 2 ore", D(2026, 11, 25), T(21)),
        ("tra due ore e mezza", D(2026, 11, 25), T(21, 30)),
        ("tra 20 minuti", D(2026, 11, 25), T(19, 20)),
        ("in an hour", D(2026, 11, 25), T(20)),
        ("in half an hour", D(2026, 11, 25), T(19, 30)),
        ("in 45 minutes", D(2026, 11, 25), T(19, 45)),
        ("in 2h", D(2026, 11, 25), T(21)),
        ("in an hour and a half", D(2026, 11, 25), T(20, 30)),
        ("tra 6 ore", D(2026, 11, 26), T(1)),  # past midnight: tomorrow
    ],
)
def test_times_counted_from_now(text, date, time, now):
    result = understand(text, now=now)
    assert (result.date, result.time, result.time_relative) == (date, time, True)


def test_a_count_of_hours_too_far_to_be_today_is_not_a_time(now):
    result = understand("tra 20 ore", now=now)
    assert (result.date, result.time, result.time_relative) == (None, None, False)


def test_an_hour_from_now_is_real_time_across_the_dst_change():
    # 25 October 2026, 02:30 CEST (the first 02:30): an hour later the clocks read 02:30 again (CET).
    first_half_past_two = datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC).astimezone(ROME)
    result = understand("tra un'ora", now=first_half_past_two)
    assert (result.date, result.time) == (D(2026, 10, 25), T(2, 30))


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        # Wednesday 25 November 2026: the 22nd (of December) is a Tuesday, the Friday nearest it the 25th.
        ("venerdì 22", (D(2026, 12, 22), D(2026, 12, 25))),
        ("friday 22nd", (D(2026, 12, 22), D(2026, 12, 25))),
        # The 21st of December is a Monday; the Saturday nearest it is the 19th.
        ("sabato 21", (D(2026, 12, 21), D(2026, 12, 19))),
        # The 30th of November is a Monday: the Sunday nearest is the 29th, not one already past.
        ("domenica 30", (D(2026, 11, 30), D(2026, 11, 29))),
        ("giovedì 25", (D(2026, 11, 25), D(2026, 11, 26))),
    ],
)
def test_a_weekday_and_a_day_that_disagree_give_both_and_no_date(text, choices, now):
    result = understand(text, now=now)
    assert (result.date, result.date_choices) == (None, choices)


def test_a_weekday_and_its_own_day_give_the_date_and_no_choice(now):
    result = understand("venerdì 27", now=now)
    assert (result.date, result.date_choices) == (D(2026, 11, 27), ())


@pytest.mark.parametrize(
    "text, choices",
    [
        # The month named as well: the 3rd of December is a Thursday all the same.
        ("sabato 3 dicembre alle 20", (D(2026, 12, 3), D(2026, 12, 5))),
        ("friday the 12th at 8pm", (D(2026, 12, 12), D(2026, 12, 11))),
    ],
)
def test_weekday_and_day_with_month_that_disagree_give_both_readings(text, choices):
    result = understand(text, now=datetime.datetime(2026, 11, 25, 19, tzinfo=ROME), vocabulary=TRATTORIA)
    assert result.date is None
    assert result.date_choices == choices


@pytest.mark.parametrize(
    "text, time",
    [
        ("quarter past 8 pm", T(20, 15)),
        ("half past 7 pm", T(19, 30)),
        ("domani a mezzogiorno e mezzo", T(12, 30)),
        ("a mezzogiorno", T(12)),
    ],
)
def test_fractions_of_the_hour_beside_a_meridiem_or_noon(text, time):
    result = understand(text, now=datetime.datetime(2026, 11, 25, 19, tzinfo=ROME), vocabulary=TRATTORIA)
    assert result.time == time


def test_dmn_is_tomorrow():
    result = understand("dmn alle 20 x 2", now=datetime.datetime(2026, 11, 25, 19, tzinfo=ROME), vocabulary=TRATTORIA)
    assert (result.date, result.time, result.party_size) == (D(2026, 11, 26), T(20), 2)


@pytest.mark.parametrize(
    "text, twelve_hour",
    [("8 pm", True), ("8pm", True), ("at 8.30 p.m.", True), ("7:30pm", True), ("alle 20", False), ("20:30", False),
     ("alle 8 di sera", False)],
)
def test_a_time_written_with_am_or_pm_is_on_the_12_hour_clock(text, twelve_hour):
    result = understand(text, now=datetime.datetime(2026, 11, 25, 19, tzinfo=ROME), vocabulary=TRATTORIA)
    assert result.time is not None
    assert result.twelve_hour is twelve_hour
