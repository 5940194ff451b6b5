"""The tenant's services and staff named in a message, by approximate name."""

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from conversations.assistant.understanding.text import normalise, similar, words
from conversations.assistant.understanding.types import ServiceTerm, StaffTerm, Vocabulary

# Words of a service name that tell nothing on their own ("Taglio *da* donna",
# "Men*'s* haircut"); a name matches when all its other words are in the message.
_NAME_FILLERS = frozenset({"s", "di", "da", "del", "della", "per", "the", "for", "a", "an", "and", "e", "of", "con",
                           "with", "il", "la", "lo"})
# The words of a name may be spread a little in the message ("taglio capelli uomo",
# "haircut for men"): at most this many other words in between.
_NAME_SLACK = 3
# "cut" for "haircut" in "mens cut": a word may stand for the compound it ends, if
# it has this many letters and the compound this many more ("men" is not "women").
_TAIL_MIN_LENGTH = 3
_TAIL_MIN_PREFIX = 3


# Words customers use for a kind of service whatever the tenant named it: a service
# whose names hold one of a family's words is also named by the others ("fare le
# mèches" is the salon's "Colore", "sistemare la barba" its "Barba").
_SERVICE_FAMILIES = (
    frozenset({"colore", "color", "colour", "tinta", "tingere", "tinte", "meches", "balayage", "shatush",
               "highlights", "dye", "decolorazione"}),
    frozenset({"barba", "beard", "rasatura", "shave", "baffi"}),
    frozenset({"piega", "blowdry", "styling", "asciugatura"}),
)
# Words for the hair itself: "tingere i capelli" names the colour, not every service
# that lists "capelli" among its aliases. A service matched only by these words is
# dropped when another is matched by a word of its own.
_GENERIC_WORDS = frozenset({"capelli", "capello", "hair", "chioma"})
# Who the visit is for: "per mio figlio" picks the men's cut out of "taglio", "for my
# wife" the women's. Read only to choose between services named by the same words.
_MALE_CUES = frozenset({"marito", "figlio", "figliolo", "padre", "papa", "fratello", "nonno", "fidanzato", "ragazzo",
                        "compagno", "husband", "son", "father", "dad", "brother", "boyfriend", "grandpa"})
_FEMALE_CUES = frozenset({"moglie", "figlia", "madre", "mamma", "sorella", "nonna", "fidanzata", "ragazza",
                          "compagna", "wife", "daughter", "mother", "mum", "mom", "sister", "girlfriend", "grandma"})
_MALE_PRONOUNS = (("per", "lui"), ("for", "him"))
_FEMALE_PRONOUNS = (("per", "lei"), ("for", "her"))
_MALE_NAME_WORDS = frozenset({"uomo", "uomini", "men", "man", "maschile", "boy", "boys", "barber"})
_FEMALE_NAME_WORDS = frozenset({"donna", "donne", "women", "woman", "lady", "ladies", "femminile", "signora"})

_SELF_INTRODUCTIONS = frozenset({("mi", "chiamo"), ("i", "am"), ("i", "m"), ("this", "is"), ("it", "s"), ("qui", "e")})


@dataclass(frozen=True)
class _Name:
    tokens: tuple[str, ...]
    joined: str  # "blowdry" for "blow dry", so "blowdry" and "blow-dry" both match


@dataclass(frozen=True)
class _Unit:
    """A word of the message, or two neighbours written as one ("hair cut" → "haircut")."""

    word: str
    positions: frozenset[int]

    @property
    def joined(self) -> bool:
        return len(self.positions) > 1


class ServicesNamed(NamedTuple):
    """What a message asks for: the service to book (``choices``: one, or the ones to choose
    between), and the services to book after it in the same visit (``then``, in order)."""

    choices: tuple[int, ...] = ()
    then: tuple[int, ...] = ()


def services_named(text: str, vocabulary: Vocabulary, known_words: frozenset[str]) -> ServicesNamed:
    """The services of normalised ``text``: one, alternatives to choose from, or a visit.

    "colore e piega" names two services by different words: one visit, in the order a
    salon does them (colour, cut or anything else, beard, blow-dry; else in the
    message's order). "taglio" names two by the same word: the customer chooses.
    "taglio o piega?" asks between them: the customer chooses too. In a visit where one
    service is still to choose ("colore e taglio", women's or men's), that one is asked
    first and the others wait in ``then``.
    """
    covered = _services_covered(text, vocabulary, known_words)
    kept = services_matching(text, vocabulary, known_words, covered=covered)
    mentions: list[tuple[frozenset[int], list[int]]] = []
    for service_id in kept:
        positions = covered[service_id]
        for index, (where, ids) in enumerate(mentions):
            if where & positions:
                mentions[index] = (where | positions, [*ids, service_id])
                break
        else:
            mentions.append((positions, [service_id]))
    if len(mentions) < 2 or _alternatives_asked(words(text), mentions):
        return ServicesNamed(choices=kept)
    ranks = _visit_ranks(vocabulary.services)
    mentions.sort(key=lambda mention: (min(ranks.get(sid, 1) for sid in mention[1]), min(mention[0])))
    open_mentions = [ids for _where, ids in mentions if len(ids) > 1]
    if len(open_mentions) > 1:
        return ServicesNamed(choices=kept)
    if open_mentions:
        return ServicesNamed(
            choices=tuple(open_mentions[0]), then=tuple(ids[0] for _where, ids in mentions if len(ids) == 1)
        )
    return ServicesNamed(choices=(mentions[0][1][0],), then=tuple(ids[0] for _where, ids in mentions[1:]))


def visit_order(service_ids: tuple[int, ...], vocabulary: Vocabulary) -> tuple[int, ...]:
    """``service_ids`` in the order a salon does them (colour, cut, beard, blow-dry), else as given."""
    ranks = _visit_ranks(vocabulary.services)
    return tuple(sorted(service_ids, key=lambda sid: ranks.get(sid, 1)))


# "taglio o piega?", "cut or colour": the customer asks which, not for both.
_OR_WORDS = frozenset({"o", "or", "oppure", "either"})


def _alternatives_asked(message_words: list[str], mentions: list[tuple[frozenset[int], list[int]]]) -> bool:
    ordered = sorted(mentions, key=lambda mention: min(mention[0]))
    for (before, _), (after, _) in pairwise(ordered):
        if any(word in _OR_WORDS for word in message_words[max(before) + 1:min(after)]):
            return True
    return False


@lru_cache(maxsize=256)
def _visit_ranks(services: tuple[ServiceTerm, ...]) -> dict[int, int]:
    """The order of a visit: a colour first, then a cut (or anything else), then the beard, the blow-dry last."""
    ranks = {}
    for service_id, names, _gender in _service_names(services):
        name_words = {word for name in names for word in name.tokens}
        if name_words & _SERVICE_FAMILIES[0]:
            ranks[service_id] = 0
        elif name_words & _SERVICE_FAMILIES[1]:
            ranks[service_id] = 2
        elif name_words & _SERVICE_FAMILIES[2]:
            ranks[service_id] = 3
        else:
            ranks[service_id] = 1
    return ranks


def _services_covered(text: str, vocabulary: Vocabulary, known_words: frozenset[str]) -> dict[int, frozenset[int]]:
    """Each matching service and the positions of the message's words that name it."""
    units = _units(words(text))
    covered: dict[int, frozenset[int]] = {}
    for service_id, names, _gender in _service_names(vocabulary.services):
        positions: frozenset[int] = frozenset()
        for name in names:
            positions |= _name_positions(name, units, known_words)
        if positions:
            covered[service_id] = positions
    return covered


def services_matching(
    text: str, vocabulary: Vocabulary, known_words: frozenset[str],
    covered: dict[int, frozenset[int]] | None = None,
) -> tuple[int, ...]:
    """Ids of the services named in normalised ``text``, in the vocabulary's order.

    A service named less precisely than another is dropped: "taglio uomo" matches
    "Taglio uomo" on two words and "Taglio donna" (alias "taglio") on one of them, so
    only "Taglio uomo" stays; "taglio" alone keeps both, and the engine asks which.
    """
    if not vocabulary.services:
        return ()
    message_words = words(text)
    if covered is None:
        covered = _services_covered(text, vocabulary, known_words)
    genders = {service_id: gender for service_id, _names, gender in _service_names(vocabulary.services)}
    generic = frozenset(i for i, word in enumerate(message_words) if word in _GENERIC_WORDS)
    if any(not positions <= generic for positions in covered.values()):
        covered = {sid: positions for sid, positions in covered.items() if not positions <= generic}
    kept = [
        service_id for service_id, positions in covered.items()
        if not any(positions < other for other in covered.values())
    ]
    return _alternatives_narrowed(kept, covered, genders, message_words)


def _alternatives_narrowed(
    kept: list[int], covered: dict[int, frozenset[int]], genders: dict[int, str | None], message_words: list[str]
) -> tuple[int, ...]:
    """Among services named by the same words ("taglio": women's and men's), keep the
    one the message says the visit is for: a relative ("per mio figlio"), a pronoun
    ("per lei"), or a beard booked alongside."""
    cue = _gender_cue(message_words, beard_booked=any(
        genders.get(sid) == "beard" for sid in kept
    ))
    if cue is None:
        return tuple(kept)
    result = []
    for service_id in kept:
        rivals = [other for other in kept if covered[other] == covered[service_id]]
        fitting = [other for other in rivals if genders.get(other) == cue]
        if len(rivals) > 1 and fitting and service_id not in fitting:
            continue
        result.append(service_id)
    return tuple(result)


def _gender_cue(message_words: list[str], *, beard_booked: bool) -> str | None:
    pairs = set(pairwise(message_words))
    male = any(word in _MALE_CUES for word in message_words) or any(p in pairs for p in _MALE_PRONOUNS)
    female = any(word in _FEMALE_CUES for word in message_words) or any(p in pairs for p in _FEMALE_PRONOUNS)
    if male == female:
        return "male" if beard_booked and not female else None
    return "male" if male else "female"


def staff_matching(text: str, vocabulary: Vocabulary, known_words: frozenset[str]) -> int | None:
    """The one staff member named in ``text``; None when nobody, or several, are."""
    if not vocabulary.staff:
        return None
    message_words = words(text)
    named = [
        staff_id for staff_id, first_name in _staff_first_names(vocabulary.staff)
        if any(
            _same_word(word, first_name, known_words) and not _introduces_oneself(message_words[:i])
            for i, word in enumerate(message_words)
        )
    ]
    return named[0] if len(named) == 1 else None


def _introduces_oneself(words_before: list[str]) -> bool:
    """"Ciao, sono Marco": the customer's own name, not the barber's."""
    return bool(words_before) and (
        words_before[-1] == "sono" or tuple(words_before[-2:]) in _SELF_INTRODUCTIONS
    )


@lru_cache(maxsize=256)
def _service_names(
    services: tuple[ServiceTerm, ...],
) -> tuple[tuple[int, tuple[_Name, ...], str | None], ...]:
    """Each service's names as word tuples, its family's words added, and who it is for
    ("male", "female", "beard" for a beard service, or None)."""
    result = []
    for service in services:
        names = []
        name_words: set[str] = set()
        for name in service.names:
            tokens = tuple(w for w in words(normalise(name)) if w not in _NAME_FILLERS)
            if tokens:
                names.append(_Name(tokens, "".join(tokens)))
                name_words.update(tokens)
                name_words.add("".join(tokens))
        for family in _SERVICE_FAMILIES:
            if family & name_words:
                names += [_Name((word,), word) for word in sorted(family - name_words)]
        gender: str | None = None
        if name_words & _MALE_NAME_WORDS and not name_words & _FEMALE_NAME_WORDS:
            gender = "male"
        elif name_words & _FEMALE_NAME_WORDS and not name_words & _MALE_NAME_WORDS:
            gender = "female"
        elif name_words & _SERVICE_FAMILIES[1]:
            gender = "beard"
        result.append((service.id, tuple(names), gender))
    return tuple(result)


@lru_cache(maxsize=256)
def _staff_first_names(staff: tuple[StaffTerm, ...]) -> tuple[tuple[int, str], ...]:
    result = []
    for member in staff:
        tokens = [w for w in words(normalise(member.name)) if len(w) > 1]
        if tokens:
            result.append((member.id, tokens[0]))
    return tuple(result)


def _units(message_words: list[str]) -> list[_Unit]:
    units = [_Unit(word, frozenset({i})) for i, word in enumerate(message_words)]
    units += [
        _Unit(message_words[i] + message_words[i + 1], frozenset({i, i + 1})) for i in range(len(message_words) - 1)
    ]
    return units


def _name_positions(name: _Name, units: list[_Unit], known_words: frozenset[str]) -> frozenset[int]:
    if len(name.tokens) > 1:
        for unit in units:
            if _unit_matches(unit, name.joined, known_words):
                return unit.positions
    candidates = [
        [unit for unit in units if _unit_matches(unit, token, known_words)
         or (len(name.tokens) > 1 and not unit.joined and _is_tail(unit.word, token))]
        for token in name.tokens
    ]
    if not all(candidates):
        return frozenset()
    # Every word of the name, each from its own words of the message, close together
    # around one occurrence of the first.
    window = len(name.tokens) + _NAME_SLACK
    for anchor in candidates[0]:
        centre = min(anchor.positions)
        chosen = [anchor] + [min(others, key=lambda u: abs(min(u.positions) - centre)) for others in candidates[1:]]
        positions = frozenset().union(*(unit.positions for unit in chosen))
        overlapping = sum(len(unit.positions) for unit in chosen) != len(positions)
        if not overlapping and max(positions) - min(positions) <= window:
            return positions
    return frozenset()


def _unit_matches(unit: _Unit, name_word: str, known_words: frozenset[str]) -> bool:
    # Two words run together are matched exactly: fuzzily, "taglio con" is near "taglio donna".
    if unit.joined:
        return unit.word == name_word
    return _same_word(unit.word, name_word, known_words)


def _same_word(word: str, name_word: str, known_words: frozenset[str]) -> bool:
    if word == name_word:
        return True
    # English plurals and possessives: "mens", "womens", "haircuts".
    if word.endswith("s") and word[:-1] == name_word:
        return True
    # A word the assistant knows for something else ("marzo", "sera") is no typo of a name.
    if word in known_words:
        return False
    return similar(word, name_word)


def _is_tail(word: str, name_word: str) -> bool:
    return (
        len(word) >= _TAIL_MIN_LENGTH and len(name_word) >= len(word) + _TAIL_MIN_PREFIX and name_word.endswith(word)
    )
