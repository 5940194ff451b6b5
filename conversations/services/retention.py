"""Messages are not kept for ever: after ``LYO_MESSAGE_RETENTION_DAYS`` their text and
the channel's payload (which carries the phone number and profile name) are blanked.

The rows themselves stay: replies point at the message they answer (``reply_to``),
delivery statuses and the dedup of redelivered webhooks (``channel_message_id``) rely
on them, and the counts in the statistics stay right. Bookings are not touched. The
copies of photos, voice notes and documents kept for the conversation page
(``MessageMedia``) go with the payload they came from.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from conversations.models import Message, MessageMedia

logger = logging.getLogger(__name__)

RETENTION_BATCH_SIZE = 1000


@dataclass(frozen=True)
class RetentionApplied:
    batches: int = 0
    messages: int = 0
    media: int = 0


def messages_retention_apply(
    *, now: datetime, batch_size: int = RETENTION_BATCH_SIZE, days: int | None = None
) -> RetentionApplied:
    """Blank the text and payload of every message older than ``days`` (the setting by default).

    In batches of ``batch_size`` rows by id, each its own short transaction, so a
    year's backlog never holds one long lock nor one huge transaction. Idempotent: a
    message already blank is not selected again, so a second run changes nothing.
    """
    days = settings.LYO_MESSAGE_RETENTION_DAYS if days is None else days
    if days <= 0:
        return RetentionApplied()
    cutoff = now - timedelta(days=days)
    batches = blanked = 0
    last_id = 0
    while True:
        with transaction.atomic():
            ids = list(
                Message.objects.filter(created_at__lt=cutoff, pk__gt=last_id)
                .exclude(text="", payload={})
                .order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            blanked += Message.objects.filter(pk__in=ids).update(text="", payload={})
        batches += 1
        last_id = ids[-1]
    # The media copies of every message past the cutoff, blanked now or earlier (a copy
    # fetched just before its payload was blanked must not outlive the period either).
    media = 0
    while True:
        with transaction.atomic():
            media_ids = list(
                MessageMedia.objects.filter(message__created_at__lt=cutoff)
                .order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not media_ids:
                break
            media += MessageMedia.objects.filter(pk__in=media_ids).delete()[0]
    if blanked:
        logger.info("Message retention: %s message(s) older than %s days blanked in %s batch(es)",
                    blanked, days, batches)
    return RetentionApplied(batches=batches, messages=blanked, media=media)
