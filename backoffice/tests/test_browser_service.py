"""End to end in headless Chromium, at a tablet's 1280 px and a phone's 390 px: staff mark a guest
arrived and another a no-show from the day view, seat a walk-in, and see the totals change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.tests.test_browser import (  # noqa: F401 (the browser fixture)
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _click,
    _css,
    _screenshot,
    _wait,
    browser,
)
from bookings.models import Appointment, Resource
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_now(transactional_db):
    """Open from an hour ago to three hours from now; tables for 2, 4, 6; two guests due 20 minutes ago."""
    tenant = TenantFactory(name="Trattoria Adesso", kind="restaurant", slot_minutes=15, default_duration_minutes=90)
    local = timezone.now().astimezone(tenant.tzinfo)
    opens = (local - timedelta(hours=1)).replace(second=0, microsecond=0)
    closes = (local + timedelta(hours=3)).replace(second=0, microsecond=0)
    for day in (opens.date() - timedelta(days=1), opens.date()):
        OpeningHoursFactory(tenant=tenant, weekday=day.weekday(), opens=opens.time(), closes=closes.time())
    for position, seats in enumerate((2, 4, 6)):
        ResourceFactory(tenant=tenant, name=f"T{seats}", max_seats=seats, position=position)
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=20)
    table = Resource.objects.get(tenant=tenant, name="T6")
    guests = [AppointmentFactory(tenant=tenant, resource=table, starts_at=start, party_size=2, customer=None,
                                 notes=name, channel="admin") for name in ("Rossi",)]
    guests.append(AppointmentFactory(tenant=tenant, resource=Resource.objects.get(tenant=tenant, name="T4"),
                                     starts_at=start, party_size=3, customer=None, notes="Bianchi", channel="admin"))
    MembershipFactory(tenant=tenant, user__username="adesso")
    return tenant, guests


def _log_in(driver, live_server) -> None:
    from urllib.parse import urlsplit

    driver.get(f"{live_server.url}/admin/login/")
    _css(driver, "#id_username").send_keys("adesso")
    _css(driver, "#id_password").send_keys("pw")
    _click(driver, "input[type=submit]")
    _wait(driver).until(lambda d: urlsplit(d.current_url).path == "/admin/")


def _total(driver, key: str) -> str:
    return driver.find_element("css selector", f"#lyo-period-day dd[data-total={key}]").text.split()[0]


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_run_the_service_from_the_day_view(browser, live_server, open_now, width):  # noqa: F811
    tenant, (rossi, bianchi) = open_now
    browser.set_window_size(width, 900)
    _log_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/day/")
    _css(browser, "#lyo-service")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    assert "late" in browser.find_element("id", f"service-{rossi.pk}").get_attribute("class")
    assert (_total(browser, "arrived"), _total(browser, "late"), _total(browser, "no_shows")) == ("0", "2", "0")

    _click(browser, f"#visit-{rossi.pk}-arrived")
    _wait(browser).until(lambda d: _total(d, "arrived") == "1")
    _click(browser, f"#visit-{bianchi.pk}-no_show")
    _wait(browser).until(lambda d: _total(d, "no_shows") == "1")
    rossi.refresh_from_db()
    bianchi.refresh_from_db()
    assert rossi.arrived_at is not None and bianchi.status == "no_show"

    party = _css(browser, "#id_walk_in-party_size")
    party.clear()
    party.send_keys("2")
    _click(browser, "#lyo-walk-in-submit")
    _wait(browser).until(lambda d: _total(d, "walk_ins") == "1")
    walk_in = Appointment.objects.get(tenant=tenant, walk_in=True)
    assert walk_in.resource.name == "T2" and walk_in.seated_at is not None
    assert _total(browser, "arrived") == "2"
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"day-view-service-{width}")
