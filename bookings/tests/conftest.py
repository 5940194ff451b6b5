from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Resource, WaitlistRequest
from bookings.signals import waitlist_offered
from bookings.tests.factories import OpeningHoursFactory, ResourceFactory, ServiceFactory
from tenants.tests.factories import TenantFactory

ROME = ZoneInfo("Europe/Rome")
# A Tuesday morning, well before the bookings the tests make.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ROME)


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME, fold=fold)


@pytest.fixture(autouse=True)
def waitlist_offers_unsent():
    """Bookings' own tests see an offer announced, not sent: sending it (or skipping a customer
    it cannot reach) is the part of the apps above, tested there (reminders)."""
    with waitlist_offered.lock:
        connected = list(waitlist_offered.receivers)
    waitlist_offered.disconnect(sender=WaitlistRequest, dispatch_uid="reminders_waitlist_offered")
    yield
    with waitlist_offered.lock:
        waitlist_offered.receivers = connected
        waitlist_offered.sender_receivers_cache.clear()


@pytest.fixture
def restaurant(db):
    """Open every day for lunch (12:00-15:00, last seating 14:00) and dinner (19:00-23:00)."""
    tenant = TenantFactory(
        kind="restaurant", slot_minutes=15, min_notice_minutes=120, max_days_ahead=60,
        default_duration_minutes=90, cancellation_cutoff_hours=2, contact_phone="+39 02 1234567",
    )
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(12), closes=time(15), last_start=time(14))
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(19), closes=time(23))
    return tenant


@pytest.fixture
def tables(restaurant):
    """Tables for 2, 4 and 6 (created out of size order on purpose)."""
    return {
        6: ResourceFactory(tenant=restaurant, name="T6", min_seats=4, max_seats=6, position=0),
        2: ResourceFactory(tenant=restaurant, name="T2", min_seats=1, max_seats=2, position=1),
        4: ResourceFactory(tenant=restaurant, name="T4", min_seats=2, max_seats=4, position=2),
    }


@pytest.fixture
def salon(db):
    """Open 09:00-19:00 every day; services: cut (30 min + 10 buffer), colour (90 min)."""
    tenant = TenantFactory(kind="salon", slot_minutes=15, min_notice_minutes=60, max_days_ahead=30)
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(9), closes=time(19))
    cut = ServiceFactory(tenant=tenant, name_it="Taglio", duration_minutes=30, buffer_minutes=10)
    colour = ServiceFactory(tenant=tenant, name_it="Colore", duration_minutes=90)
    giulia = ResourceFactory(tenant=tenant, kind=Resource.Kind.STAFF, name="Giulia", position=0)
    marco = ResourceFactory(tenant=tenant, kind=Resource.Kind.STAFF, name="Marco", position=1)
    giulia.services.set([cut, colour])
    marco.services.set([cut])
    return {"tenant": tenant, "cut": cut, "colour": colour, "giulia": giulia, "marco": marco}
