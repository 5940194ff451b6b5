"""A booking that needs a deposit or a card guarantee, in the chat.

Before the customer commits, the confirmation question quotes what the business asks
(``payment_quote_text``); "yes" holds the slot and sends the payment link with its
deadline (``payment_hold_start``) instead of booking at once. Stripe's answer comes
later, outside any turn: ``_on_deposit_settled`` tells the customer through the outbox
that the booking is confirmed, that the time to pay ran out, or that a late payment is
being refunded.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.db import transaction

from bookings.models import Appointment, Resource, Service
from common import metrics
from conversations.assistant.formatting import time_short, when_long
from conversations.assistant.texts import say
from conversations.assistant.turn import JUST_BOOKED_KEY, Turn
from conversations.models import Message
from conversations.replies import TEXT_MAX, Reply, ReplyType
from conversations.services.conversations import conversation_booking_link, conversation_get_or_open
from conversations.services.outbound import outbound_message_enqueue
from payments.deposits import deposit_checkout_start
from payments.models import Payment, PaymentPolicy
from payments.providers import ProviderError
from payments.selectors import payment_policy_get
from payments.services import PaymentQuote, payment_policy_applies
from payments.signals import DepositOutcome, deposit_settled
from tenants.models import Tenant

__all__ = ["payment_hold_start", "payment_quote", "payment_quote_text", "payment_receivers_connect"]

logger = logging.getLogger(__name__)


def payment_quote(turn: Turn, start: datetime, service: Service | None) -> PaymentQuote | None:
    """What the tenant's policy asks of this booking (``None``: nothing); a move or a visit asks nothing new."""
    if turn.dialogue.moving or turn.draft.then:
        return None
    return payment_policy_applies(
        tenant=turn.tenant, start=start, party_size=turn.draft.party_or_one, service=service, customer=turn.customer
    )


def payment_quote_text(turn: Turn, quote: PaymentQuote | None) -> str:
    """The sentence put before "Shall I book it?": the amount, the cut-off, the business's own terms."""
    if quote is None:
        return ""
    key = "payment_quote_deposit" if quote.kind == PaymentPolicy.Mode.DEPOSIT else "payment_quote_guarantee"
    text = turn.t(key, amount=quote.amount_text, hours=quote.cutoff_hours, minutes=quote.hold_minutes)
    policy = payment_policy_get(tenant=turn.tenant)
    terms = policy.terms(turn.language).strip() if policy is not None else ""
    return f"{text} {terms}".strip() if terms else text


def payment_hold_start(
    turn: Turn, *, quote: PaymentQuote, start: datetime, service: Service | None, resource: Resource | None,
) -> None:
    """The customer said yes: hold the slot and send the payment link and the deadline.

    A slot taken meanwhile raises the ``BookingError`` the caller already answers; a
    provider that refuses is told in words, and nothing stays held.
    """
    party = turn.draft.party_or_one
    description = _description(turn, start, party, service)
    try:
        payment = deposit_checkout_start(
            tenant=turn.tenant, quote=quote, start=start, party_size=party, description=description,
            service=service, resource=resource, customer=turn.customer, channel=turn.conversation.channel,
            now=turn.now,
        )
    except ProviderError as error:
        logger.warning("Payment link for tenant %s not made: %s", turn.tenant.pk, error)
        turn.text(turn.t("payment_unavailable"))
        turn.flow_clear()
        return
    held = payment.appointment
    assert held is not None and held.hold_expires_at is not None  # a payment hold says until when
    conversation_booking_link(conversation=turn.conversation, appointment=held)
    turn.state[JUST_BOOKED_KEY] = held.reference
    key = "payment_link_deposit" if quote.kind == PaymentPolicy.Mode.DEPOSIT else "payment_link_guarantee"
    turn.text(turn.t(
        key, amount=quote.amount_text, link=payment.checkout_url,
        deadline=time_short(held.hold_expires_at.astimezone(turn.tenant.tzinfo), twelve_hour=turn.twelve_hour),
        reference=held.reference,
    ))
    turn.flow_clear()


def _description(turn: Turn, start: datetime, party: int, service: Service | None) -> str:
    # What the customer reads on the payment page.
    when = when_long(start.astimezone(turn.tenant.tzinfo), turn.language)
    what = service.name(turn.language) if service is not None else turn.t("payment_what_table", party=party)
    return f"{turn.tenant.name}: {what}, {when}"


# --- Stripe's answer, told through the outbox --------------------------------------------


_OUTCOME_TEXT = {
    DepositOutcome.CONFIRMED: "payment_confirmed",
    DepositOutcome.REFUNDED_LATE: "payment_refunded_late",
    DepositOutcome.EXPIRED: "payment_expired",
}


def _on_deposit_settled(
    sender: object, tenant: Tenant, payment_id: int, outcome: DepositOutcome, now: datetime, **kwargs: object
) -> None:
    payment = (
        Payment.objects.select_related("appointment", "customer").filter(tenant=tenant, pk=payment_id).first()
    )
    if payment is None or payment.customer is None or payment.appointment is None:
        return
    appointment, customer = payment.appointment, payment.customer
    language = customer.language if customer.language in ("it", "en") else tenant.language
    text = say(
        _OUTCOME_TEXT[outcome], language, amount=payment.amount_text, reference=appointment.reference,
        when=when_long(appointment.starts_at.astimezone(tenant.tzinfo), language),
        what=_what(appointment, language),
    )
    with transaction.atomic():
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        reply = Reply(ReplyType.TEXT, text[:TEXT_MAX])
        message = Message.objects.create(
            tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
            channel=conversation.channel, type=Message.Type.TEXT, text=reply.text, payload=reply.as_dict(),
            delivery_status=Message.Delivery.QUEUED,
        )
        metrics.outbound_messages.labels(channel=message.channel, status=Message.Delivery.QUEUED).inc()
        transaction.on_commit(partial(outbound_message_enqueue, message.pk, message.channel))
    logger.info("Payment %s of tenant %s: customer told (%s)", payment.pk, tenant.pk, outcome)


def _what(appointment: Appointment, language: str) -> str:
    if appointment.service is not None:
        return appointment.service.name(language)
    return say("payment_what_table", language, party=appointment.party_size)


def payment_receivers_connect() -> None:
    deposit_settled.connect(_on_deposit_settled, dispatch_uid="assistant_deposit_settled")
