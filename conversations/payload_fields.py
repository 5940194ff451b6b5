"""Typed getters for untrusted channel payloads (WhatsApp, Instagram, Chatwoot).

Any field of a webhook may be missing, of another JSON type, or a value never seen:
every read goes through one of these, so a surprising payload yields empty values,
never an exception.
"""

import math
from datetime import UTC, datetime

from django.utils import timezone

# Column widths of the rows these values land in (conversations.models): a longer
# value cannot be a real id, so it is treated as missing instead of failing the insert.
CHANNEL_MESSAGE_ID_MAX = 256
USER_ID_MAX = 128
PHONE_MAX = 32
DISPLAY_NAME_MAX = 200


def json_constant_reject(name: str) -> None:
    # NaN and Infinity are not JSON, and PostgreSQL's jsonb refuses them.
    raise ValueError(f"{name} is not valid JSON")


def sanitise(value: object) -> object:
    """Strip what no database column accepts: NUL characters and lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {sanitise(k): sanitise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sanitise(v) for v in value]
    return value


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def as_str(value: object) -> str:
    # Ids sometimes arrive as numbers in hand-made payloads; text never does.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def as_id(value: object, max_length: int) -> str:
    text = as_str(value).strip()
    return text if len(text) <= max_length else ""


def as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def unix_timestamp(value: object) -> datetime:
    """Meta's Unix seconds as an aware UTC datetime; now when missing or nonsense."""
    seconds = as_float(value)
    if seconds is not None:
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return timezone.now()
