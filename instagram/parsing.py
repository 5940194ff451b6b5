"""Instagram messaging webhook payloads parsed into small frozen dataclasses.

Shapes: Meta's "Instagram messaging webhooks" (``object: instagram``, events in
``entry[].messaging[]``; timestamps in milliseconds). Like WhatsApp's payloads these
are untrusted: every read goes through the WhatsApp parser's typed getters, so a
surprising payload yields empty values or ``unsupported`` — never an exception.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from conversations.inbound import InboundKind, InboundMessage
from conversations.models import Message
from conversations.payload_fields import (
    CHANNEL_MESSAGE_ID_MAX,
    USER_ID_MAX,
    as_dict,
    as_dicts,
    as_float,
    as_id,
    as_str,
    sanitise,
    unix_timestamp,
)
from meta.payload_json import holds_non_finite, meta_json_load

WEBHOOK_OBJECT = "instagram"

# Instagram attachment types as the message types staff see; the rest (shares,
# story mentions, reels, posts) are kept and answered as unsupported.
_ATTACHMENT_TYPES = {
    "image": (Message.Type.IMAGE, "image"),
    "video": (Message.Type.VIDEO, "video"),
    "audio": (Message.Type.AUDIO, "audio"),
    "file": (Message.Type.DOCUMENT, "document"),
}


class PayloadInvalid(ValueError):
    """The body is not JSON, or not an Instagram webhook."""


class ReceiptKind(StrEnum):
    DELIVERED = "delivered"
    READ = "read"


@dataclass(frozen=True)
class InstagramMessage:
    """Something the customer sent: a message, a quick-reply tap, a postback or a reaction."""

    id: str  # the mid (or, for events without one, an id derived from sender and time)
    sender_id: str  # the customer's Instagram-scoped id (IGSID)
    timestamp: datetime
    message_type: str  # a ``Message.Type`` value
    inbound: InboundMessage
    raw: dict  # the whole ``messaging[]`` event, kept for staff


@dataclass(frozen=True)
class InstagramReceipt:
    """The customer's app received or read our messages."""

    kind: ReceiptKind
    mids: tuple[str, ...]
    timestamp: datetime


@dataclass(frozen=True)
class InstagramEntry:
    """One ``entry[]``: events for one Instagram professional account."""

    account_id: str
    messages: tuple[InstagramMessage, ...] = ()
    receipts: tuple[InstagramReceipt, ...] = ()
    # Our own messages (and staff's, from the Instagram app) coming back: never answered.
    echoes: int = 0
    # Deletions, referrals, opt-ins, handover and unknown events: nothing to do.
    ignored: int = 0
    # Events refused for a number JSON cannot carry (NaN, Infinity, 1e400).
    rejected: int = 0


# --- Entry points ---------------------------------------------------------------


def webhook_body_load(body: bytes) -> dict:
    """Decode a webhook body; ``PayloadInvalid`` unless it is an Instagram object."""
    try:
        data = sanitise(meta_json_load(body))
    except (ValueError, RecursionError) as exc:
        raise PayloadInvalid("The body is not valid JSON.") from exc
    if not isinstance(data, dict) or data.get("object") != WEBHOOK_OBJECT:
        raise PayloadInvalid(f"The body is not an {WEBHOOK_OBJECT!r} webhook object.")
    return data


def webhook_entries_parse(data: dict) -> list[InstagramEntry]:
    """Every entry with its messaging events, in payload order."""
    return [_entry_parse(entry) for entry in as_dicts(data.get("entry"))]


# --- Pieces ---------------------------------------------------------------------


def _entry_parse(entry: dict) -> InstagramEntry:
    account_id = as_id(entry.get("id"), USER_ID_MAX)
    messages, receipts, echoes, ignored, rejected = [], [], 0, 0, 0
    for event in as_dicts(entry.get("messaging")):
        if holds_non_finite(event):
            # Its raw form could not be stored; the entry's other events still are.
            rejected += 1
            continue
        message = as_dict(event.get("message"))
        if message.get("is_echo") is True:
            echoes += 1
            continue
        # Events without an account id in the entry still name it as their recipient.
        account_id = account_id or as_id(as_dict(event.get("recipient")).get("id"), USER_ID_MAX)
        parsed = _message_parse(event) or _receipt_parse(event)
        if isinstance(parsed, InstagramMessage):
            messages.append(parsed)
        elif isinstance(parsed, InstagramReceipt):
            receipts.append(parsed)
        else:
            ignored += 1
    return InstagramEntry(
        account_id=account_id, messages=tuple(messages), receipts=tuple(receipts), echoes=echoes, ignored=ignored,
        rejected=rejected,
    )


def _message_parse(event: dict) -> InstagramMessage | None:
    sender_id = as_id(as_dict(event.get("sender")).get("id"), USER_ID_MAX)
    if not sender_id:
        return None
    timestamp = _milliseconds(event.get("timestamp"))
    if isinstance(event.get("message"), dict):
        return _customer_message_parse(event["message"], sender_id, timestamp, event)
    if isinstance(event.get("postback"), dict):
        return _postback_parse(event["postback"], sender_id, timestamp, event)
    if isinstance(event.get("reaction"), dict):
        return _reaction_parse(event["reaction"], sender_id, timestamp, event)
    return None


def _customer_message_parse(
    message: dict, sender_id: str, timestamp: datetime, event: dict
) -> InstagramMessage | None:
    mid = as_id(message.get("mid"), CHANNEL_MESSAGE_ID_MAX)
    if not mid or message.get("is_deleted") is True:
        # Without a mid it cannot be stored idempotently; an unsent message needs no answer.
        return None
    common: dict[str, Any] = {"channel_message_id": mid, "timestamp": timestamp}
    text = as_str(message.get("text"))
    reply_to = as_str(as_dict(message.get("reply_to")).get("mid"))
    extra = {"reply_to": reply_to} if reply_to else {}
    payload = as_str(as_dict(message.get("quick_reply")).get("payload"))
    attachments = as_dicts(message.get("attachments"))
    attachment_type = as_str(attachments[0].get("type")) if attachments else ""

    if payload:
        # A quick reply we offered: the payload is the option's id, the text its title.
        inbound = InboundMessage(
            kind=InboundKind.CHOICE, choice_id=payload, choice_title=text, channel_type="quick_reply",
            extra=extra, **common,
        )
        message_type = Message.Type.INTERACTIVE
    elif message.get("is_unsupported") is True:
        inbound = InboundMessage(kind=InboundKind.UNSUPPORTED, channel_type="unsupported", extra=extra, **common)
        message_type = Message.Type.UNSUPPORTED
    elif attachment_type in _ATTACHMENT_TYPES:
        message_type, media_type = _ATTACHMENT_TYPES[attachment_type]
        inbound = InboundMessage(
            kind=InboundKind.MEDIA, media_type=media_type, text=text, channel_type=attachment_type,
            extra=extra, **common,
        )
    elif attachment_type:
        inbound = InboundMessage(
            kind=InboundKind.UNSUPPORTED, text=text, channel_type=attachment_type, extra=extra, **common
        )
        message_type = Message.Type.UNSUPPORTED
    elif text:
        inbound = InboundMessage(kind=InboundKind.TEXT, text=text, channel_type="text", extra=extra, **common)
        message_type = Message.Type.TEXT
    else:
        inbound = InboundMessage(kind=InboundKind.UNSUPPORTED, channel_type="unknown", extra=extra, **common)
        message_type = Message.Type.UNKNOWN
    return InstagramMessage(mid, sender_id, timestamp, message_type, inbound, event)


def _postback_parse(postback: dict, sender_id: str, timestamp: datetime, event: dict) -> InstagramMessage | None:
    payload, title = as_str(postback.get("payload")), as_str(postback.get("title"))
    if not payload and not title:
        return None
    # Postbacks normally carry a mid; a redelivery of one without it has the same sender and time.
    mid = as_id(postback.get("mid"), CHANNEL_MESSAGE_ID_MAX) or _derived_id("postback", sender_id, timestamp)
    inbound = InboundMessage(
        kind=InboundKind.CHOICE, channel_message_id=mid, timestamp=timestamp, choice_id=payload or title,
        choice_title=title, channel_type="postback",
    )
    return InstagramMessage(mid, sender_id, timestamp, Message.Type.INTERACTIVE, inbound, event)


def _reaction_parse(reaction: dict, sender_id: str, timestamp: datetime, event: dict) -> InstagramMessage | None:
    if as_str(reaction.get("action")) != "react":
        return None  # an "unreact" needs nothing
    mid = _derived_id("reaction", sender_id, timestamp)
    inbound = InboundMessage(
        kind=InboundKind.REACTION, channel_message_id=mid, timestamp=timestamp,
        emoji=as_str(reaction.get("emoji")) or as_str(reaction.get("reaction")),
        reacted_message_id=as_str(reaction.get("mid")), channel_type="reaction",
    )
    return InstagramMessage(mid, sender_id, timestamp, Message.Type.REACTION, inbound, event)


def _receipt_parse(event: dict) -> InstagramReceipt | None:
    timestamp = _milliseconds(event.get("timestamp"))
    read = as_dict(event.get("read"))
    if read:
        mid = as_id(read.get("mid"), CHANNEL_MESSAGE_ID_MAX)
        return InstagramReceipt(ReceiptKind.READ, (mid,), timestamp) if mid else None
    delivery = as_dict(event.get("delivery"))
    mids = delivery.get("mids")
    mids = tuple(m for m in (as_id(v, CHANNEL_MESSAGE_ID_MAX) for v in mids) if m) if isinstance(mids, list) else ()
    return InstagramReceipt(ReceiptKind.DELIVERED, mids, timestamp) if mids else None


def _derived_id(kind: str, sender_id: str, timestamp: datetime) -> str:
    return f"ig.{kind}.{sender_id}.{int(timestamp.timestamp() * 1000)}"


def _milliseconds(value: object) -> datetime:
    """Instagram's Unix milliseconds as an aware UTC datetime; now when missing or nonsense."""
    milliseconds = as_float(value)
    return unix_timestamp(milliseconds / 1000 if milliseconds is not None else None)
