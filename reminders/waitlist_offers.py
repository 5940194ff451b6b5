"""Sending a waitlist offer: the freed slot held for a customer, with Confirm / No thanks.

``bookings.waitlist`` holds the slot and announces it after commit (``waitlist_offered``);
this app writes to the customer. Inside the customer's 24-hour window the offer is a
free-form message with two reply buttons. Outside it WhatsApp delivers only an approved
template, so the offer goes as the tenant's ``waitlist_offer`` template; without one
(or on a channel without templates, or to a customer who opted out) nobody can be told
and the request is skipped, which offers the slot to the next request at once instead
of keeping it held for someone who will never hear of it.
"""

import logging
import math
from datetime import datetime

from bookings.models import WaitlistRequest
from bookings.waitlist import waitlist_offer_skip
from conversations.assistant.formatting import when_long
from conversations.assistant.texts import say
from conversations.assistant.waitlist import CONFIRM, DECLINE, waitlist_button_id
from conversations.models import Message
from conversations.replies import BUTTON_BODY_MAX, Option, Reply, ReplyType
from reminders.models import Purpose
from reminders.services import notification_store_if_reachable, what_text
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def waitlist_offer_send(*, tenant: Tenant, request_id: int, now: datetime) -> Message | None:
    """Queue the offer of request ``request_id``, or skip the request when it cannot reach the customer.

    ``None`` when nothing was queued: skipped, or the request is no longer offered (already
    answered, withdrawn, or another tenant's).
    """
    request = (
        WaitlistRequest.objects.select_related("customer", "offer", "offer__service")
        .filter(pk=request_id, tenant=tenant, status=WaitlistRequest.Status.OFFERED, offer__isnull=False)
        .first()
    )
    if request is None:
        return None
    held, customer = request.offer, request.customer
    assert held is not None
    if customer.opted_out_at is None:
        message = notification_store_if_reachable(
            tenant=tenant, customer=customer, appointment=held, purpose=Purpose.WAITLIST_OFFER, now=now,
            reply_for=lambda language: waitlist_offer_reply(tenant=tenant, request=request, language=language, now=now),
        )
        if message is not None:
            return message
    logger.info("Waitlist request %s of tenant %s cannot be told of its offer: skipped", request.pk, tenant.pk)
    waitlist_offer_skip(tenant=tenant, request=request, now=now)
    return None


def waitlist_offer_reply(*, tenant: Tenant, request: WaitlistRequest, language: str, now: datetime) -> Reply:
    """"Si è liberato un tavolo per 4 sabato 5 dicembre alle 20:30. Lo prendo per te?" with Confirm / No thanks."""
    held = request.offer
    assert held is not None and held.hold_expires_at is not None
    first_name = (request.customer.display_name or "").split(" ")[0].strip()
    # Rounded up: "10 minutes" right after the hold, never "0 minutes".
    minutes = max(1, math.ceil((held.hold_expires_at - now).total_seconds() / 60))
    values = {
        "name": f" {first_name}" if first_name else "",
        "when": when_long(held.starts_at.astimezone(tenant.tzinfo), language),
        "minutes": minutes,
    }
    if held.service is not None:
        text = say("waitlist_offer_service", language, what=what_text(held, language), **values)
    else:
        text = say("waitlist_offer_table", language, count=held.party_size, **values)
    return Reply(
        ReplyType.BUTTONS,
        text[:BUTTON_BODY_MAX],
        (
            Option(waitlist_button_id(CONFIRM, held.reference), say("waitlist_button_confirm", language)),
            Option(waitlist_button_id(DECLINE, held.reference), say("waitlist_button_decline", language)),
        ),
    )
