"""Celery tasks of the WhatsApp channel. Edges: they take ids and call a service."""

from celery import shared_task

from conversations.services.delivery import outbound_send_task_run
from whatsapp.services.outbound import whatsapp_outbound_send

TASK = "whatsapp_message_send"


@shared_task(bind=True, name="whatsapp.message_send", max_retries=None, ignore_result=True)
def whatsapp_message_send_task(self, message_id: int) -> None:
    """Send one queued outbound message; transient errors retry with backoff (bounded on the row)."""
    outbound_send_task_run(
        self, message_id=message_id, send=lambda row_id: whatsapp_outbound_send(message_id=row_id), name=TASK
    )
