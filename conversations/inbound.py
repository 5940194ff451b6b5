"""The normalised inbound message every channel produces and the assistant reads.

Channels (WhatsApp, Instagram, Chatwoot, the test chat) parse their own payloads
into ``InboundMessage``; nothing downstream knows which channel it came from.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class InboundKind(StrEnum):
    TEXT = "text"
    # The customer tapped a reply button, a list row or a template quick-reply button.
    CHOICE = "choice"
    LOCATION = "location"
    MEDIA = "media"  # image, audio, video, document, sticker
    REACTION = "reaction"
    UNSUPPORTED = "unsupported"  # anything else: stored, answered politely, never a crash


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class InboundMessage:
    kind: InboundKind
    channel_message_id: str
    timestamp: datetime
    text: str = ""
    # For CHOICE: the id we gave the option (e.g. "slot:2026-11-28T20:00") and its title.
    choice_id: str = ""
    choice_title: str = ""
    location: Location | None = None
    # For MEDIA: "image", "audio", "video", "document" or "sticker"; caption goes in ``text``.
    media_type: str = ""
    media_id: str = ""
    # For REACTION: the emoji and the message reacted to.
    emoji: str = ""
    reacted_message_id: str = ""
    # The channel's original type name ("interactive", "button", "unsupported", ...).
    channel_type: str = ""
    extra: dict = field(default_factory=dict)
