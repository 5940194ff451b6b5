"""The WhatsApp Business app's contacts (``smb_app_state_sync``) and chat history (``history``).

Both arrive once a number joins in coexistence. The webhook only enqueues them; a
background task applies them: the owner's contact names become the customers' names,
and the history becomes past messages of each customer's conversation (never answered,
never sent, nothing booked).
"""

import logging
from dataclasses import dataclass

from celery import current_app
from django.db import transaction

from conversations.services.broker import broker_publish
from conversations.services.conversations import conversation_get_or_open
from conversations.services.history import PastMessage, past_messages_import
from customers.models import Channel, Customer
from customers.services import customer_display_name_set, customer_get_or_create_for_whatsapp
from tenants.models import Tenant
from tenants.scoping import tenant_scope_enter
from whatsapp.parsing import WebhookAppSync, WebhookHistoryThread, webhook_app_syncs_parse

logger = logging.getLogger(__name__)

# Registered in whatsapp/tasks.py: published by its name, so this service never imports the task.
APP_SYNC_TASK = "whatsapp.app_sync_import"


@dataclass
class AppSyncSummary:
    renamed: int = 0
    imported: int = 0



def whatsapp_app_sync_enqueue(*, tenant: Tenant, data: dict) -> None:
    """Import after the webhook's transaction commits: the request stays quick whatever the history's size."""
    # The registered task's ``delay`` (not ``send_task``) honours the in-process mode.
    def publish() -> None:
        task = current_app.tasks[APP_SYNC_TASK]
        broker_publish(lambda: task.delay(str(tenant.pk), data), what="Business app contacts and history")

    transaction.on_commit(publish)


def whatsapp_app_sync_import(*, tenant: Tenant, data: dict) -> AppSyncSummary:
    """Apply the contacts and history addressed to ``tenant``'s number; safe to run again."""
    tenant_scope_enter(tenant)
    summary = AppSyncSummary()
    for sync in webhook_app_syncs_parse(data):
        if sync.phone_number_id != tenant.whatsapp_phone_number_id:
            continue
        summary.renamed += _contacts_apply(tenant=tenant, sync=sync)
        for thread in sync.threads:
            summary.imported += _thread_import(tenant=tenant, thread=thread)
    if summary.renamed or summary.imported:
        logger.info("Business app sync: %d customer name(s), %d past message(s)", summary.renamed, summary.imported)
    return summary


def _contacts_apply(*, tenant: Tenant, sync: WebhookAppSync) -> int:
    """Only customers already known get the owner's name for them: an address book is not a customer list."""
    renamed = 0
    for contact in sync.contacts:
        if contact.removed or not contact.name:
            continue
        for customer in Customer.objects.filter(tenant=tenant, channel=Channel.WHATSAPP, phone=contact.wa_id):
            if customer.display_name != contact.name:
                customer_display_name_set(customer=customer, name=contact.name)
                renamed += 1
    return renamed


def _thread_import(*, tenant: Tenant, thread: WebhookHistoryThread) -> int:
    if not thread.messages:
        return 0
    with transaction.atomic():
        customer = customer_get_or_create_for_whatsapp(tenant=tenant, user_id="", wa_id=thread.wa_id)
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        return past_messages_import(tenant=tenant, conversation=conversation, messages=[
            PastMessage(
                channel_message_id=message.id, from_customer=not message.from_business,
                message_type=message.message_type, text=message.text, at=message.timestamp,
                channel_payload=message.raw,
            )
            for message in thread.messages
        ])
