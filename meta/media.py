"""What a Meta channel's stored message says about its media attachment.

Each channel reads its own payload (``whatsapp.services.media``,
``instagram.services.media``) into a ``MediaReference``; the conversation page shows
and fetches the media from it without knowing the payload's shape.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaReference:
    # Where the channel keeps the bytes: WhatsApp's media id, or the CDN URL of an Instagram attachment.
    locator: str
    # As the message declared it (WhatsApp does; Instagram does not): may be empty.
    mime_type: str = ""
    # Documents only, as the customer's phone named the file: untrusted, may be empty.
    filename: str = ""
