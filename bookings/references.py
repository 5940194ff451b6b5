"""Reference codes customers read out over the phone and type into a chat."""

import secrets

# No 0/O, 1/I/L: they are confused when read aloud or typed. 31 symbols, 6 long:
# about 887 million codes per tenant, so a collision (retried) is rare.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6


def reference_new() -> str:
    """A fresh code with at least one letter and one digit.

    Mixing both keeps a code from reading as a word ("BASTA") or a number, so the
    assistant can spot it inside a sentence ("please cancel K7M3QD").
    """
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if any(ch.isdigit() for ch in code) and any(ch.isalpha() for ch in code):
            return code


def reference_normalise(text: str) -> str:
    """What a customer typed (``k7m-3qd``, `` K7M 3QD``) as it is stored (``K7M3QD``)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())
