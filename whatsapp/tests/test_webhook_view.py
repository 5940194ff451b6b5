import json

import pytest
import responses
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common import metrics
from conversations.models import Message
from customers.models import Customer
from whatsapp.tests.conftest import PAYLOADS, WEBHOOK, payload_bytes, sign

VERIFY = {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1158201444"}


# --- Verification (GET) -----------------------------------------------------------------


@pytest.mark.parametrize("path", [WEBHOOK, WEBHOOK + "/"])
def test_verification_answers_the_challenge_as_plain_text(client, path):
    response = client.get(path, VERIFY)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {**VERIFY, "hub.verify_token": "wrong"},
        {**VERIFY, "hub.mode": "unsubscribe"},
        {"hub.verify_token": "test-verify-token", "hub.challenge": "1"},
        {**VERIFY, "hub.challenge": ""},
        {},
    ],
    ids=["wrong-token", "wrong-mode", "no-mode", "no-challenge", "nothing"],
)
def test_verification_is_refused_with_403(client, params):
    response = client.get(WEBHOOK, params)
    assert response.status_code == 403
    assert response.json()["error"] == "verification_failed"


@override_settings(WHATSAPP_WEBHOOK_VERIFY_TOKEN="")
def test_verification_is_refused_when_no_verify_token_is_configured(client):
    assert client.get(WEBHOOK, {**VERIFY, "hub.verify_token": ""}).status_code == 403


# --- Signature (POST) --------------------------------------------------------------------


def test_post_without_signature_is_refused_and_stores_nothing(tenant, post_webhook):
    before = metrics.webhook_signature_failures.labels(channel="whatsapp")._value.get()
    response = post_webhook(payload_bytes("whatsapp_text.json"), signature=None)
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_signature"
    assert Message.objects.count() == 0
    assert Customer.objects.count() == 0
    assert metrics.webhook_signature_failures.labels(channel="whatsapp")._value.get() == before + 1


@pytest.mark.parametrize(
    "signature",
    ["sha256=" + "0" * 64, "sha256=", "md5=abc", sign(b"another body"), sign(b"", secret="other-secret"), "sha256=é"],
)
def test_post_with_a_wrong_signature_is_refused_and_stores_nothing(tenant, post_webhook, signature):
    response = post_webhook(payload_bytes("whatsapp_text.json"), signature=signature)
    assert response.status_code == 403
    assert Message.objects.count() == 0


def test_post_with_the_right_signature_is_stored(tenant, post_webhook, graph):
    response = post_webhook(payload_bytes("whatsapp_text.json"))
    assert response.status_code == 200
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1


def test_signature_is_checked_over_the_raw_bytes_not_reserialised_json(tenant, post_webhook):
    raw = payload_bytes("whatsapp_text.json")
    compact = json.dumps(json.loads(raw), separators=(",", ":")).encode()
    assert post_webhook(compact, signature=sign(raw)).status_code == 403


@override_settings(META_APP_SECRET="", DEBUG=False)
def test_unset_secret_is_refused_without_debug(tenant, post_webhook):
    assert post_webhook(payload_bytes("whatsapp_text.json"), signature=None).status_code == 403


@override_settings(META_APP_SECRET="", DEBUG=True)
def test_unset_secret_is_accepted_with_debug(tenant, post_webhook, graph):
    assert post_webhook(payload_bytes("whatsapp_text.json"), signature=None).status_code == 200


# --- Bad bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"{", b"\xff\xfe", b'{"object": NaN}', b"[]", b'"text"', b'{"object": "page", "entry": []}'],
)
def test_body_that_is_not_a_whatsapp_json_object_is_400_with_a_json_error(db, post_webhook, body):
    response = post_webhook(body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_payload"


def test_the_webhook_request_itself_never_calls_the_graph_api(tenant, post_webhook):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        response = post_webhook(payload_bytes("whatsapp_batch.json"), run_on_commit=False)
        assert response.status_code == 200
        assert len(mock.calls) == 0


def test_unknown_phone_number_id_is_answered_200_counted_and_ignored(db, post_webhook, caplog):
    before = metrics.webhook_unknown_tenant.labels(channel="whatsapp")._value.get()
    response = post_webhook(payload_bytes("whatsapp_text.json"))
    assert response.status_code == 200
    assert Message.objects.count() == 0
    assert metrics.webhook_unknown_tenant.labels(channel="whatsapp")._value.get() == before + 1
    assert "106540352242922" in caplog.text


def test_inactive_tenant_is_treated_as_unknown(tenant, post_webhook):
    tenant.is_active = False
    tenant.save()
    assert post_webhook(payload_bytes("whatsapp_text.json")).status_code == 200
    assert Message.objects.count() == 0


def test_value_level_errors_are_logged_and_counted(tenant, post_webhook, caplog):
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "metadata": {"phone_number_id": tenant.whatsapp_phone_number_id},
            "errors": [{"code": 131000, "title": "Something went wrong"}],
        }}]}],
    }
    before = metrics.webhook_value_errors.labels(channel="whatsapp")._value.get()
    assert post_webhook(body).status_code == 200
    assert metrics.webhook_value_errors.labels(channel="whatsapp")._value.get() == before + 1
    assert "131000" in caplog.text


# --- Never a 500 ---------------------------------------------------------------------------

SHARED_PAYLOADS = sorted(p.name for p in PAYLOADS.glob("*.json"))


@pytest.mark.parametrize("name", SHARED_PAYLOADS)
def test_every_sample_payload_is_answered_without_a_500(tenant, post_webhook, graph, name):
    response = post_webhook(payload_bytes(name))
    # WhatsApp payloads are accepted; Instagram and Chatwoot ones are not WhatsApp objects.
    assert response.status_code == (200 if name.startswith("whatsapp_") else 400)


def _mutations(draw_value: object, data: st.DataObject) -> object:
    """Replace one random node of a JSON tree by a value of a random JSON type."""
    if isinstance(draw_value, dict) and draw_value and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(draw_value)))
        return {**draw_value, key: _mutations(draw_value[key], data)}
    if isinstance(draw_value, list) and draw_value and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(draw_value) - 1))
        return [*draw_value[:index], _mutations(draw_value[index], data), *draw_value[index + 1:]]
    return data.draw(JSON_VALUES)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
WHATSAPP_PAYLOADS = [name for name in SHARED_PAYLOADS if name.startswith("whatsapp_")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_type_confused_payloads_never_cause_a_500(tenant, post_webhook, graph, data):
    original = json.loads(payload_bytes(data.draw(st.sampled_from(WHATSAPP_PAYLOADS))))
    mutated = original
    for _ in range(data.draw(st.integers(1, 4))):
        mutated = _mutations(mutated, data)
    response = post_webhook(json.dumps(mutated).encode())
    assert response.status_code in (200, 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_payloads_never_cause_a_500(tenant, post_webhook, graph, data):
    raw = payload_bytes(data.draw(st.sampled_from(WHATSAPP_PAYLOADS)))
    cut = data.draw(st.integers(0, len(raw) - 1))
    try:
        json.loads(raw[:cut])
    except ValueError:
        expected = 400
    else:
        expected = 200  # only trailing whitespace was cut
    assert post_webhook(raw[:cut]).status_code == expected


@pytest.mark.parametrize(
    "text",
    ["nul \x00 inside", "lone \ud800 surrogate", "x" * 5000],
    ids=["nul", "surrogate", "long"],
)
def test_text_no_database_column_accepts_is_cleaned_not_a_500(tenant, post_webhook, graph, text):
    body = json.loads(payload_bytes("whatsapp_text.json"))
    body["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = text
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = text
    assert post_webhook(json.dumps(body).encode()).status_code == 200


@pytest.mark.parametrize("body", [b"not json", b'{"object": "page"}'])
def test_the_signature_is_checked_before_the_body_is_parsed(db, post_webhook, body):
    """An unsigned body is refused before anyone reads it, whatever it holds."""
    response = post_webhook(body, signature=None)
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_signature"


# --- Numbers JSON cannot carry ---------------------------------------------------------------

NON_FINITE_LITERALS = [b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity"]


def _two_messages_one_holding(literal: bytes) -> bytes:
    """A signed-able batch of two customers' messages; the second holds ``literal`` as a number."""
    body = json.loads(payload_bytes("whatsapp_text.json"))
    value = body["entry"][0]["changes"][0]["value"]
    good = value["messages"][0]
    bad = {**good, "id": "wamid.BAD-NUMBER", "from": "393470000002", "from_user_id": "IT.2",
           "type": "location", "location": {"latitude": "__NUMBER__", "longitude": 9.19}}
    value["messages"] = [good, bad]
    return json.dumps(body).encode().replace(b'"__NUMBER__"', literal)


@pytest.mark.parametrize("literal", NON_FINITE_LITERALS, ids=lambda literal: literal.decode())
def test_a_message_holding_a_non_finite_number_is_rejected_with_200_and_the_rest_of_the_batch_is_stored(
    tenant, post_webhook, caplog, literal
):
    response = post_webhook(_two_messages_one_holding(literal), run_on_commit=False)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stored": 1, "duplicates": 0, "rejected": 1}
    assert list(Message.objects.values_list("channel_message_id", flat=True)) == [
        "wamid.HBgMMzkzNDcxMjM0NTY3FQIAEhggQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUEA"
    ]
    assert not Customer.objects.filter(channel_user_id="IT.2").exists()
    assert "1 event(s) rejected" in caplog.text


@pytest.mark.parametrize("literal", NON_FINITE_LITERALS, ids=lambda literal: literal.decode())
def test_a_delivery_whose_only_event_holds_a_non_finite_number_writes_nothing(tenant, post_webhook, literal):
    body = json.loads(payload_bytes("whatsapp_text.json"))
    body["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["score"] = "__NUMBER__"
    raw = json.dumps(body).encode().replace(b'"__NUMBER__"', literal)
    response = post_webhook(raw, run_on_commit=False)
    assert response.status_code == 200
    assert response.json()["rejected"] == 1
    assert (Message.objects.count(), Customer.objects.count()) == (0, 0)


def test_a_status_holding_a_non_finite_number_is_rejected_not_a_500(tenant, post_webhook):
    body = json.loads(payload_bytes("whatsapp_status_delivered.json"))
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["pricing"] = {"rate": "__NUMBER__"}
    raw = json.dumps(body).encode().replace(b'"__NUMBER__"', b"1e400")
    response = post_webhook(raw, run_on_commit=False)
    assert (response.status_code, response.json()["rejected"]) == (200, 1)
