"""What payments reads: a tenant's policy, a customer's no-shows, the money movements of a booking."""

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
