"""Fixtures for the WhatsApp channel: sample payloads, signed POSTs, a fake Graph API."""

import hashlib
import hmac
import itertools
import json
import re
import time
from pathlib import Path

import pytest
import responses
from django.conf import settings

from tenants.tests.factories import TenantFactory
from whatsapp.tests.fake_signup_graph import signup_graph  # noqa: F401 - the local Graph API of Embedded Signup

# Copies of the shared Meta-shaped samples (ids made up), so a clean clone has them.
PAYLOADS = Path(__file__).parent / "payloads"
# The phone number id every sample payload is addressed to.
SAMPLE_PHONE_NUMBER_ID = "106540352242922"
WEBHOOK = "/webhooks/whatsapp"
# Meta's message and status timestamps: Unix seconds as a string.
_TIMESTAMP = re.compile(rb'"timestamp": "(\d{10})"')
MESSAGES_URL = re.compile(rf"{re.escape(settings.GRAPH_API_BASE)}/{settings.GRAPH_API_VERSION}/(\d+)/messages")


def payload_bytes(name: str) -> bytes:
    """A sample as Meta would deliver it now: its timestamps shifted so the newest is the current time.

    Replies may only be free-form within 24 hours of the customer's message (WhatsApp's
    window), so a sample recorded long ago must not look long ago. The shift keeps their
    order and the bytes' layout; ``payload_json`` gives the sample exactly as recorded.
    """
    raw = (PAYLOADS / name).read_bytes()
    stamps = [int(match) for match in _TIMESTAMP.findall(raw)]
    if not stamps:
        return raw
    shift = int(time.time()) - max(stamps)
    return _TIMESTAMP.sub(lambda m: m.group(0).replace(m.group(1), str(int(m.group(1)) + shift).encode()), raw)


def payload_json(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_bytes())


def sign(body: bytes, secret: str | None = None) -> str:
    key = (secret if secret is not None else settings.META_APP_SECRET).encode()
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


@pytest.fixture(autouse=True)
def _broker_pause_forgotten():
    """A test that simulates a broker outage must not pause publishing for the next tests."""
    from conversations.services.broker import broker_pause_reset

    broker_pause_reset()
    yield
    broker_pause_reset()


@pytest.fixture
def celery_retries_inline():
    """Let in-process tasks retry the way Celery does (at once, countdown ignored).

    The suite propagates task exceptions, and for Celery a retry is one: without this
    the first ``self.retry()`` would surface as an error instead of running again.
    """
    from lyo.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.fixture
def tenant(db):
    return TenantFactory(
        whatsapp_phone_number_id=SAMPLE_PHONE_NUMBER_ID, whatsapp_access_token="EAAG-sample-token", language="it"
    )


@pytest.fixture
def post_webhook(client, django_capture_on_commit_callbacks):
    """POST a body signed as Meta would; on-commit work (processing, sending) runs before it returns."""

    def post(body: bytes | dict, *, signature: str | None = "sign", path: str = WEBHOOK, run_on_commit: bool = True):
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        headers = {}
        if signature == "sign":
            headers["HTTP_X_HUB_SIGNATURE_256"] = sign(raw)
        elif signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        if not run_on_commit:
            return client.post(path, data=raw, content_type="application/json", **headers)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data=raw, content_type="application/json", **headers)

    return post


class FakeGraph:
    """Records every send; answers each with a fresh wamid unless told otherwise."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self._ids = itertools.count(1)
        # Scripted answers for the next calls, in order: an error, or None for a normal success.
        self.script: list[tuple[int, dict] | None] = []
        mock.add_callback(responses.POST, MESSAGES_URL, callback=self._answer)

    def fail_next(self, status: int, code: int | None = None, message: str = "error") -> None:
        body = {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x"}}
        self.script.append((status, body))

    def succeed_next(self) -> None:
        self.script.append(None)

    def _answer(self, request):
        scripted = self.script.pop(0) if self.script else None
        if scripted is not None:
            status, body = scripted
            return status, {}, json.dumps(body)
        wamid = f"wamid.SENT{next(self._ids):04d}"
        return 200, {}, json.dumps({"messaging_product": "whatsapp", "messages": [{"id": wamid}]})

    @property
    def sends(self) -> list[dict]:
        """Each send: phone number id in the path, bearer token and JSON body."""
        return [
            {
                "phone_number_id": MESSAGES_URL.match(call.request.url).group(1),
                "token": call.request.headers["Authorization"].removeprefix("Bearer "),
                "body": json.loads(call.request.body),
            }
            for call in self.mock.calls
        ]


@pytest.fixture
def graph():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGraph(mock)
