"""What payments reads: a tenant's policy, a customer's no-shows, the money movements of a booking."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from bookings.models import Appointment
from bookings.setup import setup_extra
from customers.models import Customer
from payments.models import Payment, PaymentPolicy
from tenants.models import Tenant


def payment_policy_get(*, tenant: Tenant) -> PaymentPolicy | None:
    # Read once per config_version in an assistant turn (a saved policy bumps it: payments.apps).
    return setup_extra(tenant, "payment_policy", lambda: PaymentPolicy.objects.filter(tenant=tenant).first())


def customer_no_shows(*, tenant: Tenant, customer: Customer | None) -> int:
    """How many of ``customer``'s bookings at ``tenant`` staff marked as a no-show."""
    if customer is None:
        return 0
    return Appointment.objects.filter(tenant=tenant, customer=customer, status=Appointment.Status.NO_SHOW).count()


def customer_is_first_time(*, tenant: Tenant, customer: Customer | None) -> bool:
    """No visit yet: no completed booking (an unknown customer is a first-time one)."""
    if customer is None:
        return True
    return not Appointment.objects.filter(
        tenant=tenant, customer=customer, status=Appointment.Status.COMPLETED
    ).exists()


def appointment_payments(*, tenant: Tenant, appointment: Appointment) -> QuerySet[Payment]:
    """Every money movement of a booking, oldest first."""
    return Payment.objects.filter(tenant=tenant, appointment=appointment).order_by("created_at", "pk")


def appointment_deposit(*, tenant: Tenant, appointment: Appointment) -> Payment | None:
    """The deposit or card guarantee given for a booking (the latest, should a link have been sent twice)."""
    return (
        Payment.objects.filter(
            tenant=tenant, appointment=appointment, kind__in=(Payment.Kind.DEPOSIT, Payment.Kind.GUARANTEE),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def tenant_payments(*, tenant: Tenant) -> QuerySet[Payment]:
    """Every money movement of the tenant (and each card saved), newest first, with its booking and who charged."""
    return (
        Payment.objects.filter(tenant=tenant)
        .select_related("appointment", "customer", "actor", "refund")
        .order_by("-created_at", "-pk")
    )


class PaymentStatus:
    """Where a booking's money stands, as the API and the staff pages name it."""

    NONE = "none"  # nothing asked, or a link that ran out unpaid
    AWAITING = "awaiting"  # the link is out, the slot held
    PAID = "paid"  # the deposit is paid
    GUARANTEED = "guaranteed"  # a card is saved as a guarantee; nothing charged
    REFUNDED = "refunded"  # the deposit is (being) given back
    KEPT = "kept"  # cancelled after the cut-off, or not shown: the deposit stays with the business
    CHARGED = "charged"  # a no-show fee was charged on the saved card

    CHOICES = (NONE, AWAITING, PAID, GUARANTEED, REFUNDED, KEPT, CHARGED)


# A booking that ended like this keeps a paid deposit (a cancellation before the cut-off refunds it).
_KEEPS_DEPOSIT = (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)


def appointment_payment_statuses(*, tenant: Tenant, appointments: Sequence[Appointment]) -> dict[int, str]:
    """Each booking's ``PaymentStatus``, by booking id, read in one query."""
    statuses = {appointment.pk: PaymentStatus.NONE for appointment in appointments}
    status_of = {appointment.pk: appointment.status for appointment in appointments}
    rows: dict[int, list[Payment]] = {}
    payments = Payment.objects.filter(tenant=tenant, appointment_id__in=list(statuses)).order_by("created_at", "pk")
    for payment in payments:
        assert payment.appointment_id is not None  # filtered by it
        rows.setdefault(payment.appointment_id, []).append(payment)
    for appointment_id, payments in rows.items():
        statuses[appointment_id] = _payment_status(payments, status_of[appointment_id])
    return statuses


def _payment_status(payments: list[Payment], appointment_status: str) -> str:
    if any(p.kind == Payment.Kind.NO_SHOW_FEE and p.status == Payment.Status.SUCCEEDED for p in payments):
        return PaymentStatus.CHARGED
    if any(p.kind == Payment.Kind.REFUND and p.status != Payment.Status.FAILED for p in payments):
        return PaymentStatus.REFUNDED
    given = [p for p in payments if p.kind in (Payment.Kind.DEPOSIT, Payment.Kind.GUARANTEE)]
    if not given:
        return PaymentStatus.NONE
    latest = given[-1]
    if latest.status == Payment.Status.PENDING:
        return PaymentStatus.AWAITING
    if latest.status == Payment.Status.REFUNDED:
        return PaymentStatus.REFUNDED
    if latest.status != Payment.Status.SUCCEEDED:
        return PaymentStatus.NONE
    if latest.kind == Payment.Kind.GUARANTEE:
        return PaymentStatus.GUARANTEED
    return PaymentStatus.KEPT if appointment_status in _KEEPS_DEPOSIT else PaymentStatus.PAID


@dataclass(frozen=True)
class DepositStanding:
    """A booking's deposit as the customer is told of it: paid, being refunded, or kept."""

    status: str  # PaymentStatus.PAID, REFUNDED or KEPT
    amount_text: str


def appointment_deposit_standing(*, tenant: Tenant, appointment: Appointment) -> DepositStanding | None:
    """Where the deposit paid for ``appointment`` stands; ``None`` when none was paid (a card guarantee neither)."""
    deposit = (
        Payment.objects.filter(
            tenant=tenant, appointment=appointment, kind=Payment.Kind.DEPOSIT,
            status__in=(Payment.Status.SUCCEEDED, Payment.Status.REFUNDED),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if deposit is None:
        return None
    status = appointment_payment_statuses(tenant=tenant, appointments=[appointment])[appointment.pk]
    if status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.KEPT):
        return None
    return DepositStanding(status=status, amount_text=deposit.amount_text)
