"""Sending Instagram direct messages through the Graph API.

The shared Graph transport (``meta.graph.GraphClient``) has what a Meta call needs (pooled
session, timeouts, bearer token, the error hierarchy with ``transient``); this adds
Instagram's send endpoint and Instagram's own throttling codes. Reference: Meta's
"Instagram Messaging — Send API" and "Graph API error codes".
"""

import logging

from django.conf import settings

from meta.graph import GraphClient, GraphPermanentError, GraphTransientError, MediaDownload

logger = logging.getLogger(__name__)

# Throttling codes Instagram messaging answers besides the ones every Graph call may
# (1, 2, 4, 429 and 5xx, handled by ``graph_error_for``): 17 user request limit,
# 32 page request limit, 613 calls per hour exceeded, 80002 Instagram rate limit,
# 80006 Messenger platform rate limit.
TRANSIENT_CODES = frozenset({17, 32, 613, 80002, 80006})

# ``me`` is the account the token belongs to: the Instagram account with an Instagram
# user token (graph.instagram.com), or the Facebook Page linked to it with a Page token
# (graph.facebook.com). Either way the tenant's own token decides who sends.
SEND_PATH = "me/messages"


class InstagramClient(GraphClient):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("base_url", settings.INSTAGRAM_GRAPH_API_BASE)
        super().__init__(**kwargs)

    def direct_message_send(self, *, token: str, body: dict) -> str | None:
        """POST a prepared body (see ``instagram.rendering``); the new message's mid."""
        try:
            data = self._request("POST", SEND_PATH, token=token, json=body)
        except GraphPermanentError as error:
            if error.code in TRANSIENT_CODES:
                raise GraphTransientError(
                    str(error), status=error.status, code=error.code, title=error.title
                ) from error
            raise
        message_id = data.get("message_id") if isinstance(data, dict) else None
        if message_id:
            return str(message_id)
        # Accepted without an id: it was sent; trying again would send it twice.
        logger.warning("Instagram accepted a message without returning its id")
        return None

    def attachment_download(self, *, url: str, max_bytes: int) -> MediaDownload:
        """An attachment's bytes from the CDN URL its webhook carried (no token: the CDN needs none)."""
        return self._download(url, token=None, max_bytes=max_bytes)
