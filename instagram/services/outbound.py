"""Delivering queued outbound messages as Instagram direct messages, with the tenant's own token.

What the Instagram adapter (``instagram.adapter``) does for the outbox: render a row,
post a body, flag a rejected token. The bookkeeping (row lock, parts already sent,
retries, failures) is the outbox's (``outbound_message_deliver``); this says how a
reply reaches an Instagram customer.
"""

import json
import logging
import sys
import uuid

from django.conf import settings
from django.utils import timezone

from conversations.channels import RenderedReply, ReplyNotSendable
from conversations.models import Message
from conversations.replies import Reply
from conversations.services.delivery import customer_window_open
from customers.models import Customer
from instagram.client import InstagramClient
from instagram.rendering import reply_render
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Instagram has no templates: a message outside the window (a reminder, a staff notice
# days after the customer last wrote) cannot be sent at all, and says so to staff.
WINDOW_CLOSED = (
    "Outside Instagram's 24-hour window (the customer last wrote more than 24 hours ago), so it was not "
    "sent; Instagram has no message templates to use instead."
)


def instagram_reply_render(message: Message, reply: Reply) -> RenderedReply[Tenant]:
    """The row's direct-message bodies, to the customer's Instagram id, from the tenant's account."""
    tenant, customer = message.tenant, message.conversation.customer
    problem = _unsendable_reason(tenant, customer)
    if not problem and not customer_window_open(conversation=message.conversation, now=timezone.now()):
        problem = WINDOW_CLOSED
    if problem:
        raise ReplyNotSendable(problem)
    language = customer.language or tenant.language
    return RenderedReply(
        # The customer has an Instagram id: _unsendable_reason checked it.
        bodies=reply_render(reply, recipient_id=customer.channel_user_id or "", language=language),
        destination=tenant,
    )


def instagram_body_post(tenant: Tenant, body: dict) -> str | None:
    """Send one body with the tenant's token; its mid. Raises ``GraphError``."""
    if settings.LYO_SEND_BACKEND == "console":
        # Development: show what would be sent, and invent a mid for the status bookkeeping.
        sys.stdout.write(
            "Instagram → "
            + json.dumps({"from": tenant.instagram_account_id, **body}, ensure_ascii=False)
            + "\n"
        )
        return f"console.{uuid.uuid4().hex}"
    return InstagramClient().direct_message_send(token=tenant.instagram_access_token, body=body)


def _unsendable_reason(tenant: Tenant, customer: Customer) -> str:
    if not tenant.is_active:
        return "The tenant is not active."
    if not customer.channel_user_id:
        return "The customer has no Instagram id."
    if settings.LYO_SEND_BACKEND == "console":
        return ""
    if not tenant.has_instagram_token:
        return "Instagram is not configured for this tenant (access token missing)."
    if tenant.instagram_token_invalid_at:
        return "Meta rejected the tenant's Instagram access token; set a new one in the admin."
    return ""


def instagram_token_flag(tenant: Tenant) -> None:
    """Meta rejected the tenant's Instagram token (code 190): shown in the admin; every further
    send for this tenant stops until a new token is set."""
    Tenant.objects.filter(pk=tenant.pk, instagram_token_invalid_at__isnull=True).update(
        instagram_token_invalid_at=timezone.now()
    )
    logger.error("Meta rejected the Instagram token of tenant %s (code 190); flagged in the admin", tenant.pk)
