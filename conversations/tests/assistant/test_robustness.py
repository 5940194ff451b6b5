"""``understand`` never raises, whatever a customer (or a broken client) sends."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.assistant.understanding import Intent, Understanding, understand
from conversations.tests.assistant.support import NOW, ROME, SALON

# Pieces of real messages and of the grammar's edges, shuffled into nonsense that
# reaches deep into the patterns (random text alone rarely forms "il 31/02 alle 25").
FRAGMENTS = [
    "alle", "ore", "il", "per", "x", "siamo in", "table for", "at", "on the", "domani", "stasera", "sabato",
    "prossimo", "next", "dicembre", "Dec", "di sera", "pm", "am", "e mezza", "half past", "taglio", "Giulia",
    "beard trim", "annulla", "cancel", "sì", "no", "grazie", "31/02", "29/02/2027", "00:00", "24:60", "99",
    "0", "12", "45", "20.30", "15.12.2026", "1st", "31st", "K7M3QD", "👍", "🙂", ",", "?", "'", ".", "/", ":",
    "-", "  ", "\n", "\u200b", "é", "ß", "İ", "٣", "²",
]
messages = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join)
# Hypothesis takes naive bounds and attaches the zone itself.
nows = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime.datetime(2099, 12, 31),  # noqa: DTZ001
    timezones=st.just(ROME),
)


def _is_valid(result: Understanding) -> bool:
    return (
        isinstance(result.intent, Intent)
        and result.language in (None, "it", "en")
        and (result.party_size is None or 1 <= result.party_size <= 50)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=10_000))
def test_any_text_up_to_10000_characters(text):
    assert _is_valid(understand(text, now=NOW, vocabulary=SALON))


@settings(max_examples=300, deadline=None)
@given(text=messages, now=nows)
def test_chat_shaped_nonsense_at_any_moment(text, now):
    assert _is_valid(understand(text, now=now, vocabulary=SALON))


# Pictographs, with the joiners, variation selectors and skin tones emoji sequences use.
emoji = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF) | st.sampled_from(
    ["\u200d", "\ufe0f", "\U0001f3fb", "\u2764", "\u2705", " "]
)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=emoji, max_size=200))
def test_emoji_only_says_nothing_about_language(text):
    result = understand(text, now=NOW)
    assert _is_valid(result)
    assert result.language is None


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.characters(categories=["So", "Sk", "Cf", "Zs", "Mn", "Nd", "No"]), max_size=200))
def test_symbols_marks_and_foreign_digits(text):
    assert _is_valid(understand(text, now=NOW, vocabulary=SALON))


def test_very_long_message_is_cut_and_stays_fast():
    text = "vorrei prenotare per 4 domani alle 20 " * 2000
    started = time.monotonic()
    result = understand(text, now=NOW, vocabulary=SALON)
    assert (result.intent, result.party_size) == (Intent.BOOK, 4)
    assert time.monotonic() - started < 1.0


def test_understanding_is_pure_python_until_the_vocabulary_is_read():
    code = (
        "import sys, datetime\n"
        "from conversations.assistant.understanding import understand\n"
        "understand('domani alle 20', now=datetime.datetime(2026, 11, 25, 19, tzinfo=datetime.UTC))\n"
        "assert not any(name.startswith('django') for name in sys.modules), 'django imported'\n"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, env={"PATH": os.environ.get("PATH", "")})
