"""Celery tasks of the WhatsApp channel. Edges: they take ids and call a service."""

from celery import shared_task

from conversations.services.delivery import outbound_send_task_run
from tenants.models import Tenant
from tenants.scoping import cross_tenant
from whatsapp.adapter import WhatsAppAdapter
from whatsapp.services.app_sync import APP_SYNC_TASK, whatsapp_app_sync_import

TASK = "whatsapp_message_send"


@shared_task(bind=True, name=WhatsAppAdapter.send_task, max_retries=None, ignore_result=True)
def whatsapp_message_send_task(self, message_id: int) -> None:
    """Send one queued outbound message; transient errors retry with backoff (bounded on the row)."""
    outbound_send_task_run(self, message_id=message_id, send=WhatsAppAdapter().send, name=TASK)


@shared_task(name=APP_SYNC_TASK, ignore_result=True)
def whatsapp_app_sync_import_task(tenant_id: str, data: dict) -> None:
    """The Business app's contacts and history for one tenant, in the background (idempotent)."""
    with cross_tenant("the task finds its tenant by id, then the service scopes to it"):
        tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
    if tenant is not None:
        whatsapp_app_sync_import(tenant=tenant, data=data)
