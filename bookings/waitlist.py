"""The waitlist: customers told when a full time frees up, offered the freed slot held for them.

A customer joins for a window around the time they asked (``waitlist_join``). When a
booking stops occupying its slot (``bookings.signals.appointment_capacity_freed``: a
cancellation, a move, a booking deleted, a hold released or expired), ``waitlist_match`` holds the slot for the
oldest waiting request it can serve — the hold itself checks that the party fits the
table or that the staff member does the service in the time — and announces the offer
(``waitlist_offered``) for the channel apps to send. Confirm books it; a decline, a skip
(no way to reach the customer) or an expired hold offers the slot to the next request.

Every status change is a conditional UPDATE from the status it expects, so a tap, the
expiry sweep and a second matcher at once cannot both act on one request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.availability import available_slots
from bookings.errors import BookingError, HoldExpired
from bookings.models import WAITLIST_WINDOW_MINUTES, Appointment, Resource, Service, WaitlistRequest
from bookings.services import appointment_hold, appointment_hold_confirm, appointment_hold_release
from bookings.signals import appointment_capacity_freed, appointment_hold_expired, waitlist_offered
from common import metrics
from customers.models import Customer
from tenants.models import Tenant

__all__ = [
    "WAITLIST_HOLD_MINUTES",
    "WAITLIST_WINDOW_MINUTES",
    "waitlist_for_day",
    "waitlist_join",
    "waitlist_match",
    "waitlist_match_range",
    "waitlist_offer_accept",
    "waitlist_offer_by_staff",
    "waitlist_offer_decline",
    "waitlist_offer_skip",
    "waitlist_withdraw",
]

logger = logging.getLogger(__name__)

# How long a freed slot is kept for the customer it is offered to, unless the tenant set
# otherwise (``Tenant.waitlist_hold_minutes``, whose default this is).
WAITLIST_HOLD_MINUTES = 10


def _count(event: str) -> None:
    transaction.on_commit(lambda: metrics.waitlist.labels(action=event).inc())


def waitlist_join(
    *,
    tenant: Tenant,
    customer: Customer,
    start: datetime,
    party_size: int = 1,
    service: Service | None = None,
    resource: Resource | None = None,
    channel: str = Appointment.Channel.WHATSAPP,
    window_minutes: int = WAITLIST_WINDOW_MINUTES,
    now: datetime | None = None,
) -> WaitlistRequest:
    """Put ``customer`` on the waitlist for ``start`` ± ``window_minutes``; an open request for that day is reused.

    The window never starts in the past: a request made at 19:30 for 20:00 waits from
    now. Raises ``ValueError`` for a request that could never be served (another
    tenant's customer, service or staff; an empty party; a time already passed).
    """
    now = now or timezone.now()
    if customer.tenant_id != tenant.pk or any(
        row is not None and row.tenant_id != tenant.pk for row in (service, resource)
    ):
        raise ValueError("The customer, service and staff member must be the tenant's own.")
    if party_size < 1:
        raise ValueError("A party has at least one person.")
    if start <= now:
        raise ValueError("The asked time has already passed.")
    span = timedelta(minutes=window_minutes)
    window_start, window_end = max(start - span, now), start + span
    with transaction.atomic():
        # One open request per customer and day: asking twice moves it, it does not queue twice.
        local_day = start.astimezone(tenant.tzinfo).date()
        existing = (
            WaitlistRequest.objects.select_for_update()
            .filter(tenant=tenant, customer=customer, status=WaitlistRequest.Status.WAITING)
            .order_by("created_at", "pk")
        )
        for request in existing:
            if request.window_starts_at.astimezone(tenant.tzinfo).date() == local_day or (
                request.window_ends_at.astimezone(tenant.tzinfo).date() == local_day
            ):
                request.window_starts_at, request.window_ends_at = window_start, window_end
                request.party_size, request.service, request.resource = party_size, service, resource
                request.save(update_fields=[
                    "window_starts_at", "window_ends_at", "party_size", "service", "resource", "updated_at",
                ])
                return request
        request = WaitlistRequest.objects.create(
            tenant=tenant, customer=customer, window_starts_at=window_start, window_ends_at=window_end,
            party_size=party_size, service=service, resource=resource, channel=channel, created_at=now,
        )
        _count("joined")
    logger.info("Waitlist request %s of tenant %s from %s to %s", request.pk, tenant.pk, window_start, window_end)
    return request


def waitlist_withdraw(*, tenant: Tenant, request: WaitlistRequest, now: datetime | None = None) -> bool:
    """The customer no longer wants it; a slot held for them goes to the next. ``False`` if already closed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = WaitlistRequest.objects.select_for_update().get(pk=request.pk, tenant=tenant)
        if locked.status not in WaitlistRequest.OPEN_STATUSES:
            return False
        offer = locked.offer if locked.status == WaitlistRequest.Status.OFFERED else None
        _status_set(locked, WaitlistRequest.Status.WITHDRAWN)
        if offer is not None:
            appointment_hold_release(tenant=tenant, appointment=offer, now=now)
        _count("withdrawn")
    request.status = locked.status
    return True


def _status_set(request: WaitlistRequest, status: str) -> None:
    request.status = status
    request.save(update_fields=["status", "updated_at"])


def _candidates(tenant: Tenant, start: datetime, resource: Resource, now: datetime) -> list[WaitlistRequest]:
    return list(
        WaitlistRequest.objects.filter(
            tenant=tenant, status=WaitlistRequest.Status.WAITING,
            window_starts_at__gt=now, window_starts_at__lte=start, window_ends_at__gte=start,
        )
        .filter(Q(resource__isnull=True) | Q(resource=resource))
        .select_related("customer", "service")
        .order_by("created_at", "pk")
    )


def waitlist_match(
    *,
    tenant: Tenant,
    start: datetime,
    resource: Resource,
    now: datetime | None = None,
    hold_minutes: int | None = None,
) -> WaitlistRequest | None:
    """Offer the freed ``start`` on ``resource`` to the oldest waiting request it can serve; that request, or ``None``.

    Each candidate is tried by holding the slot for it: the hold applies every rule of a
    staff booking (opening hours, closures, the table's seats, the staff member's
    services and the service's length), so a request the slot cannot serve is passed
    over and keeps waiting. The offer is announced after commit (``waitlist_offered``).
    The slot is held for ``hold_minutes``, by default the tenant's setting.
    """
    now = now or timezone.now()
    hold_minutes = hold_minutes or tenant.waitlist_hold_minutes or WAITLIST_HOLD_MINUTES
    if resource.tenant_id != tenant.pk:
        raise ValueError("The resource must be the tenant's own.")
    for candidate in _candidates(tenant, start, resource, now):
        if _offer_hold(tenant, candidate, start, resource, hold_minutes, now):
            return candidate
    return None


def waitlist_match_range(
    *,
    tenant: Tenant,
    starts: datetime,
    ends: datetime,
    resource: Resource | None = None,
    now: datetime | None = None,
    hold_minutes: int | None = None,
) -> list[WaitlistRequest]:
    """Offer capacity freed over a span (a closure removed, a no-show's table) to every request it can serve.

    ``resource``: the one table or staff member freed (a no-show), or ``None`` for all of
    them (a closure). Each waiting request whose window meets the span, oldest first, is
    held the free start closest to the time it asked for, inside both its window and the
    span, on the slot grid; a request the span cannot serve keeps waiting. The requests
    offered, in that order.
    """
    now = now or timezone.now()
    hold_minutes = hold_minutes or tenant.waitlist_hold_minutes or WAITLIST_HOLD_MINUTES
    if resource is not None and resource.tenant_id != tenant.pk:
        raise ValueError("The resource must be the tenant's own.")
    starts = max(starts, now)
    if ends <= starts:
        return []
    waiting = (
        WaitlistRequest.objects.filter(
            tenant=tenant, status=WaitlistRequest.Status.WAITING,
            window_starts_at__gt=now, window_starts_at__lt=ends, window_ends_at__gte=starts,
        )
        .select_related("customer", "service", "resource")
        .order_by("created_at", "pk")
    )
    if resource is not None:
        waiting = waiting.filter(Q(resource__isnull=True) | Q(resource=resource))
    offered = []
    for candidate in waiting:
        for start, on in _starts_for(tenant, candidate, starts, ends, resource, now):
            if _offer_hold(tenant, candidate, start, on, hold_minutes, now):
                offered.append(candidate)
                break
    return offered


def waitlist_offer_by_staff(
    *, tenant: Tenant, request: WaitlistRequest, now: datetime | None = None, hold_minutes: int | None = None
) -> WaitlistRequest | None:
    """Staff offer a waiting request a free time by hand (the day view): the matcher's own hold and offer.

    The free start closest to the time the customer asked for, inside the request's
    window, is held for them and the offer is sent as the matcher's would be. ``None``
    when nothing in the window can serve it (or the request is no longer waiting, or
    another tenant's).
    """
    now = now or timezone.now()
    hold_minutes = hold_minutes or tenant.waitlist_hold_minutes or WAITLIST_HOLD_MINUTES
    waiting = (
        WaitlistRequest.objects.select_related("customer", "service", "resource")
        .filter(pk=request.pk, tenant=tenant, status=WaitlistRequest.Status.WAITING, window_ends_at__gt=now)
        .first()
    )
    if waiting is None:
        return None
    for start, on in _starts_for(tenant, waiting, waiting.window_starts_at, waiting.window_ends_at, None, now):
        if start > now and _offer_hold(tenant, waiting, start, on, hold_minutes, now):
            request.status, request.offer = waiting.status, waiting.offer
            return waiting
    return None


def waitlist_for_day(*, tenant: Tenant, starts: datetime, ends: datetime):
    """The tenant's open waitlist requests (waiting or offered) whose window meets ``[starts, ends)``, oldest first."""
    return (
        WaitlistRequest.objects.filter(
            tenant=tenant, status__in=WaitlistRequest.OPEN_STATUSES, window_starts_at__lt=ends,
            window_ends_at__gte=starts,
        )
        .select_related("customer", "service", "resource", "offer")
        .order_by("created_at", "pk")
    )


def _starts_for(
    tenant: Tenant, request: WaitlistRequest, starts: datetime, ends: datetime, resource: Resource | None,
    now: datetime,
) -> list[tuple[datetime, Resource]]:
    """The free starts that serve ``request`` inside the span and its window, closest to its asked time first."""
    zone = tenant.tzinfo
    slots = available_slots(
        tenant, service=request.service, party_size=request.party_size,
        resource=resource or request.resource, now=now, by_staff=True,
        start_date=request.window_starts_at.astimezone(zone).date(),
        end_date=request.window_ends_at.astimezone(zone).date(),
    )
    low, high = max(starts, request.window_starts_at), min(ends, request.window_ends_at)
    asked = request.asked_at
    fitting = [slot for slot in slots if low <= slot.start <= high and slot.start < ends]
    fitting.sort(key=lambda slot: (abs(slot.start - asked), slot.start))
    return [(slot.start, slot.resource) for slot in fitting]


def _offer_hold(
    tenant: Tenant, candidate: WaitlistRequest, start: datetime, resource: Resource, hold_minutes: int,
    now: datetime,
) -> bool:
    """Hold ``start`` on ``resource`` for ``candidate`` and mark it offered; ``False`` when it cannot serve it."""
    try:
        with transaction.atomic():
            held = appointment_hold(
                tenant=tenant, start=start, minutes=hold_minutes,
                reason=Appointment.HoldReason.WAITLIST_OFFER, party_size=candidate.party_size,
                service=candidate.service, resource=resource, customer=candidate.customer,
                channel=candidate.channel, now=now,
            )
            offered = WaitlistRequest.objects.filter(
                pk=candidate.pk, tenant=tenant, status=WaitlistRequest.Status.WAITING
            ).update(status=WaitlistRequest.Status.OFFERED, offer=held, updated_at=now)
            if not offered:
                # Withdrawn or offered elsewhere a moment ago: the hold goes with this savepoint.
                raise _Taken()
            _count("offered")
            _offer_announce_on_commit(tenant, candidate.pk, now)
    except BookingError:
        return False  # this slot cannot serve this request (or is taken again): try the next
    except _Taken:
        return False
    candidate.status, candidate.offer = WaitlistRequest.Status.OFFERED, held
    logger.info("Waitlist request %s of tenant %s offered booking %s", candidate.pk, tenant.pk, held.pk)
    return True


class _Taken(Exception):
    pass


def _offer_announce_on_commit(tenant: Tenant, request_id: int, now: datetime) -> None:
    transaction.on_commit(
        lambda: waitlist_offered.send(sender=WaitlistRequest, tenant=tenant, request_id=request_id, now=now)
    )


def waitlist_offer_accept(*, tenant: Tenant, request: WaitlistRequest, now: datetime | None = None) -> Appointment:
    """The customer tapped Confirm: the held slot is their booking.

    Too late (the hold expired, or a staff booking took the slot after it) raises
    ``HoldExpired`` with the nearest free slots, and the request is closed as missed.
    Another request's offer, or none, raises ``WaitlistRequest.DoesNotExist``.
    """
    now = now or timezone.now()
    locked = WaitlistRequest.objects.select_related("offer").get(pk=request.pk, tenant=tenant, offer__isnull=False)
    try:
        booked = appointment_hold_confirm(tenant=tenant, appointment=locked.offer, now=now)
    except HoldExpired:
        with transaction.atomic():
            if WaitlistRequest.objects.filter(pk=locked.pk, status=WaitlistRequest.Status.OFFERED).update(
                status=WaitlistRequest.Status.MISSED, updated_at=now
            ):
                _count("missed")
        request.status = WaitlistRequest.Status.MISSED
        raise
    with transaction.atomic():
        if WaitlistRequest.objects.filter(pk=locked.pk, status=WaitlistRequest.Status.OFFERED).update(
            status=WaitlistRequest.Status.BOOKED, updated_at=now
        ):
            _count("booked")
    request.status = WaitlistRequest.Status.BOOKED
    return booked


def waitlist_offer_decline(*, tenant: Tenant, request: WaitlistRequest, now: datetime | None = None) -> bool:
    """The customer tapped No thanks: the request closes and the slot goes to the next. ``False`` if not offered."""
    return _offer_close(tenant, request, WaitlistRequest.Status.DECLINED, "declined", now or timezone.now())


def waitlist_offer_skip(*, tenant: Tenant, request: WaitlistRequest, now: datetime | None = None) -> bool:
    """The offer cannot reach the customer (outside the 24-hour window, no approved template): the slot goes on.

    The request closes: a later slot could not reach them either until they write again.
    """
    return _offer_close(tenant, request, WaitlistRequest.Status.SKIPPED, "skipped", now or timezone.now())


def _offer_close(tenant: Tenant, request: WaitlistRequest, status: str, event: str, now: datetime) -> bool:
    with transaction.atomic():
        locked = (
            WaitlistRequest.objects.select_for_update(of=("self",)).select_related("offer")
            .get(pk=request.pk, tenant=tenant)
        )
        if locked.status != WaitlistRequest.Status.OFFERED or locked.offer is None:
            return False
        offer = locked.offer
        _status_set(locked, status)
        # Releasing announces the freed slot after commit: the next request is offered then.
        appointment_hold_release(tenant=tenant, appointment=offer, now=now)
        _count(event)
    request.status = locked.status
    return True


def waitlist_expired_close(*, now: datetime, tenant: Tenant | None = None) -> int:
    """Close the waiting requests whose window has started (periodic); how many."""
    due = WaitlistRequest.objects.filter(status=WaitlistRequest.Status.WAITING, window_starts_at__lte=now)
    if tenant is not None:
        due = due.filter(tenant=tenant)
    closed = due.update(status=WaitlistRequest.Status.EXPIRED, updated_at=now)
    if closed:
        metrics.waitlist.labels(action="expired").inc(closed)
    return closed


def _on_capacity_freed(
    sender, tenant: Tenant, starts_at: datetime, resource_id: int | None, now: datetime,
    ends_at: datetime | None = None, **kwargs,
) -> None:
    resource = Resource.objects.filter(pk=resource_id, tenant=tenant).first() if resource_id is not None else None
    if resource_id is not None and resource is None:
        return
    if ends_at is not None:
        waitlist_match_range(tenant=tenant, starts=starts_at, ends=ends_at, resource=resource, now=now)
        return
    if resource is None or starts_at <= now:
        return
    waitlist_match(tenant=tenant, start=starts_at, resource=resource, now=now)


def _on_hold_expired(sender, appointment_id: int, now: datetime, **kwargs) -> None:
    held = Appointment.objects.select_related("tenant", "resource").filter(pk=appointment_id).first()
    if held is None:
        return
    tenant = held.tenant
    with transaction.atomic():
        if WaitlistRequest.objects.filter(
            tenant=tenant, offer_id=appointment_id, status=WaitlistRequest.Status.OFFERED
        ).update(status=WaitlistRequest.Status.MISSED, updated_at=now):
            _count("missed")
    # Any expired hold (an offer, an approval nobody gave) frees its slot for the waitlist.
    if held.starts_at > now:
        waitlist_match(tenant=tenant, start=held.starts_at, resource=held.resource, now=now)


def waitlist_receivers_connect() -> None:
    appointment_capacity_freed.connect(_on_capacity_freed, dispatch_uid="waitlist_capacity_freed")
    appointment_hold_expired.connect(_on_hold_expired, dispatch_uid="waitlist_hold_expired")
