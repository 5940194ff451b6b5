"""Fixtures for the Instagram channel: sample payloads, signed POSTs, a fake Instagram Send API."""

import itertools
import json
import re
import time
from datetime import datetime
from pathlib import Path

import pytest
import responses
from django.conf import settings
from django.utils import timezone

from tenants.tests.factories import TenantFactory

# Meta signs Instagram webhooks like WhatsApp's; the broker fixtures apply here too.
from whatsapp.tests.conftest import _broker_pause_forgotten, celery_retries_inline, sign  # noqa: F401

# Copies of the shared Meta-shaped samples (ids made up), so a clean clone has them.
PAYLOADS = Path(__file__).parent / "payloads"
# The Instagram account every sample is addressed to, and the customer who writes.
SAMPLE_ACCOUNT_ID = "17841400000000001"
SAMPLE_IGSID = "6543210987654321"
WEBHOOK = "/webhooks/instagram"
SEND_URL = re.compile(rf"{re.escape(settings.INSTAGRAM_GRAPH_API_BASE)}/{settings.GRAPH_API_VERSION}/me/messages")


# Instagram's timestamps: Unix milliseconds as numbers (the entry's "time" and each event's "timestamp").
_TIMESTAMP = re.compile(rb'"(?:timestamp|time)": (\d{13})')


def payload_bytes(name: str) -> bytes:
    """A sample as Meta would deliver it now: its timestamps shifted so the newest is the current time.

    Like WhatsApp, Instagram takes messages only within 24 hours of the customer's last
    one, so a sample recorded long ago must not look long ago; ``payload_json`` gives
    the sample exactly as recorded.
    """
    raw = (PAYLOADS / name).read_bytes()
    stamps = [int(match) for match in _TIMESTAMP.findall(raw)]
    if not stamps:
        return raw
    shift = int(time.time() * 1000) - max(stamps)
    return _TIMESTAMP.sub(lambda m: m.group(0).replace(m.group(1), str(int(m.group(1)) + shift).encode()), raw)


def payload_json(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_bytes())


_mids = itertools.count(1)


def direct_message(
    text: str = "", *, quick_reply: str = "", mid: str = "", sender: str = SAMPLE_IGSID,
    account: str = SAMPLE_ACCOUNT_ID, at: datetime | None = None,
) -> dict:
    """A webhook body with one customer message, as Instagram sends it (timestamps in milliseconds)."""
    milliseconds = int((at or timezone.now()).timestamp() * 1000)
    message: dict = {"mid": mid or f"aWdfZAG1fTEST{next(_mids):08d}", "text": text}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    return {
        "object": "instagram",
        "entry": [{
            "id": account,
            "time": milliseconds,
            "messaging": [{
                "sender": {"id": sender}, "recipient": {"id": account}, "timestamp": milliseconds, "message": message,
            }],
        }],
    }


@pytest.fixture
def tenant(db):
    return TenantFactory(
        instagram_account_id=SAMPLE_ACCOUNT_ID, instagram_access_token="IGAA-sample-token", language="it"
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


class FakeInstagram:
    """Records every send to ``/me/messages``; answers each with a fresh mid unless told otherwise."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self._ids = itertools.count(1)
        self.script: list[tuple[int, dict] | None] = []
        mock.add_callback(responses.POST, SEND_URL, callback=self._answer)

    def fail_next(self, status: int, code: int | None = None, message: str = "error") -> None:
        self.script.append((status, {"error": {"message": message, "type": "OAuthException", "code": code}}))

    def _answer(self, request):
        scripted = self.script.pop(0) if self.script else None
        if scripted is not None:
            status, body = scripted
            return status, {}, json.dumps(body)
        recipient = json.loads(request.body)["recipient"]["id"]
        return 200, {}, json.dumps({"recipient_id": recipient, "message_id": f"mid.SENT{next(self._ids):04d}"})

    @property
    def sends(self) -> list[dict]:
        """Each send: bearer token and JSON body."""
        return [
            {
                "token": call.request.headers["Authorization"].removeprefix("Bearer "),
                "body": json.loads(call.request.body),
            }
            for call in self.mock.calls
        ]

    @property
    def messages(self) -> list[dict]:
        return [send["body"]["message"] for send in self.sends]


@pytest.fixture
def instagram():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeInstagram(mock)
