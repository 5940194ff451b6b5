"""Reads about bookings, always scoped by tenant."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from bookings.models import Appointment, Closure, OpeningHours, Resource, Service, WaitlistRequest, Weekday
from bookings.references import reference_normalise
from bookings.setup import booking_setup_in_use
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
    if (setup := booking_setup_in_use(tenant)) is not None:
        for weekday, rows in setup.hours.items():
            week[weekday] = list(rows)
        return week
    for row in OpeningHours.objects.filter(tenant=tenant).order_by("weekday", "opens"):
        week[row.weekday].append(row)
    return week


# The ones below read the process's cached setup inside ``bookings.setup.booking_setup_cached``
# (an assistant turn), the database otherwise.


def services_active(*, tenant: Tenant, pks: Iterable[int] | None = None) -> list[Service]:
    """The tenant's active services in the order customers see them; only ``pks`` when given."""
    wanted = None if pks is None else set(pks)
    if (setup := booking_setup_in_use(tenant)) is not None:
        return [s for pk, s in setup.services.items() if wanted is None or pk in wanted]
    services = Service.objects.filter(tenant=tenant, is_active=True).order_by("position", "name_it", "pk")
    return list(services if wanted is None else services.filter(pk__in=wanted))


def staff_doing_service(*, tenant: Tenant, service: Service) -> list[Resource]:
    """The active staff members who do ``service``, in the salon's order."""
    if (setup := booking_setup_in_use(tenant)) is not None:
        return [
            r for r in setup.resources
            if r.kind == Resource.Kind.STAFF and service.pk in setup.staff_services.get(r.pk, ())
        ]
    return list(
        Resource.objects.filter(tenant=tenant, kind=Resource.Kind.STAFF, is_active=True, services=service).order_by(
            "position", "name", "pk"
        )
    )


def closure_at(*, tenant: Tenant, moment: datetime) -> Closure | None:
    """The closure the business is in at ``moment`` (the first by start), if any."""
    if (setup := booking_setup_in_use(tenant)) is not None and moment >= setup.closures_from:
        return next((c for c in setup.closures if c.starts_at <= moment < c.ends_at), None)
    return Closure.objects.filter(tenant=tenant, starts_at__lte=moment, ends_at__gt=moment).order_by(
        "starts_at", "pk"
    ).first()


def closure_covering(*, tenant: Tenant, start: datetime, end: datetime) -> Closure | None:
    """A closure covering the whole of [start, end] (a whole day closed), if any."""
    if (setup := booking_setup_in_use(tenant)) is not None and start >= setup.closures_from:
        return next((c for c in setup.closures if c.starts_at <= start and c.ends_at >= end), None)
    return Closure.objects.filter(tenant=tenant, starts_at__lte=start, ends_at__gte=end).order_by(
        "starts_at", "pk"
    ).first()


def closures_upcoming(*, tenant: Tenant, now: datetime, until: datetime, limit: int) -> list[Closure]:
    """The closures not over at ``now`` that start before ``until``, soonest first."""
    if (setup := booking_setup_in_use(tenant)) is not None and now >= setup.closures_from:
        return [c for c in setup.closures if c.ends_at > now and c.starts_at < until][:limit]
    return list(
        Closure.objects.filter(tenant=tenant, ends_at__gt=now, starts_at__lt=until).order_by("starts_at", "pk")[:limit]
    )


def service_active_get(*, tenant: Tenant, pk: int) -> Service | None:
    """One of the tenant's active services."""
    if (setup := booking_setup_in_use(tenant)) is not None:
        return setup.services.get(pk)
    return Service.objects.filter(tenant=tenant, pk=pk, is_active=True).first()


def staff_active_get(*, tenant: Tenant, pk: int) -> Resource | None:
    """One of the tenant's active staff members."""
    if (setup := booking_setup_in_use(tenant)) is not None:
        return next((r for r in setup.resources if r.pk == pk and r.kind == Resource.Kind.STAFF), None)
    return Resource.objects.filter(tenant=tenant, pk=pk, kind=Resource.Kind.STAFF, is_active=True).first()


def largest_table_seats(*, tenant: Tenant) -> int:
    """The most guests one active table seats (0 without tables)."""
    if (setup := booking_setup_in_use(tenant)) is not None:
        return setup.largest_table_seats
    return (
        Resource.objects.filter(tenant=tenant, kind=Resource.Kind.TABLE, is_active=True)
        .order_by("-max_seats")
        .values_list("max_seats", flat=True)
        .first()
    ) or 0


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


# --- one row, as the assistant names it ------------------------------------------------


def resource_of_tenant(*, tenant: Tenant, pk: int | None) -> Resource | None:
    """The tenant's table or staff member ``pk``, active or not (a slot already offered names it)."""
    return Resource.objects.filter(tenant=tenant, pk=pk).first() if pk else None


def service_of_tenant(*, tenant: Tenant, pk: int | None) -> Service | None:
    """The tenant's service ``pk``, active or not (a waitlist request names it)."""
    return Service.objects.filter(tenant=tenant, pk=pk).first() if pk else None


def appointment_confirmed_of_customer(*, tenant: Tenant, customer: Customer, reference: str) -> Appointment | None:
    """The customer's confirmed booking with ``reference`` (the one a move in progress names)."""
    if not reference:
        return None
    return Appointment.objects.filter(
        tenant=tenant, customer=customer, reference=reference_normalise(reference), status=Appointment.Status.CONFIRMED
    ).first()


# --- the customer's waitlist -------------------------------------------------------------


def waitlist_request_for_offer(*, tenant: Tenant, customer: Customer, reference: str) -> WaitlistRequest | None:
    """The customer's request that was offered the held booking ``reference`` (its offer's buttons)."""
    return (
        WaitlistRequest.objects.select_related("offer", "service", "resource")
        .filter(tenant=tenant, customer=customer, offer__reference=reference_normalise(reference))
        .first()
    )


def waitlist_requests_open(*, tenant: Tenant, customer: Customer, now: datetime, limit: int) -> list[WaitlistRequest]:
    """The customer's requests still waiting for a time that has not passed, soonest first."""
    return list(
        WaitlistRequest.objects.filter(
            tenant=tenant, customer=customer, status__in=WaitlistRequest.OPEN_STATUSES, window_ends_at__gt=now,
        ).select_related("service").order_by("window_starts_at", "pk")[:limit]
    )


def waitlist_request_of_customer(*, tenant: Tenant, customer: Customer, pk: int) -> WaitlistRequest | None:
    return WaitlistRequest.objects.filter(tenant=tenant, customer=customer, pk=pk).first()
