"""What reminders hears from the apps below it, which may not import it."""

from datetime import datetime

from bookings.models import Appointment, WaitlistRequest
from bookings.signals import StaffChange, appointment_staff_changed, waitlist_offered
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


def signals_connect() -> None:
    appointment_staff_changed.connect(_staff_changed, sender=Appointment, dispatch_uid="reminders_staff_changed")
    waitlist_offered.connect(_waitlist_offered, sender=WaitlistRequest, dispatch_uid=RECEIVERS_UID)
