"""A phone booking reaches the guest: staff book on the day view with the guest's name and
phone, and the confirmation goes to that phone on WhatsApp, at a desk (1280 px) and on
a phone (390 px). Headless Chromium; the Graph API is the fake one of the WhatsApp tests.
"""

from __future__ import annotations

from datetime import timedelta

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
from bookings.models import Appointment
from conversations.models import Message
from customers.models import Customer
from reminders.models import MessageTemplate, Purpose
from whatsapp.tests.conftest import graph  # noqa: F401 - the fake Graph API

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_booking_taken_by_phone_sends_the_guest_its_confirmation_on_whatsapp(
    browser, live_server, trattoria, graph, width  # noqa: F811
):
    trattoria.whatsapp_access_token = "EAAtrattoria-token"
    trattoria.save(update_fields=["whatsapp_access_token"])
    # The guest never wrote to the business: outside WhatsApp's 24-hour window only an
    # approved template can reach them.
    MessageTemplate.objects.create(
        tenant=trattoria, purpose=Purpose.STAFF_BOOKED, name="prenotazione_registrata", language="it",
        parameters="customer_name,date,time,reference",
    )
    browser.set_window_size(width, 900)
    today = timezone.now().astimezone(trattoria.tzinfo).date()
    saturday = today + timedelta(days=(SATURDAY - today.weekday()) % 7 or 7)
    _log_in(browser, live_server, "trattoria")
    browser.get(f"{live_server.url}/admin/day/?date={saturday.isoformat()}")
    _css(browser, "#lyo-day")
    _assert_no_sideways_scrolling(browser)

    _click(browser, 'a.lyo-free[data-resource="Tavolo 2"][data-start="20:00"]')
    party = _css(browser, "#id_party_size")
    party.clear()
    party.send_keys("2")
    _css(browser, "#id_name").send_keys("Anna Bianchi")
    _css(browser, "#id_phone").send_keys("347 765 4321")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"phone-booking-form-{width}")
    _click(browser, "#lyo-book-submit")
    _css(browser, "a.lyo-block")

    booking = Appointment.objects.get(tenant=trattoria)
    anna = Customer.objects.get(tenant=trattoria)
    assert (anna.display_name, anna.phone, anna.channel) == ("Anna Bianchi", "393477654321", "whatsapp")
    assert (booking.customer, booking.party_size, booking.channel) == (anna, 2, "admin")
    # The confirmation went out once, to Anna's phone, from the trattoria's own number, greeting her by first name.
    _wait(browser).until(lambda d: len(graph.sends) == 1)
    (send,) = graph.sends
    assert (send["phone_number_id"], send["token"]) == (trattoria.whatsapp_phone_number_id, "EAAtrattoria-token")
    assert send["body"]["to"] == "393477654321"
    assert send["body"]["template"]["name"] == "prenotazione_registrata"
    parameters = [p["text"] for p in send["body"]["template"]["components"][0]["parameters"]]
    assert parameters[0] == "Anna" and parameters[2] == "20:00" and parameters[3] == booking.reference
    message = Message.objects.get(tenant=trattoria, direction=Message.Direction.OUTBOUND)
    assert (message.conversation.customer, message.delivery_status) == (anna, "sent")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"phone-booking-sent-{width}")
