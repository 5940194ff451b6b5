"""Celery tasks of the conversation pipeline. Edges: they take ids and call a service."""

import logging
import random

from celery import shared_task
from django.utils import timezone

from common import metrics
from common.log_context import log_context
from conversations.services.inbound import INBOUND_PROCESS_TASK, inbound_message_process, inbound_pending_enqueue
from conversations.services.inbound_queue import conversation_task_unmark
from conversations.services.outbound import outbound_queued_enqueue
from conversations.services.owner_app import conversations_owner_app_silence_end
from conversations.services.retention import messages_retention_apply
from conversations.services.staff_reply import conversations_staff_idle_hand_back
from tenants.scoping import cross_tenant

logger = logging.getLogger(__name__)

PROCESS_RETRY_BASE_SECONDS = 5


@shared_task(bind=True, name=INBOUND_PROCESS_TASK, max_retries=None, ignore_result=True)
def inbound_message_process_task(self, message_id: int, conversation_id: int | None = None) -> None:
    """Handle a stored inbound message (idempotent: a second run finds it processed).

    ``conversation_id``: published for a conversation marked as having a task queued
    (``conversations.services.inbound_queue``); the mark goes before the pending messages
    are read, so a message stored from now on publishes a task of its own.
    """
    if conversation_id is not None:
        conversation_task_unmark(conversation_id)
    with log_context(message_id=message_id):
        result = inbound_message_process(message_id=message_id)
        if result.retry:
            # The attempt count lives on the row (the service stops at its limit).
            metrics.task_retries.labels(task="inbound_message_process").inc()
            countdown = PROCESS_RETRY_BASE_SECONDS * 2 ** (result.attempts - 1) * random.uniform(1, 1.5)  # noqa: S311
            raise self.retry(countdown=countdown)


@shared_task(name="conversations.messages_pending_sweep", ignore_result=True)
def messages_pending_sweep_task() -> None:
    """Every minute (Celery beat): re-enqueue what a broker outage left behind."""
    with log_context(), cross_tenant("the sweep re-enqueues every tenant's stuck messages"):
        inbound = inbound_pending_enqueue()
        outbound = outbound_queued_enqueue()
        if inbound or outbound:
            logger.info("Sweep re-enqueued %s pending inbound and %s queued outbound messages", inbound, outbound)


@shared_task(name="conversations.messages_retention_apply", ignore_result=True)
def messages_retention_apply_task() -> None:
    """Once a day (Celery beat): blank messages past the retention period, in batches."""
    with log_context(), cross_tenant("retention blanks every tenant's old messages"):
        messages_retention_apply(now=timezone.now())


@shared_task(name="conversations.staff_idle_hand_back", ignore_result=True)
def staff_idle_hand_back_task() -> None:
    """Every 5 minutes (Celery beat): conversations staff left idle go back to the assistant."""
    with log_context(), cross_tenant("each tenant's idle staff conversations are handed back by its own setting"):
        now = timezone.now()
        # The owner's app-reply silence (minutes) ends on the same beat as the staff idle hand-back.
        handed = conversations_staff_idle_hand_back(now=now) + conversations_owner_app_silence_end(now=now)
        if handed:
            logger.info("Handed %s idle conversation(s) back to the assistant", handed)
