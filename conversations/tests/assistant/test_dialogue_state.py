"""The dialogue state as a typed object: the same JSON in and out, and odd JSON never breaks a turn."""

from dataclasses import fields
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from conversations.assistant.dialogue import Dialogue, Draft, Flow, OfferedSlot, Step

ROME = ZoneInfo("Europe/Rome")

# A state as the assistant has always written it: every flow key and every draft key.
FULL_STATE = {
    "flow": "move",
    "step": "confirm",
    "draft": {
        "party": 4,
        "party_told": 4,
        "service": 7,
        "service_choices": [7, 8],
        "then": [9],
        "staff": 3,
        "date": "2026-12-05",
        "date_choices": ["2026-12-22", "2026-12-25"],
        "time": "20:15",
        "period": "evening",
        "slot": {"start": "2026-12-05T20:15:00+01:00", "resource": 11},
    },
    "move_reference": "ABC123",
    "move_id": 42,
    "move_summary": "ABC123 (tavolo per 4, sabato 5 dicembre alle 20:15)",
    "cancel_reference": "XYZ789",
    "options": [["yes", "Sì, sposta"], ["no", "Annulla"]],
    "waitlist_join": "wl:join:2026-12-05T20:15|4|0|0",
    # Keys that are not a flow's: left as they are.
    "misses": 1,
    "clock12": True,
    "just_booked": "ABC123",
    "updated_at": "2026-12-04T19:00:00+00:00",
}


def test_every_key_reads_typed_and_writes_back_the_same_json():
    dialogue = Dialogue.from_state(FULL_STATE)
    assert dialogue.flow is Flow.MOVE and dialogue.step is Step.CONFIRM
    assert dialogue.draft == Draft(
        party=4, party_told=4, service=7, service_choices=(7, 8), then=(9,), staff=3, date=date(2026, 12, 5),
        date_choices=(date(2026, 12, 22), date(2026, 12, 25)), time=time(20, 15), period="evening",
        slot=OfferedSlot(datetime(2026, 12, 5, 20, 15, tzinfo=ROME), 11),
    )
    assert (dialogue.move_reference, dialogue.move_id, dialogue.cancel_reference) == ("ABC123", 42, "XYZ789")
    assert set(FULL_STATE["draft"]) == {f.name for f in fields(Draft)}  # the sample covers every field
    rewritten = {key: value for key, value in FULL_STATE.items() if key not in Dialogue.KEYS}
    dialogue.state_write(rewritten)
    assert rewritten == FULL_STATE


def test_a_cleared_flow_leaves_only_the_keys_that_outlive_it():
    state = dict(FULL_STATE)
    Dialogue().state_write(state)
    assert state == {"misses": 1, "clock12": True, "just_booked": "ABC123", "updated_at": FULL_STATE["updated_at"]}


def test_the_draft_is_frozen_and_changes_by_naming_what_changes():
    dialogue = Dialogue(flow=Flow.BOOK, draft=Draft(party=2, time=time(20)))
    before = dialogue.draft
    with pytest.raises(AttributeError):
        before.party = 3  # type: ignore[misc]
    after = dialogue.draft_update(party=3, time=None)
    assert before == Draft(party=2, time=time(20)) and after == Draft(party=3) and dialogue.draft is after
    assert after.party_or_one == 3 and Draft().party_or_one == 1


@pytest.mark.parametrize("state", [
    {"flow": "book", "step": "confirm", "draft": {"date": "2026-13-45"}},
    {"flow": "book", "draft": {"slot": {"start": "soon"}}},
    {"flow": "teleport", "step": "confirm"},
    {"flow": "book", "step": "dance"},
    {"flow": "book", "draft": "not a dict"},
    {"flow": "book", "draft": {"date_choices": "2026-12-05"}},
])
def test_a_state_no_release_wrote_starts_afresh_instead_of_failing(state):
    dialogue = Dialogue.from_state(state)
    assert dialogue.flow is None and dialogue.step is None and dialogue.draft == Draft()


def test_odd_values_are_read_as_not_said():
    dialogue = Dialogue.from_state({"flow": "book", "draft": {"party": "four", "service": None, "staff": [1]},
                                    "options": [["a", "A"], "junk", ["b"]], "move_id": "x"})
    assert dialogue.draft == Draft() and dialogue.options == [["a", "A"]] and dialogue.move_id is None
