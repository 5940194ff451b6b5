"""Validation of onboarding documents: every problem named by where it is, nothing else read."""

from datetime import datetime, time
from decimal import Decimal

import pytest

from operators.onboarding import OnboardingInvalid, onboarding_document_read, tenant_spec_parse, weekdays_parse

VALID = {
    "name": "Trattoria da Mario",
    "slug": "da-mario",
    "kind": "restaurant",
    "timezone": "Europe/Rome",
    "language": "it",
    "whatsapp": {"phone_number_id": 106540352242999, "display_phone_number": "+39 333 111 2222"},
    "booking": {"slot_minutes": 30, "pacing_max_covers": 20},
    "opening_hours": {"tue-sun": ["12:00-15:00 last 14:00", "19:00-23:30 last 22:00"], "fri": []},
    "closures": [{"from": "2026-12-24", "to": "2026-12-26", "reason": "Natale"}],
    "services": [{"name_it": "Degustazione", "duration_minutes": 120, "price": 55}],
    "resources": [{"kind": "table", "name": "Tavolo 1", "min_seats": 1, "max_seats": 2}],
}


def _problems(document: dict, *, creating: bool = True) -> list[str]:
    with pytest.raises(OnboardingInvalid) as excinfo:
        tenant_spec_parse(document, creating=creating)
    return excinfo.value.problems


def test_a_valid_document_becomes_a_spec():
    spec = tenant_spec_parse(VALID, creating=True)
    assert spec.slug == "da-mario"
    assert spec.fields["whatsapp_phone_number_id"] == "106540352242999"  # an unquoted YAML number
    assert (spec.fields["slot_minutes"], spec.fields["pacing_max_covers"]) == (30, 20)
    assert len(spec.opening_hours) == 12  # six days, lunch and dinner
    assert spec.opening_hours[0].last_start == time(14, 0)
    (closure,) = spec.closures
    # Whole days, both ends included: the 24th at midnight to the 27th at midnight.
    # Wall-clock times, naive on purpose: the business's zone is attached when applied.
    assert (closure.starts_at, closure.ends_at) == (datetime(2026, 12, 24), datetime(2026, 12, 27))  # noqa: DTZ001
    (service,) = spec.services
    assert (service.name_en, service.price) == ("Degustazione", Decimal("55.00"))


def test_absent_sections_are_left_alone_on_update():
    spec = tenant_spec_parse({"slug": "da-mario", "address": "Via Po 2"}, creating=False)
    assert spec.fields == {"slug": "da-mario", "address": "Via Po 2"}
    assert (spec.opening_hours, spec.closures, spec.services, spec.resources) == (None, None, None, None)


def test_a_new_tenant_needs_name_and_kind():
    assert _problems({"slug": "x"}) == ["name: required for a new tenant", "kind: required for a new tenant"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"timezone": "Europe/Roma"}, "timezone: 'Europe/Roma' is not an IANA time zone name (e.g. Europe/Rome)."),
        ({"kind": "bar"}, "kind: Value 'bar' is not a valid choice."),
        ({"language": "de"}, "language: Value 'de' is not a valid choice."),
        ({"slug": "Da Mario!"}, "slug: Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
        ({"colour": "red"}, "colour: unknown field"),
        ({"booking": {"slot_minutes": 2}}, "booking.slot_minutes: Ensure this value is greater than or equal to 5."),
        ({"booking": {"slots": 2}}, "booking.slots: unknown setting"),
        ({"whatsapp": {"phone_number_id": "+39 333"}}, "whatsapp.phone_number_id: '+39 333' must be Meta's numeric"),
    ],
)
def test_each_bad_field_is_named(change, problem):
    (found,) = _problems({**VALID, **change})
    assert found.startswith(problem)


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        ({"mon": ["12:00-15:00", "14:00-16:00"]}, "opening_hours.mon: monday 12:00-15:00 overlaps monday 14:00-16:00"),
        ({"mon": ["12:00-15:00"], "mon,tue": ["12:00-15:00"]},
         "opening_hours.mon: monday 12:00-15:00 repeats monday 12:00-15:00"),
        # Friday night runs into Saturday's early range.
        ({"fri": ["19:00-02:00"], "sat": ["01:00-03:00"]},
         "opening_hours.fri: friday 19:00-02:00 overlaps saturday 01:00-03:00"),
        # Sunday night runs into Monday (the week wraps).
        ({"sun": ["22:00-01:00"], "mon": ["00:30-02:00"]},
         "opening_hours.sun: sunday 22:00-01:00 overlaps monday 00:30-02:00"),
        ({"mon": ["25:00-26:00"]}, "opening_hours.mon: 25:00-26:00: '25:00' is not a time of day"),
        ({"mon": ["12:00-12:00"]}, "opening_hours.mon: 12:00-12:00: opens and closes at the same time"),
        ({"mon": ["12:00-15:00 last 16:00"]}, "opening_hours.mon: 12:00-15:00 last 16:00: last start 16:00 is outside"),
        ({"mon": ["noon to three"]}, "opening_hours.mon: 'noon to three' is not a range"),
        ({"someday": ["12:00-15:00"]}, "opening_hours.someday: not a day"),
    ],
)
def test_bad_opening_hours_are_named(hours, problem):
    (found,) = _problems({**VALID, "opening_hours": hours})
    assert found.startswith(problem)


def test_adjacent_and_after_midnight_ranges_are_fine():
    spec = tenant_spec_parse({**VALID, "opening_hours": {
        "mon": ["12:00-15:00", "15:00-18:00"], "fri": ["19:00-01:00 last 23:30"], "sat": ["01:00-03:00"],
    }}, creating=True)
    assert len(spec.opening_hours) == 4


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"services": [{"name_it": "Taglio", "duration_minutes": 30}, {"name_it": "taglio", "duration_minutes": 20}]},
         "services[1].name_it: 'taglio' repeats services[0]"),
        ({"services": [{"name_it": "Taglio", "duration_minutes": 2}]},
         "services[0].duration_minutes: must be at least 5"),
        ({"services": [{"name_it": "Taglio", "duration_minutes": 30, "price": "12.345"}]},
         "services[0].price: '12.345'"),
        ({"resources": [{"kind": "table", "name": "T1"}, {"kind": "table", "name": "T1"}]},
         "resources[1].name: 'T1' repeats resources[0]"),
        ({"resources": [{"kind": "table", "name": "T1", "min_seats": 4, "max_seats": 2}]},
         "resources[0].max_seats: 2 is less than min_seats 4"),
        ({"resources": [{"kind": "staff", "name": "Giulia", "services": ["Colore"]}]},
         "resources[0].services: 'Colore' is not one of the services above"),
        ({"resources": [{"kind": "chair", "name": "C1"}]}, "resources[0].kind: 'chair' must be one of table, staff"),
        ({"closures": [{"from": "2026-12-26", "to": "2026-12-24"}]}, "closures[0]: ends (2026-12-24) before it starts"),
        ({"closures": [{"from": "Christmas"}]}, "closures[0]: 'Christmas' is not a date"),
    ],
)
def test_bad_sections_are_named(change, problem):
    (found,) = _problems({**VALID, **change})
    assert found.startswith(problem)


def test_every_problem_is_reported_at_once():
    problems = _problems({**VALID, "timezone": "Mars/Olympus", "opening_hours": {"mon": ["9:00-13:00", "12:00-14:00"]}})
    assert [p.split(":")[0] for p in problems] == ["timezone", "opening_hours.mon"]


def test_weekday_ranges_wrap_round_the_weekend():
    assert weekdays_parse("fri-mon") == [4, 5, 6, 0]
    assert weekdays_parse("Mon,WED") == [0, 2]
    assert weekdays_parse("daily") == list(range(7))
    assert weekdays_parse("funday") is None


def test_yaml_times_stay_times(tmp_path):
    # YAML 1.1 would read an unquoted 12:00 as 720 (base 60).
    path = tmp_path / "t.yaml"
    path.write_text("slug: x\nopening_hours:\n  mon:\n    - {opens: 12:00, closes: 15:00, last_start: 14:30}\n")
    document = onboarding_document_read(path)
    assert document["opening_hours"]["mon"][0] == {"opens": "12:00", "closes": "15:00", "last_start": "14:30"}


def test_unreadable_files_are_named(tmp_path):
    broken = tmp_path / "t.json"
    broken.write_text("{not json")
    with pytest.raises(OnboardingInvalid, match="is not valid JSON"):
        onboarding_document_read(broken)
    with pytest.raises(OnboardingInvalid, match="cannot read"):
        onboarding_document_read(tmp_path / "missing.yaml")
