"""Calendar feeds in headless Chromium, at a desk (1280 px) and on a phone (390 px): staff
create the business's address, read it whole in its box, and a calendar app can fetch it.
Nothing is fetched from another host and nothing scrolls sideways.
"""

from __future__ import annotations

import pytest
import requests
from icalendar import Calendar

from backoffice.tests.test_browser import (
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _click,
    _css,
    _log_in,
    _screenshot,
    browser,  # noqa: F401 - the headless Chromium fixture
    trattoria,  # noqa: F401 - the demo restaurant and its login
)
from feeds.models import CalendarFeed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_create_the_business_calendar_address_and_copy_it(browser, live_server, trattoria, width):  # noqa: F811
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    _click(browser, "#lyo-settings-link")
    _click(browser, "#lyo-settings-feeds a")
    _css(browser, "#lyo-feeds")
    _assert_no_sideways_scrolling(browser)

    _click(browser, "#feed-business-submit")
    box = _css(browser, "#feed-business .lyo-feed-url")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"settings-feeds-{width}")

    feed = CalendarFeed.objects.get(tenant=trattoria, scope=CalendarFeed.Scope.BUSINESS)
    address = box.get_attribute("value")
    # Absolute: the calendar app is elsewhere (here the address the browser came to).
    assert address == f"{live_server.url}/feeds/{feed.token}.ics"
    # The box is as wide as its panel at most: the whole address is there to select and copy.
    assert browser.execute_script("return arguments[0].getBoundingClientRect().right <= window.innerWidth;", box)
    response = requests.get(address, timeout=10)
    assert response.status_code == 200
    assert Calendar.from_ical(response.content)["X-WR-CALNAME"] == trattoria.name
