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

    def phone_number_register(self, *, phone_number_id: str, token: str, pin: str) -> None:
        """Register a number for the Cloud API, setting its two-step verification PIN.

        Meta's "Registration" page: ``POST /<PHONE_NUMBER_ID>/register``. Not for a number
        that stays in the WhatsApp Business app (coexistence): the app keeps it registered.
        """
        self._request(
            "POST", f"{quote(phone_number_id, safe='')}/register", token=token,
            json={"messaging_product": "whatsapp", "pin": pin},
        )

    def app_data_sync_request(self, *, phone_number_id: str, token: str, sync_type: str) -> None:
        """Ask Meta to send a coexistence number's contacts (``smb_app_state_sync``) or its history (``history``).

        Meta's coexistence onboarding: ``POST /<PHONE_NUMBER_ID>/smb_app_data``, within 24
        hours of the number joining; the data then arrives on the webhook.
        """
        self._request(
            "POST", f"{quote(phone_number_id, safe='')}/smb_app_data", token=token,
            json={"messaging_product": "whatsapp", "sync_type": sync_type},
        )

    # --- Business accounts and Embedded Signup ----------------------------------------

    def business_token_exchange(self, *, app_id: str, app_secret: str, code: str) -> str:
        """Trade the code Embedded Signup returned for the business's access token.

        ``GET /oauth/access_token`` authenticates with the app's id and secret, not a bearer.
        """
        data = self._request(
            "GET", "oauth/access_token", token=None,
            params={"client_id": app_id, "client_secret": app_secret, "code": code},
        )
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise GraphPermanentError("Graph API answered no access token", status=200, title="no access token")
        return token

    def business_account_subscribe(self, *, business_account_id: str, token: str) -> None:
        """Subscribe this app to the WhatsApp Business Account's webhooks (``POST /<WABA_ID>/subscribed_apps``)."""
        self._request("POST", f"{quote(business_account_id, safe='')}/subscribed_apps", token=token)

    def business_account_unsubscribe(self, *, business_account_id: str, token: str) -> None:
        """Undo ``business_account_subscribe`` (``DELETE /<WABA_ID>/subscribed_apps``)."""
        self._request("DELETE", f"{quote(business_account_id, safe='')}/subscribed_apps", token=token)

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
