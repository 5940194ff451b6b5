"""End to end in headless Chromium: staff book from the day view and chat with the assistant.

Skipped, with the reason, only where Chromium or ChromeDriver cannot be found
(``make test`` installs Debian's packages when it can). Screenshots go to
``test-artifacts/``. Every page must load from the app alone: the tests fail if the
browser fetched anything from another host (the admin must work offline).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from backoffice.tests.browser import chromium_missing_reason, chromium_start
from bookings.models import Appointment
from tenants.demo import demo_tenants_seed
from tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
WAIT_SECONDS = 10
SATURDAY = 5


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(f"Browser tests skipped: {reason}.")
    driver = chromium_start(tmp_path / "chromium-profile")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def trattoria(transactional_db) -> Tenant:
    demo_tenants_seed()  # the trattoria, its tables and the login trattoria / trattoria
    return Tenant.objects.get(slug="trattoria-demo")


def _wait(driver):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Every tap posts a form and the page reloads: an element read while the old page is
    # being replaced goes stale (or is briefly missing) — look again instead of failing.
    return WebDriverWait(
        driver, WAIT_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    )


def _css(driver, selector: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    return _wait(driver).until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, selector)))


def _click(driver, selector: str) -> None:
    from selenium.common.exceptions import StaleElementReferenceException

    def tapped(driver) -> bool:
        element = _css(driver, selector)
        try:
            # Out of the sticky header's way, as a finger would scroll before tapping.
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
            element.click()
        except StaleElementReferenceException:
            return False  # found on the page that was just being replaced: find it again
        return True

    _wait(driver).until(tapped)


def _log_in(driver, live_server, username: str) -> None:
    driver.get(f"{live_server.url}/admin/login/")
    _css(driver, "#id_username").send_keys(username)
    _css(driver, "#id_password").send_keys(username)
    _click(driver, "input[type=submit]")
    _wait(driver).until(lambda d: urlsplit(d.current_url).path == "/admin/")


def _hosts_fetched(driver) -> set[str]:
    """Every host the current page loaded from (document, styles, scripts, images, fonts)."""
    urls = driver.execute_script(
        "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".map(function (entry) { return entry.name; });"
    )
    return {urlsplit(url).netloc for url in urls if not url.startswith(("data:", "blob:", "about:"))}


def _assert_stays_local(driver, live_server) -> None:
    assert _hosts_fetched(driver) == {urlsplit(live_server.url).netloc}


def _screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_staff_book_a_table_by_clicking_a_free_time_on_the_day_view(browser, live_server, trattoria):
    today = timezone.now().astimezone(trattoria.tzinfo).date()
    saturday = today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)
    _log_in(browser, live_server, "trattoria")
    _assert_stays_local(browser, live_server)

    browser.get(f"{live_server.url}/admin/day/?date={saturday.isoformat()}")
    _css(browser, "#lyo-day")
    # A tablet at the host stand: the five tables fit 1024 px without scrolling sideways.
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    _assert_stays_local(browser, live_server)
    _screenshot(browser, "day-view")

    _click(browser, 'a.lyo-free[data-resource="Tavolo 3"][data-start="20:00"]')
    party = _css(browser, "#id_party_size")
    party.clear()
    party.send_keys("3")
    _css(browser, "#id_notes").send_keys("Rossi 333 1234567")
    _screenshot(browser, "day-view-booking-form")
    _click(browser, "#lyo-book-submit")

    block = _css(browser, "a.lyo-block")
    assert "Rossi 333 1234567" in block.text and "20:00" in block.text and "3" in block.text
    booking = Appointment.objects.get(tenant=trattoria)
    assert (booking.resource.name, booking.party_size, booking.channel) == ("Tavolo 3", 3, "admin")
    assert booking.starts_at.astimezone(trattoria.tzinfo).strftime("%Y-%m-%d %H:%M") == f"{saturday} 20:00"
    assert block.get_attribute("id") == f"booking-{booking.pk}"
    _assert_stays_local(browser, live_server)
    _screenshot(browser, "day-view-booked")


def test_staff_chat_with_the_assistant_until_a_booking_is_made(browser, live_server, trattoria):
    _log_in(browser, live_server, "trattoria")
    browser.get(f"{live_server.url}/admin/try/")
    _css(browser, "#lyo-chat-text").send_keys("vorrei prenotare un tavolo")
    _click(browser, "#lyo-chat-send")
    # Tap the choices as a customer would: two people, the first day offered, the first time, yes.
    _click(browser, 'button.lyo-option[value="party:2"]')
    _click(browser, 'button.lyo-option[value^="day:"]')
    _click(browser, 'button.lyo-option[value^="slot:"]')
    _screenshot(browser, "try-assistant-confirm")
    _click(browser, 'button.lyo-option[value="yes"]')

    _wait(browser).until(lambda d: "Fatto!" in d.find_element("id", "lyo-chat").text)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    booking = Appointment.objects.get(tenant=trattoria)
    assert (booking.channel, booking.party_size) == ("test", 2)
    assert booking.reference in browser.find_element("id", "lyo-test-bookings").text
    _assert_stays_local(browser, live_server)
    _screenshot(browser, "try-assistant-booked")

    _click(browser, "#lyo-clear")
    _wait(browser).until(lambda d: not Appointment.objects.filter(tenant=trattoria).exists())
    assert "Ancora nessun messaggio." in browser.find_element("id", "lyo-chat").text
