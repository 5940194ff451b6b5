"""Reads about bookings, always scoped by tenant."""

from collections.abc import Sequence
from datetime import datetime

from bookings.models import Appointment, OpeningHours, Service, Weekday
from bookings.references import reference_normalise
from customers.models import Customer
from tenants.models import Tenant


def appointment_get_by_reference(*, tenant: Tenant, reference: str) -> Appointment:
    """The tenant's appointment with this code, however the customer typed it (``k7m 3qd``).

    Raises ``Appointment.DoesNotExist`` for a missing code and for another tenant's,
    alike, so a guess cannot tell them apart.
    """
    return Appointment.objects.select_related("customer", "service", "resource").get(
        tenant=tenant, reference=reference_normalise(reference)
    )


def appointments_upcoming_for_customer(*, tenant: Tenant, customer: Customer, now: datetime) -> list[Appointment]:
    """The customer's confirmed bookings that have not started yet, soonest first."""
    return list(
        Appointment.objects.filter(
            tenant=tenant, customer=customer, status__in=Appointment.ACTIVE_STATUSES, starts_at__gte=now,
            visit_first__isnull=True,  # a visit of several services is one booking to the customer
        )
        .select_related("service", "resource")
        .order_by("starts_at", "pk")
    )


def appointment_of_customer(*, tenant: Tenant, customer: Customer, reference: str) -> Appointment | None:
    """The customer's own booking with ``reference``, past or future, whatever its status (a visit's first)."""
    if not reference:
        return None
    return (
        Appointment.objects.filter(
            tenant=tenant, customer=customer, reference=reference_normalise(reference), visit_first__isnull=True
        )
        .select_related("service", "resource")
        .first()
    )


def appointment_upcoming_for_customer(
    *, tenant: Tenant, customer: Customer, now: datetime, reference: str = ""
) -> Appointment | None:
    """The customer's own confirmed booking, not started yet, with ``reference``; without one, the
    soonest of those already reminded (what a reminder's button without its code refers to).

    Another customer's code is not found, exactly like a missing one.
    """
    upcoming = Appointment.objects.filter(
        tenant=tenant, customer=customer, status__in=Appointment.ACTIVE_STATUSES, starts_at__gt=now,
        visit_first__isnull=True,
    ).select_related("service", "resource")
    if reference:
        return upcoming.filter(reference=reference_normalise(reference)).first()
    reminded = upcoming.exclude(reminder_sent_at__isnull=True, second_reminder_sent_at__isnull=True)
    return reminded.order_by("starts_at", "pk").first()


def visit_services(appointment: Appointment) -> list[Service]:
    """The services of ``appointment``'s visit in order: its own, then the ones booked after it."""
    services = [appointment.service] if appointment.service else []
    parts = (
        Appointment.objects.filter(
            tenant_id=appointment.tenant_id, visit_first=appointment, status__in=Appointment.ACTIVE_STATUSES
        )
        .select_related("service")
        .order_by("starts_at", "pk")
    )
    return services + [part.service for part in parts if part.service]


def appointments_for_tenant(
    *, tenant: Tenant, starts_from: datetime | None = None, starts_before: datetime | None = None,
    status: str | None = None,
):
    """The tenant's appointments (a queryset, for paging), soonest first."""
    queryset = Appointment.objects.filter(tenant=tenant).select_related("customer", "service", "resource")
    if starts_from is not None:
        queryset = queryset.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        queryset = queryset.filter(starts_at__lt=starts_before)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("starts_at", "pk")


def opening_hours_for_week(*, tenant: Tenant) -> dict[int, list[OpeningHours]]:
    """Every weekday (0 = Monday ... 6 = Sunday) with its ranges in opening order; closed days map to []."""
    week: dict[int, list[OpeningHours]] = {day: [] for day in Weekday.values}
    for row in OpeningHours.objects.filter(tenant=tenant).order_by("weekday", "opens"):
        week[row.weekday].append(row)
    return week


def customer_no_show_counts(*, tenant: Tenant, appointments: Sequence[Appointment]) -> dict[int, int]:
    """For each booking with a customer, how many of that customer's other bookings were no-shows (by booking id).

    Bookings whose guest never failed to show are left out; one query for the lot.
    """
    customer_ids = {a.customer_id for a in appointments if a.customer_id is not None}
    if not customer_ids:
        return {}
    rows = (
        Appointment.objects.filter(tenant=tenant, customer_id__in=customer_ids, status=Appointment.Status.NO_SHOW)
        .values_list("customer_id", "pk")
    )
    missed: dict[int, set[int]] = {}
    for customer_id, pk in rows:
        missed.setdefault(customer_id, set()).add(pk)
    counts = {}
    for appointment in appointments:
        others = missed.get(appointment.customer_id, set()) - {appointment.pk} if appointment.customer_id else set()
        if others:
            counts[appointment.pk] = len(others)
    return counts
