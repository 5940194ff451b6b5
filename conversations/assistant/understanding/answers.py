"""Yes and no: "sì", "ok", "va bene", "certo", "yes", "sure", "no", "nope", "no grazie"."""

import re
from dataclasses import dataclass

from conversations.assistant.understanding.text import strip_accents

YES_PHRASES = (
    "si", "ok", "okay", "okey", "oki", "okk", "va bene", "vabene", "va benissimo", "certo", "certamente",
    "esatto", "perfetto", "perfect", "confermo", "confermato", "d accordo", "daccordo", "sicuro", "ottimo",
    "benissimo", "yes", "yeah", "yep", "yup", "sure", "of course", "correct", "fine", "sounds good",
    "absolutely", "confirm", "confirmed", "great", "no problem", "nessun problema",
)
NO_PHRASES = ("no", "nope", "nah", "negativo", "not really", "non va bene", "assolutamente no")
# What may surround a yes or no and still leave the message a plain answer.
_COURTESY = frozenset(
    {"grazie", "mille", "thanks", "thank", "you", "please", "pls", "per", "favore", "tante", "ciao", "allora", "bene",
     "va"}
)
_YES_EMOJI = frozenset("👍👌✅")
_NO_EMOJI = frozenset("👎❌")
# "si" is also the impersonal pronoun ("si può prenotare?"): it is a yes only alone,
# before punctuation or before other words of an answer.
_SI_THEN_PUNCTUATION = re.compile(r"^\W*si\s*[,.!;:)]")

_YES_WORDS = frozenset(w for phrase in YES_PHRASES for w in phrase.split())
_NO_WORDS = frozenset(w for phrase in NO_PHRASES for w in phrase.split())
WORDS: frozenset[str] = _YES_WORDS | _NO_WORDS | _COURTESY


@dataclass(frozen=True)
class Answer:
    value: bool
    # Nothing but the answer (and courtesy) in the message: the intent is YES / NO.
    plain: bool


def answer_detect(raw: str, message_words: list[str]) -> Answer | None:
    if not message_words:
        return _emoji_answer(raw)
    yes_length = _leading_phrase_length(message_words, YES_PHRASES)
    no_length = _leading_phrase_length(message_words, NO_PHRASES)
    if not (yes_length or no_length):
        return None
    # The longer phrase wins: "no problem" is a yes.
    value = yes_length > no_length
    length = max(yes_length, no_length)
    rest = message_words[length:]
    plain = all(word in _COURTESY or word in (_YES_WORDS if value else _NO_WORDS) for word in rest)
    pronoun_si = message_words[0] == "si" and length == 1 and rest and not plain
    if pronoun_si and not _SI_THEN_PUNCTUATION.match(strip_accents(raw).lower()):
        return None
    return Answer(value, plain)


def _leading_phrase_length(message_words: list[str], phrases: tuple[str, ...]) -> int:
    best = 0
    for phrase in phrases:
        phrase_words = phrase.split()
        if message_words[: len(phrase_words)] == phrase_words:
            best = max(best, len(phrase_words))
    return best


def _emoji_answer(raw: str) -> Answer | None:
    if any(char in _YES_EMOJI for char in raw):
        return Answer(True, plain=True)
    if any(char in _NO_EMOJI for char in raw):
        return Answer(False, plain=True)
    return None
