"""The owner's settings in headless Chromium, at a desk (1280 px) and on a phone (390 px):
the list of sections, then the opening hours made the same every day with the button and
saved. Nothing is fetched from another host and nothing scrolls sideways.
"""

from __future__ import annotations

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
    trattoria,  # noqa: F401 - the demo restaurant and its login
)
from bookings.models import OpeningHours

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = {"d0_0_opens": "11:30", "d0_0_closes": "14:30", "d0_1_opens": "18:30", "d0_1_closes": "22:30",
          "d0_0_last": "", "d0_1_last": "21:45"}


def _value(driver, name: str) -> str:
    return driver.execute_script("return document.querySelector(arguments[0]).value;", f"[name={name}]")


@pytest.mark.parametrize("width", [1280, 390])
def test_owner_sets_the_same_hours_every_day_from_the_settings(browser, live_server, trattoria, width):  # noqa: F811
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    # The technical lists wait under "Advanced", after the ones used every day.
    apps = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#content-main .module'),"
        " function (m) { return m.className; });"
    )
    assert apps[-1].startswith("app-lyo_advanced"), apps
    _screenshot(browser, f"settings-home-{width}")
    _click(browser, "#lyo-settings-link")
    _css(browser, "#lyo-settings-sections")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"settings-index-{width}")

    _click(browser, "#lyo-settings-hours a")
    _css(browser, "#lyo-hours-form")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    # Monday as the owner types it (a time box's typing depends on the browser's locale: set its value).
    for name, value in MONDAY.items():
        browser.execute_script(
            "var box = document.querySelector(arguments[0]); box.value = arguments[1];"
            " box.dispatchEvent(new Event('input', {bubbles: true}));", f"[name={name}]", value,
        )
    # The demo closes on Mondays: typing Monday's hours opens it (the page unticks "closed").
    assert browser.execute_script("return document.querySelector('[name=d0_closed]').checked;") is False
    browser.execute_script("document.querySelector('[name=d6_closed]').checked = true;")
    _click(browser, "#lyo-hours-apply-all")
    # The script copies Monday onto every day in place: no page load, a note says so.
    _wait(browser).until(lambda d: _css(d, "#lyo-hours-note").text != "")
    for day in range(7):
        assert [_value(browser, f"d{day}_{name}") for name in ("0_opens", "0_closes", "1_opens", "1_closes",
                                                              "1_last")] == ["11:30", "14:30", "18:30", "22:30",
                                                                             "21:45"]
    assert browser.execute_script("return document.querySelector('[name=d6_closed]').checked;") is False
    _screenshot(browser, f"settings-hours-{width}")

    _click(browser, "#lyo-settings-save")
    _css(browser, ".messagelist .success")  # "Saved." in the owner's language
    _css(browser, "#lyo-hours-form")
    # The saved week is what the page shows again.
    for day in range(7):
        assert _value(browser, f"d{day}_0_opens") == "11:30"
        assert _value(browser, f"d{day}_1_closes") == "22:30"
    assert sorted(OpeningHours.objects.filter(tenant=trattoria).values_list("weekday", "opens", "closes")) == sorted(
        (day, opens, closes) for day in range(7) for opens, closes in (
            (_time("11:30"), _time("14:30")), (_time("18:30"), _time("22:30")))
    )
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"settings-hours-saved-{width}")


def _time(text: str):
    from datetime import time

    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@pytest.mark.parametrize("width", [1280, 390])
def test_every_settings_section_fits_the_screen(browser, live_server, trattoria, width):  # noqa: F811
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    for section in ("business", "hours", "closures", "resources", "services", "booking", "reminders", "channels"):
        browser.get(f"{live_server.url}/admin/settings/{section}/")
        _css(browser, "#lyo-settings-save")
        _assert_no_sideways_scrolling(browser)
        _assert_stays_local(browser, live_server)
        _screenshot(browser, f"settings-{section}-{width}")
