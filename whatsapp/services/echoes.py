"""The owner's messages from the WhatsApp Business app (``smb_message_echoes``), on a coexistence number.

Stored in the customer's conversation as outbound messages already sent (never sent
again), and the assistant falls silent there (``conversations.services.owner_app``).
Edits and deletions the owner makes in the app change the stored message.
"""

import logging
from collections import Counter

from django.db import transaction

from conversations.services.conversations import conversation_get_or_open
from conversations.services.owner_app import (
    owner_app_message_edit,
    owner_app_message_record,
    owner_app_message_revoke,
)
from customers.models import Channel
from customers.services import customer_get_or_create_for_whatsapp
from meta.receiving import ReceiveOutcome
from tenants.models import Tenant
from whatsapp.parsing import WebhookEcho

logger = logging.getLogger(__name__)


def whatsapp_echoes_receive(*, tenant: Tenant, echoes: tuple[WebhookEcho, ...]) -> Counter[ReceiveOutcome]:
    """Every echo of one change, oldest first; how many had each outcome."""
    oldest_first = sorted(echoes, key=lambda e: e.timestamp)
    return Counter(whatsapp_echo_receive(tenant=tenant, echo=echo) for echo in oldest_first)


def whatsapp_echo_receive(*, tenant: Tenant, echo: WebhookEcho) -> ReceiveOutcome:
    """Apply one echo: a new app message stored once, or an edit / revoke of one stored before."""
    if echo.edit_of or echo.revoke_of:
        if echo.revoke_of:
            changed = owner_app_message_revoke(
                tenant=tenant, channel=Channel.WHATSAPP, channel_message_id=echo.revoke_of
            )
        else:
            changed = owner_app_message_edit(
                tenant=tenant, channel=Channel.WHATSAPP, channel_message_id=echo.edit_of, text=echo.text
            )
        if not changed:
            logger.info("App message edit or revoke for a message never stored; ignored")
        return ReceiveOutcome.STORED if changed else ReceiveOutcome.IGNORED
    if not echo.to_user_id and not echo.to_wa_id:
        logger.warning("WhatsApp app echo %s without a recipient; ignored", echo.id)
        return ReceiveOutcome.IGNORED
    with transaction.atomic():
        customer = customer_get_or_create_for_whatsapp(tenant=tenant, user_id=echo.to_user_id, wa_id=echo.to_wa_id)
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        stored = owner_app_message_record(
            tenant=tenant, conversation=conversation, channel_message_id=echo.id, message_type=echo.message_type,
            text=echo.text, channel_payload=echo.raw, at=echo.timestamp,
        )
        if stored is None:
            # Stored before: nothing of this delivery is kept (e.g. a conversation opened for it).
            transaction.set_rollback(True)
            return ReceiveOutcome.DUPLICATE
    logger.info("Stored the owner's app message in conversation %s", conversation.pk)
    return ReceiveOutcome.STORED
