"""Chatwoot shows who answers: the conversation is ``open`` for people, ``pending`` for the bot.

Lyo's ``Conversation.status`` is the truth; this is its mirror, run from a task that
the Chatwoot adapter's ``handoff_mirror`` publishes after every change. It sets
Chatwoot to what Lyo says *now*, so a late or repeated run is harmless.
"""

import logging
import sys

from django.conf import settings

from chatwoot.client import ChatwootError
from chatwoot.selectors import connection_for_tenant
from chatwoot.services.outbound import chatwoot_client, chatwoot_connection_problem, chatwoot_refused
from conversations.models import Conversation
from conversations.services.outbound import SendOutcome
from customers.models import Channel
from tenants.scoping import cross_tenant, tenant_scope_enter

logger = logging.getLogger(__name__)

CHATWOOT_STATUS: dict[str, str] = {
    Conversation.Status.HUMAN: "open",
    Conversation.Status.BOT: "pending",
    Conversation.Status.CLOSED: "resolved",
}


def chatwoot_conversation_status_sync(*, conversation_id: int) -> SendOutcome:
    """Set the Chatwoot conversation's status to Lyo's. ``RETRY`` on a transient error."""
    with cross_tenant("the conversation, found by its id, tells whose it is"):
        conversation = (
            Conversation.objects.select_related("tenant").filter(pk=conversation_id, channel=Channel.CHATWOOT).first()
        )
    if conversation is None or not conversation.channel_conversation_id:
        return SendOutcome.SKIPPED
    tenant_scope_enter(conversation.tenant_id)
    connection = connection_for_tenant(conversation.tenant)
    problem = chatwoot_connection_problem(connection)
    if problem or connection is None:  # no connection is a problem already: said for the type checker
        logger.warning("Chatwoot status of conversation %s not updated: %s", conversation.pk, problem)
        return SendOutcome.NOT_SENDABLE
    status = CHATWOOT_STATUS[conversation.status]
    if settings.LYO_SEND_BACKEND == "console":
        sys.stdout.write(f"Chatwoot → conversation {conversation.channel_conversation_id}: status {status}\n")
        return SendOutcome.SENT
    try:
        chatwoot_client(connection).conversation_status_set(
            account_id=connection.account_id, conversation_id=conversation.channel_conversation_id, status=status
        )
    except ChatwootError as error:
        logger.warning("Setting Chatwoot conversation %s to %s failed: %s", conversation.pk, status, error)
        if error.transient:
            return SendOutcome.RETRY
        chatwoot_refused(connection, error)
        return SendOutcome.FAILED
    logger.info("Chatwoot conversation of %s set to %s", conversation.pk, status)
    return SendOutcome.SENT
