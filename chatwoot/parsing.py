"""Chatwoot agent-bot webhook payloads parsed into small frozen dataclasses.

Shapes: Chatwoot's agent-bot events — ``message_created`` / ``message_updated``
carry a message with its ``sender``, ``inbox``, ``account`` and ``conversation``;
``conversation_opened`` / ``conversation_resolved`` / ``conversation_status_changed``
carry the conversation itself (``id``, ``status``, ``inbox_id``). Untrusted input:
every read goes through the WhatsApp parser's typed getters, and what we do not act
on becomes an ``ignored`` event with its reason — never an exception.
"""

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from conversations.inbound import InboundKind, InboundMessage, Location
from conversations.models import Message
from conversations.payload_fields import (
    DISPLAY_NAME_MAX,
    USER_ID_MAX,
    as_dict,
    as_dicts,
    as_float,
    as_id,
    as_str,
    json_constant_reject,
    sanitise,
    unix_timestamp,
)

# Chatwoot ids are database integers; anything longer is not one.
ID_MAX = 20
# Conversation statuses: ``pending`` is the bot's, ``open`` people's.
STATUSES = frozenset({"open", "pending", "resolved", "snoozed"})
_STATUS_EVENTS = {"conversation_opened": "open", "conversation_resolved": "resolved"}
# Chatwoot sends message types as names, or as their enum numbers in some versions.
_MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
_ATTACHMENT_TYPES = {
    "image": (Message.Type.IMAGE, "image"),
    "audio": (Message.Type.AUDIO, "audio"),
    "video": (Message.Type.VIDEO, "video"),
    "file": (Message.Type.DOCUMENT, "document"),
}


# Where a raw body names its account, read before anything is parsed (so before the
# signature is checked): ``"account": {"id": 1`` in message events (Chatwoot writes
# the id first), ``"account_id": 1`` in conversation events. Bounded repetitions: a
# linear scan of a body no larger than CHATWOOT_WEBHOOK_BODY_MAX_BYTES.
_ACCOUNT_HINTS = (
    re.compile(rb'"account"\s{0,16}:\s{0,16}\{\s{0,16}"id"\s{0,16}:\s{0,16}([0-9]{1,20})\b'),
    re.compile(rb'"account_id"\s{0,16}:\s{0,16}([0-9]{1,20})\b'),
)


class PayloadInvalid(ValueError):
    """The body is not a JSON object."""


def webhook_account_hint(body: bytes) -> int | None:
    """The account id a raw body names, if it says so plainly; ``None`` otherwise. Parses no JSON.

    Only narrows which connections' secrets to try: the signature then decides, and
    the parsed event's account is checked again after (``_foreign_reason``).
    """
    for pattern in _ACCOUNT_HINTS:
        match = pattern.search(body)
        if match:
            return int(match.group(1))
    return None


def _finite_float(text: str) -> float:
    # ``1e400`` is valid JSON that Python reads as infinity, which PostgreSQL's jsonb refuses.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


class EventKind(StrEnum):
    MESSAGE = "message"  # a customer wrote: the assistant may answer
    STATUS = "status"  # the conversation's status changed in Chatwoot
    IGNORED = "ignored"


@dataclass(frozen=True)
class ChatwootEvent:
    kind: EventKind
    name: str  # Chatwoot's event name
    account_id: int | None = None
    inbox_id: int | None = None
    conversation_id: str = ""
    # MESSAGE: the contact who wrote, and what they wrote.
    contact_id: str = ""
    contact_name: str = ""
    message_type: str = ""  # a ``Message.Type`` value
    inbound: InboundMessage | None = None
    # STATUS: open, pending, resolved or snoozed.
    status: str = ""
    reason: str = ""  # IGNORED: why
    raw: dict | None = None


def webhook_body_load(body: bytes) -> dict:
    """Decode a webhook body; ``PayloadInvalid`` unless it is a JSON object."""
    try:
        data = sanitise(json.loads(body, parse_constant=json_constant_reject, parse_float=_finite_float))
    except (ValueError, RecursionError) as exc:
        raise PayloadInvalid("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise PayloadInvalid("The body is not a JSON object.")
    return data


def webhook_route_ids(data: dict) -> tuple[int | None, int | None]:
    """The account and inbox an event belongs to, as far as it says (for finding its tenant)."""
    conversation = as_dict(data.get("conversation"))
    messages = as_dicts(data.get("messages"))
    account_id = _int(as_dict(data.get("account")).get("id"))
    if account_id is None:
        account_id = _int(data.get("account_id")) or (_int(messages[0].get("account_id")) if messages else None)
    inbox_id = _int(as_dict(data.get("inbox")).get("id"))
    if inbox_id is None:
        inbox_id = _int(conversation.get("inbox_id")) or _int(data.get("inbox_id"))
    return account_id, inbox_id


def webhook_event_parse(data: dict) -> ChatwootEvent:
    name = as_str(data.get("event"))
    account_id, inbox_id = webhook_route_ids(data)
    common: dict[str, Any] = {"name": name, "account_id": account_id, "inbox_id": inbox_id, "raw": data}
    if name == "message_created":
        return _message_parse(data, common)
    if name in _STATUS_EVENTS or name == "conversation_status_changed":
        status = as_str(data.get("status")) if name == "conversation_status_changed" else _STATUS_EVENTS[name]
        conversation_id = as_id(data.get("id"), ID_MAX)
        if status not in STATUSES or not conversation_id:
            return ChatwootEvent(EventKind.IGNORED, reason="status event without a known status or id", **common)
        return ChatwootEvent(EventKind.STATUS, conversation_id=conversation_id, status=status, **common)
    # message_updated (edits, our own messages' delivery), webwidget_triggered, ...
    return ChatwootEvent(EventKind.IGNORED, reason=f"event {name!r} needs no answer", **common)


def _message_parse(data: dict, common: dict) -> ChatwootEvent:
    message_type = data.get("message_type")
    message_type = _MESSAGE_TYPES.get(message_type, "") if isinstance(message_type, int) else as_str(message_type)
    sender = as_dict(data.get("sender"))
    if message_type != "incoming":
        # Our own replies, agents' messages, activity notes: the assistant answers customers only.
        return ChatwootEvent(EventKind.IGNORED, reason=f"{message_type or 'unknown'} message", **common)
    if data.get("private") is not False and data.get("private") is not None:
        return ChatwootEvent(EventKind.IGNORED, reason="private note", **common)
    if as_str(sender.get("type")) not in ("contact", ""):
        return ChatwootEvent(EventKind.IGNORED, reason=f"sent by a {as_str(sender.get('type'))}", **common)
    message_id = as_id(data.get("id"), ID_MAX)
    contact_id = as_id(sender.get("id"), USER_ID_MAX)
    conversation_id = as_id(as_dict(data.get("conversation")).get("id"), ID_MAX)
    if not message_id or not contact_id or not conversation_id:
        return ChatwootEvent(EventKind.IGNORED, reason="message without its id, sender or conversation", **common)
    inbound, message_type = _inbound_parse(data, message_id)
    return ChatwootEvent(
        EventKind.MESSAGE, conversation_id=conversation_id, contact_id=contact_id,
        contact_name=as_str(sender.get("name"))[:DISPLAY_NAME_MAX], message_type=message_type, inbound=inbound,
        **common,
    )


def _inbound_parse(data: dict, message_id: str) -> tuple[InboundMessage, str]:
    # The message id alone is only unique within one Chatwoot installation; the caller
    # stores it under the tenant's namespace (``chatwoot.services.inbound``).
    common: dict[str, Any] = {"channel_message_id": message_id, "timestamp": _created_at(data.get("created_at"))}
    text = as_str(data.get("content"))
    attachments = as_dicts(data.get("attachments"))
    attachment = attachments[0] if attachments else {}
    file_type = as_str(attachment.get("file_type"))
    if file_type in _ATTACHMENT_TYPES:
        message_type, media_type = _ATTACHMENT_TYPES[file_type]
        return InboundMessage(
            kind=InboundKind.MEDIA, media_type=media_type, media_id=as_str(attachment.get("id")), text=text,
            channel_type=file_type, **common,
        ), message_type
    if file_type == "location":
        latitude, longitude = as_float(attachment.get("coordinates_lat")), as_float(attachment.get("coordinates_long"))
        if latitude is not None and longitude is not None:
            location = Location(latitude, longitude, name=as_str(attachment.get("fallback_title")))
            return InboundMessage(
                kind=InboundKind.LOCATION, location=location, channel_type="location", **common
            ), Message.Type.LOCATION
    if text and not file_type:
        return InboundMessage(kind=InboundKind.TEXT, text=text, channel_type="text", **common), Message.Type.TEXT
    return InboundMessage(
        kind=InboundKind.UNSUPPORTED, text=text, channel_type=file_type or "unknown", **common
    ), Message.Type.UNSUPPORTED


def _created_at(value: object) -> datetime:
    """Chatwoot's ``created_at``: ISO 8601 text or Unix seconds; now when missing or nonsense."""
    if isinstance(value, str) and not value.strip().lstrip("-").replace(".", "", 1).isdigit():
        try:
            moment = datetime.fromisoformat(value.strip())
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        except (ValueError, OverflowError):
            return unix_timestamp(None)
    return unix_timestamp(value)


def _int(value: object) -> int | None:
    text = as_id(value, ID_MAX)
    return int(text) if text.isdigit() else None
