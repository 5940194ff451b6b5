"""WhatsApp Cloud API webhook payloads parsed into small frozen dataclasses.

Meta's payloads are untrusted input: any field may be missing, of another JSON type,
or a value we have never seen. Every read here goes through a typed getter, so a
surprising payload yields empty values or ``unknown`` — never an exception. Shapes:
Meta's "Webhooks components" and "Messages webhook" reference pages.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from conversations.inbound import InboundKind, InboundMessage, Location
from conversations.models import Message
from conversations.payload_fields import (
    CHANNEL_MESSAGE_ID_MAX,
    DISPLAY_NAME_MAX,
    PHONE_MAX,
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

WEBHOOK_OBJECT = "whatsapp_business_account"

# Meta error codes fit comfortably in 32 bits; anything bigger is noise.
ERROR_CODE_MAX = 2**31 - 1
# Meta's limit for biz_opaque_callback_data.
CALLBACK_DATA_MAX = 512

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
    # What we sent as ``biz_opaque_callback_data``, echoed by Meta.
    callback_data: str = ""


@dataclass(frozen=True)
class WebhookValue:
    """One ``entry[].changes[].value`` of field ``messages``: events for one phone number."""

    phone_number_id: str
    contacts: tuple[WebhookContact, ...] = ()
    messages: tuple[WebhookMessage, ...] = ()
    statuses: tuple[WebhookStatus, ...] = ()
    errors: tuple[WebhookError, ...] = ()
    # Messages and statuses refused for a number JSON cannot carry (NaN, Infinity, 1e400).
    rejected: int = 0


@dataclass(frozen=True)
class WebhookEcho:
    """One ``message_echoes[]`` of field ``smb_message_echoes``: the owner wrote from the Business app.

    ``edit_of`` / ``revoke_of``: the wamid of the app message an edit or a revoke changes.
    """

    id: str
    to_wa_id: str
    to_user_id: str
    timestamp: datetime
    message_type: str  # a ``Message.Type`` value
    text: str
    raw: dict
    edit_of: str = ""
    revoke_of: str = ""


@dataclass(frozen=True)
class WebhookEchoes:
    phone_number_id: str
    echoes: tuple[WebhookEcho, ...] = ()


@dataclass(frozen=True)
class WebhookAppContact:
    """One ``state_sync[]`` of field ``smb_app_state_sync``: a contact in the owner's Business app."""

    wa_id: str
    name: str
    removed: bool


@dataclass(frozen=True)
class WebhookHistoryMessage:
    id: str
    timestamp: datetime
    message_type: str  # a ``Message.Type`` value
    text: str
    from_business: bool  # the owner wrote it in the app; else the customer did
    raw: dict


@dataclass(frozen=True)
class WebhookHistoryThread:
    """One chat of the history the Business app shares on onboarding: the customer's number and messages."""

    wa_id: str
    messages: tuple[WebhookHistoryMessage, ...]


@dataclass(frozen=True)
class WebhookAppSync:
    """The ``smb_app_state_sync`` and ``history`` changes for one phone number."""

    phone_number_id: str
    contacts: tuple[WebhookAppContact, ...] = ()
    threads: tuple[WebhookHistoryThread, ...] = ()


# --- Entry points ---------------------------------------------------------------


def webhook_body_load(body: bytes) -> dict:
    """Decode a webhook body; ``PayloadInvalid`` unless it is a WhatsApp Business Account object."""
    try:
        data = sanitise(meta_json_load(body))
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
    for entry in as_dicts(data.get("entry")):
        for change in as_dicts(entry.get("changes")):
            field_name = as_str(change.get("field")) or "messages"
            value = as_dict(change.get("value"))
            if field_name != "messages" or not value:
                # Account, template and quality updates are not ours to handle.
                continue
            values.append(_value_parse(value))
    return values


def webhook_echoes_parse(data: dict) -> list[WebhookEchoes]:
    """Every ``smb_message_echoes`` change of every entry, in payload order."""
    values = []
    for entry in as_dicts(data.get("entry")):
        for change in as_dicts(entry.get("changes")):
            value = as_dict(change.get("value"))
            if as_str(change.get("field")) != "smb_message_echoes" or not value:
                continue
            metadata = as_dict(value.get("metadata"))
            raws = [raw for raw in as_dicts(value.get("message_echoes")) if not holds_non_finite(raw)]
            values.append(WebhookEchoes(
                phone_number_id=as_str(metadata.get("phone_number_id")),
                echoes=tuple(e for e in (_echo_parse(raw) for raw in raws) if e),
            ))
    return values


def webhook_app_syncs_parse(data: dict) -> list[WebhookAppSync]:
    """Every ``smb_app_state_sync`` (contacts) and ``history`` change of every entry, in payload order."""
    values = []
    for entry in as_dicts(data.get("entry")):
        for change in as_dicts(entry.get("changes")):
            field_name, value = as_str(change.get("field")), as_dict(change.get("value"))
            if field_name not in ("smb_app_state_sync", "history") or not value or holds_non_finite(value):
                continue
            metadata = as_dict(value.get("metadata"))
            business = as_id(metadata.get("display_phone_number"), PHONE_MAX)
            contacts, threads = [], []
            for sync in as_dicts(value.get("state_sync")):
                contact = as_dict(sync.get("contact"))
                wa_id = as_id(contact.get("phone_number"), PHONE_MAX).lstrip("+")
                if as_str(sync.get("type")) == "contact" and wa_id:
                    name = as_str(contact.get("full_name")) or as_str(contact.get("first_name"))
                    contacts.append(WebhookAppContact(
                        wa_id=wa_id, name=name[:DISPLAY_NAME_MAX], removed=as_str(sync.get("action")) == "remove",
                    ))
            for chunk in as_dicts(value.get("history")):
                for thread in as_dicts(chunk.get("threads")):
                    wa_id = as_id(thread.get("id"), PHONE_MAX)
                    if wa_id:
                        parsed = (_history_message_parse(raw, business) for raw in as_dicts(thread.get("messages")))
                        threads.append(WebhookHistoryThread(wa_id=wa_id, messages=tuple(m for m in parsed if m)))
            values.append(WebhookAppSync(
                phone_number_id=as_str(metadata.get("phone_number_id")), contacts=tuple(contacts),
                threads=tuple(threads),
            ))
    return values


# --- Pieces ---------------------------------------------------------------------


def _value_parse(value: dict) -> WebhookValue:
    metadata = as_dict(value.get("metadata"))
    # One event holding a non-finite number is refused alone: its raw form could not be
    # stored, and the customers whose messages came in the same delivery still get theirs.
    raw_messages, raw_statuses = as_dicts(value.get("messages")), as_dicts(value.get("statuses"))
    sound_messages = [raw for raw in raw_messages if not holds_non_finite(raw)]
    sound_statuses = [raw for raw in raw_statuses if not holds_non_finite(raw)]
    return WebhookValue(
        phone_number_id=as_str(metadata.get("phone_number_id")),
        contacts=tuple(_contact_parse(c) for c in as_dicts(value.get("contacts"))),
        messages=tuple(m for m in (_message_parse(raw) for raw in sound_messages) if m),
        statuses=tuple(s for s in (_status_parse(raw) for raw in sound_statuses) if s),
        errors=_errors_parse(value.get("errors")),
        rejected=len(raw_messages) - len(sound_messages) + len(raw_statuses) - len(sound_statuses),
    )


def _contact_parse(contact: dict) -> WebhookContact:
    return WebhookContact(
        user_id=as_id(contact.get("user_id"), USER_ID_MAX),
        wa_id=as_id(contact.get("wa_id"), PHONE_MAX),
        name=as_str(as_dict(contact.get("profile")).get("name"))[:DISPLAY_NAME_MAX],
    )


def _message_parse(raw: dict) -> WebhookMessage | None:
    message_id = as_id(raw.get("id"), CHANNEL_MESSAGE_ID_MAX)
    if not message_id:
        # Without an id a message cannot be stored idempotently; Meta always sends one.
        return None
    channel_type = as_str(raw.get("type")) or "unknown"
    timestamp = unix_timestamp(raw.get("timestamp"))
    inbound, changed_number_to = _inbound_parse(raw, message_id, channel_type, timestamp)
    return WebhookMessage(
        id=message_id,
        from_user_id=as_id(raw.get("from_user_id"), USER_ID_MAX),
        from_wa_id=as_id(raw.get("from"), PHONE_MAX),
        timestamp=timestamp,
        message_type=_MESSAGE_TYPES.get(channel_type, Message.Type.UNKNOWN),
        inbound=inbound,
        raw=raw,
        changed_number_to=changed_number_to,
    )


def _inbound_parse(
    raw: dict, message_id: str, channel_type: str, timestamp: datetime
) -> tuple[InboundMessage, str]:
    common: dict[str, Any] = {"channel_message_id": message_id, "timestamp": timestamp, "channel_type": channel_type}
    context_id = as_str(as_dict(raw.get("context")).get("id"))
    extra: dict[str, object] = {"context_id": context_id} if context_id else {}

    if channel_type == "text":
        text = as_str(as_dict(raw.get("text")).get("body"))
        return InboundMessage(kind=InboundKind.TEXT, text=text, extra=extra, **common), ""

    if channel_type == "interactive":
        interactive = as_dict(raw.get("interactive"))
        reply_type = as_str(interactive.get("type"))
        if reply_type in ("button_reply", "list_reply"):
            reply = as_dict(interactive.get(reply_type))
            choice_id = as_str(reply.get("id"))
            if choice_id:
                return InboundMessage(
                    kind=InboundKind.CHOICE, choice_id=choice_id, choice_title=as_str(reply.get("title")),
                    extra={**extra, "interactive_type": reply_type}, **common,
                ), ""
        return InboundMessage(
            kind=InboundKind.UNSUPPORTED, extra={**extra, "interactive_type": reply_type}, **common
        ), ""

    if channel_type == "button":
        # A template's quick-reply button: the payload is the id we gave it.
        button = as_dict(raw.get("button"))
        payload, title = as_str(button.get("payload")), as_str(button.get("text"))
        if payload or title:
            return InboundMessage(
                kind=InboundKind.CHOICE, choice_id=payload or title, choice_title=title, extra=extra, **common
            ), ""

    if channel_type == "location":
        location = as_dict(raw.get("location"))
        latitude, longitude = as_float(location.get("latitude")), as_float(location.get("longitude"))
        if latitude is not None and longitude is not None:
            return InboundMessage(
                kind=InboundKind.LOCATION,
                location=Location(
                    latitude=latitude, longitude=longitude,
                    name=as_str(location.get("name")), address=as_str(location.get("address")),
                ),
                extra=extra, **common,
            ), ""

    if channel_type in MEDIA_TYPES:
        media = as_dict(raw.get(channel_type))
        return InboundMessage(
            kind=InboundKind.MEDIA, media_type=channel_type, media_id=as_str(media.get("id")),
            text=as_str(media.get("caption")), extra=extra, **common,
        ), ""

    if channel_type == "reaction":
        reaction = as_dict(raw.get("reaction"))
        return InboundMessage(
            kind=InboundKind.REACTION, emoji=as_str(reaction.get("emoji")),
            reacted_message_id=as_str(reaction.get("message_id")), extra=extra, **common,
        ), ""

    changed_number_to = ""
    if channel_type == "system":
        system = as_dict(raw.get("system"))
        if as_str(system.get("type")) in NUMBER_CHANGE_TYPES:
            # Current payloads name the new number ``wa_id``; older ones ``new_wa_id``.
            changed_number_to = as_id(system.get("wa_id"), PHONE_MAX) or as_id(system.get("new_wa_id"), PHONE_MAX)
        extra = {**extra, "system_type": as_str(system.get("type"))}

    # ``unsupported``, ``system``, unknown types and malformed known ones: kept, answered politely.
    errors = _errors_parse(raw.get("errors"))
    if errors:
        extra = {**extra, "error_code": errors[0].code, "error_title": errors[0].title}
    return InboundMessage(kind=InboundKind.UNSUPPORTED, extra=extra, **common), changed_number_to


def _echo_parse(raw: dict) -> WebhookEcho | None:
    message_id = as_id(raw.get("id"), CHANNEL_MESSAGE_ID_MAX)
    if not message_id:
        return None
    channel_type = as_str(raw.get("type")) or "unknown"
    edit_of = revoke_of = ""
    body = raw
    if channel_type == "edit":
        edit = as_dict(raw.get("edit"))
        edit_of = as_id(edit.get("original_message_id"), CHANNEL_MESSAGE_ID_MAX)
        body = as_dict(edit.get("message"))
        channel_type = as_str(body.get("type")) or "text"
    elif channel_type == "revoke":
        revoke_of = as_id(as_dict(raw.get("revoke")).get("original_message_id"), CHANNEL_MESSAGE_ID_MAX)
    if channel_type == "text":
        text = as_str(as_dict(body.get("text")).get("body"))
    elif channel_type in MEDIA_TYPES:
        text = as_str(as_dict(body.get(channel_type)).get("caption"))
    else:
        text = ""
    return WebhookEcho(
        id=message_id,
        to_wa_id=as_id(raw.get("to"), PHONE_MAX),
        to_user_id=as_id(raw.get("to_user_id"), USER_ID_MAX),
        timestamp=unix_timestamp(raw.get("timestamp")),
        message_type=_MESSAGE_TYPES.get(channel_type, Message.Type.UNKNOWN),
        text=text,
        raw=raw,
        edit_of=edit_of,
        revoke_of=revoke_of,
    )


def _history_message_parse(raw: dict, business: str) -> WebhookHistoryMessage | None:
    message_id = as_id(raw.get("id"), CHANNEL_MESSAGE_ID_MAX)
    if not message_id:
        return None
    channel_type = as_str(raw.get("type")) or "unknown"
    if channel_type == "text":
        text = as_str(as_dict(raw.get("text")).get("body"))
    elif channel_type in MEDIA_TYPES:
        text = as_str(as_dict(raw.get(channel_type)).get("caption"))
    else:
        text = ""
    return WebhookHistoryMessage(
        id=message_id, timestamp=unix_timestamp(raw.get("timestamp")),
        message_type=_MESSAGE_TYPES.get(channel_type, Message.Type.UNKNOWN), text=text,
        from_business=bool(business) and as_id(raw.get("from"), PHONE_MAX) == business, raw=raw,
    )


def _status_parse(raw: dict) -> WebhookStatus | None:
    wamid = as_id(raw.get("id"), CHANNEL_MESSAGE_ID_MAX)
    if not wamid:
        return None
    status = as_str(raw.get("status"))
    return WebhookStatus(
        id=wamid,
        status=StatusKind(status) if status in _STATUS_VALUES else StatusKind.UNKNOWN,
        timestamp=unix_timestamp(raw.get("timestamp")),
        recipient_wa_id=as_id(raw.get("recipient_id"), PHONE_MAX),
        recipient_user_id=as_id(raw.get("recipient_user_id"), USER_ID_MAX),
        errors=_errors_parse(raw.get("errors")),
        callback_data=as_id(raw.get("biz_opaque_callback_data"), CALLBACK_DATA_MAX),
    )


def _errors_parse(errors: object) -> tuple[WebhookError, ...]:
    parsed = []
    for error in as_dicts(errors):
        code = error.get("code")
        if isinstance(code, bool) or not isinstance(code, int) or abs(code) > ERROR_CODE_MAX:
            code = None
        parsed.append(
            WebhookError(
                code=code,
                title=as_str(error.get("title")) or as_str(error.get("message")),
                details=as_str(as_dict(error.get("error_data")).get("details")),
            )
        )
    return tuple(parsed)
