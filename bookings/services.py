"""Booking, cancelling and moving appointments: the only code that writes them.

The assistant, the admin, the staff pages, the API, the reminders and the erasure of
personal data all call these functions; no other module saves, updates or deletes an
``Appointment``.

What staff change on a customer's behalf goes through ``appointment_staff_book`` and
``appointment_staff_change``, which announce the change
(``bookings.signals.appointment_staff_changed``) for the apps above to tell the
customer.

Every booking write runs in one transaction that first takes the tenant's booking
lock (see ``_booking_lock``), so "is it free?" and "insert" cannot interleave with
another booking of the same tenant; on PostgreSQL the exclusion constraint
``appointment_no_overlap`` is the last line of defence and its violation becomes
``SlotUnavailable`` too.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from bookings.availability import StartCheck, Verdict, slot_alternatives, start_check, visit_part_start
from bookings.errors import (
    AppointmentNotActive,
    BookingError,
    CustomerBookingLimitReached,
    HoldExpired,
    NoTableFits,
    NoticeTooShort,
    OutsideOpeningHours,
    ServiceNotOffered,
    SlotUnavailable,
    TooFarAhead,
    TooLateToCancel,
    VisitStepRefused,
)
from bookings.models import Appointment, Resource, Service
from bookings.references import reference_new
from bookings.setup import reads_fresh_setup
from bookings.signals import (
    CustomerChange,
    StaffChange,
    appointment_capacity_freed,
    appointment_customer_changed,
    appointment_hold_expired,
    appointment_staff_changed,
)
from common import metrics
from customers.models import Customer
from tenants.models import Tenant

__all__ = [
    "AppointmentNotActive",
    "BookingError",
    "CustomerBookingLimitReached",
    "HoldExpired",
    "NoTableFits",
    "NoticeTooShort",
    "OutsideOpeningHours",
    "ServiceNotOffered",
    "SlotUnavailable",
    "TooFarAhead",
    "TooLateToCancel",
    "VisitStep",
    "VisitStepRefused",
    "appointment_book",
    "appointment_cancel",
    "appointment_customer_confirm",
    "appointment_details_update",
    "appointment_hold",
    "appointment_hold_confirm",
    "appointment_hold_release",
    "appointment_reminded_mark",
    "appointment_reschedule",
    "appointment_staff_book",
    "appointment_staff_change",
    "appointment_status_set",
    "appointment_visit_mark",
    "appointment_walk_in",
    "appointments_anonymise",
    "appointments_past_complete",
    "appointments_trial_delete",
    "booking_request_check",
    "holds_expired_release",
]

logger = logging.getLogger(__name__)

OVERLAP_CONSTRAINT = "appointment_no_overlap"
REFERENCE_CONSTRAINT = "uniq_appointment_reference"
# A fresh code collides with probability (bookings of the tenant) / 887 million; a few
# attempts are plenty, and a loop that never ends would hide a broken generator.
REFERENCE_ATTEMPTS = 8
# Past bookings marked completed per periodic run; the next run takes the rest.
COMPLETE_BATCH = 1000
# What a reminder was about: a booking that moves is reminded (and confirmed) anew.
_REMINDER_FIELDS = ("reminder_sent_at", "second_reminder_sent_at", "customer_confirmed_at")
# When each reminder of a booking went out (``reminders.selectors.ReminderKind.field``).
_REMINDED_FIELDS = ("reminder_sent_at", "second_reminder_sent_at")


class _Keep:
    """Marks an argument the caller leaves as it is (``None`` is a meaningful value)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class _Overlap(Exception):
    """The database refused an overlapping booking (a race the lock did not cover)."""


# --- Checks -------------------------------------------------------------------------


def booking_request_check(
    *, tenant: Tenant, service: Service | None = None, party_size: int = 1, resource: Resource | None = None
) -> None:
    """Raise when no time at all could suit this request (the party, the service, the resource).

    ``NoTableFits`` for a restaurant party no (or not the chosen) table seats;
    ``ServiceNotOffered`` for an inactive service or one nobody (or not the chosen
    staff member) does. Returns quietly when some time could suit it.
    """
    if party_size < 1:
        raise NoTableFits(gettext("The party must be at least one person."), party_size=party_size)
    if service is not None and (service.tenant_id != tenant.pk or not service.is_active):
        raise ServiceNotOffered(gettext("That service is not offered."))
    if resource is not None and resource.tenant_id != tenant.pk:
        raise ValueError("The resource belongs to another tenant.")
    if tenant.kind == Tenant.Kind.RESTAURANT:
        if resource is not None:
            if resource.kind != Resource.Kind.TABLE or not resource.is_active:
                raise NoTableFits(
                    gettext("%(table)s is not a table in use.") % {"table": resource.name}, party_size=party_size
                )
            if not resource.min_seats <= party_size <= resource.max_seats:
                raise NoTableFits(
                    gettext("%(table)s seats %(min)s-%(max)s; the party is %(size)s.") % {
                        "table": resource.name, "min": resource.min_seats, "max": resource.max_seats,
                        "size": party_size,
                    },
                    party_size=party_size,
                )
            return
        tables = Resource.objects.filter(tenant=tenant, kind=Resource.Kind.TABLE, is_active=True)
        if not tables.filter(min_seats__lte=party_size, max_seats__gte=party_size).exists():
            largest = max(tables.values_list("max_seats", flat=True), default=0)
            raise NoTableFits(
                gettext("No table seats a party of %(size)s (the largest seats %(largest)s).")
                % {"size": party_size, "largest": largest},
                party_size=party_size,
            )
        return
    staff = Resource.objects.filter(tenant=tenant, kind=Resource.Kind.STAFF, is_active=True)
    if resource is not None:
        if resource.kind != Resource.Kind.STAFF or not resource.is_active:
            raise ServiceNotOffered(gettext("%(staff)s is not taking bookings.") % {"staff": resource.name})
        if service is not None and not resource.services.filter(pk=service.pk).exists():
            raise ServiceNotOffered(
                gettext("%(staff)s does not do %(service)s.") % {"staff": resource.name, "service": service}
            )
        return
    if service is not None:
        staff = staff.filter(services=service)
    if not staff.exists():
        raise ServiceNotOffered(
            gettext("Nobody does %(service)s at the moment.") % {"service": service} if service
            else gettext("Nobody is taking bookings.")
        )


def _arguments_check(
    tenant: Tenant, *, start: datetime, customer: Customer | None, resource: Resource | None, party_size: int = 1
) -> None:
    # Programming errors, not booking rules: the edges validate input and resolve rows
    # within the tenant.
    if timezone.is_naive(start):
        raise ValueError("start must be an aware datetime.")
    if party_size < 1:
        raise ValueError("party_size must be at least 1.")
    if customer is not None and customer.tenant_id != tenant.pk:
        raise ValueError("The customer belongs to another tenant.")
    if resource is not None and resource.tenant_id != tenant.pk:
        raise ValueError("The resource belongs to another tenant.")


def _refusal(
    check: StartCheck,
    *,
    tenant: Tenant,
    service: Service | None,
    party_size: int,
    resource: Resource | None,
    now: datetime,
    by_staff: bool,
    exclude_appointment_id: int | None = None,
) -> BookingError:
    """The domain error for a start that is not free."""
    verdict = check.verdict
    if verdict is Verdict.NO_RESOURCE:
        try:
            booking_request_check(tenant=tenant, service=service, party_size=party_size, resource=resource)
        except BookingError as error:
            return error
        return SlotUnavailable([], gettext("Nothing can be booked for this request."))
    if verdict is Verdict.TOO_SOON:
        if check.start < now:
            return NoticeTooShort(
                gettext("That time has already passed."), min_notice_minutes=tenant.min_notice_minutes
            )
        minutes = tenant.min_notice_minutes
        return NoticeTooShort(
            gettext("Bookings must be made at least %(minutes)s minutes ahead.") % {"minutes": minutes},
            min_notice_minutes=minutes,
        )
    if verdict is Verdict.TOO_FAR:
        return TooFarAhead(
            gettext("Bookings can be made at most %(days)s days ahead.") % {"days": tenant.max_days_ahead},
            max_days_ahead=tenant.max_days_ahead,
        )
    if verdict in (Verdict.OUTSIDE_HOURS, Verdict.ENDS_AFTER_CLOSING, Verdict.CLOSED):
        return OutsideOpeningHours(check.detail)
    messages = {
        Verdict.OFF_GRID: check.detail,
        Verdict.PACING: gettext("Too many guests already arrive at that time."),
        Verdict.TAKEN: gettext("That time is already booked."),
    }
    alternatives = slot_alternatives(
        tenant, near=check.start, service=service, party_size=party_size, resource=resource, now=now,
        by_staff=by_staff, exclude_appointment_id=exclude_appointment_id,
    )
    return SlotUnavailable(alternatives, messages.get(verdict, ""))


def _customer_limits_check(tenant: Tenant, customer: Customer, start: datetime, now: datetime) -> None:
    """Refuse a booking over the business's limits per customer. Call inside ``atomic``, after ``_booking_lock``.

    The customer's row is locked first (tenant, then customer: one fixed order), so two
    bookings by the same customer at once are counted one after the other even where
    the tenant lock would not serialise them. ``FOR NO KEY UPDATE``: rows pointing at
    the customer (a new conversation) can still be inserted meanwhile.
    """
    features = connection.features
    locked = Customer.objects.select_for_update(no_key=features.has_select_for_no_key_update)
    list(locked.filter(pk=customer.pk).values_list("pk", flat=True))
    # A visit of several services ("colore e piega") is one booking for the customer.
    bookings = Appointment.objects.filter(tenant=tenant, customer=customer, visit_first__isnull=True)
    active = bookings.filter(status=Appointment.Status.CONFIRMED, starts_at__gt=now).count()
    if active >= tenant.max_active_bookings_per_customer:
        raise CustomerBookingLimitReached(
            CustomerBookingLimitReached.ACTIVE, tenant.max_active_bookings_per_customer
        )
    # The business's day: a table at lunch and one at dinner are the same day.
    day = start.astimezone(tenant.tzinfo).date()
    day_start = datetime.combine(day, time.min, tzinfo=tenant.tzinfo)
    day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tenant.tzinfo)
    on_that_day = (
        bookings.exclude(status=Appointment.Status.CANCELLED)
        .filter(starts_at__gte=day_start, starts_at__lt=day_end)
        .count()
    )
    if on_that_day >= tenant.max_bookings_per_customer_per_day:
        raise CustomerBookingLimitReached(CustomerBookingLimitReached.DAY, tenant.max_bookings_per_customer_per_day)


def _cutoff_check(tenant: Tenant, appointment: Appointment, now: datetime) -> None:
    if now > appointment.starts_at - timedelta(hours=tenant.cancellation_cutoff_hours):
        raise TooLateToCancel(tenant.cancellation_cutoff_hours, tenant.contact_phone)


# --- Locks and writes ---------------------------------------------------------------


def _booking_lock(tenant: Tenant) -> None:
    """Serialise the bookings of one tenant until the transaction ends. Call inside ``atomic``.

    With it, checking and inserting cannot interleave with another booking of the
    same tenant, which also keeps pacing (covers across tables) exact. PostgreSQL:
    ``FOR NO KEY UPDATE`` on the tenant row, which does not block inserts of rows
    pointing at the tenant (they take ``FOR KEY SHARE``): webhooks storing messages
    never wait for a booking. SQLite has no row locks: a first write takes the
    database's write lock for the rest of the transaction.
    """
    features = connection.features
    if features.has_select_for_update:
        locked = Tenant.objects.select_for_update(no_key=features.has_select_for_no_key_update)
        list(locked.filter(pk=tenant.pk).values_list("pk", flat=True))
    else:
        Tenant.objects.filter(pk=tenant.pk).update(updated_at=F("updated_at"))


def _appointment_lock(tenant: Tenant, appointment: Appointment) -> Appointment:
    # Someone else's appointment is missing, exactly like one that does not exist.
    return Appointment.objects.select_for_update().get(pk=appointment.pk, tenant=tenant)


def _integrity_constraint(error: IntegrityError) -> str:
    diag = getattr(error.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    text = str(error)
    for candidate in (OVERLAP_CONSTRAINT, REFERENCE_CONSTRAINT):
        if candidate in text:
            return candidate
    # SQLite names the columns, not the constraint.
    if "lyo_appointments.reference" in text:
        return REFERENCE_CONSTRAINT
    return ""


def _appointment_insert(**fields: Any) -> Appointment:
    """Insert with a fresh reference code, retrying on a (rare) collision."""
    for _ in range(REFERENCE_ATTEMPTS):
        appointment = Appointment(reference=reference_new(), **fields)
        try:
            with transaction.atomic():
                appointment.save(force_insert=True)
            return appointment
        except IntegrityError as error:
            constraint = _integrity_constraint(error)
            if constraint == OVERLAP_CONSTRAINT:
                raise _Overlap from error
            if constraint != REFERENCE_CONSTRAINT:
                raise
    raise RuntimeError(f"No free reference code after {REFERENCE_ATTEMPTS} attempts.")


def _count_on_commit(action: str) -> None:
    transaction.on_commit(lambda: metrics.bookings.labels(action=action).inc())


# --- Public API ---------------------------------------------------------------------


@reads_fresh_setup
def appointment_book(
    *,
    tenant: Tenant,
    start: datetime,
    party_size: int = 1,
    service: Service | None = None,
    resource: Resource | None = None,
    customer: Customer | None = None,
    channel: str,
    notes: str = "",
    by_staff: bool = False,
    now: datetime | None = None,
    then: Sequence[Service] = (),
) -> Appointment:
    """Book ``start`` (aware) for ``party_size`` (and ``service``, for salons).

    ``resource=None`` picks the smallest free table that seats the party or the first
    free qualified staff member; a given resource is the only one tried. Staff
    (``by_staff``) skip the minimum notice, the maximum days ahead, the slot grid and
    the limits per customer (``CustomerBookingLimitReached``: future bookings, bookings
    on one day); nobody skips opening hours, closures, pacing or overlap. Raises a
    ``BookingError``.

    ``then``: more services in the same visit, booked back to back after ``service``
    (``bookings.availability.visit_part_start``) in the same transaction, each with the
    same staff member when free, else ``resource`` when it does that service, else the
    first free one who does. The first booking is returned: it is the visit the customer
    is told about; the others point to it (``visit_first``). All or nothing.
    """
    now = now or timezone.now()
    _arguments_check(tenant, start=start, customer=customer, resource=resource, party_size=party_size)
    if then:
        with transaction.atomic():
            first = appointment_book(
                tenant=tenant, start=start, party_size=party_size, service=service, resource=resource,
                customer=customer, channel=channel, notes=notes, by_staff=by_staff, now=now,
            )
            _visit_rest_book(first, then, preferred=resource, by_staff=by_staff, now=now)
        return first
    common: dict[str, Any] = {"tenant": tenant, "service": service, "party_size": party_size, "resource": resource}
    with transaction.atomic():
        _booking_lock(tenant)
        # A hold past due no longer blocks availability; mark it expired before inserting,
        # or the exclusion constraint would still see it.
        holds_expired_release(now=now, tenant=tenant)
        if customer is not None and not by_staff:
            _customer_limits_check(tenant, customer, start, now)
        check = start_check(start=start, now=now, by_staff=by_staff, **common)
        if check.verdict is not Verdict.FREE:
            raise _refusal(check, now=now, by_staff=by_staff, **common)
        for chosen in check.resources:
            try:
                appointment = _appointment_insert(
                    tenant=tenant, customer=customer, service=service, resource=chosen,
                    starts_at=check.start, ends_at=check.end, blocks_until=check.blocks_until,
                    party_size=party_size, status=Appointment.Status.CONFIRMED, channel=channel, notes=notes,
                )
            except _Overlap:
                continue  # taken a moment ago outside the lock: try the next suitable resource
            _count_on_commit("created")
            if not by_staff:
                _customer_change_announce(tenant, appointment, CustomerChange.BOOKED, None, now)
            return appointment
        raise SlotUnavailable(
            slot_alternatives(tenant, near=check.start, now=now, by_staff=by_staff, **_without_tenant(common)),
            gettext("That time was booked a moment ago."),
        )



def _visit_rest_book(
    first: Appointment, then: Sequence[Service], *, preferred: Resource | None, by_staff: bool, now: datetime
) -> list[Appointment]:
    """Book the later services of ``first``'s visit, each when the one before is over. Inside ``atomic``.

    A service nobody is free for at its turn raises ``SlotUnavailable`` (with the
    visit's alternatives): the caller's transaction takes the whole visit back.
    """
    tenant = first.tenant
    parts: list[Appointment] = []
    previous = first
    for service in then:
        start = visit_part_start(tenant, previous.blocks_until)
        check = start_check(tenant, start=start, service=service, party_size=first.party_size, now=now,
                            by_staff=by_staff)
        if check.verdict is not Verdict.FREE:
            raise SlotUnavailable(
                slot_alternatives(tenant, near=first.starts_at, service=first.service, party_size=first.party_size,
                                  now=now, by_staff=by_staff, then=then),
                gettext("%(service)s cannot follow at %(time)s.") % {
                    "service": service, "time": tenant.local_time_text(start),
                },
            )
        assert check.end is not None and check.blocks_until is not None  # a free start has both
        for chosen in _visit_staff_order(check.resources, previous.resource, preferred):
            try:
                part = _appointment_insert(
                    tenant=tenant, customer=first.customer, service=service, resource=chosen,
                    starts_at=check.start, ends_at=check.end, blocks_until=check.blocks_until,
                    party_size=first.party_size, status=first.status, channel=first.channel, notes=first.notes,
                    visit_first=first,
                )
            except _Overlap:
                continue
            break
        else:
            raise SlotUnavailable([], gettext("That time was booked a moment ago."))
        parts.append(part)
        previous = part
    return parts


def _visit_staff_order(
    free: Sequence[Resource], previous: Resource, preferred: Resource | None
) -> list[Resource]:
    # The customer stays in the same chair when they can; else with whom they asked for.
    first = [r for r in free if r.pk == previous.pk] + [r for r in free if preferred and r.pk == preferred.pk]
    return first + [r for r in free if r not in first]


def _visit_rest_move(
    tenant: Tenant, first: Appointment, *, first_blocks_until: datetime, later: bool, by_staff: bool, now: datetime
) -> None:
    """The later services of a moved visit follow it, each keeping its staff member when free.

    Inside the reschedule's transaction: one that cannot follow raises ``SlotUnavailable``
    and the whole move is taken back. ``first_blocks_until``: when the first service is
    over at its new time. A visit moving later moves its last service first (and one
    moving earlier its first service first), so no row ever lands on one of its own
    rows still at the old time: PostgreSQL checks the overlap at every UPDATE.
    """
    parts = list(
        Appointment.objects.select_for_update(of=("self",)).filter(
            tenant=tenant, visit_first=first, status__in=Appointment.ACTIVE_STATUSES
        ).select_related("service", "resource").order_by("starts_at")
    )
    checks = []
    previous_end = first_blocks_until
    for part in parts:
        start = visit_part_start(tenant, previous_end)
        check = start_check(tenant, start=start, service=part.service, party_size=part.party_size, now=now,
                            by_staff=by_staff, exclude_appointment_id=first.pk)
        if check.verdict is not Verdict.FREE:
            raise SlotUnavailable(
                slot_alternatives(tenant, near=start, service=first.service, party_size=first.party_size,
                                  now=now, by_staff=by_staff, exclude_appointment_id=first.pk,
                                  then=[p.service for p in parts if p.service]),
                gettext("%(service)s cannot follow at %(time)s.") % {
                    "service": part.service, "time": tenant.local_time_text(start),
                },
            )
        assert check.blocks_until is not None  # a free start has it
        checks.append(check)
        previous_end = check.blocks_until
    for part, check in reversed(list(zip(parts, checks, strict=True))) if later else zip(parts, checks, strict=True):
        _visit_part_save(part, check, fallback=first.resource)


def _visit_part_save(part: Appointment, check: StartCheck, *, fallback: Resource) -> None:
    assert check.end is not None and check.blocks_until is not None  # a free start has both
    for chosen in _visit_staff_order(check.resources, part.resource, fallback):
        part.resource = chosen
        part.starts_at, part.ends_at, part.blocks_until = check.start, check.end, check.blocks_until
        for name in _REMINDER_FIELDS:
            setattr(part, name, None)
        try:
            with transaction.atomic():
                part.save(update_fields=["resource", "starts_at", "ends_at", "blocks_until", "updated_at",
                                         *_REMINDER_FIELDS])
        except IntegrityError as error:
            if _integrity_constraint(error) != OVERLAP_CONSTRAINT:
                raise
            continue
        return
    raise SlotUnavailable([], gettext("That time was booked a moment ago."))

# --- Holds ----------------------------------------------------------------------------


@reads_fresh_setup
def appointment_hold(
    *,
    tenant: Tenant,
    start: datetime,
    minutes: int,
    reason: str,
    party_size: int = 1,
    service: Service | None = None,
    resource: Resource | None = None,
    customer: Customer | None = None,
    channel: str,
    notes: str = "",
    now: datetime | None = None,
    customer_limits: bool = False,
) -> Appointment:
    """Keep ``start`` for ``customer`` for ``minutes``: a held booking (``reason``: an ``HoldReason``).

    Checked and inserted exactly like ``appointment_book`` by staff (the business offers
    the slot itself: no notice, grid or per-customer limit stops it), but nobody is told:
    the caller sends the offer. The hold occupies the resource (the exclusion constraint
    covers it) until ``appointment_hold_confirm`` books it or it expires by itself.
    ``customer_limits``: the customer asked for this slot themselves (held while they
    pay), so the business's limits per customer apply (``CustomerBookingLimitReached``).
    Raises a ``BookingError`` when the slot is not free.
    """
    now = now or timezone.now()
    if minutes < 1:
        raise ValueError("A hold lasts at least a minute.")
    if reason not in Appointment.HoldReason.values:
        raise ValueError(f"Not a reason to hold a booking: {reason!r}")
    with transaction.atomic():
        if customer_limits and customer is not None:
            _booking_lock(tenant)  # tenant, then customer: appointment_book's order
            _customer_limits_check(tenant, customer, start, now)
        appointment = appointment_book(
            tenant=tenant, start=start, party_size=party_size, service=service, resource=resource,
            customer=customer, channel=channel, notes=notes, by_staff=True, now=now,
        )
        appointment.status = Appointment.Status.HELD
        # In UTC: Python adds to a zoned time on the wall clock, and ten minutes from 02:55
        # on the night summer time ends would be seventy.
        appointment.hold_expires_at = now.astimezone(UTC) + timedelta(minutes=minutes)
        appointment.hold_reason = reason
        appointment.save(update_fields=["status", "hold_expires_at", "hold_reason", "updated_at"])
    logger.info("Booking %s of tenant %s held until %s (%s)", appointment.pk, tenant.pk,
                appointment.hold_expires_at, reason)
    return appointment


@reads_fresh_setup
def appointment_hold_confirm(*, tenant: Tenant, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The customer took the held slot: the hold becomes a confirmed booking, announced as theirs.

    One conditional UPDATE (still held, not yet past due): of many taps at once, or a tap
    racing the expiry sweep or a staff booking over an expired hold, exactly one wins, and
    the row lock orders them. Confirming an already confirmed booking returns it (a double
    tap). Too late raises ``HoldExpired`` with the nearest free slots now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        confirmed = Appointment.objects.filter(
            pk=appointment.pk, tenant=tenant, status=Appointment.Status.HELD, hold_expires_at__gt=now,
        ).update(status=Appointment.Status.CONFIRMED, hold_expires_at=None, updated_at=now)
        current = Appointment.objects.get(pk=appointment.pk, tenant=tenant)
        if not confirmed:
            if current.status == Appointment.Status.CONFIRMED and current.hold_reason:
                return current  # the same customer tapped twice
            raise HoldExpired(
                slot_alternatives(
                    tenant, near=current.starts_at, service=current.service, party_size=current.party_size,
                    now=now,
                ),
                gettext("Sorry, that time has already been taken."),
            )
        _count_on_commit("created")
        _customer_change_announce(tenant, current, CustomerChange.BOOKED, None, now)
    _mirror(current, appointment)
    return current


def holds_expired_release(*, now: datetime, tenant: Tenant | None = None) -> list[int]:
    """Mark holds past due expired (periodic, and before every booking); the ids released.

    A conditional UPDATE per row set: a hold confirmed a moment ago is left alone, and two
    sweeps at once cannot release anything twice. Each released hold is announced
    (``appointment_hold_expired``) after commit, so the apps above offer the slot again.
    """
    due = Appointment.objects.filter(status=Appointment.Status.HELD, hold_expires_at__lte=now)
    if tenant is not None:
        due = due.filter(tenant=tenant)
    ids = list(due.values_list("pk", flat=True)[:COMPLETE_BATCH])
    if not ids:
        return []
    with transaction.atomic():
        released = list(
            Appointment.objects.filter(pk__in=ids, status=Appointment.Status.HELD, hold_expires_at__lte=now)
            .select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
            .values_list("pk", flat=True)
        )
        Appointment.objects.filter(pk__in=released, status=Appointment.Status.HELD).update(
            status=Appointment.Status.EXPIRED, updated_at=now
        )
        transaction.on_commit(lambda: _holds_expired_announce(released, now))
    return released


def _holds_expired_announce(released: list[int], now: datetime) -> None:
    for pk in released:
        appointment_hold_expired.send(sender=Appointment, appointment_id=pk, now=now)


def appointment_hold_release(*, tenant: Tenant, appointment: Appointment, now: datetime) -> bool:
    """The customer said no to a held slot: it no longer occupies anything; ``False`` if no longer held.

    A conditional UPDATE, like the expiry sweep: a confirm at the same moment wins or loses
    as a whole. The freed slot is announced after commit (``appointment_capacity_freed``).
    """
    with transaction.atomic():
        released = Appointment.objects.filter(
            pk=appointment.pk, tenant=tenant, status=Appointment.Status.HELD
        ).update(status=Appointment.Status.EXPIRED, updated_at=now)
        if released:
            appointment.status = Appointment.Status.EXPIRED
            _capacity_freed_on_commit(tenant, appointment, now)
    return bool(released)


def _capacity_freed_on_commit(tenant: Tenant, appointment: Appointment, now: datetime) -> None:
    starts_at, resource_id = appointment.starts_at, appointment.resource_id
    transaction.on_commit(lambda: appointment_capacity_freed.send(
        sender=Appointment, tenant=tenant, starts_at=starts_at, resource_id=resource_id, now=now,
    ))


def appointment_cancel(
    *, tenant: Tenant, appointment: Appointment, by_staff: bool = False, now: datetime | None = None
) -> Appointment:
    """Cancel; customers are refused inside the cut-off (``TooLateToCancel`` carries the phone to call).

    Returns the updated row. Another tenant's appointment raises ``Appointment.DoesNotExist``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _appointment_lock(tenant, appointment)
        if not locked.is_active:
            raise AppointmentNotActive()
        if not by_staff:
            _cutoff_check(tenant, locked, now)
        locked.status = Appointment.Status.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        # Cancelling a visit cancels every service of it; a later service alone can go by itself.
        parts = list(
            Appointment.objects.select_for_update(of=("self",)).filter(
                tenant=tenant, visit_first=locked, status__in=Appointment.ACTIVE_STATUSES
            )
        )
        Appointment.objects.filter(pk__in=[part.pk for part in parts]).update(
            status=Appointment.Status.CANCELLED, cancelled_at=now, updated_at=now
        )
        _count_on_commit("cancelled")
        for freed in (locked, *parts):
            if freed.starts_at > now:
                _capacity_freed_on_commit(tenant, freed, now)
        if not by_staff:
            _customer_change_announce(tenant, locked, CustomerChange.CANCELLED, None, now)
    _mirror(locked, appointment)
    return locked


@reads_fresh_setup
def appointment_reschedule(
    *,
    tenant: Tenant,
    appointment: Appointment,
    new_start: datetime,
    by_staff: bool = False,
    now: datetime | None = None,
    resource: Resource | None = None,
    party_size: int | None = None,
    service: Service | None = KEEP,
) -> Appointment:
    """Move a booking to ``new_start``, keeping its reference; the old time is freed in the same transaction.

    The booking keeps its resource when it is free at the new time, else takes the
    best free suitable one; ``resource`` forces one. ``party_size`` and ``service``
    change them too (the admin's edit form). Customers are refused inside the
    cut-off, as for a cancellation. Returns the updated row.
    """
    now = now or timezone.now()
    _arguments_check(tenant, start=new_start, customer=None, resource=resource, party_size=party_size or 1)
    with transaction.atomic():
        _booking_lock(tenant)  # tenant first, then the appointment: one fixed order
        locked = _appointment_lock(tenant, appointment)
        if not locked.is_active:
            raise AppointmentNotActive()
        if not by_staff:
            _cutoff_check(tenant, locked, now)
        common: dict[str, Any] = {
            "tenant": tenant,
            "service": locked.service if service is KEEP else service,
            "party_size": locked.party_size if party_size is None else party_size,
            "resource": resource,
        }
        check = start_check(start=new_start, now=now, by_staff=by_staff, exclude_appointment_id=locked.pk, **common)
        if check.verdict is not Verdict.FREE:
            raise _refusal(check, now=now, by_staff=by_staff, exclude_appointment_id=locked.pk, **common)
        assert check.end is not None and check.blocks_until is not None  # a free start has both
        current = next((r for r in check.resources if r.pk == locked.resource_id), None)
        choices = ([current] if current else []) + [r for r in check.resources if r is not current]
        moved = check.start != locked.starts_at
        previous_start, previous_resource_id = locked.starts_at, locked.resource_id
        has_parts = moved and locked.visit_parts.filter(status__in=Appointment.ACTIVE_STATUSES).exists()
        if has_parts and check.start > previous_start:
            _visit_rest_move(tenant, locked, first_blocks_until=check.blocks_until, later=True, by_staff=by_staff,
                             now=now)
        for chosen in choices:
            locked.resource = chosen
            locked.service = common["service"]
            locked.party_size = common["party_size"]
            locked.starts_at, locked.ends_at, locked.blocks_until = check.start, check.end, check.blocks_until
            fields = ["resource", "service", "party_size", "starts_at", "ends_at", "blocks_until", "updated_at"]
            if moved:
                for name in _REMINDER_FIELDS:
                    setattr(locked, name, None)
                fields += _REMINDER_FIELDS
            try:
                with transaction.atomic():
                    locked.save(update_fields=fields)
            except IntegrityError as error:
                if _integrity_constraint(error) != OVERLAP_CONSTRAINT:
                    raise
                continue
            if has_parts and check.start < previous_start:
                _visit_rest_move(tenant, locked, first_blocks_until=check.blocks_until, later=False,
                                 by_staff=by_staff, now=now)
            _count_on_commit("rescheduled")
            if (moved or locked.resource_id != previous_resource_id) and previous_start > now:
                # The old time is free again: the waitlist may take it.
                transaction.on_commit(lambda: appointment_capacity_freed.send(
                    sender=Appointment, tenant=tenant, starts_at=previous_start, resource_id=previous_resource_id,
                    now=now,
                ))
            if not by_staff:
                _customer_change_announce(tenant, locked, CustomerChange.MOVED, previous_start, now)
            _mirror(locked, appointment)
            return locked
        raise SlotUnavailable(
            slot_alternatives(
                tenant, near=check.start, now=now, by_staff=by_staff, exclude_appointment_id=locked.pk,
                **_without_tenant(common),
            ),
            gettext("That time was booked a moment ago."),
        )


def appointment_status_set(
    *, tenant: Tenant, appointment: Appointment, status: str, now: datetime | None = None
) -> Appointment:
    """Staff mark a confirmed booking completed, a no-show, or cancelled (no cut-off for staff).

    A booking that is no longer confirmed is not reopened (its time may be taken):
    book again instead. Completed and no-show may be swapped (past bookings are marked
    completed automatically; staff record the no-shows afterwards). A no-show needs the
    booking to have started.
    """
    now = now or timezone.now()
    if status == Appointment.Status.CANCELLED:
        return appointment_cancel(tenant=tenant, appointment=appointment, by_staff=True, now=now)
    past = (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW)
    with transaction.atomic():
        locked = _appointment_lock(tenant, appointment)
        if locked.status == status:
            return locked
        if status not in past or not (locked.is_active or locked.status in past):
            raise AppointmentNotActive(
                gettext(
                    "Only a confirmed booking can change status; a cancelled booking is not reopened, nor is "
                    "a completed or no-show one confirmed again. Make a new booking instead."
                )
            )
        if status == Appointment.Status.NO_SHOW and locked.starts_at > now:
            raise AppointmentNotActive(gettext("A booking that has not started yet cannot be a no-show."))
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    _mirror(locked, appointment)
    return locked


def appointment_customer_confirm(*, tenant: Tenant, appointment: Appointment, now: datetime) -> Appointment:
    """The customer confirmed they are coming (a reminder's "Confirm"). Idempotent: the first time stays.

    Raises ``AppointmentNotActive`` for a booking no longer confirmed or already started.
    """
    with transaction.atomic():
        locked = _appointment_lock(tenant, appointment)
        if not locked.is_active or locked.starts_at <= now:
            raise AppointmentNotActive()
        if locked.customer_confirmed_at is None:
            locked.customer_confirmed_at = now
            locked.save(update_fields=["customer_confirmed_at", "updated_at"])
    appointment.customer_confirmed_at = locked.customer_confirmed_at
    return locked


def appointments_past_complete(*, now: datetime) -> int:
    """Mark confirmed bookings that have ended as completed (periodic); how many changed.

    One conditional UPDATE per batch: a booking cancelled or marked a no-show meanwhile
    is left alone, and two runs at once cannot do anything twice.
    """
    ended = Appointment.objects.filter(status=Appointment.Status.CONFIRMED, ends_at__lte=now).order_by("ends_at")
    ids = list(ended.values_list("pk", flat=True)[:COMPLETE_BATCH])
    if not ids:
        return 0
    return Appointment.objects.filter(pk__in=ids, status=Appointment.Status.CONFIRMED).update(
        status=Appointment.Status.COMPLETED, updated_at=now
    )


def appointment_details_update(
    *, tenant: Tenant, appointment: Appointment, customer: Customer | None = KEEP, notes: str = KEEP
) -> Appointment:
    """Change what does not affect availability: the customer and the notes."""
    with transaction.atomic():
        locked = _appointment_lock(tenant, appointment)
        fields = []
        if customer is not KEEP:
            if customer is not None and customer.tenant_id != tenant.pk:
                raise ValueError("The customer belongs to another tenant.")
            locked.customer = customer
            fields.append("customer")
        if notes is not KEEP:
            locked.notes = notes
            fields.append("notes")
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
    return locked


def appointment_reminded_mark(*, appointment: Appointment, field: str, now: datetime) -> bool:
    """Claim a reminder of a booking as sent at ``now``; ``False`` when it is not the reminder's to send any more.

    ``field`` says which reminder (``reminder_sent_at``, ``second_reminder_sent_at``).
    One conditional UPDATE (still confirmed, same start, that reminder not yet sent):
    of two runs racing for it, the second waits for the first's row lock and then
    matches nothing; a booking cancelled or moved since it was read matches nothing
    either. Call in the transaction that stores the reminder, so both or neither happen.
    """
    if field not in _REMINDED_FIELDS:
        raise ValueError(f"Not a reminder of a booking: {field!r}")
    claimed = Appointment.objects.filter(
        pk=appointment.pk, tenant_id=appointment.tenant_id, status=Appointment.Status.CONFIRMED,
        starts_at=appointment.starts_at, **{f"{field}__isnull": True},
    ).update(**{field: now})
    if claimed:
        setattr(appointment, field, now)
    return bool(claimed)


class AppointmentsAnonymised(NamedTuple):
    notes_blanked: int  # bookings whose notes named an erased customer
    kept: int  # the erased customers' own bookings, kept without them


def appointments_anonymise(
    *, customer_ids: Collection[int], naming_ids: Collection[int], now: datetime
) -> AppointmentsAnonymised:
    """Take erased customers' personal data out of the bookings, which stay (the business's records).

    ``naming_ids``: bookings (anyone's) whose notes name one of them lose their notes;
    the customers' own bookings (``customer_ids``) lose the customer and the notes.
    Call in the transaction that erases the customers, before they are deleted.
    """
    notes_blanked = Appointment.objects.filter(pk__in=naming_ids).update(notes="", updated_at=now)
    kept = Appointment.objects.filter(customer__in=customer_ids).update(customer=None, notes="", updated_at=now)
    return AppointmentsAnonymised(notes_blanked=notes_blanked, kept=kept)


def appointments_trial_delete(*, tenant: Tenant) -> int:
    """Delete the tenant's test bookings (``channel=test``); how many went.

    Deleted rather than cancelled: they never happened, and a cancelled row would still
    show on the day view and in the statistics. No other channel's booking is touched.
    """
    _, deleted = Appointment.objects.filter(tenant=tenant, channel=Appointment.Channel.TEST).delete()
    return deleted.get(Appointment._meta.label, 0)


# --- Staff edits ---------------------------------------------------------------------


def appointment_staff_book(
    *,
    tenant: Tenant,
    start: datetime,
    party_size: int = 1,
    service: Service | None = None,
    resource: Resource | None = None,
    customer: Customer | None = None,
    channel: str,
    notes: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Staff book (the admin, the day view, the API ``by_staff``): ``appointment_book`` with staff rules,
    announced as ``StaffChange.BOOKED``.

    One transaction: a refused booking (``BookingError``) writes nothing and tells nobody.
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = appointment_book(
            tenant=tenant, start=start, party_size=party_size, service=service, resource=resource,
            customer=customer, channel=channel, notes=notes, by_staff=True, now=now,
        )
        _staff_change_announce(tenant, appointment, StaffChange.BOOKED, now)
    return appointment


def appointment_staff_change(
    *,
    tenant: Tenant,
    appointment: Appointment,
    start: datetime = KEEP,
    resource: Resource | None = KEEP,
    party_size: int = KEEP,
    service: Service | None = KEEP,
    customer: Customer | None = KEEP,
    notes: str = KEEP,
    status: str = KEEP,
    now: datetime | None = None,
) -> Appointment:
    """Staff edit a booking (the admin's form and actions, the API ``by_staff``); returns the row as written.

    Only what is given changes, in this order: ``start``, ``resource``, ``party_size``
    or ``service`` reschedule (``appointment_reschedule``, staff rules; ``resource=None``
    keeps the current one when it is free at the new time, else takes the best free
    one); ``customer`` and ``notes`` are details; ``status`` is set last
    (``appointment_status_set``). All or nothing, in one transaction.

    The one change the customer needs to hear of, if any, is announced
    (``appointment_staff_changed``) in that transaction: a cancellation above all, then
    a booking given to a (new) customer, then another time, party size or service. A
    new table or notes are not news; nor is anything about a booking no longer active.
    Raises a ``BookingError``: then nothing changed and nobody is told.
    """
    now = now or timezone.now()
    reschedule = any(value is not KEEP for value in (start, resource, party_size, service))
    with transaction.atomic():
        if reschedule:
            _booking_lock(tenant)  # tenant first, then the appointment: appointment_reschedule's order
        current = _appointment_lock(tenant, appointment)
        before = _customer_view(current)
        if reschedule:
            current = appointment_reschedule(
                tenant=tenant, appointment=current, by_staff=True, now=now,
                new_start=current.starts_at if start is KEEP else start,
                resource=None if resource is KEEP else resource,
                party_size=None if party_size is KEEP else party_size,
                service=service,
            )
        if customer is not KEEP or notes is not KEEP:
            current = appointment_details_update(tenant=tenant, appointment=current, customer=customer, notes=notes)
        if status is not KEEP:
            current = appointment_status_set(tenant=tenant, appointment=current, status=status, now=now)
        change = _staff_change(before, current)
        if change is not None:
            _staff_change_announce(tenant, current, change, now)
    _mirror(current, appointment)
    return current


# --- The visit (the day view's service) -------------------------------------------------


class VisitStep(StrEnum):
    """What staff mark on a booking as the guest comes and goes."""

    ARRIVED = "arrived"
    SEATED = "seated"
    LEFT = "left"
    NO_SHOW = "no_show"
    UNDO = "undo"  # the last step marked, taken back (a mistaken tap)


_VISIT_FIELDS = ("arrived_at", "seated_at", "left_at")
# How early a guest may be marked arrived: a tap on tomorrow's booking is a mistake, not an arrival.
VISIT_EARLIEST = timedelta(hours=3)


def appointment_visit_mark(
    *, tenant: Tenant, appointment: Appointment, step: VisitStep | str, now: datetime
) -> Appointment:
    """Mark a step of the visit: the guest arrived, was seated, left, or is a no-show; or undo the last one.

    Arrived and seated need a confirmed booking; left also takes a completed one (the
    booking's time ran out while the guest was still at the table). Seated implies
    arrived and left implies seated: the steps skipped are marked at the same time.
    Marking a step again keeps the first time (a double tap changes nothing). A guest is
    marked at most ``VISIT_EARLIEST`` (3 hours) before the booking starts.

    Left before the booking's end ends it there (``ends_at`` = ``now``, the service's
    buffer kept after it), so the table or the staff member is free again for a walk-in
    or a booking; it stays ended if the step is undone (the time may have been given away).

    No-show goes through ``appointment_staff_change`` (status ``no_show``): only before
    arrival, once the booking has started. Undo takes back the latest step: left, then
    seated, then arrived (back to expected); a no-show becomes expected again
    (confirmed, or completed once its time has passed) if its table has not been given
    to someone else meanwhile.

    The customer is told nothing. Raises ``VisitStepRefused`` (a cancelled booking, a
    step that does not fit), ``ValueError`` for a step that does not exist, and
    ``Appointment.DoesNotExist`` for another tenant's booking.
    """
    step = VisitStep(step)
    if step is VisitStep.NO_SHOW:
        marked = _visit_no_show(tenant, appointment, now)
    else:
        with transaction.atomic():
            if step is VisitStep.UNDO:
                _booking_lock(tenant)  # an undone no-show takes its table back: tenant first, then the booking
            locked = _appointment_lock(tenant, appointment)
            _visit_refuse_cancelled(locked, step)
            if step is VisitStep.UNDO:
                _visit_undo(tenant, locked, now)
            else:
                _visit_forward(locked, step, now)
        marked = locked
    logger.info("Booking %s of tenant %s: visit step %s", marked.pk, tenant.pk, step.value)
    _mirror(marked, appointment)
    for name in _VISIT_FIELDS:
        setattr(appointment, name, getattr(marked, name))
    return marked


def _visit_refuse_cancelled(locked: Appointment, step: VisitStep) -> None:
    if locked.status == Appointment.Status.CANCELLED:
        raise VisitStepRefused(gettext("This booking was cancelled."), step=step)


def _visit_no_show(tenant: Tenant, appointment: Appointment, now: datetime) -> Appointment:
    with transaction.atomic():
        locked = _appointment_lock(tenant, appointment)
        _visit_refuse_cancelled(locked, VisitStep.NO_SHOW)
        if locked.status == Appointment.Status.NO_SHOW:
            return locked
        if locked.arrived_at is not None:
            raise VisitStepRefused(
                gettext("This guest has arrived: undo the arrival first if that was a mistake."),
                step=VisitStep.NO_SHOW,
            )
        if locked.starts_at > now:
            raise VisitStepRefused(
                gettext("A booking that has not started yet cannot be a no-show."), step=VisitStep.NO_SHOW
            )
        return appointment_staff_change(tenant=tenant, appointment=locked, status=Appointment.Status.NO_SHOW, now=now)


def _visit_forward(locked: Appointment, step: VisitStep, now: datetime) -> None:
    allowed = (Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED) if step is VisitStep.LEFT else (
        Appointment.Status.CONFIRMED,
    )
    if locked.status not in allowed:
        if locked.status == Appointment.Status.NO_SHOW:
            message = gettext("This booking is marked as a no-show: undo that first.")
        else:
            message = gettext("This booking has ended.")
        raise VisitStepRefused(message, step=step)
    if locked.starts_at - now > VISIT_EARLIEST:
        raise VisitStepRefused(
            gettext("This booking starts later: mark the guest when they come (up to %(hours)s hours before).")
            % {"hours": int(VISIT_EARLIEST / timedelta(hours=1))},
            step=step,
        )
    reached = {VisitStep.ARRIVED: 1, VisitStep.SEATED: 2, VisitStep.LEFT: 3}[step]
    fields = []
    for name in _VISIT_FIELDS[:reached]:
        if getattr(locked, name) is None:
            setattr(locked, name, now)
            fields.append(name)
    if step is VisitStep.LEFT and locked.is_active and locked.starts_at < now < locked.ends_at:
        # The guest went early: free the table now, keeping the buffer (cleaning) after them.
        buffer = locked.blocks_until - locked.ends_at
        locked.ends_at, locked.blocks_until = now, now + buffer
        fields += ["ends_at", "blocks_until"]
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])


def _visit_undo(tenant: Tenant, locked: Appointment, now: datetime) -> None:
    if locked.status == Appointment.Status.NO_SHOW:
        if locked.ends_at <= now:
            locked.status = Appointment.Status.COMPLETED  # its time has passed: the guest came after all
        else:
            taken = (
                Appointment.objects.filter(
                    tenant=tenant, resource_id=locked.resource_id, status=Appointment.Status.CONFIRMED,
                    starts_at__lt=locked.blocks_until, blocks_until__gt=locked.starts_at,
                )
                .exclude(pk=locked.pk)
                .exists()
            )
            if taken:
                raise VisitStepRefused(_visit_table_taken(locked), step=VisitStep.UNDO)
            locked.status = Appointment.Status.CONFIRMED
        try:
            with transaction.atomic():
                locked.save(update_fields=["status", "updated_at"])
        except IntegrityError as error:
            if _integrity_constraint(error) != OVERLAP_CONSTRAINT:
                raise
            raise VisitStepRefused(_visit_table_taken(locked), step=VisitStep.UNDO) from error
        return
    last = next((name for name in reversed(_VISIT_FIELDS) if getattr(locked, name) is not None), None)
    if last is None:
        raise VisitStepRefused(gettext("There is nothing to undo on this booking."), step=VisitStep.UNDO)
    setattr(locked, last, None)
    locked.save(update_fields=[last, "updated_at"])


def _visit_table_taken(locked: Appointment) -> str:
    return gettext("%(resource)s has been booked for that time since: it can no longer be undone.") % {
        "resource": locked.resource.name
    }


def appointment_walk_in(
    *, tenant: Tenant, now: datetime, party_size: int = 1, service: Service | None = None, name: str = ""
) -> Appointment:
    """A guest who came in without booking: booked from now on (to the minute, off the slot grid) on the
    smallest free table that seats the party (a salon: the first free staff member who does the
    service), through ``appointment_staff_book``, and marked arrived and seated at once.

    No customer (nobody to tell): ``name``, if any, is the booking's notes, as for a walk-in
    booked from the form. Refused like any staff booking (``BookingError``: no table free
    now, closed, ending after closing time), writing nothing.
    """
    start = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        appointment = appointment_staff_book(
            tenant=tenant, start=start, party_size=party_size, service=service, customer=None,
            channel=Appointment.Channel.ADMIN, notes=name.strip(), now=start,
        )
        appointment.walk_in = True
        appointment.arrived_at = appointment.seated_at = now
        appointment.save(update_fields=["walk_in", "arrived_at", "seated_at", "updated_at"])
    logger.info("Booking %s of tenant %s: walk-in seated", appointment.pk, tenant.pk)
    return appointment


def _customer_view(appointment: Appointment) -> tuple:
    """What the customer knows of a booking: a change to it is news for them (the table is not)."""
    return (appointment.customer_id, appointment.status, appointment.starts_at, appointment.party_size,
            appointment.service_id)


def _staff_change(before: tuple, after: Appointment) -> StaffChange | None:
    """The one change of an edit that matters most to the customer; ``None``: nothing they need to hear."""
    customer_id, status = before[:2]
    if after.status == Appointment.Status.CANCELLED and status != Appointment.Status.CANCELLED:
        return StaffChange.CANCELLED
    if not after.is_active:
        return None
    if after.customer_id != customer_id:
        return StaffChange.BOOKED  # booked for this customer from now on
    if _customer_view(after) != before:
        return StaffChange.MOVED
    return None


def _staff_change_announce(tenant: Tenant, appointment: Appointment, change: StaffChange, now: datetime) -> None:
    # ``send``, not ``send_robust``: a receiver that fails (the customer's message could
    # not be stored) rolls the change back, so staff see the error and nobody is misinformed.
    appointment_staff_changed.send(sender=Appointment, tenant=tenant, appointment=appointment, change=change, now=now)


def _customer_change_announce(
    tenant: Tenant, appointment: Appointment, change: CustomerChange, previous_start: datetime | None, now: datetime
) -> None:
    # A fact for the apps above (staff alerts); inside the change's transaction, like the staff one.
    appointment_customer_changed.send(
        sender=Appointment, tenant=tenant, appointment=appointment, change=change,
        previous_starts_at=previous_start, now=now,
    )


def _mirror(source: Appointment, target: Appointment) -> None:
    """Keep the caller's instance in step with the row just written (it is often reused)."""
    if target is not source:
        for name in (
            "status", "cancelled_at", "starts_at", "ends_at", "blocks_until", "party_size", "updated_at",
            *_REMINDER_FIELDS,
        ):
            setattr(target, name, getattr(source, name))
        target.resource_id, target.service_id = source.resource_id, source.service_id
        for relation in ("resource", "service"):
            target._state.fields_cache.pop(relation, None)


def _without_tenant(common: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in common.items() if key != "tenant"}
