"""A small typed client for the WhatsApp Cloud API, on the shared Graph transport (``meta.graph``).

Every call uses the tenant's own phone number id and token and raises a
``meta.graph.GraphError`` that says whether trying again may help.
"""

import logging
from collections.abc import Sequence
from urllib.parse import quote

from meta.graph import GraphClient, GraphPermanentError, MediaDownload, MediaTooLarge

logger = logging.getLogger(__name__)


class WhatsAppClient(GraphClient):
    """The Cloud API's messages and phone-number endpoints."""

    # --- Messages ---------------------------------------------------------------------

    def message_send(self, *, phone_number_id: str, token: str, body: dict) -> str | None:
        """POST a prepared message body (see ``whatsapp.rendering``); the new message's wamid."""
        data = self._request("POST", f"{quote(phone_number_id, safe='')}/messages", token=token, json=body)
        messages = data.get("messages") if isinstance(data, dict) else None
        if isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id"):
            return str(messages[0]["id"])
        # Accepted without an id: it was sent; trying again would send it twice.
        logger.warning("Graph API accepted a message without returning its id")
        return None

    # --- Phone numbers ----------------------------------------------------------------

    def phone_number_get(
        self, phone_number_id: str, token: str,
        fields: Sequence[str] = ("display_phone_number", "verified_name", "quality_rating"),
    ) -> dict:
        """The phone number as Meta knows it: proves the id and token belong together."""
        data = self._request(
            "GET", quote(phone_number_id, safe=""), token=token, params={"fields": ",".join(fields)}
        )
        return data if isinstance(data, dict) else {}

    # --- Media ------------------------------------------------------------------------

    def media_download(self, *, media_id: str, token: str, max_bytes: int) -> MediaDownload:
        """An inbound message's media: ask Graph for its (short-lived) URL, then fetch it with the same token.

        Meta's "Media" reference: GET /<media_id> answers ``url``, ``mime_type``, ``file_size``
        and ``sha256``; the URL answers the bytes only with the bearer token. A declared size
        over ``max_bytes`` raises ``MediaTooLarge`` before anything is downloaded.
        """
        data = self._request("GET", quote(media_id, safe=""), token=token)
        data = data if isinstance(data, dict) else {}
        url = data.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GraphPermanentError("Graph API answered no media URL", status=404, title="no media URL")
        size = data.get("file_size")
        if isinstance(size, int) and not isinstance(size, bool) and size > max_bytes:
            raise MediaTooLarge(size)
        download = self._download(url, token=token, max_bytes=max_bytes)
        mime_type = data.get("mime_type")
        if isinstance(mime_type, str) and mime_type:
            # Graph's own answer describes the file better than the CDN's generic Content-Type.
            return MediaDownload(content=download.content, mime_type=mime_type.split(";")[0].strip().lower())
        return download
