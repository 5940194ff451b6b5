"""A guest who did not show, charged on the card they saved as a guarantee.

Staff mark the no-show (``bookings``), then confirm the charge once: ``no_show_fee_offer``
says what may be charged (the amount quoted when the card was saved, never more) or why
nothing can be; ``no_show_fee_charge`` charges it off-session. The fee's row is written,
and committed, before the provider is asked: a second click finds it (one fee per booking
that is not a failure is a database constraint) and charges nothing, and the provider
call carries the row's idempotency key, so a retried call charges once too. A charge the
card refused stays on record as failed, and staff may try again later: a new row, a new
key. Each row is the audit record of one attempt: who charged, when, how much, and what
the provider answered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bookings.models import Appointment
from payments.models import Payment, amount_text
from payments.providers import ProviderError, SavedCard, provider_for
from payments.selectors import payment_policy_get
from tenants.models import Tenant

__all__ = [
    "NoShowFeeNotChargeable",
    "NoShowFeeOffer",
    "no_show_fee_charge",
    "no_show_fee_offer",
    "no_show_fee_offers",
]

logger = logging.getLogger(__name__)


def _already_charged() -> str:
    return _("The no-show fee of this booking has already been charged, or is being charged.")


class NoShowFeeNotChargeable(Exception):
    """Nothing may be charged for this booking; ``str()`` says why, in words for staff."""


@dataclass(frozen=True)
class NoShowFeeOffer:
    """What staff are asked to confirm: the card saved for ``guarantee`` charged ``amount_cents``."""

    guarantee: Payment
    amount_cents: int
    currency: str

    @property
    def amount_text(self) -> str:
        return amount_text(self.amount_cents, self.currency)


def no_show_fee_offer(*, tenant: Tenant, appointment: Appointment) -> NoShowFeeOffer:
    """The fee that may be charged for ``appointment`` now; ``NoShowFeeNotChargeable`` says why not.

    Only a booking marked as a no-show, with a card saved for its guarantee, and no fee
    charged (or being charged) yet; after a failed attempt it may be tried again. The amount
    is the guarantee's, the one quoted to the customer under the policy when they saved
    the card.
    """
    if appointment.tenant_id != tenant.pk:
        raise NoShowFeeNotChargeable(_("This booking is not this business's."))
    if appointment.status != Appointment.Status.NO_SHOW:
        raise NoShowFeeNotChargeable(_("Only a booking marked as a no-show can be charged a no-show fee."))
    if (
        Payment.objects.filter(tenant=tenant, appointment=appointment, kind=Payment.Kind.NO_SHOW_FEE)
        .exclude(status=Payment.Status.FAILED)
        .exists()
    ):
        raise NoShowFeeNotChargeable(_already_charged())
    guarantee = (
        Payment.objects.filter(
            tenant=tenant,
            appointment=appointment,
            kind=Payment.Kind.GUARANTEE,
            status=Payment.Status.SUCCEEDED,
        )
        .exclude(payment_method_id="")
        .order_by("-created_at", "-pk")
        .first()
    )
    if guarantee is None:
        raise NoShowFeeNotChargeable(_("The guest saved no card as a guarantee for this booking."))
    if not guarantee.amount_cents:
        raise NoShowFeeNotChargeable(_("The guarantee of this booking names no amount."))
    return NoShowFeeOffer(guarantee=guarantee, amount_cents=guarantee.amount_cents, currency=guarantee.currency)


def no_show_fee_offers(*, tenant: Tenant, appointments: Sequence[Appointment]) -> dict[int, NoShowFeeOffer]:
    """The fees that may be charged now among ``appointments`` (a day's), by booking id; as ``no_show_fee_offer``."""
    missed = [a.pk for a in appointments if a.status == Appointment.Status.NO_SHOW and a.tenant_id == tenant.pk]
    if not missed:
        return {}
    tried = set(
        Payment.objects.filter(tenant=tenant, appointment_id__in=missed, kind=Payment.Kind.NO_SHOW_FEE)
        .exclude(status=Payment.Status.FAILED)
        .values_list("appointment_id", flat=True)
    )
    guarantees = (
        Payment.objects.filter(
            tenant=tenant,
            appointment_id__in=missed,
            kind=Payment.Kind.GUARANTEE,
            status=Payment.Status.SUCCEEDED,
            amount_cents__gt=0,
        )
        .exclude(payment_method_id="")
        .order_by("created_at", "pk")
    )
    offers = {}
    for guarantee in guarantees:  # the latest of a booking wins, as in no_show_fee_offer
        assert guarantee.appointment_id is not None  # filtered by it
        if guarantee.appointment_id not in tried:
            offers[guarantee.appointment_id] = NoShowFeeOffer(
                guarantee=guarantee, amount_cents=guarantee.amount_cents, currency=guarantee.currency
            )
    return offers


def no_show_fee_charge(
    *, tenant: Tenant, appointment: Appointment, actor: AbstractBaseUser | None, now: datetime
) -> Payment:
    """Charge the no-show fee on the saved card: the fee's row, succeeded or failed (with why).

    ``NoShowFeeNotChargeable`` when nothing may be charged, a second click included (the
    fee already has its row). A refusal by the card's bank or by the provider is not an
    exception: it is the row's ``failed`` status and ``failure``, shown to staff.
    """
    offer = no_show_fee_offer(tenant=tenant, appointment=appointment)
    guarantee = offer.guarantee
    policy = payment_policy_get(tenant=tenant)
    try:
        with transaction.atomic():
            fee = Payment.objects.create(
                tenant=tenant,
                appointment=appointment,
                customer=appointment.customer,
                kind=Payment.Kind.NO_SHOW_FEE,
                amount_cents=offer.amount_cents,
                currency=offer.currency,
                provider=guarantee.provider,
                provider_customer_id=guarantee.provider_customer_id,
                payment_method_id=guarantee.payment_method_id,
                actor=actor,
            )
    except IntegrityError as error:
        # Two clicks at once: the other one's row stands, and only it charges.
        raise NoShowFeeNotChargeable(_already_charged()) from error
    try:
        if policy is None:
            raise ProviderError(_("This business has no payment policy any more."))
        charge = provider_for(policy).off_session_charge(
            card=SavedCard(customer_id=guarantee.provider_customer_id, payment_method_id=guarantee.payment_method_id),
            amount_cents=fee.amount_cents,
            currency=fee.currency,
            description=f"{tenant.name}: no-show {appointment.reference}",
            metadata={"tenant_id": str(tenant.pk), "payment_id": str(fee.pk), "booking": appointment.reference},
            # One key per attempt: a retried call charges once, a new attempt after a refusal is new.
            idempotency_key=f"lyo-{tenant.pk}-no-show-fee-{fee.pk}",
        )
    except ProviderError as error:
        fee.status, fee.failure = Payment.Status.FAILED, str(error)[:255]
    else:
        fee.payment_intent_id = charge.payment_intent_id
        if charge.succeeded:
            fee.status = Payment.Status.SUCCEEDED
        else:
            fee.status, fee.failure = Payment.Status.FAILED, charge.failure[:255]
    fee.updated_at = now
    fee.save(update_fields=["status", "failure", "payment_intent_id", "updated_at"])
    logger.info(
        "No-show fee %s of tenant %s for booking %s: %s %s", fee.pk, tenant.pk, appointment.pk, fee.status, fee.failure
    )
    return fee
