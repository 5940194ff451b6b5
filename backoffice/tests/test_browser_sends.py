"""The "What Lyo sends" page in headless Chromium, at a desk (1280 px) and on a phone (390 px).

Reached from the home page; the month's counts by what Meta bills and by purpose, nothing
sideways, every tap target big enough on the phone, and the previous month a tap away.
Same business and clock as the phone-first tests.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

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
from backoffice.tests.test_browser_phone_first import (  # the demo business and its day
    LAYOUT_CHECK_JS,
    PHONE,
    TAP_TARGET_PX,
    WIDTHS,
    business,  # noqa: F401 - a fixture
)
from conversations.models import Message
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

KINDS_JS = (
    "return Object.fromEntries(Array.from(document.querySelectorAll('#lyo-sends-kinds tr'))"
    ".map(function (tr) { return [tr.dataset.kind, tr.querySelector('td').innerText]; }));"
)


def _sent(tenant, at, *, template: str = "", purpose: str = "") -> None:
    conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant))
    payload: dict = {"purpose": purpose} if purpose else {}
    if template:
        payload["template"] = {"name": template, "language": "it", "parameters": [], "buttons": []}
    Message.objects.create(
        tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, type=Message.Type.TEMPLATE if template else Message.Type.TEXT, text="x",
        payload=payload, delivery_status=Message.Delivery.SENT, sent_at=at,
    )


def _month_is(driver, month: str) -> None:
    _wait(driver).until(
        lambda d: d.find_element("id", "lyo-sends").get_attribute("data-month") == month,
        f"the month {month} never showed",
    )


@pytest.mark.parametrize("business", ["salon"], indirect=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_an_owner_sees_the_month_s_messages_by_what_meta_bills_and_the_month_before(
    browser, live_server, business, width  # noqa: F811
):
    tenant = business["tenant"]
    now = timezone.now().astimezone(tenant.tzinfo)
    first = now.replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    for hours in (0, 1):
        _sent(tenant, first + timedelta(hours=hours))  # replies in the window
    _sent(tenant, first + timedelta(hours=2), template="promemoria", purpose="reminder")
    _sent(tenant, first + timedelta(hours=3), template="recensione", purpose="review_request")
    _sent(tenant, first - timedelta(days=1), template="rinnova", purpose="rebook_nudge")  # the month before
    before = (first - timedelta(days=1)).strftime("%Y-%m")

    browser.set_window_size(width, 900)
    _log_in(browser, live_server, business["username"])
    _click(browser, "#lyo-sends-link")
    _month_is(browser, now.strftime("%Y-%m"))
    assert browser.execute_script(KINDS_JS) == {"service_window": "2", "utility": "1", "marketing": "1", "total": "4"}
    assert "Meta" in _css(browser, "#lyo-sends-explain").text
    _assert_stays_local(browser, live_server)
    _assert_no_sideways_scrolling(browser)
    _screenshot(browser, f"sends-{width}")
    found = browser.execute_script(LAYOUT_CHECK_JS, TAP_TARGET_PX if width == PHONE else 0)
    assert found == {"broken": [], "small": []}, found

    _click(browser, "#lyo-sends-previous")
    _month_is(browser, before)
    assert browser.execute_script(KINDS_JS) == {"service_window": "0", "utility": "0", "marketing": "1", "total": "1"}
    _assert_no_sideways_scrolling(browser)
