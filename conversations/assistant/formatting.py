"""Dates, times and bookings written the way customers read them, in Italian or English.

Hand-written rather than locale-based: the server's locales are not guaranteed, and
"sabato 28 novembre alle 20:00" must read the same everywhere.
"""

from datetime import date, datetime, time

from conversations.assistant.texts import say

WEEKDAYS = {
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
WEEKDAYS_SHORT = {
    "it": ("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
MONTHS = {
    "it": (
        "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
        "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}
MONTHS_SHORT = {
    "it": ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def date_long(day: date, language: str) -> str:
    """"sabato 28 novembre" / "Saturday 28 November"."""
    return f"{WEEKDAYS[language][day.weekday()]} {day.day} {MONTHS[language][day.month - 1]}"


def day_number(day: date, language: str) -> str:
    """The day of the month as said in a sentence: "22" / "22nd"."""
    if language != "en":
        return str(day.day)
    suffix = "th" if 11 <= day.day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{day.day}{suffix}"


def date_short(day: date, language: str, *, today: date | None = None) -> str:
    """A list-row title (≤ 24 characters): "oggi", "domani", "sab 28 nov"."""
    if today is not None:
        if day == today:
            return say("today", language).capitalize()
        if (day - today).days == 1:
            return say("tomorrow", language).capitalize()
    return f"{WEEKDAYS_SHORT[language][day.weekday()]} {day.day} {MONTHS_SHORT[language][day.month - 1]}"


def time_short(moment: time | datetime, *, twelve_hour: bool = False) -> str:
    """"20:00", or "8:00 pm" for a customer who writes the 12-hour clock."""
    if twelve_hour:
        hour = moment.hour % 12 or 12
        return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def when_long(moment: datetime, language: str, *, twelve_hour: bool = False) -> str:
    """"sabato 28 novembre alle 20:00" / "Saturday 28 November at 20:00" (or "at 8:00 pm")."""
    return say(
        "when", language, date=date_long(moment.date(), language), time=time_short(moment, twelve_hour=twelve_hour)
    )


def price_text(price, language: str) -> str:
    """"€35" / "€12,50" (Italian) / "€12.50" (English)."""
    if price is None:
        return ""
    if price == int(price):
        return f"€{int(price)}"
    amount = f"{price:.2f}"
    return f"€{amount.replace('.', ',')}" if language == "it" else f"€{amount}"


def services_text(names: list[str], language: str) -> str:
    """One visit of several services as a customer reads it: "Colore e piega", "Colour, cut and blow-dry"."""
    names = names[:1] + [name[:1].lower() + name[1:] for name in names[1:]]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {say('and', language)} {names[-1]}"
