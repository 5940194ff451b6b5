"""The bookings list in headless Chromium at a desktop (1280 px) and a phone (390 px) width:
who is coming is readable, the links under the title do not cover it, and the page never
scrolls sideways (at 390 px the table may scroll inside its own box)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.tests.test_browser import (  # the shared browser fixtures and checks
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _css,
    _log_in,
    _screenshot,
    browser,  # noqa: F401 - a fixture
    trattoria,  # noqa: F401 - a fixture
)
from bookings.models import Appointment, Resource
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

COLUMNS = ("starts_at", "guest", "party_size", "resource", "status", "channel")


def _booking(tenant, name: str, status: str = Appointment.Status.CONFIRMED) -> Appointment:
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return Appointment.objects.create(
        tenant=tenant, customer=CustomerFactory(tenant=tenant, display_name=name),
        resource=Resource.objects.filter(tenant=tenant).first(), starts_at=start,
        ends_at=start + timedelta(minutes=90), blocks_until=start + timedelta(minutes=90), party_size=4,
        reference=f"{name[:3].upper()}123", status=status, channel=Appointment.Channel.WHATSAPP,
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_bookings_list_shows_who_is_coming(browser, live_server, trattoria, width):  # noqa: F811
    _booking(trattoria, "Bianchi")
    _booking(trattoria, "Cancellato", status=Appointment.Status.CANCELLED)
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    browser.get(f"{live_server.url}/admin/bookings/appointment/")
    _css(browser, "#result_list")
    _assert_stays_local(browser, live_server)
    _assert_no_sideways_scrolling(browser)
    _screenshot(browser, f"admin-bookings-list-{width}")

    headers = browser.execute_script(
        "return Array.from(document.querySelectorAll('#result_list thead th')).map(th => th.className);"
    )
    for column in COLUMNS:
        assert any(f"column-{column}" in header for header in headers), column
    assert not any("column-service" in header or "column-ends_at" in header for header in headers)
    page = browser.find_element("css selector", "#result_list").text
    assert "Bianchi" in page and "Cancellato" not in page

    if width == 1280:
        # Every column of who is coming shows without scrolling the table inside its box.
        edges, box = browser.execute_script(
            "return [arguments[0].map(c => document.querySelector('#result_list thead th.column-' + c)"
            ".getBoundingClientRect().right),"
            " document.querySelector('#changelist .results').getBoundingClientRect().right];", list(COLUMNS)
        )
        assert max(edges) <= box + 1, dict(zip(COLUMNS, edges, strict=True)) | {"box": box}
    # The links under the title never cover it.
    title, tools = browser.execute_script(
        "var h = document.querySelector('#content h1').getBoundingClientRect();"
        "var t = document.querySelector('.object-tools').getBoundingClientRect();"
        "return [[h.left, h.top, h.right, h.bottom], [t.left, t.top, t.right, t.bottom]];"
    )
    overlap = not (tools[0] >= title[2] or tools[2] <= title[0] or tools[1] >= title[3] or tools[3] <= title[1])
    assert not overlap, (title, tools)
