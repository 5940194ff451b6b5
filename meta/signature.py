"""How Meta authenticates webhooks, for every Meta product of the app (WhatsApp, Instagram).

POSTs carry ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``;
subscribing a callback URL is a GET handshake with a verify token.
"""

import hashlib
import hmac
from collections.abc import Mapping

from django.conf import settings

PREFIX = "sha256="


def signature_is_valid(body: bytes, header: str | None, secret: str) -> bool:
    """Compare in constant time, over the exact bytes received (never re-serialised JSON)."""
    if not header or not header.startswith(PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    # Headers arrive as latin-1 text; any byte the hex digest cannot contain simply mismatches.
    given = header[len(PREFIX):].strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def webhook_signature_check(body: bytes, header: str | None) -> bool:
    """The request really comes from Meta. Without ``META_APP_SECRET`` only development (``DEBUG``) is trusted."""
    secret = settings.META_APP_SECRET
    if not secret:
        return bool(settings.DEBUG)
    return signature_is_valid(body, header, secret)


def verification_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The ``hub.challenge`` to echo when Meta's subscription check carries our verify token; else None."""
    challenge = params.get("hub.challenge", "")
    given = params.get("hub.verify_token", "")
    if (
        params.get("hub.mode") == "subscribe"
        and verify_token
        and challenge
        and hmac.compare_digest(given.encode(), verify_token.encode())
    ):
        return challenge
    return None
