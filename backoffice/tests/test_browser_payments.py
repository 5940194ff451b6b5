"""Money on the staff pages in headless Chromium, at a desk (1280 px) and on a phone (390 px).

A guest who saved a card and did not come: the booking's page offers the fee, one more
tap confirms it, the charge is on the booking and in the business's payments list.
Nothing sideways, every tap target big enough on the phone, nothing from another host.
"""

from __future__ import annotations

from datetime import timedelta

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
from backoffice.tests.test_browser_phone_first import (  # the demo business and its day
    LAYOUT_CHECK_JS,
    PHONE,
    TAP_TARGET_PX,
    WIDTHS,
    business,  # noqa: F401 - a fixture
)
from bookings.models import Appointment, Resource
from bookings.tests.factories import AppointmentFactory
from customers.tests.factories import CustomerFactory
from payments.models import Payment, PaymentPolicy
from payments.tests.conftest import fake  # noqa: F401 - the fake Stripe server
from payments.tests.factories import PaymentPolicyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _layout_fits(driver, live_server, width: int, name: str) -> None:
    _assert_stays_local(driver, live_server)
    _assert_no_sideways_scrolling(driver)
    _screenshot(driver, f"{name}-{width}")
    found = driver.execute_script(LAYOUT_CHECK_JS, TAP_TARGET_PX if width == PHONE else 0)
    assert found == {"broken": [], "small": []}, found


@pytest.mark.parametrize("business", ["restaurant"], indirect=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_staff_charge_a_no_show_s_card_after_one_confirmation(browser, live_server, business, fake, width):  # noqa: F811
    fake.answer("POST", "/v1/payment_intents", {"id": "pi_fee", "object": "payment_intent", "status": "succeeded"})
    tenant = business["tenant"]
    PaymentPolicyFactory(
        tenant=tenant, mode=PaymentPolicy.Mode.GUARANTEE, amount_cents=1500, stripe_secret_key="sk_test_tenant"
    )
    start = business["booking"].starts_at - timedelta(days=1)
    booking = AppointmentFactory(
        tenant=tenant,
        resource=Resource.objects.filter(tenant=tenant).first(),
        starts_at=start,
        party_size=3,
        customer=CustomerFactory(tenant=tenant, display_name="Marta Bianchi", phone="393351234567"),
        status=Appointment.Status.NO_SHOW,
    )
    Payment.objects.create(
        tenant=tenant,
        appointment=booking,
        customer=booking.customer,
        kind=Payment.Kind.GUARANTEE,
        status=Payment.Status.SUCCEEDED,
        amount_cents=4500,
        currency="eur",
        provider_customer_id="cus_1",
        payment_method_id="pm_1",
    )

    browser.set_window_size(width, 900)
    _log_in(browser, live_server, business["username"])
    # Yesterday's day view: the no-show's row in the service list offers the fee.
    yesterday = start.astimezone(tenant.tzinfo).date().isoformat()
    browser.get(f"{live_server.url}/admin/day/?date={yesterday}")
    assert "45,00 €" in _css(browser, f"#fee-{booking.pk}").text
    _layout_fits(browser, live_server, width, "day-no-show-fee")
    browser.get(f"{live_server.url}/admin/bookings/appointment/{booking.pk}/change/")
    _click(browser, "#lyo-no-show-fee")
    assert "45,00 €" in _css(browser, "h1").text
    _layout_fits(browser, live_server, width, "no-show-fee")
    _click(browser, "#lyo-no-show-fee-submit")
    _wait(browser).until(lambda d: d.find_elements("css selector", "#lyo-booking-money [data-kind=no_show_fee]"))
    row = _css(browser, "#lyo-booking-money [data-kind=no_show_fee]")
    assert row.get_attribute("data-status") == "succeeded" and "45,00 €" in row.text
    assert not browser.find_elements("css selector", "#lyo-no-show-fee")
    assert [path for _method, path, _form, _headers in fake.requests] == ["/v1/payment_intents"]

    browser.get(f"{live_server.url}/admin/")
    _click(browser, "#lyo-payments-link")
    _css(browser, "#lyo-payments-table")
    kinds = [
        r.get_attribute("data-kind") for r in browser.find_elements("css selector", "#lyo-payments-table tr[data-kind]")
    ]
    assert kinds == ["no_show_fee", "guarantee"]
    _layout_fits(browser, live_server, width, "payments")
