"""A booking that needs a deposit or a card guarantee: the slot held while the customer pays.

``deposit_checkout_start`` holds the slot (``Appointment.HoldReason.PAYMENT``) for the
policy's minutes and opens the provider's checkout; Stripe's webhook
(``payments.webhooks``) calls ``deposit_checkout_completed``, which confirms the hold,
or refunds a payment that came after the hold ran out. A hold nobody paid for expires
by itself (``bookings.services.holds_expired_release``): ``_on_hold_expired`` closes
the checkout so the link stops working. A paid booking cancelled before the policy's
cut-off is refunded (``deposit_cancellation_refund``); after it the deposit is kept.

Payment and expiry at the same moment end in one state: the deposit's row is locked
by both, and the hold's confirmation is one conditional UPDATE the expiry sweep also
races for. Paid in time and confirmed, or expired and refunded; never paid and lost.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from bookings.errors import HoldExpired
from bookings.models import Appointment, Resource, Service
from bookings.services import appointment_hold, appointment_hold_confirm, appointment_hold_release
from bookings.signals import appointment_customer_changed, appointment_hold_expired, appointment_staff_changed
from customers.models import Customer
from payments.models import Payment, PaymentPolicy
from payments.providers import ProviderError, provider_for
from payments.selectors import payment_policy_get
from payments.services import PaymentQuote
from payments.signals import DepositOutcome, deposit_settled
from tenants.models import Tenant

__all__ = [
    "deposit_cancellation_refund",
    "deposit_checkout_completed",
    "deposit_checkout_expired",
    "deposit_checkout_start",
    "deposit_receivers_connect",
    "payment_refund",
]

logger = logging.getLogger(__name__)

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is made;
# a shorter hold closes the session itself when it runs out (``_on_hold_expired``).
PROVIDER_MIN_EXPIRY = timedelta(minutes=31)


def deposit_checkout_start(
    *,
    tenant: Tenant,
    quote: PaymentQuote,
    start: datetime,
    party_size: int,
    description: str,
    service: Service | None = None,
    resource: Resource | None = None,
    customer: Customer | None = None,
    channel: str,
    now: datetime | None = None,
) -> Payment:
    """Hold ``start`` for ``quote.hold_minutes`` and open the checkout the customer pays in; the pending row.

    The hold and the pending payment commit first (the tenant's booking lock is never
    held across a call to the provider); the checkout is opened after, and when the
    provider refuses, the hold is released and ``ProviderError`` raised. A slot that is
    not free, or a customer over the business's limits, raises the ``BookingError`` of
    ``appointment_hold``.
    """
    now = now or timezone.now()
    policy = payment_policy_get(tenant=tenant)
    if policy is None:
        raise ProviderError("This business asks for no payment.")
    provider = provider_for(policy)
    with transaction.atomic():
        held = appointment_hold(
            tenant=tenant, start=start, minutes=quote.hold_minutes, reason=Appointment.HoldReason.PAYMENT,
            party_size=party_size, service=service, resource=resource, customer=customer, channel=channel, now=now,
            customer_limits=True,
        )
        payment = Payment.objects.create(
            tenant=tenant, appointment=held, customer=customer, kind=quote.kind, amount_cents=quote.amount_cents,
            currency=quote.currency, provider=provider.name,
        )
    assert held.hold_expires_at is not None  # a hold always says until when
    expires_at = max(held.hold_expires_at, now.astimezone(UTC) + PROVIDER_MIN_EXPIRY)
    metadata = {"tenant_id": str(tenant.pk), "payment_id": str(payment.pk), "booking": held.reference}
    key = f"lyo-{tenant.pk}-payment-{payment.pk}"
    try:
        if quote.kind == PaymentPolicy.Mode.GUARANTEE:
            session = provider.guarantee_checkout(
                currency=quote.currency, description=description, expires_at=int(expires_at.timestamp()),
                metadata=metadata, idempotency_key=key,
            )
        else:
            session = provider.deposit_checkout(
                amount_cents=quote.amount_cents, currency=quote.currency, description=description,
                expires_at=int(expires_at.timestamp()), metadata=metadata, idempotency_key=key,
            )
    except ProviderError as error:
        with transaction.atomic():
            appointment_hold_release(tenant=tenant, appointment=held, now=now)
            Payment.objects.filter(pk=payment.pk).update(
                status=Payment.Status.FAILED, failure=str(error)[:255], updated_at=now
            )
        raise
    Payment.objects.filter(pk=payment.pk).update(
        checkout_session_id=session.id, checkout_url=session.url, updated_at=now
    )
    payment.checkout_session_id, payment.checkout_url = session.id, session.url
    logger.info("Payment %s of tenant %s: checkout %s for booking %s", payment.pk, tenant.pk, session.id, held.pk)
    return payment


def deposit_checkout_completed(*, tenant: Tenant, session: dict, now: datetime) -> DepositOutcome | None:
    """The customer paid (or saved their card) in the checkout ``session``: confirm the hold, or refund.

    ``None``: the session is no payment of ``tenant``'s (another tenant's, or unknown),
    or not paid yet (a bank transfer still on its way). Call inside ``atomic``.
    """
    deposit = (
        Payment.objects.select_for_update()
        .filter(tenant=tenant, checkout_session_id=str(session.get("id") or ""),
                kind__in=(Payment.Kind.DEPOSIT, Payment.Kind.GUARANTEE))
        .first()
    )
    if deposit is None or deposit.status in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
        return None
    if deposit.kind == Payment.Kind.DEPOSIT:
        if session.get("payment_status") != "paid":
            return None
        deposit.payment_intent_id = _id(session.get("payment_intent"))
    else:
        deposit.setup_intent_id = _id(session.get("setup_intent"))
        card = provider_for(_policy(tenant)).saved_card(deposit.setup_intent_id)
        deposit.provider_customer_id, deposit.payment_method_id = card.customer_id, card.payment_method_id
    deposit.status = Payment.Status.SUCCEEDED
    deposit.save(update_fields=[
        "status", "payment_intent_id", "setup_intent_id", "provider_customer_id", "payment_method_id", "updated_at",
    ])
    outcome = DepositOutcome.CONFIRMED
    try:
        if deposit.appointment is None:
            raise HoldExpired([], "")
        appointment_hold_confirm(tenant=tenant, appointment=deposit.appointment, now=now)
    except HoldExpired:
        # Paid after the hold ran out (or the booking is gone): the slot may be someone
        # else's by now, so the money goes back; a saved card is simply not used.
        outcome = DepositOutcome.REFUNDED_LATE
        if deposit.kind == Payment.Kind.DEPOSIT:
            payment_refund(tenant=tenant, deposit=deposit, now=now)
        else:
            Payment.objects.filter(pk=deposit.pk).update(status=Payment.Status.EXPIRED, updated_at=now)
    logger.info("Payment %s of tenant %s: %s", deposit.pk, tenant.pk, outcome)
    _settled_on_commit(tenant, deposit.pk, outcome, now)
    return outcome


def deposit_checkout_expired(*, tenant: Tenant, session: dict, now: datetime) -> bool:
    """The checkout closed unpaid: the payment is expired and its hold, if still held, released.

    ``False`` when the session is none of ``tenant``'s pending payments. Call inside ``atomic``.
    """
    deposit = (
        Payment.objects.select_for_update()
        .filter(tenant=tenant, checkout_session_id=str(session.get("id") or ""), status=Payment.Status.PENDING)
        .first()
    )
    if deposit is None:
        return False
    Payment.objects.filter(pk=deposit.pk).update(status=Payment.Status.EXPIRED, updated_at=now)
    if deposit.appointment is not None and appointment_hold_release(
        tenant=tenant, appointment=deposit.appointment, now=now
    ):
        _settled_on_commit(tenant, deposit.pk, DepositOutcome.EXPIRED, now)
    return True


def payment_refund(*, tenant: Tenant, deposit: Payment, now: datetime) -> Payment:
    """Give ``deposit`` back in full: one refund row (a database property), sent to the provider after commit.

    Asking twice returns the refund already made. The provider call carries an
    idempotency key of the deposit, so a retried send refunds once.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=deposit.pk, tenant=tenant)
        refund = Payment.objects.filter(tenant=tenant, refund_of=locked).first()
        if refund is not None:
            return refund
        refund = Payment.objects.create(
            tenant=tenant, appointment=locked.appointment, customer=locked.customer, kind=Payment.Kind.REFUND,
            amount_cents=locked.amount_cents, currency=locked.currency, provider=locked.provider, refund_of=locked,
        )
        refund_id = refund.pk
        transaction.on_commit(lambda: _refund_send(tenant, refund_id, now))
    return refund


def _refund_send(tenant: Tenant, refund_id: int, now: datetime) -> None:
    refund = Payment.objects.select_related("refund_of").get(pk=refund_id, tenant=tenant)
    deposit = refund.refund_of
    assert deposit is not None
    try:
        provider_refund_id = provider_for(_policy(tenant)).refund(
            payment_intent_id=deposit.payment_intent_id, amount_cents=refund.amount_cents,
            idempotency_key=f"lyo-{tenant.pk}-refund-{deposit.pk}",
        )
    except ProviderError as error:
        logger.error("Refund %s of tenant %s refused: %s", refund.pk, tenant.pk, error)
        Payment.objects.filter(pk=refund.pk).update(status=Payment.Status.FAILED, failure=str(error)[:255],
                                                    updated_at=now)
        return
    with transaction.atomic():
        Payment.objects.filter(pk=refund.pk).update(
            status=Payment.Status.SUCCEEDED, refund_id=provider_refund_id, updated_at=now
        )
        Payment.objects.filter(pk=deposit.pk).update(status=Payment.Status.REFUNDED, updated_at=now)


def deposit_cancellation_refund(*, tenant: Tenant, appointment: Appointment, now: datetime) -> Payment | None:
    """A paid booking was cancelled: before the policy's cut-off the deposit goes back, after it it is kept.

    The refund (``None`` when there is none to make: no deposit paid, or too late). A card
    guarantee charges nothing, so there is nothing to give back.
    """
    deposit = (
        Payment.objects.filter(
            tenant=tenant, appointment=appointment, kind=Payment.Kind.DEPOSIT, status=Payment.Status.SUCCEEDED,
        ).order_by("-created_at", "-pk").first()
    )
    if deposit is None:
        return None
    policy = payment_policy_get(tenant=tenant)
    cutoff_hours = policy.cutoff_hours if policy is not None else 0
    if now > appointment.starts_at - timedelta(hours=cutoff_hours):
        logger.info("Payment %s of tenant %s kept: cancelled inside the %s-hour cut-off", deposit.pk, tenant.pk,
                    cutoff_hours)
        return None
    return payment_refund(tenant=tenant, deposit=deposit, now=now)


def _on_cancelled(
    sender: object, tenant: Tenant, appointment: Appointment, change: str, now: datetime, **kwargs: object
) -> None:
    # Sent inside the cancelling transaction: the refund row commits (and is sent) with it.
    if change == "cancelled":
        deposit_cancellation_refund(tenant=tenant, appointment=appointment, now=now)


def _on_hold_expired(sender: object, appointment_id: int, now: datetime, **kwargs: object) -> None:
    """A payment hold ran out unpaid: the payment expires and its checkout is closed."""
    with transaction.atomic():
        deposit = (
            # The payment's row only: locking the tenant's too would hold up every write pointing at it.
            Payment.objects.select_for_update(of=("self",))
            .select_related("tenant")
            .filter(appointment_id=appointment_id, status=Payment.Status.PENDING,
                    kind__in=(Payment.Kind.DEPOSIT, Payment.Kind.GUARANTEE))
            .first()
        )
        if deposit is None:
            return
        Payment.objects.filter(pk=deposit.pk).update(status=Payment.Status.EXPIRED, updated_at=now)
        _settled_on_commit(deposit.tenant, deposit.pk, DepositOutcome.EXPIRED, now)
    if not deposit.checkout_session_id:
        return
    try:
        provider_for(_policy(deposit.tenant)).checkout_expire(deposit.checkout_session_id)
    except ProviderError as error:
        # Already completed a moment ago: its webhook refunds it (``deposit_checkout_completed``).
        logger.warning("Checkout %s of tenant %s not closed: %s", deposit.checkout_session_id,
                       deposit.tenant_id, error)


def _settled_on_commit(tenant: Tenant, payment_id: int, outcome: DepositOutcome, now: datetime) -> None:
    transaction.on_commit(lambda: deposit_settled.send(
        sender=Payment, tenant=tenant, payment_id=payment_id, outcome=outcome, now=now,
    ))


def _policy(tenant: Tenant) -> PaymentPolicy:
    policy = payment_policy_get(tenant=tenant)
    if policy is None:
        raise ProviderError("This business has no payment policy.")
    return policy


def _id(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def deposit_receivers_connect() -> None:
    appointment_hold_expired.connect(_on_hold_expired, dispatch_uid="payments_hold_expired")
    appointment_customer_changed.connect(_on_cancelled, dispatch_uid="payments_customer_cancelled")
    appointment_staff_changed.connect(_on_cancelled, dispatch_uid="payments_staff_cancelled")
