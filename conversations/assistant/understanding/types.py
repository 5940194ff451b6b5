"""What understanding a message produces, and the tenant words it is read against."""

import datetime
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    GREETING = "greeting"
    BOOK = "book"
    MY_BOOKINGS = "my_bookings"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    HOURS = "hours"
    SERVICES = "services"
    ADDRESS = "address"
    HUMAN = "human"
    THANKS = "thanks"
    # The message is only an escape word ("menu", "annulla", "stop", "reset", "help"):
    # the engine resets the conversation and shows the main menu.
    MENU = "menu"
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class DayPeriod(StrEnum):
    MORNING = "morning"
    LUNCH = "lunch"
    AFTERNOON = "afternoon"
    EVENING = "evening"


@dataclass(frozen=True)
class ServiceTerm:
    id: int
    # Italian name, English name, then the aliases, as the tenant typed them.
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        # Vocabularies are cache keys: a list passed by mistake must not make them unhashable.
        object.__setattr__(self, "names", tuple(self.names))


@dataclass(frozen=True)
class StaffTerm:
    id: int
    name: str


@dataclass(frozen=True)
class Vocabulary:
    """What one tenant offers, built once from the database by ``vocabulary_for_tenant``."""

    services: tuple[ServiceTerm, ...] = ()
    staff: tuple[StaffTerm, ...] = ()
    # Opening ranges over the week, (opens, closes); closes <= opens runs past midnight.
    # They decide whether a bare "alle 10" means 10:00 (a salon) or 22:00 (a restaurant).
    opening_ranges: tuple[tuple[datetime.time, datetime.time], ...] = ()

    def __post_init__(self) -> None:
        # Vocabularies are cache keys: lists passed by mistake must not make them unhashable.
        object.__setattr__(self, "services", tuple(self.services))
        object.__setattr__(self, "staff", tuple(self.staff))
        object.__setattr__(self, "opening_ranges", tuple(tuple(r) for r in self.opening_ranges))


EMPTY_VOCABULARY = Vocabulary()


@dataclass(frozen=True)
class Understanding:
    # "it" / "en", or None when the message says nothing about it ("20:30", "ok", an emoji).
    language: str | None
    intent: Intent
    date: datetime.date | None = None
    time: datetime.time | None = None
    period: DayPeriod | None = None
    # The time was counted from now ("tra un'ora"), to the minute: the booking puts it on the slot grid.
    time_relative: bool = False
    # A weekday and a day number that disagree ("venerdì 22", the 22nd a Tuesday): both readings, no date.
    date_choices: tuple[datetime.date, ...] = ()
    # The time was written with "am" / "pm": English replies use the 12-hour clock from then on.
    twelve_hour: bool = False
    party_size: int | None = None
    # Every service that matches; several mean the customer must choose.
    service_ids: tuple[int, ...] = ()
    # More services for the same visit, done after it, in order ("colore e piega": the piega).
    then_service_ids: tuple[int, ...] = ()
    # None when no staff member, or more than one, is named.
    staff_id: int | None = None
    # A booking reference code the customer typed, upper case ("K7M3QD").
    reference: str | None = None
    # "invece", "anzi", "instead", "make it": the message changes something already said or booked.
    change_cue: bool = False
    # Independent of ``intent``: "sì, per 4" is BOOK with yes_no True. When the engine
    # waits for a confirmation it reads this, not the intent.
    yes_no: bool | None = None
