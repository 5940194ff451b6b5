"""Text shapes every extractor reads: lower case, no accents, typos corrected."""

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

# The longest text WhatsApp delivers. Anything longer is not a chat message, and the
# bound keeps one call well under a millisecond per kilobyte.
MAX_CHARS = 4096

# Replaces what an extractor has taken, so the next one cannot read it again (the 4
# of "alle 4" is not a party size). Not a word character and not a space, so no
# pattern spans it.
TAKEN = " | "

# Word-level typo correction: below five letters a one-letter slip turns one real
# word into another ("sera"/"cera", "posto"/"porto" survive, "ora"/"ore" would not).
FUZZY_MIN_LENGTH = 5
# difflib ratio a misspelling must reach: "prenotzione", "tomorow", "sabto", "dommani"
# pass; "domande"/"domani" (0.77) and "venire"/"venerdi" do not.
FUZZY_CUTOFF = 0.8

# Straight and typographic apostrophes, backtick and acute accent typed as one.
_APOSTROPHES = re.compile("['`\u2018\u2019\u00b4]")
_MERIDIEM_DOTS = re.compile(r"\b([ap])\.\s?m\b\.?")
# "alle 21,15" and "20e45": an hour and its minutes joined by a comma or a glued "e" are a
# clock time, written as one ("21:15"). Not a price ("2,50 euro") and not part of a longer
# number ("1,234").
_COMMA_OR_E_CLOCK = re.compile(
    r"(?<![\d,.])([01]?\d|2[0-3])(?:,|e)([0-5]\d)(?![\d,])(?!\s*(?:euro|eur|\u20ac|\$|%))"
)
# "la piega costa 20,00?", "€ 12,50": a price word just before makes it an amount.
_PRICE_BEFORE = re.compile(r"(?:\bcost\w*|\bprezz\w*|\bpag\w*|\bprice\w*|\bcosts?|\beur\w*|\u20ac|\$)\s*$")
_NOT_WORD_OR_NUMBER = re.compile(r"[^a-z0-9:./-]+")
_SEPARATOR_OUTSIDE_NUMBER = re.compile(r"(?<!\d)[:./-]+|[:./-]+(?!\d)")
_SPACES = re.compile(r"\s+")
_LETTERS = re.compile(r"[a-z]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(text: str) -> str:
    """Lower case ASCII words and numbers separated by single spaces.

    ``:``, ``.``, ``/`` and ``-`` survive only between digits (``20:30``, ``15/12``);
    apostrophes become spaces (``l'8`` → ``l 8``, ``all'una`` → ``all una``).
    """
    text = strip_accents(text[:MAX_CHARS]).lower()
    text = _MERIDIEM_DOTS.sub(r"\1m", text)
    text = _COMMA_OR_E_CLOCK.sub(_clock_joined, text)
    text = _APOSTROPHES.sub(" ", text)
    text = _NOT_WORD_OR_NUMBER.sub(" ", text)
    text = _SEPARATOR_OUTSIDE_NUMBER.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _clock_joined(m: re.Match) -> str:
    if _PRICE_BEFORE.search(m.string, max(0, m.start() - 16), m.start()):
        return m[0]
    return f"{m[1]}:{m[2]}"


def words(text: str) -> list[str]:
    return _LETTERS.findall(text)


class Corrector:
    """Replaces misspelt words by the known word they are closest to.

    Only words absent from the lexicon are touched, only towards words of the same
    first letter (people rarely miss the first one), and never a word in ``protected``
    (a staff name like "Marco" must not become "marzo").
    """

    def __init__(self, lexicon: Iterable[str]) -> None:
        self.lexicon = frozenset(lexicon)
        by_initial: dict[str, list[str]] = {}
        for word in sorted(self.lexicon):
            if len(word) >= FUZZY_MIN_LENGTH - 1:
                by_initial.setdefault(word[0], []).append(word)
        self._by_initial = {initial: tuple(candidates) for initial, candidates in by_initial.items()}
        self._closest: Callable[[str], str] = lru_cache(maxsize=8192)(self._closest_uncached)

    def correct(self, text: str, protected: frozenset[str] = frozenset()) -> str:
        def replace(match: re.Match) -> str:
            word = match.group()
            if len(word) < FUZZY_MIN_LENGTH or word in self.lexicon or word in protected:
                return word
            return self._closest(word)

        return _LETTERS.sub(replace, text)

    def _closest_uncached(self, word: str) -> str:
        candidates = self._by_initial.get(word[0], ())
        matches = difflib.get_close_matches(word, candidates, n=1, cutoff=FUZZY_CUTOFF)
        return matches[0] if matches else word


def similar(a: str, b: str) -> bool:
    """Two words the same but for a typo ("taglo"/"taglio", "giula"/"giulia")."""
    if a == b:
        return True
    if min(len(a), len(b)) < FUZZY_MIN_LENGTH - 1 or abs(len(a) - len(b)) > 2 or a[0] != b[0]:
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= FUZZY_CUTOFF
