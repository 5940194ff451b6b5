"""Lyo posts the bot token only to Chatwoot's real address: https, public addresses (or ones the
operator allowed), checked on save and right before each call, connected to as checked, no redirect."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from django.urls import reverse

from chatwoot.adapter import ChatwootAdapter
from chatwoot.client import ChatwootAddressNotAllowed, ChatwootClient, ChatwootPermanentError
from chatwoot.models import ChatwootConnection
from chatwoot.tests.conftest import BOT_TOKEN, SECRET, connection_create
from chatwoot.tests.test_outbound import queued_reply
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:chatwoot_chatwootconnection_add")
PRIVATE_TEXT = "This address leads to a private or reserved network"
REFUSED = [
    "https://127.0.0.1", "https://169.254.169.254/latest/meta-data", "https://10.1.2.3", "https://[::1]",
    "https://[::ffff:127.0.0.1]", "https://[::ffff:169.254.169.254]", "https://192.168.1.10:8443",
    "https://0.0.0.0", "https://224.0.0.1", "https://100.64.0.1", "https://[fe80::1]",
    "https://rebind.example.net",  # resolves to 127.0.0.1
    "https://mixed.example.net",  # one public address and one private: all must be public
]


@pytest.fixture
def dns(fake_dns):
    fake_dns.answers.update({
        "rebind.example.net": ["127.0.0.1"],
        "mixed.example.net": ["93.184.216.34", "10.0.0.5"],
        "public.example.net": ["93.184.216.34"],
    })
    return fake_dns


def _owner_adds(client, base_url: str, *, language: str = "en"):
    tenant = TenantFactory(language=language)
    client.force_login(MembershipFactory(tenant=tenant, role="owner").user)
    return client.post(ADD, {
        "tenant": tenant.pk, "base_url": base_url, "account_id": 1, "inbox_ids": "", "is_active": "on",
        "new_bot_access_token": BOT_TOKEN, "new_webhook_secret": SECRET,
    })


@pytest.mark.parametrize("base_url", REFUSED)
def test_an_address_on_a_private_or_reserved_network_is_refused_on_save(client, dns, base_url):
    response = _owner_adds(client, base_url)
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["base_url"]
    assert error.startswith(PRIVATE_TEXT)
    assert not ChatwootConnection.objects.exists()


def test_the_refusal_is_in_the_owners_language(client, dns):
    response = _owner_adds(client, "https://10.1.2.3", language="it")
    (error,) = response.context["adminform"].form.errors["base_url"]
    assert error.startswith("Questo indirizzo porta a una rete privata o riservata")


def test_plain_http_is_refused_on_save_in_production(client, dns):
    response = _owner_adds(client, "http://public.example.net")
    assert response.context["adminform"].form.errors["base_url"] == ["Use an https:// address."]


def test_a_public_https_address_is_saved(client, dns):
    assert _owner_adds(client, "https://public.example.net").status_code == 302
    assert ChatwootConnection.objects.get().base_url == "https://public.example.net"


def test_a_name_that_does_not_resolve_is_refused_on_save(client, dns):
    response = _owner_adds(client, "https://nowhere.example.net")
    assert response.context["adminform"].form.errors["base_url"] == ["This host name cannot be found."]


@override_settings(CHATWOOT_ALLOWED_HOSTS=["10.20.0.0/16", "chatwoot.internal"])
def test_the_operator_allows_a_self_hosted_chatwoot_on_a_private_network(client, dns):
    dns.answers["cw.office.lan"] = ["10.20.3.4"]
    assert _owner_adds(client, "http://cw.office.lan").status_code == 302
    ChatwootConnection.objects.all().delete()
    assert _owner_adds(client, "http://chatwoot.internal:3000").status_code == 302
    ChatwootConnection.objects.all().delete()
    assert _owner_adds(client, "https://10.21.0.1").status_code == 200


@pytest.mark.parametrize("base_url", REFUSED)
def test_an_address_that_became_private_is_refused_at_send_time_with_no_request(dns, chatwoot, base_url):
    # Saved before the check existed, or its name now resolves elsewhere.
    connection = connection_create(base_url=base_url)
    message = queued_reply(connection.tenant)
    assert ChatwootAdapter().send(message_id=message.pk).outcome == "failed"
    message.refresh_from_db()
    assert message.error_title.startswith(PRIVATE_TEXT)
    assert len(chatwoot.mock.calls) == 0


class _Chatwoot(BaseHTTPRequestHandler):
    """A local stand-in: ``/redirect`` paths answer 302 to elsewhere, others 200 with a message id."""

    def do_POST(self):
        self.server.seen.append((self.path, self.headers.get("Host"), self.headers.get("api_access_token")))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "redirect" in self.server.mode:
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/stolen")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"id": 42} if self.server.mode == "ok" else {"error": "internal-secret-body"}).encode()
        self.send_response(200 if self.server.mode == "ok" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_chatwoot():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Chatwoot)
    server.seen, server.mode = [], "ok"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _rebinding(fake_dns, name: str):
    """``name`` resolves to 127.0.0.1 once, then to nothing: a second lookup would fail the call."""
    answers = iter([["127.0.0.1"]])
    fake_dns.answers[name] = lambda: next(answers, None)


@override_settings(CHATWOOT_ALLOWED_HOSTS=["127.0.0.0/8"])
def test_the_call_connects_to_the_address_checked_keeping_the_host_name(fake_dns, local_chatwoot):
    _rebinding(fake_dns, "cw.rebind.test")
    client = ChatwootClient(base_url=f"http://cw.rebind.test:{local_chatwoot.server_port}", token=BOT_TOKEN)
    assert client.message_create(account_id=1, conversation_id="512", body={"content": "Ciao"}) == "42"
    assert fake_dns.lookups == ["cw.rebind.test"]
    assert local_chatwoot.seen == [
        ("/api/v1/accounts/1/conversations/512/messages", f"cw.rebind.test:{local_chatwoot.server_port}", BOT_TOKEN)
    ]


@override_settings(CHATWOOT_ALLOWED_HOSTS=["127.0.0.0/8"])
def test_a_redirect_is_not_followed_and_is_an_error(fake_dns, local_chatwoot):
    local_chatwoot.mode = "redirect"
    client = ChatwootClient(base_url=f"http://127.0.0.1:{local_chatwoot.server_port}", token=BOT_TOKEN)
    with pytest.raises(ChatwootPermanentError) as raised:
        client.message_create(account_id=1, conversation_id="512", body={"content": "Ciao"})
    assert raised.value.title == "Chatwoot answered with a redirect, which Lyo does not follow (HTTP 302)."
    assert [path for path, _host, _token in local_chatwoot.seen] == ["/api/v1/accounts/1/conversations/512/messages"]


def test_a_loopback_address_is_refused_before_connecting(fake_dns, local_chatwoot):
    client = ChatwootClient(base_url=f"http://127.0.0.1:{local_chatwoot.server_port}", token=BOT_TOKEN)
    with pytest.raises(ChatwootAddressNotAllowed):
        client.message_create(account_id=1, conversation_id="512", body={"content": "Ciao"})
    assert local_chatwoot.seen == []


@override_settings(CHATWOOT_ALLOWED_HOSTS=["127.0.0.0/8"])
def test_staff_see_a_fixed_error_text_never_the_remote_body(fake_dns, local_chatwoot, client):
    local_chatwoot.mode = "error"
    connection = connection_create(base_url=f"http://127.0.0.1:{local_chatwoot.server_port}")
    message = queued_reply(connection.tenant)
    assert ChatwootAdapter().send(message_id=message.pk).outcome == "failed"
    message.refresh_from_db()
    assert message.error_title == "Chatwoot refused the request (HTTP 404)."
    client.force_login(MembershipFactory(tenant=connection.tenant, role="owner").user)
    page = client.get(reverse("admin:conversations_message_change", args=[message.pk])).content.decode()
    assert "Chatwoot refused the request (HTTP 404)." in page
    assert "internal-secret-body" not in page
