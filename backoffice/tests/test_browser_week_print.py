"""The week view and the printable list in headless Chromium.

The week at a desk (1280 px: seven days side by side) and on a phone (390 px: one under
the other): the covers of each period, previous and next week, jumping to a week by its
date and to a day by a tap. The printable list as the printer sees it (Chromium's print
emulation): as wide as an A4 sheet less its margins at most, nothing sideways, no
navigation. Same businesses and clock as the phone-first tests.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from backoffice.tests.test_browser import (
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _click,
    _css,
    _log_in,
    _screenshot,
    _wait,
    browser,  # noqa: F401 - the headless Chromium fixture
)
from backoffice.tests.test_browser_phone_first import (  # the demo businesses and their day
    LAYOUT_CHECK_JS,
    ROME,
    WIDTHS,
    business,  # noqa: F401 - a fixture
)
from bookings.models import Resource, Service
from bookings.tests.factories import AppointmentFactory
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A4 is 210 mm wide; the list's @page margins are 12 mm a side: 186 mm at 96 CSS px per inch.
A4_PRINTABLE_PX = 186 / 25.4 * 96  # 703 px
A4_PX = 210 / 25.4 * 96  # 794 px: the window of the print emulation


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_monday(driver) -> date:
    return date.fromisoformat(_css(driver, "#lyo-week").get_attribute("data-monday"))


def _monday_is(driver, monday: date) -> None:
    from selenium.common.exceptions import WebDriverException

    def shown(driver) -> bool:
        try:
            return driver.find_element("id", "lyo-week").get_attribute("data-monday") == monday.isoformat()
        except WebDriverException:
            # Not there yet, or the page was replaced between finding the element and reading it
            # (stale, or Chromium's "node does not belong to the document"): look again.
            return False

    _wait(driver).until(shown, f"the week of {monday} never showed")


@pytest.mark.parametrize("business", ["restaurant", "salon"], indirect=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_week_shows_seven_days_their_covers_and_moves_by_week_and_to_a_day(
    browser, live_server, business, width  # noqa: F811
):
    tenant = business["tenant"]
    saturday = date.fromisoformat(business["day"])
    monday = _monday(saturday)
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, business["username"])
    browser.get(f"{live_server.url}/admin/week/?date={saturday.isoformat()}")
    assert _week_monday(browser) == monday
    _assert_stays_local(browser, live_server)
    _assert_no_sideways_scrolling(browser)
    _screenshot(browser, f"week-{tenant.kind}-{width}")

    days = browser.execute_script(
        "return Array.from(document.querySelectorAll('section.lyo-week-day')).map(function (s) {"
        " var r = s.getBoundingClientRect(); return [s.dataset.date, r.left, r.top, r.width]; });"
    )
    assert [day for day, *_ in days] == [(monday + timedelta(days=n)).isoformat() for n in range(7)]
    lefts, tops = [left for _day, left, _top, _w in days], [top for _day, _left, top, _w in days]
    if width == 1280:
        # Side by side, Monday to Sunday, on one row.
        assert lefts == sorted(lefts) and len(set(round(left) for left in lefts)) == 7 and len(set(tops)) == 1
    else:
        # One under the other, each as wide as the screen allows.
        assert tops == sorted(tops) and len(set(round(top) for top in tops)) == 7
        assert all(w <= browser.execute_script("return document.documentElement.clientWidth") for *_, w in days)

    day = f'section.lyo-week-day[data-date="{saturday.isoformat()}"]'
    if tenant.kind == "restaurant":
        # Saturday: lunch 2 + 4 covers, dinner 6 + the walk-in's 2 (the cancelled 3 do not count).
        periods = browser.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0] + ' li.lyo-week-period'))"
            ".map(function (li) {"
            " return [li.dataset.period, li.dataset.covers, li.innerText.replace(/\\s+/g, ' ')]; });",
            day,
        )
        assert periods == [["1", "6", "Pranzo 6"], ["2", "8", "Cena 8"]]
        assert _css(browser, f"{day} .lyo-week-day-covers").text == "14 coperti"
        sunday = f'section.lyo-week-day[data-date="{(saturday + timedelta(days=1)).isoformat()}"]'
        assert _css(browser, f"{sunday} .lyo-week-day-covers").text == "4 coperti"
    else:
        # Saturday: Colore 90 + Barba 20 + Taglio donna 45 minutes; Wednesday Taglio uomo 30.
        assert _css(browser, f"{day} .lyo-week-day-hours").get_attribute("data-minutes") == "155"
        assert _css(browser, "#lyo-week-total").get_attribute("data-minutes") == "185"

    _click(browser, "#lyo-week-next")
    _monday_is(browser, monday + timedelta(days=7))
    _assert_no_sideways_scrolling(browser)
    _click(browser, "#lyo-week-previous")
    _monday_is(browser, monday)
    _click(browser, "#lyo-week-previous")
    _monday_is(browser, monday - timedelta(days=7))

    # Jump to any week by a date in it (the field is filled as the date picker would).
    target = saturday + timedelta(days=23)
    browser.execute_script("document.getElementById('lyo-date').value = arguments[0];", target.isoformat())
    _click(browser, "#lyo-date-form button[type=submit]")
    _monday_is(browser, _monday(target))
    _assert_no_sideways_scrolling(browser)

    # And from a day of the week to its day view, in one tap.
    browser.get(f"{live_server.url}/admin/week/?date={saturday.isoformat()}")
    _click(browser, f"{day} a.lyo-week-day-link")
    _css(browser, "#lyo-day")
    url = urlsplit(browser.current_url)
    assert (url.path, parse_qs(url.query)) == ("/admin/day/", {"date": [saturday.isoformat()]})
    _assert_stays_local(browser, live_server)


def _long_booking(tenant, day: str) -> None:
    """A booking at 14:00 whose notes and name are long, as staff type them on the phone."""
    resource = Resource.objects.filter(tenant=tenant).order_by("position").last()
    start = datetime.combine(date.fromisoformat(day), time(14), tzinfo=ROME)
    service = Service.objects.filter(tenant=tenant, name_it="Piega").first()  # None for the restaurant
    AppointmentFactory(
        tenant=tenant, resource=resource, party_size=2 if tenant.kind == "restaurant" else 1, service=service,
        customer=CustomerFactory(tenant=tenant, display_name="Maria Antonietta Sforza-Visconti di Modrone",
                                 phone="393471112299"),
        starts_at=start, ends_at=start + timedelta(minutes=30), blocks_until=start + timedelta(minutes=30),
        notes="Allergie: arachidi, frutta a guscio, sesamo, crostacei e molluschi; intolleranza al lattosio. "
              "Arriva in sedia a rotelle: un tavolo vicino all'ingresso, per favore. Chiamare prima di servire.",
    )


@pytest.mark.parametrize("business", ["restaurant", "salon"], indirect=True)
def test_the_printable_list_fits_an_a4_sheet_without_the_navigation(browser, live_server, business):  # noqa: F811
    tenant = business["tenant"]
    _long_booking(tenant, business["day"])
    browser.set_window_size(round(A4_PX), 1123)
    _log_in(browser, live_server, business["username"])
    browser.get(f"{live_server.url}/admin/day/print/?date={business['day']}")
    _css(browser, "#lyo-sheet")
    # On screen the navigation is there.
    assert _css(browser, "#lyo-print-day").is_displayed() and _css(browser, "#header").is_displayed()

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert browser.execute_script("return matchMedia('print').matches")
        _assert_no_sideways_scrolling(browser)
        _screenshot(browser, f"print-{tenant.kind}")
        hidden = browser.execute_script(
            "return ['#header', '.breadcrumbs', '#footer', '.lyo-nav', '.lyo-day-toolbar', '.lyo-print-periods',"
            " '#lyo-print', '#lyo-print-day', '#lyo-print-week']"
            ".filter(function (s) { var e = document.querySelector(s); return e && e.getClientRects().length; });"
        )
        assert hidden == [], "shown on paper"
        sheet = browser.execute_script(
            "var table = document.querySelector('.lyo-sheet-table'), box = table.getBoundingClientRect();"
            "var cells = Array.from(table.querySelectorAll('th, td'));"
            "return {width: box.width, right: box.right, left: box.left,"
            " rows: table.querySelectorAll('tbody tr').length,"
            " header: getComputedStyle(table.querySelector('thead')).display,"
            " overflowing: cells.filter(function (c) { return c.scrollWidth > c.clientWidth + 1; })"
            "   .map(function (c) { return c.className + ': ' + c.innerText.slice(0, 30); }),"
            " cut: Array.from(table.querySelectorAll('tbody tr')).some(function (tr) {"
            "   return getComputedStyle(tr).breakInside !== 'avoid'; })};"
        )
        # The list's own width: the A4 sheet less its margins (and no wider than the window).
        # No word broken inside (allergies must read whole), as on screen.
        assert browser.execute_script(LAYOUT_CHECK_JS, 0)["broken"] == []
        assert sheet["width"] <= A4_PRINTABLE_PX + 0.5, sheet
        assert sheet["right"] <= A4_PX
        assert sheet["overflowing"] == [], "a cell wider than its column"
        assert sheet["header"] == "table-header-group"  # the column names again on every page
        assert sheet["cut"] is False  # no booking cut in two across pages
        # The day's bookings but the cancelled one, and the long one.
        assert sheet["rows"] == {"restaurant": 5, "salon": 4}[tenant.kind]
        assert "Maria Antonietta Sforza-Visconti di Modrone" in _css(browser, ".lyo-sheet-table").text
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    _assert_stays_local(browser, live_server)
