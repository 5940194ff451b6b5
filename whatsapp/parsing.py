"""WhatsApp Cloud API webhook payloads parsed into small frozen dataclasses.

Meta's payloads are untrusted input: any field may be missing, of another JSON type,
or a value we have never seen. Every read here goes through a typed getter, so a
surprising payload yields empty values or ``unknown`` — never an exception. Shapes:
Meta's "Webhooks components" and "Messages webhook" reference pages.
"""

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from django.utils import timezone

from conversations.inbound import InboundKind, InboundMessage, Location
from conversations.models import Message

WEBHOOK_OBJECT = "whatsapp_business_account"

# Column widths of the rows these values land in (conversations.models): a longer
# value cannot be a real Meta id, so it is treated as missing instead of failing
# the insert.
CHANNEL_MESSAGE_ID_MAX = 256
USER_ID_MAX = 128
PHONE_MAX = 32
DISPLAY_NAME_MAX = 200
# Meta error codes fit comfortably in 32 bits; anything bigger is noise.
ERROR_CODE_MAX = 2**31 - 1

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
NUMBER_CHANGE_TYPES = ("user_changed_number", "customer_changed_number")

_MESSAGE_TYPES = {
    "text": Message.Type.TEXT,
    "interactive": Message.Type.INTERACTIVE,
    "button": Message.Type.BUTTON,
    "location": Message.Type.LOCATION,
    "image": Message.Type.IMAGE,
    "audio": Message.Type.AUDIO,
    "video": Message.Type.VIDEO,
    "document": Message.Type.DOCUMENT,
    "sticker": Message.Type.STICKER,
    "reaction": Message.Type.REACTION,
    "system": Message.Type.SYSTEM,
    "unsupported": Message.Type.UNSUPPORTED,
}


class PayloadInvalid(ValueError):
    """The body is not JSON, or not a WhatsApp Business Account webhook."""


class StatusKind(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNKNOWN = "unknown"


_STATUS_VALUES = frozenset(kind.value for kind in StatusKind)


@dataclass(frozen=True)
class WebhookError:
    code: int | None
    title: str
    details: str = ""


@dataclass(frozen=True)
class WebhookContact:
    user_id: str
    wa_id: str
    name: str


@dataclass(frozen=True)
class WebhookMessage:
    id: str
    # The customer: business-scoped user id and/or phone number (``from``).
    from_user_id: str
    from_wa_id: str
    timestamp: datetime
    message_type: str  # a ``Message.Type`` value
    inbound: InboundMessage
    raw: dict
    # ``system`` messages of type user_changed_number: the customer's new number.
    changed_number_to: str = ""


@dataclass(frozen=True)
class WebhookStatus:
    id: str  # the wamid of one of our outbound messages
    status: StatusKind
    timestamp: datetime
    recipient_wa_id: str = ""
    recipient_user_id: str = ""
    errors: tuple[WebhookError, ...] = ()


@dataclass(frozen=True)
class WebhookValue:
    """One ``entry[].changes[].value`` of field ``messages``: events for one phone number."""

    phone_number_id: str
    contacts: tuple[WebhookContact, ...] = ()
    messages: tuple[WebhookMessage, ...] = ()
    statuses: tuple[WebhookStatus, ...] = ()
    errors: tuple[WebhookError, ...] = ()


# --- Entry points ---------------------------------------------------------------


def webhook_body_load(body: bytes) -> dict:
    """Decode a webhook body; ``PayloadInvalid`` unless it is a WhatsApp Business Account object."""
    try:
        data = _sanitise(json.loads(body, parse_constant=_reject_constant))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        # RecursionError: absurdly deep nesting, which no Meta payload has.
        raise PayloadInvalid("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise PayloadInvalid("The body is not a JSON object.")
    if data.get("object") != WEBHOOK_OBJECT:
        raise PayloadInvalid(f"The body is not a {WEBHOOK_OBJECT!r} webhook.")
    return data


def webhook_values_parse(data: dict) -> list[WebhookValue]:
    """Every ``messages`` change of every entry, in payload order."""
    values = []
    for entry in _dicts(data.get("entry")):
        for change in _dicts(entry.get("changes")):
            field_name = _str(change.get("field")) or "messages"
            value = _dict(change.get("value"))
            if field_name != "messages" or not value:
                # Account, template and quality updates are not ours to handle.
                continue
            values.append(_value_parse(value))
    return values


# --- Pieces ---------------------------------------------------------------------


def _value_parse(value: dict) -> WebhookValue:
    metadata = _dict(value.get("metadata"))
    return WebhookValue(
        phone_number_id=_str(metadata.get("phone_number_id")),
        contacts=tuple(_contact_parse(c) for c in _dicts(value.get("contacts"))),
        messages=tuple(m for m in (_message_parse(raw) for raw in _dicts(value.get("messages"))) if m),
        statuses=tuple(s for s in (_status_parse(raw) for raw in _dicts(value.get("statuses"))) if s),
        errors=_errors_parse(value.get("errors")),
    )


def _contact_parse(contact: dict) -> WebhookContact:
    return WebhookContact(
        user_id=_id(contact.get("user_id"), USER_ID_MAX),
        wa_id=_id(contact.get("wa_id"), PHONE_MAX),
        name=_str(_dict(contact.get("profile")).get("name"))[:DISPLAY_NAME_MAX],
    )


def _message_parse(raw: dict) -> WebhookMessage | None:
    message_id = _id(raw.get("id"), CHANNEL_MESSAGE_ID_MAX)
    if not message_id:
        # Without an id a message cannot be stored idempotently; Meta always sends one.
        return None
    channel_type = _str(raw.get("type")) or "unknown"
    timestamp = _timestamp(raw.get("timestamp"))
    inbound, changed_number_to = _inbound_parse(raw, message_id, channel_type, timestamp)
    return WebhookMessage(
        id=message_id,
        from_user_id=_id(raw.get("from_user_id"), USER_ID_MAX),
        from_wa_id=_id(raw.get("from"), PHONE_MAX),
        timestamp=timestamp,
        message_type=_MESSAGE_TYPES.get(channel_type, Message.Type.UNKNOWN),
        inbound=inbound,
        raw=raw,
        changed_number_to=changed_number_to,
    )


def _inbound_parse(
    raw: dict, message_id: str, channel_type: str, timestamp: datetime
) -> tuple[InboundMessage, str]:
    common = {"channel_message_id": message_id, "timestamp": timestamp, "channel_type": channel_type}
    context_id = _str(_dict(raw.get("context")).get("id"))
    extra = {"context_id": context_id} if context_id else {}

    if channel_type == "text":
        text = _str(_dict(raw.get("text")).get("body"))
        return InboundMessage(kind=InboundKind.TEXT, text=text, extra=extra, **common), ""

    if channel_type == "interactive":
        interactive = _dict(raw.get("interactive"))
        reply_type = _str(interactive.get("type"))
        if reply_type in ("button_reply", "list_reply"):
            reply = _dict(interactive.get(reply_type))
            choice_id = _str(reply.get("id"))
            if choice_id:
                return InboundMessage(
                    kind=InboundKind.CHOICE, choice_id=choice_id, choice_title=_str(reply.get("title")),
                    extra={**extra, "interactive_type": reply_type}, **common,
                ), ""
        return InboundMessage(
            kind=InboundKind.UNSUPPORTED, extra={**extra, "interactive_type": reply_type}, **common
        ), ""

    if channel_type == "button":
        # A template's quick-reply button: the payload is the id we gave it.
        button = _dict(raw.get("button"))
        payload, title = _str(button.get("payload")), _str(button.get("text"))
        if payload or title:
            return InboundMessage(
                kind=InboundKind.CHOICE, choice_id=payload or title, choice_title=title, extra=extra, **common
            ), ""

    if channel_type == "location":
        location = _dict(raw.get("location"))
        latitude, longitude = _float(location.get("latitude")), _float(location.get("longitude"))
        if latitude is not None and longitude is not None:
            return InboundMessage(
                kind=InboundKind.LOCATION,
                location=Location(
                    latitude=latitude, longitude=longitude,
                    name=_str(location.get("name")), address=_str(location.get("address")),
                ),
                extra=extra, **common,
            ), ""

    if channel_type in MEDIA_TYPES:
        media = _dict(raw.get(channel_type))
        return InboundMessage(
            kind=InboundKind.MEDIA, media_type=channel_type, media_id=_str(media.get("id")),
            text=_str(media.get("caption")), extra=extra, **common,
        ), ""

    if channel_type == "reaction":
        reaction = _dict(raw.get("reaction"))
        return InboundMessage(
            kind=InboundKind.REACTION, emoji=_str(reaction.get("emoji")),
            reacted_message_id=_str(reaction.get("message_id")), extra=extra, **common,
        ), ""

    changed_number_to = ""
    if channel_type == "system":
        system = _dict(raw.get("system"))
        if _str(system.get("type")) in NUMBER_CHANGE_TYPES:
            # Current payloads name the new number ``wa_id``; older ones ``new_wa_id``.
            changed_number_to = _id(system.get("wa_id"), PHONE_MAX) or _id(system.get("new_wa_id"), PHONE_MAX)
        extra = {**extra, "system_type": _str(system.get("type"))}

    # ``unsupported``, ``system``, unknown types and malformed known ones: kept, answered politely.
    errors = _errors_parse(raw.get("errors"))
    if errors:
        extra = {**extra, "error_code": errors[0].code, "error_title": errors[0].title}
    return InboundMessage(kind=InboundKind.UNSUPPORTED, extra=extra, **common), changed_number_to


def _status_parse(raw: dict) -> WebhookStatus | None:
    wamid = _id(raw.get("id"), CHANNEL_MESSAGE_ID_MAX)
    if not wamid:
        return None
    status = _str(raw.get("status"))
    return WebhookStatus(
        id=wamid,
        status=StatusKind(status) if status in _STATUS_VALUES else StatusKind.UNKNOWN,
        timestamp=_timestamp(raw.get("timestamp")),
        recipient_wa_id=_id(raw.get("recipient_id"), PHONE_MAX),
        recipient_user_id=_id(raw.get("recipient_user_id"), USER_ID_MAX),
        errors=_errors_parse(raw.get("errors")),
    )


def _errors_parse(errors: object) -> tuple[WebhookError, ...]:
    parsed = []
    for error in _dicts(errors):
        code = error.get("code")
        if isinstance(code, bool) or not isinstance(code, int) or abs(code) > ERROR_CODE_MAX:
            code = None
        parsed.append(
            WebhookError(
                code=code,
                title=_str(error.get("title")) or _str(error.get("message")),
                details=_str(_dict(error.get("error_data")).get("details")),
            )
        )
    return tuple(parsed)


# --- Typed getters ----------------------------------------------------------------


def _reject_constant(name: str) -> None:
    # NaN and Infinity are not JSON, and PostgreSQL's jsonb refuses them.
    raise ValueError(f"{name} is not valid JSON")


def _sanitise(value: object) -> object:
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
        return {_sanitise(k): _sanitise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitise(v) for v in value]
    return value


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: object) -> str:
    # Ids sometimes arrive as numbers in hand-made payloads; text never does.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _id(value: object, max_length: int) -> str:
    text = _str(value).strip()
    return text if len(text) <= max_length else ""


def _float(value: object) -> float | None:
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


def _timestamp(value: object) -> datetime:
    """Meta's Unix seconds as an aware UTC datetime; now when missing or nonsense."""
    seconds = _float(value)
    if seconds is not None:
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return timezone.now()
