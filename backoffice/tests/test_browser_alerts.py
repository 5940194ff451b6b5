"""Staff alerts in headless Chromium, at a desk (1280 px) and on a phone (390 px): the home page
lists the unseen alerts, "seen" takes one away, and the alert settings page saves a phone
and quiet hours. Nothing is fetched from another host and nothing scrolls sideways.
"""

from __future__ import annotations

from datetime import time

import pytest

from alerts.models import Alert, AlertDelivery, AlertPreference
from alerts.services import alert_raise
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
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _raise(tenant, name: str, key: str) -> Alert:
    conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant, display_name=name))
    alert = alert_raise(
        tenant=tenant, kind="needs_person", event_key=key, data={"reason": "requested"}, conversation=conversation
    )
    assert alert is not None
    return alert


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_see_their_alerts_mark_one_seen_and_set_their_alerts(
    browser, live_server, trattoria, width  # noqa: F811
):
    giada = _raise(trattoria, "Giada Conti", "a")
    paolo = _raise(trattoria, "Paolo Neri", "b")
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    items = _css(browser, "#lyo-alerts")
    assert "Giada Conti" in items.text and "Paolo Neri" in items.text
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    if width == 390:
        sizes = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.lyo-alert-seen, #lyo-alerts-all-seen'),"
            " function (b) { var r = b.getBoundingClientRect(); return [r.width, r.height]; });"
        )
        assert len(sizes) == 3 and all(w >= 44 and h >= 44 for w, h in sizes), sizes
    _screenshot(browser, f"alerts-home-{width}")

    _click(browser, f"#lyo-alert-{paolo.pk} .lyo-alert-seen")
    _wait(browser).until(lambda d: "Paolo Neri" not in d.find_element("css selector", "#lyo-alerts").text)
    assert "Giada Conti" in _css(browser, "#lyo-alerts").text
    assert AlertDelivery.objects.filter(alert=paolo, seen_at__isnull=False).exists()
    assert AlertDelivery.objects.filter(alert=giada, seen_at__isnull=True).exists()

    _click(browser, "#lyo-alert-settings-link")
    _css(browser, "#lyo-alert-settings")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _click(browser, "#id_whatsapp_needs_person")
    _css(browser, "#id_phone").send_keys("347 111 2222")
    # A time picker's typing depends on the browser's locale (24 h or AM/PM): set the values it would.
    for field, value in (("#id_quiet_hours_start", "22:00"), ("#id_quiet_hours_end", "07:00")):
        browser.execute_script("arguments[0].value = arguments[1];", _css(browser, field), value)
    _screenshot(browser, f"alerts-settings-{width}")
    _click(browser, "#lyo-alert-settings-save")
    _wait(browser).until(lambda d: d.find_elements("css selector", ".messagelist .success"))
    preference = AlertPreference.objects.get(tenant=trattoria)
    assert (preference.whatsapp_needs_person, preference.phone) == (True, "393471112222")
    assert (preference.quiet_hours_start, preference.quiet_hours_end) == (time(22), time(7))
    _assert_no_sideways_scrolling(browser)
