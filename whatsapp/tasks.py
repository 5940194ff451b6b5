"""Celery tasks of the WhatsApp channel. Edges: they take ids and call a service."""

from celery import shared_task

from conversations.services.outbound import outbound_attempt_count
from lyo import metrics
from lyo.log_context import log_context
from whatsapp.services.outbound import SendOutcome, send_retry_delay, whatsapp_outbound_send

TASK = "whatsapp_message_send"


@shared_task(bind=True, name="whatsapp.message_send", max_retries=None, ignore_result=True)
def whatsapp_message_send_task(self, message_id: int) -> None:
    """Send one queued outbound message; transient errors retry with backoff (bounded on the row)."""
    with log_context(message_id=message_id):
        try:
            result = whatsapp_outbound_send(message_id=message_id)
        except Exception:
            # A bug, not Meta: count the attempt so the sweep gives up after the limit.
            outbound_attempt_count(message_id)
            metrics.task_failures.labels(task=TASK).inc()
            raise
        if result.outcome == SendOutcome.RETRY:
            metrics.task_retries.labels(task=TASK).inc()
            raise self.retry(countdown=send_retry_delay(result.attempts))
        if result.exhausted:
            metrics.task_failures.labels(task=TASK).inc()
