"""Numbers as customers write them: digits or words, Italian or English."""

# Up to twelve: beyond that people type digits.
NUMBER_WORDS: dict[str, int] = {
    "uno": 1, "una": 1, "un": 1, "one": 1,
    "due": 2, "two": 2,
    "tre": 3, "three": 3,
    "quattro": 4, "four": 4,
    "cinque": 5, "five": 5,
    "sei": 6, "six": 6,
    "sette": 7, "seven": 7,
    "otto": 8, "eight": 8,
    "nove": 9, "nine": 9,
    "dieci": 10, "ten": 10,
    "undici": 11, "eleven": 11,
    "dodici": 12, "twelve": 12,
}

# "un"/"una"/"uno" are also the article ("un tavolo", "per un taglio"), so patterns use
# this set unless the next word makes the number certain ("una persona").
_ARTICLES = frozenset({"uno", "una", "un"})


def _alternation(words: list[str]) -> str:
    # Longest first, so "sette" is not read as "sei" + "tte".
    return "|".join(sorted(words, key=len, reverse=True))


NUMBER = r"(?:\d{1,2}|" + _alternation([w for w in NUMBER_WORDS if w not in _ARTICLES]) + r")"
NUMBER_OR_ARTICLE = r"(?:\d{1,2}|" + _alternation(list(NUMBER_WORDS)) + r")"


def number_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token)
