"""Inbound media on the conversation page: what each message shows, and its bytes through Lyo.

Staff's browsers only ever talk to Lyo: the photo, voice note, video, document or
sticker is fetched server-side from the channel with the tenant's own token (which
never reaches the browser), kept in ``MessageMedia`` up to ``LYO_MEDIA_MAX_BYTES``,
and served from there (Meta's media URLs expire).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from conversations.models import Message, MessageMedia
from conversations.payload_fields import as_dict, as_float, as_str
from conversations.services.media import message_media_cached, message_media_store
from customers.models import Channel
from instagram.services.media import instagram_media_fetch, instagram_media_reference
from meta.graph import GraphError, GraphTokenInvalid, MediaTooLarge
from meta.media import MediaReference
from tenants.models import Tenant
from whatsapp.services.media import whatsapp_media_fetch, whatsapp_media_reference

# Message types whose bytes live with the channel and come through the media proxy.
FETCHED_TYPES = frozenset({
    Message.Type.IMAGE, Message.Type.AUDIO, Message.Type.VIDEO, Message.Type.DOCUMENT, Message.Type.STICKER,
})
# What a type may be shown inline as; anything else is offered as a download.
INLINE_PREFIXES: dict[str, str] = {
    Message.Type.IMAGE: "image/", Message.Type.STICKER: "image/",
    Message.Type.AUDIO: "audio/", Message.Type.VIDEO: "video/",
}
# Images a browser could run script from when opened on their own.
UNSAFE_INLINE = frozenset({"image/svg+xml"})
# Meta's "Graph API error codes": 100 is what it answers for a media id it no longer has.
GRAPH_NO_SUCH_OBJECT = 100
FILENAME_MAX = 120


class MediaUnavailable(Exception):
    """The channel could not give the media: ``status`` for the page (404 gone, 502 the channel's trouble)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class MediaTooLargeToKeep(Exception):
    """Bigger than ``LYO_MEDIA_MAX_BYTES``: not downloaded; staff open it on the phone."""


@dataclass(frozen=True)
class MessageMediaView:
    """What a message's bubble shows besides its text."""

    kind: str  # a ``Message.Type`` value
    filename: str = ""
    latitude: float | None = None
    longitude: float | None = None
    place_name: str = ""
    address: str = ""
    emoji: str = ""
    reacted_text: str = ""

    @property
    def map_url(self) -> str:
        """OpenStreetMap at the spot: a plain link, nothing is loaded from there."""
        if self.latitude is None or self.longitude is None:
            return ""
        query = urlencode({"mlat": f"{self.latitude:.6f}", "mlon": f"{self.longitude:.6f}"})
        return f"https://www.openstreetmap.org/?{query}#map=17/{self.latitude:.6f}/{self.longitude:.6f}"


def message_media_reference(message: Message) -> MediaReference | None:
    """Where the channel keeps ``message``'s media; None for a message without any."""
    if message.direction != Message.Direction.INBOUND or message.type not in FETCHED_TYPES:
        return None
    if message.channel == Channel.WHATSAPP:
        return whatsapp_media_reference(message)
    if message.channel == Channel.INSTAGRAM:
        return instagram_media_reference(message)
    return None  # Chatwoot and the test chat bring no media of their own


def message_media_view(message: Message, reacted_text: str = "") -> MessageMediaView | None:
    """The bubble's media, location or reaction; None for a plain text (or outbound) message."""
    if message.direction != Message.Direction.INBOUND:
        return None
    inbound = as_dict(as_dict(message.payload).get("inbound"))
    if message.type in FETCHED_TYPES:
        reference = message_media_reference(message)
        if reference is None:
            return None  # blanked by retention, or a payload without the media id
        return MessageMediaView(kind=message.type, filename=safe_filename(reference.filename))
    if message.type == Message.Type.LOCATION:
        location = as_dict(inbound.get("location"))
        latitude, longitude = as_float(location.get("latitude")), as_float(location.get("longitude"))
        if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        return MessageMediaView(
            kind=message.type, latitude=latitude, longitude=longitude,
            place_name=as_str(location.get("name")), address=as_str(location.get("address")),
        )
    if message.type == Message.Type.REACTION:
        return MessageMediaView(kind=message.type, emoji=as_str(inbound.get("emoji")), reacted_text=reacted_text)
    return None


def reacted_message_id(message: Message) -> str:
    """The channel id of the message a reaction is about ("" for anything else)."""
    if message.type != Message.Type.REACTION:
        return ""
    return as_str(as_dict(as_dict(message.payload).get("inbound")).get("reacted_message_id"))


def conversation_media_load(*, tenant: Tenant, message: Message, now: datetime) -> MessageMedia:
    """``message``'s media: the copy kept, else fetched from the channel now and kept.

    Call with a message of ``tenant`` that has media (``message_media_reference``).
    Raises ``MediaUnavailable`` or ``MediaTooLargeToKeep``.
    """
    cached = message_media_cached(message=message)
    if cached is not None:
        return cached
    reference = message_media_reference(message)
    if reference is None:
        raise MediaUnavailable(404, _("This message has no media."))
    max_bytes = settings.LYO_MEDIA_MAX_BYTES
    try:
        if message.channel == Channel.WHATSAPP:
            download = whatsapp_media_fetch(tenant=tenant, reference=reference, max_bytes=max_bytes)
        else:
            download = instagram_media_fetch(reference=reference, max_bytes=max_bytes)
    except MediaTooLarge as exc:
        raise MediaTooLargeToKeep(str(exc)) from exc
    except GraphTokenInvalid as exc:
        raise MediaUnavailable(502, _("The business's access token is missing or was refused: "
                                      "the media cannot be fetched until a new one is set.")) from exc
    except GraphError as exc:
        if exc.status == 404 or exc.code == GRAPH_NO_SUCH_OBJECT:
            raise MediaUnavailable(404, _("This media is no longer available from the channel.")) from exc
        raise MediaUnavailable(502, _("The channel did not deliver the media just now; try again later.")) from exc
    mime_type = download.mime_type or reference.mime_type.split(";")[0].strip().lower() or "application/octet-stream"
    return message_media_store(message=message, content=download.content, mime_type=mime_type, now=now)


def media_inline(message: Message, mime_type: str) -> bool:
    """Shown in the page (photo, sticker, voice note, video of its own kind), rather than downloaded."""
    prefix = INLINE_PREFIXES.get(message.type)
    return prefix is not None and mime_type.startswith(prefix) and mime_type not in UNSAFE_INLINE


def safe_filename(name: str) -> str:
    """A customer's file name fit for a download header: no path, no control characters, not too long."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    return name[:FILENAME_MAX]
