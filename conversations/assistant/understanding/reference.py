"""A booking reference code typed by the customer ("K7M3QD")."""

import re

# Appointment.reference holds up to 8 characters; codes are letters and digits mixed.
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{6,8}(?![A-Za-z0-9])")
# A number glued to a word is chat, not a code: "1030am", "4persone", "alle20", "x2pax".
_GLUED_NUMBER = re.compile(r"\d+[a-z]+|[a-z]+\d+")


def reference_extract(text: str) -> tuple[str | None, str]:
    """The first code-like word in raw ``text`` (upper case), and the text without it."""
    for match in _CANDIDATE.finditer(text):
        word = match.group()
        has_digit = any(c.isdigit() for c in word)
        has_letter = any(c.isalpha() for c in word)
        if not (has_digit and has_letter):
            continue
        # Typed in lower case, only an irregular mix of letters and digits is a code.
        if not word.isupper() and _GLUED_NUMBER.fullmatch(word.lower()):
            continue
        return word.upper(), text[: match.start()] + " " + text[match.end():]
    return None, text
