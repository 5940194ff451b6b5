"""The WhatsApp client and the Graph transport under it: paths, token, timeouts and the error hierarchy."""

import json

import pytest
import requests
import responses
from django.conf import settings

from conversations.replies import Option
from meta.graph import (
    TIMEOUT_SECONDS,
    GraphPermanentError,
    GraphTokenInvalid,
    GraphTransientError,
    graph_error_for,
)
from whatsapp.client import WhatsAppClient
from whatsapp.rendering import Recipient, buttons_body, list_body, template_body, text_body

BASE = f"{settings.GRAPH_API_BASE}/{settings.GRAPH_API_VERSION}"
TO = Recipient(phone="393471234567")
TEXT = text_body(TO, "x")
SENT = {"messaging_product": "whatsapp", "contacts": [{"wa_id": "393471234567"}], "messages": [{"id": "wamid.X1"}]}


@responses.activate
def test_message_send_posts_to_the_phone_number_id_with_the_bearer_token():
    responses.post(f"{BASE}/106540352242922/messages", json=SENT)
    wamid = WhatsAppClient().message_send(
        phone_number_id="106540352242922", token="EAAG-a", body=text_body(TO, "Ciao")
    )
    assert wamid == "wamid.X1"
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Bearer EAAG-a"
    assert json.loads(request.body)["text"]["body"] == "Ciao"


@responses.activate
def test_message_send_posts_buttons_lists_and_templates_as_rendered():
    responses.post(f"{BASE}/1/messages", json=SENT)
    client = WhatsAppClient()
    bodies = [
        buttons_body(TO, "?", [Option("a", "A")]),
        list_body(TO, "?", [Option("a", "A")], button_label="Vedi"),
        template_body(TO, "reminder", "it", ()),
    ]
    for body in bodies:
        client.message_send(phone_number_id="1", token="t", body=body)
    sent = [json.loads(call.request.body) for call in responses.calls]
    assert sent == bodies
    assert [(b["type"], b.get("interactive", {}).get("type")) for b in sent] == [
        ("interactive", "button"), ("interactive", "list"), ("template", None)
    ]


@responses.activate
def test_phone_number_get_reads_the_number():
    responses.get(
        f"{BASE}/106540352242922",
        json={"id": "106540352242922", "display_phone_number": "+39 333 111 2222", "verified_name": "Trattoria"},
    )
    data = WhatsAppClient().phone_number_get("106540352242922", "EAAG-a")
    assert data["verified_name"] == "Trattoria"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer EAAG-a"
    assert "fields=display_phone_number" in responses.calls[0].request.url


@responses.activate
def test_phone_number_get_with_a_bad_token_raises_token_invalid():
    responses.get(f"{BASE}/1", status=401, json={"error": {"message": "Invalid OAuth access token.", "code": 190}})
    with pytest.raises(GraphTokenInvalid):
        WhatsAppClient().phone_number_get("1", "bad")


def test_every_call_has_connect_and_read_timeouts():
    class RecordingSession(requests.Session):
        def request(self, method, url, **kwargs):
            self.kwargs = kwargs
            raise requests.ConnectTimeout("no")

    session = RecordingSession()
    with pytest.raises(GraphTransientError):
        WhatsAppClient(session=session).message_send(phone_number_id="1", token="t", body=TEXT)
    assert session.kwargs["timeout"] == TIMEOUT_SECONDS
    connect, read = TIMEOUT_SECONDS
    assert 0 < connect < read <= 30


@pytest.mark.parametrize(
    "exception", [requests.ConnectionError("refused"), requests.ReadTimeout("slow"), requests.ConnectTimeout("x")]
)
@responses.activate
def test_network_errors_are_transient(exception):
    responses.post(f"{BASE}/1/messages", body=exception)
    with pytest.raises(GraphTransientError):
        WhatsAppClient().message_send(phone_number_id="1", token="t", body=TEXT)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (500, None, GraphTransientError),
        (503, 2, GraphTransientError),
        (429, None, GraphTransientError),
        (400, 130429, GraphTransientError),
        (400, 131056, GraphTransientError),
        (500, 131000, GraphTransientError),
        (400, 4, GraphTransientError),
        (400, 80007, GraphTransientError),
        (400, 131047, GraphPermanentError),
        (400, 100, GraphPermanentError),
        (400, 131026, GraphPermanentError),
        (401, 190, GraphTokenInvalid),
        (404, None, GraphPermanentError),
    ],
)
def test_error_responses_map_to_the_hierarchy(status, code, expected):
    error = graph_error_for(status, {"error": {"message": "(#x) boom", "code": code}})
    assert type(error) is expected
    assert error.transient is (expected is GraphTransientError)
    assert (error.status, error.code, error.title) == (status, code, "(#x) boom")


def test_error_response_that_is_not_json_is_still_mapped():
    error = graph_error_for(502, None)
    assert error.transient
    assert error.title == "HTTP 502"


@responses.activate
def test_accepted_send_without_an_id_is_not_an_error():
    responses.post(f"{BASE}/1/messages", json={"messages": []})
    assert WhatsAppClient().message_send(phone_number_id="1", token="t", body=TEXT) is None


@responses.activate
def test_token_never_appears_in_an_error_message():
    responses.post(f"{BASE}/1/messages", status=400, json={"error": {"message": "bad", "code": 100}})
    with pytest.raises(GraphPermanentError) as caught:
        WhatsAppClient().message_send(phone_number_id="1", token="EAAG-secret", body=TEXT)
    assert "EAAG-secret" not in str(caught.value)


def test_the_shared_session_takes_the_proxy_and_ca_bundle_from_the_environment_once(monkeypatch):
    from meta import graph as client

    monkeypatch.setattr(client, "_sessions", {})
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/corporate.pem")

    session = client.GraphClient(base_url="https://graph.facebook.com").session

    assert session.proxies.get("https") == "http://proxy.internal:3128"
    assert session.verify == "/etc/ssl/certs/corporate.pem"
    assert session.trust_env is False  # not read again on every send
    assert client.GraphClient(base_url="https://graph.facebook.com").session is session


def test_a_graph_address_in_no_proxy_goes_direct(monkeypatch):
    from meta import graph as client

    monkeypatch.setattr(client, "_sessions", {})
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "graph.facebook.com")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    session = client.GraphClient(base_url="https://graph.facebook.com").session

    assert "https" not in session.proxies
    assert session.verify is True
