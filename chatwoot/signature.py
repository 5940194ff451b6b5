"""How Chatwoot authenticates its webhooks (SPEC §5).

Recent Chatwoot signs: ``X-Chatwoot-Signature: sha256=<HMAC-SHA256 of "<X-Chatwoot-Timestamp>.<raw body>">``
with the secret shown in its settings. Older Chatwoot does not: the tenant's secret
is then the last segment of the webhook URL. Both compare in constant time.
"""

import hashlib
import hmac
from datetime import datetime

from whatsapp.signature import signature_is_valid

# A signed request older (or, clock skew, newer) than this is refused: a captured
# request cannot be replayed later. Chatwoot posts at once, so five minutes is ample.
TIMESTAMP_TOLERANCE_SECONDS = 300


def secret_digest(secret: str) -> str:
    """What the database keeps to find a secret's connection (the secret is random: no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def timestamp_is_fresh(header: str | None, *, now: datetime) -> bool:
    if not header or not header.strip().isdigit():
        return False
    return abs(now.timestamp() - int(header.strip())) <= TIMESTAMP_TOLERANCE_SECONDS


def chatwoot_signature_is_valid(body: bytes, *, timestamp: str, header: str | None, secret: str) -> bool:
    """``header`` signs ``<timestamp>.<body>`` with ``secret`` (call ``timestamp_is_fresh`` first)."""
    return bool(secret) and signature_is_valid(timestamp.strip().encode() + b"." + body, header, secret)


def path_secret_is_valid(given: str, secret: str) -> bool:
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())
