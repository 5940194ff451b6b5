"""Celery tasks of the Chatwoot channel. Edges: they take ids and call a service."""

from celery import shared_task

from chatwoot.adapter import STATUS_SYNC_TASK, ChatwootAdapter
from chatwoot.services.handoff import chatwoot_conversation_status_sync
from common import metrics
from common.log_context import log_context
from conversations.services.delivery import outbound_send_task_run
from conversations.services.outbound import SEND_MAX_ATTEMPTS, SendOutcome, send_retry_delay

SEND_TASK = "chatwoot_message_send"
STATUS_TASK = "chatwoot_conversation_status_sync"


@shared_task(bind=True, name=ChatwootAdapter.send_task, max_retries=None, ignore_result=True)
def chatwoot_message_send_task(self, message_id: int) -> None:
    """Post one queued outbound message; transient errors retry with backoff (bounded on the row)."""
    outbound_send_task_run(self, message_id=message_id, send=ChatwootAdapter().send, name=SEND_TASK)


@shared_task(bind=True, name=STATUS_SYNC_TASK, max_retries=None, ignore_result=True)
def chatwoot_conversation_status_sync_task(self, conversation_id: int) -> None:
    """Show Lyo's hand-off status in Chatwoot; transient errors retry with backoff, as many times as a send."""
    with log_context(conversation_id=conversation_id):
        outcome = chatwoot_conversation_status_sync(conversation_id=conversation_id)
        if outcome != SendOutcome.RETRY:
            return
        attempts = self.request.retries + 1
        if attempts >= SEND_MAX_ATTEMPTS:
            metrics.task_failures.labels(task=STATUS_TASK).inc()
            return
        metrics.task_retries.labels(task=STATUS_TASK).inc()
        raise self.retry(countdown=send_retry_delay(attempts))
