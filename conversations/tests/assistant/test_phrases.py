"""The phrase suite: realistic first messages and what must be understood from them."""

import time
from pathlib import Path

import yaml

from conversations.assistant.understanding import Understanding, understand
from conversations.tests.assistant.support import NOW, SALON, SERVICE_IDS, STAFF_IDS, TRATTORIA

PHRASES = Path(__file__).with_name("phrases.yaml")
# The shapes of issue 18 and their near misses, each with its `kind:` and whole-turn `outcome:`.
ISSUE_KIND_PHRASES = Path(__file__).with_name("phrases_issue_kinds.yaml")
# Keys that describe a phrase rather than what understanding must find in it.
NOT_CHECKED = {"text", "kind", "outcome"}
# The issue's acceptance bar.
MIN_ACCURACY = 0.95
# The suite runs on every commit: it must stay cheap.
MAX_SECONDS = 1.0
VOCABULARIES = {"restaurant": TRATTORIA, "salon": SALON}


def _phrases() -> list[tuple[str, dict]]:
    """Every phrase with its tenant kind ("restaurant" / "salon"), from both files."""
    found = []
    for path in (PHRASES, ISSUE_KIND_PHRASES):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [(kind, phrase) for kind, phrases in data.items() for phrase in phrases]
    return found


def _actual(result: Understanding, key: str):
    if key == "intent":
        return str(result.intent)
    if key == "time":
        return result.time.strftime("%H:%M") if result.time else None
    if key == "period":
        return str(result.period) if result.period else None
    if key == "services":
        names = {id_: name for name, id_ in SERVICE_IDS.items()}
        # Every service the message asks for: the one to book (or to choose from) and those after it.
        return sorted(names[i] for i in (*result.service_ids, *result.then_service_ids))
    if key == "date_choices":
        return sorted(result.date_choices)
    if key == "staff":
        names = {id_: name for name, id_ in STAFF_IDS.items()}
        return names.get(result.staff_id)
    return getattr(result, key)


def _expected(phrase: dict, key: str):
    value = phrase[key]
    return sorted(value) if key in ("services", "date_choices") else value


def _misses(kind: str, phrase: dict) -> list[str]:
    result = understand(phrase["text"], now=NOW, vocabulary=VOCABULARIES[kind])
    return [
        f"{key}: expected {_expected(phrase, key)!r}, got {_actual(result, key)!r}"
        for key in phrase
        if key not in NOT_CHECKED and _actual(result, key) != _expected(phrase, key)
    ]


def test_phrase_suite_has_at_least_150_phrases_in_both_languages_and_tenant_kinds():
    phrases = _phrases()
    assert len(phrases) >= 450
    assert sum(1 for _, p in phrases if "kind" in p) >= 200
    assert {kind for kind, _ in phrases} == {"restaurant", "salon"}
    assert {p.get("language") for _, p in phrases} >= {"it", "en"}


def test_phrase_suite_accuracy(capsys):
    phrases = _phrases()
    started = time.perf_counter()
    misses = {(kind, p["text"]): _misses(kind, p) for kind, p in phrases}
    elapsed = time.perf_counter() - started
    wrong = {key: found for key, found in misses.items() if found}
    accuracy = 1 - len(wrong) / len(phrases)
    per_kind: dict[str, list[int]] = {}
    for kind, p in phrases:
        counts = per_kind.setdefault(p.get("kind", "everyday"), [0, 0])
        counts[0] += not misses[(kind, p["text"])]
        counts[1] += 1
    with capsys.disabled():
        print(f"\nphrase suite: {len(phrases) - len(wrong)}/{len(phrases)} right ({accuracy:.1%}) in {elapsed:.2f}s")
        for name, (right, total) in sorted(per_kind.items()):
            print(f"  {name:18} {right}/{total} ({right / total:.0%})")
        for (kind, text), found in wrong.items():
            print(f"  miss [{kind}] {text!r}: {'; '.join(found)}")
    assert accuracy >= MIN_ACCURACY
    assert elapsed < MAX_SECONDS
