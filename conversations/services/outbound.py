"""The outbox: replies are stored (``queued``) before any channel sends them.

Each channel registers its adapter (``conversations.channels``) from its ``AppConfig.ready``;
the outbox finds it by the row's channel and calls ``adapter.send``, so this module never
imports a channel.
"""

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache, partial

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from common import metrics
from common.log_context import log_context
from common.model_rows import column_field, row_update
from conversations.channels import channel_adapter, channel_adapters
from conversations.models import Message
from conversations.replies import Reply, ReplyType
from conversations.selectors import outbound_messages_queued
from conversations.services.broker import broker_holds_at_least, broker_publish
from conversations.signals import outbound_message_failed
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Sends attempted per outbound row, counting retries and sweeps; then it fails for good.
SEND_MAX_ATTEMPTS = 8
# How long a row whose send was under way when its worker died is left for the channel's
# report to settle (``outbound_send_settle``) before it is sent again. Longer than the
# slowest channel call (connect 3 s + read 15 s) and than the channel's report takes.
SEND_LEASE = timedelta(minutes=2)
# Backoff between attempts: 2 s doubling to at most 5 minutes, each with up to half
# taken off at random so a burst of failures does not retry in lockstep.
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 300
# Queued rows never tried and younger than this are still in the broker.
QUEUED_GRACE = timedelta(minutes=1)
# Rows already tried wait for their task's own retries (whole backoff schedule:
# about 9 minutes); only past this are they considered lost and picked up again.
RETRYING_GRACE = timedelta(minutes=15)

# How many rows one sweep hands on: bounded, so one sweep's queries and publishes stay
# small whatever a broker outage left behind; the next minute's sweep takes the rest.
SWEEP_BATCH = 1000

# Status order of an outbound message; a status webhook only ever moves it forward.
_DELIVERY_RANK: dict[str, int] = {
    Message.Delivery.QUEUED: 0,
    Message.Delivery.SENT: 1,
    Message.Delivery.DELIVERED: 2,
    Message.Delivery.READ: 3,
}
_STATUS_TIME_FIELD: dict[str, str] = {
    Message.Delivery.SENT: "sent_at",
    Message.Delivery.DELIVERED: "delivered_at",
    Message.Delivery.READ: "read_at",
}


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    NOT_SENDABLE = "not_sendable"
    SKIPPED = "skipped"  # gone, or already sent / failed


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    attempts: int = 0
    # A transient error that used up every attempt.
    exhausted: bool = False


def send_retry_delay(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: exponential, capped, with jitter."""
    ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


# Channel ids of the parts already sent, when a long reply needs several messages.
SENT_PARTS_KEY = "sent_part_ids"


def outbound_message_queue(*, inbound: Message, replies: Sequence[Reply]) -> list[Message]:
    """Store the replies to ``inbound`` as queued outbound messages; they are sent, in order,
    once committed (``outbound_replies_send``).

    Call holding the conversation's lock, with ``inbound`` still pending: its replies
    cannot exist yet, so they go in with one INSERT. ``(reply_to, sequence)`` is unique
    all the same: a second set of replies to one message can never be stored.
    """
    queued = Message.objects.bulk_create(
        Message(
            tenant_id=inbound.tenant_id,
            conversation_id=inbound.conversation_id,
            reply_to=inbound,
            sequence=sequence,
            direction=Message.Direction.OUTBOUND,
            channel=inbound.channel,
            type=Message.Type.TEXT if reply.type == ReplyType.TEXT else Message.Type.INTERACTIVE,
            text=reply.text,
            payload=reply.as_dict(),
            delivery_status=Message.Delivery.QUEUED,
        )
        for sequence, reply in enumerate(replies)
    )
    if queued:
        metrics.outbound_messages.labels(channel=inbound.channel, status=Message.Delivery.QUEUED).inc(len(queued))
        # What the send needs is in hand already: the conversation (locked for this message,
        # with its tenant and customer) and when the message answered came in.
        conversation = inbound.conversation
        for message in queued:
            message.conversation, message.tenant = conversation, conversation.tenant
            message.reply_to_received_at = inbound.created_at
        transaction.on_commit(partial(outbound_replies_send, queued, inbound.channel))
    return queued


def outbound_replies_send(messages: Sequence[Message], channel: str) -> None:
    """Send one message's replies in their order, here and now, right after they were committed.

    The worker that wrote the replies sends them: no second trip through the broker,
    and the customer reads them in the order written. At the first one that cannot go
    now (a transient channel error, a bug), it and the rest are handed to the channel's
    task, after the backoff; what a crash interrupts is left queued for the sweep.
    """
    adapter = channel_adapters().get(channel)
    if adapter is None:
        return
    message_ids = [message.pk for message in messages]
    for position, message in enumerate(messages):
        message_id = message.pk
        with log_context(message_id=message_id):
            try:
                result = adapter.send(message_id, loaded=message)
            except Exception:
                logger.exception("Sending outbound message %s failed; handed to the channel's task", message_id)
                outbound_attempt_count(message_id)
                result = SendResult(SendOutcome.RETRY, attempts=1)
        if result.outcome == SendOutcome.RETRY:
            countdown = send_retry_delay(result.attempts)
            for later_id in message_ids[position:]:
                outbound_message_enqueue(later_id, channel, countdown=countdown)
            return


def outbound_message_enqueue(message_id: int, channel: str, *, countdown: float | None = None) -> bool:
    """Hand a queued row to its channel's task; ``False`` (it stays queued for the sweep) when that fails."""
    adapter = channel_adapters().get(channel)
    if adapter is None:
        return False
    return broker_publish(lambda: adapter.enqueue(message_id, countdown), what=f"outbound message {message_id}")


def outbound_queued_enqueue(*, now: datetime | None = None) -> int:
    """Enqueue queued outbound messages older than a minute (missed while the broker was down);
    not while the queue already holds as many tasks (see ``inbound_pending_enqueue``)."""
    rows = _queued_rows(now)
    adapters = channel_adapters()
    tasks = {adapters[channel].send_task for _, channel in rows if channel in adapters}
    if broker_holds_at_least(len(rows), tasks=sorted(task for task in tasks if task)):
        return 0
    return sum(outbound_message_enqueue(message_id, channel) for message_id, channel in rows)


def outbound_queued_send(*, now: datetime | None = None) -> int:
    """Try each queued outbound message once, right here, without the broker.

    Unlike the sweep it does not wait a minute for rows never tried: whoever runs this
    (``manage.py process_pending``) knows the broker let them down. Rows retrying keep
    their backoff. A row also in the broker is still sent once (see ``outbound_message_deliver``).
    """
    attempted = 0
    for message_id, channel in _queued_rows(now, queued_grace=timedelta(0)):
        with log_context(message_id=message_id):
            channel_adapter(channel).send(message_id)
        attempted += 1
    return attempted


def outbound_message_record_sent(*, message: Message, channel_message_id: str | None, now: datetime) -> bool:
    """The channel accepted the message: recorded in one conditional UPDATE, so no lock is
    needed. ``False`` (nothing changed) when the row is no longer queued: the channel's own
    report of this very send settled it first (``outbound_send_settle``)."""
    # Written once (row_update): every reply sent runs it.
    recorded = row_update(
        Message, message.pk, where={"delivery_status": Message.Delivery.QUEUED}, increment=("attempts",),
        channel_message_id=channel_message_id, delivery_status=Message.Delivery.SENT, sent_at=now,
        error_code=None, error_title="", send_started_at=None,
    )
    if not recorded:
        return False
    message.channel_message_id = channel_message_id
    message.delivery_status = Message.Delivery.SENT
    message.sent_at = now
    message.attempts += 1
    message.error_code = None
    message.error_title = ""
    message.send_started_at = None
    metrics.outbound_messages.labels(channel=message.channel, status=Message.Delivery.SENT).inc()
    if message.sequence == 0 and message.reply_to_id:
        # Loaded with the row by the delivery when it can (``reply_to_received_at``), else read.
        received_at = getattr(message, "reply_to_received_at", None) or (
            Message.objects.filter(pk=message.reply_to_id).values_list("created_at", flat=True).first()
        )
        if received_at:
            metrics.first_reply_seconds.labels(channel=message.channel).observe(
                max((now - received_at).total_seconds(), 0.0)
            )
    return True


def outbound_message_record_failure(
    *, message: Message, code: int | None, title: str, final: bool, now: datetime,
    status: str = Message.Delivery.FAILED,
) -> None:
    """Record a failed attempt; ``final`` ends the row's life as ``status`` (failed or not sendable)."""
    message.attempts += 1
    message.error_code = code
    message.error_title = title[:500]
    message.send_started_at = None
    fields = ["attempts", "error_code", "error_title", "send_started_at"]
    if final:
        message.delivery_status = status
        message.failed_at = now
        fields += ["delivery_status", "failed_at"]
        metrics.outbound_messages.labels(channel=message.channel, status=status).inc()
    message.save(update_fields=fields)
    if final and status == Message.Delivery.FAILED:
        # Refused for good or out of retries: a fact for the apps above (staff alerts).
        outbound_message_failed.send(sender=Message, tenant=message.tenant, message=message, now=now)


def outbound_status_apply(
    *, tenant: Tenant, channel: str, channel_message_id: str, status: str, at: datetime,
    error_code: int | None = None, error_title: str = "",
) -> bool:
    """Apply a channel's status report to the tenant's outbound message; only ever forward.

    queued < sent < delivered < read; ``failed`` may follow queued or sent only. A late
    ``delivered`` never overwrites ``read``. One conditional UPDATE, so concurrent
    reports cannot move a row backwards. ``True`` when the row changed.
    """
    if status == Message.Delivery.FAILED:
        allowed_from: list[str] = [Message.Delivery.QUEUED, Message.Delivery.SENT]
        updates = {
            "delivery_status": status, "failed_at": at, "error_code": error_code, "error_title": error_title[:500]
        }
    elif status in _STATUS_TIME_FIELD:
        rank = _DELIVERY_RANK[status]
        allowed_from = [s for s, r in _DELIVERY_RANK.items() if r < rank]
        updates = {"delivery_status": status, _STATUS_TIME_FIELD[status]: at}
    else:
        return False
    changed = _status_update(
        tenant=tenant, channel=channel, channel_message_id=channel_message_id, updates=updates,
        allowed_from=allowed_from,
    )
    if changed:
        metrics.outbound_messages.labels(channel=channel, status=status).inc()
        if status == Message.Delivery.FAILED:
            _failed_announce(tenant=tenant, channel=channel, channel_message_id=channel_message_id, at=at)
    return bool(changed)


def _status_update(
    *, tenant: Tenant, channel: str, channel_message_id: str, updates: dict, allowed_from: list[str]
) -> int:
    """``Message.objects.filter(...).update(**updates)`` for the tenant's outbound row, written as SQL.

    Every status webhook runs it (up to three per message sent), and compiling the
    queryset was about a quarter of such a request's CPU. Each value is prepared by
    its field, as ``update()`` prepares it; how many rows changed.
    """
    fields = tuple(column_field(Message, name) for name in updates)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, updates.values(), strict=True)]
    params += [
        column_field(Message, "tenant").get_db_prep_save(tenant.pk, connection),
        channel, Message.Direction.OUTBOUND, channel_message_id, *allowed_from,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_status_update_sql(tuple(field.column for field in fields), len(allowed_from)), params)
        return cursor.rowcount


@cache
def _status_update_sql(columns: tuple[str, ...], allowed: int) -> str:
    quote = connection.ops.quote_name
    where = [quote(column_field(Message, name).column) + " = %s"
             for name in ("tenant", "channel", "direction", "channel_message_id")]
    where.append(f"{quote(column_field(Message, 'delivery_status').column)} IN ({', '.join(['%s'] * allowed)})")
    sets = ", ".join(f"{quote(column)} = %s" for column in columns)
    # Names from the model's own metadata, quoted; the values go as parameters.
    return f"UPDATE {quote(Message._meta.db_table)} SET {sets} WHERE {' AND '.join(where)}"  # noqa: S608


def _failed_announce(*, tenant: Tenant, channel: str, channel_message_id: str, at: datetime) -> None:
    """The channel reported a message failed after it took it: a fact for the apps above (staff alerts)."""
    message = (
        Message.objects.filter(tenant=tenant, channel=channel, channel_message_id=channel_message_id)
        .select_related("tenant").first()
    )
    if message is not None:
        outbound_message_failed.send(sender=Message, tenant=tenant, message=message, now=at)


def outbound_send_settle(
    *, tenant: Tenant, channel: str, message_id: int, channel_message_id: str, at: datetime
) -> bool:
    """The channel reports a message by our own row id (WhatsApp's ``biz_opaque_callback_data``):
    a row whose send was cut short (its worker died after the channel took it) is recorded
    as sent, with the channel's id, instead of being sent a second time.

    Only the tenant's queued rows with a send under way qualify; ``True`` when one changed.
    """
    changed = Message.objects.filter(
        pk=message_id,
        tenant=tenant,
        channel=channel,
        direction=Message.Direction.OUTBOUND,
        delivery_status=Message.Delivery.QUEUED,
        send_started_at__isnull=False,
    ).update(
        channel_message_id=channel_message_id, delivery_status=Message.Delivery.SENT, sent_at=at,
        send_started_at=None, attempts=F("attempts") + 1, error_code=None, error_title="",
    )
    if changed:
        metrics.outbound_messages.labels(channel=channel, status=Message.Delivery.SENT).inc()
        # Unusual (a worker died mid-send): worth a line at the default level.
        logger.warning("Outbound message %s, cut short mid-send, settled as sent by the channel's report", message_id)
    return bool(changed)


def outbound_send_parts_settle(
    *, tenant: Tenant, channel: str, message_id: int, parts_sent: int, channel_message_id: str
) -> bool:
    """The channel reports part ``parts_sent`` of a reply sent in several messages: the parts
    are sent in order, so it and every part before it were accepted. A row whose send was
    cut short records them, and its next send starts with the part after.

    Only the tenant's queued rows with a send under way qualify; ``True`` when one changed.
    """
    rows = Message.objects.filter(
        pk=message_id, tenant=tenant, channel=channel, direction=Message.Direction.OUTBOUND,
        delivery_status=Message.Delivery.QUEUED, send_started_at__isnull=False,
    )
    # On the webhook's path for every status of an earlier part, and almost always the row
    # was sent long ago: one read decides, no transaction unless there is something to settle.
    if not rows.exists():
        return False
    with transaction.atomic():
        message = rows.select_for_update().only("payload").first()
        payload = message.payload if message is not None and isinstance(message.payload, dict) else None
        known = list(payload.get(SENT_PARTS_KEY) or []) if payload is not None else []
        if message is None or payload is None or len(known) >= parts_sent:
            return False
        # The ids of the earlier parts are unknown (their statuses come on their own); their
        # count is what a resend skips.
        known += [None] * (parts_sent - 1 - len(known)) + [channel_message_id]
        message.payload = {**payload, SENT_PARTS_KEY: known}
        message.save(update_fields=["payload"])
    logger.warning(
        "Outbound message %s, cut short mid-send, has its first %s parts settled by the channel's report",
        message_id, parts_sent,
    )
    return True


def outbound_attempt_count(message_id: int) -> None:
    """Count an attempt that ended in an unexpected exception (the sweep stops after the limit)."""
    Message.objects.filter(pk=message_id).update(attempts=F("attempts") + 1)


def _queued_rows(now: datetime | None, queued_grace: timedelta = QUEUED_GRACE) -> list[tuple[int, str]]:
    now = now or timezone.now()
    rows = outbound_messages_queued(
        queued_before=now - queued_grace, retrying_before=now - RETRYING_GRACE,
        channels=channel_adapters(), max_attempts=SEND_MAX_ATTEMPTS,
    )
    # Bounded per sweep; the next sweep, a minute later, takes the rest.
    return list(rows.values_list("id", "channel")[:SWEEP_BATCH])
