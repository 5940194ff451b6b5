"""Delivering one queued outbound message through its channel: what every channel's adapter shares.

A channel's adapter (``conversations.channels.ChannelAdapter``) says how a stored reply
becomes its messages (``render``) and how one is sent (``post``); this module does the
bookkeeping around them. The row is locked for the whole send, so a second task for
the same row (a retry, the sweep, a redelivered task) waits, then finds it sent and
does nothing. A reply that needs several channel messages remembers the parts already
accepted, so a retry never sends them twice. The adapter says what a refusal means
(``refusal``): a transient one is retried, any other ends the row.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import Task, current_app
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from common import metrics
from common.log_context import log_context, log_context_bind
from common.model_rows import row_update
from conversations.channels import ChannelAdapter, ChannelRefusal, RefusalKind, RenderedReply, ReplyNotSendable
from conversations.models import Conversation, Message
from conversations.replies import Reply
from conversations.selectors import outbound_message_lock
from conversations.services.outbound import (
    SEND_LEASE,
    SEND_MAX_ATTEMPTS,
    SENT_PARTS_KEY,
    SendOutcome,
    SendResult,
    outbound_attempt_count,
    outbound_message_record_failure,
    outbound_message_record_sent,
    send_retry_delay,
)
from tenants.scoping import tenant_scope_enter

logger = logging.getLogger(__name__)

# Meta's customer service window, on WhatsApp and Instagram alike: free-form messages are
# delivered only within 24 hours of the customer's last message; after it, WhatsApp takes
# only approved templates, and Instagram nothing we send (its tags are for other uses).
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


def outbound_message_deliver(
    *, adapter: ChannelAdapter, message_id: int, loaded: Message | None = None
) -> SendResult:
    """Send one queued outbound message of ``adapter``'s channel and record the channel's id or the error.

    ``adapter.render`` is called with the row's tenant, conversation and customer loaded
    (``message.tenant``, ``message.conversation.customer``), holding the row (its lock,
    or its lease); it raises ``ReplyNotSendable`` when the reply cannot go out. Each
    body then goes to ``adapter.post``; what it raises, ``adapter.refusal`` classifies.

    The channel is called outside any transaction, with ``send_started_at`` committed on
    the row first: a worker killed after the channel accepted the message leaves that
    mark instead of a row that looks never tried, so the message is not simply sent
    again. Until ``SEND_LEASE`` has passed the row is left alone; the channel's own
    report can settle it meanwhile (``outbound_send_settle``); after it, nobody took
    the message and it is sent again.

    ``loaded``: the row as the worker that has just written it holds it, with its tenant,
    conversation and customer. It is claimed with one conditional UPDATE (queued and
    never tried) instead of being read again under a lock.
    """
    now = timezone.now()
    channel = adapter.channel
    if loaded is not None:
        message = _claimed(loaded, channel, now)
        if message is None:
            return SendResult(SendOutcome.SKIPPED)
        log_context_bind(tenant_id=message.tenant_id, conversation_id=message.conversation_id)
        tenant_scope_enter(message.tenant_id)
        # No transaction: the lease keeps other senders off, and what ``render`` may write
        # (the template it turns into) is one statement.
        try:
            rendered = _rendered_or_refused(message, adapter, now)
        except Exception:
            # Nothing reached the channel: give the claim back, so the retry need not wait out the lease.
            Message.objects.filter(pk=message.pk, send_started_at=now).update(send_started_at=None)
            raise
    else:
        with transaction.atomic():
            message = outbound_message_lock(message_id=message_id, channel=channel)
            if message is None or message.delivery_status != Message.Delivery.QUEUED:
                return SendResult(SendOutcome.SKIPPED)
            if message.send_started_at is not None and now - message.send_started_at < SEND_LEASE:
                # Another worker is sending it right now, or died doing so.
                return SendResult(SendOutcome.SKIPPED, attempts=message.attempts)
            log_context_bind(tenant_id=message.tenant_id, conversation_id=message.conversation_id)
            tenant_scope_enter(message.tenant_id)
            rendered = _rendered_or_refused(message, adapter, now)
            if isinstance(rendered, RenderedReply):
                message.send_started_at = now
                message.save(update_fields=["send_started_at"])
    if isinstance(rendered, SendResult):
        return rendered

    sent_ids = list(message.payload.get(SENT_PARTS_KEY, []))
    try:
        for body in rendered.bodies[len(sent_ids):]:
            sent_ids.append(adapter.post(rendered, body))
    except Exception as error:
        kind = adapter.refusal(error)
        if kind is None:
            raise  # not the channel refusing: a bug, for the caller (the task counts the attempt)
        with transaction.atomic():
            message = outbound_message_lock(message_id=message_id, channel=channel) or message
            if message.delivery_status != Message.Delivery.QUEUED:
                return SendResult(SendOutcome.SKIPPED, attempts=message.attempts)
            if sent_ids:
                # The parts already accepted are never sent again by a retry.
                message.payload = {**message.payload, SENT_PARTS_KEY: sent_ids}
                message.save(update_fields=["payload"])
            return _failure_record(
                message=message, adapter=adapter, rendered=rendered, error=error, kind=kind, now=now
            )

    # One conditional UPDATE; a no-op when the channel's report of this send came first.
    outbound_message_record_sent(message=message, channel_message_id=sent_ids[-1], now=now)
    return SendResult(SendOutcome.SENT, attempts=message.attempts)


def _claimed(message: Message, channel: str, now: datetime) -> Message | None:
    """``message`` with its send lease taken, if it is still queued and nobody has tried it."""
    claimed = row_update(Message, message.pk, where={
        "channel": channel, "direction": Message.Direction.OUTBOUND, "delivery_status": Message.Delivery.QUEUED,
        "send_started_at": None,
    }, send_started_at=now)
    if not claimed:
        return None
    message.send_started_at = now
    return message


def _rendered_or_refused(message: Message, adapter: ChannelAdapter, now: datetime) -> RenderedReply | SendResult:
    """The channel's bodies for ``message``, or the result of recording it as not sendable."""
    try:
        try:
            reply = Reply.from_dict(message.payload)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            logger.exception("Outbound message %s has an unreadable reply", message.pk)
            raise ReplyNotSendable("The stored reply cannot be read.") from exc
        rendered = adapter.render(message, reply)
        if not rendered.bodies:
            raise ReplyNotSendable("The reply is empty.")
    except ReplyNotSendable as problem:
        outbound_message_record_failure(
            message=message, code=None, title=str(problem), final=True, now=now,
            status=Message.Delivery.NOT_SENDABLE,
        )
        logger.warning("Outbound message %s not sendable: %s", message.pk, problem)
        return SendResult(SendOutcome.NOT_SENDABLE, attempts=message.attempts)
    return rendered


def outbound_send_task_enqueue(task: str, message_id: int, countdown: float | None = None) -> object:
    """Publish a channel's send task for one row, at once or after ``countdown`` seconds.

    By the task's registered name: a channel's adapter and its tasks module (which calls
    the adapter) do not import each other. The channel's ``AppConfig.ready`` imports the
    tasks, so the name is known in every process that publishes it, the web server too;
    the registered task's ``apply_async`` honours the in-process mode (Celery's ``send_task`` would not).
    """
    return current_app.tasks[task].apply_async(
        (message_id,), countdown=countdown  # type: ignore[arg-type]  # None: no delay (the stubs say float)
    )


def outbound_send_task_run(task: Task, *, message_id: int, send: Callable[[int], SendResult], name: str) -> None:
    """The body of a channel's send task: transient errors retry with backoff (bounded on the row)."""
    with log_context(message_id=message_id):
        try:
            result = send(message_id)
        except Exception:
            # A bug, not the channel: count the attempt so the sweep gives up after the limit.
            outbound_attempt_count(message_id)
            metrics.task_failures.labels(task=name).inc()
            raise
        if result.outcome == SendOutcome.RETRY:
            metrics.task_retries.labels(task=name).inc()
            raise task.retry(countdown=send_retry_delay(result.attempts))
        if result.exhausted:
            metrics.task_failures.labels(task=name).inc()


def _failure_record(
    *, message: Message, adapter: ChannelAdapter, rendered: RenderedReply, error: Exception, kind: RefusalKind,
    now: datetime,
) -> SendResult:
    if kind == RefusalKind.TOKEN_INVALID:
        adapter.token_refused(rendered)
    transient = kind == RefusalKind.TRANSIENT
    exhausted = transient and message.attempts + 1 >= SEND_MAX_ATTEMPTS
    final = not transient or exhausted
    code, title = (error.code, error.title) if isinstance(error, ChannelRefusal) else (None, str(error))
    outbound_message_record_failure(message=message, code=code, title=title, final=final, now=now)
    logger.warning(
        "Sending outbound message %s failed (%s, attempt %s): %s",
        message.pk, "gives up" if final else "will retry", message.attempts, error,
    )
    outcome = SendOutcome.FAILED if final else SendOutcome.RETRY
    return SendResult(outcome, attempts=message.attempts, exhausted=exhausted)


def customer_window_open(*, conversation: Conversation, now: datetime) -> bool:
    """Is the customer's 24-hour window open: did they write on this conversation in the last 24 hours?"""
    last = conversation.last_inbound_at
    if last is None or now - last >= CUSTOMER_SERVICE_WINDOW:
        # A message stored but not handled yet (it is what the reply answers) counts too;
        # Meta's timestamp is when the customer wrote, which is what the window runs from.
        stored = Message.objects.filter(conversation=conversation, direction=Message.Direction.INBOUND).aggregate(
            last=Max(Coalesce("channel_timestamp", "created_at"))
        )["last"]
        last = max(filter(None, (last, stored)), default=None)
    return last is not None and now - last < CUSTOMER_SERVICE_WINDOW
