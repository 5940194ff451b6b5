"""'Save this booking' under the owner's app message, in headless Chromium at 1280 px and 390 px:
one tap books it; nothing scrolls sideways and nothing is fetched from another host.
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
    trattoria,  # noqa: F401 - the demo restaurant and its login
)
from bookings.models import Appointment
from conversations.services.conversations import conversation_get_or_open
from conversations.services.owner_app import owner_app_message_record
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_save_the_booking_the_owner_confirmed_in_the_app(browser, live_server, trattoria, width):  # noqa: F811
    now = timezone.now()
    local = now.astimezone(trattoria.tzinfo).date()
    # A day a few days ahead that the demo is open (it closes on Mondays), written as its number.
    day = next(local + timedelta(days=n) for n in range(3, 10) if (local + timedelta(days=n)).weekday() != 0)
    customer = CustomerFactory(tenant=trattoria, phone="393471234567", display_name="Lucia")
    conversation = conversation_get_or_open(tenant=trattoria, customer=customer)
    message = owner_app_message_record(
        tenant=trattoria,
        conversation=conversation,
        channel_message_id="wamid.APPBROWSER",
        message_type="text",
        text=f"ok vi aspetto il {day.day} alle 20, siete in 2",
        channel_payload={},
        at=now,
    )
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    browser.get(f"{live_server.url}/admin/chat/{conversation.pk}/")
    _css(browser, f"#lyo-suggestion-{message.pk}")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"owner-booking-{width}")

    _click(browser, f"#lyo-suggestion-{message.pk} button")
    _css(browser, ".messagelist .success")
    booked = Appointment.objects.get(tenant=trattoria, customer=customer)
    assert booked.starts_at.astimezone(trattoria.tzinfo).date() == day
    assert booked.party_size == 2
    _wait(browser).until(lambda d: booked.reference in _css(d, f"#lyo-suggestion-{message.pk}").text)
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
