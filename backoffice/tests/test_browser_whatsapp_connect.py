"""Connect WhatsApp in headless Chromium, at a desk (1280 px) and on a phone (390 px).

The Facebook JS SDK is a local stand-in served by the test server (``fake_facebook_sdk/``):
its FB.login posts the WA_EMBEDDED_SIGNUP message and calls back with a code, as Meta's
window does; the server side runs against the local Graph API. Nothing is fetched from
another host and nothing scrolls sideways.
"""

from __future__ import annotations

from pathlib import Path

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
from tenants.models import Tenant
from whatsapp.tests.fake_signup_graph import (
    BUSINESS_TOKEN,
    DISPLAY_PHONE_NUMBER,
    PHONE_NUMBER_ID,
    WABA_ID,
)

pytestmark = pytest.mark.django_db(transaction=True)

FAKE_SDK_DIR = Path(__file__).parent / "fake_facebook_sdk"


@pytest.fixture
def local_sdk(settings, live_server, signup_graph):
    """The page loads the stand-in SDK from the test server, and trusts messages from it."""
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, FAKE_SDK_DIR]
    settings.META_SDK_URL = f"{live_server.url}/static/fake-facebook/sdk.js"
    settings.META_LOGIN_ORIGINS = [live_server.url]
    return signup_graph


def _open_page(driver) -> None:
    _click(driver, "#lyo-settings-link")
    _click(driver, "#lyo-settings-channels a")
    _click(driver, "#lyo-whatsapp-connect-link")
    _css(driver, "#lyo-whatsapp-connect")
    # The buttons wake up once the SDK has loaded.
    _wait(driver).until(lambda d: _css(d, "#lyo-connect-coexistence").is_enabled())


def _result(driver) -> str:
    _wait(driver).until(lambda d: _css(d, "#lyo-connect-result").text not in ("", "Connessione…", "Connecting…"))
    return _css(driver, "#lyo-connect-result").text


@pytest.mark.parametrize("width", [1280, 390])
def test_owner_connects_a_number_kept_in_the_app(browser, live_server, trattoria, local_sdk, width):  # noqa: F811
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    _open_page(browser)
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"whatsapp-connect-{width}")

    _click(browser, "#lyo-connect-coexistence")
    text = _result(browser)
    assert DISPLAY_PHONE_NUMBER in text, text
    assert _css(browser, "#lyo-whatsapp-number").text == DISPLAY_PHONE_NUMBER
    assert _css(browser, "#lyo-whatsapp-in-app").text == "Sì"  # the demo owner reads Italian
    # What the page asked Meta's window for.
    login = browser.execute_script("return window.fakeFacebookLogin;")
    assert login["response_type"] == "code"
    assert login["override_default_response_type"] is True
    assert login["extras"] == {
        "setup": {},
        "sessionInfoVersion": "3",
        "featureType": "whatsapp_business_app_onboarding",
    }
    assert login["config_id"] == "998877665544332"
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"whatsapp-connected-{width}")

    stored = Tenant.objects.get(pk=trattoria.pk)
    assert (stored.whatsapp_phone_number_id, stored.whatsapp_business_account_id) == (PHONE_NUMBER_ID, WABA_ID)
    assert stored.whatsapp_access_token == BUSINESS_TOKEN
    assert stored.whatsapp_coexistence is True
    assert ("POST", f"/{PHONE_NUMBER_ID}/register") not in local_sdk.calls()


def test_owner_connects_a_new_number_after_a_refusal(browser, live_server, trattoria, local_sdk):  # noqa: F811
    browser.set_window_size(390, 900)
    _log_in(browser, live_server, "trattoria")
    _open_page(browser)
    before = Tenant.objects.get(pk=trattoria.pk).whatsapp_phone_number_id

    _click(browser, "#lyo-connect-new")  # no PIN yet: the page asks for one, Meta's window is not opened
    assert _css(browser, "#lyo-connect-result").text != ""
    assert browser.execute_script("return window.fakeFacebookLogin || null;") is None

    local_sdk.fail.add("register")
    _css(browser, "#lyo-connect-pin").send_keys("246810")
    _click(browser, "#lyo-connect-new")
    _wait(browser).until(lambda d: "PIN" in _css(d, "#lyo-connect-result").text)
    assert Tenant.objects.get(pk=trattoria.pk).whatsapp_phone_number_id == before
    assert local_sdk.subscribed == set()  # the subscription was taken back

    local_sdk.fail.clear()
    _wait(browser).until(lambda d: _css(d, "#lyo-connect-new").is_enabled())
    _click(browser, "#lyo-connect-new")
    _wait(browser).until(lambda d: DISPLAY_PHONE_NUMBER in _css(d, "#lyo-connect-result").text)
    assert local_sdk.requests[-2]["body"] == {"messaging_product": "whatsapp", "pin": "246810"}
    stored = Tenant.objects.get(pk=trattoria.pk)
    assert (stored.whatsapp_phone_number_id, stored.whatsapp_coexistence) == (PHONE_NUMBER_ID, False)
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)


def test_closing_meta_window_connects_nothing(browser, live_server, trattoria, local_sdk):  # noqa: F811
    browser.set_window_size(1280, 900)
    _log_in(browser, live_server, "trattoria")
    _open_page(browser)
    browser.execute_script("window.fakeFacebookCancel = true;")
    _click(browser, "#lyo-connect-coexistence")
    assert _result(browser) != ""
    assert local_sdk.requests == []
    _wait(browser).until(lambda d: _css(d, "#lyo-connect-coexistence").is_enabled())
