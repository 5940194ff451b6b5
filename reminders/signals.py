"""What reminders hears from the apps below it, which may not import it."""

from datetime import datetime

from bookings.models import Appointment, WaitlistRequest
from bookings.signals import (
    StaffChange,
    appointment_approval_answered,
    appointment_hold_expired,
    appointment_staff_changed,
    waitlist_offered,
)
from reminders.approvals import ApprovalOutcome, approval_answer_send
from reminders.models import Purpose
from reminders.services import appointment_change_notify
from reminders.waitlist_offers import waitlist_offer_send
from tenants.models import Tenant

STAFF_CHANGE_PURPOSE = {
    StaffChange.BOOKED: Purpose.STAFF_BOOKED,
    StaffChange.MOVED: Purpose.STAFF_MOVED,
    StaffChange.CANCELLED: Purpose.STAFF_CANCELLED,
}


def _staff_changed(
    sender, *, tenant: Tenant, appointment: Appointment, change: StaffChange, now: datetime, **kwargs
) -> None:
    # Still inside the booking's transaction: the message is stored with the change and
    # sent once it commits.
    appointment_change_notify(tenant=tenant, appointment=appointment, purpose=STAFF_CHANGE_PURPOSE[change], now=now)


# By name: bookings' own tests leave the sending out (bookings/tests/conftest.py).
RECEIVERS_UID = "reminders_waitlist_offered"


def _waitlist_offered(sender, *, tenant: Tenant, request_id: int, now: datetime, **kwargs) -> None:
    # Sent after the hold committed: the offer is stored and sent in its own transaction.
    waitlist_offer_send(tenant=tenant, request_id=request_id, now=now)


def _approval_answered(
    sender, *, tenant: Tenant, appointment: Appointment, approved: bool, now: datetime, **kwargs
) -> None:
    # Inside the answer's transaction: the news is stored with it.
    outcome = ApprovalOutcome.APPROVED if approved else ApprovalOutcome.DECLINED
    approval_answer_send(tenant=tenant, appointment=appointment, outcome=outcome, now=now)


def _hold_expired(sender, *, appointment_id: int, now: datetime, **kwargs) -> None:
    # After the sweep committed. Only a big party's request nobody answered is news for the customer.
    lapsed = (
        Appointment.objects.select_related("tenant", "customer")
        .filter(pk=appointment_id, hold_reason=Appointment.HoldReason.APPROVAL, status=Appointment.Status.EXPIRED)
        .first()
    )
    if lapsed is not None:
        approval_answer_send(tenant=lapsed.tenant, appointment=lapsed, outcome=ApprovalOutcome.LAPSED, now=now)


def signals_connect() -> None:
    appointment_approval_answered.connect(
        _approval_answered, sender=Appointment, dispatch_uid="reminders_approval_answered"
    )
    appointment_hold_expired.connect(_hold_expired, sender=Appointment, dispatch_uid="reminders_approval_lapsed")
    appointment_staff_changed.connect(_staff_changed, sender=Appointment, dispatch_uid="reminders_staff_changed")
    waitlist_offered.connect(_waitlist_offered, sender=WaitlistRequest, dispatch_uid=RECEIVERS_UID)
