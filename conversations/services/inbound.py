"""Inbound messages: stored durably before the webhook answers, then handled one conversation at a time.

An inbound ``Message.payload`` holds ``{"message": <the channel's payload>,
"inbound": <the normalised InboundMessage>}``: the first for staff and debugging,
the second is what the assistant is given when the message is processed.
"""

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from common import metrics
from common.log_context import log_context, log_context_bind
from common.model_rows import ModelInsert, row_update
from conversations.assistant.engine import assistant_handle
from conversations.inbound import InboundKind, InboundMessage, Location
from conversations.models import Conversation, Message
from conversations.selectors import (
    conversation_inbound_pending,
    conversation_lock_for_message,
    inbound_messages_pending,
)
from conversations.services.broker import broker_holds_at_least, broker_publish, task_queue_name
from conversations.services.handoff import conversation_needs_person_announce, handoff_mirror
from conversations.services.inbound_queue import conversation_task_publish, inbound_coalescing_on
from conversations.services.outbound import SWEEP_BATCH, outbound_message_queue
from conversations.services.reply_budget import ReplySuppressed, reply_budget_check
from customers.models import Customer
from tenants.models import Language, Tenant
from tenants.scoping import tenant_scope_enter

logger = logging.getLogger(__name__)

# A message whose handling raised this many times is marked failed and skipped, so
# one poisonous message cannot stall its conversation for ever.
PROCESS_MAX_ATTEMPTS = 3
# Pending messages younger than this are still on their way through the broker.
PENDING_GRACE = timedelta(minutes=1)
_LANGUAGES = frozenset(Language.values)


@dataclass(frozen=True)
class ProcessResult:
    processed: int = 0
    # A message raised and has attempts left: the caller should try again later.
    retry: bool = False
    attempts: int = 0


# Every inbound message is one such INSERT: written once, not compiled per message (common/model_rows.py).
_MESSAGE_INSERT = ModelInsert(Message)


def inbound_message_record(
    *,
    tenant: Tenant,
    customer: Customer,
    conversation: Conversation,
    inbound: InboundMessage,
    message_type: str,
    channel_payload: dict,
    needs_reply: bool = True,
) -> Message | None:
    """Store an inbound message; ``None`` when its channel message id was stored before.

    Processing is enqueued once the row is committed (at the end of the caller's
    transaction, if any), so the task never looks for a row that is not there yet.
    ``needs_reply=False`` stores it as already processed (system notices the assistant
    does not answer).
    """
    channel = conversation.channel
    # No "seen before?" query first: the unique constraint answers that in the same round
    # trip as the insert (a redelivery is the rare case).
    message = Message(
        tenant=tenant,
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        channel=channel,
        channel_message_id=inbound.channel_message_id,
        type=message_type,
        text=inbound.text or inbound.choice_title or inbound.emoji,
        payload={"message": channel_payload, "inbound": inbound_message_as_dict(inbound)},
        processing_status=Message.Processing.PENDING if needs_reply else Message.Processing.PROCESSED,
        processed_at=None if needs_reply else timezone.now(),
        channel_timestamp=inbound.timestamp,
    )
    try:
        if transaction.get_connection().in_atomic_block:
            # A savepoint, so a duplicate leaves the caller's transaction usable.
            with transaction.atomic():
                _MESSAGE_INSERT.insert(message)
        else:
            # Outside a transaction the INSERT is one on its own: no savepoint round trips.
            _MESSAGE_INSERT.insert(message)
    except IntegrityError:
        # The same delivery is being stored by a concurrent request (uniq_message_channel_message_id).
        return None
    metrics.inbound_messages.labels(channel=channel, type=message_type).inc()
    if needs_reply:
        transaction.on_commit(partial(inbound_message_enqueue, message.pk, conversation_id=conversation.pk))
    return message


@dataclass(frozen=True)
class InboundRecord:
    """One message for ``inbound_messages_record_bulk``: what ``inbound_message_record`` takes."""

    conversation: Conversation
    inbound: InboundMessage
    message_type: str
    channel_payload: dict
    needs_reply: bool = True


def inbound_messages_record_bulk(*, tenant: Tenant, records: list[InboundRecord]) -> list[Message]:
    """Store many inbound messages in one multi-row INSERT, each enqueued once it is committed.

    For a large webhook batch, where one INSERT per message kept the request busy for
    a minute. Call inside a transaction with channel message ids not stored before (the
    caller read them); one stored meanwhile by a concurrent request raises
    ``IntegrityError`` for the whole INSERT, and the caller stores one at a time instead.
    """
    now = timezone.now()
    rows = [
        Message(
            tenant=tenant,
            conversation=record.conversation,
            direction=Message.Direction.INBOUND,
            channel=record.conversation.channel,
            channel_message_id=record.inbound.channel_message_id,
            type=record.message_type,
            text=record.inbound.text or record.inbound.choice_title or record.inbound.emoji,
            payload={"message": record.channel_payload, "inbound": inbound_message_as_dict(record.inbound)},
            processing_status=Message.Processing.PENDING if record.needs_reply else Message.Processing.PROCESSED,
            processed_at=None if record.needs_reply else now,
            channel_timestamp=record.inbound.timestamp,
        )
        for record in records
    ]
    messages = Message.objects.bulk_create(rows)
    for message, record in zip(messages, records, strict=True):
        metrics.inbound_messages.labels(channel=message.channel, type=message.type).inc()
        if record.needs_reply:
            transaction.on_commit(
                partial(inbound_message_enqueue, message.pk, conversation_id=record.conversation.pk)
            )
    return messages


# The Celery task that processes an inbound message. It is defined in conversations/tasks.py,
# which imports this module: it is published by its registered name, so the two modules do
# not import each other. (``send_task`` would skip the in-process mode; the registered
# task's ``delay`` honours it.)
INBOUND_PROCESS_TASK = "conversations.inbound_message_process"


def inbound_message_enqueue(message_id: int, *, conversation_id: int | None = None) -> bool:
    """Hand a stored message to the workers; ``False`` (and it stays pending) if the broker is down.

    With ``conversation_id``, nothing is published while that conversation's task is queued and
    not started yet: it will handle this message too (``inbound_queue``).
    """
    task = current_app.tasks[INBOUND_PROCESS_TASK]
    what = f"inbound message {message_id}"
    # If the broker is unreachable the message stays stored and pending; the periodic
    # sweep (or ``manage.py process_pending``) picks it up once it is older than a minute.
    if conversation_id is None or not inbound_coalescing_on():
        return broker_publish(lambda: task.delay(message_id), what=what)
    pushed: list[bool] = []
    published = broker_publish(lambda: pushed.append(conversation_task_publish(
        conversation_id=conversation_id, message_id=message_id, task=INBOUND_PROCESS_TASK,
        queue=task_queue_name(INBOUND_PROCESS_TASK),
    )), what=what)
    if published and not pushed[0]:
        metrics.inbound_tasks_coalesced.labels(task=INBOUND_PROCESS_TASK).inc()
    return published


def inbound_message_process(*, message_id: int) -> ProcessResult:
    """Run the assistant on a pending inbound message and queue its replies. Idempotent.

    Holds the conversation's row lock, so two messages of one conversation are never
    handled at the same time; every pending message of the conversation is handled
    here in the order of the channel's timestamps, whichever task got there first.
    """
    with transaction.atomic():
        # Found through the message, with tenant and customer, in one query; only the
        # conversation's row is locked. Whether there is work is read under the lock.
        conversation = conversation_lock_for_message(message_id=message_id)
        if conversation is None:
            return ProcessResult()
        log_context_bind(tenant_id=conversation.tenant_id, conversation_id=conversation.pk)
        tenant_scope_enter(conversation.tenant_id)
        tenant, customer = conversation.tenant, conversation.customer
        # Read under the lock: a concurrent run that already handled them has committed.
        pending = conversation_inbound_pending(conversation=conversation)
        processed = 0
        for pending_message in pending:
            with log_context(message_id=pending_message.pk):
                try:
                    with transaction.atomic():
                        _inbound_handle(
                            tenant=tenant, customer=customer, conversation=conversation, message=pending_message
                        )
                    processed += 1
                except Exception:
                    logger.exception("Handling inbound message %s failed", pending_message.pk)
                    conversation.refresh_from_db()
                    customer.refresh_from_db()
                    attempts = pending_message.attempts + 1
                    if attempts < PROCESS_MAX_ATTEMPTS:
                        Message.objects.filter(pk=pending_message.pk).update(attempts=attempts)
                        # Stop here: later messages wait, so the conversation keeps its order.
                        return ProcessResult(processed=processed, retry=True, attempts=attempts)
                    Message.objects.filter(pk=pending_message.pk).update(
                        attempts=attempts, processing_status=Message.Processing.FAILED
                    )
                    metrics.task_failures.labels(task="inbound_message_process").inc()
    return ProcessResult(processed=processed)


def inbound_pending_enqueue(*, now: datetime | None = None) -> int:
    """Enqueue pending inbound messages older than a minute (missed while the broker was down).

    Not while the queue already holds as many tasks: then nothing was lost, the workers
    are behind, and copies would only wait in front of new messages.
    """
    message_ids = _pending_ids(now)
    if broker_holds_at_least(len(message_ids), tasks=[INBOUND_PROCESS_TASK]):
        return 0
    return sum(inbound_message_enqueue(message_id) for message_id in message_ids)


def inbound_pending_process(*, now: datetime | None = None) -> int:
    """Process pending inbound messages older than a minute right here, without the broker."""
    total = 0
    for message_id in _pending_ids(now):
        with log_context(message_id=message_id):
            total += inbound_message_process(message_id=message_id).processed
    return total


def inbound_message_as_dict(inbound: InboundMessage) -> dict:
    data = dataclasses.asdict(inbound)
    data["kind"] = str(inbound.kind)
    data["timestamp"] = inbound.timestamp.isoformat()
    return data


def inbound_message_from_dict(data: dict) -> InboundMessage:
    """Rebuild what ``inbound_message_as_dict`` stored; unknown keys (older or newer rows) are ignored."""
    known = {f.name for f in dataclasses.fields(InboundMessage)}
    values = {key: value for key, value in data.items() if key in known}
    values["kind"] = InboundKind(values.get("kind", InboundKind.UNSUPPORTED))
    values["timestamp"] = datetime.fromisoformat(values["timestamp"]) if values.get("timestamp") else _epoch()
    if values.get("location"):
        values["location"] = Location(**values["location"])
    return InboundMessage(**values)


# --- Internals --------------------------------------------------------------------


def _inbound_handle(*, tenant: Tenant, customer: Customer, conversation: Conversation, message: Message) -> None:
    """Call while holding the conversation's lock, inside a savepoint (see ``inbound_message_process``)."""
    now = timezone.now()
    inbound = _inbound_of(message)
    fields = ["updated_at"]
    if conversation.last_inbound_at is None or inbound.timestamp > conversation.last_inbound_at:
        conversation.last_inbound_at = inbound.timestamp
        fields.append("last_inbound_at")

    replies = []
    # Staff have taken the conversation over: the assistant stays silent until they hand it back.
    if conversation.status != Conversation.Status.HUMAN:
        suppressed = None
        if conversation.status == Conversation.Status.BOT:
            suppressed = reply_budget_check(tenant=tenant, conversation=conversation, message=message)
        if suppressed is not None:
            _reply_suppress(conversation, suppressed, fields)
        else:
            replies = _assistant_answer(tenant, customer, conversation, inbound, now, fields)
    conversation.save(update_fields=fields)
    if "status" in fields and conversation.status == Conversation.Status.HUMAN:
        # The assistant or the reply limits handed it over (``_handoff``): staff should hear of it.
        conversation_needs_person_announce(
            tenant=tenant, conversation=conversation, reason=conversation.handoff_reason, message_id=message.pk,
            now=now,
        )
    outbound_message_queue(inbound=message, replies=replies)
    row_update(Message, message.pk, increment=("attempts",), processing_status=Message.Processing.PROCESSED,
               processed_at=now)


def _assistant_answer(
    tenant: Tenant, customer: Customer, conversation: Conversation, inbound: InboundMessage, now: datetime,
    fields: list[str],
) -> list:
    result = assistant_handle(tenant=tenant, customer=customer, conversation=conversation, inbound=inbound, now=now)
    conversation.state = result.state
    fields.append("state")
    if result.handoff:
        _handoff(conversation, result.handoff_reason, fields)
    if result.language in _LANGUAGES and result.language != customer.language:
        customer.language = result.language
        customer.save(update_fields=["language", "updated_at"])
    return result.replies


def _reply_suppress(conversation: Conversation, suppressed: ReplySuppressed, fields: list[str]) -> None:
    """No answer to this message; staff take over when the limit says so (the message stays stored)."""
    channel, reason = conversation.channel, str(suppressed.reason)
    transaction.on_commit(lambda: metrics.replies_suppressed.labels(channel=channel, type=reason).inc())
    logger.info("Reply suppressed (%s)", reason)
    if suppressed.handoff_reason:
        _handoff(conversation, suppressed.handoff_reason, fields)


def _handoff(conversation: Conversation, reason: str, fields: list[str]) -> None:
    conversation.status = Conversation.Status.HUMAN
    conversation.handoff_reason = reason
    fields += ["status", "handoff_reason"]
    handoff_mirror(conversation=conversation)


def _inbound_of(message: Message) -> InboundMessage:
    stored = message.payload.get("inbound") if isinstance(message.payload, dict) else None
    if isinstance(stored, dict):
        try:
            return inbound_message_from_dict(stored)
        except (TypeError, ValueError, KeyError):
            logger.warning("Stored inbound form of message %s is unreadable; handled as unsupported", message.pk)
    return InboundMessage(
        kind=InboundKind.UNSUPPORTED,
        channel_message_id=message.channel_message_id or "",
        timestamp=message.channel_timestamp or message.created_at,
        text=message.text,
        channel_type=message.type,
    )


def _pending_ids(now: datetime | None) -> list[int]:
    received_before = (now or timezone.now()) - PENDING_GRACE
    return list(
        inbound_messages_pending(received_before=received_before, max_attempts=PROCESS_MAX_ATTEMPTS)
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )


def _epoch() -> datetime:
    return datetime.fromtimestamp(0, tz=UTC)
