"""Big parties that wait for staff approval ("parties of N or more need approval").

The assistant asks ``approval_needed`` at the confirm step; when it says yes, the
booking is made as a request (``appointment_approval_request``) instead:

- with the tenant's ``approval_hold_hours`` above 0 it is a *held* booking (hold reason
  ``approval``): the table is kept exactly like a confirmed booking until staff answer or
  the hold runs out (the hold sweep, ``holds_expired_release``, expires it and the
  customer is told it could not be confirmed);
- with 0 nothing is kept: the request is *pending* (it occupies nothing, so
  availability never counts a table nobody promised), and approving it books the time
  only if it is still free. Unanswered, it lapses when the booking would have started.

Staff approve (``appointment_approval_accept``) or decline (``appointment_approval_decline``)
from the day view or the booking's page. Every answer takes the tenant's booking lock,
then the row's, and acts only from the status it expects: an approval racing the expiry
sweep ends as one or the other, never both. The answer is announced inside the
transaction (``appointment_approval_answered``) for the apps above to tell the customer.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext

from bookings.availability import Verdict, slot_alternatives, start_check
from bookings.errors import AppointmentNotActive, SlotUnavailable
from bookings.models import Appointment, Resource, Service
from bookings.services import appointment_hold, booking_lock
from bookings.setup import reads_fresh_setup
from bookings.signals import appointment_approval_answered, appointment_approval_asked, appointment_capacity_freed
from common import metrics
from customers.models import Customer
from tenants.models import Tenant

__all__ = [
    "APPROVAL_STATUSES",
    "appointment_approval_accept",
    "appointment_approval_decline",
    "appointment_approval_request",
    "approval_needed",
    "approvals_pending",
    "approvals_pending_gauge_set",
]

logger = logging.getLogger(__name__)

# A request waiting for staff: held (the table kept) or pending (nothing kept).
APPROVAL_STATUSES = (Appointment.Status.HELD, Appointment.Status.PENDING)


def approval_needed(*, tenant: Tenant, party_size: int) -> bool:
    """Whether a party this big waits for staff approval (the tenant's setting; off when empty)."""
    threshold = tenant.approval_party_size
    return threshold is not None and party_size >= threshold


def approvals_pending(*, tenant: Tenant, now: datetime):
    """The tenant's requests still waiting for an answer, soonest first (a queryset)."""
    return (
        Appointment.objects.filter(
            tenant=tenant, hold_reason=Appointment.HoldReason.APPROVAL, status__in=APPROVAL_STATUSES,
            hold_expires_at__gt=now,
        )
        .select_related("customer", "resource", "service")
        .order_by("starts_at", "pk")
    )


@reads_fresh_setup
def appointment_approval_request(
    *,
    tenant: Tenant,
    start: datetime,
    party_size: int,
    customer: Customer | None,
    channel: str,
    service: Service | None = None,
    resource: Resource | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Ask staff to approve ``start`` for ``party_size``: a held or pending booking (see the module).

    Checked like the customer's own booking: the slot must be free now and the
    business's limits per customer apply (``CustomerBookingLimitReached``). Raises a
    ``BookingError`` when it cannot be asked for. Staff are alerted after it commits.
    """
    now = now or timezone.now()
    hours = tenant.approval_hold_hours
    with transaction.atomic():
        # Held first even without a hold: the same checks as any booking, then let go at once.
        appointment = appointment_hold(
            tenant=tenant, start=start, minutes=max(hours, 1) * 60, reason=Appointment.HoldReason.APPROVAL,
            party_size=party_size, service=service, resource=resource, customer=customer, channel=channel,
            notes=notes, now=now, customer_limits=True,
        )
        # Staff answer by the hold's end, never after the booking would have started. In UTC, as holds are.
        held_until = now.astimezone(UTC) + timedelta(hours=hours)
        deadline = min(held_until, appointment.starts_at) if hours else appointment.starts_at
        appointment.status = Appointment.Status.HELD if hours else Appointment.Status.PENDING
        appointment.hold_expires_at = deadline
        appointment.save(update_fields=["status", "hold_expires_at", "updated_at"])
        appointment_approval_asked.send(sender=Appointment, tenant=tenant, appointment=appointment, now=now)
    logger.info("Booking %s of tenant %s waits for approval until %s (%s)", appointment.pk, tenant.pk,
                appointment.hold_expires_at, appointment.status)
    return appointment


def _locked_request(tenant: Tenant, appointment: Appointment, now: datetime) -> Appointment:
    booking_lock(tenant)  # tenant, then the row: every booking write's order
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk, tenant=tenant)
    if locked.hold_reason != Appointment.HoldReason.APPROVAL or locked.status not in APPROVAL_STATUSES:
        raise AppointmentNotActive(gettext("This request has already been answered."))
    if locked.hold_expires_at is not None and locked.hold_expires_at <= now:
        raise AppointmentNotActive(
            gettext("This request ran out before it was answered: it is declined and the customer told.")
        )
    return locked


@reads_fresh_setup
def appointment_approval_accept(
    *, tenant: Tenant, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """Staff approve: the request becomes a confirmed booking and the customer is told.

    A held request keeps its table. A pending one is booked only if the time is still
    free (the smallest free table that seats the party, its own first); otherwise
    ``SlotUnavailable`` with the nearest free times, and it stays pending. A request
    already answered or past its time raises ``AppointmentNotActive``. Another tenant's
    raises ``Appointment.DoesNotExist``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_request(tenant, appointment, now)
        fields = ["status", "hold_expires_at", "updated_at"]
        if locked.status == Appointment.Status.PENDING:
            check = start_check(
                tenant=tenant, start=locked.starts_at, party_size=locked.party_size, service=locked.service,
                resource=None, now=now, by_staff=True, exclude_appointment_id=locked.pk,
            )
            if check.verdict is not Verdict.FREE or not check.resources:
                raise SlotUnavailable(
                    slot_alternatives(
                        tenant, near=locked.starts_at, party_size=locked.party_size, service=locked.service,
                        now=now, by_staff=True, exclude_appointment_id=locked.pk,
                    ),
                    gettext("That time is no longer free: the request cannot be approved as it is."),
                )
            own = next((r for r in check.resources if r.pk == locked.resource_id), None)
            locked.resource = own or check.resources[0]
            fields.append("resource")
        locked.status, locked.hold_expires_at = Appointment.Status.CONFIRMED, None
        try:
            with transaction.atomic():
                locked.save(update_fields=fields)
        except IntegrityError as error:  # the exclusion constraint: taken outside the lock
            raise SlotUnavailable([], gettext("That time was booked a moment ago.")) from error
        appointment_approval_answered.send(
            sender=Appointment, tenant=tenant, appointment=locked, approved=True, now=now
        )
        transaction.on_commit(lambda: metrics.bookings.labels(action="created").inc())
    logger.info("Booking %s of tenant %s approved", locked.pk, tenant.pk)
    return locked


def appointment_approval_decline(
    *, tenant: Tenant, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """Staff decline: the request is cancelled, a held table is freed (the waitlist may take it), the customer told.

    Same refusals as ``appointment_approval_accept``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_request(tenant, appointment, now)
        held = locked.status == Appointment.Status.HELD
        locked.status, locked.cancelled_at, locked.hold_expires_at = Appointment.Status.CANCELLED, now, None
        locked.save(update_fields=["status", "cancelled_at", "hold_expires_at", "updated_at"])
        if held and locked.starts_at > now:
            starts_at, resource_id = locked.starts_at, locked.resource_id
            transaction.on_commit(lambda: appointment_capacity_freed.send(
                sender=Appointment, tenant=tenant, starts_at=starts_at, resource_id=resource_id, now=now,
                ends_at=None,
            ))
        appointment_approval_answered.send(
            sender=Appointment, tenant=tenant, appointment=locked, approved=False, now=now
        )
    logger.info("Booking %s of tenant %s declined", locked.pk, tenant.pk)
    return locked


def approvals_pending_gauge_set(*, now: datetime) -> dict[str, int]:
    """Recount every tenant's requests waiting for staff into ``lyo_approvals_pending`` (by status); the counts.

    A cross-tenant read: call it from the periodic sweep, inside ``cross_tenant``. The gauge
    carries no tenant: its labels are fixed by the code.
    """
    counts: dict[str, int] = {str(status): 0 for status in APPROVAL_STATUSES}
    waiting = Appointment.objects.filter(
        hold_reason=Appointment.HoldReason.APPROVAL, status__in=APPROVAL_STATUSES, hold_expires_at__gt=now
    )
    for status, count in waiting.order_by().values("status").annotate(count=Count("pk")).values_list("status", "count"):
        counts[status] = count
    for status, count in counts.items():
        metrics.approvals_pending.labels(status=status).set(count)
    return counts
