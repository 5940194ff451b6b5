"""Dates, times and parts of the day in Italian and English chat, resolved against "now".

General-purpose date parsers do badly here ("venerdì alle 20" read as the 20th,
"per 4 domani" read as a date), so this is a small grammar of its own. Its choices:

- Weekday names mean the coming such day. Today's own weekday name means today only
  when the time (or part of the day) given is still ahead; otherwise the same day
  next week: on a Wednesday evening "mercoledì alle 21" is tonight, "mercoledì" and
  "mercoledì a pranzo" are next week.
- "sabato prossimo" / "next Saturday" / "this Saturday" all mean the coming Saturday
  (in chat "prossimo" means the next one to come, not the one after it); "prossimo"
  only rules out today. "sabato della prossima settimana" / "Saturday next week" is
  the Saturday of the following calendar week.
- "il 15" / "on the 3rd": the next such day from today, today included; a month
  without that day is skipped ("il 31" in November is 31 December).
- "15/12", "15 dicembre", "Dec 15": this year, or next year once it has passed.
  Impossible dates ("31/02", "il 45") give no date.
- A bare hour from 1 to 11 ("alle 8", "at 7.30") is in the afternoon or evening,
  unless am / "di mattina" / a morning in the message says otherwise. When the
  tenant's opening hours are known, the reading inside them wins (a salon open 9-19
  reads "alle 10" as 10:00 and "alle 5" as 17:00). A leading zero ("09:30") is
  always the morning.
- "20.30" is a time; a date with dots needs a year or "il" ("il 15.12").
- A day-of-month after a weekday ("sabato 28") is that date when it falls on that
  weekday. When it does not ("venerdì 22" and the 22nd is a Tuesday) neither is
  dropped: there is no date, and ``date_choices`` holds both readings (the 22nd, and
  the Friday nearest to it) for the assistant to ask which.
- "tra un'ora", "fra mezz'ora", "in 45 minutes": counted from now (``relative``).
"""

import datetime
import re
from dataclasses import dataclass

from conversations.assistant.understanding.numbers import NUMBER, NUMBER_OR_ARTICLE, number_value
from conversations.assistant.understanding.scan import Scan, Verdict
from conversations.assistant.understanding.types import DayPeriod

WEEKDAYS: dict[str, int] = {
    "lunedi": 0, "lun": 0, "monday": 0, "mon": 0,
    "martedi": 1, "mart": 1, "tuesday": 1, "tue": 1, "tues": 1,
    "mercoledi": 2, "merc": 2, "mer": 2, "wednesday": 2, "wed": 2, "weds": 2,
    "giovedi": 3, "giov": 3, "gio": 3, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "venerdi": 4, "ven": 4, "friday": 4, "fri": 4,
    "sabato": 5, "sab": 5, "saturday": 5, "sat": 5,
    "domenica": 6, "dom": 6, "sunday": 6, "sun": 6,
}

MONTHS: dict[str, int] = {
    "gennaio": 1, "gen": 1, "january": 1, "jan": 1,
    "febbraio": 2, "feb": 2, "february": 2,
    "marzo": 3, "mar": 3, "march": 3,
    "aprile": 4, "apr": 4, "april": 4,
    "maggio": 5, "mag": 5, "may": 5,
    "giugno": 6, "giu": 6, "june": 6, "jun": 6,
    "luglio": 7, "lug": 7, "july": 7, "jul": 7,
    "agosto": 8, "ago": 8, "august": 8, "aug": 8,
    "settembre": 9, "sett": 9, "set": 9, "september": 9, "sept": 9, "sep": 9,
    "ottobre": 10, "ott": 10, "october": 10, "oct": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "dicembre": 12, "dic": 12, "december": 12, "dec": 12,
}

# Words that name a part of the day, as ends of a phrase like "alle 8 di sera" and alone.
PERIOD_WORDS: dict[str, DayPeriod] = {
    "mattina": DayPeriod.MORNING, "mattino": DayPeriod.MORNING, "mattinata": DayPeriod.MORNING,
    "morning": DayPeriod.MORNING, "colazione": DayPeriod.MORNING, "breakfast": DayPeriod.MORNING,
    "pranzo": DayPeriod.LUNCH, "pranzare": DayPeriod.LUNCH, "lunch": DayPeriod.LUNCH,
    "lunchtime": DayPeriod.LUNCH,
    "pomeriggio": DayPeriod.AFTERNOON, "pome": DayPeriod.AFTERNOON, "afternoon": DayPeriod.AFTERNOON,
    "sera": DayPeriod.EVENING, "serata": DayPeriod.EVENING, "cena": DayPeriod.EVENING,
    "cenare": DayPeriod.EVENING, "dinner": DayPeriod.EVENING, "evening": DayPeriod.EVENING,
    "night": DayPeriod.EVENING, "notte": DayPeriod.EVENING,
}

# A weekday named on that very day means today only while this part of it is ahead.
_PERIOD_ENDS = {
    DayPeriod.MORNING: datetime.time(12, 0),
    DayPeriod.LUNCH: datetime.time(15, 0),
    DayPeriod.AFTERNOON: datetime.time(19, 0),
    DayPeriod.EVENING: datetime.time(23, 59, 59),
}

# Words for today and tomorrow that also say the part of the day.
_TODAY_WORDS: dict[str, DayPeriod | None] = {
    "oggi": None, "today": None,
    "stasera": DayPeriod.EVENING, "sta sera": DayPeriod.EVENING, "questa sera": DayPeriod.EVENING,
    "stanotte": DayPeriod.EVENING, "tonight": DayPeriod.EVENING, "tonite": DayPeriod.EVENING,
    "this evening": DayPeriod.EVENING,
    "stamattina": DayPeriod.MORNING, "stamani": DayPeriod.MORNING, "stamane": DayPeriod.MORNING,
    "questa mattina": DayPeriod.MORNING, "this morning": DayPeriod.MORNING,
    "questo pomeriggio": DayPeriod.AFTERNOON, "this afternoon": DayPeriod.AFTERNOON,
}
_TOMORROW_WORDS: dict[str, DayPeriod | None] = {
    "domani": None, "dmn": None, "domà": None, "tomorrow": None, "tmrw": None, "tmr": None, "2moro": None,
    "domattina": DayPeriod.MORNING,
}
_DAY_AFTER_TOMORROW = ("dopodomani", "dopo domani", "day after tomorrow", "the day after tomorrow")

# Greetings that contain a part of the day but say nothing about the booking.
_GREETINGS_WITH_PERIODS = re.compile(
    r"\b(?:buona\s+(?:sera|serata|giornata|notte)|buon\s+(?:giorno|pomeriggio)|"
    r"good\s+(?:morning|afternoon|evening|night))\b"
)

# Words after a number that make it a count of people, not an hour or a day.
_PEOPLE_AFTER = (
    r"(?:persone|persona|pers|pax|people|persons|person|ppl|adulti|adults|ospiti|guests|coperti|posti|"
    r"bambini|kids|children|of\s+us)"
)
# After an hour: not followed by more digits (a date or a longer time) nor by people.
_HOUR_END = r"\b(?![:./-]\d)(?!\s*" + _PEOPLE_AFTER + r"\b)"

_HOUR_PREFIX = (
    r"(?:alle|all|ore|h|at|around|about|verso\s+le|per\s+le|dalle|delle|entro\s+le|dopo\s+le|"
    r"intorno\s+alle|le)"
)
# "di sera", "del pomeriggio", "in the evening", "at night": an hour's part of the day.
_MERIDIEM_SUFFIX = (
    r"(?:\s+(?:di|del|della|in\s+the|at)\s+(?P<part>mattina|mattino|sera|pomeriggio|notte|morning|"
    r"afternoon|evening|night))?"
)
_MINUTE_WORDS = {
    "mezza": 30, "mezzo": 30, "un quarto": 15, "quarto": 15, "tre quarti": 45,
    "trenta": 30, "quindici": 15, "dieci": 10, "venti": 20, "venticinque": 25, "cinque": 5,
    "thirty": 30, "fifteen": 15, "forty five": 45,
}
_MINUTES_LESS = {"un quarto": 15, "quarto": 15, "dieci": 10, "10": 10, "cinque": 5, "5": 5, "venti": 20, "20": 20}
# "alle 8 e 10", "alle 20 e 45", "le 8 meno un quarto": minutes after or before the hour, in
# words or digits, but not a count of people ("alle 8 e 10 persone" leaves the 10 alone).
_MINUTES_AFTER = (
    r"(?:\s+e\s+(?P<minute_it>mezza|mezzo|un\s+quarto|quarto|tre\s+quarti|trenta|quindici|dieci|venti|"
    r"venticinque|cinque|[1-5]\d|0[5-9]|5)\b(?!\s*" + _PEOPLE_AFTER + r"\b)"
    r"|\s+meno\s+(?P<minute_less>un\s+quarto|quarto|dieci|venti|cinque|10|20|5)\b"
    r"|\s+(?P<minute_en>thirty|fifteen|forty\s+five))?"
)

_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_DAY_PREFIX = r"(?:(?:il|l|del|dal|on|the|on\s+the|per\s+il|entro\s+il|giorno|for\s+the)\s+)"
_ORDINAL = r"(?:st|nd|rd|th|o)?"

_NUMERIC_DATE = re.compile(
    r"\b(?P<prefix>" + _DAY_PREFIX + r")?(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})"
    r"(?:(?P=sep)(?P<year>\d{4}|\d{2}))?\b(?![:./-]\d)"
)
_CLOCK_WITH_MINUTES = re.compile(
    r"\b(?:" + _HOUR_PREFIX + r"\s*)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?![:./-]?\d)"
    r"(?:\s*(?P<meridiem>am|pm)\b)?" + _MERIDIEM_SUFFIX
)
_CLOCK_MERIDIEM = re.compile(
    r"\b(?:(?:at|alle|around|about|by|for|verso\s+le)\s+)?(?P<hour>\d{1,2})\s*(?P<meridiem>am|pm)\b"
)
_CLOCK_H = re.compile(r"\b(?P<hour>\d{1,2})h(?P<minute>\d{2})?\b")
_CLOCK_WORDS = re.compile(
    r"\b(?:a\s+|at\s+|alle\s+|verso\s+)?(?P<word>mezzogiorno|mezzodi|noon|midday|mezzanotte|midnight)\b"
    r"(?:\s+e\s+(?P<half>mezzo|mezza|un\s+quarto))?"
)
_CLOCK_HALF_PAST = re.compile(
    r"\b(?:at\s+)?(?P<fraction>half|quarter)\s+past\s+(?P<hour>" + NUMBER + r")\b" + _MERIDIEM_SUFFIX
)
_CLOCK_PREFIXED = re.compile(
    r"\b" + _HOUR_PREFIX + r"\s*(?P<hour>" + NUMBER_OR_ARTICLE + r")" + _HOUR_END + _MINUTES_AFTER
    + r"(?:\s*(?:o\s*clock|in\s+punto|ish))?" + _MERIDIEM_SUFFIX
)
_CLOCK_ISH = re.compile(r"\b(?P<hour>\d{1,2})\s*(?:ish|o\s*clock)\b" + _MERIDIEM_SUFFIX)
# "stasera 21 x 2": a bare number right after an evening or meal word is its hour.
_CLOCK_AFTER_PERIOD = re.compile(
    r"\b(?P<keep>stasera|tonight|sera|cena|pranzo|dinner|lunch)\s+(?P<hour>\d{1,2})" + _HOUR_END
)
# "dmn 20 x 2", "barba domani 10": two digits right after a day word are its hour (one
# digit may be the party: "domani 4").
_CLOCK_AFTER_DAY = re.compile(
    r"\b(?P<keep>domani|dmn|oggi|tomorrow|tmrw|tmr|today)\s+(?P<hour>1\d|2[0-3])" + _HOUR_END + r"(?!\s*\d)"
)

_DAY_MONTH = re.compile(
    r"\b(?:" + _WEEKDAY + r"\s+)?" + _DAY_PREFIX + r"?(?P<day>\d{1,2}|primo)" + _ORDINAL
    + r"\s+(?:(?:di|of)\s+)?" + _MONTH + r"\b(?:\s+(?P<year>\d{4})\b)?"
)
_MONTH_DAY = re.compile(
    r"\b" + _MONTH + r"\s+(?:the\s+)?(?P<day>\d{1,2})" + _ORDINAL + r"\b(?![:./-]\d)"
    r"(?!\s*" + _PEOPLE_AFTER + r"\b)(?:\s*(?P<year>\d{4})\b)?"
)
_WEEKDAY_DAY = re.compile(
    r"\b" + _WEEKDAY + r"\s+(?:the\s+)?(?P<day>\d{1,2})" + _ORDINAL + r"\b(?![:./-]\d)(?!\s*(?:am|pm|h)\b)"
    r"(?!\s*" + _PEOPLE_AFTER + r"\b)"
)
_DAY_OF_MONTH = re.compile(
    r"\b(?:" + _DAY_PREFIX + r"(?P<day>\d{1,2}|primo)" + _ORDINAL + r"|(?P<ordinal_day>\d{1,2})(?:st|nd|rd|th))"
    r"\b(?![:./-]\d)(?!\s*(?:am|pm|h)\b)(?!\s*" + _PEOPLE_AFTER + r"\b)"
)
_DAY_AFTER_TOMORROW_RE = re.compile(r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in _DAY_AFTER_TOMORROW) + r")\b")
_TOMORROW_RE = re.compile(r"\b(?P<word>" + "|".join(_TOMORROW_WORDS) + r")\b")
_TODAY_RE = re.compile(
    r"\b(?P<word>" + "|".join(sorted(_TODAY_WORDS, key=len, reverse=True)).replace(" ", r"\s+") + r")\b"
)
_IN_DAYS = re.compile(
    r"\b(?:tra|fra|in)\s+(?P<count>" + NUMBER_OR_ARTICLE + r"|a)\s+(?P<unit>giorni|giorno|days|day|settimane|"
    r"settimana|weeks|week)\b"
)
# "tra un'ora", "fra mezz'ora", "tra 2 ore e mezza", "in an hour", "in 45 minutes": a time counted
# from now. Read before the clocks, so that "in 2h" is not two o'clock.
_IN_TIME = re.compile(
    r"\b(?:tra|fra|in|entro|within)\s+(?:(?P<half_hour>(?:una?\s+|a\s+)?(?:mezz\s+ora|mezzora|mezza\s+ora|"
    r"mezzoretta|half\s+an\s+hour|half\s+hour))|(?P<count>\d{1,3}|" + NUMBER_OR_ARTICLE + r"|an|a)\s*"
    r"(?P<unit>orette|oretta|ore|ora|hours|hour|hrs|hr|h|minuti|minuto|min|mins|minutes|minute))\b"
    r"(?:\s+(?:e|and)\s+(?:a\s+)?(?P<fraction>mezza|mezzo|half|un\s+quarto|quarto|quarter))?"
)
# Further ahead than this, "tra 20 ore" is no longer a time of today a customer counts in hours.
_IN_TIME_LIMIT = datetime.timedelta(hours=12)
_NEXT_WEEK = r"(?:della\s+prossima\s+settimana|della\s+settimana\s+prossima|next\s+week|la\s+prossima\s+settimana)"
_WEEKDAY_NAMED = re.compile(
    r"\b(?:(?P<next_week_before>next\s+week|la\s+prossima\s+settimana|settimana\s+prossima)\s+)?"
    r"(?:(?P<before>prossimo|prossima|next|this|coming|questo|questa|il|la|on|sto|sta)\s+)?" + _WEEKDAY
    + r"(?:\s+(?P<next_week_after>" + _NEXT_WEEK + r")|\s+(?P<after>prossimo|prossima|next))?\b"
)
_PERIOD_RE = re.compile(r"\b(?P<word>" + "|".join(sorted(PERIOD_WORDS, key=len, reverse=True)) + r")\b")

WORDS: frozenset[str] = frozenset(
    word
    for phrase in [*WEEKDAYS, *MONTHS, *PERIOD_WORDS, *_TODAY_WORDS, *_TOMORROW_WORDS, *_DAY_AFTER_TOMORROW,
                   *_MINUTE_WORDS, *_MINUTES_LESS, "meno", "tra", "fra", "entro", "ora", "ore", "oretta",
                   "minuti", "minutes", "mezzora", "hour", "hours",
                   "mezzogiorno", "mezzanotte", "midnight", "noon", "midday", "prossimo",
                   "prossima", "settimana", "giorni", "alle", "verso", "intorno", "around", "clock", "punto"]
    for word in phrase.split()
)


@dataclass(frozen=True)
class Temporal:
    date: datetime.date | None = None
    time: datetime.time | None = None
    period: DayPeriod | None = None
    # The time was counted from now ("tra un'ora"): exact to the minute, not yet on the slot grid.
    relative: bool = False
    # A weekday and a day number that disagree: the numbered day, then the weekday nearest to it.
    date_choices: tuple[datetime.date, ...] = ()
    # The time was written on the 12-hour clock ("8 pm", "8.30 p.m."): replies say it that way too.
    twelve_hour: bool = False


@dataclass(frozen=True)
class _Clock:
    """An hour as written, before am/pm is settled."""

    hour: int
    minute: int
    meridiem: str | None = None  # "am", "pm", or None when the message does not say
    zero_padded: bool = False  # "09:30": nobody pads an evening hour
    twelve_hour: bool = False  # "am" / "pm" written next to it


@dataclass(frozen=True)
class _WeekdaySpec:
    weekday: int
    not_today: bool = False
    next_week: bool = False


class _Reading:
    """What has been found so far; the first of each kind wins, later ones are still taken out."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.clock: _Clock | None = None
        self.date_found = False
        self.date: datetime.date | _WeekdaySpec | None = None
        self.period: DayPeriod | None = None
        self.ahead: datetime.timedelta | None = None
        self.date_choices: tuple[datetime.date, ...] = ()

    def set_clock(self, clock: _Clock) -> None:
        if self.clock is None:
            self.clock = clock

    def set_date(self, value: datetime.date | _WeekdaySpec | None) -> None:
        if not self.date_found:
            self.date_found = True
            self.date = value

    def set_period(self, period: DayPeriod | None) -> None:
        if self.period is None and period is not None:
            self.period = period


def temporal_extract(
    text: str, *, now: datetime.datetime, opening_ranges: tuple[tuple[datetime.time, datetime.time], ...] = ()
) -> tuple[Temporal, str]:
    """Read the date, time and part of the day in normalised ``text``; also return the rest of it."""
    scan = Scan(text)
    reading = _Reading(now.date())
    scan.take(_GREETINGS_WITH_PERIODS, lambda m: True)
    _numeric_dates_take(scan, reading)
    scan.take(_IN_TIME, lambda m: _in_time_take(m, reading))
    _clocks_take(scan, reading)
    _calendar_dates_take(scan, reading)
    _relative_dates_take(scan, reading)
    scan.take(_PERIOD_RE, lambda m: _period_take(m, reading))
    if reading.ahead is not None and reading.clock is None and not reading.date_found:
        # Counted in real time, not on the wall clock: "tra un'ora" at 01:30 on the night the
        # clocks change is an hour of the customer's waiting, whatever the clock then says.
        then = (now.astimezone(datetime.UTC) + reading.ahead).astimezone(now.tzinfo)
        return Temporal(date=then.date(), time=then.time().replace(second=0, microsecond=0, tzinfo=None),
                        period=reading.period, relative=True), scan.text
    time = _clock_resolve(reading.clock, reading.period, opening_ranges) if reading.clock else None
    date = reading.date
    if isinstance(date, _WeekdaySpec):
        date = _weekday_resolve(date, now=now, time=time, period=reading.period)
    twelve_hour = reading.clock is not None and reading.clock.twelve_hour
    return Temporal(
        date=date, time=time, period=reading.period, date_choices=reading.date_choices, twelve_hour=twelve_hour
    ), scan.text


def _weekday_nearest(day: datetime.date, weekday: int, today: datetime.date) -> datetime.date:
    """The ``weekday`` closest to ``day`` (the customer named the week by its number), not before today."""
    after = day + datetime.timedelta(days=(weekday - day.weekday()) % 7)
    before = after - datetime.timedelta(days=7)
    if before >= today and (day - before) < (after - day):
        return before
    return after


def _in_time_take(m: re.Match, reading: _Reading) -> Verdict:
    if m["half_hour"]:
        ahead = datetime.timedelta(minutes=30)
    else:
        count = 1 if m["count"] in ("a", "an") else number_value(m["count"])
        if count is None:
            return False
        unit = m["unit"]
        minutes = count * 60 if unit.startswith(("or", "h")) else count
        if m["fraction"]:
            minutes += 30 if m["fraction"] in ("mezza", "mezzo", "half") else 15
        ahead = datetime.timedelta(minutes=minutes)
    if not datetime.timedelta(0) < ahead <= _IN_TIME_LIMIT:
        return False
    if reading.ahead is None:
        reading.ahead = ahead
    return True


def _numeric_dates_take(scan: Scan, reading: _Reading) -> None:
    def handle(m: re.Match) -> Verdict:
        # "20.30" is a time; dots make a date only with a year or a "il" before them.
        if m["sep"] == "." and not m["year"] and not m["prefix"]:
            return False
        # "20-21" (a range of hours) is not a date; "31/02" is one that does not exist.
        if not (1 <= int(m["month"]) <= 12 and 1 <= int(m["day"]) <= 31):
            return False
        year = _full_year(m["year"]) if m["year"] else None
        reading.set_date(_month_day_resolve(reading.today, int(m["month"]), int(m["day"]), year))
        return True

    scan.take(_NUMERIC_DATE, handle)


def _clocks_take(scan: Scan, reading: _Reading) -> None:
    scan.take(_CLOCK_WORDS, lambda m: _clock_word_take(m, reading))
    scan.take(_CLOCK_WITH_MINUTES, lambda m: _clock_take(m, reading, minute=int(m["minute"])))
    # Before "8 pm" alone: "quarter past 8 pm" is 20:15, not 20:00.
    scan.take(_CLOCK_HALF_PAST, lambda m: _clock_take(m, reading, minute=30 if m["fraction"] == "half" else 15))
    scan.take(_CLOCK_MERIDIEM, lambda m: _clock_take(m, reading, minute=0))
    scan.take(_CLOCK_H, lambda m: _clock_take(m, reading, minute=int(m["minute"] or 0)))
    scan.take(_CLOCK_PREFIXED, lambda m: _prefixed_clock_take(m, reading))
    scan.take(_CLOCK_ISH, lambda m: _clock_take(m, reading, minute=0))

    def after_period(m: re.Match) -> Verdict:
        return m["keep"] + " | " if _clock_take(m, reading, minute=0) else False

    scan.take(_CLOCK_AFTER_PERIOD, after_period)
    scan.take(_CLOCK_AFTER_DAY, after_period)


def _clock_word_take(m: re.Match, reading: _Reading) -> Verdict:
    midnight = m["word"] in ("mezzanotte", "midnight")
    # "mezzogiorno e mezzo" is 12:30.
    minute = 0 if not m["half"] else 15 if "quarto" in m["half"] else 30
    reading.set_clock(_Clock(0 if midnight else 12, minute, meridiem="am" if midnight else "pm"))
    return True


def _clock_take(m: re.Match, reading: _Reading, *, minute: int) -> Verdict:
    hour_text = m["hour"]
    hour = number_value(hour_text)
    if hour is None:
        return False
    return _clock_set(m, reading, hour=hour, minute=minute, zero_padded=hour_text.startswith("0"))


def _clock_set(m: re.Match, reading: _Reading, *, hour: int, minute: int, zero_padded: bool) -> Verdict:
    groups = m.groupdict()
    meridiem = groups.get("meridiem")
    part = groups.get("part")
    if part:
        meridiem = "am" if part in ("mattina", "mattino", "morning") else "pm"
        reading.set_period(PERIOD_WORDS[part])
    if not 0 <= minute <= 59:
        return False
    if meridiem and not 1 <= hour <= 12:
        # "20 di sera" is fine as 20:00, "13pm" is not a time.
        if hour > 23 or groups.get("meridiem"):
            return False
        meridiem = None
    if hour > 24:
        return False
    reading.set_clock(
        _Clock(hour % 24, minute, meridiem, zero_padded=zero_padded, twelve_hour=bool(groups.get("meridiem")))
    )
    return True


def _prefixed_clock_take(m: re.Match, reading: _Reading) -> Verdict:
    if m["minute_less"]:
        # "le 8 meno un quarto" is 7:45 (then read as the evening like any bare 7).
        hour = number_value(m["hour"])
        if hour is None or not 1 <= hour <= 24:
            return False
        less = _MINUTES_LESS[" ".join(m["minute_less"].split())]
        return _clock_set(m, reading, hour=hour - 1 if hour > 1 else 12, minute=60 - less,
                          zero_padded=m["hour"].startswith("0"))
    return _clock_take(m, reading, minute=_prefixed_minute(m))


def _prefixed_minute(m: re.Match) -> int:
    written = m["minute_it"] or m["minute_en"]
    if not written:
        return 0
    written = " ".join(written.split())
    return int(written) if written.isdigit() else _MINUTE_WORDS[written]


def _calendar_dates_take(scan: Scan, reading: _Reading) -> None:
    def day_month(m: re.Match) -> Verdict:
        day = 1 if m["day"] == "primo" else int(m["day"])
        year = int(m["year"]) if m["year"] else None
        date = _month_day_resolve(reading.today, MONTHS[m["month"]], day, year)
        if m.groupdict().get("weekday") and date is not None:
            return weekday_agrees(date, WEEKDAYS[m["weekday"]])
        reading.set_date(date)
        return True

    def weekday_day(m: re.Match) -> Verdict:
        date = _day_of_month_resolve(reading.today, int(m["day"]))
        if date is None:
            return False
        return weekday_agrees(date, WEEKDAYS[m["weekday"]])

    def weekday_agrees(date: datetime.date, weekday: int) -> Verdict:
        # "sabato 3 dicembre" with the month named too: the 3rd is a Thursday all the same.
        if date.weekday() != weekday:
            # "venerdì 22" and the 22nd is a Tuesday: ask which, never pick one silently.
            if not reading.date_found:
                reading.date_choices = (date, _weekday_nearest(date, weekday, reading.today))
                reading.set_date(None)
            return True
        reading.set_date(date)
        return True

    def day_of_month(m: re.Match) -> Verdict:
        day_text = m["day"] or m["ordinal_day"]
        reading.set_date(_day_of_month_resolve(reading.today, 1 if day_text == "primo" else int(day_text)))
        return True

    scan.take(_DAY_MONTH, day_month)
    scan.take(_MONTH_DAY, day_month)
    scan.take(_WEEKDAY_DAY, weekday_day)
    scan.take(_DAY_OF_MONTH, day_of_month)


def _relative_dates_take(scan: Scan, reading: _Reading) -> None:
    today = reading.today

    def shift(days: int, period: DayPeriod | None = None) -> Verdict:
        reading.set_date(today + datetime.timedelta(days=days))
        reading.set_period(period)
        return True

    def in_days(m: re.Match) -> Verdict:
        count = 1 if m["count"] == "a" else number_value(m["count"])
        if count is None:
            return False
        return shift(count * (7 if m["unit"].startswith(("sett", "week")) else 1))

    def weekday(m: re.Match) -> Verdict:
        reading.set_date(
            _WeekdaySpec(
                WEEKDAYS[m["weekday"]],
                not_today=bool(m["after"] or m["before"] in ("prossimo", "prossima", "next")),
                next_week=bool(m["next_week_before"] or m["next_week_after"]),
            )
        )
        return True

    scan.take(_DAY_AFTER_TOMORROW_RE, lambda m: shift(2))
    scan.take(_TOMORROW_RE, lambda m: shift(1, _TOMORROW_WORDS[m["word"]]))
    scan.take(_TODAY_RE, lambda m: shift(0, _TODAY_WORDS[" ".join(m["word"].split())]))
    scan.take(_IN_DAYS, in_days)
    scan.take(_WEEKDAY_NAMED, weekday)


def _period_take(m: re.Match, reading: _Reading) -> Verdict:
    reading.set_period(PERIOD_WORDS[m["word"]])
    return True


def _full_year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _month_day_resolve(today: datetime.date, month: int, day: int, year: int | None) -> datetime.date | None:
    """That day this year, or next year once passed; None when no such date exists."""
    years = [year] if year is not None else [today.year, today.year + 1]
    for candidate_year in years:
        try:
            date = datetime.date(candidate_year, month, day)
        except ValueError:
            continue
        if year is not None or date >= today:
            return date
    return None


def _day_of_month_resolve(today: datetime.date, day: int) -> datetime.date | None:
    """The next ``day`` of a month from today on, skipping months too short for it."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    # Every day 1..31 comes within three months (31 needs at most two steps from a 30-day month).
    for _ in range(3):
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            date = None
        if date is not None and date >= today:
            return date
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _weekday_resolve(
    spec: _WeekdaySpec, *, now: datetime.datetime, time: datetime.time | None, period: DayPeriod | None
) -> datetime.date:
    today = now.date()
    if spec.next_week:
        next_monday = today + datetime.timedelta(days=7 - today.weekday())
        return next_monday + datetime.timedelta(days=spec.weekday)
    days = (spec.weekday - today.weekday()) % 7
    if days == 0 and (spec.not_today or not _still_ahead_today(now, time, period)):
        days = 7
    return today + datetime.timedelta(days=days)


def _still_ahead_today(now: datetime.datetime, time: datetime.time | None, period: DayPeriod | None) -> bool:
    if time is not None:
        return time > now.time()
    if period is not None:
        return now.time() < _PERIOD_ENDS[period]
    return False


def _clock_resolve(
    clock: _Clock, period: DayPeriod | None, opening_ranges: tuple[tuple[datetime.time, datetime.time], ...]
) -> datetime.time:
    hour = clock.hour
    if clock.meridiem == "am":
        hour = 0 if hour == 12 else hour
    elif clock.meridiem == "pm":
        hour = hour if hour == 12 else hour + 12
    elif 1 <= hour <= 11 and not clock.zero_padded:
        hour = _bare_hour_resolve(hour, clock.minute, period, opening_ranges)
    return datetime.time(hour, clock.minute)


def _bare_hour_resolve(
    hour: int, minute: int, period: DayPeriod | None, opening_ranges: tuple[tuple[datetime.time, datetime.time], ...]
) -> int:
    if period is DayPeriod.MORNING:
        return hour
    if period is not None:
        return hour + 12
    morning, evening = datetime.time(hour, minute), datetime.time(hour + 12, minute)
    if not _within(evening, opening_ranges) and _within(morning, opening_ranges):
        return hour
    return hour + 12


def _within(time: datetime.time, ranges: tuple[tuple[datetime.time, datetime.time], ...]) -> bool:
    for opens, closes in ranges:
        if opens < closes:
            if opens <= time < closes:
                return True
        elif time >= opens or time < closes:
            return True
    return False
