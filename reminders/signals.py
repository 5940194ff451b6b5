"""What reminders hears from the apps below it, which may not import it."""

from datetime import datetime

from bookings.models import Appointment
from bookings.signals import StaffChange, appointment_staff_changed
from reminders.models import Purpose
from reminders.services import appointment_change_notify
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


def signals_connect() -> None:
    appointment_staff_changed.connect(_staff_changed, sender=Appointment, dispatch_uid="reminders_staff_changed")
