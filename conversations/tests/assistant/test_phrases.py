"""The phrase suite: realistic first messages and what must be understood from them."""

import time
from pathlib import Path

import yaml

from conversations.assistant.understanding import Understanding, understand
from conversations.tests.assistant.support import NOW, SALON, SERVICE_IDS, STAFF_IDS, TRATTORIA

PHRASES = Path(__file__).with_name("phrases.yaml")
# The acceptance bar.
MIN_ACCURACY = 0.95
# The suite runs on every commit: it must stay cheap.
MAX_SECONDS = 1.0
VOCABULARIES = {"restaurant": TRATTORIA, "salon": SALON}


def _phrases() -> list[tuple[str, dict]]:
    data = yaml.safe_load(PHRASES.read_text(encoding="utf-8"))
    return [(kind, phrase) for kind, phrases in data.items() for phrase in phrases]


def _actual(result: Understanding, key: str):
    if key == "intent":
        return str(result.intent)
    if key == "time":
        return result.time.strftime("%H:%M") if result.time else None
    if key == "period":
        return str(result.period) if result.period else None
    if key == "services":
        names = {id_: name for name, id_ in SERVICE_IDS.items()}
        return sorted(names[i] for i in result.service_ids)
    if key == "staff":
        names = {id_: name for name, id_ in STAFF_IDS.items()}
        return names.get(result.staff_id)
    return getattr(result, key)


def _expected(phrase: dict, key: str):
    value = phrase[key]
    return sorted(value) if key == "services" else value


def _misses(kind: str, phrase: dict) -> list[str]:
    result = understand(phrase["text"], now=NOW, vocabulary=VOCABULARIES[kind])
    return [
        f"{key}: expected {_expected(phrase, key)!r}, got {_actual(result, key)!r}"
        for key in phrase
        if key != "text" and _actual(result, key) != _expected(phrase, key)
    ]


def test_phrase_suite_has_at_least_150_phrases_in_both_languages_and_tenant_kinds():
    phrases = _phrases()
    assert len(phrases) >= 150
    assert {kind for kind, _ in phrases} == {"restaurant", "salon"}
    assert {p.get("language") for _, p in phrases} >= {"it", "en"}


def test_phrase_suite_accuracy(capsys):
    phrases = _phrases()
    started = time.perf_counter()
    misses = {(kind, p["text"]): _misses(kind, p) for kind, p in phrases}
    elapsed = time.perf_counter() - started
    wrong = {key: found for key, found in misses.items() if found}
    accuracy = 1 - len(wrong) / len(phrases)
    with capsys.disabled():
        print(f"\nphrase suite: {len(phrases) - len(wrong)}/{len(phrases)} right ({accuracy:.1%}) in {elapsed:.2f}s")
        for (kind, text), found in wrong.items():
            print(f"  miss [{kind}] {text!r}: {'; '.join(found)}")
    assert accuracy >= MIN_ACCURACY
    assert elapsed < MAX_SECONDS
