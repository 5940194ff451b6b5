"""Running the service from the day view in headless Chromium, at a desk (1280 px) and on a
phone (390 px): a guest arrives, another is a no-show, a walk-in is seated, and the day's
totals follow each tap. Nothing is fetched from another host and nothing scrolls sideways.

The clock is Saturday 20:10 in Rome for the whole test (it keeps ticking), so "now" is in
the dinner service whatever day the tests run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from backoffice.tests.test_browser import (
    SATURDAY,
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _click,
    _css,
    _log_in,
    _screenshot,
    _wait,
    browser,  # noqa: F401 - the headless Chromium fixture
    trattoria,  # noqa: F401 - the demo restaurant and its login
)
from bookings.models import Appointment, Resource
from bookings.services import appointment_book

pytestmark = pytest.mark.django_db(transaction=True)

ROME = ZoneInfo("Europe/Rome")


def _next_saturday_at_20_10() -> datetime:
    today = timezone.now().astimezone(ROME).date()
    saturday = today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)
    return datetime(saturday.year, saturday.month, saturday.day, 20, 10, tzinfo=ROME)


def _total(driver, period: str, name: str) -> str:
    return driver.find_element("css selector", f"#lyo-period-{period} [data-total={name}]").text.split()[0]


def _totals_are(driver, period: str, expected: dict[str, str]):
    """Wait until the period's totals read ``expected`` (the day is swapped in place after each tap)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    def read(driver) -> bool:
        try:
            return {name: _total(driver, period, name) for name in expected} == expected
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    _wait(driver).until(read, f"totals of period {period} never read {expected}")


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_run_the_dinner_service_from_the_day_view(browser, live_server, trattoria, width):  # noqa: F811
    now = _next_saturday_at_20_10()
    with time_machine.travel(now, tick=True):
        tables = {table.name: table for table in Resource.objects.filter(tenant=trattoria)}
        booked_at = now - timedelta(days=2)
        rossi = appointment_book(
            tenant=trattoria, start=now.replace(hour=20, minute=0), party_size=2, resource=tables["Tavolo 1"],
            notes="Rossi", channel="admin", now=booked_at, by_staff=True,
        )
        bianchi = appointment_book(
            tenant=trattoria, start=now.replace(hour=19, minute=45), party_size=4, resource=tables["Tavolo 3"],
            notes="Bianchi", channel="admin", now=booked_at, by_staff=True,
        )
        browser.set_window_size(width, 900)
        _log_in(browser, live_server, "trattoria")
        browser.get(f"{live_server.url}/admin/day/")
        _css(browser, "#lyo-day")
        _assert_no_sideways_scrolling(browser)
        _assert_stays_local(browser, live_server)

        # Dinner is the second period: two bookings, six covers, nobody here yet; Bianchi
        # (19:45) is 25 minutes past the start: late.
        _totals_are(browser, "2", {"bookings": "2", "covers": "6", "arrived": "0", "expected": "2", "late": "1",
                                   "no_shows": "0", "walk_ins": "0"})
        assert "lyo-visit-late" in _css(browser, f"#booking-{bianchi.pk}").get_attribute("class")
        # Every step is a finger-sized button.
        sizes = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('button.lyo-step'),"
            " function (b) { var r = b.getBoundingClientRect(); return [r.width, r.height]; });"
        )
        assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), sizes
        _screenshot(browser, f"day-service-{width}")

        _click(browser, f"#visit-{rossi.pk}-arrived")
        _totals_are(browser, "2", {"arrived": "1", "expected": "1", "late": "1"})
        rossi.refresh_from_db()
        assert rossi.arrived_at is not None and rossi.seated_at is None
        assert "lyo-visit-arrived" in _css(browser, f"#service-{rossi.pk}").get_attribute("class")

        _click(browser, f"#visit-{bianchi.pk}-no_show")
        _totals_are(browser, "2", {"bookings": "2", "arrived": "1", "expected": "0", "late": "0", "no_shows": "1"})
        bianchi.refresh_from_db()
        assert bianchi.status == "no_show"
        _assert_no_sideways_scrolling(browser)

        party = _css(browser, "#id_walk_in-party_size")
        party.clear()
        party.send_keys("2")
        _css(browser, "#id_walk_in-name").send_keys("Verdi")
        _click(browser, "#lyo-walk-in-submit")
        _totals_are(browser, "2", {"bookings": "3", "covers": "8", "arrived": "2", "walk_ins": "1"})
        walk_in = Appointment.objects.get(tenant=trattoria, walk_in=True)
        # Tavolo 1 is Rossi's: the smallest free table for two is Tavolo 2.
        assert (walk_in.resource.name, walk_in.notes, walk_in.party_size) == ("Tavolo 2", "Verdi", 2)
        assert walk_in.seated_at is not None
        assert "Verdi" in _css(browser, f"#service-{walk_in.pk}").text
        _assert_no_sideways_scrolling(browser)
        _assert_stays_local(browser, live_server)
        _screenshot(browser, f"day-service-walk-in-{width}")
