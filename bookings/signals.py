"""What bookings tell the apps above them, which bookings may not import.

``appointment_staff_changed``: staff booked, moved or cancelled a booking on the
customer's behalf (``bookings.services.appointment_staff_book`` and
``appointment_staff_change``). Sent inside the transaction that made the change, so a
receiver's writes (the message to the customer, in ``reminders``) commit or roll back
with it. Arguments: ``tenant``, ``appointment`` (the row as written), ``change`` (a
``StaffChange``) and ``now``.

``appointment_customer_changed``: the customer booked, moved or cancelled a booking
themselves (the assistant, the API; ``appointment_book``, ``appointment_reschedule`` and
``appointment_cancel`` without ``by_staff``). A fact: the apps above decide whether it
is news for staff (``alerts``: one starting soon). Sent inside the transaction that
made the change. Arguments: ``tenant``, ``appointment`` (the row as written), ``change``
(a ``CustomerChange``), ``previous_starts_at`` (a move's old start, else ``None``) and
``now``.

``appointment_hold_expired``: a held booking was not confirmed in time and no longer
occupies its slot (``bookings.services.holds_expired_release``). Sent after commit, so a
receiver may offer the slot to someone else. Arguments: ``appointment_id`` and ``now``.

``appointment_capacity_freed``: a booking stopped occupying its slot before its time
(a cancellation, a move, a booking deleted, an unconfirmed hold released or expired), or
a span opened up (a closure removed: ``resource_id`` is ``None``, every resource; a
no-show: the rest of its sitting). Sent after commit, so a receiver (the waitlist,
``bookings.waitlist``) may offer the slot to someone else. Arguments: ``tenant``,
``starts_at``, ``resource_id``, ``now`` and ``ends_at`` (``None`` for one start, else
the end of the span freed from ``starts_at``).

``appointment_approval_asked``: a big party's booking waits for staff approval
(``bookings.approvals.appointment_approval_request``). Sent inside the transaction, so the
staff alert commits with it. Arguments: ``tenant``, ``appointment`` and ``now``.

``appointment_approval_answered``: staff approved or declined such a request. Sent inside
the transaction; the apps above tell the customer. Arguments: ``tenant``, ``appointment``,
``approved`` (a bool) and ``now``. A request nobody answered lapses through the hold
sweep instead (``appointment_hold_expired``, hold reason ``approval``).

``waitlist_offered``: a freed slot is held for a waitlisted customer
(``bookings.waitlist.waitlist_match``). Sent after commit; the channel apps send the
offer (free-form inside the 24-hour window, else an approved template) or call
``waitlist_offer_skip`` when they cannot. Arguments: ``tenant``, ``request_id`` and ``now``.

Configuration: a saved or deleted service, resource, opening range or closure bumps
its tenant's ``config_version``. Caches of what the assistant reads about a tenant (its
vocabulary) key on that number. Bulk writes (``bulk_create``, ``QuerySet.update()``)
send no signals: their callers call ``tenant_config_changed`` themselves.
``QuerySet.delete()`` does send them.
"""

from enum import StrEnum

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from bookings.models import Closure, OpeningHours, Resource, Service
from tenants.services import tenant_config_changed

CONFIGURATION_MODELS = (Service, Resource, OpeningHours, Closure)


class StaffChange(StrEnum):
    """The one change of a staff edit that is news for the customer."""

    BOOKED = "booked"  # a new booking, or an existing one given to this customer
    MOVED = "moved"  # another time, party size or service
    CANCELLED = "cancelled"


class CustomerChange(StrEnum):
    """What a customer did to their own booking."""

    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"


appointment_staff_changed = Signal()
appointment_customer_changed = Signal()
appointment_hold_expired = Signal()
appointment_capacity_freed = Signal()
waitlist_offered = Signal()
appointment_approval_asked = Signal()
appointment_approval_answered = Signal()


def _row_changed(sender, instance, **kwargs) -> None:
    tenant_config_changed(instance.tenant_id)


def _staff_services_changed(sender, instance, action: str, **kwargs) -> None:
    # Which staff do which service: ``instance`` is the resource, or the service when
    # the link is changed from the service's side; both belong to the tenant.
    if action in ("post_add", "post_remove", "post_clear"):
        tenant_config_changed(instance.tenant_id)


def signals_connect() -> None:
    for model in CONFIGURATION_MODELS:
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"config_version_save_{model.__name__}")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"config_version_delete_{model.__name__}")
    from bookings.waitlist import waitlist_receivers_connect

    waitlist_receivers_connect()
    m2m_changed.connect(
        _staff_services_changed, sender=Resource.services.through, dispatch_uid="config_version_resource_services"
    )
