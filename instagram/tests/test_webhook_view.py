import json

import pytest
import responses
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common import metrics
from conversations.models import Message
from customers.models import Customer
from instagram.tests.conftest import PAYLOADS, WEBHOOK, direct_message, payload_bytes, sign

# The JSON mutation strategy of the WhatsApp webhook tests.
from whatsapp.tests.test_webhook_view import _mutations

VERIFY = {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1158201444"}
SAMPLES = sorted(p.name for p in PAYLOADS.glob("*.json"))


# --- Verification (GET) -----------------------------------------------------------------


@pytest.mark.parametrize("path", [WEBHOOK, WEBHOOK + "/"])
def test_verification_answers_the_challenge_as_plain_text(client, path):
    response = client.get(path, VERIFY)
    assert (response.status_code, response.content) == (200, b"1158201444")
    assert response["Content-Type"].startswith("text/plain")


@override_settings(INSTAGRAM_WEBHOOK_VERIFY_TOKEN="instagram-only-token")
def test_verification_uses_the_instagram_verify_token_when_one_is_set(client):
    assert client.get(WEBHOOK, {**VERIFY, "hub.verify_token": "instagram-only-token"}).status_code == 200
    assert client.get(WEBHOOK, VERIFY).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {**VERIFY, "hub.verify_token": "wrong"}, {**VERIFY, "hub.mode": "unsubscribe"},
        {**VERIFY, "hub.challenge": ""}, {},
    ],
    ids=["wrong-token", "wrong-mode", "no-challenge", "nothing"],
)
def test_verification_is_refused_with_403(client, params):
    response = client.get(WEBHOOK, params)
    assert (response.status_code, response.json()["error"]) == (403, "verification_failed")


# --- Signature (POST) --------------------------------------------------------------------


@pytest.mark.parametrize("path", [WEBHOOK, WEBHOOK + "/"])
def test_signed_post_is_stored_with_and_without_trailing_slash(tenant, post_webhook, instagram, path):
    response = post_webhook(payload_bytes("instagram_text.json"), path=path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stored": 1, "duplicates": 0, "rejected": 0}


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=" + "0" * 64, "sha256=", "md5=abc", sign(b"another body"), sign(b"", secret="other-secret")],
)
def test_missing_or_wrong_signature_is_403_and_stores_nothing(tenant, post_webhook, instagram, signature):
    before = metrics.webhook_signature_failures.labels(channel="instagram")._value.get()
    response = post_webhook(payload_bytes("instagram_text.json"), signature=signature)
    assert (response.status_code, response.json()["error"]) == (403, "invalid_signature")
    assert (Message.objects.count(), Customer.objects.count(), len(instagram.sends)) == (0, 0, 0)
    assert metrics.webhook_signature_failures.labels(channel="instagram")._value.get() == before + 1


def test_signature_is_checked_over_the_raw_bytes_not_reserialised_json(tenant, post_webhook):
    raw = payload_bytes("instagram_text.json")
    compact = json.dumps(json.loads(raw), separators=(",", ":")).encode()
    assert post_webhook(compact, signature=sign(raw)).status_code == 403


@pytest.mark.parametrize(
    "body", [b"not json", b"", b"{", b"[]", b'{"object": NaN}', b'{"object": "whatsapp_business_account", "entry": []}']
)
def test_body_that_is_not_an_instagram_object_is_400(db, post_webhook, body):
    response = post_webhook(body)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_payload")


def test_the_webhook_request_itself_never_calls_the_graph_api(tenant, post_webhook):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        assert post_webhook(payload_bytes("instagram_text.json"), run_on_commit=False).status_code == 200
        assert len(mock.calls) == 0


def test_unknown_account_is_answered_200_counted_and_ignored(db, post_webhook, caplog):
    before = metrics.webhook_unknown_tenant.labels(channel="instagram")._value.get()
    assert post_webhook(payload_bytes("instagram_text.json")).status_code == 200
    assert Message.objects.count() == 0
    assert metrics.webhook_unknown_tenant.labels(channel="instagram")._value.get() == before + 1
    assert "17841400000000001" in caplog.text


def test_inactive_tenant_is_treated_as_unknown(tenant, post_webhook, instagram):
    tenant.is_active = False
    tenant.save()
    assert post_webhook(payload_bytes("instagram_text.json")).status_code == 200
    assert (Message.objects.count(), len(instagram.sends)) == (0, 0)


def test_whatsapp_number_of_the_tenant_does_not_route_instagram(db, post_webhook):
    from tenants.tests.factories import TenantFactory

    TenantFactory(whatsapp_phone_number_id="17841400000000001")
    assert post_webhook(payload_bytes("instagram_text.json")).status_code == 200
    assert Message.objects.count() == 0


# --- Never a 500 ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_payload_is_answered_200(tenant, post_webhook, instagram, name):
    assert post_webhook(payload_bytes(name)).status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_type_confused_payloads_never_cause_a_500(tenant, post_webhook, instagram, data):
    mutated = json.loads(payload_bytes(data.draw(st.sampled_from(SAMPLES))))
    for _ in range(data.draw(st.integers(1, 4))):
        mutated = _mutations(mutated, data)
    assert post_webhook(json.dumps(mutated).encode()).status_code in (200, 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_payloads_never_cause_a_500(tenant, post_webhook, instagram, data):
    raw = payload_bytes(data.draw(st.sampled_from(SAMPLES)))
    cut = data.draw(st.integers(0, len(raw) - 1))
    try:
        json.loads(raw[:cut])
    except ValueError:
        expected = 400
    else:
        expected = 200  # only trailing whitespace was cut
    assert post_webhook(raw[:cut]).status_code == expected


@pytest.mark.parametrize(
    "text", ["nul \x00 inside", "lone \ud800 surrogate", "x" * 5000], ids=["nul", "surrogate", "long"]
)
def test_text_no_database_column_accepts_is_cleaned_not_a_500(tenant, post_webhook, instagram, text):
    body = json.loads(payload_bytes("instagram_text.json"))
    body["entry"][0]["messaging"][0]["message"]["text"] = text
    assert post_webhook(json.dumps(body).encode()).status_code == 200


# --- Numbers JSON cannot carry ---------------------------------------------------------------


@pytest.mark.parametrize("literal", [b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity"])
def test_an_event_holding_a_non_finite_number_is_rejected_with_200_and_the_rest_is_stored(
    tenant, post_webhook, caplog, literal
):
    body = direct_message("Ciao", mid="aWdfZAG1fGOOD")
    bad = direct_message("Salve", mid="aWdfZAG1fBAD", sender="99990000")["entry"][0]["messaging"][0]
    bad["message"]["score"] = "__NUMBER__"
    body["entry"][0]["messaging"].append(bad)
    raw = json.dumps(body).encode().replace(b'"__NUMBER__"', literal)
    response = post_webhook(raw, run_on_commit=False)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stored": 1, "duplicates": 0, "rejected": 1}
    assert list(Message.objects.values_list("channel_message_id", flat=True)) == ["aWdfZAG1fGOOD"]
    assert not Customer.objects.filter(channel_user_id="99990000").exists()
    assert "1 event(s) rejected" in caplog.text
