"""End to end in headless Chromium: staff book from the day view, chat with the assistant
and take over a conversation.

Skipped, with the reason, only where Chromium or ChromeDriver cannot be found
(``make test`` installs Debian's packages when it can). Screenshots go to
``test-artifacts/``, and a test that fails leaves ``failed-<test>.png`` of the page it
failed on. Every page must load from the app alone: the tests fail if the
browser fetched anything from another host (the admin must work offline).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from backoffice.tests.browser import chromium_missing_reason, chromium_start, content_security_policy_violations
from backoffice.tests.conftest import PHASE_REPORTS
from bookings.models import Appointment
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from operators.demo import demo_tenants_seed
from tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
WAIT_SECONDS = 10
SATURDAY = 5


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(f"Browser tests skipped: {reason}.")
    driver = chromium_start(tmp_path / "chromium-profile")
    try:
        yield driver
        call = request.node.stash.get(PHASE_REPORTS, {}).get("call")
        if call is not None and call.failed:
            _screenshot_of_failure(driver, request.node.name)
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
    _css(driver, "#id_username")
    _assert_stays_local(driver, live_server)
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
    # Checked wherever the page is: it must also work under its Content-Security-Policy.
    assert content_security_policy_violations(driver) == []


def _assert_no_sideways_scrolling(driver) -> None:
    # clientWidth, not innerWidth: innerWidth includes the vertical scrollbar, so a page
    # overflowing by less than the scrollbar's width would pass.
    widths = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


def _screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / f"{name}.png")), f"screenshot {name} was not saved"


def _screenshot_of_failure(driver, test_name: str) -> None:
    """The page as it was when the test failed; a warning, not a second error, when it cannot be taken."""
    from selenium.common.exceptions import WebDriverException

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"failed-{test_name}.png"
    try:
        if driver.save_screenshot(str(path)):
            return
        why = "Chromium returned no image"
    except WebDriverException as error:  # the browser itself is what failed
        why = error.msg
    warnings.warn(f"no screenshot of the failure in {test_name}: {why}", stacklevel=1)


def test_staff_book_a_table_by_clicking_a_free_time_on_the_day_view(browser, live_server, trattoria):
    today = timezone.now().astimezone(trattoria.tzinfo).date()
    saturday = today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)
    _log_in(browser, live_server, "trattoria")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)

    browser.get(f"{live_server.url}/admin/day/?date={saturday.isoformat()}")
    _css(browser, "#lyo-day")
    # A tablet at the host stand: the five tables fit 1024 px without scrolling sideways.
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, "day-view")

    _click(browser, 'a.lyo-free[data-resource="Tavolo 3"][data-start="20:00"]')
    party = _css(browser, "#id_party_size")
    party.clear()
    party.send_keys("3")
    _css(browser, "#id_name").send_keys("Rossi")
    _css(browser, "#id_phone").send_keys("333 1234567")
    _css(browser, "#id_notes").send_keys("Compleanno")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, "day-view-booking-form")
    _click(browser, "#lyo-book-submit")

    block = _css(browser, "a.lyo-block")
    assert "Rossi" in block.text and "20:00" in block.text and "3" in block.text
    booking = Appointment.objects.get(tenant=trattoria)
    assert (booking.resource.name, booking.party_size, booking.channel) == ("Tavolo 3", 3, "admin")
    assert booking.starts_at.astimezone(trattoria.tzinfo).strftime("%Y-%m-%d %H:%M") == f"{saturday} 20:00"
    assert block.get_attribute("id") == f"booking-{booking.pk}"
    _assert_no_sideways_scrolling(browser)
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
    _assert_no_sideways_scrolling(browser)
    booking = Appointment.objects.get(tenant=trattoria)
    assert (booking.channel, booking.party_size) == ("test", 2)
    assert booking.reference in browser.find_element("id", "lyo-test-bookings").text
    _assert_stays_local(browser, live_server)
    _screenshot(browser, "try-assistant-booked")

    _click(browser, "#lyo-clear")
    _wait(browser).until(lambda d: not Appointment.objects.filter(tenant=trattoria).exists())
    assert "Ancora nessun messaggio." in browser.find_element("id", "lyo-chat").text


def test_staff_read_a_conversation_and_take_it_over(browser, live_server, trattoria):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=trattoria, display_name="Lucia"))
    MessageFactory(conversation=conversation, text="Avete un tavolo per 3 venerdì sera?")
    MessageFactory(conversation=conversation, direction="out", processing_status="", delivery_status="read",
                   text="A che ora?")
    _log_in(browser, live_server, "trattoria")
    browser.get(f"{live_server.url}/admin/chat/{conversation.pk}/")
    assert "Avete un tavolo per 3 venerdì sera?" in _css(browser, "#lyo-chat").text
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, "conversation")

    _click(browser, "#lyo-take")
    _wait(browser).until(lambda d: d.find_element("id", "lyo-conversation-status").text == "Serve una persona")
    conversation.refresh_from_db()
    assert conversation.status == "human"
    _assert_stays_local(browser, live_server)


def test_the_staff_pages_run_under_the_content_security_policy(browser, live_server, trattoria):
    _log_in(browser, live_server, "trattoria")
    for path in ("/admin/", "/admin/day/", "/admin/try/", "/admin/bookings/appointment/", "/admin/password_change/",
                 "/api/docs/"):
        browser.get(f"{live_server.url}{path}")
        _wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert content_security_policy_violations(browser) == [], path
    # The check sees a violation: a script injected inline is refused and reported.
    browser.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.lyoInjected = 1;';"
        "document.head.appendChild(s);"
    )
    assert browser.execute_script("return window.lyoInjected === undefined")
    violations = content_security_policy_violations(browser)
    assert len(violations) == 1 and "script-src 'self'" in violations[0]
