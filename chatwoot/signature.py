"""How Chatwoot authenticates its webhooks (README, "HTTP endpoints").

Recent Chatwoot signs: ``X-Chatwoot-Signature: sha256=<HMAC-SHA256 of "<X-Chatwoot-Timestamp>.<raw body>">``
with the secret shown in its settings. Older Chatwoot does not: the tenant's secret
is then the last segment of the webhook URL. Both compare in constant time.
"""

import hmac
import re
from datetime import datetime

from django.conf import settings
from django.utils.crypto import salted_hmac

from meta.signature import signature_is_valid

# A signed request older (or, clock skew, newer) than this is refused: a captured
# request cannot be replayed later. Chatwoot posts at once, so five minutes is ample.
TIMESTAMP_TOLERANCE_SECONDS = 300


# The digest's key is derived from SECRET_KEY for this one purpose (Django's salted_hmac).
DIGEST_KEY_PURPOSE = "lyo.chatwoot.webhook_secret_digest"
# Unix seconds, ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def secret_digest(secret: str, *, key: str | None = None) -> str:
    """What the database keeps to find a secret's connection: HMAC-SHA256 keyed with ``SECRET_KEY``.

    Keyed, so that a stolen database alone cannot test guesses of secrets (a plain hash
    can be checked offline). ``SECRET_KEY`` rather than ``FIELD_ENCRYPTION_KEY``: Django
    already rotates it with ``SECRET_KEY_FALLBACKS``, which ``secret_digests`` honours.
    """
    return salted_hmac(DIGEST_KEY_PURPOSE, secret, secret=key, algorithm="sha256").hexdigest()


def secret_digests(secret: str) -> list[str]:
    """The digest under ``SECRET_KEY`` first, then under each of ``SECRET_KEY_FALLBACKS`` (rotation)."""
    return [secret_digest(secret)] + [secret_digest(secret, key=key) for key in settings.SECRET_KEY_FALLBACKS]


def timestamp_is_fresh(header: str | None, *, now: datetime) -> bool:
    if not header or not _TIMESTAMP.fullmatch(header.strip()):
        return False
    return abs(now.timestamp() - int(header.strip())) <= TIMESTAMP_TOLERANCE_SECONDS


def chatwoot_signature_is_valid(body: bytes, *, timestamp: str, header: str | None, secret: str) -> bool:
    """``header`` signs ``<timestamp>.<body>`` with ``secret`` (call ``timestamp_is_fresh`` first)."""
    return bool(secret) and signature_is_valid(timestamp.strip().encode() + b"." + body, header, secret)


def path_secret_is_valid(given: str, secret: str) -> bool:
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())
