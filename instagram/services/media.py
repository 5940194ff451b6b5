"""An inbound Instagram attachment: its CDN URL in the stored payload, fetched server-side.

Staff's browsers never load it from Instagram's CDN themselves: the page loads
nothing from another host, and the URL expires.
"""

from urllib.parse import urlsplit

from django.conf import settings

from conversations.models import Message
from conversations.payload_fields import as_dict, as_dicts, as_str
from instagram.client import InstagramClient
from meta.graph import GraphPermanentError, MediaDownload
from meta.media import MediaReference

ATTACHMENT_TYPES = ("image", "video", "audio", "file")


def instagram_media_reference(message: Message) -> MediaReference | None:
    """The CDN URL of a stored inbound attachment; None without one."""
    event = as_dict(as_dict(message.payload).get("message"))
    attachments = as_dicts(as_dict(event.get("message")).get("attachments"))
    if not attachments or as_str(attachments[0].get("type")) not in ATTACHMENT_TYPES:
        return None
    url = as_str(as_dict(attachments[0].get("payload")).get("url")).strip()
    return MediaReference(locator=url) if url and _url_allowed(url) else None


def instagram_media_fetch(
    *, reference: MediaReference, max_bytes: int, client: InstagramClient | None = None
) -> MediaDownload:
    """The attachment's bytes. Raises ``GraphError`` or ``MediaTooLarge``."""
    if not _url_allowed(reference.locator):
        raise GraphPermanentError("Not an Instagram CDN URL", status=404, title="not an attachment URL")
    return (client or InstagramClient()).attachment_download(url=reference.locator, max_bytes=max_bytes)


def _url_allowed(url: str) -> bool:
    """HTTPS only, or the configured Graph root itself (a local stand-in in tests and staging).

    The URL comes from a webhook; this keeps the server from being pointed at plain-HTTP
    hosts of the internal network.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    allowed = {urlsplit(base).netloc for base in (settings.GRAPH_API_BASE, settings.INSTAGRAM_GRAPH_API_BASE)}
    return parts.scheme == "http" and parts.netloc in allowed
