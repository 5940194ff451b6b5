"""An inbound WhatsApp message's media: found in its stored payload, fetched from the Graph API.

WhatsApp's webhook carries only a media id; the bytes are behind a URL that Graph hands
out on request with the tenant's token, and that expires within minutes — so it is
asked for each time the media is fetched, never stored.
"""

from conversations.models import Message
from conversations.payload_fields import as_dict, as_str
from meta.graph import GraphTokenInvalid, MediaDownload
from meta.media import MediaReference
from tenants.models import Tenant
from whatsapp.client import WhatsAppClient
from whatsapp.parsing import MEDIA_TYPES


def whatsapp_media_reference(message: Message) -> MediaReference | None:
    """The media id (and declared type, file name) of a stored inbound media message; None without one."""
    raw = as_dict(as_dict(message.payload).get("message"))
    channel_type = as_str(raw.get("type"))
    if channel_type not in MEDIA_TYPES:
        return None
    media = as_dict(raw.get(channel_type))
    media_id = as_str(media.get("id")).strip()
    if not media_id:
        return None
    return MediaReference(
        locator=media_id, mime_type=as_str(media.get("mime_type")), filename=as_str(media.get("filename")),
    )


def whatsapp_media_fetch(
    *, tenant: Tenant, reference: MediaReference, max_bytes: int, client: WhatsAppClient | None = None
) -> MediaDownload:
    """The media's bytes, with the tenant's own token. Raises ``GraphError`` or ``MediaTooLarge``."""
    token = tenant.whatsapp_access_token
    if not token:
        raise GraphTokenInvalid("The business has no WhatsApp access token", title="no access token")
    return (client or WhatsAppClient()).media_download(media_id=reference.locator, token=token, max_bytes=max_bytes)
