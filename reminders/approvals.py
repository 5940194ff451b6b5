"""Telling a big party's customer what staff answered to their request (``bookings.approvals``).

Approved, declined, or lapsed unanswered at the end of its hold: the customer hears it
as a free-form message inside their 24-hour window. Outside it WhatsApp delivers only an
approved template: the tenant's "Booking confirmed by staff" template for an approval,
"Booking cancelled by staff" for a refusal (the same news, in words Meta already
approved). Without one, on a channel without templates, or to a customer who opted out,
nobody can be told and nothing is sent (logged); the booking's state is what it is.
"""

import logging
from datetime import datetime
from enum import StrEnum

from bookings.models import Appointment
from conversations.assistant.formatting import when_long
from conversations.assistant.texts import say
from conversations.models import Message
from conversations.replies import TEXT_MAX, Reply, ReplyType
from reminders.models import Purpose
from reminders.services import notification_store_if_reachable
from tenants.models import Tenant

logger = logging.getLogger(__name__)


class ApprovalOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    LAPSED = "lapsed"  # nobody answered before the hold ran out


_TEXT = {
    ApprovalOutcome.APPROVED: "approval_approved",
    ApprovalOutcome.DECLINED: "approval_declined",
    ApprovalOutcome.LAPSED: "approval_lapsed",
}
# Outside the window: the approved template saying the same news.
_TEMPLATE_PURPOSE = {
    ApprovalOutcome.APPROVED: Purpose.STAFF_BOOKED,
    ApprovalOutcome.DECLINED: Purpose.STAFF_CANCELLED,
    ApprovalOutcome.LAPSED: Purpose.STAFF_CANCELLED,
}


def approval_answer_send(
    *, tenant: Tenant, appointment: Appointment, outcome: ApprovalOutcome, now: datetime
) -> Message | None:
    """Queue the news of ``outcome`` for the request's customer; ``None`` when nobody can be told.

    Call inside the transaction of the answer (or after the sweep committed): the message
    is stored with it and sent once it commits.
    """
    return booking_news_send(
        tenant=tenant, appointment=appointment, text_key=_TEXT[outcome], template_purpose=_TEMPLATE_PURPOSE[outcome],
        now=now,
    )


def booking_news_send(
    *, tenant: Tenant, appointment: Appointment, text_key: str, template_purpose: str, now: datetime
) -> Message | None:
    """Tell the booking's customer ``text_key`` (``conversations.assistant.texts``): free-form in the 24-hour
    window, else the tenant's template of ``template_purpose``, else nothing (``None``)."""
    if appointment.tenant_id != tenant.pk:
        raise ValueError("The appointment belongs to another tenant.")
    customer = appointment.customer
    if customer is None or customer.opted_out_at is not None:
        return None
    message = notification_store_if_reachable(
        tenant=tenant, customer=customer, appointment=appointment, purpose=template_purpose, now=now,
        reply_for=lambda language: booking_news_reply(
            tenant=tenant, appointment=appointment, text_key=text_key, language=language
        ),
    )
    if message is not None:
        return message
    logger.info("Booking %s of tenant %s: the customer cannot be told (%s)", appointment.pk, tenant.pk, text_key)
    return None


def booking_news_reply(*, tenant: Tenant, appointment: Appointment, text_key: str, language: str) -> Reply:
    first_name = (appointment.customer.display_name or "").split(" ")[0].strip() if appointment.customer else ""
    text = say(
        text_key, language, name=f" {first_name}" if first_name else "", tenant=tenant.name,
        party=appointment.party_size, reference=appointment.reference,
        when=when_long(appointment.starts_at.astimezone(tenant.tzinfo), language),
    )
    return Reply(ReplyType.TEXT, text[:TEXT_MAX])
