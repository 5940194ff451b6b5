"""How many people: "per 4", "siamo in 4", "table for two", "party of 6", "x 2".

Run after the temporal extraction has taken its numbers out, so "per 4 domani alle 20"
and "il 15 per 2" leave only the party size here.
"""

import re
from collections.abc import Callable

from conversations.assistant.understanding.numbers import NUMBER, NUMBER_OR_ARTICLE, number_value
from conversations.assistant.understanding.scan import Scan, Verdict

# Above this a number is a price, a year or a typo, not a table: even a large group
# booking by chat stays well under it.
MAX_PARTY_SIZE = 50

_PEOPLE = r"(?:persone|persona|pers|pax|people|persons|person|ppl|adulti|adults|ospiti|guests|coperti)"
_CHILDREN = (
    r"(?:bambini|bambino|bambina|neonato|neonata|neonati|bimbi|bimbo|bimba"
    r"|child|children|kids|kid|ragazzi|ragazzo|figli|figlio)"
)
# A number after "per"/"for" that counts something other than people.
_NOT_PEOPLE_AFTER = (
    r"(?:giorni|giorno|days|day|notti|notte|nights|night|ore|hours|hour|minuti|minutes|settimane|weeks|week|"
    r"euro|eur|am|pm|anni|years|mesi|months)"
)
_COMPANION = (
    r"(?:moglie|marito|ragazza|ragazzo|compagna|compagno|fidanzata|fidanzato|wife|husband|girlfriend|"
    r"boyfriend|partner|amica|amico|friend|mamma|madre|padre|papa|mum|mom|dad|sorella|fratello|sister|brother)"
)

_ADULTS_AND_CHILDREN = re.compile(
    r"\b(?P<adults>" + NUMBER_OR_ARTICLE + r")\s*(?:adulti|adulto|adults|adult|grandi)\s*(?:e|and|\+|piu|plus)\s*"
    r"(?P<children>" + NUMBER_OR_ARTICLE + r")\s*" + _CHILDREN + r"\b"
)
_WE_ARE = re.compile(
    r"\b(?:siamo|saremo|we\s+are|we\s+re|we\s+will\s+be|we\s+ll\s+be|there\s+are|there\s+will\s+be|"
    r"there\s+ll\s+be)\s+(?:in\s+)?(?P<n>" + NUMBER + r")\b(?![:./-]\d)"
)
# "possiamo venire in 3": coming in a number is a party.
_COMING_IN = re.compile(
    r"\b(?:venire|veniamo|verremo|verremmo|arriviamo|arriveremo|arrivare|passare|passiamo)\s+in\s+(?P<n>"
    + NUMBER + r")\b(?![:./-]\d)"
)
# "tavolo stasera alle 21 in 3": "in" and a number closing the message, once the date and
# time are taken out, says how many come ("in 3 giorni" never gets here as a bare number).
_IN_COUNT_AT_END = re.compile(r"\bin\s+(?P<n>" + NUMBER + r")\s*[.!?]*\s*$")
_COUNT_OF_PEOPLE = re.compile(r"\b(?P<n>" + NUMBER_OR_ARTICLE + r")\s*" + _PEOPLE + r"\b")
_COUNT_OF_SEATS = re.compile(r"\b(?P<n>" + NUMBER + r")\s*(?:posti|seats)\b")
_OF_US = re.compile(r"\b(?P<n>" + NUMBER + r")\s+of\s+us\b")
_FOR_COUNT = re.compile(
    # "table 4 tmrw 8pm" opening the message is a table for four (later on, "table 4" may name one).
    r"(?:\b(?:per|x|for|party\s+of|group\s+of|gruppo\s+di|tavolo\s+da|table\s+of)|^(?:table|tavolo))\s*(?P<n>"
    + NUMBER + r")\b"
    r"(?![:./-]\d)(?!\s*" + _NOT_PEOPLE_AFTER + r"\b)"
)
# "io e mio marito", "con la mia compagna e i due bambini", "me, my wife and 2 kids": the writer and
# everyone they name. A plural without a number ("con i bambini") counts nobody: the party is asked.
_ONE_PERSON = (
    r"(?:" + _COMPANION + r"|figlio|figlia|bambino|bambina|neonato|neonata|bimbo|bimba|nipote|suocera|suocero|collega|"
    r"son|daughter|baby|child|kid|colleague)"
)
_GROUP = (
    r"(?:bambini|bambine|bimbi|bimbe|figli|figlie|ragazzi|ragazze|amici|amiche|nipoti|colleghi|colleghe|"
    r"kids|children|sons|daughters|friends|colleagues)"
)
_PAIR = r"(?:genitori|nonni|suoceri|parents|grandparents|in-laws)"
_POSSESSIVE = (
    r"(?:(?:la|il|i|le|lo|the)\s+)?"
    r"(?:(?:mia|mio|miei|mie|nostra|nostro|nostri|nostre|sua|suo|suoi|sue|my|our|his|her|their)\s+)?"
)
_MEMBER = (
    _POSSESSIVE + r"(?:(?P<count>" + NUMBER_OR_ARTICLE + r")\s+)?"
    r"(?P<who>" + _ONE_PERSON + r"|" + _GROUP + r"|" + _PAIR + r")\b"
)
_MEMBER_RE = re.compile(_MEMBER)
_MEMBERS = _MEMBER.replace("?P<count>", "?:").replace("?P<who>", "?:")
_WRITER_AND_COMPANIONS = re.compile(
    r"\b(?:io\s+e|io|me\s+and|me|myself\s+and|con|with|insieme\s+a|together\s+with)\s+"
    # "io e mio marito con i nostri 2 figli": "con" joins one more member too.
    + _MEMBERS + r"(?:\s+(?:e|and|\+|piu|plus|con|with)?\s*" + _MEMBERS + r")*"
)
# "siamo 2 coppie": two each.
_COUPLES = re.compile(r"\b(?P<n>" + NUMBER + r")\s+(?:coppie|couples)\b")
# "noi tre + un bambino", "noi 2 piu i nonni": a count, then more people named after it (the "+" is
# gone from the normalised text).
_COUNT_AND_MEMBERS = re.compile(
    r"\b(?:siamo\s+(?:in\s+)?|saremo\s+(?:in\s+)?|noi\s+)(?P<n>" + NUMBER + r")\s*(?:persone\s*)?"
    r"(?P<rest>(?:(?:(?:e|\+|piu|plus)\s+)?" + _MEMBERS + r"\s*)+)"
)
# "my husband and I", "my wife and me": two.
_COMPANION_AND_I = re.compile(r"\b(?:my|our)\s+" + _COMPANION + r"\s+and\s+(?:i|me)\b")
# "noi due", "noi tre": how many we are; "in coppia", "a couple" (but not "a couple of days"): two.
_WE_COUNT = re.compile(r"\bnoi\s+(?P<n>" + NUMBER + r")\b(?![:./-]\d)")
_COUPLE = re.compile(r"\b(?:in\s+coppia|una\s+coppia|a\s+couple|as\s+a\s+couple)\b(?!\s+of\b)")

WORDS: frozenset[str] = frozenset(
    {"persone", "persona", "people", "adulti", "adults", "bambini", "children", "ospiti", "guests", "coperti",
     "siamo", "saremo", "party", "group", "gruppo", "moglie", "marito"}
)


def party_size_extract(text: str) -> tuple[int | None, str]:
    """The party size in normalised ``text`` (first found, strongest wording first) and the rest."""
    scan = Scan(text)
    found: list[int] = []

    def counted(*values: str) -> Verdict:
        numbers = [number_value(v) for v in values]
        if any(n is None for n in numbers):
            return False
        total = sum(n for n in numbers if n is not None)
        if not 1 <= total <= MAX_PARTY_SIZE:
            return False
        found.append(total)
        return True

    scan.take(_ADULTS_AND_CHILDREN, lambda m: counted(m["adults"], m["children"]))
    scan.take(_COUPLES, lambda m: counted(m["n"], m["n"]))
    scan.take(_COUNT_AND_MEMBERS, lambda m: _companions_counted(m["rest"], counted, counted_before=m["n"]))
    scan.take(_COMPANION_AND_I, lambda m: counted("2"))
    scan.take(_WE_ARE, lambda m: counted(m["n"]))
    scan.take(_COMING_IN, lambda m: counted(m["n"]))
    scan.take(_COUNT_OF_PEOPLE, lambda m: counted(m["n"]))
    scan.take(_COUNT_OF_SEATS, lambda m: counted(m["n"]))
    scan.take(_OF_US, lambda m: counted(m["n"]))
    scan.take(_FOR_COUNT, lambda m: counted(m["n"]))
    scan.take(_WE_COUNT, lambda m: counted(m["n"]))
    scan.take(_WRITER_AND_COMPANIONS, lambda m: _companions_counted(m.group(), counted))
    scan.take(_COUPLE, lambda m: counted("2"))
    scan.take(_IN_COUNT_AT_END, lambda m: counted(m["n"]))
    return (found[0] if found else None), scan.text


def _companions_counted(phrase: str, counted: Callable[..., Verdict], counted_before: str = "") -> Verdict:
    """The writer (or the ``counted_before`` already said) plus each person named; False when a group's
    size is not said."""
    total = number_value(counted_before) if counted_before else 1
    if total is None:
        return False
    for member in _MEMBER_RE.finditer(phrase):
        who, count = member["who"], member["count"]
        if count is not None and number_value(count) is not None and re.fullmatch(_GROUP + "|" + _PAIR, who):
            total += number_value(count) or 0
        elif re.fullmatch(_PAIR, who):
            total += 2
        elif re.fullmatch(_GROUP, who):
            return False
        else:
            total += 1
    return counted(str(total))
