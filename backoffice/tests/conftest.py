from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.tests.factories import OpeningHoursFactory, ResourceFactory
from tenants.tests.factories import MembershipFactory, TenantFactory
from whatsapp.tests.fake_signup_graph import signup_graph  # noqa: F401 - the local Graph API of Embedded Signup

# Each test's report per phase (setup, call, teardown), for fixtures that act on how the
# test went: the browser saves a screenshot of the page a test failed on.
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

ROME = ZoneInfo("Europe/Rome")
# A Tuesday morning in Rome.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ROME)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def restaurant_create(name: str, **fields):
    """Open every day 12:00-15:00 and 19:00-23:00, with tables for 2, 4 and 6."""
    tenant = TenantFactory(name=name, kind="restaurant", slot_minutes=15, default_duration_minutes=90, **fields)
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(12), closes=time(15))
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(19), closes=time(23))
    for position, (table, seats) in enumerate([("T2", 2), ("T4", 4), ("T6", 6)]):
        ResourceFactory(tenant=tenant, name=f"{name} {table}", min_seats=1, max_seats=seats, position=position)
    return tenant


@pytest.fixture
def restaurant(db):
    return restaurant_create("Trattoria Uno")


@pytest.fixture
def other_restaurant(db):
    return restaurant_create("Osteria Due")


@pytest.fixture
def staff(client, restaurant):
    """A logged-in staff member of ``restaurant`` (an Italian business)."""
    client.force_login(MembershipFactory(tenant=restaurant).user)
    return client
