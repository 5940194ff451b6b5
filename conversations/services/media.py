"""The conversation page's copy of inbound media (``MessageMedia``)."""

import hashlib
from datetime import datetime

from django.db import IntegrityError, transaction

from conversations.models import Message, MessageMedia


def message_media_cached(*, message: Message) -> MessageMedia | None:
    return MessageMedia.objects.filter(tenant_id=message.tenant_id, message=message).first()


def message_media_store(*, message: Message, content: bytes, mime_type: str, now: datetime) -> MessageMedia:
    """Keep the bytes fetched for ``message``; the copy already there when two requests fetched at once."""
    try:
        with transaction.atomic():
            return MessageMedia.objects.create(
                tenant_id=message.tenant_id, message=message, mime_type=mime_type[:128], size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), content=content, fetched_at=now,
            )
    except IntegrityError:
        # The one-to-one on the message: another request stored it first; both fetched the same file.
        return MessageMedia.objects.get(tenant_id=message.tenant_id, message=message)
