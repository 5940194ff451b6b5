"""A big party's request approved in headless Chromium, at a desk (1280 px) and on a phone (390 px):
the home counts it, the day view lists it with Approve / Decline, one tap confirms it, and the
booking's page answers another. Nothing is fetched from another host and nothing scrolls sideways.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
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
from bookings.approvals import appointment_approval_request
from bookings.models import Appointment
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _ask(tenant, name: str, day, hour: int) -> Appointment:
    tenant.approval_party_size, tenant.approval_hold_hours = 6, 3
    tenant.save(update_fields=["approval_party_size", "approval_hold_hours"])
    return appointment_approval_request(
        tenant=tenant, start=datetime.combine(day, time(hour), tzinfo=tenant.tzinfo), party_size=6,
        customer=CustomerFactory(tenant=tenant, display_name=name), channel="whatsapp",
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_approve_a_big_party_on_the_day_view_and_decline_one_on_its_page(
    browser, live_server, trattoria, width  # noqa: F811
):
    today = timezone.now().astimezone(trattoria.tzinfo).date()
    saturday = today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)
    big = _ask(trattoria, "Famiglia Bianchi", saturday, 20)
    other = _ask(trattoria, "Famiglia Verdi", saturday, 13)
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    # In the business's language: the counts and names are what the test can read in either.
    assert _css(browser, "#lyo-waiting-counts").text.startswith("2 ")
    _assert_no_sideways_scrolling(browser)

    browser.get(f"{live_server.url}/admin/day/?date={saturday.isoformat()}")
    item = _css(browser, f"#approval-{big.pk}")
    assert "Famiglia Bianchi" in item.text and "Tavolo 5" in item.text and "20:00" in item.text
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    if width == 390:
        size = browser.execute_script(
            "var r = document.getElementById(arguments[0]).getBoundingClientRect(); return [r.width, r.height];",
            f"approval-{big.pk}-approve",
        )
        assert size[1] >= 32, size  # a thumb's tap, like the visit's steps
    _screenshot(browser, f"approval-day-{width}")

    _click(browser, f"#approval-{big.pk}-approve")
    _wait(browser).until(lambda d: not d.find_elements("css selector", f"#approval-{big.pk}"))
    big.refresh_from_db()
    assert (big.status, big.hold_expires_at) == ("confirmed", None)
    assert _css(browser, ".messagelist .success")
    _assert_no_sideways_scrolling(browser)

    browser.get(f"{live_server.url}/admin/bookings/appointment/{other.pk}/change/")
    assert _css(browser, f"#lyo-approval-answer #approval-{other.pk}-approve")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"approval-booking-{width}")
    _click(browser, f"#approval-{other.pk}-decline")
    _wait(browser).until(lambda d: not d.find_elements("css selector", "#lyo-approval-answer"))
    other.refresh_from_db()
    assert other.status == "cancelled"
