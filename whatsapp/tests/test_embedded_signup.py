"""Connecting a number with Embedded Signup, end to end against a local Graph API: all of it, or nothing."""

from __future__ import annotations

import pytest

from tenants.models import AuditEvent, Tenant
from tenants.tests.factories import TenantFactory
from whatsapp.services.embedded_signup import (
    EmbeddedSignupFailed,
    EmbeddedSignupNotConfigured,
    NumberConnectedElsewhere,
    SignupFlavour,
    SignupStep,
    signup_session_parse,
    whatsapp_embedded_signup_complete,
)
from whatsapp.services.send_rate import whatsapp_send_rate
from whatsapp.tests.fake_signup_graph import (
    BUSINESS_TOKEN,
    CODE,
    DISPLAY_PHONE_NUMBER,
    PHONE_NUMBER_ID,
    WABA_ID,
)

pytestmark = pytest.mark.django_db

OLD = {
    "whatsapp_phone_number_id": "106540000000001",
    "whatsapp_business_account_id": "555",
    "whatsapp_display_phone_number": "+39 333 000 0000",
    "whatsapp_access_token": "EAAG-old-token",
}


def _session(flavour: str = "new_number", **fields: str):
    values = {
        "code": CODE,
        "business_account_id": WABA_ID,
        "phone_number_id": PHONE_NUMBER_ID,
        "flavour": flavour,
        "pin": "246810" if flavour == "new_number" else "",
        **fields,
    }
    return signup_session_parse(**values)


def _wiring(tenant: Tenant) -> dict:
    tenant = Tenant.objects.get(pk=tenant.pk)
    return {name: getattr(tenant, name) for name in (*OLD, "whatsapp_coexistence")}


def test_a_new_number_is_exchanged_subscribed_registered_read_and_stored(signup_graph):
    tenant = TenantFactory(**OLD)
    connected = whatsapp_embedded_signup_complete(tenant=tenant, session=_session(), actor=None)

    assert connected.display_phone_number == DISPLAY_PHONE_NUMBER
    assert connected.coexistence is False
    assert signup_graph.calls() == [
        ("GET", "/oauth/access_token"),
        ("POST", f"/{WABA_ID}/subscribed_apps"),
        ("POST", f"/{PHONE_NUMBER_ID}/register"),
        ("GET", f"/{PHONE_NUMBER_ID}"),
    ]
    exchange, *rest = signup_graph.requests
    assert exchange["token"] == ""  # the code exchange sends no bearer: the app's id and secret
    assert {request["token"] for request in rest} == {BUSINESS_TOKEN}
    assert signup_graph.requests[2]["body"] == {"messaging_product": "whatsapp", "pin": "246810"}
    assert _wiring(tenant) == {
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_business_account_id": WABA_ID,
        "whatsapp_display_phone_number": DISPLAY_PHONE_NUMBER,
        "whatsapp_access_token": BUSINESS_TOKEN,
        "whatsapp_coexistence": False,
    }
    stored = Tenant.objects.get(pk=tenant.pk)
    assert stored.whatsapp_token_invalid_at is None
    assert whatsapp_send_rate(stored) == 80
    assert AuditEvent.objects.filter(tenant=tenant, action=AuditEvent.Action.TOKEN_SET).count() == 1


def test_the_token_is_stored_encrypted(signup_graph):
    from tenants.tests.test_models import _raw_token_column

    tenant = TenantFactory(**OLD)
    whatsapp_embedded_signup_complete(tenant=tenant, session=_session(), actor=None)
    assert BUSINESS_TOKEN not in _raw_token_column(tenant.pk)


def test_a_coexistence_number_is_not_registered_and_sends_at_twenty_a_second(signup_graph):
    tenant = TenantFactory(**OLD)
    connected = whatsapp_embedded_signup_complete(tenant=tenant, session=_session("coexistence"), actor=None)

    assert connected.coexistence is True
    assert ("POST", f"/{PHONE_NUMBER_ID}/register") not in signup_graph.calls()
    # Then Meta is asked for the app's contacts and history, which arrive on the webhook.
    assert signup_graph.calls()[-2:] == [("POST", f"/{PHONE_NUMBER_ID}/smb_app_data")] * 2
    assert [r["body"]["sync_type"] for r in signup_graph.requests[-2:]] == ["smb_app_state_sync", "history"]
    stored = Tenant.objects.get(pk=tenant.pk)
    assert stored.whatsapp_coexistence is True
    assert whatsapp_send_rate(stored) == 20


def test_a_refused_history_request_does_not_undo_the_connection(signup_graph):
    signup_graph.fail.add("app_data")
    tenant = TenantFactory(**OLD)
    whatsapp_embedded_signup_complete(tenant=tenant, session=_session("coexistence"), actor=None)
    assert _wiring(tenant)["whatsapp_phone_number_id"] == PHONE_NUMBER_ID
    assert WABA_ID in signup_graph.subscribed


@pytest.mark.parametrize(
    ("step", "undone"),
    [
        ("code_exchange", False),
        ("subscribe", False),
        ("register", True),
        ("number_read", True),
    ],
)
def test_a_refusal_at_each_step_stores_nothing_and_takes_the_subscription_back(signup_graph, step, undone):
    signup_graph.fail.add(step)
    tenant = TenantFactory(**OLD)
    before = _wiring(tenant)

    with pytest.raises(EmbeddedSignupFailed) as failed:
        whatsapp_embedded_signup_complete(tenant=tenant, session=_session(), actor=None)

    assert failed.value.step == SignupStep(step)
    assert _wiring(tenant) == before
    assert not AuditEvent.objects.filter(tenant=tenant).exists()
    assert (("DELETE", f"/{WABA_ID}/subscribed_apps") in signup_graph.calls()) is undone
    assert signup_graph.subscribed == set()


def test_a_meta_side_error_says_trying_again_may_help(signup_graph):
    signup_graph.fail.add("number_read")  # code 1, HTTP 500
    with pytest.raises(EmbeddedSignupFailed) as failed:
        whatsapp_embedded_signup_complete(tenant=TenantFactory(**OLD), session=_session(), actor=None)
    assert failed.value.transient is True


def test_an_undo_meta_refuses_still_reports_the_first_failure_and_stores_nothing(signup_graph):
    signup_graph.fail.update({"register", "unsubscribe"})
    tenant = TenantFactory(**OLD)
    with pytest.raises(EmbeddedSignupFailed) as failed:
        whatsapp_embedded_signup_complete(tenant=tenant, session=_session(), actor=None)
    assert failed.value.step == SignupStep.REGISTER
    assert _wiring(tenant)["whatsapp_access_token"] == "EAAG-old-token"


def test_a_number_another_business_has_is_refused_before_any_call(signup_graph):
    other = TenantFactory(whatsapp_phone_number_id=PHONE_NUMBER_ID, whatsapp_business_account_id=WABA_ID)
    tenant = TenantFactory(**OLD)
    with pytest.raises(NumberConnectedElsewhere):
        whatsapp_embedded_signup_complete(tenant=tenant, session=_session(), actor=None)
    assert signup_graph.requests == []
    assert _wiring(tenant)["whatsapp_phone_number_id"] == OLD["whatsapp_phone_number_id"]
    assert Tenant.objects.get(pk=other.pk).whatsapp_access_token == other.whatsapp_access_token


def test_a_store_refused_late_keeps_another_business_subscription(signup_graph, monkeypatch):
    """Another business took the number between the check and the store: its subscription is left alone."""
    from whatsapp.services import embedded_signup

    tenant = TenantFactory(**OLD)
    TenantFactory(whatsapp_phone_number_id="106549999999999", whatsapp_business_account_id=WABA_ID)
    checks = iter([False, True])
    monkeypatch.setattr(embedded_signup, "_number_taken", lambda **kwargs: next(checks))
    with pytest.raises(NumberConnectedElsewhere):
        whatsapp_embedded_signup_complete(tenant=tenant, session=_session(), actor=None)
    assert ("DELETE", f"/{WABA_ID}/subscribed_apps") not in signup_graph.calls()
    assert _wiring(tenant)["whatsapp_phone_number_id"] == OLD["whatsapp_phone_number_id"]


def test_without_the_meta_app_configured_nothing_is_called(signup_graph, settings):
    settings.META_EMBEDDED_SIGNUP_CONFIG_ID = ""
    with pytest.raises(EmbeddedSignupNotConfigured):
        whatsapp_embedded_signup_complete(tenant=TenantFactory(**OLD), session=_session(), actor=None)
    assert signup_graph.requests == []


@pytest.mark.parametrize(
    "fields",
    [
        {"code": ""},
        {"business_account_id": "abc"},
        {"phone_number_id": ""},
        {"phone_number_id": "1065/../me"},
        {"flavour": "something"},
        {"pin": "12345"},
        {"pin": "abcdef"},
    ],
)
def test_malformed_session_info_is_refused(fields):
    with pytest.raises(EmbeddedSignupFailed) as failed:
        _session(**fields)
    assert failed.value.step == SignupStep.CHECK


def test_a_coexistence_session_needs_no_pin():
    assert _session("coexistence").flavour == SignupFlavour.COEXISTENCE
    assert _session("coexistence", pin="999999").pin == ""
