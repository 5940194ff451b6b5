"""Fixtures for the Chatwoot channel: sample events, signed POSTs, a fake Chatwoot API."""

import hashlib
import hmac
import itertools
import json
import re
import socket
import time
from pathlib import Path

import pytest
import responses
from django.core.cache import cache

from chatwoot.models import ChatwootConnection
from chatwoot.selectors import webhook_secrets_forget
from chatwoot.services.connections import chatwoot_webhook_secret_set
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import _broker_pause_forgotten, celery_retries_inline  # noqa: F401

# Copies of the shared Chatwoot-shaped samples (account 1, inbox 3, conversation 512).
PAYLOADS = Path(__file__).parent / "payloads"
WEBHOOK = "/webhooks/chatwoot"
BASE_URL = "https://chat.example.com"
SECRET = "cw-webhook-secret-0123456789abcdef"
BOT_TOKEN = "cw-bot-token-trattoria"
MESSAGES_URL = re.compile(rf"{re.escape(BASE_URL)}/api/v1/accounts/(\d+)/conversations/(\d+)/messages")
STATUS_URL = re.compile(rf"{re.escape(BASE_URL)}/api/v1/accounts/(\d+)/conversations/(\d+)/toggle_status")


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def payload_json(name: str) -> dict:
    return json.loads(payload_bytes(name))


_ids = itertools.count(5000)


def incoming(text: str, *, conversation_id: int = 512, contact_id: int = 77, account_id: int = 1, inbox_id: int = 3,
             message_id: int | None = None) -> dict:
    """A ``message_created`` event for a customer's message, shaped like the shared sample."""
    body = payload_json("chatwoot_message_created.json")
    body.update({"id": message_id or next(_ids), "content": text})
    body["sender"]["id"] = contact_id
    body["account"]["id"] = account_id
    body["inbox"]["id"] = inbox_id
    body["conversation"].update({"id": conversation_id, "inbox_id": inbox_id})
    return body


def status_event(status: str, *, conversation_id: int = 512, event: str = "conversation_status_changed") -> dict:
    """A conversation event as Chatwoot sends it to agent bots (the conversation's own data)."""
    return {
        "event": event, "id": conversation_id, "status": status, "inbox_id": 3,
        "messages": [{"id": 4021, "account_id": 1, "conversation_id": conversation_id}],
        "meta": {"sender": {"id": 77, "type": "contact"}},
    }


def chatwoot_sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def connection_create(tenant=None, *, secret: str = SECRET, account_id: int = 1, **fields) -> ChatwootConnection:
    connection = ChatwootConnection(
        tenant=tenant or TenantFactory(), base_url=fields.pop("base_url", BASE_URL), account_id=account_id,
        inbox_ids=fields.pop("inbox_ids", [3]), bot_access_token=fields.pop("bot_access_token", BOT_TOKEN), **fields,
    )
    chatwoot_webhook_secret_set(connection=connection, secret=secret)
    connection.save()
    return connection


@pytest.fixture(autouse=True)
def _webhook_secrets_fresh():
    """Each test reads webhook secrets afresh and has seen no request: a connection id may come back
    after a rollback, with a request signed in the same second."""
    webhook_secrets_forget()
    cache.clear()
    yield
    webhook_secrets_forget()
    cache.clear()


class FakeDNS:
    """``socket.getaddrinfo`` for the tests: names in ``answers`` resolve as given, numbers as
    themselves, every other name fails (a test never asks a real resolver)."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list[str] | None] = {}
        self.lookups: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress_of(name)
        except ValueError:
            pass
        else:
            return self.real(host, port, family, type, proto, flags)
        self.lookups.append(name)
        answer = self.answers.get(name.rstrip("."))
        if callable(answer):
            answer = answer()
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "",
             (address, port or 0, 0, 0) if ":" in address else (address, port or 0))
            for address in answer
        ]


def ipaddress_of(name: str):
    import ipaddress

    return ipaddress.ip_address(name.split("%", 1)[0])


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    dns = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    return dns


@pytest.fixture
def connection(db):
    return connection_create(TenantFactory(language="it"))


@pytest.fixture
def tenant(connection):
    return connection.tenant


@pytest.fixture
def post_event(client, django_capture_on_commit_callbacks):
    """POST an event signed as Chatwoot signs it; on-commit work (processing, sending) runs before it returns."""

    def post(
        body: bytes | dict, *, secret: str = SECRET, timestamp: str | None = None, signature: str | None = "sign",
        path: str = WEBHOOK,
    ):
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        timestamp = timestamp if timestamp is not None else str(int(time.time()))
        headers = {"HTTP_X_CHATWOOT_TIMESTAMP": timestamp}
        if signature == "sign":
            headers["HTTP_X_CHATWOOT_SIGNATURE"] = chatwoot_sign(raw, timestamp, secret)
        elif signature is not None:
            headers["HTTP_X_CHATWOOT_SIGNATURE"] = signature
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data=raw, content_type="application/json", **headers)

    return post


class FakeChatwoot:
    """Records every API call; answers messages with fresh ids and status changes with the new status."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self._ids = itertools.count(9001)
        self.script: list[tuple[int, dict] | None] = []
        mock.add_callback(responses.POST, MESSAGES_URL, callback=self._message)
        mock.add_callback(responses.POST, STATUS_URL, callback=self._status)

    def fail_next(self, status: int, error: str = "error") -> None:
        self.script.append((status, {"error": error}))

    def _scripted(self):
        scripted = self.script.pop(0) if self.script else None
        return (scripted[0], {}, json.dumps(scripted[1])) if scripted else None

    def _message(self, request):
        body = json.loads(request.body)
        return self._scripted() or (200, {}, json.dumps({"id": next(self._ids), "content": body["content"]}))

    def _status(self, request):
        status = json.loads(request.body)["status"]
        return self._scripted() or (200, {}, json.dumps({"payload": {"success": True, "current_status": status}}))

    def _calls(self, pattern: re.Pattern) -> list[dict]:
        calls = []
        for call in self.mock.calls:
            match = pattern.match(call.request.url)
            if match:
                calls.append({
                    "account_id": int(match.group(1)), "conversation_id": int(match.group(2)),
                    "token": call.request.headers.get("api_access_token"), "body": json.loads(call.request.body),
                })
        return calls

    @property
    def messages(self) -> list[dict]:
        return self._calls(MESSAGES_URL)

    @property
    def statuses(self) -> list[dict]:
        return self._calls(STATUS_URL)

    @property
    def contents(self) -> list[str]:
        return [call["body"]["content"] for call in self.messages]


@pytest.fixture
def chatwoot():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeChatwoot(mock)
