"""One customer message in, an ``Understanding`` out: pure Python, no network, no model."""

import datetime
import re
from functools import lru_cache

from conversations.assistant.understanding import answers, intents, language, party, temporal
from conversations.assistant.understanding.answers import answer_detect
from conversations.assistant.understanding.catalogue import services_named, staff_matching
from conversations.assistant.understanding.intents import intent_classify
from conversations.assistant.understanding.language import language_detect
from conversations.assistant.understanding.numbers import NUMBER_WORDS
from conversations.assistant.understanding.party import party_size_extract
from conversations.assistant.understanding.reference import reference_extract
from conversations.assistant.understanding.temporal import temporal_extract
from conversations.assistant.understanding.text import MAX_CHARS, Corrector, normalise, words
from conversations.assistant.understanding.types import EMPTY_VOCABULARY, Understanding, Vocabulary

# Every word some rule looks for: typos are corrected towards these, and a message
# word that is one of them is never taken for a misspelt service or staff name.
KNOWN_WORDS: frozenset[str] = (
    temporal.WORDS | party.WORDS | intents.WORDS | answers.WORDS | language.ITALIAN_WORDS
    | language.ENGLISH_WORDS | frozenset(NUMBER_WORDS)
)
_CORRECTOR = Corrector(KNOWN_WORDS)
_CHANGE_CUE = re.compile(
    r"\b(?:invece|anzi|piuttosto|spostala|spostarla|spostiamo|cambiala|cambiarla|cambiamo|anticipiamo|anticipala|"
    r"posticipiamo|posticipala|instead|rather|make\s+it|move\s+it|change\s+it|can\s+we\s+do)\b"
)


def understand(
    text: str,
    *,
    now: datetime.datetime,
    vocabulary: Vocabulary = EMPTY_VOCABULARY,
    language_hint: str | None = None,
) -> Understanding:
    """Read one message. ``now`` is aware and in the tenant's time zone: relative dates resolve against it.

    ``language_hint`` (the customer's known language) only breaks a tie between
    Italian and English words; a message with no telling words has language None.
    """
    raw = text[:MAX_CHARS] if isinstance(text, str) else ""
    reference, raw = reference_extract(raw)
    plain = normalise(raw)
    tenant_words = _vocabulary_words(vocabulary)
    corrected = _CORRECTOR.correct(plain, tenant_words)
    when, rest = temporal_extract(corrected, now=now, opening_ranges=vocabulary.opening_ranges)
    party_size, _ = party_size_extract(rest)
    services = services_named(plain, vocabulary, KNOWN_WORDS)
    staff_id = staff_matching(plain, vocabulary, KNOWN_WORDS)
    corrected_words = words(corrected)
    answer = answer_detect(raw, corrected_words)
    detail_kinds = sum((
        when.date is not None or when.time is not None or when.period is not None or bool(when.date_choices),
        party_size is not None,
        bool(services.choices),
        staff_id is not None,
    ))
    return Understanding(
        language=language_detect(corrected_words, language_hint, tenant_words),
        intent=intent_classify(corrected, detail_kinds=detail_kinds, answer=answer),
        date=when.date,
        time=when.time,
        period=when.period,
        time_relative=when.relative,
        date_choices=when.date_choices,
        twelve_hour=when.twelve_hour,
        party_size=party_size,
        service_ids=services.choices,
        then_service_ids=services.then,
        staff_id=staff_id,
        reference=reference,
        change_cue=bool(_CHANGE_CUE.search(plain)),
        yes_no=answer.value if answer is not None else None,
    )


@lru_cache(maxsize=256)
def _vocabulary_words(vocabulary: Vocabulary) -> frozenset[str]:
    """The tenant's own words, which typo correction must leave alone ("Marco" is not "marzo")."""
    names = [name for service in vocabulary.services for name in service.names]
    names += [member.name for member in vocabulary.staff]
    return frozenset(word for name in names for word in words(normalise(name)))
