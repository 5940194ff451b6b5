"""Where a conversation is in a booking, a move or a cancellation: a small typed object.

The conversation row keeps it as JSON (``Conversation.state``, beside the keys that
outlive a flow: the miss count, the 12-hour clock, the booking just made). A turn reads
it once (:meth:`Dialogue.from_state`), works on attributes, and writes it back
(:meth:`Dialogue.state_write`) as the same JSON as before, so a conversation that
started under an earlier release goes on, and staff pages that show the draft read it
unchanged. The draft is frozen: a message changes it by naming what changes
(``draft.replace(party=4)``), so nothing is half-edited when a rule refuses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Flow(StrEnum):
    BOOK = "book"
    MOVE = "move"
    CANCEL = "cancel"


class Step(StrEnum):
    PARTY = "party"
    SERVICE = "service"
    DATE = "date"
    TIME = "time"
    CONFIRM = "confirm"
    # Which of the customer's bookings ("cancel" or "move" with several upcoming).
    CHOOSE = "choose"


@dataclass(frozen=True)
class OfferedSlot:
    """The start offered for confirmation and the table or staff member it would use."""

    start: dt.datetime
    resource_id: int


@dataclass(frozen=True)
class Draft:
    """What the customer said they want so far; None or empty for what they have not said."""

    party: int | None = None
    # The party size already told to the apps above (``conversations.signals.party_size_asked``).
    party_told: int | None = None
    service: int | None = None
    # "taglio" names two services: the customer picks one.
    service_choices: tuple[int, ...] = ()
    # Services after ``service`` in the same visit ("colore e piega").
    then: tuple[int, ...] = ()
    staff: int | None = None
    date: dt.date | None = None
    # "venerdì 22" when the 22nd is a Tuesday: both readings, until the customer picks one.
    date_choices: tuple[dt.date, ...] = ()
    time: dt.time | None = None
    # "stasera", "in the morning": a part of the day instead of a time.
    period: str | None = None
    slot: OfferedSlot | None = None

    def replace(self, **changes: Any) -> Draft:
        return replace(self, **changes)

    @property
    def party_or_one(self) -> int:
        return self.party or 1

    @classmethod
    def from_json(cls, data: object) -> Draft:
        """Raises ``TypeError``, ``KeyError`` or ``ValueError`` on JSON no release wrote."""
        if not isinstance(data, dict):
            raise TypeError("a draft is an object")
        slot = data.get("slot")
        return cls(
            party=_int(data.get("party")),
            party_told=_int(data.get("party_told")),
            service=_int(data.get("service")),
            service_choices=tuple(int(pk) for pk in data.get("service_choices") or ()),
            then=tuple(int(pk) for pk in data.get("then") or ()),
            staff=_int(data.get("staff")),
            date=dt.date.fromisoformat(data["date"]) if data.get("date") else None,
            date_choices=tuple(dt.date.fromisoformat(d) for d in data.get("date_choices") or ()),
            time=dt.time.fromisoformat(data["time"]) if data.get("time") else None,
            period=data.get("period") or None,
            slot=OfferedSlot(dt.datetime.fromisoformat(slot["start"]), int(slot["resource"])) if slot else None,
        )

    def to_json(self) -> dict:
        """The keys that are set, in the shapes the state has always had (ISO dates, lists, ``HH:MM``)."""
        data: dict[str, object] = {}
        for name, value in (
            ("party", self.party),
            ("party_told", self.party_told),
            ("service", self.service),
            ("service_choices", list(self.service_choices)),
            ("then", list(self.then)),
            ("staff", self.staff),
            ("date", self.date.isoformat() if self.date else None),
            ("date_choices", [d.isoformat() for d in self.date_choices]),
            ("time", self.time.strftime("%H:%M") if self.time else None),
            ("period", self.period),
            ("slot", {"start": self.slot.start.isoformat(), "resource": self.slot.resource_id} if self.slot else None),
        ):
            if value not in (None, []):
                data[name] = value
        return data


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


@dataclass
class Dialogue:
    """The flow in progress (none between flows), its step, its draft, and what each flow keeps."""

    flow: Flow | None = None
    step: Step | None = None
    draft: Draft = field(default_factory=Draft)
    # Moving: the booking being moved, and how it reads ("ABC123 (tavolo per 4, sabato alle 20:00)").
    move_reference: str = ""
    move_id: int | None = None
    move_summary: str = ""
    # Cancelling: the booking to cancel once the customer confirms.
    cancel_reference: str = ""
    # The options last shown: typed text that repeats one's title (or its number) picks it.
    options: list[list[str]] = field(default_factory=list)
    # The "avvisami se si libera" option offered with the alternatives of a full time.
    waitlist_join: str = ""

    # The state keys that belong to a flow: cleared with it, written by ``state_write``.
    KEYS = (
        "flow", "step", "draft", "move_reference", "move_id", "move_summary", "cancel_reference", "options",
        "waitlist_join",
    )

    @classmethod
    def from_state(cls, state: dict) -> Dialogue:
        """Read from a conversation's state; an unknown flow or step (an older release's) starts afresh."""
        try:
            flow = Flow(state["flow"]) if state.get("flow") else None
            step = Step(state["step"]) if state.get("step") else None
            draft = Draft.from_json(state.get("draft") or {})
        except (KeyError, TypeError, ValueError):
            return cls(options=_options(state.get("options")))
        return cls(
            flow=flow,
            step=step,
            draft=draft,
            move_reference=str(state.get("move_reference") or ""),
            move_id=_int(state.get("move_id")),
            move_summary=str(state.get("move_summary") or ""),
            cancel_reference=str(state.get("cancel_reference") or ""),
            options=_options(state.get("options")),
            waitlist_join=str(state.get("waitlist_join") or ""),
        )

    def state_write(self, state: dict) -> None:
        """Put this dialogue into ``state`` (in place), leaving the keys that are not a flow's."""
        for key in self.KEYS:
            state.pop(key, None)
        if self.flow is not None:
            state["flow"] = str(self.flow)
        if self.step is not None:
            state["step"] = str(self.step)
        draft = self.draft.to_json()
        if draft or self.flow is not None:
            state["draft"] = draft
        for name in ("move_reference", "move_summary", "cancel_reference", "waitlist_join"):
            if value := getattr(self, name):
                state[name] = value
        if self.move_id is not None:
            state["move_id"] = self.move_id
        if self.options:
            state["options"] = self.options

    @property
    def moving(self) -> bool:
        return self.flow == Flow.MOVE

    def draft_update(self, **changes: Any) -> Draft:
        self.draft = self.draft.replace(**changes)
        return self.draft


def _options(value: object) -> list[list[str]]:
    if not isinstance(value, list):
        return []
    return [[str(item[0]), str(item[1])] for item in value if isinstance(item, list | tuple) and len(item) == 2]
