"""What waits on a day of the day view: big parties asking for approval, and the waitlist.

Read here, drawn by ``backoffice/_day_waitlist.html`` under the grid; the answers go
through ``bookings.approvals`` and ``bookings.waitlist`` (``backoffice.approval_views``).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bookings.approvals import approvals_pending
from bookings.models import Appointment, WaitlistRequest
from bookings.waitlist import waitlist_for_day
from tenants.models import Tenant


@dataclass(frozen=True)
class DayWaitlist:
    approvals: list[Appointment]  # waiting for staff's yes or no, soonest first
    requests: list[WaitlistRequest]  # waiting for a freed time (or offered one), oldest first

    @property
    def is_empty(self) -> bool:
        return not self.approvals and not self.requests


def _day_span(tenant: Tenant, day: date) -> tuple[datetime, datetime]:
    zone = tenant.tzinfo
    return (datetime.combine(day, time(), tzinfo=zone), datetime.combine(day + timedelta(days=1), time(), tzinfo=zone))


def day_waitlist(*, tenant: Tenant, day: date, now: datetime) -> DayWaitlist:
    starts, ends = _day_span(tenant, day)
    return DayWaitlist(
        approvals=list(approvals_pending(tenant=tenant, now=now).filter(starts_at__gte=starts, starts_at__lt=ends)),
        requests=list(waitlist_for_day(tenant=tenant, starts=max(starts, now), ends=ends)),
    )


@dataclass(frozen=True)
class WaitingCounts:
    """What the staff home counts: waitlist requests open today, approvals pending (any day)."""

    waitlist_today: int
    approvals: int


def waiting_counts(*, tenant: Tenant, now: datetime) -> WaitingCounts:
    starts, ends = _day_span(tenant, now.astimezone(tenant.tzinfo).date())
    return WaitingCounts(
        waitlist_today=waitlist_for_day(tenant=tenant, starts=max(starts, now), ends=ends).count(),
        approvals=approvals_pending(tenant=tenant, now=now).count(),
    )
